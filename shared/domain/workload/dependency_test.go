package workload

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		job  Job
		want Reason
	}{
		{"abend", Job{Internal: InternalAbend}, ReasonAbended},
		{"fail", Job{Internal: InternalFail}, ReasonAbended},
		{"common error", Job{Common: CommonError}, ReasonAbended},
		{"held", Job{Internal: InternalHold, Sub: SubHoldWaitingForTime}, ReasonHeld},
		{"late by flag", Job{Internal: InternalReady, Late: true}, ReasonLate},
		{"late by deadline", Job{Internal: InternalReady, Deadline: now.Add(-time.Minute)}, ReasonLate},
		{"running and late is running", Job{Internal: InternalExec, Late: true}, ReasonRunning},
		{"cancelled", Job{Internal: InternalCancl}, ReasonCancelled},
		{"cancel pending", Job{Internal: InternalCanclP}, ReasonCancelled},
		{"common canceled only", Job{Common: CommonCanceled}, ReasonCancelled},
		{"running", Job{Internal: InternalExec}, ReasonRunning},
		{"ready", Job{Internal: InternalReady, Sub: SubReadyWaitingForLimit}, ReasonWaiting},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, detail := Classify(tt.job, now)
			if got != tt.want || detail == "" {
				t.Errorf("Classify = %s (%q), want %s with a detail", got, detail, tt.want)
			}
		})
	}
}

// plan is an in-memory dependency graph: deps[succ] lists its predecessors.
type plan struct {
	jobs map[string]Job
	deps map[string][]Edge // by successor id; Edge.Job.ID is the predecessor
	fail error
}

func (p plan) Predecessors(_ context.Context, ids []string) ([]Edge, error) {
	if p.fail != nil {
		return nil, p.fail
	}
	var out []Edge
	for _, id := range ids {
		for _, e := range p.deps[id] {
			out = append(out, Edge{From: id, Job: p.jobs[e.Job.ID], Critical: e.Critical, Satisfied: e.Satisfied})
		}
	}
	return out, nil
}

func (p plan) Successors(_ context.Context, ids []string) ([]Edge, error) {
	if p.fail != nil {
		return nil, p.fail
	}
	var out []Edge
	for _, id := range ids {
		for succ, es := range p.deps {
			for _, e := range es {
				if e.Job.ID == id {
					out = append(out, Edge{From: id, Job: p.jobs[succ], Critical: e.Critical, Satisfied: e.Satisfied})
				}
			}
		}
	}
	return out, nil
}

// chainPlan is J0 <- J1 <- ... <- Jn (each depends on the one before),
// critical edges, the last job critical.
func chainPlan(n int) plan {
	p := plan{jobs: map[string]Job{}, deps: map[string][]Edge{}}
	for i := 0; i <= n; i++ {
		id := fmt.Sprintf("J%d", i)
		p.jobs[id] = Job{ID: id, Name: id, Key: id, Internal: InternalHold, Sub: SubHoldWaitingForPredecessor, Critical: i == n}
		if i > 0 {
			p.deps[id] = []Edge{{Job: Job{ID: fmt.Sprintf("J%d", i-1)}, Critical: true}}
		}
	}
	p.jobs["J0"] = Job{ID: "J0", Name: "J0", Key: "J0", Internal: InternalAbend}
	return p
}

// A critical job eight levels down is reached with its depth and its
// critical chain; depth bounds the walk.
func TestDownstreamDepthAndCriticalChain(t *testing.T) {
	p := chainPlan(8)
	got, err := Downstream(context.Background(), p, "J0", MaxDepth)
	if err != nil || len(got) != 8 {
		t.Fatalf("Downstream = %d jobs, %v; want 8", len(got), err)
	}
	last := got[len(got)-1]
	if last.Job.ID != "J8" || last.Depth != 8 || !last.CriticalDependency || !last.Job.Critical {
		t.Errorf("last = %+v, want J8 at depth 8 on a critical chain", last)
	}
	if got, _ := Downstream(context.Background(), p, "J0", 3); len(got) != 3 || got[2].Depth != 3 {
		t.Errorf("depth 3: %+v", got)
	}
	if _, err := Downstream(context.Background(), plan{fail: errors.New("down")}, "J0", 3); err == nil {
		t.Error("a reader error was swallowed")
	}
}

// The wait of J8 traces to the abended J0 through the whole chain; a
// satisfied dependency or a succeeded predecessor does not block.
func TestWhyWaitingFindsTheRoot(t *testing.T) {
	p := chainPlan(8)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	wa, err := WhyWaiting(context.Background(), p, p.jobs["J8"], now)
	if err != nil || len(wa.Blockers) != 1 {
		t.Fatalf("WhyWaiting = %+v, %v; want one blocker", wa, err)
	}
	b := wa.Blockers[0]
	if b.Root.ID != "J0" || b.Reason != ReasonAbended || len(b.Chain) != 8 || !b.Critical || !wa.Waiting {
		t.Errorf("blocker = %+v", b)
	}
	// Mark J4's dependency on J3 satisfied: J4 no longer waits on anything.
	p.deps["J4"] = []Edge{{Job: Job{ID: "J3"}, Satisfied: true}}
	wa, _ = WhyWaiting(context.Background(), p, p.jobs["J8"], now)
	if len(wa.Blockers) != 1 || wa.Blockers[0].Root.ID != "J4" || wa.Blockers[0].Reason != ReasonHeld {
		t.Errorf("with J4 satisfied: %+v, want J4 held as the root", wa.Blockers)
	}
}

// A chain longer than MaxDepth stops there and says so.
func TestWhyWaitingTruncates(t *testing.T) {
	p := chainPlan(MaxDepth + 5)
	wa, err := WhyWaiting(context.Background(), p, p.jobs[fmt.Sprintf("J%d", MaxDepth+5)], time.Now())
	if err != nil || len(wa.Blockers) != 1 || !wa.Blockers[0].Truncated {
		t.Errorf("deep chain: %+v, %v; want one truncated blocker", wa.Blockers, err)
	}
}
