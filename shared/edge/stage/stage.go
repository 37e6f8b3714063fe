// Package stage names the deployment stage (development, test, production)
// and checks, at start-up, that a production configuration is safe: Check
// returns one error naming every unsafe setting, so an operator fixes them
// all in one pass instead of one restart per problem.
package stage

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Stage is where the code runs.
type Stage string

// The stages.
const (
	Development Stage = "development"
	Test        Stage = "test"
	Production  Stage = "production"
)

// Parse returns the stage named by s (case-insensitive; "dev" and "prod" are
// accepted). An empty s means Development. Other values are an error, so a
// typo never silently turns production into development.
func Parse(s string) (Stage, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "development", "dev":
		return Development, nil
	case "test":
		return Test, nil
	case "production", "prod":
		return Production, nil
	default:
		return "", fmt.Errorf("stage: unknown stage %q (want development, test or production)", s)
	}
}

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

// Check returns nil outside production. In production it returns an
// *UnsafeError naming every problem: an insecure TLS switch that is on, the
// dev token endpoint enabled, a missing secret, an HS256 key, and Redis not
// configured or not answering.
func Check(ctx context.Context, s Settings) error {
	if s.Stage != Production {
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
