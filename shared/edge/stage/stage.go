// Package stage names the deployment stage (development, test, dev,
// production) and checks, at start-up, that a configuration outside the
// local stages is safe: Check returns one error naming every unsafe
// setting, so an operator fixes them all in one pass instead of one restart
// per problem.
package stage

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Stage is where the code runs.
type Stage string

// The stages. Development (make dev) and Test (the sam local smoke run)
// are the local stages; Dev is the AWS development deployment (the CDK
// stage "dev"), which runs with production's checks so that what starts in
// dev starts in prod.
const (
	Development Stage = "development"
	Test        Stage = "test"
	Dev         Stage = "dev"
	Production  Stage = "production"
)

// Parse returns the stage named by s (case-insensitive; "prod" is
// accepted for production). An empty s means Development; "dev" is the AWS
// development stage, not the local one. Other values are an error, so a
// typo never silently turns production into development.
func Parse(s string) (Stage, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "development":
		return Development, nil
	case "test":
		return Test, nil
	case "dev":
		return Dev, nil
	case "production", "prod":
		return Production, nil
	default:
		return "", fmt.Errorf("stage: unknown stage %q (want development, test, dev or production)", s)
	}
}

// Checked reports whether Check judges stage s: every stage but the local
// ones, so every stage deployed to AWS.
func (s Stage) Checked() bool { return s != Development && s != Test }

// Settings are the facts about a configuration that Check judges.
type Settings struct {
	Stage Stage
	// InsecureTLS lists the names of switches that turn TLS verification
	// off and are on (e.g. "HWA_INSECURE_TLS").
	InsecureTLS []string
	// DevTokenEndpoint is true when the dev token endpoint is enabled.
	DevTokenEndpoint bool
	// HS256Key is true when a local HS256 signing key is configured (tokens
	// must come from the identity provider's JWKS in production).
	HS256Key bool
	// PlainCredentials lists variables that carry a credential in plain
	// text where a secret should (e.g. a REDIS_URL with a password).
	PlainCredentials []string
	// Secrets maps each required secret's name to its value; an empty value
	// means missing. Values are never printed.
	Secrets map[string]string
	// RedisPing checks that Redis answers; nil means Redis is not configured.
	RedisPing func(ctx context.Context) error
}

// UnsafeError lists every unsafe setting found by Check.
type UnsafeError struct {
	Stage    Stage
	Problems []string
}

func (e *UnsafeError) Error() string {
	noun := "problems"
	if len(e.Problems) == 1 {
		noun = "problem"
	}
	return fmt.Sprintf("stage: %s refuses unsafe configuration (%d %s): %s",
		e.Stage, len(e.Problems), noun, strings.Join(e.Problems, "; "))
}

// Check returns nil in the local stages (see Checked). In every other stage
// it returns an *UnsafeError naming every problem: an insecure TLS switch
// that is on, the dev token endpoint enabled, a missing secret, an HS256
// key, a credential in a plain variable, and Redis not configured or not
// answering.
func Check(ctx context.Context, s Settings) error {
	if !s.Stage.Checked() {
		return nil
	}
	var problems []string
	for _, name := range s.InsecureTLS {
		problems = append(problems, fmt.Sprintf("insecure TLS switch %s is on", name))
	}
	if s.DevTokenEndpoint {
		problems = append(problems, "dev token endpoint is enabled")
	}
	if s.HS256Key {
		problems = append(problems, "an HS256 signing key is configured (use the identity provider's JWKS)")
	}
	for _, name := range s.PlainCredentials {
		problems = append(problems, fmt.Sprintf("%s carries a credential in plain text (use its secret)", name))
	}
	var missing []string
	for name, value := range s.Secrets {
		if value == "" {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	for _, name := range missing {
		problems = append(problems, fmt.Sprintf("secret %s is missing", name))
	}
	if s.RedisPing == nil {
		problems = append(problems, "Redis is not configured")
	} else if err := s.RedisPing(ctx); err != nil {
		problems = append(problems, fmt.Sprintf("Redis is unreachable: %v", err))
	}
	if len(problems) == 0 {
		return nil
	}
	return &UnsafeError{Stage: s.Stage, Problems: problems}
}
