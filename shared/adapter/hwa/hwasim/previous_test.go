package hwasim_test

import (
	"net/http"
	"testing"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
)

func TestPreviousPlan(t *testing.T) {
	a := newAPI(t, hwasim.Config{})
	prev := a.sim.PreviousPlanID()
	if prev == "" || prev == "current" {
		t.Fatalf("PreviousPlanID = %q", prev)
	}
	var cur, old hwa.Page[hwa.JobInPlan]
	unmarshal(t, a.get("/plan/job"), &cur)
	unmarshal(t, a.get("/plan/job?plan_id="+prev), &old)
	if old.Count < 450 || len(old.Results) == 0 {
		t.Fatalf("previous plan: %d jobs", old.Count)
	}
	curIDs, curNames := map[string]bool{}, map[string]bool{}
	curEnded := 0
	for _, j := range cur.Results {
		curIDs[j.ID], curNames[j.Name] = true, true
		if j.EndTime != "" {
			curEnded++
		}
	}
	var ended, same int
	for _, j := range old.Results {
		if curIDs[j.ID] {
			t.Fatalf("job %s has the same id in both plans", j.Name)
		}
		if j.PlanID != prev {
			t.Errorf("%s: planId %q, want %q", j.Name, j.PlanID, prev)
		}
		if curNames[j.Name] {
			same++
		}
		if j.EndTime != "" {
			ended++
		}
	}
	// It ran to its end: more jobs ended than in the current plan, 10 h in.
	if same < 440 || ended <= curEnded {
		t.Errorf("previous plan: %d names shared with the current plan, %d of %d jobs ended (current plan: %d)", same, ended, old.Count, curEnded)
	}
	// By id, only with its plan id.
	id := old.Results[0].ID
	var j hwa.JobInPlan
	unmarshal(t, a.get("/plan/job/"+id+"?plan_id="+prev), &j)
	if j.ID != id {
		t.Errorf("job by id in the previous plan: %+v", j)
	}
	if st, _, _ := a.do("GET", "/plan/job/"+id, "", nil); st != http.StatusNotFound {
		t.Errorf("previous plan's job in the current plan: %d, want 404", st)
	}
	if st, _, _ := a.do("PUT", "/plan/job/"+id+"/action/hold?plan_id="+prev, "{}", map[string]string{"Content-Type": "application/json"}); st != http.StatusConflict {
		t.Errorf("action on the previous plan: %d, want 409", st)
	}
	if st, _, _ := a.do("GET", "/plan/job?plan_id=other", "", nil); st != http.StatusNotFound {
		t.Errorf("unknown plan id: %d, want 404", st)
	}
	// The current plan is unchanged by reading the previous one.
	var again hwa.Page[hwa.JobInPlan]
	unmarshal(t, a.get("/plan/job"), &again)
	if again.Count != cur.Count || again.Results[0].PlanID != "current" {
		t.Errorf("current plan after reading the previous one: %d jobs, planId %q", again.Count, again.Results[0].PlanID)
	}
}
