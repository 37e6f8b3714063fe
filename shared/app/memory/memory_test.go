package memory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/app/agent"
	"github.com/resync/resync/shared/app/agent/agenttest"
	"github.com/resync/resync/shared/app/docs"
	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/domain/workload"
)

// fixture is a Store over the real Neo4j; its turns and review items belong
// to a user of the test's own and are removed afterwards, with the test's
// plan engine.
type fixture struct {
	store *Store
	graph *graph.Store
	user  string
	tag   string // unique upper-case word for names
}

func newFixture(t *testing.T, auditor *Auditor) *fixture {
	t.Helper()
	cfg := testenv.Neo4j(t)
	ctx := context.Background()
	stamp := time.Now().UnixNano()
	engine := fmt.Sprintf("memory-%s-%d", t.Name(), stamp)
	g, err := graph.Open(ctx, graph.Config{URI: cfg.URI, User: cfg.User, Password: cfg.Password, Engine: engine})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Graph: g, Embed: docs.Hashing{}, Auditor: auditor})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("EnsureSchema again: %v", err)
	}
	f := &fixture{store: s, graph: g, user: fmt.Sprintf("user-%d", stamp), tag: fmt.Sprintf("T%d", stamp%1_000_000_000)}
	t.Cleanup(func() {
		ctx := context.Background()
		_, _ = g.Write(ctx, `MATCH (n) WHERE (n:Turn OR n:ReviewItem) AND n.user = $u DETACH DELETE n`, map[string]any{"u": f.user})
		_, _ = g.Write(ctx, `MATCH (n) WHERE n.engine = $e DETACH DELETE n`, map[string]any{"e": engine})
		_ = g.Close(ctx)
	})
	return f
}

func TestTurnsFeedbackAndReviews(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	job := workload.Job{ID: f.tag + "-job", Name: f.tag + "_LOAD"}
	if _, err := f.graph.UpsertTopology(ctx, graph.Snapshot{Jobs: []workload.Job{job}}); err != nil {
		t.Fatal(err)
	}
	turn := Turn{ID: "m1", User: f.user, ConversationID: "c1", Question: "why did " + job.Name + " fail?", Answer: "It abended.", Agent: "analyst", Jobs: []string{job.ID, "not-in-graph"}}
	for range 2 { // recording twice keeps one turn and one edge
		if err := f.store.RecordTurn(ctx, turn); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := f.graph.Read(ctx, `MATCH (t:Turn {user: $u}) OPTIONAL MATCH (t)-[:ABOUT]->(j:Job) RETURN count(DISTINCT t) AS turns, collect(j.id) AS jobs`, map[string]any{"u": f.user})
	if err != nil {
		t.Fatal(err)
	}
	turns, _ := recs[0].Get("turns")
	jobs, _ := recs[0].Get("jobs")
	if turns != int64(1) || fmt.Sprint(jobs) != "["+job.ID+"]" {
		t.Errorf("graph holds %v turns about %v; want 1 about [%s]", turns, jobs, job.ID)
	}

	// A good rating makes no item; a low one does, with the turn's text.
	if item, err := f.store.Rate(ctx, f.user, "m1", 4, "fine"); err != nil || item != nil {
		t.Fatalf("Rate 4 = %+v, %v; want no item", item, err)
	}
	item, err := f.store.Rate(ctx, f.user, "m1", 1, "wrong job")
	if err != nil || item == nil {
		t.Fatalf("Rate 1 = %+v, %v; want an item", item, err)
	}
	if item.Reason != ReasonLowRating || item.Status != StatusOpen || item.Question != turn.Question || item.Answer != turn.Answer ||
		item.Detail != "rated 1/5: wrong job" || item.TurnID != "m1" || item.CreatedAt.IsZero() {
		t.Errorf("item = %+v", item)
	}
	if again, err := f.store.Rate(ctx, f.user, "m1", 2, ""); err != nil || again.ID != item.ID {
		t.Errorf("second low rating = %+v, %v; want the same item %s", again, err, item.ID)
	}
	// A rating of a turn memory never saw still makes an item.
	if other, err := f.store.Rate(ctx, f.user, "m-unknown", 2, ""); err != nil || other == nil || other.Question != "" {
		t.Errorf("rating an unknown turn = %+v, %v", other, err)
	}
	for _, r := range []int{0, 6} {
		if _, err := f.store.Rate(ctx, f.user, "m1", r, ""); !errors.Is(err, ErrInvalid) {
			t.Errorf("Rate %d = %v, want ErrInvalid", r, err)
		}
	}

	// More items for paging; list filters by status and user.
	for i := range 3 {
		if _, _, err := f.store.Flag(ctx, f.user, fmt.Sprintf("p%d", i), ReasonUnknownJob, "x"); err != nil {
			t.Fatal(err)
		}
	}
	var all []ReviewItem
	cursor := ""
	for pages := 0; ; pages++ {
		p, err := f.store.Reviews(ctx, Filter{User: f.user, Status: StatusOpen, Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Items...)
		if p.Next == "" {
			break
		}
		cursor = p.Next
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(all) != 5 {
		t.Errorf("listed %d open items over pages, want 5", len(all))
	}
	// The item of m1 shows the job its answer cited (the one in the graph);
	// items of turns memory never saw cite nothing.
	for _, it := range all {
		want := "[]"
		if it.TurnID == "m1" {
			want = fmt.Sprintf("[{%s %s}]", job.ID, job.Name)
		}
		if got := fmt.Sprint(it.Cited); got != want {
			t.Errorf("item of turn %s cites %s, want %s", it.TurnID, got, want)
		}
	}
	for _, bad := range []Filter{{Status: "maybe"}, {Limit: MaxLimit + 1}, {Cursor: "x"}} {
		if _, err := f.store.Reviews(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("Reviews(%+v) = %v, want ErrInvalid", bad, err)
		}
	}

	// Decisions.
	if _, err := f.store.Approve(ctx, item.ID, "admin", "  "); !errors.Is(err, ErrInvalid) {
		t.Errorf("Approve without a correction = %v, want ErrInvalid", err)
	}
	got, err := f.store.Approve(ctx, item.ID, "admin", job.Name+" fails when the vault password expires; rotate it first.")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusApproved || got.Reviewer != "admin" || got.DecidedAt.IsZero() || !strings.Contains(got.Correction, "rotate") {
		t.Errorf("approved = %+v", got)
	}
	if _, err := f.store.Approve(ctx, item.ID, "admin", "again"); !errors.Is(err, ErrConflict) {
		t.Errorf("second Approve = %v, want ErrConflict", err)
	}
	if _, err := f.store.Reject(ctx, item.ID, "admin", ""); !errors.Is(err, ErrConflict) {
		t.Errorf("Reject after Approve = %v, want ErrConflict", err)
	}
	if _, err := f.store.Approve(ctx, "rev-nope", "admin", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Approve of no item = %v, want ErrNotFound", err)
	}
	if all[0].TurnID != "p2" {
		t.Errorf("newest item is of turn %s, want p2", all[0].TurnID)
	}
	rej, err := f.store.Reject(ctx, all[0].ID, "admin", "the answer was right")
	if err != nil || rej.Status != StatusRejected || rej.Note != "the answer was right" || rej.Correction != "" {
		t.Errorf("Reject = %+v, %v", rej, err)
	}
	p, err := f.store.Reviews(ctx, Filter{User: f.user, Status: StatusApproved})
	if err != nil || len(p.Items) != 1 || p.Items[0].ID != item.ID {
		t.Errorf("approved items = %+v, %v; want %s", p.Items, err, item.ID)
	}
	if r, err := f.store.Review(ctx, item.ID); err != nil || r.Status != StatusApproved || len(r.Cited) != 1 || r.Cited[0].ID != job.ID {
		t.Errorf("Review = %+v, %v", r, err)
	}
	if _, err := f.store.Review(ctx, "rev-nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Review of no item = %v, want ErrNotFound", err)
	}

	// The approved correction comes back for a similar question only.
	cs, err := f.store.Corrections(ctx, "Why did "+job.Name+" fail again?")
	if err != nil || len(cs) != 1 || cs[0].ReviewID != item.ID {
		t.Fatalf("Corrections(similar) = %+v, %v; want %s", cs, err, item.ID)
	}
	if cs, err := f.store.Corrections(ctx, "how many workstations are unlinked?"); err != nil || len(cs) != 0 {
		t.Errorf("Corrections(unrelated) = %+v, %v; want none", cs, err)
	}
	block, err := f.store.Context(ctx, agent.Turn{Text: "why did " + job.Name + " fail?"})
	if err != nil || !strings.Contains(block, "rotate it first") || !strings.Contains(block, "Corrections approved by reviewers") {
		t.Errorf("Context = %q, %v", block, err)
	}
	if block, err := f.store.Context(ctx, agent.Turn{Text: "hello"}); err != nil || block != "" {
		t.Errorf("Context(hello) = %q, %v; want nothing", block, err)
	}
}

func TestAnsweredFlagsAuditFindings(t *testing.T) {
	f := newFixture(t, &Auditor{Plan: testPlan})
	ctx := context.Background()
	tests := []struct {
		id, answer string
		cited      []string
		want       []string
	}{
		{"a1", "PAY_LOAD (id-load) abended.", []string{"id-load"}, nil},
		{"a2", "PAY_LOAD abended; also " + f.tag + "_GHOST failed.", nil, []string{ReasonUnknownJob}},
		{"a3", "GL_POST is running.", []string{"id-done"}, []string{ReasonContradicts}},
	}
	for _, tt := range tests {
		var cites []frames.Citation
		for _, id := range tt.cited {
			cites = append(cites, frames.Citation{Kind: "job", ID: id})
		}
		items, err := f.store.Answered(ctx, agent.Turn{User: f.user, ConversationID: "c", MessageID: tt.id, Text: "what happened?"},
			agent.Answer{Agent: "analyst", Text: tt.answer, Citations: cites})
		if err != nil {
			t.Fatal(err)
		}
		var reasons []string
		for _, it := range items {
			reasons = append(reasons, it.Reason)
			if it.Answer != tt.answer || it.TurnID != tt.id {
				t.Errorf("%s: item %+v lacks the turn", tt.id, it)
			}
		}
		if strings.Join(reasons, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: items %v, want %v", tt.id, reasons, tt.want)
		}
	}
	// Answering again does not duplicate items.
	items, err := f.store.Answered(ctx, agent.Turn{User: f.user, ConversationID: "c", MessageID: "a3", Text: "what happened?"}, agent.Answer{Text: "GL_POST is running."})
	if err != nil || len(items) != 0 {
		t.Errorf("re-answered = %+v, %v; want no new item", items, err)
	}
}

// An approved correction reaches the model's system prompt for a similar
// later question through the runner's Context hook, and not for another.
func TestCorrectionsReachTheAgent(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	job := f.tag + "_SEND"
	if err := f.store.RecordTurn(ctx, Turn{ID: "m1", User: f.user, Question: "what to do when " + job + " abends?", Answer: "Rerun it."}); err != nil {
		t.Fatal(err)
	}
	item, err := f.store.Rate(ctx, f.user, "m1", 1, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Approve(ctx, item.ID, "ada", "Never rerun "+job+" before the bank confirms the file was not sent."); err != nil {
		t.Fatal(err)
	}
	agents, err := agent.LoadAgents([]byte(`{"default":"a","agents":[{"id":"a","name":"A","purpose":"p","instructions":"i","model":"default","tools":["plan_summary"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	m := agenttest.New(agenttest.Text("ok"), agenttest.Text("ok"))
	r, err := agent.NewRunner(agent.RunnerConfig{Agents: agents, Models: agent.OneModel(m), Tools: agent.NewTools(nil, nil, nil), Context: f.store.Context})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"What should I do when " + job + " abends?", "how many jobs are in the plan?"} {
		if _, err := r.Run(ctx, agent.Turn{User: "bob", ConversationID: "c", MessageID: "x", Text: q}, &agenttest.Sink{}); err != nil {
			t.Fatal(err)
		}
	}
	reqs := m.Requests()
	if !strings.Contains(reqs[0].System, "Never rerun "+job+" before the bank confirms") {
		t.Errorf("similar question: system prompt lacks the correction:\n%s", reqs[0].System)
	}
	if strings.Contains(reqs[1].System, "Never rerun") {
		t.Errorf("unrelated question got the correction")
	}
}
