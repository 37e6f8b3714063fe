package impact

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/domain/topology"
	"github.com/resync/resync/shared/domain/workload"
)

type env struct {
	sim *hwasim.Server
	hc  *hwa.Client
	src hwa.PlanSource
}

func newEnv(t *testing.T) env {
	t.Helper()
	sim := hwasim.New(hwasim.Config{Seed: 8})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	hc, err := hwa.New(hwa.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return env{sim: sim, hc: hc, src: hwa.PlanSource{Client: hc}}
}

// withSuccessors returns jobs that have successors in HWA.
func (e env) withSuccessors(t *testing.T, n int) []workload.Job {
	t.Helper()
	jobs, err := e.hc.ListJobs(context.Background(), hwa.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var out []workload.Job
	for _, j := range jobs {
		s, err := e.hc.Successors(context.Background(), j.ID, DefaultDepth)
		if err == nil && len(s) > 1 {
			out = append(out, j)
			if len(out) == n {
				break
			}
		}
	}
	if len(out) < n {
		t.Fatalf("only %d jobs with successors", len(out))
	}
	return out
}

func ids[T any](xs []T, id func(T) string) string {
	var s []string
	for _, x := range xs {
		s = append(s, id(x))
	}
	sort.Strings(s)
	return strings.Join(s, ",")
}

func TestHWAFallbackSaysSo(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	svc := &Service{Flow: e.src, Jobs: e.src}
	for _, j := range e.withSuccessors(t, 3) {
		got, err := svc.Impact(ctx, j.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := e.hc.Successors(ctx, j.ID, DefaultDepth)
		if got.Source != SourceHWA || !strings.Contains(got.Note, "not configured") {
			t.Errorf("source %q note %q", got.Source, got.Note)
		}
		if g, w := ids(got.Successors, func(s Successor) string { return s.ID }), ids(want, func(n workload.FlowNode) string { return n.ID }); g != w {
			t.Errorf("%s: successors %s, HWA says %s", j.Name, g, w)
		}
	}
	if _, err := svc.Impact(ctx, "00000000-0000-4000-8000-000000000000", 2); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown job: %v", err)
	}
	if _, err := svc.Impact(ctx, "x", -1); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative depth: %v", err)
	}
}

func TestWhyFromHWAFindsTheRoot(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	svc := &Service{Flow: e.src, Jobs: e.src}
	jobs, err := e.hc.ListJobs(ctx, hwa.Query{OQL: hwa.Eq("lastRunCompositeStatus.substatus", string(workload.SubHoldWaitingForPredecessor))})
	if err != nil || len(jobs) == 0 {
		t.Fatalf("no job waiting for a predecessor: %v", err)
	}
	found := 0
	for _, j := range jobs {
		w, err := svc.Why(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !w.Waiting || w.Source != SourceHWA || w.Note == "" {
			t.Errorf("%s: %+v", j.Name, w)
		}
		for _, b := range w.Blockers {
			found++
			if b.Reason == "" || len(b.Chain) == 0 || b.Chain[len(b.Chain)-1].ID != b.Root.ID {
				t.Errorf("%s: blocker %+v", j.Name, b)
			}
		}
	}
	if found == 0 {
		t.Error("no blocker found for any waiting job")
	}
}

// TestGraphAgreesWithHWA syncs the simulator's topology into the real
// Neo4j and checks that the graph's impact equals HWA's successors.
func TestGraphAgreesWithHWA(t *testing.T) {
	cfg := testenv.Neo4j(t)
	ctx := context.Background()
	e := newEnv(t)
	g, err := graph.Open(ctx, graph.Config{URI: cfg.URI, User: cfg.User, Password: cfg.Password, Engine: fmt.Sprintf("impact-test-%d", time.Now().UnixNano())})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(ctx)
	if err := g.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	list, err := e.hc.ListJobs(ctx, hwa.Query{})
	if err != nil {
		t.Fatal(err)
	}
	jobs := make([]workload.Job, 0, len(list))
	for _, j := range list {
		full, err := e.hc.Job(ctx, j.ID) // the list carries no dependencies
		if err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, full)
	}
	streams, _ := e.hc.ListJobStreams(ctx, hwa.Query{})
	wss, _ := e.hc.ListWorkstations(ctx, hwa.Query{})
	if _, err := g.UpsertTopology(ctx, graph.Snapshot{Workstations: wss, Streams: streams, Jobs: jobs}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = g.UpsertTopology(context.Background(), graph.Snapshot{}) })

	// Every job of the plan: the graph and the HWA fallback give the same
	// successors (with the same depths and critical chains) and the same
	// blockers (roots, reasons, chains) — one rule, two sources of edges.
	graphSvc := &Service{Graph: g, Flow: e.src, Jobs: e.src}
	hwaSvc := &Service{Flow: e.src, Jobs: e.src}
	compared, blockers := 0, 0
	for _, j := range jobs {
		gi, err1 := graphSvc.Impact(ctx, j.ID, DefaultDepth)
		hi, err2 := hwaSvc.Impact(ctx, j.ID, DefaultDepth)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s impact: graph %v, HWA %v", j.Name, err1, err2)
		}
		succ := func(s Successor) string {
			return fmt.Sprintf("%s@%d/%v/%v", s.ID, s.Depth, s.CriticalDependency, s.Critical)
		}
		if a, b := ids(gi.Successors, succ), ids(hi.Successors, succ); a != b {
			t.Errorf("%s: successors differ\ngraph %s\nHWA   %s", j.Name, a, b)
		}
		if gi.Critical != hi.Critical {
			t.Errorf("%s: critical successors graph %d, HWA %d", j.Name, gi.Critical, hi.Critical)
		}
		gw, err1 := graphSvc.Why(ctx, j.ID)
		hw, err2 := hwaSvc.Why(ctx, j.ID)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s why: graph %v, HWA %v", j.Name, err1, err2)
		}
		blk := func(b Blocker) string {
			return fmt.Sprintf("%s/%s/%d/%v", b.Root.ID, b.Reason, len(b.Chain), b.Critical)
		}
		if a, b := ids(gw.Blockers, blk), ids(hw.Blockers, blk); a != b {
			t.Errorf("%s: blockers differ\ngraph %s\nHWA   %s", j.Name, a, b)
		}
		if gw.Source != SourceGraph || hw.Source != SourceHWA || hw.Note == "" {
			t.Errorf("%s: sources %s/%s, HWA note %q", j.Name, gw.Source, hw.Source, hw.Note)
		}
		compared++
		blockers += len(gw.Blockers)
	}
	t.Logf("graph and HWA agree on impact and why-waiting for %d jobs (%d blockers)", compared, blockers)
	if blockers == 0 {
		t.Error("no job of the plan has a blocker: the comparison of why-waiting proves nothing")
	}

	svc := graphSvc
	for _, j := range e.withSuccessors(t, 5) {
		got, err := svc.Impact(ctx, j.ID, DefaultDepth)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := e.hc.Successors(ctx, j.ID, DefaultDepth)
		if got.Source != SourceGraph || got.Note != "" {
			t.Errorf("source %q note %q", got.Source, got.Note)
		}
		if g, w := ids(got.Successors, func(s Successor) string { return s.ID }), ids(want, func(n workload.FlowNode) string { return n.ID }); g != w {
			t.Errorf("%s: graph successors %s\nHWA successors %s", j.Name, g, w)
		}
	}
}

// failingGraph answers every call with err.
type failingGraph struct{ err error }

func (g failingGraph) Successors(context.Context, string, int) ([]workload.Reached, error) {
	return nil, g.err
}
func (g failingGraph) WhyWaiting(context.Context, string) (workload.WaitAnalysis, error) {
	return workload.WaitAnalysis{}, g.err
}
func (g failingGraph) OnCriticalPath(context.Context, string) (topology.CriticalPath, error) {
	return topology.CriticalPath{}, g.err
}

// The HWA fallback's note says why the graph did not answer: not synced
// yet, job not in the graph yet, or the graph unreachable — three
// different things an operator acts on differently.
func TestFallbackNoteSaysWhy(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	j := e.withSuccessors(t, 1)[0]
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("graph: job x: %w", topology.ErrNotSynced), "not been synced"},
		{fmt.Errorf("graph: job %w", topology.ErrNotFound), "not in the knowledge graph yet"},
		{fmt.Errorf("graph: %w: dial", topology.ErrUnavailable), "could not be reached"},
	} {
		svc := &Service{Graph: failingGraph{tc.err}, Flow: e.src, Jobs: e.src}
		imp, err := svc.Impact(ctx, j.ID, 0)
		if err != nil || imp.Source != SourceHWA || !strings.Contains(imp.Note, tc.want) {
			t.Errorf("impact with %v: source %s note %q err %v; want HWA and a note with %q", tc.err, imp.Source, imp.Note, err, tc.want)
		}
		why, err := svc.Why(ctx, j.ID)
		if err != nil || why.Source != SourceHWA || !strings.Contains(why.Note, tc.want) {
			t.Errorf("why with %v: source %s note %q err %v; want HWA and a note with %q", tc.err, why.Source, why.Note, err, tc.want)
		}
	}
	// Any other graph error is not hidden behind a fallback.
	svc := &Service{Graph: failingGraph{errors.New("boom")}, Flow: e.src, Jobs: e.src}
	if _, err := svc.Impact(ctx, j.ID, 0); err == nil {
		t.Error("an unexpected graph error fell back silently")
	}
}

// scriptedGraph answers with fixed data.
type scriptedGraph struct {
	succ []workload.Reached
	cp   topology.CriticalPath
}

func (g scriptedGraph) Successors(context.Context, string, int) ([]workload.Reached, error) {
	return g.succ, nil
}
func (g scriptedGraph) WhyWaiting(context.Context, string) (workload.WaitAnalysis, error) {
	return workload.WaitAnalysis{}, nil
}
func (g scriptedGraph) OnCriticalPath(context.Context, string) (topology.CriticalPath, error) {
	return g.cp, nil
}

// The summary states its depth and, when the job feeds a critical job
// deeper than that, names it: never "none critical" and "on a critical
// path" without saying where the critical job is.
func TestSummaryNamesCriticalJobsBeyondTheDepth(t *testing.T) {
	job := workload.Job{ID: "A", Name: "LOAD_A"}
	svc := &Service{Graph: scriptedGraph{
		succ: []workload.Reached{{Job: workload.Job{ID: "B", Name: "STEP_B"}, Depth: 1, CriticalDependency: true}},
		cp:   topology.CriticalPath{Job: job, OnPath: true, Feeds: []workload.Job{{ID: "Z", Name: "PAYROLL_Z", Critical: true}}},
	}}
	got, err := svc.Impact(context.Background(), "A", 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"within 3 levels", "none of them critical", "PAYROLL_Z", "up to 25 levels"} {
		if !strings.Contains(got.Summary, want) {
			t.Errorf("summary %q lacks %q", got.Summary, want)
		}
	}
	if !got.OnCriticalPath || got.Critical != 0 {
		t.Errorf("onCriticalPath %v critical %d", got.OnCriticalPath, got.Critical)
	}
}

// stuckGraph is a graph that never answers (Neo4j black-holed, or slower
// than any request): every call waits for its context and returns the
// driver's kind of error, not ErrUnavailable.
type stuckGraph struct{}

func (stuckGraph) Successors(ctx context.Context, _ string, _ int) ([]workload.Reached, error) {
	<-ctx.Done()
	return nil, fmt.Errorf("failed to get reader: %w", ctx.Err())
}
func (stuckGraph) WhyWaiting(ctx context.Context, _ string) (workload.WaitAnalysis, error) {
	<-ctx.Done()
	return workload.WaitAnalysis{}, fmt.Errorf("failed to get reader: %w", ctx.Err())
}
func (stuckGraph) OnCriticalPath(ctx context.Context, _ string) (topology.CriticalPath, error) {
	<-ctx.Done()
	return topology.CriticalPath{}, fmt.Errorf("failed to get reader: %w", ctx.Err())
}

// A graph that does not answer uses its budget only — at most
// GraphBudget, at most 40 % of the caller's remaining time — and the
// answer comes from HWA with a note that the graph could not be reached in
// time, well before the caller's deadline.
func TestStuckGraphLeavesHWATheRest(t *testing.T) {
	e := newEnv(t)
	j := e.withSuccessors(t, 1)[0]
	for _, tc := range []struct {
		name     string
		budget   time.Duration // Service.GraphBudget
		deadline time.Duration // the caller's; 0: none
		within   time.Duration // the answer comes within it
	}{
		{"budget, no deadline", 200 * time.Millisecond, 0, 200*time.Millisecond + time.Second},
		{"share of a short deadline", 0, 1500 * time.Millisecond, 1500 * time.Millisecond},
		{"default budget in a long deadline", 0, 30 * time.Second, DefaultGraphBudget + time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := &Service{Graph: stuckGraph{}, Flow: e.src, Jobs: e.src, GraphBudget: tc.budget}
			ctx := context.Background()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.deadline)
				defer cancel()
			}
			start := time.Now()
			imp, err := svc.Impact(ctx, j.ID, 0)
			if took := time.Since(start); took > tc.within {
				t.Errorf("impact took %v, want within %v", took, tc.within)
			}
			if err != nil || imp.Source != SourceHWA || !strings.Contains(imp.Note, "could not be reached in time") || len(imp.Successors) == 0 {
				t.Errorf("impact: source %q note %q %d successors err %v; want HWA's successors and a note that the graph could not be reached in time", imp.Source, imp.Note, len(imp.Successors), err)
			}
			if tc.deadline > 0 && tc.deadline < 10*time.Second {
				return // the deadline is spent; Why would get a shorter one
			}
			start = time.Now()
			why, err := svc.Why(ctx, j.ID)
			if took := time.Since(start); took > tc.within {
				t.Errorf("why took %v, want within %v", took, tc.within)
			}
			if err != nil || why.Source != SourceHWA || !strings.Contains(why.Note, "could not be reached in time") {
				t.Errorf("why: source %q note %q err %v; want HWA and a note that the graph could not be reached in time", why.Source, why.Note, err)
			}
		})
	}
}
