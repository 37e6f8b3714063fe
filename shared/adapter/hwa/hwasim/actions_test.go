package hwasim_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
)

// TestJobActions runs each job action on a fixture job and checks its
// effect as the job reads back (internal status / substatus / common status).
func TestJobActions(t *testing.T) {
	tests := []struct {
		name   string
		job    string
		before string   // state before
		verbs  []string // actions in order (path suffix after /action/)
		after  string   // state after
		status int      // status of the last action
	}{
		{"release an operator hold", "HOLD_OPERATOR_J1", "HOLD/HOLD_PRIORITY_ZERO/HELD", []string{"release"}, "EXEC//RUNNING", 200},
		{"hold a job waiting for a prompt", "WAIT_PROMPT_J1", "HOLD/HOLD_WAITING_FOR_PROMPT/WAITING", []string{"hold"}, "HOLD/HOLD_PRIORITY_ZERO/HELD", 200},
		{"hold then release returns to its wait", "WAIT_PROMPT_J1", "HOLD/HOLD_WAITING_FOR_PROMPT/WAITING", []string{"hold", "release"}, "HOLD/HOLD_WAITING_FOR_PROMPT/WAITING", 200},
		{"hold a ready job", "WAIT_AGENT_J1", "READY/READY_WAITING_FOR_AGENT/READY", []string{"hold"}, "HOLD/HOLD_PRIORITY_ZERO/HELD", 200},
		{"release a held ready job", "WAIT_AGENT_J1", "READY/READY_WAITING_FOR_AGENT/READY", []string{"hold", "release"}, "READY/READY_WAITING_FOR_AGENT/READY", 200},
		{"release all dependencies (prompt)", "WAIT_PROMPT_J1", "HOLD/HOLD_WAITING_FOR_PROMPT/WAITING", []string{"release-all-dependencies"}, "EXEC//RUNNING", 200},
		{"release all dependencies (file)", "WAIT_FILE_J1", "HOLD/HOLD_WAITING_FOR_FILE/WAITING", []string{"release-all-dependencies"}, "EXEC//RUNNING", 200},
		{"release all dependencies (time)", "WAIT_TIME_J1", "HOLD/HOLD_WAITING_FOR_TIME/WAITING", []string{"release-all-dependencies"}, "EXEC//RUNNING", 200},
		{"release all dependencies (resource)", "WAIT_RESOURCE_J1", "READY/READY_WAITING_FOR_RESOURCES/READY", []string{"release-all-dependencies"}, "EXEC//RUNNING", 200},
		{"release all dependencies (input)", "WAIT_INPUT_J1", "HOLD/HOLD_WAITING_FOR_INPUT/WAITING", []string{"release-all-dependencies"}, "EXEC//RUNNING", 200},
		{"cancel a waiting job", "WAIT_FILE_J1", "HOLD/HOLD_WAITING_FOR_FILE/WAITING", []string{"cancel"}, "CANCL//CANCELED", 200},
		{"kill a running job", "LONG_RUNNER_J1", "EXEC//RUNNING", []string{"kill"}, "ABEND//ERROR", 200},
		{"confirm a running job successful", "LONG_RUNNER_J1", "EXEC//RUNNING", []string{"confirm-succ"}, "SUCC/SUCC_COMPLETED/SUCCESSFUL", 200},
		{"confirm an abended job successful", "ABEND_J1", "ABEND//ERROR", []string{"confirm-succ"}, "SUCC/SUCC_COMPLETED/SUCCESSFUL", 200},
		{"confirm a successful job abended", "CANCEL_J2", "SUCC/SUCC_COMPLETED/SUCCESSFUL", []string{"confirm-abend"}, "ABEND//ERROR", 200},
		{"priority 0 holds", "WAIT_TIME_J1", "HOLD/HOLD_WAITING_FOR_TIME/WAITING", []string{"update-priority?priority=0"}, "HOLD/HOLD_PRIORITY_ZERO/HELD", 200},
		{"priority > 0 releases a hold", "HOLD_OPERATOR_J1", "HOLD/HOLD_PRIORITY_ZERO/HELD", []string{"update-priority?priority=60"}, "EXEC//RUNNING", 200},
		// Actions that do not apply: 409, nothing changes.
		{"kill a job not running", "WAIT_FILE_J1", "HOLD/HOLD_WAITING_FOR_FILE/WAITING", []string{"kill"}, "HOLD/HOLD_WAITING_FOR_FILE/WAITING", 409},
		{"hold a running job", "LONG_RUNNER_J1", "EXEC//RUNNING", []string{"hold"}, "EXEC//RUNNING", 409},
		{"release an ended job", "ABEND_J1", "ABEND//ERROR", []string{"release"}, "ABEND//ERROR", 409},
		{"cancel a running job", "LONG_RUNNER_J1", "EXEC//RUNNING", []string{"cancel"}, "EXEC//RUNNING", 409},
		{"cancel an ended job", "ABEND_J1", "ABEND//ERROR", []string{"cancel"}, "ABEND//ERROR", 409},
		{"confirm a canceled job", "CANCEL_J1", "CANCL//CANCELED", []string{"confirm-succ"}, "CANCL//CANCELED", 409},
		{"priority out of range", "WAIT_TIME_J1", "HOLD/HOLD_WAITING_FOR_TIME/WAITING", []string{"update-priority?priority=102"}, "HOLD/HOLD_WAITING_FOR_TIME/WAITING", 400},
		{"priority missing", "WAIT_TIME_J1", "HOLD/HOLD_WAITING_FOR_TIME/WAITING", []string{"update-priority"}, "HOLD/HOLD_WAITING_FOR_TIME/WAITING", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPI(t, hwasim.Config{})
			j := a.jobNamed(tt.job)
			if got := state(j); got != tt.before {
				t.Fatalf("%s before: %s, want %s", tt.job, got, tt.before)
			}
			var st int
			var body []byte
			for _, v := range tt.verbs {
				st, body = a.put("/plan/job/" + j.ID + "/action/" + v)
			}
			if st != tt.status {
				t.Fatalf("%v: status %d, want %d: %s", tt.verbs, st, tt.status, body)
			}
			if st == 200 {
				var rr hwa.ResourceResponse
				unmarshal(t, body, &rr)
				if rr.ID != j.ID || !strings.HasSuffix(rr.URL, "/twsd/api/v2/plan/job/"+j.ID) {
					t.Errorf("answer %+v, want the job's id and url", rr)
				}
			}
			after := a.job(j.ID)
			if got := state(after); got != tt.after {
				t.Errorf("%s after %v: %s, want %s", tt.job, tt.verbs, got, tt.after)
			}
			if strings.HasPrefix(tt.after, "EXEC") && tt.before != "EXEC//RUNNING" {
				if start := lastRun(t, after).TimeInfo.ActualStartTime; start != a.sim.Now().Format(time.RFC3339) {
					t.Errorf("started at %s, want now %s", start, a.sim.Now().Format(time.RFC3339))
				}
			}
		})
	}
}

func TestKillEndsInAbendAndBlocksSuccessors(t *testing.T) {
	a := newAPI(t, hwasim.Config{})
	j1 := a.jobNamed("LONG_RUNNER_J1")
	a.mustPut("/plan/job/" + j1.ID + "/action/kill")
	j1 = a.job(j1.ID)
	r := lastRun(t, j1)
	if r.ReturnCode != -1 || r.TimeInfo.ActualEndTime != a.sim.Now().Format(time.RFC3339) {
		t.Errorf("killed run: rc %d, end %s", r.ReturnCode, r.TimeInfo.ActualEndTime)
	}
	if got := state(a.jobNamed("LONG_RUNNER_J2")); got != "HOLD/HOLD_UNEXPECTED_PREDECESSOR_CONDITION/WAITING" {
		t.Errorf("successor of a killed job: %s", got)
	}
	if st, _ := a.put("/plan/job/" + j1.ID + "/action/kill"); st != http.StatusConflict {
		t.Errorf("second kill: %d, want 409", st)
	}
}

func TestRerunAddsARun(t *testing.T) {
	a := newAPI(t, hwasim.Config{})
	j := a.jobNamed("ABEND_J1")
	first := lastRun(t, j)
	if got := state(a.jobNamed("ABEND_J2")); got != "HOLD/HOLD_UNEXPECTED_PREDECESSOR_CONDITION/WAITING" {
		t.Fatalf("successor of an abended job: %s", got)
	}
	// Rerun by job id does not exist in the API; by run id it does.
	st, body := a.put("/plan/job/run/" + first.ID + "/action/rerun")
	if st != 200 {
		t.Fatalf("rerun: %d %s", st, body)
	}
	var rr hwa.ResourceResponse
	unmarshal(t, body, &rr)
	j = a.job(j.ID)
	if len(j.JobRuns) != 2 {
		t.Fatalf("runs after rerun: %d, want 2", len(j.JobRuns))
	}
	old, nw := j.JobRuns[0], j.JobRuns[1]
	if old.ID != first.ID || old.LastInRerunChain || old.CompositeStatus.Status != "ABEND" || old.ReturnCode != 12 {
		t.Errorf("first run after rerun: %+v", old)
	}
	if nw.ID != rr.ID || nw.ID == first.ID || !nw.LastInRerunChain || nw.RerunType != "RERUN" || !nw.RerunJob || nw.RunAttempt != 2 {
		t.Errorf("new run: %+v (answer id %s)", nw, rr.ID)
	}
	if got := state(j); got != "EXEC//RUNNING" {
		t.Errorf("job after rerun: %s, want EXEC//RUNNING", got)
	}
	// Old run: no longer the last in its chain. A running job: not yet.
	if st, _ := a.put("/plan/job/run/" + first.ID + "/action/rerun"); st != http.StatusConflict {
		t.Errorf("rerun of an old run: %d, want 409", st)
	}
	if st, _ := a.put("/plan/job/run/" + nw.ID + "/action/rerun"); st != http.StatusConflict {
		t.Errorf("rerun of a running run: %d, want 409", st)
	}
	// The rerun succeeds and releases the successor.
	a.sim.Advance(10 * time.Minute)
	if got := state(a.job(j.ID)); got != "SUCC/SUCC_COMPLETED/SUCCESSFUL" {
		t.Errorf("rerun after 10 min: %s", got)
	}
	if got := a.jobNamed("ABEND_J2").LastRunCompositeStatus.Status; got != "EXEC" && got != "SUCC" {
		t.Errorf("successor after the rerun succeeded: %s, want EXEC or SUCC", got)
	}
	// The new run has its own log.
	if log := string(a.get("/plan/job/run/" + nw.ID + "/joblog")); !strings.Contains(log, "attempt=2") || !strings.Contains(log, "Exit Status           : 0") {
		t.Errorf("rerun log:\n%s", log)
	}
}

func TestConfirmReleasesSuccessors(t *testing.T) {
	a := newAPI(t, hwasim.Config{})
	j1 := a.jobNamed("ABEND_J1")
	a.mustPut("/plan/job/" + j1.ID + "/action/confirm-succ")
	if got := state(a.jobNamed("ABEND_J2")); got != "EXEC//RUNNING" {
		t.Errorf("successor after confirm-succ: %s", got)
	}
	// Cancel releases a successor too (the predecessor will not run).
	f1 := a.jobNamed("WAIT_FILE_J1")
	a.mustPut("/plan/job/" + f1.ID + "/action/cancel")
	if got := state(a.jobNamed("WAIT_FILE_J2")); got != "EXEC//RUNNING" {
		t.Errorf("successor after cancel: %s", got)
	}
}

func TestStreamActions(t *testing.T) {
	a := newAPI(t, hwasim.Config{})
	s := a.streamNamed("FIX_WAIT_TIME")
	if s.CommonStatus != "RUNNING" && s.CommonStatus != "READY" && s.CommonStatus != "WAITING" {
		t.Logf("FIX_WAIT_TIME is %s", s.CommonStatus)
	}
	a.mustPut("/plan/jobstream/" + s.ID + "/action/hold")
	if got := a.streamNamed("FIX_WAIT_TIME"); got.Priority != 0 || got.CompositeStatus.Status != "HOLD" || got.CommonStatus != "HELD" {
		t.Errorf("held stream: priority %d, %s/%s", got.Priority, got.CompositeStatus.Status, got.CommonStatus)
	}
	if got := state(a.jobNamed("WAIT_TIME_J1")); got != "HOLD/HOLD_PRIORITY_ZERO/HELD" {
		t.Errorf("job of a held stream: %s", got)
	}
	a.mustPut("/plan/jobstream/" + s.ID + "/action/release")
	if got := state(a.jobNamed("WAIT_TIME_J1")); got != "HOLD/HOLD_WAITING_FOR_TIME/WAITING" {
		t.Errorf("job of a released stream: %s", got)
	}
	a.mustPut("/plan/jobstream/" + s.ID + "/action/cancel")
	got := a.streamNamed("FIX_WAIT_TIME")
	if got.CommonStatus != "CANCELED" || !got.CompositeStatus.Canceled || got.JSStatusFlags.LateJobStream {
		t.Errorf("canceled stream: %s canceled=%v late=%v", got.CommonStatus, got.CompositeStatus.Canceled, got.JSStatusFlags.LateJobStream)
	}
	for _, j := range got.Jobs {
		if j.LastRunCompositeStatus.Status != "CANCL" {
			t.Errorf("job %s of a canceled stream: %s", j.Name, j.LastRunCompositeStatus.Status)
		}
		if !j.JobStatusFlags.JobStreamCancelled {
			t.Errorf("job %s: jobStreamCancelled not set", j.Name)
		}
	}
	if st, _ := a.put("/plan/jobstream/" + s.ID + "/action/hold"); st != http.StatusConflict {
		t.Errorf("hold of a canceled stream: %d, want 409", st)
	}
}

func TestWorkstationLinkUnlink(t *testing.T) {
	a := newAPI(t, hwasim.Config{})
	var p hwa.Page[hwa.WorkstationInPlan]
	unmarshal(t, a.get("/plan/workstation?oql=name%20%3D%20%27FTA_LNX09%27"), &p)
	ws := p.Results[0]
	if slices.Contains(ws.ActiveStates, "LINKED") {
		t.Fatalf("FTA_LNX09 starts linked: %v", ws.ActiveStates)
	}
	waiting := a.jobNamed("WAIT_AGENT_J1")
	a.mustPut("/plan/workstation/" + ws.ID + "/action/link")
	var w hwa.WorkstationInPlan
	unmarshal(t, a.get("/plan/workstation/"+ws.ID), &w)
	if !slices.Contains(w.ActiveStates, "LINKED") || !slices.Contains(w.ActiveStates, "ONLINE") {
		t.Errorf("after link: %v", w.ActiveStates)
	}
	if got := state(a.job(waiting.ID)); got != "EXEC//RUNNING" {
		t.Errorf("job waiting for the agent after link: %s", got)
	}
	a.mustPut("/plan/workstation/" + ws.ID + "/action/unlink")
	unmarshal(t, a.get("/plan/workstation/"+ws.ID), &w)
	if slices.Contains(w.ActiveStates, "LINKED") || slices.Contains(w.ActiveStates, "ONLINE") {
		t.Errorf("after unlink: %v", w.ActiveStates)
	}
}

func TestActionLog(t *testing.T) {
	a := newAPI(t, hwasim.Config{})
	j := a.jobNamed("WAIT_PROMPT_J1")
	hdr := map[string]string{
		"Content-Type":              "application/json",
		"Justification-Category":    "Incident",
		"Justification-Description": "tape mounted by the night shift",
		"Justification-Ticket-Num":  "INC0012345",
	}
	a.sim.Advance(5 * time.Minute)
	st, _, _ := a.do("PUT", "/plan/job/"+j.ID+"/action/release-all-dependencies", `{"note":"x"}`, hdr)
	if st != 200 {
		t.Fatalf("status %d", st)
	}
	a.do("PUT", "/plan/job/"+j.ID+"/action/hold", "{}", nil) // 415, logged too
	acts := a.sim.Actions()
	if len(acts) != 2 {
		t.Fatalf("%d actions logged, want 2", len(acts))
	}
	got := acts[0]
	if got.Method != "PUT" || got.Verb != "release-all-dependencies" || got.Target != "job" || got.TargetID != j.ID ||
		got.Status != 200 || string(got.Body) != `{"note":"x"}` || !got.Time.Equal(testNow.Add(5*time.Minute)) ||
		got.Path != "/twsd/api/v2/plan/job/"+j.ID+"/action/release-all-dependencies" {
		t.Errorf("logged action %+v", got)
	}
	for k, v := range hdr {
		if got.Headers.Get(k) != v {
			t.Errorf("logged header %s = %q, want %q", k, got.Headers.Get(k), v)
		}
	}
	if acts[1].Status != http.StatusUnsupportedMediaType || acts[1].Verb != "hold" {
		t.Errorf("second action %+v, want a 415 hold", acts[1])
	}
}

// TestInjectedClock: with Config.Clock the plan follows the clock.
func TestInjectedClock(t *testing.T) {
	now := testNow
	var clock = func() time.Time { return now }
	a := newAPI(t, hwasim.Config{Clock: clock})
	if !a.sim.Now().Equal(testNow) {
		t.Fatalf("Now %s, want %s", a.sim.Now(), testNow)
	}
	j := a.jobNamed("WAIT_TIME_J1")
	if got := state(j); got != "HOLD/HOLD_WAITING_FOR_TIME/WAITING" {
		t.Fatalf("before: %s", got)
	}
	now = testNow.Add(3*time.Hour + time.Minute) // past its AT time
	if got := state(a.job(j.ID)); got != "EXEC//RUNNING" {
		t.Errorf("after the clock passed its AT time: %s", got)
	}
	a.sim.Advance(time.Hour)
	if !a.sim.Now().Equal(now.Add(time.Hour)) {
		t.Errorf("Advance on an injected clock: Now %s, want %s", a.sim.Now(), now.Add(time.Hour))
	}
}
