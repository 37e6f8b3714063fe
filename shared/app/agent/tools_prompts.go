package agent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/llm"
	"github.com/resync/resync/shared/domain/workload"
)

// The resource and prompt tools: list_resources, get_resource,
// list_prompts, and reply_prompt, which proposes a reply (executed only
// when the user confirms it, like propose_action).

// Tool names of this file.
const (
	ToolListResources = "list_resources"
	ToolGetResource   = "get_resource"
	ToolListPrompts   = "list_prompts"
	ToolReplyPrompt   = "reply_prompt"
)

// ActionReplyPrompt is the action of a reply_prompt proposal.
const ActionReplyPrompt = "reply-prompt"

// Conditions reads the plan's resources and prompts (hwa.PlanSource).
// Errors are plan-read errors (planview.ErrNotFound for an unknown
// resource id). Without the Reads of NewTools these tools answer
// "unavailable".
type Conditions interface {
	Resources(ctx context.Context) ([]workload.Resource, error)
	Resource(ctx context.Context, id string) (workload.Resource, error)
	OpenPrompts(ctx context.Context, limit int) ([]workload.Prompt, error)
}

// ListResourcesInput is the input of list_resources.
type ListResourcesInput struct {
	Name string `json:"name,omitempty" desc:"only the resources of this name, any case; * is a wildcard"`
	Busy bool   `json:"busy,omitempty" desc:"only resources with no free unit or with jobs waiting for them"`
}

// GetResourceInput is the input of get_resource.
type GetResourceInput struct {
	Resource string `json:"resource" desc:"resource name (any case) or id, e.g. DB_CONNECTIONS"`
}

// ListPromptsInput is the input of list_prompts.
type ListPromptsInput struct {
	All bool `json:"all,omitempty" desc:"also prompts not asked yet (default: only those waiting for a reply)"`
}

// ReplyPromptInput is the input of reply_prompt.
type ReplyPromptInput struct {
	Prompt string `json:"prompt" desc:"prompt name (any case) or id, as list_prompts shows it"`
	Answer string `json:"answer" desc:"yes releases the jobs waiting for it; no keeps them waiting" enum:"yes,no"`
}

// HolderView is a job holding units of a resource.
type HolderView struct {
	JobID    string `json:"jobId"`
	Job      string `json:"job"`
	Stream   string `json:"stream,omitempty"`
	Quantity int    `json:"quantity"`
}

// ResourceView is a resource as the tools show it.
type ResourceView struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Workstation string       `json:"workstation,omitempty"`
	Description string       `json:"description,omitempty"`
	Quantity    int          `json:"quantity"`
	InUse       int          `json:"inUse"`
	Available   int          `json:"available"`
	Holders     []HolderView `json:"holders"`
	// Waiting are the jobs waiting for units of it (READY_WAITING_FOR_RESOURCES).
	Waiting []JobRef `json:"waiting"`
}

// ResourcesResult is the result of list_resources.
type ResourcesResult struct {
	Items []ResourceView `json:"items"`
	Total int            `json:"total"`
}

// PromptView is a prompt as the tools show it.
type PromptView struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Text        string   `json:"text"`
	Scope       string   `json:"scope"` // global | local
	Status      string   `json:"status"`
	Workstation string   `json:"workstation,omitempty"`
	Jobs        []JobRef `json:"jobs"` // the jobs it holds
}

// PromptsResult is the result of list_prompts.
type PromptsResult struct {
	Items []PromptView `json:"items"`
	Total int          `json:"total"`
}

func conditionSpecs() []llm.ToolSpec {
	return []llm.ToolSpec{
		llm.Spec[ListResourcesInput](ToolListResources, "The resources of the plan: units defined, in use and free, the jobs holding them and the jobs waiting for them, busiest first. Use it for 'which resources are exhausted?' or 'who holds DB_CONNECTIONS?'."),
		llm.Spec[GetResourceInput](ToolGetResource, "One resource of the plan by name or id: quantity, used, free, holders and the jobs waiting for it."),
		llm.Spec[ListPromptsInput](ToolListPrompts, "The prompts waiting for a reply: their question, global or local, and the jobs they hold. Use it for 'which prompts are waiting?' or 'what is the tape prompt asking?'."),
		llm.Spec[ReplyPromptInput](ToolReplyPrompt, "Propose a reply (yes or no) to a prompt. It is NOT executed: the user sees the proposal with the jobs it releases and must confirm it with a justification."),
	}
}

// runConditionTool runs the tools of this file; ok is false for another tool.
func (t *Tools) runConditionTool(ctx context.Context, c Call) (outcome, bool) {
	switch c.Name {
	case ToolListResources:
		var in ListResourcesInput
		if o, ok := decode(c.Input, &in); !ok {
			return o, true
		}
		return t.listResources(ctx, in), true
	case ToolGetResource:
		var in GetResourceInput
		if o, ok := decode(c.Input, &in); !ok {
			return o, true
		}
		return t.getResource(ctx, in), true
	case ToolListPrompts:
		var in ListPromptsInput
		if o, ok := decode(c.Input, &in); !ok {
			return o, true
		}
		return t.listPrompts(ctx, in), true
	case ToolReplyPrompt:
		var in ReplyPromptInput
		if o, ok := decode(c.Input, &in); !ok {
			return o, true
		}
		return t.replyPrompt(ctx, c.User, in), true
	}
	return outcome{}, false
}

func (t *Tools) conditions() Conditions {
	if t.reads == nil {
		return nil
	}
	return t.reads
}

// maxWaiters bounds the waiting jobs read for their resource needs.
const maxWaiters = 50

// resourceWaiters maps resource names to the jobs waiting for them: the
// jobs READY_WAITING_FOR_RESOURCES (at most maxWaiters), read for their
// unsatisfied RESOURCE dependencies.
func (t *Tools) resourceWaiters(ctx context.Context) (map[string][]JobRef, error) {
	l, err := t.plan.Jobs(ctx, planview.JobQuery{Internal: workload.InternalReady, Limit: planview.MaxLimit})
	if err != nil {
		return nil, err
	}
	out := map[string][]JobRef{}
	n := 0
	for _, v := range l.Items {
		if v.Substatus != workload.SubReadyWaitingForResources || n == maxWaiters {
			continue
		}
		n++
		d, err := t.plan.Job(ctx, v.ID)
		if err != nil {
			return nil, err
		}
		for _, dep := range d.Dependencies {
			if dep.Type == workload.DepResource && !dep.Satisfied {
				out[strings.ToUpper(dep.Name)] = append(out[strings.ToUpper(dep.Name)], JobRef{ID: v.ID, Name: v.Name})
			}
		}
	}
	return out, nil
}

func resourceView(r workload.Resource, waiting map[string][]JobRef) ResourceView {
	v := ResourceView{ID: r.ID, Name: r.Name, Workstation: r.Workstation, Description: r.Description,
		Quantity: r.Quantity, InUse: r.InUse, Available: r.Available, Holders: []HolderView{},
		Waiting: waiting[strings.ToUpper(r.Name)]}
	for _, h := range r.Holders {
		v.Holders = append(v.Holders, HolderView{JobID: h.JobID, Job: h.JobName, Stream: h.Stream, Quantity: h.Quantity})
	}
	if v.Waiting == nil {
		v.Waiting = []JobRef{}
	}
	return v
}

func resourceRefs(v ResourceView) []ref {
	var out []ref
	for _, h := range v.Holders {
		out = append(out, ref{kind: "job", id: h.JobID, name: h.Job})
	}
	for _, w := range v.Waiting {
		out = append(out, ref{kind: "job", id: w.ID, name: w.Name})
	}
	return out
}

func (t *Tools) listResources(ctx context.Context, in ListResourcesInput) outcome {
	c := t.conditions()
	if c == nil {
		return fail(CodeUnavailable, "resources cannot be read here")
	}
	rs, err := c.Resources(ctx)
	if err != nil {
		return planError("list resources", err)
	}
	waiting, err := t.resourceWaiters(ctx)
	if err != nil {
		return planError("jobs waiting for resources", err)
	}
	res := ResourcesResult{Items: []ResourceView{}}
	for _, r := range rs {
		v := resourceView(r, waiting)
		if in.Name != "" && !planview.NameMatches(in.Name, r.Name) || in.Busy && v.Available > 0 && len(v.Waiting) == 0 {
			continue
		}
		res.Items = append(res.Items, v)
	}
	slices.SortStableFunc(res.Items, func(a, b ResourceView) int {
		if d := len(b.Waiting) - len(a.Waiting); d != 0 {
			return d
		}
		return a.Available - b.Available
	})
	res.Total = len(res.Items)
	o := outcome{value: res, summary: fmt.Sprintf("%d resources", res.Total)}
	var exhausted []string
	for _, v := range res.Items {
		if v.Available == 0 {
			exhausted = append(exhausted, v.Name)
		}
		o.refs = append(o.refs, resourceRefs(v)...)
	}
	if len(exhausted) > 0 {
		o.summary += ", no free unit: " + strings.Join(exhausted, ", ")
	}
	return o
}

// findResource resolves a resource name (any case) or id.
func (t *Tools) findResource(ctx context.Context, c Conditions, name string) (workload.Resource, outcome, bool) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 256 {
		return workload.Resource{}, fail(CodeBadInput, "give a resource name or id (1 to 256 characters)"), false
	}
	if uuidLike.MatchString(name) {
		r, err := c.Resource(ctx, name)
		if err == nil {
			return r, outcome{}, true
		}
		if !errors.Is(err, planview.ErrNotFound) {
			return workload.Resource{}, planError("get resource "+name, err), false
		}
	}
	rs, err := c.Resources(ctx)
	if err != nil {
		return workload.Resource{}, planError("list resources", err), false
	}
	var names []string
	for _, r := range rs {
		if strings.EqualFold(r.Name, name) {
			return r, outcome{}, true
		}
		names = append(names, r.Name)
	}
	return workload.Resource{}, fail(CodeNotFound, "no resource %q in the plan; the resources are %s", name, strings.Join(names, ", ")), false
}

func (t *Tools) getResource(ctx context.Context, in GetResourceInput) outcome {
	c := t.conditions()
	if c == nil {
		return fail(CodeUnavailable, "resources cannot be read here")
	}
	r, o, ok := t.findResource(ctx, c, in.Resource)
	if !ok {
		return o
	}
	waiting, err := t.resourceWaiters(ctx)
	if err != nil {
		return planError("jobs waiting for resources", err)
	}
	v := resourceView(r, waiting)
	var hs []string
	for _, h := range v.Holders {
		hs = append(hs, fmt.Sprintf("%s (%d)", h.Job, h.Quantity))
	}
	o = outcome{value: v, refs: resourceRefs(v),
		summary: fmt.Sprintf("%s: %d of %d in use, %d free, used by [%s], %d jobs waiting", v.Name, v.InUse, v.Quantity, v.Available, strings.Join(hs, ", "), len(v.Waiting))}
	return o
}

func promptView(p workload.Prompt) PromptView {
	v := PromptView{ID: p.ID, Name: p.Name, Text: p.Text, Scope: "local", Status: string(p.Status), Workstation: p.Workstation, Jobs: []JobRef{}}
	if p.Global {
		v.Scope = "global"
	}
	for _, j := range p.Jobs {
		v.Jobs = append(v.Jobs, JobRef{ID: j.ID, Name: j.Name})
	}
	return v
}

func (t *Tools) prompts(ctx context.Context, all bool) ([]workload.Prompt, outcome, bool) {
	c := t.conditions()
	if c == nil {
		return nil, fail(CodeUnavailable, "prompts cannot be read here"), false
	}
	ps, err := c.OpenPrompts(ctx, 0)
	if err != nil {
		return nil, planError("list prompts", err), false
	}
	if !all {
		ps = slices.DeleteFunc(ps, func(p workload.Prompt) bool { return !p.Status.Open() })
	}
	return ps, outcome{}, true
}

func (t *Tools) listPrompts(ctx context.Context, in ListPromptsInput) outcome {
	ps, o, ok := t.prompts(ctx, in.All)
	if !ok {
		return o
	}
	res := PromptsResult{Items: []PromptView{}, Total: len(ps)}
	var names []string
	for _, p := range ps {
		v := promptView(p)
		res.Items = append(res.Items, v)
		names = append(names, fmt.Sprintf("%s (%q, %d jobs)", p.Name, p.Text, len(p.Jobs)))
		for _, j := range v.Jobs {
			o.refs = append(o.refs, ref{kind: "job", id: j.ID, name: j.Name})
		}
	}
	o.value = res
	o.summary = fmt.Sprintf("%d prompts waiting for a reply", res.Total)
	if len(names) > 0 {
		o.summary += ": " + strings.Join(names, "; ")
	}
	return o
}

// findPrompt resolves a prompt name (any case), id, or a word of its name
// or text when exactly one prompt has it ("the tape prompt").
func findPrompt(ps []workload.Prompt, name string) (workload.Prompt, outcome, bool) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 256 {
		return workload.Prompt{}, fail(CodeBadInput, "give a prompt name or id (1 to 256 characters)"), false
	}
	var partial []workload.Prompt
	for _, p := range ps {
		if p.ID == name || strings.EqualFold(p.Name, name) {
			return p, outcome{}, true
		}
		if w := strings.ToLower(name); strings.Contains(strings.ToLower(p.Name), w) || strings.Contains(strings.ToLower(p.Text), w) {
			partial = append(partial, p)
		}
	}
	if len(partial) == 1 {
		return partial[0], outcome{}, true
	}
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	if len(partial) > 1 {
		return workload.Prompt{}, fail(CodeAmbiguous, "%d prompts match %q: %s; say which", len(partial), name, strings.Join(names, ", ")), false
	}
	return workload.Prompt{}, fail(CodeNotFound, "no prompt %q waits for a reply; the prompts waiting are: %s", name, strings.Join(names, ", ")), false
}

func (t *Tools) replyPrompt(ctx context.Context, user string, in ReplyPromptInput) outcome {
	var yes bool
	switch strings.ToLower(strings.TrimSpace(in.Answer)) {
	case "yes", "y", "true":
		yes = true
	case "no", "n", "false":
	default:
		return fail(CodeBadInput, "answer must be yes or no, not %q", in.Answer)
	}
	if t.propose == nil {
		return fail(CodeUnavailable, "actions are not available here")
	}
	ps, o, ok := t.prompts(ctx, true)
	if !ok {
		return o
	}
	p, o, ok := findPrompt(ps, in.Prompt)
	if !ok {
		return o
	}
	res, err := t.propose.Propose(ctx, user, ProposalRequest{Action: ActionReplyPrompt, Prompt: &p, Answer: yes})
	if err != nil {
		return proposeError(err)
	}
	o = outcome{value: res, proposal: &res,
		summary: fmt.Sprintf("proposed reply %s to prompt %s; %s", answerWord(yes), p.Name, res.Impact.Summary)}
	for _, j := range p.Jobs {
		o.refs = append(o.refs, ref{kind: "job", id: j.ID, name: j.Name})
	}
	return o
}

func answerWord(yes bool) string {
	if yes {
		return "yes"
	}
	return "no"
}
