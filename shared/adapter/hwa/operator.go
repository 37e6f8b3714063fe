package hwa

import (
	"context"
	"errors"
	"fmt"

	"github.com/resync/resync/shared/domain/planwrite"
)

// Operator executes confirmed actions on the plan for shared/app/agent (its
// Operator interface): the domain's actions become the client's calls, the
// justification becomes HWA's Justification headers, and the client's
// errors become plan-write errors (planwrite.ErrConflict, ErrRejected,
// ErrForbidden, ErrNotFound, ErrInvalid, else ErrUnavailable: the outcome
// is unknown). An error keeps the client's text and still wraps its
// *Error. Like every action, nothing is retried.
type Operator struct {
	Client *Client
}

// writeError is a client error sorted into a plan-write kind. Its text is
// the client's, which names the operation, the status and HWA's code.
type writeError struct {
	kind error
	err  error
}

func (e *writeError) Error() string { return e.err.Error() }

// Unwrap returns the kind and the client's error.
func (e *writeError) Unwrap() []error { return []error{e.kind, e.err} }

// writeKind maps the client's error kinds to plan-write kinds.
func writeKind(err error) error {
	switch {
	case errors.Is(err, ErrConflict):
		return planwrite.ErrConflict
	case errors.Is(err, ErrRejected):
		return planwrite.ErrRejected
	case errors.Is(err, ErrForbidden), errors.Is(err, ErrUnauthorized):
		return planwrite.ErrForbidden
	case errors.Is(err, ErrNotFound):
		return planwrite.ErrNotFound
	case errors.Is(err, ErrBadRequest), errors.Is(err, ErrBadFilter):
		return planwrite.ErrInvalid
	}
	return planwrite.ErrUnavailable
}

// receipt translates one action's answer.
func receipt(rr ResourceResponse, err error) (planwrite.Receipt, error) {
	if err != nil {
		return planwrite.Receipt{}, &writeError{kind: writeKind(err), err: err}
	}
	return planwrite.Receipt{ID: rr.ID}, nil
}

func actionOptions(j planwrite.Justification) ActionOptions {
	return ActionOptions{Justification: Justification{Category: j.Category, Description: j.Description, TicketNum: j.Ticket}}
}

// Act applies a.Verb to the job a.ID (Rerun: to the run a.ID, with HWA's
// default rerun details; the confirmations with no output conditions).
// Errors are plan-write errors; an unknown verb is ErrInvalid and sends
// nothing.
func (o Operator) Act(ctx context.Context, a planwrite.JobAction, j planwrite.Justification) (planwrite.Receipt, error) {
	opts := actionOptions(j)
	switch a.Verb {
	case planwrite.Rerun:
		return receipt(o.Client.Rerun(ctx, a.ID, RerunDetails{}, opts))
	case planwrite.Hold:
		return receipt(o.Client.Hold(ctx, a.ID, opts))
	case planwrite.Release:
		return receipt(o.Client.Release(ctx, a.ID, opts))
	case planwrite.Cancel:
		return receipt(o.Client.Cancel(ctx, a.ID, opts))
	case planwrite.Kill:
		return receipt(o.Client.Kill(ctx, a.ID, opts))
	case planwrite.ConfirmSucc:
		return receipt(o.Client.ConfirmSucc(ctx, a.ID, nil, opts))
	case planwrite.ConfirmAbend:
		return receipt(o.Client.ConfirmAbend(ctx, a.ID, nil, opts))
	}
	return planwrite.Receipt{}, &writeError{kind: planwrite.ErrInvalid, err: fmt.Errorf("hwa: %q of job %s: unknown action", a.Verb, a.ID)}
}

// Reply answers the prompt r.PromptID. Errors are plan-write errors
// (ErrConflict: the prompt is already answered yes, or not asked yet).
func (o Operator) Reply(ctx context.Context, r planwrite.Reply, j planwrite.Justification) (planwrite.Receipt, error) {
	return receipt(o.Client.ReplyPrompt(ctx, r.PromptID, r.Yes, actionOptions(j)))
}

// Submit adds a job stream instance (scheduled now) or a job (into the
// default stream of s.Workstation) from the model s.ModelID and returns
// the new object's id. Errors are plan-write errors; an unknown kind is
// ErrInvalid and sends nothing.
func (o Operator) Submit(ctx context.Context, s planwrite.Submission, j planwrite.Justification) (planwrite.Receipt, error) {
	switch s.Kind {
	case planwrite.SubmitStream:
		return receipt(o.Client.SubmitJobStream(ctx, s.ModelID, SubmitJobStreamOptions{}, actionOptions(j)))
	case planwrite.SubmitJob:
		return receipt(o.Client.SubmitJob(ctx, s.ModelID, SubmitJobOptions{WorkstationKey: s.Workstation}, actionOptions(j)))
	}
	return planwrite.Receipt{}, &writeError{kind: planwrite.ErrInvalid, err: fmt.Errorf("hwa: submit %q %s: unknown kind of submission", s.Kind, s.ModelID)}
}
