package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/redis/cache"
	"github.com/resync/resync/shared/adapter/redis/monitorstore"
	"github.com/resync/resync/shared/app/impact"
	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/edge/api"
	"github.com/resync/resync/shared/edge/config"
	"github.com/resync/resync/shared/edge/setup"
)

const function = "status"

// need is what status requires of the environment.
func need() config.Need { return config.Need{HWA: true, Redis: true, Auth: true} }

// app is everything run builds once.
type app struct {
	handler       http.Handler
	setup.Closers // what build made that must be closed; Close closes it, last built first
}

// build reads the configuration and wires the clients; it reports every
// configuration problem at once and refuses unsafe settings in production.
func build(ctx context.Context, getenv func(string) string, stdout io.Writer) (_ *app, err error) {
	base, err := setup.New(ctx, function, getenv, stdout, need())
	if err != nil {
		return nil, err
	}
	a := &app{Closers: setup.Closers{base.Close}}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	hc, err := base.Config.HWAClient()
	if err != nil {
		return nil, err
	}
	c, err := cache.New(base.Redis, base.Config.CacheConfig())
	if err != nil {
		return nil, fmt.Errorf("status: cache: %w", err)
	}
	g, err := base.Graph(ctx, getenv, false)
	if err != nil {
		return nil, err
	}
	imp := &impact.Service{Flow: hwa.PlanSource{Client: hc}, Jobs: hwa.PlanSource{Client: hc}}
	if g != nil {
		imp.Graph = g
		a.Closers = append(a.Closers, func() { _ = g.Close(context.Background()) })
	}
	if a.handler, err = newApp(planview.New(hwa.PlanSource{Client: hc}, c, nil), monitorstore.New(base.Redis), imp, hc, c, base.Edge(), base.Log); err != nil {
		return nil, err
	}
	return a, nil
}

// newApp builds the handler from built parts; tests call it directly.
func newApp(views *planview.Service, events recentEvents, imp impactService, engine engineInfo, c *cache.Cache, edge *api.Edge, logger *slog.Logger) (http.Handler, error) {
	h, err := newHandler(views, events, imp, engine, edge)
	if err != nil {
		return nil, err
	}
	return &reporting{next: h, cache: c, instance: instanceID(), log: logger}, nil
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
