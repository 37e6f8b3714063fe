package config

import (
	"context"
	"crypto/tls"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/adapter/redis/cache"
	"github.com/resync/resync/shared/edge/auth"
)

// Redis returns a client for RedisURL (redis:// or rediss:// with TLS, as
// ElastiCache in AWS), authenticating with the token ResolveRedis read when
// a secret is named. It does not dial; the first command does. The client
// honours context deadlines on the wire (go-redis ignores them unless
// ContextTimeoutEnabled is set), so a caller's bound — the cache's per-call
// timeout, a request's deadline — holds when Redis is slow or swallows
// packets, instead of each command waiting out ReadTimeout and its retries.
func (c Common) Redis() (*redis.Client, error) {
	opts, err := redis.ParseURL(c.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("config: parse %s: %w", EnvRedisURL, err)
	}
	if c.redisAuth != "" {
		opts.Password = c.redisAuth
	}
	if opts.TLSConfig != nil && opts.TLSConfig.MinVersion == 0 {
		opts.TLSConfig.MinVersion = tls.VersionTLS12
	}
	opts.ContextTimeoutEnabled = true
	return redis.NewClient(opts), nil
}

// Verifier returns the token verifier: HS256 with the local secret when one
// is set (local stack), otherwise RS256 through the issuer's JWKS (Cognito).
func (c Common) Verifier(ctx context.Context) (*auth.Verifier, error) {
	cfg := auth.Config{Issuer: c.Auth.Issuer, ClientID: c.Auth.ClientID}
	if len(c.Auth.HS256) > 0 {
		v, err := auth.NewHS256(c.Auth.HS256, cfg)
		if err != nil {
			return nil, fmt.Errorf("config: HS256 verifier: %w", err)
		}
		return v, nil
	}
	v, err := auth.NewJWKS(ctx, c.Auth.JWKSURL, cfg, auth.JWKSOptions{})
	if err != nil {
		return nil, fmt.Errorf("config: JWKS verifier: %w", err)
	}
	return v, nil
}

// CacheConfig returns the cache.Config of the settings (zero fields take
// the cache's defaults).
func (c Common) CacheConfig() cache.Config {
	cfg := cache.Config{MaxEntries: c.Cache.MaxEntries, MaxBytes: c.Cache.MaxBytes, RedisTimeout: c.Cache.RedisTimeout}
	if len(c.Cache.TTL) > 0 {
		cfg.TTL = cache.DefaultTTLs()
		for k, d := range c.Cache.TTL {
			cfg.TTL[cache.Kind(k)] = d
		}
	}
	return cfg
}
