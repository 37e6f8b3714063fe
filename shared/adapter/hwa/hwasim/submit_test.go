package hwasim_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
)

func status(j hwa.JobInPlan) string { return j.LastRunCompositeStatus.Status }

func allJobs(a *api) []hwa.JobInPlan {
	a.t.Helper()
	var p hwa.Page[hwa.JobInPlan]
	unmarshal(a.t, a.get("/plan/job"), &p)
	return p.Results
}

// TestJobDefinitionOptions: tasks, recovery (RERUN and CONTINUE with their
// recovery jobs), confirm-required and every-jobs as the plan serves them.
func TestJobDefinitionOptions(t *testing.T) {
	a := newAPI(t, hwasim.Config{})
	jobs := allJobs(a)
	byName := map[string]hwa.JobInPlan{}
	var rerun, cont, confirm, every []hwa.JobInPlan
	for _, j := range jobs {
		byName[j.Name] = j
		jd := j.JobDefinition
		task := hwa.ParseTask(jd.Task)
		if (task.Command == "") == (task.Script == "") || task.UserLogin == "" || jd.JobDefinitionModelID == "" {
			t.Fatalf("%s: task %+v, model id %q: want a command or a script, a user and a model id", j.Name, task, jd.JobDefinitionModelID)
		}
		if jd.IsCommand != (task.Command != "") {
			t.Errorf("%s: isCommand %v with task %+v", j.Name, jd.IsCommand, task)
		}
		switch {
		case jd.RecoveryOption == "RERUN" && jd.RecoveryJobName != "":
			rerun = append(rerun, j)
		case jd.RecoveryOption == "CONTINUE" && jd.RecoveryJobName != "":
			cont = append(cont, j)
		}
		if j.JobOptions.RequiresConfirmation && j.LastRunCompositeStatus.Status == "PEND" {
			confirm = append(confirm, j)
		}
		if j.JobOptions.Every != (j.RepeatInterval != "") {
			t.Errorf("%s: every %v, repeatInterval %q", j.Name, j.JobOptions.Every, j.RepeatInterval)
		}
		if j.JobOptions.Every {
			every = append(every, j)
		}
	}
	if len(rerun) != 1 || len(cont) != 1 || len(confirm) == 0 || len(every) == 0 {
		t.Fatalf("examples: %d RERUN, %d CONTINUE with recovery jobs, %d PEND confirm jobs, %d every-jobs", len(rerun), len(cont), len(confirm), len(every))
	}
	// RERUN: abended once (rc 8), its recovery job ran, HWA reran it.
	r := a.job(rerun[0].ID)
	if len(r.JobRuns) != 2 || r.JobRuns[0].ReturnCode != 8 || r.JobRuns[1].RerunType != "RECOVERY_RERUN" || status(r) != "SUCC" {
		t.Errorf("RERUN %s: %d runs, state %s: %+v", r.Name, len(r.JobRuns), state(r), r.JobRuns)
	}
	rj, ok := byName[r.Name+"_RCV"]
	if !ok || status(rj) != "SUCC" || rj.JobRuns[0].RerunType != "RECOVERY" || rj.JobStreamID != r.JobStreamID {
		t.Errorf("recovery job of %s: found %v, %+v", r.Name, ok, rj)
	}
	// CONTINUE: still ABEND, recovery job ran, a successor may start.
	c := a.job(cont[0].ID)
	if status(c) != "ABEND" {
		t.Errorf("CONTINUE %s is %s, want ABEND", c.Name, state(c))
	}
	if _, ok := byName[c.Name+"_RCV"]; !ok {
		t.Errorf("no recovery job %s_RCV", c.Name)
	}
	// Confirm-required: PEND until confirmed.
	a.mustPut("/plan/job/" + confirm[0].ID + "/action/confirm-succ")
	if got := status(a.job(confirm[0].ID)); got != "SUCC" {
		t.Errorf("confirmed %s is %s, want SUCC", confirm[0].Name, got)
	}
	// Every-job: more runs as the clock moves.
	before := len(a.job(every[0].ID).JobRuns)
	a.sim.Advance(3 * time.Hour)
	after := a.job(every[0].ID)
	if len(after.JobRuns) <= before || after.JobRuns[len(after.JobRuns)-1].RerunType != "RERUN_EVERY" {
		t.Errorf("every-job %s: %d runs, then %d: %+v", after.Name, before, len(after.JobRuns), after.JobRuns)
	}
}

func post(a *api, path, body string) (int, []byte) {
	a.t.Helper()
	st, _, b := a.do("POST", path, body, map[string]string{"Content-Type": "application/json"})
	return st, b
}

func TestSubmitJobStream(t *testing.T) {
	a := newAPI(t, hwasim.Config{})
	m := a.streamNamed("PAYROLL_01")
	var full hwa.JobStreamInPlan
	unmarshal(t, a.get("/plan/jobstream/"+m.ID), &full)
	if full.JobStreamModelID == "" {
		t.Fatal("no jobStreamModelId")
	}
	st, b := post(a, "/plan/jobstream/"+full.JobStreamModelID+"/submit", `{"alias":"payroll_again","priority":60}`)
	if st != http.StatusOK {
		t.Fatalf("submit: %d %s", st, b)
	}
	var l hwa.ResourceList
	unmarshal(t, b, &l)
	if l.Count != 1 || len(l.Results) != 1 || l.Results[0].ID == m.ID {
		t.Fatalf("submit answer %+v", l)
	}
	var ns hwa.JobStreamInPlan
	unmarshal(t, a.get("/plan/jobstream/"+l.Results[0].ID), &ns)
	if ns.Name != "PAYROLL_AGAIN" || len(ns.Jobs) != len(full.Jobs) || ns.Priority != 60 || ns.JobStreamModelID != full.JobStreamModelID {
		t.Errorf("new stream %s: %d jobs (model %d), priority %d", ns.Name, len(ns.Jobs), len(full.Jobs), ns.Priority)
	}
	for i, j := range ns.Jobs {
		if j.ID == full.Jobs[i].ID || j.Name != full.Jobs[i].Name {
			t.Errorf("job %d: %s %s, model %s %s", i, j.ID, j.Name, full.Jobs[i].ID, full.Jobs[i].Name)
		}
	}
	// It runs on the clock.
	a.sim.Advance(6 * time.Hour)
	unmarshal(t, a.get("/plan/jobstream/"+ns.ID), &ns)
	if ns.JobStreamStats.NumberOfSuccessfullJob == 0 {
		t.Errorf("no job of the submitted stream succeeded 6 h later: %+v", ns.JobStreamStats)
	}
	acts := a.sim.Actions()
	last := acts[len(acts)-1]
	if last.Method != "POST" || last.Verb != "submit" || last.Target != "jobstream-model" || last.Status != 200 {
		t.Errorf("recorded action %+v", last)
	}
	for _, tt := range []struct {
		path, body string
		want       int
	}{
		{"/plan/jobstream/00000000-0000-4000-8000-000000000000/submit", `{}`, 404},
		{"/plan/jobstream/" + full.JobStreamModelID + "/submit", `{"priority":500}`, 400},
		{"/plan/jobstream/" + full.JobStreamModelID + "/submit", `{"dependencies":[{"dependencyType":"PROMPT"}]}`, 400},
		{"/plan/jobstream/" + full.JobStreamModelID + "/submit", `{"earliestDate":"tomorrow"}`, 400},
		{"/plan/jobstream/" + full.JobStreamModelID + "/submit", `not json`, 400},
	} {
		if st, b := post(a, tt.path, tt.body); st != tt.want {
			t.Errorf("POST %s %s: %d, want %d: %s", tt.path, tt.body, st, tt.want, b)
		}
	}
	if st, _, _ := a.do("GET", "/plan/jobstream/"+full.JobStreamModelID+"/submit", "", nil); st != http.StatusMethodNotAllowed {
		t.Errorf("GET submit: %d, want 405", st)
	}
}

func TestSubmitJobs(t *testing.T) {
	a := newAPI(t, hwasim.Config{})
	var ps hwa.JobStreamInPlan
	unmarshal(t, a.get("/plan/jobstream/"+a.streamNamed("PAYROLL_01").ID), &ps)
	m := a.job(ps.Jobs[0].ID)
	model := m.JobDefinition.JobDefinitionModelID
	st, b := post(a, "/plan/job/"+model+"/submit", `{}`)
	if st != http.StatusOK {
		t.Fatalf("submit job: %d %s", st, b)
	}
	var rr hwa.ResourceResponse
	unmarshal(t, b, &rr)
	nj := a.job(rr.ID)
	if nj.Name != m.Name || nj.JobStreamName != "JOBS" || nj.Workstation != m.Workstation || hwa.ParseTask(nj.JobDefinition.Task) != hwa.ParseTask(m.JobDefinition.Task) {
		t.Errorf("submitted job %s in %s on %s, task %s", nj.Name, nj.JobStreamName, nj.Workstation, nj.JobDefinition.Task)
	}
	var jobs hwa.JobStreamInPlan
	unmarshal(t, a.get("/plan/jobstream/"+nj.JobStreamID), &jobs)
	if jobs.Name != "JOBS" || jobs.JobStreamModelID != "" || len(jobs.Jobs) != 1 {
		t.Errorf("JOBS stream %s: model %q, %d jobs; want no model and the one job", jobs.Name, jobs.JobStreamModelID, len(jobs.Jobs))
	}
	if st, b := post(a, "/plan/job/"+model+"/submit", `{}`); st != http.StatusConflict {
		t.Errorf("same name again: %d, want 409: %s", st, b)
	}
	if st, b := post(a, "/plan/job/"+model+"/submit", `{"alias":"extract_again"}`); st != http.StatusOK {
		t.Errorf("with an alias: %d: %s", st, b)
	}
	// Ad hoc: a command on a workstation, into its JOBS stream.
	st, b = post(a, "/plan/job/submit-ad-hoc-job", `{"workstationKey":"AGT_LNX02","alias":"clean_tmp","task":{"taskType":"UNIX","command":"rm -rf /tmp/x","userLogin":"ops"},"recoveryOption":"RERUN"}`)
	if st != http.StatusOK {
		t.Fatalf("ad hoc: %d %s", st, b)
	}
	unmarshal(t, b, &rr)
	ah := a.job(rr.ID)
	task := hwa.ParseTask(ah.JobDefinition.Task)
	if ah.Name != "CLEAN_TMP" || ah.Workstation != "AGT_LNX02" || task.Command != "rm -rf /tmp/x" || task.UserLogin != "ops" || ah.JobDefinition.RecoveryOption != "RERUN" {
		t.Errorf("ad hoc job %+v task %+v", ah, task)
	}
	a.sim.Advance(time.Hour)
	if got := status(a.job(rr.ID)); got != "SUCC" && got != "ABEND" {
		t.Errorf("ad hoc job is %s an hour later, want it ended", got)
	}
	for _, tt := range []struct {
		body string
		want int
	}{
		{`{"workstationKey":"AGT_LNX02"}`, 400},
		{`{"task":{"command":"ls"}}`, 400},
		{`{"workstationKey":"NOPE","task":{"command":"ls"}}`, 404},
		{`{"workstationKey":"AGT_LNX02","task":{"command":"ls"},"repeatInterval":"soon"}`, 400},
		{`{"workstationKey":"AGT_LNX02","task":{"command":"ls"},"recoveryOption":"RERUN_PROMPT"}`, 400},
	} {
		if st, b := post(a, "/plan/job/submit-ad-hoc-job", tt.body); st != tt.want {
			t.Errorf("ad hoc %s: %d, want %d: %s", tt.body, st, tt.want, b)
		}
	}
	// Read-only callers may not submit.
	ro := newAPI(t, hwasim.Config{Users: map[string]string{"ro": "x"}, ReadOnlyUsers: []string{"ro"}})
	ro.user, ro.pass = "ro", "x"
	if st, b := post(ro, "/plan/job/submit-ad-hoc-job", `{"workstationKey":"MDM","task":{"command":"ls"}}`); st != http.StatusForbidden || !strings.Contains(string(b), "NOT_ALLOWED") {
		t.Errorf("read-only submit: %d %s", st, b)
	}
}
