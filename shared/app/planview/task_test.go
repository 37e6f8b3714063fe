package planview

import (
	"testing"
	"time"

	"github.com/resync/resync/shared/domain/workload"
)

func TestTaskView(t *testing.T) {
	j := workload.Job{Name: "PAY", Task: workload.Task{Line: "ls -l", IsCommand: true, User: "ops", ModelID: "m1"},
		Recovery: workload.Recovery{Option: workload.RecoveryRerun, Job: "PAY_RCV", JobWorkstation: "MDM"}, RepeatInterval: time.Hour}
	v := taskView(j)
	if v == nil || v.Command != "ls -l" || v.Script != "" || v.User != "ops" || v.Recovery != workload.RecoveryRerun ||
		v.RecoveryMeaning == "" || v.RecoveryJob != "PAY_RCV" || v.RepeatSeconds != 3600 || v.ModelID != "m1" {
		t.Errorf("taskView = %+v", v)
	}
	if v := taskView(workload.Job{Task: workload.Task{Line: "/x.sh"}}); v == nil || v.Script != "/x.sh" || v.Recovery != workload.RecoveryStop {
		t.Errorf("a script with no recovery: %+v, want STOP (HWA's default)", v)
	}
	if v := taskView(workload.Job{Name: "X"}); v != nil {
		t.Errorf("nothing known: %+v, want nil", v)
	}
}

// TestStartedCountsEarlierRuns: an every-job waiting for its next run has
// started; a job whose only run has not started has not.
func TestStartedCountsEarlierRuns(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	every := workload.Job{Name: "E", Runs: []workload.Run{{ID: "r1", Start: t0, End: t0.Add(time.Minute)}, {ID: "r2"}}}
	fresh := workload.Job{Name: "F", Runs: []workload.Run{{ID: "r3"}}}
	yes, no := true, false
	for _, tt := range []struct {
		j       workload.Job
		started bool
	}{{every, true}, {fresh, false}} {
		v := jobView(tt.j, t0)
		if got := matches(JobQuery{Started: &yes}, v); got != tt.started {
			t.Errorf("%s: started filter %v, want %v (view %+v)", tt.j.Name, got, tt.started, v)
		}
		if got := matches(JobQuery{Started: &no}, v); got == tt.started {
			t.Errorf("%s: not-started filter %v", tt.j.Name, got)
		}
	}
}
