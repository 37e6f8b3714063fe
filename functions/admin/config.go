package main

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/resync/resync/shared/adapter/redis/cache"
	"github.com/resync/resync/shared/adapter/redis/security"
	"github.com/resync/resync/shared/edge/config"
	"github.com/resync/resync/shared/edge/setup"
)

const function = "admin"

// app is everything build made once; Close releases it.
type app struct {
	handler       http.Handler
	setup.Closers // what build made that must be closed; Close closes it, last built first
}

// build reads the configuration once and wires the clients: the only place
// admin builds concrete types.
func build(ctx context.Context, getenv func(string) string, stdout io.Writer) (_ *app, err error) {
	base, err := setup.New(ctx, function, getenv, stdout, config.Need{Redis: true, Auth: true})
	if err != nil {
		return nil, err
	}
	a := &app{Closers: setup.Closers{base.Close}}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	c, err := cache.New(base.Redis, base.Config.CacheConfig())
	if err != nil {
		return nil, fmt.Errorf("admin: cache: %w", err)
	}
	auditLog, trail, err := base.Audit(ctx, getenv)
	if err != nil {
		return nil, err
	}
	// One graph store serves the documents and the review queue; nil when
	// NEO4J_URI is not set, and then both answer that they are not configured.
	g, err := base.Graph(ctx, getenv, false)
	if err != nil {
		return nil, err
	}
	if g != nil {
		a.Closers = append(a.Closers, func() { _ = g.Close(context.Background()) })
	}
	documents, err := buildDocuments(ctx, getenv, g, auditLog)
	if err != nil {
		return nil, err
	}
	reviews, err := buildReviews(ctx, g, auditLog)
	if err != nil {
		return nil, err
	}
	d := deps{
		cache:    c,
		redis:    base.Redis,
		audit:    auditLog,
		security: security.New(base.Redis, 0),
		docs:     documents,
		reviews:  reviews,
	}
	if trail != nil { // a nil *s3audit.Trail must stay a nil interface
		d.trail = trail
	}
	if a.handler, err = newHandler(d, base.Edge()); err != nil {
		return nil, err
	}
	return a, nil
}
