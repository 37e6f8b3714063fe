// Package config is the environment-variable contract between the CDK app,
// the local stack and the functions, and the loader every function's run
// calls with its injected getenv. Load reports every problem at once.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/resync/resync/shared/edge/stage"
)

// Environment variable names. The CDK app sets them in AWS; infra/local sets
// them for the functions it starts.
const (
	EnvStage    = "STAGE"     // development | test | production
	EnvLogLevel = "LOG_LEVEL" // debug | info | warn | error

	EnvHWAURL       = "HWA_URL"          // server root, e.g. https://mdm:31116
	EnvHWAUser      = "HWA_USER"         // Basic auth user
	EnvHWAPassword  = "HWA_PASSWORD"     // Basic auth password
	EnvHWAAPIKey    = "HWA_API_KEY"      // bearer API key (instead of user/password)
	EnvHWASecretARN = "HWA_SECRET_ARN"   // Secrets Manager secret {"url","user","password","apiKey"}
	EnvHWACAFile    = "HWA_CA_FILE"      // PEM bundle to trust
	EnvHWAInsecure  = "HWA_INSECURE_TLS" // "true" turns TLS verification off (refused in production)
	EnvHWATimeout   = "HWA_TIMEOUT"      // per-call timeout, Go duration

	EnvRedisURL = "REDIS_URL" // redis:// or rediss:// URL; in AWS rediss://host:port, without credentials
	// EnvRedisAuthSecretARN names a plain-string Secrets Manager secret
	// holding the Redis AUTH token (ElastiCache's), read once at start.
	EnvRedisAuthSecretARN = "REDIS_AUTH_SECRET_ARN"

	EnvAuthIssuer   = "AUTH_ISSUER"       // iss of accepted tokens
	EnvAuthClientID = "AUTH_CLIENT_ID"    // Cognito app client id
	EnvAuthJWKSURL  = "AUTH_JWKS_URL"     // RS256 keys; default <issuer>/.well-known/jwks.json
	EnvAuthHS256    = "AUTH_HS256_SECRET" // local stack only: HS256 secret (refused in production)

	EnvNeo4jURI       = "NEO4J_URI"
	EnvNeo4jUser      = "NEO4J_USER"
	EnvNeo4jPassword  = "NEO4J_PASSWORD"
	EnvNeo4jSecretARN = "NEO4J_SECRET_ARN"

	EnvBedrockRegion = "BEDROCK_REGION"
	EnvBedrockModel  = "BEDROCK_MODEL_ID"
	// EnvBedrockEndpoint overrides the Bedrock Runtime endpoint (a VPC
	// endpoint, or the Bedrock stand-in in tests and the local stack).
	EnvBedrockEndpoint = "BEDROCK_ENDPOINT"

	EnvDevTokenEndpoint = "DEV_TOKEN_ENDPOINT" // "true" when the local stack's dev token endpoint is on

	// EnvWSEndpoint is the WebSocket API's @connections endpoint the
	// functions post frames to: https://{api}.execute-api.{region}.amazonaws.com/{stage}
	// in AWS, the local stack's URL locally. Unset: nothing is pushed.
	EnvWSEndpoint = "WS_ENDPOINT"

	// EnvConsoleURL is the web client's origin (mcp links proposals to
	// it); empty means the origin the request came to, as in the local stack.
	EnvConsoleURL = "CONSOLE_URL"

	EnvCacheTTLs       = "CACHE_TTLS"        // per-kind fresh TTLs, e.g. "summary=15s,list=30s,log=60s,job=30s"
	EnvCacheMaxEntries = "CACHE_MAX_ENTRIES" // local tier bound (default 100000)
	EnvCacheMaxBytes   = "CACHE_MAX_BYTES"   // local tier bound in bytes (default 104857600)
	// EnvCacheRedisTimeout bounds each Redis call of the cache (default
	// 300ms); past it the cache reads HWA as if Redis held nothing.
	EnvCacheRedisTimeout = "CACHE_REDIS_TIMEOUT"

	// EnvRateLimits overrides rules of the per-user rate limits, e.g.
	// "http-read=6000/1m" (ratelimit.ParseRules); unset: the rule table.
	EnvRateLimits = "RATE_LIMITS"
)

// Cache tunes the two-tier cache; zero values take the cache's defaults.
type Cache struct {
	TTL          map[string]time.Duration
	MaxEntries   int
	MaxBytes     uint64
	RedisTimeout time.Duration
}

// HWA is how to reach HWA.
type HWA struct {
	URL       string
	User      string
	Password  string
	APIKey    string
	SecretARN string
	CAFile    string
	Insecure  bool
	Timeout   time.Duration
}

// Auth is how tokens are verified.
type Auth struct {
	Issuer   string
	ClientID string
	JWKSURL  string
	HS256    []byte
}

// Common is what every HTTP-facing function needs.
type Common struct {
	Stage    stage.Stage
	LogLevel string
	HWA      HWA
	RedisURL string
	// RedisAuthSecretARN names the secret of the Redis AUTH token;
	// ResolveRedis reads it into redisAuth, which Redis uses.
	RedisAuthSecretARN string
	redisAuth          string
	Auth               Auth
	DevToken           bool
	Cache              Cache
	// RateLimits is RATE_LIMITS, parsed by setup (ratelimit.ParseRules).
	RateLimits string
}

// Need says which parts a function requires.
type Need struct {
	HWA   bool
	Redis bool
	Auth  bool
}

// Load reads the common settings with getenv, checking the parts in need.
// The error lists every problem found, not just the first.
func Load(getenv func(string) string, need Need) (Common, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	c := Common{LogLevel: getenv(EnvLogLevel), RedisURL: getenv(EnvRedisURL), RedisAuthSecretARN: getenv(EnvRedisAuthSecretARN)}
	st := getenv(EnvStage)
	if st == "" {
		st = string(stage.Development)
	}
	var err error
	if c.Stage, err = stage.Parse(st); err != nil {
		bad("%s: %v", EnvStage, err)
	}
	c.DevToken = getenv(EnvDevTokenEndpoint) == "true"
	c.RateLimits = getenv(EnvRateLimits)

	c.HWA = HWA{
		URL: getenv(EnvHWAURL), User: getenv(EnvHWAUser), Password: getenv(EnvHWAPassword),
		APIKey: getenv(EnvHWAAPIKey), SecretARN: getenv(EnvHWASecretARN), CAFile: getenv(EnvHWACAFile),
		Timeout: 10 * time.Second,
	}
	if v := getenv(EnvHWAInsecure); v != "" {
		if c.HWA.Insecure, err = strconv.ParseBool(v); err != nil {
			bad("%s: want true or false, got %q", EnvHWAInsecure, v)
		}
	}
	if v := getenv(EnvHWATimeout); v != "" {
		if c.HWA.Timeout, err = time.ParseDuration(v); err != nil || c.HWA.Timeout <= 0 {
			bad("%s: want a positive Go duration such as 10s, got %q", EnvHWATimeout, v)
		}
	}
	if need.HWA && c.HWA.SecretARN == "" {
		if c.HWA.URL == "" {
			bad("%s is not set (or set %s)", EnvHWAURL, EnvHWASecretARN)
		} else if u, err := url.Parse(c.HWA.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("%s: want an http(s) URL, got %q", EnvHWAURL, c.HWA.URL)
		}
	}

	if need.Redis {
		if c.RedisURL == "" {
			bad("%s is not set", EnvRedisURL)
		} else if !strings.HasPrefix(c.RedisURL, "redis://") && !strings.HasPrefix(c.RedisURL, "rediss://") {
			bad("%s: want a redis:// or rediss:// URL", EnvRedisURL)
		} else if c.RedisAuthSecretARN != "" && redisURLPassword(c.RedisURL) {
			bad("%s carries a password and %s is set: keep the token only in the secret", EnvRedisURL, EnvRedisAuthSecretARN)
		}
	}

	c.Auth = Auth{Issuer: getenv(EnvAuthIssuer), ClientID: getenv(EnvAuthClientID), JWKSURL: getenv(EnvAuthJWKSURL)}
	if s := getenv(EnvAuthHS256); s != "" {
		c.Auth.HS256 = []byte(s)
	}
	if need.Auth {
		if c.Auth.Issuer == "" {
			bad("%s is not set", EnvAuthIssuer)
		}
		if c.Auth.ClientID == "" {
			bad("%s is not set", EnvAuthClientID)
		}
		if c.Auth.HS256 == nil && c.Auth.JWKSURL == "" && c.Auth.Issuer != "" {
			c.Auth.JWKSURL = strings.TrimSuffix(c.Auth.Issuer, "/") + "/.well-known/jwks.json"
		}
	}
	if v := getenv(EnvCacheTTLs); v != "" {
		c.Cache.TTL = map[string]time.Duration{}
		for _, kv := range strings.Split(v, ",") {
			k, d, ok := strings.Cut(strings.TrimSpace(kv), "=")
			ttl, err := time.ParseDuration(d)
			if !ok || k == "" || err != nil || ttl <= 0 {
				bad("%s: want kind=duration pairs such as summary=15s, got %q", EnvCacheTTLs, kv)
				continue
			}
			c.Cache.TTL[k] = ttl
		}
	}
	if v := getenv(EnvCacheMaxEntries); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n <= 0 {
			bad("%s: want a positive integer, got %q", EnvCacheMaxEntries, v)
		} else {
			c.Cache.MaxEntries = n
		}
	}
	if v := getenv(EnvCacheMaxBytes); v != "" {
		if n, err := strconv.ParseUint(v, 10, 64); err != nil || n == 0 {
			bad("%s: want a positive number of bytes, got %q", EnvCacheMaxBytes, v)
		} else {
			c.Cache.MaxBytes = n
		}
	}
	if v := getenv(EnvCacheRedisTimeout); v != "" {
		if d, err := time.ParseDuration(v); err != nil || d <= 0 {
			bad("%s: want a positive duration such as 300ms, got %q", EnvCacheRedisTimeout, v)
		} else {
			c.Cache.RedisTimeout = d
		}
	}
	if len(problems) > 0 {
		return c, errors.New("config: " + strings.Join(problems, "; "))
	}
	return c, nil
}

// StageSettings returns the facts stage.Check judges. Secrets are the
// values that must be present (from the environment or Secrets Manager).
func (c Common) StageSettings(need Need) stage.Settings {
	s := stage.Settings{Stage: c.Stage, DevTokenEndpoint: c.DevToken, HS256Key: len(c.Auth.HS256) > 0, Secrets: map[string]string{}}
	if c.HWA.Insecure {
		s.InsecureTLS = append(s.InsecureTLS, EnvHWAInsecure)
	}
	if c.RedisAuthSecretARN != "" {
		s.Secrets["Redis AUTH token"] = c.redisAuth
	}
	if redisURLPassword(c.RedisURL) {
		s.PlainCredentials = append(s.PlainCredentials, EnvRedisURL)
	}
	if need.HWA {
		cred := c.HWA.APIKey
		if cred == "" && c.HWA.User != "" {
			cred = c.HWA.Password
		}
		s.Secrets["HWA credentials"] = cred
	}
	return s
}

// redisURLPassword reports whether a Redis URL carries a password.
func redisURLPassword(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return false
	}
	p, ok := u.User.Password()
	return ok && p != ""
}
