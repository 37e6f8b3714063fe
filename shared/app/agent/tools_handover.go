package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/resync/resync/shared/app/handover"
)

// Handovers writes shift handover digests (*handover.Builder).
type Handovers interface {
	Current(ctx context.Context) (handover.Digest, error)
	Previous(ctx context.Context) (handover.Digest, error)
}

// WithHandover returns a copy of t that answers shift_handover with h.
func (t *Tools) WithHandover(h Handovers) *Tools {
	c := *t
	c.handover = h
	return &c
}

func (t *Tools) shiftHandover(ctx context.Context, in ShiftHandoverInput) outcome {
	if t.handover == nil {
		return fail(CodeUnavailable, "the shift handover is not available here")
	}
	var d handover.Digest
	var err error
	switch strings.ToLower(strings.TrimSpace(in.Shift)) {
	case "", "current":
		d, err = t.handover.Current(ctx)
	case "previous", "last":
		d, err = t.handover.Previous(ctx)
	default:
		return fail(CodeBadInput, "shift must be current or previous, not %q", in.Shift)
	}
	switch {
	case errors.Is(err, handover.ErrUnavailable):
		return fail(CodeUnavailable, "the shift handover: HWA is unavailable")
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return fail(CodeUnavailable, "the shift handover: out of time")
	case err != nil:
		return fail(CodeInternal, "the shift handover failed")
	}
	o := outcome{value: d, summary: fmt.Sprintf("shift %s: %d failures, %d recoveries, %d actions, %d late, %d at risk, %d open prompts",
		d.Shift, len(d.Failures), len(d.Recoveries), len(d.Actions), len(d.Late), len(d.AtRisk), len(d.Prompts))}
	for _, part := range [][]handover.Item{d.Failures, d.Recoveries, d.Actions, d.Late, d.AtRisk, d.Prompts} {
		for _, it := range part {
			if it.JobID != "" {
				o.refs = append(o.refs, ref{kind: "job", id: it.JobID})
			}
		}
	}
	return o
}
