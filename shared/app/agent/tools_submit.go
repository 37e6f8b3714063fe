package agent

import (
	"context"
	"fmt"
	"strings"

	"github.com/resync/resync/shared/app/planview"
)

// proposeStreamSubmission resolves in.Stream (an id, or a name in any case,
// optionally WS#NAME) among the plan's job streams and proposes its
// submission. Instances of one model (the same job stream submitted twice)
// are one answer; names on several workstations are ambiguous.
func (t *Tools) proposeStreamSubmission(ctx context.Context, user string, in ProposeActionInput) outcome {
	want := strings.TrimSpace(in.Stream)
	if want == "" {
		want = strings.TrimSpace(in.Job) // a model may put the stream in job
	}
	if want == "" {
		return fail(CodeBadInput, "no job stream given: pass the job stream's name or id in stream")
	}
	l, err := t.plan.Streams(ctx)
	if err != nil {
		return planError("list job streams", err)
	}
	ws, name, ok := strings.Cut(strings.ToUpper(want), "#")
	if !ok {
		ws, name = "", strings.ToUpper(want)
	}
	var found []planview.StreamView
	models := map[string]bool{}
	for _, s := range l.Items {
		if s.ID == want || strings.EqualFold(s.Name, name) && (ws == "" || strings.EqualFold(s.Workstation, ws)) {
			if !models[s.ModelID] {
				found = append(found, s)
			}
			models[s.ModelID] = true
		}
	}
	switch {
	case len(found) == 0:
		o := fail(CodeNotFound, "no job stream %q in the plan", want)
		if sugg := t.suggestions(ctx, want); len(sugg) > 0 {
			er := o.value.(ErrorResult)
			er.Suggestions = sugg
			var names []string
			for _, m := range sugg {
				names = append(names, m.Kind+" "+m.Name)
				o.refs = append(o.refs, ref2(m))
			}
			er.Error += "; did you mean " + strings.Join(names, ", ") + "?"
			o.value, o.summary = er, er.Error
		}
		return o
	case len(found) > 1:
		o := fail(CodeAmbiguous, "%d job streams named %q on different workstations; ask which one, or use WS#NAME", len(found), want)
		er := o.value.(ErrorResult)
		for _, s := range found {
			er.Candidates = append(er.Candidates, Candidate{ID: s.ID, Name: s.Name, Workstation: s.Workstation, Status: string(s.Status)})
			o.refs = append(o.refs, ref2(planview.Match{Kind: "jobstream", ID: s.ID, Name: s.Name}))
		}
		o.value = er
		return o
	}
	s := found[0]
	res, err := t.propose.Propose(ctx, user, ProposalRequest{Action: ActionSubmitStream, Stream: &s})
	if err != nil {
		return proposeError(err)
	}
	return outcome{value: res, proposal: &res, refs: []ref{{kind: "jobstream", id: s.ID, name: s.Name}},
		summary: fmt.Sprintf("proposed %s of %s; %s", ActionSubmitStream, s.Name, res.Impact.Summary)}
}

func ref2(m planview.Match) ref { return ref{kind: m.Kind, id: m.ID, name: m.Name} }
