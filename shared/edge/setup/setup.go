// Package setup builds, once per execution environment, what every Resync
// function needs from its environment: the configuration (reported all at
// once), the JSON logger, the Redis client, the token verifier, the EMF
// emitter, and the production safety check. Each function's run calls New
// and adds its own clients.
package setup

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/adapter/redis/ratelimit"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/config"
	"github.com/resync/resync/shared/edge/metrics"
	"github.com/resync/resync/shared/edge/obs"
	"github.com/resync/resync/shared/edge/stage"
)

// Base is what New built. Close releases it.
type Base struct {
	Function string
	Config   config.Common
	Log      *slog.Logger
	Redis    *redis.Client  // nil unless need.Redis
	Verifier *auth.Verifier // nil unless need.Auth
	// Limits is the per-user rate limiter over Redis with the rule table
	// (and RATE_LIMITS' overrides); nil unless need.Redis.
	Limits  *ratelimit.Limiter
	Metrics *metrics.Emitter

	// secrets is the Secrets Manager client, made by secretsClient the
	// first time a secret is read during start-up, and never after.
	secrets config.SecretGetter
}

// secretsClient returns the Secrets Manager client, building it once.
func (b *Base) secretsClient(ctx context.Context) (config.SecretGetter, error) {
	if b.secrets == nil {
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: load AWS config: %w", b.Function, err)
		}
		b.secrets = secretsmanager.NewFromConfig(awsCfg)
	}
	return b.secrets, nil
}

// Close closes the Redis client.
func (b *Base) Close() {
	if b.Redis != nil {
		_ = b.Redis.Close()
	}
}

// New loads the configuration with getenv and builds the common clients for
// function. HWA credentials and the Redis AUTH token are read from Secrets
// Manager when the configuration names their secrets. Outside the local
// stages it refuses unsafe settings, naming every problem.
func New(ctx context.Context, function string, getenv func(string) string, stdout io.Writer, need config.Need) (*Base, error) {
	cfg, err := config.Load(getenv, need)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", function, err)
	}
	b := &Base{
		Function: function,
		Config:   cfg,
		Log:      obs.NewLogger(stdout, obs.ParseLevel(cfg.LogLevel)).With("function", function),
		Metrics:  metrics.New(stdout, "Resync", nil),
	}
	if need.HWA && cfg.HWA.SecretARN != "" {
		sm, err := b.secretsClient(ctx)
		if err != nil {
			return nil, err
		}
		if err := b.Config.ResolveHWA(ctx, sm); err != nil {
			return nil, fmt.Errorf("%s: %w", function, err)
		}
	}
	if need.Redis && cfg.RedisAuthSecretARN != "" {
		sm, err := b.secretsClient(ctx)
		if err != nil {
			return nil, err
		}
		if err := b.Config.ResolveRedis(ctx, sm); err != nil {
			return nil, fmt.Errorf("%s: %w", function, err)
		}
	}
	settings := b.Config.StageSettings(need)
	if need.Redis {
		if b.Redis, err = b.Config.Redis(); err != nil {
			return nil, fmt.Errorf("%s: %w", function, err)
		}
		settings.RedisPing = func(ctx context.Context) error { return b.Redis.Ping(ctx).Err() }
		rules := ratelimit.DefaultRules()
		if cfg.RateLimits != "" {
			if rules, err = ratelimit.ParseRules(cfg.RateLimits); err != nil {
				b.Close()
				return nil, fmt.Errorf("%s: %s: %w", function, config.EnvRateLimits, err)
			}
		}
		if b.Limits, err = ratelimit.New(b.Redis, ratelimit.Config{Rules: rules}); err != nil {
			b.Close()
			return nil, fmt.Errorf("%s: %w", function, err)
		}
	}
	if err := stage.Check(ctx, settings); err != nil {
		b.Close()
		return nil, fmt.Errorf("%s: %w", function, err)
	}
	if need.Auth {
		if b.Verifier, err = b.Config.Verifier(ctx); err != nil {
			b.Close()
			return nil, fmt.Errorf("%s: %w", function, err)
		}
	}
	return b, nil
}

// Closers are what a function built that must be closed when it stops, in
// the order they were built; Close closes them last first, so a client is
// closed before what it was built on. The zero value is ready to use.
type Closers []func()

// Close calls every closer, the last added first.
func (c Closers) Close() {
	for i := len(c) - 1; i >= 0; i-- {
		c[i]()
	}
}
