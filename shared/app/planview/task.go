package planview

import "github.com/resync/resync/shared/domain/workload"

// TaskView is what a job runs and what HWA does when it abends: the
// command or script and its user, the recovery option (with what it means
// for an operator) and recovery job, an every-job's interval, and whether
// the job waits for a confirmation when it ends. ModelID is the job
// definition's model id, which a submission names.
type TaskView struct {
	Command              string                  `json:"command,omitempty"`
	Script               string                  `json:"script,omitempty"`
	User                 string                  `json:"user,omitempty"`
	Recovery             workload.RecoveryOption `json:"recovery"`
	RecoveryMeaning      string                  `json:"recoveryMeaning"`
	RecoveryJob          string                  `json:"recoveryJob,omitempty"`
	RecoveryWorkstation  string                  `json:"recoveryWorkstation,omitempty"`
	RepeatSeconds        float64                 `json:"repeatSeconds,omitempty"`
	RequiresConfirmation bool                    `json:"requiresConfirmation,omitempty"`
	ModelID              string                  `json:"modelId,omitempty"`
}

// taskView returns the task of j, or nil when HWA told nothing about it.
func taskView(j workload.Job) *TaskView {
	t := j.Task
	if t.Line == "" && t.User == "" && j.Recovery.Option == "" && j.Recovery.Job == "" && j.RepeatInterval == 0 && !j.RequiresConfirmation {
		return nil
	}
	opt := j.Recovery.Option
	if opt == "" {
		opt = workload.RecoveryStop // HWA's default
	}
	v := &TaskView{User: t.User, Recovery: opt, RecoveryMeaning: opt.Meaning(), RecoveryJob: j.Recovery.Job,
		RecoveryWorkstation: j.Recovery.JobWorkstation, RepeatSeconds: j.RepeatInterval.Seconds(),
		RequiresConfirmation: j.RequiresConfirmation, ModelID: t.ModelID}
	if t.IsCommand {
		v.Command = t.Line
	} else {
		v.Script = t.Line
	}
	return v
}
