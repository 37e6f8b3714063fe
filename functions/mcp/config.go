package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/resync/resync/functions/internal/agentsfile"
	"github.com/resync/resync/functions/internal/embedder"
	"github.com/resync/resync/functions/internal/operate"
	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/redis/cache"
	"github.com/resync/resync/shared/app/agent"
	"github.com/resync/resync/shared/app/impact"
	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/app/retrieve"
	"github.com/resync/resync/shared/edge/config"
	"github.com/resync/resync/shared/edge/setup"
)

const function = "mcp"

// need is what mcp requires of the environment.
func need() config.Need { return config.Need{HWA: true, Redis: true, Auth: true} }

// app is everything run builds once.
type app struct {
	handler       http.Handler
	setup.Closers // what build made that must be closed; Close closes it, last built first
}

// build reads the configuration and wires the clients: the plan views, the
// same Actions as chat (proposals, the idempotent confirm, the audit trail
// and the action rate limit) and the tools over them.
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
		return nil, fmt.Errorf("mcp: cache: %w", err)
	}
	a.Closers = append(a.Closers, c.Close)
	plan := planview.New(hwa.PlanSource{Client: hc}, c, nil)
	agents, err := agent.LoadAgents(agentsfile.Bytes())
	if err != nil {
		return nil, fmt.Errorf("mcp: agents.json: %w", err)
	}
	// Impact and why-waiting: the graph first when NEO4J_URI is set, HWA
	// otherwise (the status function's rule); the runbook search, with the
	// embedder ingest used, when the graph is there.
	imp := &impact.Service{Flow: hwa.PlanSource{Client: hc}, Jobs: hwa.PlanSource{Client: hc}}
	kn := agent.Knowledge{Impact: imp}
	g, err := base.Graph(ctx, getenv, false)
	if err != nil {
		return nil, err
	}
	if g != nil {
		imp.Graph = g
		a.Closers = append(a.Closers, func() { _ = g.Close(context.Background()) })
		embed, err := embedder.New(ctx, getenv, base.Log)
		if err != nil {
			return nil, fmt.Errorf("mcp: %w", err)
		}
		kn.Runbooks = retrieve.New(g, embed)
	}
	// The same actions and handover as chat (package operate): a proposal
	// confirmed in the console and over MCP still executes once.
	ops, err := operate.Build(ctx, "mcp", getenv, base, hc, plan, imp)
	if err != nil {
		return nil, err
	}
	actions := ops.Actions
	d := deps{
		tools:   agent.NewTools(plan, hwa.PlanSource{Client: hc}, actions).WithKnowledge(kn).WithHandover(ops.Handover),
		agents:  agents,
		actions: actions,
		issuer:  base.Config.Auth.Issuer,
		console: strings.TrimSuffix(getenv(config.EnvConsoleURL), "/"),
		edge:    base.Edge(),
		log:     base.Log,
	}
	if g != nil {
		d.runbooks = g // the sections ingest wrote, as resources
	}
	h, err := newHandler(d)
	if err != nil {
		return nil, err
	}
	a.handler = h
	return a, nil
}
