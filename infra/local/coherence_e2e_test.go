package main

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/resync/resync/shared/adapter/hwa/hwasim"
)

// Cache coherence across function processes: status caches a running job
// in its in-process tier; the plan moves on (the job finishes); admin — a
// different process — invalidates the jobs; within 1 s status serves the
// new state, not its local copy (which would live for the job TTL, 30 s).
func TestInvalidationReachesOtherProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the functions; skipped with -short")
	}
	sim := hwasim.New(hwasim.Config{Seed: 12})
	hwaSrv := httptest.NewServer(sim)
	defer hwaSrv.Close()
	s, _ := newStack(t, map[string]string{
		envBinDir: buildFunctions(t, "status", "admin"),
		"HWA_URL": hwaSrv.URL,
	})
	viewer, admin := mint(t, s, "vera", "viewer"), mint(t, s, "ada", "admin")

	resp, b := do(t, "GET", s.url+"/api/v1/jobs?internalStatus=EXEC&limit=1", viewer, "")
	var list struct {
		Items []struct{ ID string } `json:"items"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &list) != nil || len(list.Items) == 0 {
		t.Fatalf("running jobs: %d %s", resp.StatusCode, b)
	}
	id := list.Items[0].ID
	status := func() string {
		resp, b := do(t, "GET", s.url+"/api/v1/jobs/"+id, viewer, "")
		var d struct {
			Job struct {
				Internal string `json:"internalStatus"`
			} `json:"job"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(b, &d) != nil {
			t.Fatalf("job %s: %d %s", id, resp.StatusCode, b)
		}
		return d.Job.Internal
	}
	before := status()
	if before != "EXEC" {
		t.Fatalf("job %s is %s, want EXEC", id, before)
	}
	sim.Advance(20 * time.Hour) // every running job has ended
	if got := status(); got != before {
		t.Fatalf("status served %s straight after the plan moved; the cache is not in the path and this test proves nothing", got)
	}
	if resp, b := do(t, "POST", s.url+"/api/v1/admin/cache/invalidate", admin, `{"prefix":"job:"}`); resp.StatusCode != 200 {
		t.Fatalf("invalidate through admin: %d %s", resp.StatusCode, b)
	}
	start := time.Now()
	for {
		got := status()
		if got != before {
			t.Logf("status (another process) served %s %s after admin's invalidation", got, time.Since(start).Round(time.Millisecond))
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("status still serves %s %s after admin invalidated the job; the bound is 1 s", got, time.Since(start))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
