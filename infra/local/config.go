package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/resync/resync/infra/local/internal/schedule"
	"github.com/resync/resync/shared/domain/frames"
	sharedconfig "github.com/resync/resync/shared/edge/config"
	"github.com/resync/resync/shared/edge/routes"
	"github.com/resync/resync/shared/edge/stage"
)

// Environment variables of the local stack itself. The functions' variables
// are those of shared/edge/config; the stack sets them for the processes it runs.
const (
	envAddr        = "LOCAL_ADDR"        // listen address, default 127.0.0.1:8080
	envBinDir      = "LOCAL_BIN_DIR"     // function binaries, default .cache/local-bin
	envSchedules   = "LOCAL_SCHEDULES"   // on (default) | fast | off
	envConcurrency = "LOCAL_CONCURRENCY" // processes per function, default 4
	envTimeout     = "LOCAL_TIMEOUT"     // per-invoke timeout of every function (default: deployedTimeouts, else 30s); LOCAL_TIMEOUT_<FN> per function
	envTokenTTL    = "LOCAL_TOKEN_TTL"   // dev token lifetime, default 1h
	envHWASeed     = "LOCAL_HWA_SEED"    // seed of the embedded simulator's plan, default 1
	envPassEnv     = "LOCAL_PASS_ENV"    // comma-separated names of more variables passed to the functions
	envWSIdle      = "LOCAL_WS_IDLE"     // WebSocket idle timeout, default 10m
	envWSLifetime  = "LOCAL_WS_LIFETIME" // WebSocket connection lifetime, default 2h
	envWebDir      = "LOCAL_WEB_DIR"     // the browser client served at /, default web
	envAsyncRetry  = "LOCAL_ASYNC_RETRY" // delays of the retries of a failed asynchronous invoke, default 1m,2m; none: no retry
	envRegion      = "AWS_REGION"
)

// Issuer and client id of the tokens the dev token endpoint mints.
const (
	localIssuer   = "resync-local"
	localClientID = "resync-local"
)

// passThrough are the variables of the stack's own environment that the
// function processes inherit (the rest of the contract is set by the stack).
var passThrough = []string{
	"PATH", "HOME", "TMPDIR", "TZ", "LANG", "GOCOVERDIR",
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
	"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
	sharedconfig.EnvLogLevel,
	sharedconfig.EnvHWAUser, sharedconfig.EnvHWAPassword, sharedconfig.EnvHWAAPIKey, sharedconfig.EnvHWACAFile,
	sharedconfig.EnvHWAInsecure, sharedconfig.EnvHWATimeout,
	sharedconfig.EnvNeo4jURI, sharedconfig.EnvNeo4jUser, sharedconfig.EnvNeo4jPassword,
	sharedconfig.EnvBedrockRegion, sharedconfig.EnvBedrockModel,
	sharedconfig.EnvRateLimits,
}

// deployedTimeouts are the functions' timeouts where they differ from 30 s,
// as infra/cdk deploys them (defaultSizes in infra/cdk/stack/stage.go):
// chat outlives the 29 s WebSocket route timeout on purpose and keeps
// posting. LOCAL_TIMEOUT or LOCAL_TIMEOUT_<FN> overrides them.
var deployedTimeouts = map[string]time.Duration{
	routes.Chat:   5 * time.Minute,
	routes.Ingest: 15 * time.Minute,
	routes.Health: time.Minute,
}

type config struct {
	Addr        string
	BinDir      string
	WebDir      string // the browser client (web/), served at /
	Stage       stage.Stage
	Schedules   schedule.Mode
	HWAURL      string // empty: embedded simulator
	RedisURL    string // empty: embedded miniredis
	Secret      []byte // HS256 secret shared with the functions
	Concurrency int
	Timeout     time.Duration
	Timeouts    map[string]time.Duration // per function
	TokenTTL    time.Duration
	HWASeed     int64
	WSIdle      time.Duration // WebSocket idle timeout
	WSLifetime  time.Duration // WebSocket connection lifetime
	// AsyncRetry are the delays before each retry of an asynchronous
	// invoke (an S3 object event) that failed: Lambda retries twice, after
	// about one and two minutes (RetryAttempts 2 in infra/cdk).
	AsyncRetry []time.Duration
	Region     string
	Env        []string // "KEY=value" passed to every function
	// Prod is the production-parity mode (LOCAL_PROD; see prod.go): STAGE
	// prod and the prod template's variables, with local stand-ins.
	Prod bool
	// Getenv is the stack's own environment (the production-parity mode
	// reads the Neo4j to use from it).
	Getenv func(string) string
	// Base are the variables every function process inherits whatever the
	// mode (PATH, HOME, ... and those LOCAL_PASS_ENV names), KEY=value.
	Base []string
}

// loadConfig reads the stack's settings with getenv, reporting every
// problem at once.
func loadConfig(getenv func(string) string, functions []string) (config, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	or := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	c := config{
		Addr:     or(getenv(envAddr), "127.0.0.1:8080"),
		BinDir:   or(getenv(envBinDir), ".cache/local-bin"),
		WebDir:   or(getenv(envWebDir), "web"),
		HWAURL:   getenv(sharedconfig.EnvHWAURL),
		RedisURL: getenv(sharedconfig.EnvRedisURL),
		Region:   or(getenv(envRegion), "us-east-1"),
		Timeouts: map[string]time.Duration{},
	}
	var err error
	if c.Stage, err = stage.Parse(getenv(sharedconfig.EnvStage)); err != nil {
		bad("%s: %v", sharedconfig.EnvStage, err)
	}
	if c.Schedules, err = schedule.ParseMode(getenv(envSchedules)); err != nil {
		bad("%s: %v", envSchedules, err)
	}
	c.Concurrency = 4
	if v := getenv(envConcurrency); v != "" {
		if c.Concurrency, err = strconv.Atoi(v); err != nil || c.Concurrency < 1 {
			bad("%s: want a positive integer, got %q", envConcurrency, v)
		}
	}
	duration := func(name string, def time.Duration) time.Duration {
		v := getenv(name)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			bad("%s: want a positive Go duration such as 30s, got %q", name, v)
			return def
		}
		return d
	}
	c.Timeout = duration(envTimeout, 30*time.Second)
	for _, fn := range functions {
		def := c.Timeout
		if d, ok := deployedTimeouts[fn]; ok && getenv(envTimeout) == "" {
			def = d
		}
		c.Timeouts[fn] = duration(envTimeout+"_"+strings.ToUpper(fn), def)
	}
	c.TokenTTL = duration(envTokenTTL, time.Hour)
	c.WSIdle = duration(envWSIdle, frames.IdleTimeout)
	c.WSLifetime = duration(envWSLifetime, frames.MaxLifetime)
	c.AsyncRetry = []time.Duration{time.Minute, 2 * time.Minute}
	if v := getenv(envAsyncRetry); v == "none" {
		c.AsyncRetry = nil
	} else if v != "" {
		c.AsyncRetry = nil
		for f := range strings.SplitSeq(v, ",") {
			d, err := time.ParseDuration(strings.TrimSpace(f))
			if err != nil || d <= 0 {
				bad("%s: want none or positive Go durations separated by commas (1m,2m), got %q", envAsyncRetry, v)
				break
			}
			c.AsyncRetry = append(c.AsyncRetry, d)
		}
	}
	c.HWASeed = 1
	if v := getenv(envHWASeed); v != "" {
		if c.HWASeed, err = strconv.ParseInt(v, 10, 64); err != nil {
			bad("%s: want an integer, got %q", envHWASeed, v)
		}
	}

	if s := getenv(sharedconfig.EnvAuthHS256); s != "" {
		c.Secret = []byte(s)
		if len(c.Secret) < 32 {
			bad("%s: want at least 32 bytes", sharedconfig.EnvAuthHS256)
		}
	} else {
		// A fresh secret per run: tokens do not outlive the stack.
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			bad("generate a token secret: %v", err)
		}
		c.Secret = []byte(hex.EncodeToString(b[:]))
	}
	names := append([]string(nil), passThrough...)
	base := []string{"PATH", "HOME", "TMPDIR", "TZ", "LANG", "GOCOVERDIR"}
	for n := range strings.SplitSeq(getenv(envPassEnv), ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
			base = append(base, n)
		}
	}
	for _, k := range names {
		if v := getenv(k); v != "" {
			c.Env = append(c.Env, k+"="+v)
		}
	}
	for _, k := range base {
		if v := getenv(k); v != "" {
			c.Base = append(c.Base, k+"="+v)
		}
	}
	c.Getenv = getenv
	switch v := strings.ToLower(getenv(envProd)); v {
	case "", "0", "false":
	case "1", "true":
		c.Prod = true
		if st := getenv(sharedconfig.EnvStage); st != "" && c.Stage != stage.Production {
			bad("%s=%s contradicts %s: the production-parity mode runs stage prod", sharedconfig.EnvStage, st, envProd)
		}
		c.Stage = stage.Production
	default:
		bad("%s: want 1 or true, got %q", envProd, v)
	}
	if len(problems) > 0 {
		return c, errors.New("local: " + strings.Join(problems, "; "))
	}
	return c, nil
}

// devTokens reports whether the dev token endpoint is on: everywhere but
// production.
func (c config) devTokens() bool { return c.Stage != stage.Production }
