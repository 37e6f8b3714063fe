// Package planwrite is the vocabulary of acting on an HWA plan, free of any
// client: the actions an operator confirms (an action on a job, the reply
// to a prompt, a submission from a model), the justification HWA records
// with each, the receipt HWA answers with, and the errors every plan writer
// returns. The HWA adapter (hwa.Operator) translates its own errors into
// these; shared/app/agent, which executes confirmed proposals, tests them
// with errors.Is. It is planread's counterpart and shares its not-found and
// unavailable kinds.
package planwrite

import (
	"errors"

	"github.com/resync/resync/shared/domain/planread"
)

// Justification is the audit trail HWA keeps with an action: why it was
// done, under which category and ticket. Empty fields are not sent.
type Justification struct {
	Category    string
	Description string
	Ticket      string
}

// Verb is an action on one job of the plan.
type Verb string

// The verbs of JobAction.
const (
	Rerun        Verb = "rerun"         // adds a run; JobAction.ID is the id of one of its runs
	Hold         Verb = "hold"          // puts the job on hold
	Release      Verb = "release"       // releases a held job
	Cancel       Verb = "cancel"        // cancels the job
	Kill         Verb = "kill"          // kills a running job, which ends in ABEND
	ConfirmSucc  Verb = "confirm-succ"  // confirms the job successful
	ConfirmAbend Verb = "confirm-abend" // confirms the job abended
)

// JobAction is Verb applied to the job ID (for Rerun, the run ID). Rerun
// takes HWA's default details and the confirmations set no output
// conditions.
type JobAction struct {
	Verb Verb
	ID   string
}

// Reply answers the prompt PromptID: yes releases the jobs waiting for it,
// no keeps them waiting.
type Reply struct {
	PromptID string
	Yes      bool
}

// SubmissionKind says what a Submission adds to the plan.
type SubmissionKind string

// The kinds of Submission.
const (
	SubmitStream SubmissionKind = "jobstream" // a new instance of a job stream, scheduled now
	SubmitJob    SubmissionKind = "job"       // a job definition as a new job
)

// Submission adds a new object to the plan from the model ModelID (a job
// stream's model, or a job definition). A submitted job goes into the
// default (JOBS) stream of Workstation.
type Submission struct {
	Kind        SubmissionKind
	ModelID     string
	Workstation string
}

// Receipt is HWA's answer to an accepted action: the id of the object acted
// on or, for a submission, added (empty when HWA names none).
type Receipt struct {
	ID string
}

// Errors of plan writes; test with errors.Is. Each error also wraps the
// writer's own error, whose text says what was sent.
var (
	// ErrNotFound: the target is not in the plan (planread's kind).
	ErrNotFound = planread.ErrNotFound
	// ErrUnavailable: HWA did not answer, or not in a form that can be read,
	// so the outcome is unknown: check the plan before trying again
	// (planread's kind).
	ErrUnavailable = planread.ErrUnavailable
	// ErrConflict: the target's state does not allow the action.
	ErrConflict = errors.New("the object's state does not allow the action")
	// ErrRejected: HWA accepted the request but reported the action failed.
	ErrRejected = errors.New("action rejected")
	// ErrForbidden: HWA does not permit this user (or these credentials)
	// the action.
	ErrForbidden = errors.New("action not permitted")
	// ErrInvalid: HWA refused the request as invalid, or the writer refused
	// to send it (an empty id, an unknown verb).
	ErrInvalid = errors.New("invalid action request")
)
