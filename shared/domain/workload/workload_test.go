package workload

import (
	"testing"
	"time"
)

var now = time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)

func TestJobPredicates(t *testing.T) {
	tests := []struct {
		name                                      string
		job                                       Job
		failed, running, abended, held, succeeded bool
	}{
		{"abend", Job{Internal: InternalAbend, Common: CommonError}, true, false, true, false, false},
		{"fail to launch", Job{Internal: InternalFail, Common: CommonError}, true, false, false, false, false},
		{"exec", Job{Internal: InternalExec, Common: CommonRunning}, false, true, false, false, false},
		{"intro", Job{Internal: InternalIntro, Common: CommonRunning}, false, true, false, false, false},
		{"held by operator", Job{Internal: InternalHold, Common: CommonHeld, Sub: SubHoldPriorityZero}, false, false, false, true, false},
		{"succ", Job{Internal: InternalSucc, Common: CommonSuccessful}, false, false, false, false, true},
		{"ready", Job{Internal: InternalReady, Common: CommonReady}, false, false, false, false, false},
		{"common error only", Job{Common: CommonError}, true, false, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := tt.job
			if got := j.Failed(); got != tt.failed {
				t.Errorf("Failed() = %v, want %v", got, tt.failed)
			}
			if got := j.Running(); got != tt.running {
				t.Errorf("Running() = %v, want %v", got, tt.running)
			}
			if got := j.Abended(); got != tt.abended {
				t.Errorf("Abended() = %v, want %v", got, tt.abended)
			}
			if got := j.Held(); got != tt.held {
				t.Errorf("Held() = %v, want %v", got, tt.held)
			}
			if got := j.Succeeded(); got != tt.succeeded {
				t.Errorf("Succeeded() = %v, want %v", got, tt.succeeded)
			}
		})
	}
}

func TestWaitingReasons(t *testing.T) {
	tests := []struct {
		job     Job
		waiting bool
		reason  string
	}{
		{Job{Internal: InternalHold, Sub: SubHoldWaitingForPredecessor}, true, "waiting for a predecessor to complete"},
		{Job{Internal: InternalHold, Sub: SubHoldWaitingForTime}, true, "waiting for its start time (AT)"},
		{Job{Internal: InternalHold, Sub: SubHoldPriorityZero}, true, "held: priority is zero (put on hold by an operator)"},
		{Job{Internal: InternalReady, Sub: SubReadyWaitingForLimit}, true, "ready, waiting for the workstation's job limit"},
		{Job{Internal: InternalHold}, true, "waiting for its dependencies to be resolved"},
		{Job{Internal: InternalFence}, true, "its priority is below the workstation fence"},
		{Job{Internal: InternalExec, Common: CommonRunning}, false, ""},
		{Job{Internal: InternalSucc, Common: CommonSuccessful, Sub: SubSuccCompleted}, false, ""},
	}
	for _, tt := range tests {
		waiting, reason := tt.job.Waiting()
		if waiting != tt.waiting || reason != tt.reason {
			t.Errorf("%s/%s Waiting() = %v, %q; want %v, %q", tt.job.Internal, tt.job.Sub, waiting, reason, tt.waiting, tt.reason)
		}
	}
}

func TestEverySubStatusWithAReasonExplainsWaiting(t *testing.T) {
	for _, s := range SubStatuses() {
		if !s.Valid() {
			t.Errorf("%s not valid", s)
		}
		if s == SubSuccDoNotRun || s == SubSuccCompleted {
			if s.Reason() != "" {
				t.Errorf("%s.Reason() = %q, want empty", s, s.Reason())
			}
			continue
		}
		if s.Reason() == "" {
			t.Errorf("%s has no reason", s)
		}
	}
}

func TestLateAndAtRisk(t *testing.T) {
	deadline := now.Add(-time.Minute)
	tests := []struct {
		name       string
		job        Job
		late, risk bool
	}{
		{"flagged late", Job{Late: true, Internal: InternalExec}, true, false},
		{"deadline passed, not done", Job{Deadline: deadline, Internal: InternalHold}, true, false},
		{"deadline passed, done", Job{Deadline: deadline, Internal: InternalSucc, Common: CommonSuccessful}, false, false},
		{"critical abended", Job{Critical: true, Internal: InternalAbend}, false, true},
		{"critical late", Job{Critical: true, Deadline: deadline, Internal: InternalHold}, true, true},
		{"critical start passed, not running", Job{Critical: true, CriticalStart: deadline, Internal: InternalHold}, false, true},
		{"critical running on time", Job{Critical: true, CriticalStart: deadline, Internal: InternalExec}, false, false},
		{"critical succeeded late", Job{Critical: true, Late: true, Internal: InternalSucc}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.job.IsLate(now); got != tt.late {
				t.Errorf("IsLate = %v, want %v", got, tt.late)
			}
			if got := tt.job.AtRisk(now); got != tt.risk {
				t.Errorf("AtRisk = %v, want %v", got, tt.risk)
			}
		})
	}
}

func TestLastRun(t *testing.T) {
	if _, ok := (Job{}).LastRun(); ok {
		t.Fatal("LastRun of a job without runs reported ok")
	}
	j := Job{Runs: []Run{{ID: "r1"}, {ID: "r2", LastInRerunChain: true}, {ID: "r3"}}}
	if r, _ := j.LastRun(); r.ID != "r2" {
		t.Errorf("LastRun = %s, want r2 (lastInRerunChain)", r.ID)
	}
	j = Job{Runs: []Run{{ID: "r1"}, {ID: "r2"}}}
	if r, _ := j.LastRun(); r.ID != "r2" {
		t.Errorf("LastRun = %s, want newest r2", r.ID)
	}
}

func TestWorkstationStates(t *testing.T) {
	tests := []struct {
		states          []WorkstationState
		linked, running bool
	}{
		{[]WorkstationState{StateLinked, StateRunning, StateJobmanUp}, true, true},
		{[]WorkstationState{StateFullyLinked}, true, false},
		{[]WorkstationState{StateRunning}, false, true},
		{nil, false, false},
	}
	for _, tt := range tests {
		w := Workstation{States: tt.states}
		if w.Linked() != tt.linked || w.Running() != tt.running {
			t.Errorf("%v: Linked=%v Running=%v, want %v %v", tt.states, w.Linked(), w.Running(), tt.linked, tt.running)
		}
	}
}

func TestSummarize(t *testing.T) {
	jobs := []Job{
		{ID: "3", Name: "PAY_LOAD", Workstation: "FTA1", Internal: InternalAbend, Common: CommonError, Critical: true},
		{ID: "1", Name: "ETL_A", Workstation: "FTA1", Internal: InternalAbend, Common: CommonError},
		{ID: "2", Name: "ETL_B", Workstation: "AGT1", Internal: InternalExec, Common: CommonRunning},
		{ID: "4", Name: "FAILER", Workstation: "AGT1", Internal: InternalFail, Common: CommonError},
		{ID: "5", Name: "OK", Workstation: "AGT1", Internal: InternalSucc, Common: CommonSuccessful},
	}
	streams := []JobStream{
		{ID: "s1", Name: "PAYROLL", Late: true},
		{ID: "s2", Name: "BILLING", Deadline: now.Add(-time.Hour), Internal: StreamExec},
		{ID: "s3", Name: "DONE", Deadline: now.Add(-time.Hour), Internal: StreamSucc, Common: CommonSuccessful},
	}
	wss := []Workstation{
		{ID: "w1", Name: "FTA1", States: []WorkstationState{StateLinked, StateRunning}},
		{ID: "w2", Name: "AGT2", Type: WSAgent},
	}
	s := Summarize(jobs, streams, wss, now)
	if s.TotalJobs != 5 || s.ByStatus[CommonError] != 3 || s.ByWorkstation["AGT1"] != 3 {
		t.Errorf("counts: total=%d error=%d AGT1=%d", s.TotalJobs, s.ByStatus[CommonError], s.ByWorkstation["AGT1"])
	}
	if got := names(s.Abended); got != "ETL_A,PAY_LOAD" {
		t.Errorf("abended = %s, want ETL_A,PAY_LOAD", got)
	}
	if got := names(s.Failed); got != "ETL_A,FAILER,PAY_LOAD" {
		t.Errorf("failed = %s", got)
	}
	if got := names(s.CriticalAtRisk); got != "PAY_LOAD" {
		t.Errorf("critical at risk = %s", got)
	}
	if len(s.LateStreams) != 2 || s.LateStreams[0].Name != "BILLING" || s.LateStreams[1].Name != "PAYROLL" {
		t.Errorf("late streams = %+v", s.LateStreams)
	}
	if len(s.Unlinked) != 1 || s.Unlinked[0].Name != "AGT2" {
		t.Errorf("unlinked = %+v", s.Unlinked)
	}
}

func names(refs []JobRef) string {
	out := ""
	for i, r := range refs {
		if i > 0 {
			out += ","
		}
		out += r.Name
	}
	return out
}

func TestEnumsValid(t *testing.T) {
	if !CommonSuccessful.Valid() || CommonStatus("SUCCESS").Valid() {
		t.Error("CommonStatus.Valid wrong")
	}
	if !InternalNonRepPred.Valid() || InternalStatus("SCHED").Valid() {
		t.Error("InternalStatus.Valid wrong (SCHED is not in the V2 enum)")
	}
	if len(CommonStatuses()) != 16 || len(InternalStatuses()) != 27 || len(SubStatuses()) != 17 || len(StreamStatuses()) != 30 {
		t.Errorf("enum sizes %d %d %d %d, want 16 27 17 30", len(CommonStatuses()), len(InternalStatuses()), len(SubStatuses()), len(StreamStatuses()))
	}
}
