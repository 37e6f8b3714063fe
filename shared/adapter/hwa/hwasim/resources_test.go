package hwasim_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
)

func (a *api) resources(query string) hwa.Page[hwa.ResourceInPlan] {
	a.t.Helper()
	var p hwa.Page[hwa.ResourceInPlan]
	unmarshal(a.t, a.get("/plan/resource"+query), &p)
	return p
}

// TestResourceHoldersAndWaiters: LONG_RUNNER_J1 holds both DB_CONNECTIONS
// while it runs, so WAIT_RESOURCE_J1 waits READY_WAITING_FOR_RESOURCES;
// when the long runner ends the units are free and the waiter launches.
func TestResourceHoldersAndWaiters(t *testing.T) {
	a := newAPI(t, hwasim.Config{})
	p := a.resources("?oql=" + url.QueryEscape("name = 'DB_CONNECTIONS'"))
	if p.Count != 1 {
		t.Fatalf("%d resources named DB_CONNECTIONS, want 1", p.Count)
	}
	r := p.Results[0]
	if r.Quantity != 2 || r.QuantityInUse != 2 || r.QuantityAvailable != 0 || r.Status != "NOT_AVAILABLE" {
		t.Errorf("DB_CONNECTIONS = quantity %d, in use %d, available %d, %s; want 2, 2, 0, NOT_AVAILABLE",
			r.Quantity, r.QuantityInUse, r.QuantityAvailable, r.Status)
	}
	if len(r.Holders) != 1 || r.Holders[0].Job != "LONG_RUNNER_J1" || r.Holders[0].Quantity != 2 {
		t.Fatalf("holders = %+v, want LONG_RUNNER_J1 holding 2", r.Holders)
	}
	var byID hwa.ResourceInPlan
	unmarshal(t, a.get("/plan/resource/"+r.ID), &byID)
	if byID.Name != r.Name || len(byID.Holders) != 1 {
		t.Errorf("by id = %+v, want the same resource", byID)
	}
	w := a.jobNamed("WAIT_RESOURCE_J1")
	if got := state(w); got != "READY/READY_WAITING_FOR_RESOURCES/READY" {
		t.Fatalf("WAIT_RESOURCE_J1 = %s, want READY/READY_WAITING_FOR_RESOURCES/READY", got)
	}
	var dep hwa.Dependency
	for _, d := range w.Dependencies {
		if d.DependencyType == "RESOURCE" {
			dep = d
		}
	}
	if dep.Name != "DB_CONNECTIONS" || dep.Quantity != 1 || dep.QuantityHeld != 0 || dep.Available == nil || *dep.Available != 0 {
		t.Errorf("the waiter's dependency = %+v, want DB_CONNECTIONS, 1 needed, none held, 0 available", dep)
	}
	lr := a.jobNamed("LONG_RUNNER_J1")
	end, err := time.Parse(time.RFC3339, lr.JobRuns[0].TimeInfo.ActualStartTime)
	if err != nil {
		t.Fatal(err)
	}
	end = end.Add(14 * time.Hour) // the fixture's run length
	a.sim.Advance(end.Sub(a.sim.Now()) + time.Minute)
	w = a.jobNamed("WAIT_RESOURCE_J1")
	if w.JobRuns[0].TimeInfo == nil || w.JobRuns[0].TimeInfo.ActualStartTime == "" {
		t.Fatalf("WAIT_RESOURCE_J1 = %s after the holder ended, want started", state(w))
	}
	if got := a.resources("?oql=" + url.QueryEscape("name = 'DB_CONNECTIONS'")).Results[0]; len(got.Holders) == 1 && got.Holders[0].Job == "LONG_RUNNER_J1" {
		t.Errorf("LONG_RUNNER_J1 still holds DB_CONNECTIONS after it ended")
	}
}

// TestResourceListFiltersAndPages: the OQL, plan_filter and paging of
// GET /plan/resource, and a 400 for a bad filter.
func TestResourceListFiltersAndPages(t *testing.T) {
	a := newAPI(t, hwasim.Config{Jobs: 9000})
	all := a.resources("")
	if all.Count < 10 {
		t.Fatalf("%d resources in a 9,000-job plan, want the named ones and pools", all.Count)
	}
	p := a.resources("?limit=2&offset=2")
	if len(p.Results) != 2 || p.Results[0].ID != all.Results[2].ID || p.Next == "" || p.Previous == "" {
		t.Errorf("page 2 of 2 = %d results, next %q, previous %q", len(p.Results), p.Next, p.Previous)
	}
	sorted := a.resources("?oql=" + url.QueryEscape("quantity >= 3 ORDER BY name DESC"))
	for i, r := range sorted.Results {
		if r.Quantity < 3 || i > 0 && r.Name > sorted.Results[i-1].Name {
			t.Fatalf("quantity >= 3 ORDER BY name DESC gave %s (%d) at %d", r.Name, r.Quantity, i)
		}
	}
	if got := a.resources("?plan_filter=" + url.QueryEscape("MDM#TAPE@")); got.Count != 1 || got.Results[0].Name != "TAPE_DRIVES" {
		t.Errorf("plan_filter MDM#TAPE@ = %d results, want TAPE_DRIVES", got.Count)
	}
	if st, _, _ := a.do("GET", "/plan/resource?oql="+url.QueryEscape("name ="), "", nil); st != 400 {
		t.Errorf("a bad OQL answered %d, want 400", st)
	}
	if st, _, _ := a.do("GET", "/plan/resource/no-such-id", "", nil); st != 404 {
		t.Errorf("an unknown resource answered %d, want 404", st)
	}
}
