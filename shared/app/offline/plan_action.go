package offline

import (
	"encoding/json"
	"fmt"
	"strings"
)

// planAction proposes an action on named jobs.
func (t *turn) planAction(q question, at int) ([]call, string) {
	what := q.action
	if what == "" {
		what = "confirm"
	}
	if !t.has(toolProposeAction) {
		return nil, t.cannot(describeAction(what)+" jobs", toolProposeAction)
	}
	if q.bulk {
		return nil, "I propose actions on one named job at a time, so each can be checked and confirmed. " +
			"Name the job, for example \"" + what + " PAYROLL.PAY_LOAD\"; ask \"which jobs abended?\" to see the candidates."
	}
	if q.action == "" && len(q.jobs) == 0 {
		if p, ok := t.pendingProposal(at); ok {
			return nil, p
		}
	}
	if q.action == "cancel" && (len(q.jobs) == 0 || strings.Contains(strings.ToLower(q.text), "proposal")) {
		// "cancel it" right after a proposal means the proposal, not the job.
		if id, ok := t.lastProposal(at); ok {
			return nil, fmt.Sprintf("To drop proposal %s, cancel it with the Cancel button (a cancel frame with the proposal id); I cannot cancel proposals, and nothing runs unless it is confirmed. "+
				"To cancel the job itself in the plan, name it: \"cancel job NAME\".", id)
		}
	}
	if q.action == actionSubmitStream {
		return t.planSubmitStream(q)
	}
	refs, ask := t.jobsOf(q, at)
	if ask != "" {
		return nil, ask
	}
	if q.action == "" {
		return nil, fmt.Sprintf("Confirm %s as successful or as abended? Say %q or %q.",
			refs[0].label(), "confirm "+refs[0].label()+" succ", "confirm "+refs[0].label()+" abend")
	}
	var calls []call
	for _, r := range refs {
		calls = append(calls, t.use(toolProposeAction, map[string]any{"action": q.action, "job": input(r)}))
	}
	return calls, ""
}

// describeAction is an action as a verb phrase.
func describeAction(a string) string {
	switch a {
	case "confirm-succ":
		return "confirm as successful"
	case "confirm-abend":
		return "confirm as abended"
	case actionSubmitStream:
		return "submit a new instance of job stream"
	case actionSubmitJob:
		return "submit again the definition of"
	}
	return a
}

// yes reports whether text is an agreement such as "yes" or "go ahead".
func yes(text string) bool {
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return ' '
	}, text)
	words := strings.Fields(strings.ToLower(clean))
	agreed := false
	for _, w := range words {
		switch w {
		case "yes", "y", "yep", "yeah", "ok", "okay", "proceed", "sure", "confirm", "confirmed", "approve", "approved", "go":
			agreed = true
		case "please", "ahead", "do", "it", "that", "then", "thanks", "now":
		default:
			return false
		}
	}
	return agreed
}

// lastProposal returns the id of the proposal the last tools run made.
func (t *turn) lastProposal(at int) (string, bool) {
	for i := at - 1; i >= 0; i-- {
		m := t.req.Messages[i]
		if !hasResults(m) {
			continue
		}
		for _, b := range m.Content {
			var p proposalResult
			if b.ToolResult != nil && !b.ToolResult.IsError && json.Unmarshal([]byte(b.ToolResult.Content), &p) == nil && p.ProposalID != "" {
				return p.ProposalID, true
			}
		}
		return "", false
	}
	return "", false
}

// pendingProposal returns, when the last tools run made a proposal, the
// text saying how to execute it: the model cannot confirm its own proposals.
func (t *turn) pendingProposal(at int) (string, bool) {
	for i := at - 1; i >= 0; i-- {
		m := t.req.Messages[i]
		if !hasResults(m) {
			continue
		}
		for _, b := range m.Content {
			if b.ToolResult == nil || b.ToolResult.IsError {
				continue
			}
			var p proposalResult
			if json.Unmarshal([]byte(b.ToolResult.Content), &p) != nil || p.ProposalID == "" {
				continue
			}
			var targets []string
			for _, t := range p.Targets {
				targets = append(targets, jobLabel(t.Stream, t.Name, "", ""))
			}
			return fmt.Sprintf("I cannot execute proposal %s (%s %s) myself: confirm it with a justification — the Confirm button, "+
				"or a confirm frame with the proposal id — before it expires. Only a user with the operator role can.",
				p.ProposalID, describeAction(p.Action), strings.Join(targets, ", ")), true
		}
		return "", false
	}
	return "", false
}
