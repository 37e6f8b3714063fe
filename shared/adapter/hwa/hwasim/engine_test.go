package hwasim

import (
	"testing"
	"time"

	"github.com/resync/resync/shared/domain/workload"
)

// checkConsistent verifies the engine's invariants on p at p.now.
func checkConsistent(t *testing.T, p *plan) {
	t.Helper()
	for _, j := range p.jobs {
		r := j.lastRun()
		if !r.start.IsZero() && r.start.After(p.now) {
			t.Errorf("%s started at %s, after now %s", j.name, r.start, p.now)
		}
		if !r.end.IsZero() && r.end.After(p.now) {
			t.Errorf("%s ended at %s, after now %s", j.name, r.end, p.now)
		}
		switch j.status {
		case workload.InternalExec:
			if r.start.IsZero() || !r.end.IsZero() {
				t.Errorf("%s EXEC with start %v end %v", j.name, r.start, r.end)
			}
			if end := r.start.Add(p.duration(j, r.attempt)); !end.After(p.now) {
				t.Errorf("%s still EXEC at %s although it ends at %s", j.name, p.now, end)
			}
		case workload.InternalSucc, workload.InternalAbend:
			if r.end.IsZero() {
				t.Errorf("%s %s without an end time", j.name, j.status)
			}
		}
		if !j.started() || r.attempt > 1 {
			continue
		}
		// A first run started only after every job predecessor completed.
		for _, d := range j.deps {
			if d.job == nil || d.released {
				continue
			}
			pr := d.job.lastRun()
			if at, ok := p.continued(d.job); ok {
				// Recovery CONTINUE: successors go on after the abend.
				if r.start.Before(at) {
					t.Errorf("%s started at %s before %s (CONTINUE) was recovered at %s", j.name, r.start, d.job.name, at)
				}
				continue
			}
			if !d.job.done() || d.job.status == workload.InternalAbend || d.job.status == workload.InternalFail {
				if d.condition == "" {
					t.Errorf("%s started although predecessor %s is %s", j.name, d.job.name, d.job.status)
				}
				continue
			}
			if r.start.Before(pr.end) {
				t.Errorf("%s started at %s before predecessor %s ended at %s", j.name, r.start, d.job.name, pr.end)
			}
		}
		if r.start.Before(j.stream.sched) {
			t.Errorf("%s started at %s before its stream's schedule %s", j.name, r.start, j.stream.sched)
		}
	}
	for _, s := range p.streams {
		all := true
		for _, j := range s.jobs {
			all = all && j.done() && j.status != workload.InternalAbend && j.status != workload.InternalFail
		}
		if all && !s.canceled && s.status != workload.StreamSucc {
			t.Errorf("stream %s: every job ended well but it is %s", s.name, s.status)
		}
		if s.status == workload.StreamSucc && !all {
			t.Errorf("stream %s is SUCC with jobs not ended well", s.name)
		}
		wantLate := !s.deadline.IsZero() && p.now.After(s.deadline) && (s.status != workload.StreamSucc || s.end.After(s.deadline))
		if s.status == workload.StreamCancl {
			wantLate = false
		}
		if s.late != wantLate {
			t.Errorf("stream %s: late %v, want %v (deadline %s, status %s)", s.name, s.late, wantLate, s.deadline, s.status)
		}
	}
}

func TestClockMovesThePlan(t *testing.T) {
	p := generate(Config{Seed: 5}, testNow)
	checkConsistent(t, p)
	count := func(st workload.InternalStatus) int {
		n := 0
		for _, j := range p.jobs {
			if j.status == st {
				n++
			}
		}
		return n
	}
	succ0 := count(workload.InternalSucc)
	var lateBefore int
	for _, s := range p.streams {
		if s.late {
			lateBefore++
		}
	}
	for range 12 {
		p.step(p.now.Add(2 * time.Hour))
		checkConsistent(t, p)
	}
	succ1 := count(workload.InternalSucc)
	if succ1 <= succ0+100 {
		t.Errorf("SUCC jobs %d → %d over 24 h, want many more", succ0, succ1)
	}
	var streamsDone, late int
	for _, s := range p.streams {
		if s.status == workload.StreamSucc {
			streamsDone++
		}
		if s.late {
			late++
		}
	}
	if streamsDone < 20 {
		t.Errorf("%d streams completed after 24 h, want >= 20", streamsDone)
	}
	if late <= lateBefore {
		t.Errorf("late streams %d → %d; deadlines passing should add some", lateBefore, late)
	}
	// Fixtures that only an action frees are still where they were
	// (WAIT_RESOURCE_J1 is freed when LONG_RUNNER_J1 ends: resources_test.go).
	for _, name := range []string{"HOLD_OPERATOR_J1", "WAIT_PROMPT_J1", "WAIT_FILE_J1", "WAIT_INPUT_J1",
		"WAIT_AGENT_J1", "WAIT_LIMIT_J1", "WAIT_USER_J1", "READY_SUPPRESSED_J1"} {
		for _, j := range p.jobs {
			if j.name == name && j.started() {
				t.Errorf("%s ran without an action", name)
			}
		}
	}
}

// TestAdvanceIsStepIndependent: event times come from predecessors' ends,
// so one long step and many short ones reach the same plan.
func TestAdvanceIsStepIndependent(t *testing.T) {
	a := generate(Config{Seed: 9}, testNow)
	b := generate(Config{Seed: 9}, testNow)
	a.step(testNow.Add(9 * time.Hour))
	for i := 1; i <= 9*12; i++ {
		b.step(testNow.Add(time.Duration(i) * 5 * time.Minute))
	}
	for i := range a.jobs {
		ja, jb := a.jobs[i], b.jobs[i]
		ra, rb := ja.lastRun(), jb.lastRun()
		if ja.status != jb.status || ja.sub != jb.sub || !ra.start.Equal(rb.start) || !ra.end.Equal(rb.end) || ra.rc != rb.rc {
			t.Fatalf("%s: one step %s/%s %s–%s rc %d; small steps %s/%s %s–%s rc %d",
				ja.name, ja.status, ja.sub, ra.start, ra.end, ra.rc, jb.status, jb.sub, rb.start, rb.end, rb.rc)
		}
	}
}

func TestClockNeverGoesBack(t *testing.T) {
	p := generate(Config{Seed: 1}, testNow)
	p.step(testNow.Add(-time.Hour))
	if !p.now.Equal(testNow) {
		t.Errorf("now = %s after a step into the past, want %s", p.now, testNow)
	}
}

func TestCommonStatusMapping(t *testing.T) {
	tests := []struct {
		in   workload.InternalStatus
		sub  workload.SubStatus
		want workload.CommonStatus
	}{
		{workload.InternalSucc, workload.SubSuccCompleted, workload.CommonSuccessful},
		{workload.InternalAbend, "", workload.CommonError},
		{workload.InternalFail, "", workload.CommonError},
		{workload.InternalExec, "", workload.CommonRunning},
		{workload.InternalReady, workload.SubReadyWaitingForAgent, workload.CommonReady},
		{workload.InternalHold, workload.SubHoldWaitingForPredecessor, workload.CommonWaiting},
		{workload.InternalHold, workload.SubHoldPriorityZero, workload.CommonHeld},
		{workload.InternalCancl, "", workload.CommonCanceled},
		{workload.InternalSuppr, workload.SubSupprWorkstationIgnored, workload.CommonSuppress},
		{workload.InternalPend, "", workload.CommonUndecided},
	}
	for _, tt := range tests {
		if got := commonStatus(tt.in, tt.sub); got != tt.want {
			t.Errorf("commonStatus(%s, %s) = %s, want %s", tt.in, tt.sub, got, tt.want)
		}
	}
	p := generate(Config{Seed: 1}, testNow)
	for _, j := range p.jobs {
		if w := p.jobWire(j, false); w.LastRunCommonStatus != string(commonStatus(j.status, j.sub)) || !workload.CommonStatus(w.LastRunCommonStatus).Valid() {
			t.Fatalf("%s: rendered common status %s for %s/%s", j.name, w.LastRunCommonStatus, j.status, j.sub)
		}
	}
}

func TestISODuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "PT0S"},
		{45 * time.Second, "PT45S"},
		{4*time.Minute + 37*time.Second, "PT4M37S"},
		{2 * time.Hour, "PT2H"},
		{14*time.Hour + 20*time.Second, "PT14H20S"},
	}
	for _, tt := range tests {
		if got := isoDuration(tt.d); got != tt.want {
			t.Errorf("isoDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
