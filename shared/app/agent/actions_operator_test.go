package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/resync/resync/shared/domain/planwrite"
)

// failingOperator answers every action with err and records what it was
// asked to do.
type failingOperator struct {
	err   error
	acts  []planwrite.JobAction
	just  []planwrite.Justification
	other int // replies and submissions
}

func (f *failingOperator) Act(_ context.Context, a planwrite.JobAction, j planwrite.Justification) (planwrite.Receipt, error) {
	f.acts, f.just = append(f.acts, a), append(f.just, j)
	return planwrite.Receipt{}, f.err
}

func (f *failingOperator) Reply(context.Context, planwrite.Reply, planwrite.Justification) (planwrite.Receipt, error) {
	f.other++
	return planwrite.Receipt{}, f.err
}

func (f *failingOperator) Submit(context.Context, planwrite.Submission, planwrite.Justification) (planwrite.Receipt, error) {
	f.other++
	return planwrite.Receipt{}, f.err
}

// A confirmed action reaches the Operator as the domain's action with the
// user's justification, and its failure is told by the plan-write kind of
// the error alone; any other error leaves the outcome unknown.
func TestExecuteSortsPlanWriteErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"conflict", planwrite.ErrConflict, "HWA refused to hold %s: the job's state does not allow it"},
		{"rejected", planwrite.ErrRejected, "HWA rejected the hold of %s"},
		{"forbidden", planwrite.ErrForbidden, "HWA did not permit the hold of %s"},
		{"not found", planwrite.ErrNotFound, "%s is no longer in the plan"},
		{"invalid", planwrite.ErrInvalid, "HWA refused the hold of %s as invalid"},
		{"unavailable", planwrite.ErrUnavailable, "HWA did not answer the hold of %s: the outcome is unknown; check the job before trying again"},
		{"unsorted", errors.New("connection reset"), "HWA did not answer the hold of %s: the outcome is unknown; check the job before trying again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			op := &failingOperator{err: fmt.Errorf("hwa: hold job: %w", tt.err)}
			cfg := e.actions.cfg
			cfg.HWA = op
			actions, err := NewActions(cfg)
			if err != nil {
				t.Fatal(err)
			}
			e.actions = actions
			e.tools = NewTools(e.plan, e.src, actions)
			job := e.abended(t)[0]
			p := e.propose(t, "alice", ActionHold, job.ID)
			o, err := e.actions.Confirm(context.Background(), "alice", operator, p.ProposalID, "hold it", "INCIDENT", "INC-9")
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf(tt.want, job.Name); o.OK || o.Message != want {
				t.Errorf("outcome %+v; want a failure saying %q", o, want)
			}
			if len(op.acts) != 1 || op.acts[0] != (planwrite.JobAction{Verb: planwrite.Hold, ID: job.ID}) || op.other != 0 {
				t.Errorf("operator asked %+v (and %d others), want one hold of %s", op.acts, op.other, job.ID)
			}
			if len(op.just) != 1 || op.just[0] != (planwrite.Justification{Category: "INCIDENT", Description: "hold it", Ticket: "INC-9"}) {
				t.Errorf("justification %+v, want the user's", op.just)
			}
			if strings.Contains(o.Message, "hwa:") {
				t.Errorf("message %q carries the adapter's text", o.Message)
			}
		})
	}
}
