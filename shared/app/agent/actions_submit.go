package agent

import (
	"context"
	"fmt"

	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/frames"
)

// Submissions go through the same proposal flow as the other actions
// (proposed, previewed, confirmed once with a justification, audited):
//
//	submit_jobstream  a new instance of a job stream from its model
//	                  (POST /plan/jobstream/{model id}/submit), scheduled now
//	submit_job        a job's definition submitted again as a new job in
//	                  the JOBS stream of its workstation
//	                  (POST /plan/job/{model id}/submit)
//
// Their preview says what is added to the plan; nothing in the plan waits
// for a new object, so they list no successors.

func isSubmission(action string) bool {
	return action == ActionSubmitStream || action == ActionSubmitJob
}

// subject names what a request is about, for the audit trail.
func (r ProposalRequest) subject() string {
	if r.Prompt != nil {
		return "prompt " + r.Prompt.Name + " (" + r.Prompt.ID + ")"
	}
	if r.Stream != nil {
		return "jobstream " + r.Stream.Name + " (" + r.Stream.ID + ")"
	}
	return "job " + r.Job.Name + " (" + r.Job.ID + ")"
}

// proposeSubmission records a submission proposal. Errors: ErrBadRequest
// (no job stream, or no model id HWA could submit), ErrUnavailable.
func (a *Actions) proposeSubmission(ctx context.Context, user string, req ProposalRequest) (ProposalResult, error) {
	var (
		t       Target
		summary string
	)
	switch req.Action {
	case ActionSubmitStream:
		s := req.Stream
		if s == nil || s.ID == "" {
			return ProposalResult{}, actionErr(ErrBadRequest, nil, "no job stream to submit")
		}
		if s.ModelID == "" {
			return ProposalResult{}, actionErr(ErrBadRequest, nil, "HWA gives no model id for job stream %s (%s), so it cannot be submitted", s.Name, s.ID)
		}
		t = Target{Kind: "jobstream", ID: s.ID, Name: s.Name, Workstation: s.Workstation, ModelID: s.ModelID}
		summary = fmt.Sprintf("adds a new instance of job stream %s on %s (%d jobs) to the plan, scheduled now; the instance in the plan is not changed and nothing waits for the new one",
			s.Name, s.Workstation, s.Stats.Jobs)
	case ActionSubmitJob:
		j := req.Job
		if req.Task == nil || req.Task.ModelID == "" {
			return ProposalResult{}, actionErr(ErrBadRequest, nil, "HWA gives no job definition model id for %s (%s), so it cannot be submitted", j.Name, j.ID)
		}
		t = Target{Kind: "job", ID: j.ID, Name: j.Name, Stream: j.Stream, Workstation: j.Workstation, ModelID: req.Task.ModelID}
		summary = fmt.Sprintf("adds a new job %s to the JOBS stream of %s, running %s; the job in the plan is not changed and nothing waits for the new one",
			j.Name, j.Workstation, taskLine(*req.Task))
	}
	return a.store(ctx, user, req.Action, t, frames.Impact{Successors: []frames.Target{}, Summary: summary})
}

// taskLine says what a task runs, for a preview or an answer.
func taskLine(t planview.TaskView) string {
	what := "its script " + t.Script
	switch {
	case t.Command != "":
		what = "the command " + t.Command
	case t.Script == "":
		what = "its task"
	}
	if t.User != "" {
		what += " as " + t.User
	}
	return what
}
