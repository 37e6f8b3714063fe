package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/app/agent"
	"github.com/resync/resync/shared/app/docs"
	"github.com/resync/resync/shared/app/memory"
	"github.com/resync/resync/shared/app/offline"
	"github.com/resync/resync/shared/app/retrieve"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/config"
	"github.com/resync/resync/shared/edge/obs"
	"github.com/resync/resync/shared/edge/setup"
)

// With the graph configured, every answered turn is kept in memory (checked
// by the auditor) and a low rating makes a review item.
func TestTurnsAndLowRatingsReachMemory(t *testing.T) {
	cfg := testenv.Neo4j(t)
	ctx := context.Background()
	g, err := graph.Open(ctx, graph.Config{URI: cfg.URI, User: cfg.User, Password: cfg.Password})
	if err != nil {
		t.Fatal(err)
	}
	user := fmt.Sprintf("alice-%d", time.Now().UnixNano())
	t.Cleanup(func() {
		_, _ = g.Write(context.Background(), `MATCH (n) WHERE (n:Turn OR n:ReviewItem) AND n.user = $u DETACH DELETE n`, map[string]any{"u": user})
		_ = g.Close(context.Background())
	})
	f := newFixture(t, offline.New())
	mem, err := memory.New(memory.Config{Graph: g, Embed: docs.Hashing{}, Auditor: &memory.Auditor{Plan: memory.PlanView{Plan: f.plan}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := mem.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	d := f.h.deps
	d.memory = mem
	f.h = newHandler(d)

	f.connect(t, "c1", user, auth.RoleOperator)
	fs := f.send(t, "c1", map[string]any{"action": "chat", "id": "m1", "conversationId": "conv1", "text": "which jobs abended?"})
	final := only(fs, "final")
	if len(final) != 1 {
		t.Fatalf("frames %v, want a final", types(fs))
	}
	recs, err := g.Read(ctx, `MATCH (t:Turn {user: $u, id: 'm1'}) OPTIONAL MATCH (t)-[:ABOUT]->(j:Job) RETURN t.question AS q, t.answer AS a, t.agent AS agent`, map[string]any{"u": user})
	if err != nil || len(recs) != 1 {
		t.Fatalf("turn in the graph: %d records, %v", len(recs), err)
	}
	q, _ := recs[0].Get("q")
	a, _ := recs[0].Get("a")
	if q != "which jobs abended?" || a != final[0]["text"] {
		t.Errorf("turn = %q / %q, want the question and the final text", q, a)
	}
	// The offline model's answer names only real jobs: nothing to review.
	p, err := mem.Reviews(ctx, memory.Filter{User: user})
	if err != nil || len(p.Items) != 0 {
		t.Errorf("review items after a correct answer = %+v, %v", p.Items, err)
	}

	fs = f.send(t, "c1", map[string]any{"action": "feedback", "messageId": "m1", "rating": 1, "comment": "missed one"})
	if ev := only(fs, "event"); len(ev) != 1 || ev[0]["kind"] != "feedback_recorded" {
		t.Fatalf("feedback frames %v", fs)
	}
	p, err = mem.Reviews(ctx, memory.Filter{User: user})
	if err != nil || len(p.Items) != 1 {
		t.Fatalf("review items after a rating of 1 = %+v, %v", p.Items, err)
	}
	it := p.Items[0]
	if it.Reason != memory.ReasonLowRating || it.TurnID != "m1" || it.Status != memory.StatusOpen || !strings.Contains(it.Detail, "missed one") || it.Answer != final[0]["text"] {
		t.Errorf("review item = %+v", it)
	}
	// A good rating makes none.
	f.send(t, "c1", map[string]any{"action": "chat", "id": "m2", "conversationId": "conv1", "text": "plan summary"})
	f.send(t, "c1", map[string]any{"action": "feedback", "messageId": "m2", "rating": 5})
	if p, _ := mem.Reviews(ctx, memory.Filter{User: user}); len(p.Items) != 1 {
		t.Errorf("after a good rating there are %d items, want 1", len(p.Items))
	}
}

// buildKnowledge: without NEO4J_URI chat answers with HWA-only impact, no
// runbook search and no memory; with it, all three are wired; an
// unreachable graph degrades to the former instead of failing the start.
func TestBuildKnowledge(t *testing.T) {
	ctx := context.Background()
	base := &setup.Base{Log: obs.NewLogger(io.Discard, slog.LevelDebug)}
	f := newFixture(t, offline.New())
	hc, err := hwa.New(hwa.Config{BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	kn, err := buildKnowledge(ctx, env(nil), base, f.plan, hc)
	if err != nil || kn.tools.Runbooks != nil || kn.memory != nil || kn.tools.Impact == nil {
		t.Errorf("without a graph: %+v, %v", kn, err)
	}
	kn.close()

	// Neo4j down at cold start: chat boots with the features wired, each
	// answering "unavailable" (so the caller falls back and says so) until
	// the server returns; the driver reconnects by itself.
	start := time.Now()
	kn, err = buildKnowledge(ctx, env(map[string]string{config.EnvNeo4jURI: "bolt://127.0.0.1:1", config.EnvNeo4jPassword: "x"}), base, f.plan, hc)
	if err != nil || kn.tools.Runbooks == nil || kn.memory == nil {
		t.Fatalf("graph unreachable: %+v, %v; want the features wired and no error", kn, err)
	}
	if took := time.Since(start); took > startWait+5*time.Second {
		t.Errorf("building with the graph down took %s; the start must not wait for Neo4j beyond %s", took, startWait)
	}
	if _, err := kn.tools.Runbooks.Search(ctx, "restart the agent", 3); !errors.Is(err, retrieve.ErrUnavailable) {
		t.Errorf("runbook search with the graph down: %v, want retrieve.ErrUnavailable", err)
	}
	kn.close()

	cfg := testenv.Neo4j(t)
	kn, err = buildKnowledge(ctx, env(map[string]string{config.EnvNeo4jURI: cfg.URI, config.EnvNeo4jUser: cfg.User, config.EnvNeo4jPassword: cfg.Password}), base, f.plan, hc)
	if err != nil {
		t.Fatal(err)
	}
	defer kn.close()
	if kn.tools.Runbooks == nil || kn.memory == nil || kn.tools.Impact == nil {
		t.Errorf("with a graph: %+v", kn)
	}
}

// stuckMemory is a conversation memory whose graph never answers
// (black-holed): every call waits for its context.
type stuckMemory struct{}

func (stuckMemory) Answered(ctx context.Context, _ agent.Turn, _ agent.Answer) ([]memory.ReviewItem, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
func (stuckMemory) Rate(ctx context.Context, _, _ string, _ int, _ string) (*memory.ReviewItem, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// A memory that does not answer holds neither a chat frame's final nor a
// rating's acknowledgement, nor the invocation, past its budget.
func TestStuckMemoryHoldsNoFrame(t *testing.T) {
	f := newFixture(t, offline.New())
	d := f.h.deps
	d.memory, d.memoryBudget = stuckMemory{}, 200*time.Millisecond
	f.h = newHandler(d)
	f.connect(t, "c1", "otto", auth.RoleOperator)
	for _, tc := range []struct {
		frame map[string]any
		want  func([]map[string]any) bool
	}{
		{map[string]any{"action": "chat", "id": "m1", "conversationId": "conv1", "text": "which jobs abended?"},
			func(fs []map[string]any) bool { return len(only(fs, "final")) == 1 }},
		{map[string]any{"action": "feedback", "messageId": "m1", "rating": 1, "comment": "wrong job"},
			func(fs []map[string]any) bool { return len(fs) == 1 && fs[0]["kind"] == "feedback_recorded" }},
	} {
		start := time.Now()
		fs := f.send(t, "c1", tc.frame)
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%s: the invocation took %v, want the memory's budget and little more", tc.frame["action"], took)
		}
		if !tc.want(fs) {
			t.Errorf("%s: frames %v, want its answer", tc.frame["action"], types(fs))
		}
	}
}
