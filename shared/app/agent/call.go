package agent

import (
	"context"
	"encoding/json"
	"slices"
)

// Result is one tool call's result as the catalogue defines it, for
// callers other than the Runner (the MCP server).
type Result struct {
	// Content is the tool's JSON result object, cut to the size asked for;
	// an ErrorResult when IsError is set.
	Content string
	IsError bool
	// Summary is one line saying what the call found, safe to show.
	Summary string
	// Proposal is set when propose_action recorded a proposal.
	Proposal *ProposalResult
}

// Call runs one tool of the catalogue for c.User, exactly as the Runner
// runs it for a model, and returns its result cut to maxBytes (at most 16 KB
// when maxBytes is 0 or less; see the package comment's Size). It never
// returns a Go error: a failed or refused call is a Result with IsError set.
// Call does not check roles: the caller offers only the tools the user's
// roles allow (Agents.ToolsFor).
func (t *Tools) Call(ctx context.Context, c Call, maxBytes int) Result {
	if maxBytes <= 0 {
		maxBytes = 16 << 10
	}
	o := t.run(ctx, c)
	b, err := json.Marshal(o.value)
	if err != nil {
		o = fail(CodeInternal, "%s: the result could not be encoded", c.Name)
		b, _ = json.Marshal(o.value)
	}
	return Result{Content: string(fit(b, maxBytes)), IsError: o.isError, Summary: o.summary, Proposal: o.proposal}
}

// ToolsFor returns the tools a user with roles may call: those of every
// agent the roles may talk to (Agent.Permits), in catalogue order. With the
// shipped agents file a viewer gets the analyst's read tools and an
// operator also propose_action.
func (a *Agents) ToolsFor(roles []string) []string {
	allowed := map[string]bool{}
	for _, ag := range a.list {
		if !ag.Permits(roles) {
			continue
		}
		for _, t := range ag.Tools {
			allowed[t] = true
		}
	}
	var out []string
	for _, s := range Specs() {
		if allowed[s.Name] {
			out = append(out, s.Name)
		}
	}
	return slices.Clip(out)
}
