// Package prodenv gives a test the environment the synthesized prod
// template gives a function — the same variable names (prod-env.json, kept
// equal to the template by infra/cdk's tests), STAGE=prod — with each AWS or
// managed service that cannot exist in a unit test replaced by a local part
// that the function reaches through its real client:
//
//   - Secrets Manager: a stand-in that speaks the service's JSON 1.1
//     protocol and verifies each request's SigV4 signature with the AWS
//     SDK's own signer, reached through AWS_ENDPOINT_URL_SECRETS_MANAGER; it
//     holds the HWA and Neo4j secrets and the Redis AUTH token, as in AWS;
//   - Cognito: an oidclocal issuer (RS256, JWKS, Cognito's claims);
//   - ElastiCache: miniredis with AUTH (REDIS_URL without credentials, the
//     token in the REDIS_AUTH_SECRET_ARN secret, as the template puts it);
//   - HWA: the simulator with HTTP Basic authentication;
//   - Neo4j Aura: the test server when one runs (make test), else an
//     address where nothing listens — the functions must boot either way.
//
// Bedrock, S3 and the WebSocket management API are named by the template
// but not called at start, so their values are the template's shapes.
// Every function's boot test (functions/<fn>/boot_test.go) builds the
// function with Env, so a function that cannot start with the shipped
// configuration fails in `go test`, not after a deploy.
package prodenv

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"testing"

	"github.com/alicebob/miniredis/v2"

	"github.com/resync/resync/internal/oidclocal"
	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
)

//go:embed prod-env.json
var prodEnvJSON []byte

// Names returns the variable names the prod template gives each function.
func Names() (map[string][]string, error) {
	var m map[string]any
	if err := json.Unmarshal(prodEnvJSON, &m); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for fn, v := range m {
		list, ok := v.([]any)
		if !ok {
			continue // _comment
		}
		for _, n := range list {
			if s, ok := n.(string); ok {
				out[fn] = append(out[fn], s)
			}
		}
		sort.Strings(out[fn])
	}
	return out, nil
}

// Test credentials and names.
const (
	Region        = "eu-west-1"
	AccessKey     = "AKIDPRODENVTEST"
	SecretKey     = "prodenv-secret-access-key"
	HWASecretARN  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:resync-prod-hwa-Ab12Cd"
	NeoSecretARN  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:resync-prod-neo4j-Ef34Gh"
	RedisAuthARN  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:resync-prod-cache-auth-Ij56Kl"
	AlertsARN     = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:resync-prod-alerts-Mn78Op"
	ClientID      = "prodenv-client"
	HWAUser       = "resync"
	HWAPassword   = "hwa-password-from-the-secret"
	RedisPassword = "elasticache-auth-token"
	unreachable   = "neo4j+s://127.0.0.1:1" // nothing listens on port 1
)

// Options change the environment.
type Options struct {
	// Neo4jDown points NEO4J_URI at an address where nothing listens.
	Neo4jDown bool
}

// Stack is the local parts of one test's environment.
type Stack struct {
	HWA     *hwasim.Server
	Issuer  *oidclocal.Issuer
	Secrets *Secrets
	Redis   *miniredis.Miniredis
	values  map[string]string
	names   map[string][]string
}

// Start starts the local parts and sets the process variables the AWS SDK
// reads (region, credentials, the Secrets Manager endpoint); they are
// restored when the test ends, so tests using Start cannot run in parallel.
func Start(t testing.TB, o Options) *Stack {
	t.Helper()
	names, err := Names()
	if err != nil {
		t.Fatalf("prodenv: prod-env.json: %v", err)
	}
	s := &Stack{names: names}

	s.HWA = hwasim.New(hwasim.Config{Seed: 7, Users: map[string]string{HWAUser: HWAPassword}})
	hwaSrv := httptest.NewServer(s.HWA)
	t.Cleanup(hwaSrv.Close)

	mux := http.NewServeMux()
	idp := httptest.NewServer(mux)
	t.Cleanup(idp.Close)
	if s.Issuer, err = oidclocal.New(oidclocal.Config{URL: idp.URL + "/" + Region + "_pool", ClientID: ClientID}); err != nil {
		t.Fatal(err)
	}
	mux.Handle("/"+Region+"_pool/", http.StripPrefix("/"+Region+"_pool", s.Issuer.Handler()))

	s.Redis = miniredis.NewMiniRedis()
	s.Redis.RequireAuth(RedisPassword)
	if err := s.Redis.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Redis.Close)

	neoURI, neoUser, neoPassword := unreachable, "neo4j", "not-the-password"
	if !o.Neo4jDown && (os.Getenv(testenv.EnvNeo4jURI) != "" || testenv.Required()) {
		c := testenv.Neo4j(t)
		neoURI, neoUser, neoPassword = c.URI, c.User, c.Password
	}
	hwaSecret, _ := json.Marshal(map[string]string{"url": hwaSrv.URL, "user": HWAUser, "password": HWAPassword})
	neoSecret, _ := json.Marshal(map[string]string{"user": neoUser, "password": neoPassword})
	s.Secrets = NewSecrets(AccessKey, SecretKey, Region, SecretValues(string(hwaSecret), string(neoSecret), RedisPassword))
	smSrv := httptest.NewServer(s.Secrets)
	t.Cleanup(smSrv.Close)

	// What the Lambda runtime gives every function, pointed at the stand-in.
	for k, v := range map[string]string{
		"AWS_REGION":                       Region,
		"AWS_ACCESS_KEY_ID":                AccessKey,
		"AWS_SECRET_ACCESS_KEY":            SecretKey,
		"AWS_SESSION_TOKEN":                "",
		"AWS_PROFILE":                      "",
		"AWS_CONFIG_FILE":                  os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE":      os.DevNull,
		"AWS_EC2_METADATA_DISABLED":        "true",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": smSrv.URL,
	} {
		t.Setenv(k, v)
	}

	s.values = Values(Local{
		RedisURL: "redis://" + s.Redis.Addr(), HWAURL: hwaSrv.URL, Neo4jURI: neoURI,
		Issuer: s.Issuer.URL(), ClientID: ClientID, Region: Region,
		DocumentsBucket: "resync-prod-documents-123456789012",
		AuditBucket:     "resync-prod-audit-123456789012",
		WSEndpoint:      "https://abc123.execute-api." + Region + ".amazonaws.com/prod",
		ConsoleURL:      "https://d111111abcdef8.cloudfront.net",
	})
	return s
}

// Env returns the getenv of function fn: every name the prod template
// gives fn, with its local value, and nothing else (the process variables
// of the runtime are set by Start). A name without a local value fails the
// test: nothing the template sets is silently dropped.
func (s *Stack) Env(t testing.TB, fn string) func(string) string {
	t.Helper()
	list, ok := s.names[fn]
	if !ok {
		t.Fatalf("prodenv: prod-env.json names no function %q", fn)
	}
	env, missing := Select(list, s.values)
	if len(missing) > 0 {
		t.Fatalf("prodenv: the prod template gives %s the variables %v, which prodenv has no local value for", fn, missing)
	}
	return func(k string) string { return env[k] }
}

// Local are the values of the prod template's variables that depend on
// where the local parts run.
type Local struct {
	RedisURL        string // redis:// or rediss://, without credentials (the token is in the Redis AUTH secret)
	HWAURL          string
	Neo4jURI        string
	Issuer          string // the OIDC issuer's URL (Cognito's stand-in)
	ClientID        string
	Region          string // also Bedrock's
	DocumentsBucket string
	AuditBucket     string // the audit trail's bucket (Object Lock)
	WSEndpoint      string // the @connections API
	ConsoleURL      string // the web client's origin
}

// Values returns every variable the prod template sets (prod-env.json)
// with its local value: the secrets by the ARNs the Secrets Manager
// stand-in holds, the models the template names, and l for the rest. It is
// the one table of local values, used by the boot tests (Start) and by the
// local stack's production-parity mode.
func Values(l Local) map[string]string {
	return map[string]string{
		"STAGE":                  "prod",
		"LOG_LEVEL":              "info",
		"REDIS_URL":              l.RedisURL,
		"REDIS_AUTH_SECRET_ARN":  RedisAuthARN,
		"HWA_URL":                l.HWAURL,
		"HWA_SECRET_ARN":         HWASecretARN,
		"NEO4J_URI":              l.Neo4jURI,
		"NEO4J_SECRET_ARN":       NeoSecretARN,
		"AUTH_ISSUER":            l.Issuer,
		"AUTH_CLIENT_ID":         l.ClientID,
		"BEDROCK_REGION":         l.Region,
		"BEDROCK_MODEL_ID":       "anthropic.claude-3-5-haiku-20241022-v1:0",
		"BEDROCK_EMBED_MODEL_ID": "amazon.titan-embed-text-v2:0",
		"DOCUMENTS_BUCKET":       l.DocumentsBucket,
		"AUDIT_BUCKET":           l.AuditBucket,
		"WS_ENDPOINT":            l.WSEndpoint,
		"CONSOLE_URL":            l.ConsoleURL,
		"METRICS_NAMESPACE":      "Resync/Health",
		"ALERTS_SECRET_ARN":      AlertsARN,
		"SHIFTS":                 "06:00,14:00,22:00",
		"PLAN_TIME_ZONE":         "UTC",
	}
}

// SecretValues is every secret the prod template names, by ARN, with its
// local value: the HWA and Neo4j credentials (JSON), the Redis AUTH token
// and the alerts webhooks ("{}", as the template creates it: no webhook
// yet). The boot tests and the production-parity mode hold the same table.
func SecretValues(hwaJSON, neoJSON, redisToken string) map[string]string {
	return map[string]string{HWASecretARN: hwaJSON, NeoSecretARN: neoJSON, RedisAuthARN: redisToken, AlertsARN: "{}"}
}

// Select returns the variables of names with their values, and the names
// that values has no value for, in the order of names.
func Select(names []string, values map[string]string) (map[string]string, []string) {
	env := make(map[string]string, len(names))
	var missing []string
	for _, n := range names {
		v, ok := values[n]
		if !ok {
			missing = append(missing, n)
			continue
		}
		env[n] = v
	}
	return env, missing
}
