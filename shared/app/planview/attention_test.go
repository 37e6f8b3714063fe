package planview

import (
	"context"
	"maps"
	"testing"

	"github.com/resync/resync/shared/domain/workload"
)

// attentionOrder is the documented ranking of attention kinds, most urgent
// first.
var attentionOrder = []string{"critical_failed", "critical_at_risk", "job_failed", "workstation_down",
	"stream_late", "long_runner", "prompt_waiting", "job_held"}

func TestAttentionFakePlan(t *testing.T) {
	svc, _, _ := newService(t)
	l, err := svc.Attention(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	// j1 is critical and abended; FTA2 has no state (unlinked); PAYROLL is
	// flagged late and ALPHA is past its deadline (t0-1h) while running.
	want := []AttentionItem{
		{Rank: 1, Kind: "critical_failed", Name: "PAY_LOAD", ID: "j1"},
		{Rank: 2, Kind: "workstation_down", Name: "FTA2", ID: "w2"},
		{Rank: 3, Kind: "stream_late", Name: "ALPHA", ID: "s3"},
		{Rank: 4, Kind: "stream_late", Name: "PAYROLL", ID: "s1"},
	}
	if len(l.Items) != len(want) || l.Total != len(want) || l.Truncated {
		t.Fatalf("got %d items (total %d, truncated %v): %+v; want %d", len(l.Items), l.Total, l.Truncated, l.Items, len(want))
	}
	for i, w := range want {
		g := l.Items[i]
		if g.Rank != w.Rank || g.Kind != w.Kind || g.Name != w.Name || g.ID != w.ID {
			t.Errorf("item %d = %d %s %s %s, want %d %s %s %s", i, g.Rank, g.Kind, g.Name, g.ID, w.Rank, w.Kind, w.Name, w.ID)
		}
		if g.Why == "" || g.Next == "" {
			t.Errorf("item %d (%s) lacks why or next: %+v", i, g.Name, g)
		}
	}
	if got := l.Items[0].Why; got != "critical job in ERROR (ABEND), return code 12" {
		t.Errorf("why of the critical failure = %q", got)
	}
	if wantBy := map[string]int{"critical_failed": 1, "workstation_down": 1, "stream_late": 2}; !maps.Equal(l.ByKind, wantBy) {
		t.Errorf("byKind = %v, want %v", l.ByKind, wantBy)
	}
}

func TestAttentionSimulatedPlan(t *testing.T) {
	svc, p := newSimService(t)
	ctx := context.Background()
	// Ground truth: the kinds each object of the plan must be listed under.
	want := map[string]int{}
	kindOf := map[string]string{} // job, workstation or stream id → the kind it must have (one per object here)
	for _, j := range p.jobs {
		failed := j.Failed()
		switch {
		case failed && j.Critical:
			want["critical_failed"]++
			kindOf[j.ID] = "critical_failed"
		case failed:
			want["job_failed"]++
			kindOf[j.ID] = "job_failed"
		case j.Critical && j.AtRisk(t0):
			want["critical_at_risk"]++
		}
		if r, ok := j.LastRun(); ok && !failed && !r.Start.IsZero() && r.End.IsZero() && j.EstimatedDuration > 0 &&
			t0.Sub(r.Start) > j.EstimatedDuration*3/2 {
			want["long_runner"]++
		}
		switch j.Sub {
		case workload.SubHoldWaitingForPrompt:
			want["prompt_waiting"]++
		case workload.SubHoldPriorityZero:
			want["job_held"]++
		}
	}
	for _, w := range p.wss {
		if !w.Linked() || !w.Running() {
			want["workstation_down"]++
			kindOf[w.ID] = "workstation_down"
		}
	}
	for _, s := range p.streams {
		if s.IsLate(t0) {
			want["stream_late"]++
			kindOf[s.ID] = "stream_late"
		}
	}
	for _, k := range []string{"job_failed", "workstation_down", "stream_late", "prompt_waiting", "job_held"} {
		if want[k] == 0 {
			t.Errorf("the simulated plan has no %s: the test checks nothing of it", k)
		}
	}
	total := 0
	for _, n := range want {
		total += n
	}

	full, err := svc.Attention(ctx, MaxLimit)
	if err != nil {
		t.Fatal(err)
	}
	if full.Total != total || len(full.Items) != total || full.Truncated {
		t.Errorf("total %d, %d items, truncated %v; want %d, %d, false", full.Total, len(full.Items), full.Truncated, total, total)
	}
	if !maps.Equal(full.ByKind, want) {
		t.Errorf("byKind = %v, want %v", full.ByKind, want)
	}
	rank := map[string]int{}
	for i, k := range attentionOrder {
		rank[k] = i
	}
	listed := map[string]string{}
	for i, it := range full.Items {
		if it.Rank != i+1 {
			t.Errorf("item %d has rank %d, want %d", i, it.Rank, i+1)
		}
		if _, ok := rank[it.Kind]; !ok {
			t.Errorf("item %d has undocumented kind %q", i, it.Kind)
		}
		if i > 0 && rank[it.Kind] < rank[full.Items[i-1].Kind] {
			t.Errorf("item %d (%s) ranks after item %d (%s)", i, it.Kind, i-1, full.Items[i-1].Kind)
		}
		if i > 0 && it.Kind == "workstation_down" && full.Items[i-1].Kind == it.Kind && it.Name < full.Items[i-1].Name {
			t.Errorf("workstations %s and %s not by name", full.Items[i-1].Name, it.Name)
		}
		if it.Why == "" || it.Next == "" {
			t.Errorf("item %d (%s %s) lacks why or next", i, it.Kind, it.Name)
		}
		if _, ok := kindOf[it.ID]; ok && listed[it.ID] == "" {
			listed[it.ID] = it.Kind
		}
	}
	for id, k := range kindOf {
		if listed[id] != k {
			t.Errorf("%s is listed as %q, want %q", id, listed[id], k)
		}
	}

	cut, err := svc.Attention(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(cut.Items) != 3 || !cut.Truncated || cut.Total != total || !maps.Equal(cut.ByKind, want) {
		t.Errorf("limit 3: %d items, truncated %v, total %d, byKind %v; want 3, true, %d, %v", len(cut.Items), cut.Truncated, cut.Total, cut.ByKind, total, want)
	}
	for i := range cut.Items {
		if cut.Items[i] != full.Items[i] {
			t.Errorf("limit 3: item %d = %+v, want %+v", i, cut.Items[i], full.Items[i])
		}
	}
	def, err := svc.Attention(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if wantLen := min(total, DefaultLimit); len(def.Items) != wantLen || def.Truncated != (total > DefaultLimit) {
		t.Errorf("default limit: %d items, truncated %v; want %d", len(def.Items), def.Truncated, wantLen)
	}
}
