package planview

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/adapter/redis/cache"
	"github.com/resync/resync/shared/domain/workload"
)

// simPlan is the ground truth of a simulated plan: what HWA itself holds,
// read through the adapter but not through Service.
type simPlan struct {
	jobs    []workload.Job
	streams []workload.JobStream
	wss     []workload.Workstation
}

// newSimService returns a Service over the simulator (seed 1, frozen at t0)
// and the plan it serves.
func newSimService(t *testing.T) (*Service, simPlan) {
	t.Helper()
	srv := httptest.NewServer(hwasim.New(hwasim.Config{Seed: 1, Now: t0}))
	t.Cleanup(srv.Close)
	hc, err := hwa.New(hwa.Config{BaseURL: srv.URL, Retry: hwa.RetryPolicy{Attempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	src := hwa.PlanSource{Client: hc}
	ctx := context.Background()
	var p simPlan
	if p.jobs, err = src.Client.ListJobs(ctx, hwa.Query{}); err != nil {
		t.Fatal(err)
	}
	if p.streams, err = src.Streams(ctx); err != nil {
		t.Fatal(err)
	}
	if p.wss, err = src.Workstations(ctx); err != nil {
		t.Fatal(err)
	}
	if len(p.jobs) < 120 || len(p.streams) == 0 || len(p.wss) == 0 {
		t.Fatalf("simulated plan has %d jobs, %d streams, %d workstations", len(p.jobs), len(p.streams), len(p.wss))
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	clk := &clock{}
	clk.now.Store(&t0)
	c, err := cache.New(rdb, cache.Config{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return New(src, c, clk.Now), p
}

// ids returns the ids of the jobs for which keep is true.
func (p simPlan) ids(keep func(workload.Job) bool) map[string]bool {
	out := map[string]bool{}
	for _, j := range p.jobs {
		if keep(j) {
			out[j.ID] = true
		}
	}
	return out
}

// lastRun returns the job's last run, the zero Run when it has none.
func lastRun(j workload.Job) workload.Run {
	r, _ := j.LastRun()
	return r
}
