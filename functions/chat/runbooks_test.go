package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/app/agent"
	"github.com/resync/resync/shared/app/docs"
	"github.com/resync/resync/shared/app/offline"
	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/workload"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/config"
	"github.com/resync/resync/shared/edge/obs"
	"github.com/resync/resync/shared/edge/setup"
)

// Acceptance through the chat function, wired by buildKnowledge as run
// wires it: a runbook naming a simulator job is in the graph; asked over
// the WebSocket what to do when the job abends, the final frame cites the
// runbook's section; after the document is deleted it does not.
func TestChatAnswerCitesTheRunbook(t *testing.T) {
	cfg := testenv.Neo4j(t)
	ctx := context.Background()
	f := newFixture(t, offline.New())
	srv := httptest.NewServer(f.sim)
	t.Cleanup(srv.Close)
	hc, err := hwa.New(hwa.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{config.EnvNeo4jURI: cfg.URI, config.EnvNeo4jUser: cfg.User, config.EnvNeo4jPassword: cfg.Password}
	kn, err := buildKnowledge(ctx, func(k string) string { return env[k] }, &setup.Base{Log: obs.NewLogger(io.Discard, slog.LevelDebug)}, f.plan, hc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kn.close)
	if kn.tools.Runbooks == nil || kn.memory == nil {
		t.Fatal("buildKnowledge wired no runbook search or memory")
	}
	agents, err := agent.LoadAgents(agentsFile)
	if err != nil {
		t.Fatal(err)
	}
	runner, err := agent.NewRunner(agent.RunnerConfig{Agents: agents, Models: agent.OneModel(offline.New()),
		Tools: agent.NewTools(f.plan, hwa.PlanSource{Client: hc}, nil).WithKnowledge(kn.tools), Context: kn.memory.Context})
	if err != nil {
		t.Fatal(err)
	}
	d := f.h.deps
	d.runner = runner
	f.h = newHandler(d)

	// The runbook, written as ingest writes it, in a bucket of its own.
	store, err := graph.Open(ctx, graph.Config{URI: cfg.URI, User: cfg.User, Password: cfg.Password})
	if err != nil {
		t.Fatal(err)
	}
	bucket := fmt.Sprintf("chat-runbooks-%d", time.Now().UnixNano())
	t.Cleanup(func() {
		_, _ = store.Write(context.Background(), `MATCH (d:Document {bucket: $b}) OPTIONAL MATCH (d)-[:HAS_CHUNK]->(c) DETACH DELETE c, d`, map[string]any{"b": bucket})
		_ = store.Close(context.Background())
	})
	l, err := f.plan.Jobs(ctx, planview.JobQuery{Internal: workload.InternalAbend})
	if err != nil || len(l.Items) == 0 {
		t.Fatalf("no abended job in the simulator: %v", err)
	}
	job := l.Items[0].Name
	md := "# Operations\n\n## Recovering " + job + "\n\nWhen " + job + " abends, restart the database listener, then rerun " + job + ".\n"
	blocks, err := docs.Parse(docs.Markdown, []byte(md))
	if err != nil {
		t.Fatal(err)
	}
	pieces := docs.Split(blocks, docs.ChunkOptions{})
	chunks := make([]graph.DocumentChunk, len(pieces))
	for i, p := range pieces {
		v, _ := docs.Hashing{}.Embed(ctx, []string{p.Text})
		chunks[i] = graph.DocumentChunk{Ordinal: p.Ordinal, Section: p.Section, Text: p.Text, Embedding: v[0]}
	}
	doc := graph.Document{ID: graph.DocumentID(bucket, "ops.md"), Bucket: bucket, Key: "ops.md", VersionID: "v1", Name: "ops.md"}
	if ok, err := store.ClaimDocument(ctx, doc); err != nil || !ok {
		t.Fatalf("ClaimDocument = %v, %v", ok, err)
	}
	if _, err := store.WriteDocument(ctx, doc, chunks); err != nil {
		t.Fatal(err)
	}

	user := fmt.Sprintf("otto-%d", time.Now().UnixNano())
	f.connect(t, "c1", user, auth.RoleOperator)
	t.Cleanup(func() { // what memory kept
		_, _ = store.Write(context.Background(), `MATCH (n) WHERE (n:Turn OR n:ReviewItem) AND n.user = $u DETACH DELETE n`, map[string]any{"u": user})
	})
	ask := func(id string) map[string]any {
		t.Helper()
		fs := f.send(t, "c1", map[string]any{"action": "chat", "id": id, "text": "what to do when " + job + " abends?"})
		final := only(fs, "final")
		if len(final) != 1 {
			t.Fatalf("frames %v, want a final", types(fs))
		}
		return final[0]
	}
	citesDoc := func(final map[string]any) bool {
		cs, _ := final["citations"].([]any)
		for _, c := range cs {
			m, _ := c.(map[string]any)
			if m["kind"] == "document" && m["id"] == doc.ID && m["section"] == "Operations > Recovering "+job {
				return true
			}
		}
		return false
	}
	final := ask("q1")
	if text, _ := final["text"].(string); !strings.Contains(text, "restart the database listener") || !citesDoc(final) {
		t.Errorf("final %v: want the runbook's procedure, citing ops.md § Operations > Recovering %s", final, job)
	}
	if _, err := store.DeleteDocument(ctx, doc.ID); err != nil {
		t.Fatal(err)
	}
	if final := ask("q2"); citesDoc(final) || strings.Contains(fmt.Sprint(final["text"]), "restart the database listener") {
		t.Errorf("after the delete: %v", final)
	}
}
