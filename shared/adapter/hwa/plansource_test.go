package hwa_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/domain/planread"
	"github.com/resync/resync/shared/domain/workload"
)

// SuccessorJobs is the client's successor walk without its job-stream
// nodes, in domain types, with the client's errors translated.
func TestPlanSourceSuccessorJobs(t *testing.T) {
	e := newSim(t, nil)
	ctx := context.Background()
	src := hwa.PlanSource{Client: e.c}
	root := e.one(t, "ABEND_J1")
	next := e.one(t, "ABEND_J2") // depends on ABEND_J1
	nodes, err := e.c.Successors(ctx, root.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, n := range nodes {
		if n.Kind == workload.NodeJob {
			want = append(want, n.ID)
		}
	}
	got, err := src.SuccessorJobs(ctx, root.ID, 3)
	if err != nil {
		t.Fatalf("SuccessorJobs: %v", err)
	}
	var ids []string
	for _, j := range got {
		ids = append(ids, j.ID)
	}
	if !slices.Equal(ids, want) || len(ids) == 0 {
		t.Fatalf("SuccessorJobs ids = %v, want the job nodes %v", ids, want)
	}
	i := slices.IndexFunc(got, func(j workload.Job) bool { return j.ID == next.ID })
	if i < 0 || got[i].Name != "ABEND_J2" || got[i].Workstation == "" ||
		!slices.ContainsFunc(got[i].Dependencies, func(d workload.Dependency) bool { return d.JobID == root.ID }) {
		t.Errorf("SuccessorJobs has ABEND_J2 as %+v, want its name, workstation and its dependency on ABEND_J1", got)
	}
	if _, err := src.SuccessorJobs(ctx, "no-such-job", 1); !errors.Is(err, planread.ErrNotFound) {
		t.Errorf("SuccessorJobs(unknown) error = %v, want planread.ErrNotFound", err)
	}
}

// ResourceNamed finds one resource by name, with its holders, and says
// false for a name the plan does not have.
func TestPlanSourceResourceNamed(t *testing.T) {
	e := newSim(t, nil)
	ctx := context.Background()
	src := hwa.PlanSource{Client: e.c}
	r, ok, err := src.ResourceNamed(ctx, "DB_CONNECTIONS")
	if err != nil || !ok || r.Name != "DB_CONNECTIONS" || r.Quantity != 2 || len(r.Holders) == 0 {
		t.Errorf("ResourceNamed(DB_CONNECTIONS) = %+v, %v, %v; want the resource of 2 units with its holders", r, ok, err)
	}
	if r, ok, err := src.ResourceNamed(ctx, "NO_SUCH_RESOURCE"); err != nil || ok {
		t.Errorf("ResourceNamed(NO_SUCH_RESOURCE) = %+v, %v, %v; want false, nil", r, ok, err)
	}
}

// The agent's reads are the client's, with the client's errors translated
// into plan-read errors.
func TestPlanSourceAgentReads(t *testing.T) {
	e := newSim(t, nil)
	ctx := context.Background()
	src := hwa.PlanSource{Client: e.c}
	root := e.one(t, "ABEND_J2")
	for name, walk := range map[string][2]func(context.Context, string, int) ([]workload.FlowNode, error){
		"Predecessors": {src.Predecessors, e.c.Predecessors},
		"Successors":   {src.Successors, e.c.Successors},
	} {
		got, err := walk[0](ctx, root.ID, 2)
		want, werr := walk[1](ctx, root.ID, 2)
		if err != nil || werr != nil || !slices.EqualFunc(got, want, func(a, b workload.FlowNode) bool { return a.ID == b.ID && a.Kind == b.Kind }) {
			t.Errorf("%s = %v, %v; want the client's %v, %v", name, got, err, want, werr)
		}
		if _, err := walk[0](ctx, "no-such-job", 1); !errors.Is(err, planread.ErrNotFound) {
			t.Errorf("%s(unknown) error = %v, want planread.ErrNotFound", name, err)
		}
	}
	rs, err := src.Resources(ctx)
	all, cerr := e.c.Resources(ctx, hwa.Query{})
	if err != nil || cerr != nil || len(rs) != len(all) || len(rs) == 0 {
		t.Fatalf("Resources = %d, %v; want the client's %d, %v", len(rs), err, len(all), cerr)
	}
	if r, err := src.Resource(ctx, rs[0].ID); err != nil || r.Name != rs[0].Name {
		t.Errorf("Resource(%s) = %+v, %v; want %s", rs[0].ID, r, err, rs[0].Name)
	}
	if _, err := src.Resource(ctx, "no-such-resource"); !errors.Is(err, planread.ErrNotFound) {
		t.Errorf("Resource(unknown) error = %v, want planread.ErrNotFound", err)
	}
	ps, err := src.OpenPrompts(ctx, 0)
	cps, cerr := e.c.OpenPrompts(ctx, 0)
	if err != nil || cerr != nil || len(ps) != len(cps) {
		t.Errorf("OpenPrompts = %d, %v; want the client's %d, %v", len(ps), err, len(cps), cerr)
	}
	if _, err := src.Resource(ctx, " "); !errors.Is(err, planread.ErrBadQuery) {
		t.Errorf("Resource(blank) error = %v, want planread.ErrBadQuery", err)
	}
}
