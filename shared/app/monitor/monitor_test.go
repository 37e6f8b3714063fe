package monitor

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/adapter/redis/monitorstore"
	"github.com/resync/resync/shared/domain/workload"
)

type recorder struct {
	mu     sync.Mutex
	frames []any
}

func (r *recorder) Broadcast(_ context.Context, f any) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.frames = append(r.frames, f)
	return 1, nil
}

func TestAbendReachesClientsOnceThroughTheSimulator(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	sim := hwasim.New(hwasim.Config{Seed: 5, Now: now})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	hc, err := hwa.New(hwa.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	push := &recorder{}
	store := monitorstore.New(rdb)
	m := &Monitor{Plan: hwa.PlanSource{Client: hc}, Store: store, Push: push, Now: func() time.Time { return now }}

	res, err := m.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !res.FirstRun || len(res.Events) != 0 {
		t.Fatalf("first run = %+v, want only the view recorded", res)
	}

	// A running job is killed: it ends in ABEND, as HWA does.
	running, err := hc.ListJobs(ctx, hwa.Query{OQL: hwa.Eq("lastRunCompositeStatus.status", "EXEC")})
	if err != nil || len(running) == 0 {
		t.Fatalf("no running job: %v", err)
	}
	victim := running[0]
	if _, err := hc.Kill(ctx, victim.ID, hwa.ActionOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err = m.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var abends int
	for _, e := range res.Events {
		if e.Kind == JobAbended && e.Data["id"] == victim.ID {
			abends++
			if e.Data["link"] != "/api/v1/jobs/"+victim.ID || e.Data["name"] != victim.Name {
				t.Errorf("event = %+v", e)
			}
		}
	}
	if abends != 1 || len(push.frames) != len(res.Events) {
		t.Fatalf("events = %+v (pushed %d), want one job_abended for %s", res.Events, len(push.frames), victim.Name)
	}

	// The next run says nothing new about it; the event is listed.
	res, err = m.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Events {
		if e.Data["id"] == victim.ID {
			t.Errorf("the abend was delivered twice: %+v", e)
		}
	}
	recent, err := store.Recent(ctx, 10)
	if err != nil || len(recent) == 0 || recent[len(recent)-1].Kind == "" {
		t.Errorf("recent = %+v, %v", recent, err)
	}
}

func TestDiffKinds(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	prev := Take(
		[]workload.Job{{ID: "j1", Name: "A", Internal: workload.InternalExec}, {ID: "j2", Name: "B", Internal: workload.InternalReady}, {ID: "j3", Name: "C", Critical: true, Internal: workload.InternalHold}},
		[]workload.JobStream{{ID: "s1", Name: "PAYROLL"}},
		[]workload.Workstation{{ID: "w1", Name: "FTA1", States: []workload.WorkstationState{workload.StateLinked, workload.StateRunning}}},
		t0)
	cur := Take(
		[]workload.Job{
			{ID: "j1", Name: "A", Internal: workload.InternalAbend, Runs: []workload.Run{{ID: "r1", ReturnCode: 8}}},
			{ID: "j2", Name: "B", Internal: workload.InternalFail},
			{ID: "j3", Name: "C", Critical: true, Internal: workload.InternalHold, Late: true},
		},
		[]workload.JobStream{{ID: "s1", Name: "PAYROLL", Late: true}},
		[]workload.Workstation{{ID: "w1", Name: "FTA1"}},
		t0.Add(time.Minute))
	got := map[string]string{}
	for _, a := range Diff(prev, cur) {
		got[a.Event.Kind] = a.Event.Data["name"].(string)
	}
	want := map[string]string{JobAbended: "A", JobFailed: "B", CriticalAtRisk: "C", StreamLate: "PAYROLL", WorkstationUnlinked: "FTA1", WorkstationStopped: "FTA1"}
	if len(got) != len(want) {
		t.Errorf("kinds = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if n := len(Diff(cur, cur)); n != 0 {
		t.Errorf("no change gave %d alerts", n)
	}
	if n := len(Diff(Snapshot{}, cur)); n != 0 {
		t.Errorf("first run gave %d alerts", n)
	}
}

// TestRunReadsBoundedData: on a 20,000-job plan a monitor run reads the
// watched lists, the late streams and the workstations — a small part of
// what the full job list costs.
func TestRunReadsBoundedData(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a 20,000-job plan")
	}
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	m := &testenv.Meter{Next: hwasim.New(hwasim.Config{Seed: 1, Jobs: 20000, Now: now})}
	srv := httptest.NewServer(m)
	defer srv.Close()
	hc, err := hwa.New(hwa.Config{BaseURL: srv.URL, MaxResponseBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hc.ListJobs(ctx, hwa.Query{}); err != nil {
		t.Fatal(err)
	}
	full := m.Bytes.Load()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	mon := &Monitor{Plan: hwa.PlanSource{Client: hc}, Store: monitorstore.New(rdb), Now: func() time.Time { return now }}
	c0, b0 := m.Calls.Load(), m.Bytes.Load()
	if _, err := mon.Run(ctx); err != nil {
		t.Fatal(err)
	}
	calls, bytes := m.Calls.Load()-c0, m.Bytes.Load()-b0
	t.Logf("monitor run: %d calls, %d bytes; the full job list %d bytes", calls, bytes, full)
	if calls > 30 || bytes > full/10 {
		t.Errorf("a run made %d calls and read %d bytes, want at most 30 and a tenth of the full list (%d)", calls, bytes, full/10)
	}
}
