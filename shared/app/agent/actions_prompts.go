package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/domain/trail"
)

// proposePromptReply records a proposal to reply to req.Prompt. Its target
// is the prompt (kind "prompt", Answer yes or no); its impact lists the
// jobs the prompt holds, which a yes releases. Confirm executes it like
// every action: once, audited, with the justification sent to HWA.
func (a *Actions) proposePromptReply(ctx context.Context, user string, req ProposalRequest) (ProposalResult, error) {
	p := req.Prompt
	if p == nil || p.ID == "" {
		return ProposalResult{}, actionErr(ErrBadRequest, nil, "no prompt to reply to")
	}
	t := Target{Kind: "prompt", ID: p.ID, Name: p.Name, Workstation: p.Workstation, Answer: answerWord(req.Answer)}
	imp := frames.Impact{Successors: make([]frames.Target, 0, len(p.Jobs))}
	var names []string
	for _, j := range p.Jobs {
		imp.Successors = append(imp.Successors, frames.Target{Kind: "job", ID: j.ID, Name: j.Name})
		names = append(names, j.Name)
	}
	switch {
	case req.Answer && len(names) > 0:
		imp.Summary = fmt.Sprintf("Replying yes to %s (%q) releases %d %s: %s.", p.Name, p.Text, len(names), plural(len(names), "job", "jobs"), strings.Join(names, ", "))
	case req.Answer:
		imp.Summary = fmt.Sprintf("Replying yes to %s (%q) releases the jobs waiting for it.", p.Name, p.Text)
	default:
		imp.Summary = fmt.Sprintf("Replying no to %s (%q) keeps %d %s waiting: %s.", p.Name, p.Text, len(names), plural(len(names), "job", "jobs"), strings.Join(names, ", "))
	}
	id, err := a.cfg.NewID()
	if err != nil {
		return ProposalResult{}, actionErr(ErrUnavailable, err, "no proposal id")
	}
	now := a.cfg.Now().UTC()
	pr := Proposal{ID: id, User: user, Action: ActionReplyPrompt, Targets: []Target{t}, CreatedAt: now,
		ExpiresAt: now.Add(a.cfg.Expiry), Status: StatusPending, Impact: imp}
	b, err := json.Marshal(pr)
	if err != nil {
		return ProposalResult{}, fmt.Errorf("agent: propose: encode: %w", err)
	}
	if err := a.cfg.Proposals.Create(ctx, id, b, a.cfg.Retention); err != nil {
		return ProposalResult{}, actionErr(ErrUnavailable, err, "the proposal could not be stored")
	}
	if err := a.audit(ctx, trail.Entry{User: user, Action: "proposal:" + ActionReplyPrompt, Targets: targetNames(pr.Targets),
		Result: "proposed", Detail: "proposal " + id + "; reply " + t.Answer + "; " + imp.Summary, ProposalID: id, ExpiresAt: pr.ExpiresAt}); err != nil {
		_ = a.cfg.Proposals.Delete(context.WithoutCancel(ctx), id) // not auditable: not confirmable
		return ProposalResult{}, actionErr(ErrUnavailable, err, "the proposal could not be audited")
	}
	return pr.Result(), nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// invalidateAfter drops the cached views an executed proposal changed:
// the target job, or for a prompt reply every job it held.
func (a *Actions) invalidateAfter(ctx context.Context, p Proposal) error {
	if p.Action != ActionReplyPrompt {
		return a.cfg.Plan.Invalidate(ctx, p.Targets[0].ID)
	}
	var first error
	for _, s := range p.Impact.Successors {
		if err := a.cfg.Plan.Invalidate(ctx, s.ID); err != nil && first == nil {
			first = err
		}
	}
	if len(p.Impact.Successors) == 0 {
		first = a.cfg.Plan.Invalidate(ctx, "")
	}
	return first
}
