package hwa_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/domain/workload"
)

// Tests of the client against the simulator over real HTTP: every client
// method, paging, each error kind through fault injection, retries on reads
// and none on actions, and OQL with a quoted job name.

var simNow = time.Date(2026, 11, 26, 16, 0, 0, 0, time.UTC)

type simEnv struct {
	sim *hwasim.Server
	srv *httptest.Server
	c   *hwa.Client
}

func newSim(t *testing.T, mod func(*hwa.Config)) *simEnv {
	t.Helper()
	sim := hwasim.New(hwasim.Config{
		Seed:          7,
		Now:           simNow,
		Users:         map[string]string{"ops": "s3cret-pass", "viewer": "view-pass"},
		APIKeys:       []string{"key-ops-123"},
		ReadOnlyUsers: []string{"viewer"},
	})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg := hwa.Config{
		BaseURL:  srv.URL,
		User:     "ops",
		Password: "s3cret-pass",
		Timeout:  2 * time.Second,
		Retry:    hwa.RetryPolicy{Attempts: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond},
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := hwa.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &simEnv{sim: sim, srv: srv, c: c}
}

// one returns the single job named name.
func (e *simEnv) one(t *testing.T, name string) workload.Job {
	t.Helper()
	jobs, err := e.c.ListJobs(context.Background(), hwa.Query{OQL: hwa.Eq("name", name)})
	if err != nil {
		t.Fatalf("find %s: %v", name, err)
	}
	if len(jobs) != 1 {
		t.Fatalf("find %s: %d jobs", name, len(jobs))
	}
	j, err := e.c.Job(context.Background(), jobs[0].ID)
	if err != nil {
		t.Fatalf("get %s: %v", name, err)
	}
	return j
}

func (e *simEnv) stream(t *testing.T, name string) workload.JobStream {
	t.Helper()
	ss, err := e.c.ListJobStreams(context.Background(), hwa.Query{OQL: hwa.Eq("name", name)})
	if err != nil || len(ss) != 1 {
		t.Fatalf("find stream %s: %v, %d", name, err, len(ss))
	}
	return ss[0]
}

func (e *simEnv) workstation(t *testing.T, name string) workload.Workstation {
	t.Helper()
	ws, err := e.c.ListWorkstations(context.Background(), hwa.Query{OQL: hwa.Eq("name", name)})
	if err != nil || len(ws) != 1 {
		t.Fatalf("find workstation %s: %v, %d", name, err, len(ws))
	}
	return ws[0]
}

// requestsTo counts the simulator's logged requests to path (under the API prefix).
func (e *simEnv) requestsTo(path string) int {
	n := 0
	for _, r := range e.sim.Requests() {
		if r.Path == hwa.APIPrefix+path {
			n++
		}
	}
	return n
}

func TestSimEveryClientMethod(t *testing.T) {
	e := newSim(t, nil)
	ctx := context.Background()
	o := hwa.ActionOptions{Justification: hwa.Justification{Category: "INCIDENT", Description: "sim test", TicketNum: "INC-7"}}
	covered := map[string]bool{}
	check := func(method string, err error) {
		t.Helper()
		covered[method] = true
		if err != nil {
			t.Errorf("%s: %v", method, err)
		}
	}

	// Reads.
	info, err := e.c.EngineInfo(ctx)
	check("EngineInfo", err)
	if info.DisplayVersion == "" {
		t.Errorf("EngineInfo = %+v", info)
	}
	all, err := e.c.ListJobs(ctx, hwa.Query{PageSize: 200})
	check("ListJobs", err)
	if len(all) != 450+hwasim.RecoveryJobs {
		t.Errorf("ListJobs = %d jobs, want %d", len(all), 450+hwasim.RecoveryJobs)
	}
	n := 0
	for _, err := range e.c.Jobs(ctx, hwa.Query{PageSize: 7, MaxResults: 20}) {
		check("Jobs", err)
		n++
	}
	if n != 20 {
		t.Errorf("Jobs yielded %d, want 20", n)
	}
	n = 0
	for j, err := range e.c.JobsInPlan(ctx, hwa.Query{OQL: hwa.Eq("jobOptions.critical", true), PageSize: 3}) {
		check("JobsInPlan", err)
		if j.JobOptions == nil || !j.JobOptions.Critical {
			t.Errorf("JobsInPlan: %s is not critical", j.Name)
		}
		n++
	}
	if n == 0 {
		t.Error("JobsInPlan found no critical job")
	}
	n = 0
	for st, err := range e.c.JobStreamsInPlan(ctx, hwa.Query{PageSize: 4, MaxResults: 9}) {
		check("JobStreamsInPlan", err)
		if st.ID == "" || st.Name == "" {
			t.Errorf("JobStreamsInPlan yielded a stream without id or name: %+v", st)
		}
		n++
	}
	if n != 9 {
		t.Errorf("JobStreamsInPlan yielded %d, want 9", n)
	}
	page, total, err := e.c.JobPage(ctx, hwa.Query{PageSize: 10}, 440)
	check("JobPage", err)
	if total != 450+hwasim.RecoveryJobs || len(page) != 10 {
		t.Errorf("JobPage = %d jobs of %d, want 10 of %d", len(page), total, 450+hwasim.RecoveryJobs)
	}
	fix, nFix, err := e.c.JobStreamPage(ctx, hwa.Query{OQL: hwa.Like("name", "FIX_@").OrderBy("name", hwa.Asc), PageSize: 3}, 1)
	check("JobStreamPage", err)
	if len(fix) != 3 || nFix < 10 || fix[0].Name >= fix[1].Name {
		t.Errorf("JobStreamPage = %v of %d, want 3 FIX_ streams by name of at least 10", fix, nFix)
	}
	down, nDown, err := e.c.WorkstationPage(ctx, hwa.Query{OQL: hwa.NotEq("activeStates", "LINKED"), PageSize: 5}, 0)
	check("WorkstationPage", err)
	if nDown != 1 || len(down) != 1 || down[0].Name != "FTA_LNX09" || down[0].Linked() {
		t.Errorf("WorkstationPage(not LINKED) = %v of %d, want FTA_LNX09 alone", down, nDown)
	}

	abend := e.one(t, "ABEND_J1")
	raw, err := e.c.JobInPlan(ctx, abend.ID)
	check("JobInPlan", err)
	check("Job", nil)
	if raw.Name != "ABEND_J1" || !abend.Failed() || len(abend.Runs) == 0 {
		t.Fatalf("ABEND_J1 = %+v", abend)
	}
	last, _ := abend.LastRun()
	if last.ReturnCode != 12 {
		t.Errorf("ABEND_J1 last run rc = %d, want 12", last.ReturnCode)
	}

	streams, err := e.c.ListJobStreams(ctx, hwa.Query{PageSize: 25})
	check("ListJobStreams", err)
	if len(streams) < 40 {
		t.Errorf("ListJobStreams = %d, want >= 40", len(streams))
	}
	n = 0
	for _, err := range e.c.JobStreams(ctx, hwa.Query{OQL: hwa.Like("name", "FIX_@"), PageSize: 4}) {
		check("JobStreams", err)
		n++
	}
	if n < 19 {
		t.Errorf("JobStreams FIX_@ = %d, want >= 19", n)
	}
	st, stJobs, err := e.c.JobStream(ctx, abend.StreamID)
	check("JobStream", err)
	if st.Name != "FIX_ABEND" || len(stJobs) != 3 {
		t.Errorf("JobStream = %s with %d jobs", st.Name, len(stJobs))
	}
	wss, err := e.c.ListWorkstations(ctx, hwa.Query{PageSize: 5})
	check("ListWorkstations", err)
	if len(wss) < 8 {
		t.Errorf("ListWorkstations = %d, want >= 8", len(wss))
	}
	ws, err := e.c.Workstation(ctx, wss[0].ID)
	check("Workstation", err)
	if ws.Name != wss[0].Name {
		t.Errorf("Workstation = %s, want %s", ws.Name, wss[0].Name)
	}

	log, err := e.c.JobLog(ctx, last.ID, hwa.LogOptions{})
	check("JobLog", err)
	if !strings.Contains(log.Text, "Exit Status") {
		t.Errorf("job log has no Exit Status:\n%s", log.Text)
	}
	tail, err := e.c.JobLog(ctx, last.ID, hwa.LogOptions{Tail: 2})
	check("JobLog", err)
	lines := strings.Split(strings.TrimSuffix(log.Text, "\n"), "\n")
	if want := strings.Join(lines[len(lines)-2:], "\n") + "\n"; tail.Text != want {
		t.Errorf("tail = %q, want %q", tail.Text, want)
	}
	part, err := e.c.JobLog(ctx, last.ID, hwa.LogOptions{FromLine: 2, ToLine: 3})
	check("JobLog", err)
	if want := strings.Join(lines[1:3], "\n") + "\n"; part.Text != want {
		t.Errorf("lines 2-3 = %q, want %q", part.Text, want)
	}

	succ2 := e.one(t, "ABEND_J2") // depends on ABEND_J1
	preds, err := e.c.Predecessors(ctx, succ2.ID, 1)
	check("Predecessors", err)
	if !slices.ContainsFunc(preds, func(n workload.FlowNode) bool { return n.ID == abend.ID && n.Kind == workload.NodeJob }) {
		t.Errorf("Predecessors(ABEND_J2) = %+v, want ABEND_J1", preds)
	}
	succs, err := e.c.Successors(ctx, abend.ID, 1)
	check("Successors", err)
	if !slices.ContainsFunc(succs, func(n workload.FlowNode) bool { return n.ID == succ2.ID }) {
		t.Errorf("Successors(ABEND_J1) = %+v, want ABEND_J2", succs)
	}
	_, err = e.c.StreamPredecessors(ctx, abend.StreamID, 3)
	check("StreamPredecessors", err)
	_, err = e.c.StreamSuccessors(ctx, abend.StreamID, 3)
	check("StreamSuccessors", err)

	counts, err := e.c.CountJobs(ctx, "", hwa.GroupByStatus)
	check("CountJobs", err)
	var sum int64
	for _, v := range counts.GroupedCount {
		sum += v
	}
	if counts.Count != 450+hwasim.RecoveryJobs || sum != counts.Count {
		t.Errorf("CountJobs = %d, groups sum %d, want %d", counts.Count, sum, 450+hwasim.RecoveryJobs)
	}
	sc, err := e.c.CountJobStreams(ctx, "", hwa.GroupByWorkstation)
	check("CountJobStreams", err)
	if sc.Count != int64(len(streams)) {
		t.Errorf("CountJobStreams = %d, want %d", sc.Count, len(streams))
	}
	issues, err := e.c.Issues(ctx, hwa.Like("name", "ABEND_@"))
	check("Issues", err)
	if !slices.ContainsFunc(issues, func(i hwa.Issue) bool { return i.ID == abend.ID }) {
		t.Errorf("Issues = %+v, want ABEND_J1", issues)
	}

	// Actions, each checked through its effect on the plan.
	rr, err := e.c.Rerun(ctx, last.ID, hwa.RerunDetails{}, o)
	check("Rerun", err)
	after := e.one(t, "ABEND_J1")
	if len(after.Runs) != len(abend.Runs)+1 {
		t.Errorf("Rerun: runs %d → %d, want one more", len(abend.Runs), len(after.Runs))
	}
	if nl, _ := after.LastRun(); nl.ID != rr.ID || nl.ID == last.ID {
		t.Errorf("Rerun answered %q; last run is now %q (was %q)", rr.ID, nl.ID, last.ID)
	}

	target := e.one(t, "WAIT_TIME_J1") // HOLD, waiting for its AT time
	_, err = e.c.Hold(ctx, target.ID, o)
	check("Hold", err)
	if j := e.one(t, "WAIT_TIME_J1"); j.Sub != workload.SubHoldPriorityZero || j.Common != workload.CommonHeld {
		t.Errorf("after Hold: %s %s %s", j.Common, j.Internal, j.Sub)
	}
	_, err = e.c.Release(ctx, target.ID, o)
	check("Release", err)
	if j := e.one(t, "WAIT_TIME_J1"); j.Sub == workload.SubHoldPriorityZero {
		t.Errorf("after Release: still %s", j.Sub)
	}
	_, err = e.c.UpdatePriority(ctx, target.ID, 77, o)
	check("UpdatePriority", err)
	if j := e.one(t, "WAIT_TIME_J1"); j.Priority != 77 {
		t.Errorf("after UpdatePriority: priority %d", j.Priority)
	}

	prompt := e.one(t, "WAIT_PROMPT_J1")
	if len(prompt.UnsatisfiedDependencies()) == 0 {
		t.Fatalf("WAIT_PROMPT_J1 has no unsatisfied dependency: %+v", prompt.Dependencies)
	}
	_, err = e.c.ReleaseAllDependencies(ctx, prompt.ID, o)
	check("ReleaseAllDependencies", err)
	if j := e.one(t, "WAIT_PROMPT_J1"); len(j.UnsatisfiedDependencies()) != 0 || j.Sub == workload.SubHoldWaitingForPrompt {
		t.Errorf("after ReleaseAllDependencies: %s, unsatisfied %+v", j.Sub, j.UnsatisfiedDependencies())
	}

	_, err = e.c.Cancel(ctx, e.one(t, "WAIT_INPUT_J1").ID, o)
	check("Cancel", err)
	if j := e.one(t, "WAIT_INPUT_J1"); j.Internal != workload.InternalCancl {
		t.Errorf("after Cancel: %s", j.Internal)
	}

	runner := e.one(t, "LONG_RUNNER_J1")
	if !runner.Running() {
		t.Fatalf("LONG_RUNNER_J1 is %s", runner.Internal)
	}
	_, err = e.c.Kill(ctx, runner.ID, o)
	check("Kill", err)
	if j := e.one(t, "LONG_RUNNER_J1"); j.Internal != workload.InternalAbend {
		t.Errorf("after Kill: %s, want ABEND", j.Internal)
	}
	_, err = e.c.ConfirmSucc(ctx, runner.ID, nil, o)
	check("ConfirmSucc", err)
	if j := e.one(t, "LONG_RUNNER_J1"); j.Internal != workload.InternalSucc {
		t.Errorf("after ConfirmSucc: %s, want SUCC", j.Internal)
	}
	_, err = e.c.ConfirmAbend(ctx, runner.ID, []string{"RC_BAD"}, o)
	check("ConfirmAbend", err)
	if j := e.one(t, "LONG_RUNNER_J1"); j.Internal != workload.InternalAbend {
		t.Errorf("after ConfirmAbend: %s, want ABEND", j.Internal)
	}

	hs := e.stream(t, "FIX_WAIT_FILE")
	_, err = e.c.HoldStream(ctx, hs.ID, o)
	check("HoldStream", err)
	if s := e.stream(t, "FIX_WAIT_FILE"); s.Priority != 0 {
		t.Errorf("after HoldStream: priority %d, want 0", s.Priority)
	}
	_, err = e.c.ReleaseStream(ctx, hs.ID, o)
	check("ReleaseStream", err)
	if s := e.stream(t, "FIX_WAIT_FILE"); s.Priority == 0 {
		t.Errorf("after ReleaseStream: priority still 0")
	}
	cs := e.stream(t, "FIX_WAIT_USER")
	_, err = e.c.CancelStream(ctx, cs.ID, o)
	check("CancelStream", err)
	if j := e.one(t, "WAIT_USER_J1"); j.Internal != workload.InternalCancl {
		t.Errorf("after CancelStream: WAIT_USER_J1 is %s, want CANCL", j.Internal)
	}

	unlinked := e.workstation(t, "FTA_LNX09")
	if unlinked.Linked() {
		t.Fatalf("FTA_LNX09 is linked: %v", unlinked.States)
	}
	_, err = e.c.LinkWorkstation(ctx, unlinked.ID, o)
	check("LinkWorkstation", err)
	if w := e.workstation(t, "FTA_LNX09"); !w.Linked() {
		t.Errorf("after LinkWorkstation: %v", w.States)
	}
	_, err = e.c.UnlinkWorkstation(ctx, unlinked.ID, o)
	check("UnlinkWorkstation", err)
	if w := e.workstation(t, "FTA_LNX09"); w.Linked() {
		t.Errorf("after UnlinkWorkstation: %v", w.States)
	}

	// Resources and prompts.
	res, err := e.c.Resources(ctx, hwa.Query{OQL: hwa.Eq("name", "DB_CONNECTIONS")})
	check("Resources", err)
	// LONG_RUNNER_J1 held both units until ConfirmAbend ended it above;
	// WAIT_RESOURCE_J1 took one.
	if len(res) != 1 || res[0].Quantity != 2 || len(res[0].Holders) != 1 || res[0].Holders[0].JobName != "WAIT_RESOURCE_J1" {
		t.Fatalf("Resources(DB_CONNECTIONS) = %+v, want one of 2 units, one held by WAIT_RESOURCE_J1", res)
	}
	r1, err := e.c.Resource(ctx, res[0].ID)
	check("Resource", err)
	if r1.Name != "DB_CONNECTIONS" || r1.InUse != 1 || r1.Available != 1 {
		t.Errorf("Resource = %+v", r1)
	}
	prompts, err := e.c.OpenPrompts(ctx, 0)
	check("OpenPrompts", err)
	// WAIT_PROMPT_J1's prompt was released above: answer another one.
	var tape workload.Prompt
	for _, p := range prompts {
		if p.Status == workload.PromptAsked && len(p.Jobs) > 0 && tape.ID == "" {
			tape = p
		}
	}
	if tape.ID == "" || tape.Text == "" || tape.Name == "" || tape.Number == 0 {
		t.Fatalf("OpenPrompts = %+v, want an asked prompt with its name, number, text and jobs", prompts)
	}
	_, err = e.c.ReplyPrompt(ctx, tape.ID, true, o)
	check("ReplyPrompt", err)
	for _, pj := range tape.Jobs {
		if j, err := e.c.Job(ctx, pj.ID); err != nil || j.Sub == workload.SubHoldWaitingForPrompt {
			t.Errorf("after ReplyPrompt yes to %s: %s still waits for it", tape.Name, j.Name)
		}
	}
	if _, err := e.c.ReplyPrompt(ctx, tape.ID, true, o); !errors.Is(err, hwa.ErrConflict) {
		t.Errorf("a second yes: %v, want ErrConflict", err)
	}

	// Submissions: a stream from its model, a job from its definition's
	// model, an ad-hoc job; each new object is in the plan.
	model := e.stream(t, "PAYROLL_01")
	src := e.one(t, hwasim.QuoteJobName) // a job of PAYROLL_01, before its copy exists
	rs, err := e.c.SubmitJobStream(ctx, model.ModelID, hwa.SubmitJobStreamOptions{Alias: "PAYROLL_AGAIN"}, o)
	check("SubmitJobStream", err)
	if s := e.stream(t, "PAYROLL_AGAIN"); s.ID != rs.ID || s.ModelID != model.ModelID {
		t.Errorf("SubmitJobStream = %+v, stream in plan %+v", rs, s)
	}
	rj, err := e.c.SubmitJob(ctx, src.Task.ModelID, hwa.SubmitJobOptions{Alias: "SUBMITTED_AGAIN"}, o)
	check("SubmitJob", err)
	if j, err := e.c.Job(ctx, rj.ID); err != nil || j.Task != (workload.Task{Line: src.Task.Line, IsCommand: src.Task.IsCommand, User: src.Task.User, ModelID: src.Task.ModelID}) {
		t.Errorf("SubmitJob: %v, task %+v, want %+v", err, j.Task, src.Task)
	}
	task, _ := hwa.TaskOf(workload.Task{Line: "df -h", IsCommand: true, User: "ops"}, "UNIX")
	ra, err := e.c.SubmitAdHocJob(ctx, hwa.SubmitAdHocJobOptions{SubmitJobOptions: hwa.SubmitJobOptions{WorkstationKey: "MDM", Alias: "DF"}, Task: task}, o)
	check("SubmitAdHocJob", err)
	if j, err := e.c.Job(ctx, ra.ID); err != nil || j.Task.Line != "df -h" || !j.Task.IsCommand || j.StreamName != "JOBS" {
		t.Errorf("SubmitAdHocJob: %v, %+v", err, j)
	}

	// Every action reached the simulator once, with the justification;
	// the refused second reply is the one logged with 409.
	acts := e.sim.Actions()
	if len(acts) != 19 {
		t.Errorf("simulator logged %d actions, want 19", len(acts))
	}
	refused := 0
	for _, a := range acts {
		if a.Status == 409 {
			refused++
			continue
		}
		if a.Status != 200 || a.User != "ops" || a.Headers.Get("Content-Type") != "application/json" ||
			a.Headers.Get("Justification-Category") != "INCIDENT" || a.Headers.Get("Justification-Ticket-Num") != "INC-7" ||
			a.Headers.Get("Justification-Description") != "sim test" {
			t.Errorf("action %s %s: status %d user %q headers %v", a.Verb, a.TargetID, a.Status, a.User, a.Headers)
		}
	}
	if refused != 1 {
		t.Errorf("%d actions refused with 409, want the second reply only", refused)
	}

	// Every exported method was exercised here.
	var want, got []string
	ct := reflect.TypeOf(e.c)
	for i := 0; i < ct.NumMethod(); i++ {
		want = append(want, ct.Method(i).Name)
	}
	for m := range covered {
		got = append(got, m)
	}
	sort.Strings(want)
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("covered %v\nmethods %v", got, want)
	}
}

func TestSimPaging(t *testing.T) {
	e := newSim(t, nil)
	ctx := context.Background()
	jobs, err := e.c.ListJobs(ctx, hwa.Query{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.requestsTo("/plan/job"); got != 5 {
		t.Errorf("pages read = %d, want 5 (450 jobs by 100)", got)
	}
	ids := map[string]bool{}
	for _, j := range jobs {
		if ids[j.ID] {
			t.Fatalf("job %s returned twice", j.ID)
		}
		ids[j.ID] = true
	}
	if len(ids) != 450+hwasim.RecoveryJobs {
		t.Errorf("distinct jobs = %d, want %d", len(ids), 450+hwasim.RecoveryJobs)
	}
	// Paging keeps the filter and the order across pages.
	before := e.requestsTo("/plan/job")
	fix, err := e.c.ListJobs(ctx, hwa.Query{OQL: hwa.Like("jobStreamName", "FIX_@").OrderBy("name", hwa.Asc), PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.requestsTo("/plan/job") - before; got < 3 {
		t.Errorf("pages read = %d, want >= 3", got)
	}
	if len(fix) != 57 {
		t.Errorf("FIX_ jobs = %d, want 57 (19 streams x 3)", len(fix))
	}
	if !slices.IsSortedFunc(fix, func(a, b workload.Job) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) }) {
		t.Errorf("ORDER BY name lost across pages")
	}
	for _, j := range fix {
		if !strings.HasPrefix(j.StreamName, "FIX_") {
			t.Errorf("filter lost across pages: %s in %s", j.Name, j.StreamName)
		}
	}
	ws, err := e.c.ListWorkstations(ctx, hwa.Query{PageSize: 4})
	if err != nil || len(ws) < 12 {
		t.Errorf("workstations over pages of 4 = %d, %v", len(ws), err)
	}
	if got := e.requestsTo("/plan/workstation"); got < 3 {
		t.Errorf("workstation pages = %d, want >= 3", got)
	}
}

func TestSimQuotedJobName(t *testing.T) {
	e := newSim(t, nil)
	ctx := context.Background()
	tests := []struct {
		name string
		oql  hwa.Expr
		want int
	}{
		{"eq", hwa.Eq("name", hwasim.QuoteJobName), 1},
		{"like", hwa.Like("name", "O'NEIL@"), 1},
		{"in", hwa.In("name", hwasim.QuoteJobName, "NO_SUCH"), 1},
		{"injection attempt matches nothing", hwa.Eq("name", "x' OR name LIKE '@"), 0},
		{"bracket injection matches nothing", hwa.In("name", "x'] OR name LIKE '@"), 0},
		{"not eq", hwa.And(hwa.Like("name", "O@"), hwa.NotEq("name", hwasim.QuoteJobName)), -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jobs, err := e.c.ListJobs(ctx, hwa.Query{OQL: tt.oql})
			if err != nil {
				t.Fatalf("%s: %v", tt.oql, err)
			}
			if tt.want >= 0 && len(jobs) != tt.want {
				t.Fatalf("%s: %d jobs, want %d", tt.oql, len(jobs), tt.want)
			}
			for _, j := range jobs {
				if (tt.want == 1) != (j.Name == hwasim.QuoteJobName) {
					t.Errorf("%s: got %s", tt.oql, j.Name)
				}
			}
		})
	}
}

func TestSimErrorKinds(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		mod      func(*hwa.Config)
		fault    *hwasim.Fault
		call     func(t *testing.T, e *simEnv) error
		kind     error
		status   int
		code     string
		wantHits int // requests the simulator saw; 0 = do not check
	}{
		{"not found", nil, nil, func(t *testing.T, e *simEnv) error { _, err := e.c.Job(ctx, "no-such-job"); return err },
			hwa.ErrNotFound, 404, "NOT_FOUND", 1},
		{"unauthorized", func(c *hwa.Config) { c.Password = "wrong" }, nil,
			func(t *testing.T, e *simEnv) error { _, err := e.c.EngineInfo(ctx); return err }, hwa.ErrUnauthorized, 401, "NOT_AUTHORIZED", 1},
		{"unauthorized bearer", func(c *hwa.Config) { c.User, c.Password, c.APIKey = "", "", "bad-key" }, nil,
			func(t *testing.T, e *simEnv) error { _, err := e.c.EngineInfo(ctx); return err }, hwa.ErrUnauthorized, 401, "NOT_AUTHORIZED", 1},
		{"forbidden", func(c *hwa.Config) { c.User, c.Password = "viewer", "view-pass" }, nil,
			func(t *testing.T, e *simEnv) error {
				_, err := e.c.Hold(ctx, "anything", hwa.ActionOptions{})
				return err
			},
			hwa.ErrForbidden, 403, "NOT_ALLOWED", 1},
		{"bad filter", nil, nil, func(t *testing.T, e *simEnv) error {
			_, err := e.c.ListJobs(ctx, hwa.Query{OQL: hwa.Eq("key.name", "X")})
			return err
		}, hwa.ErrBadFilter, 400, "OQL_FILTER_SYNTAX_ERROR", 1},
		{"bad plan filter", nil, nil, func(t *testing.T, e *simEnv) error {
			_, err := e.c.ListJobs(ctx, hwa.Query{PlanFilter: "MDM##X"})
			return err
		}, hwa.ErrBadFilter, 400, "PLAN_FILTER_SYNTAX_ERROR", 1},
		{"conflict", nil, nil, func(t *testing.T, e *simEnv) error {
			j := e.one(t, "WAIT_TIME_J1")
			_, err := e.c.Kill(ctx, j.ID, hwa.ActionOptions{}) // not running
			return err
		}, hwa.ErrConflict, 409, "ACTION_NOT_ALLOWED", 0},
		{"unavailable read, retried", nil, &hwasim.Fault{Status5xx: 503},
			func(t *testing.T, e *simEnv) error { _, err := e.c.EngineInfo(ctx); return err }, hwa.ErrUnavailable, 503, "SERVICE_UNAVAILABLE", 3},
		{"unavailable action, not retried", nil, &hwasim.Fault{Status5xx: 503},
			func(t *testing.T, e *simEnv) error { _, err := e.c.Hold(ctx, "x", hwa.ActionOptions{}); return err }, hwa.ErrUnavailable, 503, "SERVICE_UNAVAILABLE", 1},
		{"timeout read, retried", func(c *hwa.Config) { c.Timeout = 100 * time.Millisecond }, &hwasim.Fault{Timeout: true},
			func(t *testing.T, e *simEnv) error { _, err := e.c.EngineInfo(ctx); return err }, hwa.ErrUnavailable, 0, "", 3},
		{"timeout action, not retried", func(c *hwa.Config) { c.Timeout = 100 * time.Millisecond }, &hwasim.Fault{Timeout: true},
			func(t *testing.T, e *simEnv) error { _, err := e.c.Kill(ctx, "x", hwa.ActionOptions{}); return err }, hwa.ErrUnavailable, 0, "", 1},
		{"dropped connection read, retried", nil, &hwasim.Fault{DropConnection: true},
			func(t *testing.T, e *simEnv) error { _, err := e.c.ListJobs(ctx, hwa.Query{}); return err }, hwa.ErrUnavailable, 0, "", 3},
		{"dropped connection action, not retried", nil, &hwasim.Fault{DropConnection: true},
			func(t *testing.T, e *simEnv) error {
				_, err := e.c.Rerun(ctx, "r", hwa.RerunDetails{}, hwa.ActionOptions{})
				return err
			},
			hwa.ErrUnavailable, 0, "", 1},
		{"too large", func(c *hwa.Config) { c.MaxResponseBytes = 10 << 10 }, nil,
			func(t *testing.T, e *simEnv) error { _, err := e.c.ListJobs(ctx, hwa.Query{PageSize: 100}); return err }, hwa.ErrTooLarge, 200, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSim(t, tt.mod)
			if tt.fault != nil {
				e.sim.SetFault(*tt.fault)
			}
			before := len(e.sim.Requests())
			err := tt.call(t, e)
			var he *hwa.Error
			if !errors.As(err, &he) || !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v, want a *hwa.Error of kind %v", err, tt.kind)
			}
			if he.Status != tt.status || he.Code != tt.code {
				t.Errorf("status %d code %q, want %d %q (%v)", he.Status, he.Code, tt.status, tt.code, err)
			}
			if strings.Contains(err.Error(), "s3cret-pass") || strings.Contains(err.Error(), "key-ops-123") {
				t.Errorf("error leaks a credential: %v", err)
			}
			if tt.wantHits > 0 {
				if got := settledRequests(e, before, tt.wantHits); got != tt.wantHits {
					t.Errorf("simulator saw %d requests, want %d", got, tt.wantHits)
				}
			}
		})
	}
}

// settledRequests returns how many requests the simulator logged since
// before. A request the client abandoned is logged when its handler returns,
// a moment later, so wait for want of them and then a little more to see
// that no others follow.
func settledRequests(e *simEnv, before, want int) int {
	deadline := time.Now().Add(3 * time.Second)
	for len(e.sim.Requests())-before < want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(150 * time.Millisecond)
	return len(e.sim.Requests()) - before
}

func TestSimRetryRecovers(t *testing.T) {
	e := newSim(t, nil)
	ctx := context.Background()
	e.sim.SetFault(hwasim.Fault{PathPrefix: hwa.APIPrefix + "/plan/job", Status5xx: 502, Count: 2})
	jobs, err := e.c.ListJobs(ctx, hwa.Query{OQL: hwa.Eq("name", hwasim.QuoteJobName)})
	if err != nil || len(jobs) != 1 {
		t.Fatalf("ListJobs after two 502s = %d jobs, %v", len(jobs), err)
	}
	if got := e.requestsTo("/plan/job"); got != 3 {
		t.Errorf("requests = %d, want 3 (two failures, one success)", got)
	}

	// An action that meets one 503 fails once and changes nothing; the
	// caller's second attempt works.
	j := e.one(t, "WAIT_TIME_J1")
	e.sim.SetFault(hwasim.Fault{PathPrefix: hwa.APIPrefix + "/plan/job/" + j.ID + "/action", Status5xx: 503, Count: 1})
	if _, err := e.c.Hold(ctx, j.ID, hwa.ActionOptions{}); !errors.Is(err, hwa.ErrUnavailable) {
		t.Fatalf("Hold under fault: %v", err)
	}
	if got := e.one(t, "WAIT_TIME_J1"); got.Sub == workload.SubHoldPriorityZero {
		t.Fatal("the failed hold changed the job")
	}
	if _, err := e.c.Hold(ctx, j.ID, hwa.ActionOptions{}); err != nil {
		t.Fatalf("Hold after the fault: %v", err)
	}
	if got := e.one(t, "WAIT_TIME_J1"); got.Sub != workload.SubHoldPriorityZero {
		t.Errorf("after Hold: %s", got.Sub)
	}
	holds := 0
	for _, r := range e.sim.Requests() {
		if r.Method == http.MethodPut {
			holds++
		}
	}
	if holds != 2 {
		t.Errorf("PUT requests = %d, want 2 (one per call, no retry)", holds)
	}
}

func TestSimBearerAuthAndClock(t *testing.T) {
	e := newSim(t, func(c *hwa.Config) { c.User, c.Password, c.APIKey = "", "", "key-ops-123" })
	ctx := context.Background()
	runner := e.one(t, "LONG_RUNNER_J1")
	if !runner.Running() {
		t.Fatalf("LONG_RUNNER_J1 = %s", runner.Internal)
	}
	succ := func() int64 {
		gc, err := e.c.CountJobs(ctx, "", hwa.GroupByStatus)
		if err != nil {
			t.Fatal(err)
		}
		return gc.GroupedCount[string(workload.CommonSuccessful)]
	}
	before := succ()
	e.sim.Advance(4 * time.Hour)
	if after := succ(); after <= before {
		t.Errorf("successful jobs %d → %d after 4 h, want more", before, after)
	}
	if _, err := e.c.Kill(ctx, runner.ID, hwa.ActionOptions{}); err != nil {
		t.Fatalf("Kill with an API key: %v", err)
	}
	acts := e.sim.Actions()
	if len(acts) != 1 || acts[0].User != "apikey#0" || acts[0].Headers.Get("Authorization") != "" {
		t.Errorf("action log = %+v", acts)
	}
}

// FuzzSimOQLQuote sends values the fuzzer picks as OQL strings to the
// simulator's own parser: whatever the value, the filter must parse (no 400)
// and select only jobs with exactly that name — quotes, brackets, keywords
// and backslashes never escape the string.
func FuzzSimOQLQuote(f *testing.F) {
	for _, s := range []string{hwasim.QuoteJobName, "x' OR name LIKE '@", "'] OR 1=1 --", `\'`, "''", "@", "ABEND_J1", "a) OR (b", "[", "ORDER BY name"} {
		f.Add(s)
	}
	sim := hwasim.New(hwasim.Config{Seed: 7, Now: simNow, Jobs: 120})
	srv := httptest.NewServer(sim)
	f.Cleanup(srv.Close)
	c, err := hwa.New(hwa.Config{BaseURL: srv.URL, Retry: hwa.RetryPolicy{Attempts: 1}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, v string) {
		e := hwa.Or(hwa.Eq("name", v), hwa.In("jobStreamName", v, v+"'"))
		if e.Err() != nil {
			return // invalid UTF-8 or control characters: refused before sending
		}
		jobs, err := c.ListJobs(context.Background(), hwa.Query{OQL: e})
		if err != nil {
			t.Fatalf("value %q: %s: %v", v, e, err)
		}
		for _, j := range jobs {
			if !strings.EqualFold(j.Name, v) && !strings.EqualFold(j.StreamName, v) && !strings.EqualFold(j.StreamName, v+"'") {
				t.Fatalf("value %q selected %s in %s", v, j.Name, j.StreamName)
			}
		}
	})
}
