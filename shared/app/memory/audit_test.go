package memory

import (
	"context"
	"errors"
	"strings"
	"testing"

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

var testPlan = fakePlan{
	jobs: []PlanJob{
		{ID: "id-load", Name: "PAY_LOAD", Status: workload.CommonError, Internal: workload.InternalAbend},
		{ID: "id-send", Name: "PAY_SEND", Status: workload.CommonWaiting, Internal: workload.InternalHold},
		{ID: "id-done", Name: "GL_POST", Status: workload.CommonSuccessful, Internal: workload.InternalSucc},
		{ID: "id-x1", Name: "DUP_JOB", Status: workload.CommonRunning, Internal: workload.InternalExec},
		{ID: "id-x2", Name: "DUP_JOB", Status: workload.CommonSuccessful, Internal: workload.InternalSucc},
	},
	other: []string{"PAYROLL_DAILY", "CPU_MAIN1"},
}

func TestAuditorCheck(t *testing.T) {
	tests := []struct {
		name     string
		question string
		answer   string
		cited    []string
		want     []string // reason: detail substring
	}{
		{"all known and true", "status of PAY_LOAD?", "PAY_LOAD (id-load): ERROR/ABEND. It abended; PAY_SEND waits for it in PAYROLL_DAILY on CPU_MAIN1.", []string{"id-load"}, nil},
		{"invented job", "what failed?", "PAY_LOAD abended and PAY_LAOD_2 too.", nil, []string{"unknown job: PAY_LAOD_2"}},
		{"named in the question", "status of NO_SUCH_JOB?", "There is no job NO_SUCH_JOB in the plan.", nil, nil},
		{"cited id not in the plan", "x", "See the job.", []string{"id-gone"}, []string{"unknown job: job id id-gone"}},
		{"status contradicted", "is GL_POST done?", "GL_POST is running.", nil, []string{"contradicts plan status: GL_POST (id-done) running; the plan says SUCCESSFUL/SUCC"}},
		{"status contradicted twice once", "x", "GL_POST abended.\nGL_POST abended.", nil, []string{"contradicts plan status: GL_POST (id-done) abended"}},
		{"negated", "x", "GL_POST is not running.", nil, nil},
		{"conditional", "x", "If GL_POST failed, rerun it.", nil, nil},
		{"two jobs in a sentence", "x", "PAY_SEND is held until PAY_LOAD completed", nil, nil},
		{"same name twice in the plan", "x", "DUP_JOB is held", nil, nil},
		{"vocabulary is not a job", "x", "Internal status ABEND, common ERROR, HTTP 503 from HWA at 10:00 UTC.", nil, nil},
		{"failed agrees with abend", "x", "PAY_LOAD failed.", nil, nil},
		{"quoted log lines", "log of PAY_LOAD", "Log of PAY_LOAD, run r1; the lines that matter:\n  line 46: ORA_01017 invalid password\n 47 | EXIT_CODE=12\n```\nSQL_STATE 28000\n```\nBUT_REAL_GHOST abended.", nil, []string{"unknown job: BUT_REAL_GHOST"}},
	}
	a := &Auditor{Plan: testPlan}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.Check(context.Background(), tt.question, tt.answer, tt.cited)
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
	if _, err := (&Auditor{Plan: fakePlan{err: boom}}).Check(context.Background(), "", "PAY_LOAD abended", nil); !errors.Is(err, boom) {
		t.Errorf("Check with the plan down = %v, want its error", err)
	}
}
