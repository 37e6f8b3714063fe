package agent

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/app/agent/agenttest"
	"github.com/resync/resync/shared/app/docs"
	"github.com/resync/resync/shared/app/impact"
	"github.com/resync/resync/shared/app/offline"
	"github.com/resync/resync/shared/app/retrieve"
	"github.com/resync/resync/shared/domain/workload"
)

// Acceptance (issue 5): a runbook naming a simulator job is ingested into
// the real Neo4j (parse, chunk, embed, one-transaction write, MENTIONS to
// the job synced from the plan); asked what to do when that job abends, the
// offline model searches the runbooks and the answer cites the runbook's
// section. Once the document is deleted its chunks are gone and the answer
// no longer cites it.
func TestRunbookAnswerCitesTheSection(t *testing.T) {
	cfg := testenv.Neo4j(t)
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	stamp := time.Now().UnixNano()
	engine := fmt.Sprintf("agent-%s-%d", t.Name(), stamp)
	store, err := graph.Open(ctx, graph.Config{URI: cfg.URI, User: cfg.User, Password: cfg.Password, Engine: engine})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	bucket := fmt.Sprintf("agent-runbooks-%d", stamp)
	t.Cleanup(func() {
		ctx := context.Background()
		_, _ = store.Write(ctx, `MATCH (d:Document {bucket: $b}) OPTIONAL MATCH (d)-[:HAS_CHUNK]->(c) DETACH DELETE c, d`, map[string]any{"b": bucket})
		_, _ = store.Write(ctx, `MATCH (n) WHERE n.engine = $e DETACH DELETE n`, map[string]any{"e": engine})
		_ = store.Close(ctx)
	})

	// The job, synced into the graph as the topology sync would.
	job := e.abended(t)[0]
	detail, err := e.plan.Job(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	snap := graph.Snapshot{Jobs: []workload.Job{{ID: job.ID, Name: job.Name, StreamName: detail.Job.Stream, Internal: workload.InternalAbend}}}
	if _, err := store.UpsertTopology(ctx, snap); err != nil {
		t.Fatal(err)
	}

	// The runbook, through the ingestion code.
	name := fmt.Sprintf("payroll-%d.md", stamp)
	md := "# Payroll runbook\n\n## When " + job.Name + " abends\n\nCheck the database password in the vault, then rerun " + job.Name +
		" from its last run. If it abends again, page the payroll team.\n\n## Escalation\n\nCall the DBA on duty after two failed reruns.\n"
	blocks, err := docs.Parse(docs.Markdown, []byte(md))
	if err != nil {
		t.Fatal(err)
	}
	pieces := docs.Split(blocks, docs.ChunkOptions{})
	embedder := docs.Hashing{}
	texts := make([]string, len(pieces))
	for i, p := range pieces {
		texts[i] = p.Text
	}
	vecs, err := embedder.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	chunks := make([]graph.DocumentChunk, len(pieces))
	for i, p := range pieces {
		chunks[i] = graph.DocumentChunk{Ordinal: p.Ordinal, Section: p.Section, Text: p.Text, Embedding: vecs[i]}
	}
	d := graph.Document{ID: graph.DocumentID(bucket, name), Bucket: bucket, Key: name, VersionID: "v1", Name: name, ContentType: string(docs.Markdown), UploadedBy: "alice"}
	if ok, err := store.ClaimDocument(ctx, d); err != nil || !ok {
		t.Fatalf("ClaimDocument = %v, %v", ok, err)
	}
	wr, err := store.WriteDocument(ctx, d, chunks)
	if err != nil {
		t.Fatal(err)
	}
	if wr.Mentions < 1 {
		t.Errorf("WriteDocument = %+v, want the runbook linked to %s", wr, job.Name)
	}
	section := "Payroll runbook" + docs.SectionSeparator + "When " + job.Name + " abends"

	tools := e.tools.WithKnowledge(Knowledge{
		Runbooks: retrieve.New(store, embedder),
		Impact:   &impact.Service{Graph: store, Flow: e.src, Jobs: e.src},
	})
	r, err := NewRunner(RunnerConfig{Agents: e.agents, Models: OneModel(offline.New()), Tools: tools, History: e.history, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ask := func(conv string) Answer {
		t.Helper()
		ans, err := r.Run(ctx, Turn{User: "alice", Roles: operator, ConversationID: conv, MessageID: "m-" + conv,
			Text: "What to do when " + job.Name + " abends?"}, &agenttest.Sink{})
		if err != nil {
			t.Fatal(err)
		}
		return ans
	}
	cites := func(a Answer) bool {
		for _, c := range a.Citations {
			if c.Kind == "document" && c.ID == d.ID {
				return true
			}
		}
		return false
	}

	ans := ask("before")
	t.Logf("answer: %s\ncitations: %+v", ans.Text, ans.Citations)
	if !strings.Contains(ans.Text, "check the database password in the vault") && !strings.Contains(ans.Text, "Check the database password in the vault") {
		t.Errorf("answer %q does not give the runbook's procedure", ans.Text)
	}
	found := false
	for _, c := range ans.Citations {
		if c.Kind == "document" && c.ID == d.ID && c.Section == section && strings.Contains(c.Label, name) {
			found = true
		}
	}
	if !found {
		t.Errorf("answer %q cites %+v, want %s § %s", ans.Text, ans.Citations, name, section)
	}

	if ok, err := store.DeleteDocument(ctx, d.ID); err != nil || !ok {
		t.Fatalf("DeleteDocument = %v, %v", ok, err)
	}
	recs, err := store.Read(ctx, `MATCH (c:Chunk {documentId: $id}) RETURN count(c) AS n`, map[string]any{"id": d.ID})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := recs[0].Get("n"); n != int64(0) {
		t.Errorf("%v chunks of the deleted document remain", n)
	}
	if ans := ask("after"); cites(ans) || strings.Contains(ans.Text, name) {
		t.Errorf("after the delete the answer %q cites %+v", ans.Text, ans.Citations)
	}
}
