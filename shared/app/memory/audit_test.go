package memory

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/workload"
)

// fakePlan is a plan of a few jobs, one stream and one workstation.
type fakePlan struct {
	jobs  []PlanJob
	other []string
	err   error
}

func (p fakePlan) Named(_ context.Context, name string) (Lookup, error) {
	if p.err != nil {
		return Lookup{}, p.err
	}
	var l Lookup
	for _, j := range p.jobs {
		if j.Name == name {
			l.Jobs = append(l.Jobs, j)
		}
	}
	for _, o := range p.other {
		l.Other = l.Other || o == name
	}
	return l, nil
}

func (p fakePlan) JobByID(_ context.Context, id string) (PlanJob, bool, error) {
	for _, j := range p.jobs {
		if j.ID == id {
			return j, true, nil
		}
	}
	return PlanJob{}, false, p.err
}

// answerAt is when the test answers were given.
var answerAt = time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)

var testPlan = fakePlan{
	jobs: []PlanJob{
		{ID: "id-load", Name: "PAY_LOAD", Status: workload.CommonError, Internal: workload.InternalAbend},
		{ID: "id-send", Name: "PAY_SEND", Status: workload.CommonWaiting, Internal: workload.InternalHold},
		{ID: "id-done", Name: "GL_POST", Status: workload.CommonSuccessful, Internal: workload.InternalSucc},
		{ID: "id-x1", Name: "DUP_JOB", Status: workload.CommonRunning, Internal: workload.InternalExec},
		{ID: "id-x2", Name: "DUP_JOB", Status: workload.CommonSuccessful, Internal: workload.InternalSucc},
		{ID: "id-quote", Name: "O'NEIL_RECON", Status: workload.CommonSuccessful, Internal: workload.InternalSucc},
		// MOVED_JOB ended five minutes after the answer; RUN_JOB's last
		// run is r2, which ended an hour before it.
		{ID: "id-moved", Name: "MOVED_JOB", Status: workload.CommonSuccessful, Internal: workload.InternalSucc,
			RunID: "r9", Changed: answerAt.Add(5 * time.Minute)},
		{ID: "id-run", Name: "RUN_JOB", Status: workload.CommonSuccessful, Internal: workload.InternalSucc,
			RunID: "r2", Changed: answerAt.Add(-time.Hour)},
		{ID: "id-recent", Name: "RECENT_JOB", Status: workload.CommonSuccessful, Internal: workload.InternalSucc,
			RunID: "r5", Changed: answerAt.Add(-30 * time.Second)},
	},
	other: []string{"PAYROLL_DAILY", "CPU_MAIN1"},
}

func TestAuditorCheck(t *testing.T) {
	tests := []struct {
		name     string
		question string
		answer   string
		cited    []string
		want     []string  // reason: detail substring
		at       time.Time // zero: answerAt
	}{
		{"all known and true", "status of PAY_LOAD?", "PAY_LOAD (id-load): ERROR/ABEND. It abended; PAY_SEND waits for it in PAYROLL_DAILY on CPU_MAIN1.", []string{"id-load"}, nil, time.Time{}},
		{"invented job", "what failed?", "PAY_LOAD abended and PAY_LAOD_2 too.", nil, []string{"unknown job: PAY_LAOD_2"}, time.Time{}},
		{"named in the question", "status of NO_SUCH_JOB?", "There is no job NO_SUCH_JOB in the plan.", nil, nil, time.Time{}},
		{"cited id not in the plan", "x", "See the job.", []string{"id-gone"}, []string{"unknown job: job id id-gone"}, time.Time{}},
		{"status contradicted", "is GL_POST done?", "GL_POST is running.", nil, []string{"contradicts plan status: GL_POST (id-done) running; the plan says SUCCESSFUL/SUCC"}, time.Time{}},
		{"status contradicted twice once", "x", "GL_POST abended.\nGL_POST abended.", nil, []string{"contradicts plan status: GL_POST (id-done) abended"}, time.Time{}},
		{"negated", "x", "GL_POST is not running.", nil, nil, time.Time{}},
		{"conditional", "x", "If GL_POST failed, rerun it.", nil, nil, time.Time{}},
		{"two jobs in a sentence", "x", "PAY_SEND is held until PAY_LOAD completed", nil, nil, time.Time{}},
		{"same name twice in the plan", "x", "DUP_JOB is held", nil, nil, time.Time{}},
		{"vocabulary is not a job", "x", "Internal status ABEND, common ERROR, HTTP 503 from HWA at 10:00 UTC.", nil, nil, time.Time{}},
		{"failed agrees with abend", "x", "PAY_LOAD failed.", nil, nil, time.Time{}},
		{"quoted log lines", "log of PAY_LOAD", "Log of PAY_LOAD, run r1; the lines that matter:\n  line 46: ORA_01017 invalid password\n 47 | EXIT_CODE=12\n```\nSQL_STATE 28000\n```\nBUT_REAL_GHOST abended.", nil, []string{"unknown job: BUT_REAL_GHOST"}, time.Time{}},

		// (a) Help text and example questions are not claims.
		{"help: quoted example question", "hi", `I can show a job's status, log, dependencies and impact: ask for example "why did PAYROLL.PAYROLL_LOAD fail?".`, nil, nil, time.Time{}},
		{"help: single-quoted question", "help", "Ask 'why is PAYROLL_LOAD waiting?' or 'log of PAYROLL_LOAD'.", nil, nil, time.Time{}},
		{"help: typographic quotes", "help", "For example, “why is PAYROLL_LOAD waiting?” or ‘what breaks if PAYROLL_LOAD fails?’", nil, nil, time.Time{}},
		{"help: backticks", "help", "Try `successors of PAYROLL_LOAD`.", nil, nil, time.Time{}},
		{"help: a quoted example name", "rerun it", `Which job do you mean? Please name it, for example "PAYROLL.PAYROLL_LOAD".`, nil, nil, time.Time{}},
		{"help: unquoted example name", "x", "Name the job, e.g. PAYROLL_LOAD, or ask which jobs abended.", nil, nil, time.Time{}},
		{"help: a list of example questions", "help", "You can ask:\n- why is PAYROLL_LOAD waiting?\n- log of PAYROLL_LOAD\n- jobs in stream PAYROLL_DAILY\nPAY_LOAD abended.", nil, nil, time.Time{}},
		{"help: example questions in a list", "help", "Some questions I answer:\n1. which jobs abended?\n2. why is PAYROLL_LOAD waiting?", nil, nil, time.Time{}},
		{"help: the offline model's capability text", "what can you do?", "I am the offline assistant (no language model is configured), so I understand a fixed set of questions about the plan:\n- \"summary\", \"how is the plan?\": the plan summary\n- \"status of JOB\", \"why is JOB waiting?\", \"why did JOB fail?\"\n- \"log of JOB\", \"last 50 lines of JOB's log\"\n- \"rerun JOB\", \"hold JOB\", \"confirm JOB succ\" or \"confirm JOB abend\" (a proposal you confirm with a justification)\nJOB is a job name (PAYROLL_LOAD, STREAM.NAME or WS#STREAM.NAME) or id. Follow-ups such as \"and its log?\" or \"rerun it\" refer to the last job of the conversation.", nil, nil, time.Time{}},
		{"a quoted lone name is still a claim", "x", `The job "GHOST_JOB" abended.`, nil, []string{"unknown job: GHOST_JOB"}, time.Time{}},
		{"a quoted lone name still contradicts", "x", "'GL_POST' is running.", nil, []string{"contradicts plan status: GL_POST (id-done) running"}, time.Time{}},
		{"did you mean an invented name", "status of PAY_LAOD", "Did you mean PAY_LAOD_X?", nil, []string{"unknown job: PAY_LAOD_X"}, time.Time{}},

		// (b) Apostrophes and quotes do not split names.
		{"apostrophe in a name", "x", "O'NEIL_RECON succeeded.", nil, nil, time.Time{}},
		{"typographic apostrophe in a name", "x", "O’NEIL_RECON succeeded.", nil, nil, time.Time{}},
		{"apostrophe name in single quotes", "x", "'O'NEIL_RECON' succeeded.", nil, nil, time.Time{}},
		{"apostrophe name in typographic quotes", "x", "“O’NEIL_RECON” succeeded; ‘O'NEIL_RECON’ too.", nil, nil, time.Time{}},
		{"apostrophe name contradicted", "x", "O'NEIL_RECON abended.", nil, []string{"contradicts plan status: O'NEIL_RECON (id-quote) abended"}, time.Time{}},
		{"possessive", "x", "PAY_LOAD's log shows RC 12; PAY_LOAD'S LOG IS SHORT.", nil, nil, time.Time{}},
		{"question names it with a typographic apostrophe", "status of o’brien_load?", "There is no job O'BRIEN_LOAD in the plan.", nil, nil, time.Time{}},

		// (c) A proposal names the status it would bring.
		{"proposal: confirm-succ", "mark PAY_LOAD ok", "I propose confirm-succ for PAY_LOAD (id-load): it will be marked SUCC. Confirm to execute.", []string{"id-load"}, nil, time.Time{}},
		{"proposal: target status in a list", "x", "Proposal: confirm-succ\n- PAY_LOAD → SUCCESSFUL\nConfirm to execute.", nil, nil, time.Time{}},
		{"proposal: rerun", "x", "I propose a rerun of PAY_LOAD. After you confirm, PAY_LOAD is running again.", nil, nil, time.Time{}},
		{"proposal: the offline model's text", "confirm PAY_LOAD succ", "I have proposed to confirm as successful PAYROLL_DAILY.PAY_LOAD (id id-load) on CPU_MAIN1 (proposal p-1, expires 2026-12-03 02:15:00 UTC). Nothing has been executed: confirm the proposal with a justification to run it, or cancel it.\nImpact: no successors are affected.\nPAY_LOAD will be SUCC once confirmed; until then it stays ABEND.", nil, nil, time.Time{}},
		{"proposal does not excuse another status", "x", "I propose confirm-succ for PAY_LOAD. Confirm to execute.\nGL_POST is running.", nil, []string{"contradicts plan status: GL_POST (id-done) running"}, time.Time{}},

		// (d) The plan at answer time.
		{"changed after the answer", "x", "MOVED_JOB is running.", nil, nil, time.Time{}},
		{"changed before the answer", "x", "MOVED_JOB is running.", nil, []string{"contradicts plan status: MOVED_JOB (id-moved) running"}, answerAt.Add(time.Hour)},
		{"changed just before the answer", "x", "RECENT_JOB is running.", nil, nil, time.Time{}},
		{"another run", "x", "RUN_JOB, run r1: abended.", nil, nil, time.Time{}},
		{"the current run", "x", "RUN_JOB, run r2: abended.", nil, []string{"contradicts plan status: RUN_JOB (id-run) abended"}, time.Time{}},

		// Statements that are not a plain current status of one job.
		{"status list, one job a line", "what ran?", "- PAYROLL_DAILY.PAY_LOAD (id id-load) on CPU_MAIN1, ERROR (ABEND)\n- PAYROLL_DAILY.GL_POST (id id-done) on CPU_MAIN1, SUCCESSFUL (SUCC)\n- PAYROLL_DAILY.PAY_SEND (id id-send) on CPU_MAIN1, WAITING (HOLD)", nil, nil, time.Time{}},
		{"status list, one line wrong", "what ran?", "- PAYROLL_DAILY.PAY_LOAD (id id-load) on CPU_MAIN1, ERROR (ABEND)\n- PAYROLL_DAILY.GL_POST (id id-done) on CPU_MAIN1, ERROR (ABEND)", nil, []string{"contradicts plan status: GL_POST (id-done) ERROR"}, time.Time{}},
		{"the status of a predecessor", "x", "PAY_SEND waits until its predecessor is successful.", nil, nil, time.Time{}},
		{"a status of another job in the sentence", "x", "PAY_SEND is held; PAY_LOAD, its predecessor, was successful before the rerun.", nil, nil, time.Time{}},
		{"past tense", "x", "GL_POST was running at 01:00.", nil, nil, time.Time{}},
		{"compound word", "x", "GL_POST is a long-running job.", nil, nil, time.Time{}},
		{"a question", "x", "Is GL_POST running?", nil, nil, time.Time{}},
		{"one of two by id, agrees", "x", "DUP_JOB (id-x1) is running.", nil, nil, time.Time{}},
		{"one of two by id, contradicted", "x", "DUP_JOB (id-x2) is running.", nil, []string{"contradicts plan status: DUP_JOB (id-x2) running"}, time.Time{}},
	}
	a := &Auditor{Plan: testPlan}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := tt.at
			if at.IsZero() {
				at = answerAt
			}
			got, err := a.Check(context.Background(), at, tt.question, tt.answer, tt.cited)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Check = %+v, want %d findings %q", got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				reason, detail, _ := strings.Cut(w, ": ")
				if got[i].Reason != reason || !strings.Contains(got[i].Detail, detail) {
					t.Errorf("finding %d = %+v, want %s with %q", i, got[i], reason, detail)
				}
			}
		})
	}
	boom := errors.New("hwa down")
	if _, err := (&Auditor{Plan: fakePlan{err: boom}}).Check(context.Background(), answerAt, "", "PAY_LOAD abended", nil); !errors.Is(err, boom) {
		t.Errorf("Check with the plan down = %v, want its error", err)
	}
}

func TestPlanJobRunInfo(t *testing.T) {
	start, end := answerAt.Add(-time.Hour), answerAt.Add(-time.Minute)
	tests := []struct {
		name        string
		v           planview.JobView
		runs        []planview.RunView
		wantRun     string
		wantChanged time.Time
	}{
		{"no run", planview.JobView{ID: "j"}, nil, "", time.Time{}},
		{"last run ended", planview.JobView{ID: "j", LastRun: &planview.RunView{ID: "r2", Start: start, End: end}}, nil, "r2", end},
		{"last run started", planview.JobView{ID: "j", LastRun: &planview.RunView{ID: "r3", Start: start}}, nil, "r3", start},
		{"runs of the detail", planview.JobView{ID: "j"}, []planview.RunView{{ID: "r1", Start: start}, {ID: "r2", Start: start, End: end}}, "r2", end},
	}
	for _, tt := range tests {
		got := planJob(tt.v, tt.runs)
		if got.RunID != tt.wantRun || !got.Changed.Equal(tt.wantChanged) {
			t.Errorf("%s: planJob = run %q changed %v, want %q %v", tt.name, got.RunID, got.Changed, tt.wantRun, tt.wantChanged)
		}
	}
}
