package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/app/agent/agenttest"
	"github.com/resync/resync/shared/app/impact"
	"github.com/resync/resync/shared/app/retrieve"
	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/domain/workload"
)

// fakeRunbooks answers every search with hits (or err) and records queries.
type fakeRunbooks struct {
	hits    []retrieve.Result
	err     error
	queries []string
	limits  []int
}

func (f *fakeRunbooks) Search(_ context.Context, q string, limit int) ([]retrieve.Result, error) {
	f.queries = append(f.queries, q)
	f.limits = append(f.limits, limit)
	return f.hits, f.err
}

var payrollHits = []retrieve.Result{
	{ChunkID: "doc-1-00000", DocumentID: "doc-1", Document: "payroll.md", Section: "Payroll > When PAY_LOAD abends", Text: "Check the database password in the vault, then rerun PAY_LOAD from its last run.", Score: 0.032},
	{ChunkID: "doc-2-00003", DocumentID: "doc-2", Document: "generic.md", Section: "Generic > Escalation", Text: "Call the on-duty DBA after two failed reruns.", Score: 0.016},
}

func documentCitations(cs []frames.Citation) []string {
	var out []string
	for _, c := range cs {
		if c.Kind == "document" {
			out = append(out, c.ID+" "+c.Label)
		}
	}
	return out
}

func TestSearchRunbooksToolAndCitations(t *testing.T) {
	e := newEnv(t, envOptions{})
	rb := &fakeRunbooks{hits: payrollHits}
	tools := e.tools.WithKnowledge(Knowledge{Runbooks: rb})
	tests := []struct {
		name   string
		answer string
		want   []string
	}{
		{"section named", "Per payroll.md § Payroll > When PAY_LOAD abends: check the password.", []string{"doc-1 payroll.md § Payroll > When PAY_LOAD abends"}},
		{"text quoted", "The runbook says: check the database password in the vault, then rerun PAY_LOAD from its last run.", []string{"doc-1 payroll.md § Payroll > When PAY_LOAD abends"}},
		{"document named", "See generic.md.", []string{"doc-2 generic.md § Generic > Escalation"}},
		{"both", "Payroll > When PAY_LOAD abends, then Generic > Escalation.", []string{"doc-1 payroll.md § Payroll > When PAY_LOAD abends", "doc-2 generic.md § Generic > Escalation"}},
		{"not used", "I do not know.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := agenttest.New(agenttest.Tools(agenttest.Use(ToolSearchRunbooks, map[string]any{"query": "PAY_LOAD abends", "limit": 50})), agenttest.Text(tt.answer))
			r, err := NewRunner(RunnerConfig{Agents: e.agents, Models: OneModel(m), Tools: tools, Now: e.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			ans, err := r.Run(context.Background(), Turn{User: "alice", ConversationID: "c-" + tt.name, MessageID: "m", Text: "what to do when PAY_LOAD abends?"}, &agenttest.Sink{})
			if err != nil {
				t.Fatal(err)
			}
			if got := documentCitations(ans.Citations); strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("document citations = %q, want %q", got, tt.want)
			}
			for _, c := range ans.Citations {
				if c.Kind == "document" && c.Section == "" {
					t.Errorf("citation %+v has no section", c)
				}
			}
			res := agenttest.LastToolResults(m.Requests()[1])
			var got RunbooksResult
			if err := json.Unmarshal([]byte(res[0].Content), &got); err != nil || res[0].IsError {
				t.Fatalf("tool result %s: %v", res[0].Content, err)
			}
			if got.Query != "PAY_LOAD abends" || len(got.Results) != 2 || got.Results[0].DocumentID != "doc-1" || got.Results[0].Section == "" || got.Results[0].Text == "" || got.Results[0].Score == 0 {
				t.Errorf("tool result = %+v", got)
			}
		})
	}
	if rb.limits[0] != maxRunbookHits {
		t.Errorf("limit 50 reached the searcher as %d, want %d", rb.limits[0], maxRunbookHits)
	}
}

func TestSearchRunbooksErrors(t *testing.T) {
	e := newEnv(t, envOptions{})
	tests := []struct {
		name  string
		tools *Tools
		input string
		code  string
	}{
		{"no graph", e.tools, `{"query":"x"}`, CodeUnavailable},
		{"graph down", e.tools.WithKnowledge(Knowledge{Runbooks: &fakeRunbooks{err: retrieve.ErrUnavailable}}), `{"query":"x"}`, CodeUnavailable},
		{"empty", e.tools.WithKnowledge(Knowledge{Runbooks: &fakeRunbooks{}}), `{"query":"  "}`, CodeBadInput},
		{"too long", e.tools.WithKnowledge(Knowledge{Runbooks: &fakeRunbooks{err: retrieve.ErrInvalid}}), `{"query":"x"}`, CodeBadInput},
		{"bad input", e.tools.WithKnowledge(Knowledge{Runbooks: &fakeRunbooks{}}), `{"query":1}`, CodeBadInput},
	}
	for _, tt := range tests {
		o := tt.tools.run(context.Background(), Call{User: "alice", Name: ToolSearchRunbooks, Input: json.RawMessage(tt.input)})
		er, _ := o.value.(ErrorResult)
		if !o.isError || er.Code != tt.code {
			t.Errorf("%s: outcome %+v, want error %s", tt.name, o.value, tt.code)
		}
	}
	// Nothing found is an answer, not an error.
	o := e.tools.WithKnowledge(Knowledge{Runbooks: &fakeRunbooks{}}).run(context.Background(), Call{Name: ToolSearchRunbooks, Input: json.RawMessage(`{"query":"x"}`)})
	b, _ := json.Marshal(o.value)
	if o.isError || string(b) != `{"query":"x","results":[]}` {
		t.Errorf("no hits: %s (error %v)", b, o.isError)
	}
}

// The impact service answers job_impact and why_waiting; without the graph
// it falls back to HWA and says so.
func TestImpactAndWhyWaitingThroughTheService(t *testing.T) {
	e := newEnv(t, envOptions{})
	svc := &impact.Service{Flow: e.src, Jobs: e.src}
	tools := e.tools.WithKnowledge(Knowledge{Impact: svc})
	j := e.jobWithSuccessors(t)
	ctx := context.Background()

	o := tools.run(ctx, Call{Name: ToolJobImpact, Input: json.RawMessage(`{"job":"` + j.ID + `"}`)})
	res, ok := o.value.(ImpactResult)
	if o.isError || !ok {
		t.Fatalf("job_impact = %+v", o.value)
	}
	want, err := e.hc.Successors(ctx, j.ID, defaultImpactDepth)
	if err != nil {
		t.Fatal(err)
	}
	jobs := 0
	for _, n := range want {
		if n.Kind == "" || n.Kind == workload.NodeJob {
			jobs++
		}
	}
	if len(res.Successors) != jobs || res.Source != impact.SourceHWA || !strings.Contains(res.Note, "not configured") || res.Job.ID != j.ID {
		t.Errorf("job_impact = %+v, want %d successors from hwa with a note", res, jobs)
	}

	// A waiting job: a successor of the abended one.
	o = tools.run(ctx, Call{Name: ToolWhyWaiting, Input: json.RawMessage(`{"job":"` + res.Successors[0].ID + `"}`)})
	w, ok := o.value.(impact.Why)
	if o.isError || !ok {
		t.Fatalf("why_waiting = %+v", o.value)
	}
	if w.Job.ID != res.Successors[0].ID || w.Source != impact.SourceHWA || w.Note == "" {
		t.Errorf("why_waiting = %+v", w)
	}
	if w.Waiting && len(w.Blockers) > 0 && !strings.Contains(o.summary, "root cause") {
		t.Errorf("why_waiting summary %q", o.summary)
	}
	for _, tc := range []struct {
		tools *Tools
		input string
		code  string
	}{
		{tools, `{"job":"NO_SUCH_JOB_XYZ"}`, CodeNotFound},
	} {
		o := tc.tools.run(ctx, Call{Name: ToolWhyWaiting, Input: json.RawMessage(tc.input)})
		if er, _ := o.value.(ErrorResult); !o.isError || er.Code != tc.code {
			t.Errorf("why_waiting %s = %+v, want %s", tc.input, o.value, tc.code)
		}
	}
}

// Without a knowledge service the tools answer why_waiting with the same
// service on HWA alone, and say so, instead of refusing.
func TestWhyWaitingWithoutKnowledgeComesFromHWA(t *testing.T) {
	e := newEnv(t, envOptions{})
	jobs, err := e.hc.ListJobs(context.Background(), hwa.Query{})
	if err != nil || len(jobs) == 0 {
		t.Fatal(err)
	}
	o := e.tools.run(context.Background(), Call{Name: ToolWhyWaiting, Input: json.RawMessage(`{"job":"` + jobs[0].ID + `"}`)})
	w, ok := o.value.(impact.Why)
	if o.isError || !ok || w.Source != impact.SourceHWA || !strings.Contains(w.Note, "not configured") {
		t.Errorf("why_waiting without knowledge = %+v", o.value)
	}
}

// The Context hook adds to the system prompt; its failure is not fatal.
func TestRunnerContextHook(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, tc := range []struct {
		name string
		hook func(context.Context, Turn) (string, error)
		want bool
	}{
		{"added", func(_ context.Context, t Turn) (string, error) {
			return "Corrections approved by reviewers:\n- for " + t.Text + ": say PAY_LOAD is rerun by the payroll team", nil
		}, true},
		{"failed", func(context.Context, Turn) (string, error) { return "", errors.New("graph down") }, false},
	} {
		m := agenttest.New(agenttest.Text("ok"))
		r, err := NewRunner(RunnerConfig{Agents: e.agents, Models: OneModel(m), Tools: e.tools, Now: e.clock.Now, Context: tc.hook})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Run(context.Background(), Turn{User: "alice", ConversationID: "c", MessageID: "m", Text: "who reruns PAY_LOAD?"}, &agenttest.Sink{}); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		sys := m.Requests()[0].System
		if got := strings.Contains(sys, "say PAY_LOAD is rerun by the payroll team"); got != tc.want {
			t.Errorf("%s: correction in the system prompt = %v, want %v", tc.name, got, tc.want)
		}
		if !strings.Contains(sys, "HWA vocabulary") {
			t.Errorf("%s: the system prompt lost its base", tc.name)
		}
	}
}

// stuckRunbooks and stuckGraph never answer (Neo4j black-holed): each call
// waits for its context.
type stuckRunbooks struct{}

func (stuckRunbooks) Search(ctx context.Context, _ string, _ int) ([]retrieve.Result, error) {
	<-ctx.Done()
	return nil, fmt.Errorf("failed to get reader: %w", ctx.Err())
}

type stuckGraph struct{}

func (stuckGraph) Successors(ctx context.Context, _ string, _ int) ([]graph.Successor, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
func (stuckGraph) WhyWaiting(ctx context.Context, _ string) (graph.WaitAnalysis, error) {
	<-ctx.Done()
	return graph.WaitAnalysis{}, ctx.Err()
}
func (stuckGraph) OnCriticalPath(ctx context.Context, _ string) (graph.CriticalPath, error) {
	<-ctx.Done()
	return graph.CriticalPath{}, ctx.Err()
}

// With the knowledge graph black-holed a turn still ends, long before the
// turn's own timeout: the memory hook, the runbook search and the impact
// tool each give up after their budget, and the model gets results that say
// the graph did not answer (and HWA's impact), so it can answer from the plan.
func TestGraphBlackHoleTurnStillEnds(t *testing.T) {
	e := newEnv(t, envOptions{})
	jobs, err := e.hc.ListJobs(context.Background(), hwa.Query{})
	if err != nil || len(jobs) == 0 {
		t.Fatal(err)
	}
	const budget = 200 * time.Millisecond
	tools := e.tools.WithKnowledge(Knowledge{
		Runbooks:      stuckRunbooks{},
		Impact:        &impact.Service{Graph: stuckGraph{}, Flow: e.src, Jobs: e.src, GraphBudget: budget},
		SearchTimeout: budget,
	})
	m := agenttest.New(
		agenttest.Tools(agenttest.Use(ToolSearchRunbooks, map[string]any{"query": "abend"}), agenttest.Use(ToolJobImpact, map[string]any{"job": jobs[0].ID})),
		agenttest.Text("The runbooks could not be searched; here is the plan."))
	hook := func(ctx context.Context, _ Turn) (string, error) { <-ctx.Done(); return "", ctx.Err() }
	r, err := NewRunner(RunnerConfig{Agents: e.agents, Models: OneModel(m), Tools: tools, Now: e.clock.Now,
		Context: hook, ContextTimeout: budget, Timeout: 90 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ans, err := r.Run(context.Background(), Turn{User: "alice", ConversationID: "c", MessageID: "m", Text: "what to do about the abend?"}, &agenttest.Sink{})
	if took := time.Since(start); took > 3*budget+2*time.Second {
		t.Errorf("the turn took %v, want about three budgets of %v", took, budget)
	}
	if err != nil || ans.Text == "" {
		t.Fatalf("Run: %q, %v; want an answer", ans.Text, err)
	}
	res := agenttest.LastToolResults(m.Requests()[1])
	if len(res) != 2 {
		t.Fatalf("tool results: %d, want 2", len(res))
	}
	if !res[0].IsError || !strings.Contains(res[0].Content, "did not answer within") {
		t.Errorf("search_runbooks result %s, want an error saying the graph did not answer in time", res[0].Content)
	}
	if res[1].IsError || !strings.Contains(res[1].Content, `"source":"hwa"`) || !strings.Contains(res[1].Content, "could not be reached in time") {
		t.Errorf("job_impact result %.300s, want HWA's answer with a note that the graph could not be reached in time", res[1].Content)
	}
}
