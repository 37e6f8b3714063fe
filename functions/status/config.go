package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/api"
	"github.com/resync/resync/shared/auth"
	"github.com/resync/resync/shared/cache"
	"github.com/resync/resync/shared/config"
	"github.com/resync/resync/shared/metrics"
	"github.com/resync/resync/shared/obs"
	"github.com/resync/resync/shared/planview"
	"github.com/resync/resync/shared/security"
	"github.com/resync/resync/shared/stage"
)

const function = "status"

// need is what status requires of the environment.
func need() config.Need { return config.Need{HWA: true, Redis: true, Auth: true} }

// app is everything run builds once.
type app struct {
	handler http.Handler
	rdb     *redis.Client
}

func (a *app) close() { _ = a.rdb.Close() }

// build reads the configuration and wires the clients; it reports every
// configuration problem at once and refuses unsafe settings in production.
func build(ctx context.Context, getenv func(string) string, stdout io.Writer) (*app, error) {
	cfg, err := config.Load(getenv, need())
	if err != nil {
		return nil, err
	}
	logger := obs.NewLogger(stdout, obs.ParseLevel(cfg.LogLevel))
	if cfg.HWA.SecretARN != "" {
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("status: load AWS config: %w", err)
		}
		if err := cfg.ResolveHWA(ctx, secretsmanager.NewFromConfig(awsCfg)); err != nil {
			return nil, err
		}
	}
	rdb, err := cfg.Redis()
	if err != nil {
		return nil, err
	}
	settings := cfg.StageSettings(need())
	settings.RedisPing = func(ctx context.Context) error { return rdb.Ping(ctx).Err() }
	if err := stage.Check(ctx, settings); err != nil {
		rdb.Close()
		return nil, err
	}
	hc, err := cfg.HWAClient()
	if err != nil {
		rdb.Close()
		return nil, err
	}
	c, err := cache.New(rdb, cache.Config{})
	if err != nil {
		rdb.Close()
		return nil, fmt.Errorf("status: cache: %w", err)
	}
	verifier, err := cfg.Verifier(ctx)
	if err != nil {
		rdb.Close()
		return nil, err
	}
	h, err := newApp(planview.New(planview.HWA{Client: hc}, c, nil), c, verifier, rdb, logger, metrics.New(stdout, "Resync", nil))
	if err != nil {
		rdb.Close()
		return nil, err
	}
	return &app{handler: h, rdb: rdb}, nil
}

// newApp builds the handler from built parts; tests call it directly.
func newApp(views *planview.Service, c *cache.Cache, v api.Authenticator, rdb redis.Cmdable, logger *slog.Logger, emf *metrics.Emitter) (http.Handler, error) {
	sec := security.New(rdb, 0)
	edge := &api.Edge{
		Function: function,
		Auth:     v,
		Log:      logger,
		Metrics:  emf,
		Refused: func(ctx context.Context, r *http.Request, err error) {
			kind := security.RefusedToken
			if errors.Is(err, auth.ErrForbidden) {
				kind = security.ForbiddenRole
			}
			user := ""
			if c, ok := auth.FromContext(ctx); ok {
				user = c.User()
			}
			if err := sec.Record(ctx, security.Event{Kind: kind, User: user, Reason: refusal(err), Route: r.Method + " " + r.URL.Path, Function: function}); err != nil {
				logger.WarnContext(ctx, "recording a security event failed", "err", err.Error())
			}
		},
	}
	h, err := newHandler(views, edge)
	if err != nil {
		return nil, err
	}
	return &reporting{next: h, cache: c, instance: instanceID(), log: logger}, nil
}

// refusal names why a token was refused, without the token.
func refusal(err error) string {
	switch {
	case errors.Is(err, auth.ErrMissing):
		return "missing token"
	case errors.Is(err, auth.ErrExpired):
		return "expired token"
	case errors.Is(err, auth.ErrForbidden):
		return "role too low"
	}
	return "invalid token"
}

// reporting publishes the cache statistics of this process at most every
// reportEvery, after a request, so the admin view can sum every instance.
type reporting struct {
	next     http.Handler
	cache    *cache.Cache
	instance string
	log      *slog.Logger
	last     atomic.Int64
}

const reportEvery = 30 * time.Second

func (p *reporting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.next.ServeHTTP(w, r)
	now := time.Now().UnixNano()
	last := p.last.Load()
	if now-last < int64(reportEvery) || !p.last.CompareAndSwap(last, now) {
		return
	}
	if err := p.cache.Report(r.Context(), function, p.instance); err != nil {
		p.log.WarnContext(r.Context(), "publishing cache stats failed", "err", err.Error())
	}
}

func instanceID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
