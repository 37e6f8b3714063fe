package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/adapter/redis/cache"
	"github.com/resync/resync/shared/adapter/redis/historystore"
	"github.com/resync/resync/shared/adapter/redis/idemstore"
	"github.com/resync/resync/shared/adapter/redis/proposalstore"
	"github.com/resync/resync/shared/adapter/redis/ratelimit"
	"github.com/resync/resync/shared/app/agent/agenttest"
	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/idempotency"
	"github.com/resync/resync/shared/domain/workload"
)

var t0 = time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is the whole stack over the simulator: the real hwa client, a cache
// and history in Redis, the audit trail, the idempotency guard and the
// rate limiter.
type env struct {
	sim     *hwasim.Server
	hc      *hwa.Client
	src     hwa.PlanSource       // the plan reads over hc: the tools' Flow and Conditions
	mr      *miniredis.Miniredis // nil over a real Redis
	rdb     redis.UniversalClient
	ns      string
	clock   *clock
	plan    *planview.Service
	tools   *Tools
	actions *Actions
	history *History
	audit   *audit.Log
	agents  *Agents
}

type envOptions struct {
	rdb   redis.UniversalClient // default: a miniredis
	guard redis.UniversalClient // Redis of the idempotency store; default rdb
	rules map[ratelimit.Kind]ratelimit.Rule
	// durable is the audit trail's store of record; default none (Redis only).
	durable audit.Durable
}

func randomNS(t *testing.T) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return "test" + hex.EncodeToString(b[:]) + ":"
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	e := &env{clock: &clock{t: t0}, ns: randomNS(t)}
	e.sim = hwasim.New(hwasim.Config{Seed: 1, Now: t0})
	srv := httptest.NewServer(e.sim)
	t.Cleanup(srv.Close)
	hc, err := hwa.New(hwa.Config{BaseURL: srv.URL, Retry: hwa.RetryPolicy{Attempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	e.hc, e.src = hc, hwa.PlanSource{Client: hc}
	e.rdb = o.rdb
	if e.rdb == nil {
		e.mr = miniredis.RunT(t)
		e.rdb = redis.NewClient(&redis.Options{Addr: e.mr.Addr(), MaxRetries: -1})
		t.Cleanup(func() { _ = e.rdb.Close() })
	}
	c, err := cache.New(e.rdb, cache.Config{Namespace: e.ns + "cache"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	e.plan = planview.New(hwa.PlanSource{Client: hc}, c, e.clock.Now)
	guardRDB := o.guard
	if guardRDB == nil {
		guardRDB = e.rdb
	}
	guard := idempotency.New(idemstore.New(guardRDB, e.ns+"idem:"), idempotency.Config{Expiry: time.Hour})
	e.audit = audit.New(e.rdb, audit.Config{Key: e.ns + "audit", Durable: o.durable})
	lim, err := ratelimit.New(e.rdb, ratelimit.Config{Rules: o.rules, Prefix: e.ns})
	if err != nil {
		t.Fatal(err)
	}
	e.actions, err = NewActions(ActionsConfig{Proposals: proposalstore.New(e.rdb, e.ns+"proposal:"), HWA: hwa.Operator{Client: hc}, Reads: e.src, Plan: e.plan, Guard: guard, Audit: e.audit,
		Limiter: lim, Now: e.clock.Now, WaitInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e.tools = NewTools(e.plan, e.src, e.actions)
	e.history = NewHistory(historystore.New(e.rdb, e.ns+"history:"), HistoryConfig{})
	data, err := os.ReadFile("../../../functions/internal/agentsfile/agents.json")
	if err != nil {
		t.Fatal(err)
	}
	if e.agents, err = LoadAgents(data); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) runner(t *testing.T, m *agenttest.Model, cfg RunnerConfig) *Runner {
	t.Helper()
	cfg.Agents, cfg.Models, cfg.Tools = e.agents, OneModel(m), e.tools
	if cfg.History == nil {
		cfg.History = e.history
	}
	cfg.Now = e.clock.Now
	r, err := NewRunner(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// abended returns the plan's abended jobs.
func (e *env) abended(t *testing.T) []planview.JobView {
	t.Helper()
	l, err := e.plan.Jobs(context.Background(), planview.JobQuery{Internal: workload.InternalAbend})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Items) < 2 {
		t.Fatalf("the simulator has %d abended jobs, want at least 2", len(l.Items))
	}
	return l.Items
}

// jobWithSuccessors returns an abended job that has successors.
func (e *env) jobWithSuccessors(t *testing.T) planview.JobView {
	t.Helper()
	for _, j := range e.abended(t) {
		n, err := e.hc.Successors(context.Background(), j.ID, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(n) > 0 && j.LastRun != nil {
			return j
		}
	}
	t.Fatal("no abended job with successors in the simulator")
	return planview.JobView{}
}

func (e *env) actionsOf(verb string) []hwasim.Action {
	var out []hwasim.Action
	for _, a := range e.sim.Actions() {
		if a.Verb == verb {
			out = append(out, a)
		}
	}
	return out
}

func (e *env) auditActions(t *testing.T) []audit.Entry {
	t.Helper()
	p, err := e.audit.List(context.Background(), audit.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return p.Entries
}

var operator = []string{"operator"}

func auditFilter(action string) audit.Filter { return audit.Filter{Action: action, Limit: 1000} }

func hwasimDown() hwasim.Fault { return hwasim.Fault{Status5xx: 503} }
