package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/resync/resync/shared/app/impact"
	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/app/retrieve"
	"github.com/resync/resync/shared/domain/workload"
)

// Flow walks job dependencies in HWA (hwa.PlanSource). Errors are
// plan-read errors (planview.ErrNotFound, ErrBadQuery, ErrUnavailable).
type Flow interface {
	Predecessors(ctx context.Context, jobID string, depth int) ([]workload.FlowNode, error)
	Successors(ctx context.Context, jobID string, depth int) ([]workload.FlowNode, error)
}

// Reads is what the tools read from HWA besides the plan views: the
// dependency walks and the resources and prompts (hwa.PlanSource). When it
// also reads single jobs and their successor jobs (impact.Jobs and
// impact.Flow, as hwa.PlanSource does), the tools answer job_impact and
// why_waiting from it when no Knowledge.Impact is given.
type Reads interface {
	Flow
	Conditions
}

// Proposer records action proposals (*Actions).
type Proposer interface {
	Propose(ctx context.Context, user string, req ProposalRequest) (ProposalResult, error)
}

// Runbooks searches the runbooks (*retrieve.Searcher).
type Runbooks interface {
	Search(ctx context.Context, query string, limit int) ([]retrieve.Result, error)
}

// Impacts answers what a job affects and why it waits, from the graph with
// HWA as the fallback (*impact.Service).
type Impacts interface {
	Impact(ctx context.Context, jobID string, depth int) (impact.Impact, error)
	Why(ctx context.Context, jobID string) (impact.Why, error)
}

// Knowledge is the graph-backed part of the catalogue. A nil field leaves
// its tools unavailable (search_runbooks) or on HWA alone (job_impact).
type Knowledge struct {
	Runbooks Runbooks
	Impact   Impacts
	// SearchTimeout bounds one runbook search (default
	// DefaultSearchTimeout): a knowledge graph that is slow or unreachable
	// makes the tool answer "unavailable" and the turn goes on from the plan.
	// (Impact bounds its own graph attempt; see impact.Service.GraphBudget.)
	SearchTimeout time.Duration
}

// DefaultSearchTimeout is Knowledge.SearchTimeout's default.
const DefaultSearchTimeout = 5 * time.Second

// Tools runs the catalogue's tools against the plan. It is safe for
// concurrent use.
type Tools struct {
	plan      *planview.Service
	reads     Reads // nil: the walks, resource and prompt tools are unavailable
	propose   Proposer
	knowledge Knowledge
	handover  Handovers // nil: shift_handover is unavailable
}

// NewTools returns the tools reading plan and reads; propose may be nil,
// and then propose_action fails with code "unavailable".
func NewTools(plan *planview.Service, reads Reads, propose Proposer) *Tools {
	return &Tools{plan: plan, reads: reads, propose: propose}
}

// WithKnowledge returns a copy of t that answers search_runbooks,
// why_waiting and job_impact with k.
func (t *Tools) WithKnowledge(k Knowledge) *Tools {
	c := *t
	c.knowledge = k
	return &c
}

// ref is something a tool result showed, which the answer may cite.
type ref struct {
	kind  string // job | jobstream | workstation | log
	id    string
	name  string
	runID string // log
	lines int    // log: lines of the tail
	// document: the section and the chunk text the answer may quote.
	section, text string
}

// outcome is what one tool call produced.
type outcome struct {
	value    any // marshalled into the tool result
	isError  bool
	refused  bool
	summary  string
	refs     []ref
	proposal *ProposalResult
}

func fail(code, format string, args ...any) outcome {
	msg := fmt.Sprintf(format, args...)
	return outcome{value: ErrorResult{Error: msg, Code: code}, isError: true, summary: msg}
}

// Call identifies who calls a tool.
type Call struct {
	User string
	Name string
	// Input is the tool's JSON input object.
	Input json.RawMessage
}

// run executes one tool. It never returns a Go error: failures are error
// results the model can read.
func (t *Tools) run(ctx context.Context, c Call) outcome {
	switch c.Name {
	case ToolPlanSummary:
		return t.planSummary(ctx)
	case ToolSearchJobs:
		var in SearchJobsInput
		if o, ok := decode(c.Input, &in); !ok {
			return o
		}
		return t.searchJobs(ctx, in)
	case ToolGetJob:
		var in GetJobInput
		if o, ok := decode(c.Input, &in); !ok {
			return o
		}
		return t.getJob(ctx, in)
	case ToolJobLog:
		var in JobLogInput
		if o, ok := decode(c.Input, &in); !ok {
			return o
		}
		return t.jobLog(ctx, in)
	case ToolListJobStreams:
		var in ListJobStreamsInput
		if o, ok := decode(c.Input, &in); !ok {
			return o
		}
		return t.listStreams(ctx, in)
	case ToolListWorkstations:
		var in ListWorkstationsInput
		if o, ok := decode(c.Input, &in); !ok {
			return o
		}
		return t.listWorkstations(ctx, in)
	case ToolCriticalJobs:
		return t.criticalJobs(ctx)
	case ToolJobDependencies:
		var in JobDependenciesInput
		if o, ok := decode(c.Input, &in); !ok {
			return o
		}
		return t.dependencies(ctx, in)
	case ToolJobImpact:
		var in JobImpactInput
		if o, ok := decode(c.Input, &in); !ok {
			return o
		}
		return t.impact(ctx, in)
	case ToolWhyWaiting:
		var in WhyWaitingInput
		if o, ok := decode(c.Input, &in); !ok {
			return o
		}
		return t.whyWaiting(ctx, in)
	case ToolSearchRunbooks:
		var in SearchRunbooksInput
		if o, ok := decode(c.Input, &in); !ok {
			return o
		}
		return t.searchRunbooks(ctx, in)
	case ToolCountJobs:
		var in CountJobsInput
		if o, ok := decode(c.Input, &in); !ok {
			return o
		}
		return t.countJobs(ctx, in)
	case ToolAttention:
		var in AttentionInput
		if o, ok := decode(c.Input, &in); !ok {
			return o
		}
		return t.attention(ctx, in)
	case ToolResolveName:
		var in ResolveNameInput
		if o, ok := decode(c.Input, &in); !ok {
			return o
		}
		return t.resolveName(ctx, in)
	case ToolShiftHandover:
		var in ShiftHandoverInput
		if o, ok := decode(c.Input, &in); !ok {
			return o
		}
		return t.shiftHandover(ctx, in)
	case ToolProposeAction:
		var in ProposeActionInput
		if o, ok := decode(c.Input, &in); !ok {
			return o
		}
		return t.proposeAction(ctx, c.User, in)
	}
	if o, ok := t.runConditionTool(ctx, c); ok {
		return o
	}
	return fail(CodeRefused, "there is no tool %q", c.Name)
}

func decode(raw json.RawMessage, into any) (outcome, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		raw = json.RawMessage("{}")
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return fail(CodeBadInput, "the tool input is not valid: %v", err), false
	}
	return outcome{}, true
}

// planError turns a plan-read error into an error result whose text is
// safe to show (kinds and client-given values, never internal text).
func planError(what string, err error) outcome {
	var pe *planview.Error
	detail := ""
	if errors.As(err, &pe) {
		detail = ": " + pe.Detail
	}
	switch {
	case errors.Is(err, planview.ErrNotFound):
		return fail(CodeNotFound, "%s: not found in the plan%s", what, detail)
	case errors.Is(err, planview.ErrBadQuery):
		return fail(CodeBadInput, "%s: invalid query%s", what, detail)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return fail(CodeUnavailable, "%s: out of time", what)
	case errors.Is(err, planview.ErrUnavailable):
		return fail(CodeUnavailable, "%s: HWA is unavailable", what)
	}
	return fail(CodeInternal, "%s failed", what)
}

func (t *Tools) planSummary(ctx context.Context) outcome {
	s, err := t.plan.Summary(ctx)
	if err != nil {
		return planError("plan summary", err)
	}
	o := outcome{value: s, summary: fmt.Sprintf("%d jobs in the plan", s.TotalJobs)}
	for _, lists := range [][]workload.JobRef{s.Abended, s.Failed, s.CriticalAtRisk} {
		for _, j := range lists {
			o.refs = append(o.refs, ref{kind: "job", id: j.ID, name: j.Name})
		}
	}
	return o
}

func jobRefs(j planview.JobView) []ref {
	out := []ref{{kind: "job", id: j.ID, name: j.Name}}
	if j.Stream != "" {
		out = append(out, ref{kind: "jobstream", id: j.StreamID, name: j.Stream})
	}
	if j.Workstation != "" {
		out = append(out, ref{kind: "workstation", name: j.Workstation})
	}
	return out
}

var uuidLike = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// maxCandidates bounds the jobs listed for an ambiguous name.
const maxCandidates = 20

// resolve turns a job id or name (NAME, STREAM.NAME, WS#STREAM.NAME) into
// the job's detail. An ambiguous name is an error result listing the
// candidates.
func (t *Tools) resolve(ctx context.Context, job string) (planview.JobDetail, outcome, bool) {
	job = strings.TrimSpace(job)
	if job == "" {
		return planview.JobDetail{}, fail(CodeBadInput, "no job given: pass a job id or a job name"), false
	}
	if len(job) > 256 {
		return planview.JobDetail{}, fail(CodeBadInput, "the job reference is longer than 256 characters"), false
	}
	triedID := false
	if uuidLike.MatchString(job) || !strings.ContainsAny(job, "#.*@ ") && strings.ContainsAny(job, "-") && len(job) > 20 {
		triedID = true
		d, err := t.plan.Job(ctx, job)
		if err == nil {
			return d, outcome{}, true
		}
		if !errors.Is(err, planview.ErrNotFound) {
			return planview.JobDetail{}, planError("get job "+job, err), false
		}
	}
	q := planview.JobQuery{Limit: maxCandidates + 1}
	name := strings.ToUpper(job)
	if ws, rest, ok := strings.Cut(name, "#"); ok {
		q.Workstation, name = ws, rest
	}
	if i := strings.LastIndex(name, "."); i >= 0 {
		q.Stream, name = name[:i], name[i+1:]
	}
	q.Name = name
	var l planview.JobList
	var err error
	if name != "" {
		l, err = t.plan.Jobs(ctx, q)
		if err != nil && !errors.Is(err, planview.ErrBadQuery) {
			return planview.JobDetail{}, planError("find job "+job, err), false
		}
	}
	switch {
	case len(l.Items) == 1:
		d, err := t.plan.Job(ctx, l.Items[0].ID)
		if err != nil {
			return planview.JobDetail{}, planError("get job "+job, err), false
		}
		return d, outcome{}, true
	case len(l.Items) > 1:
		o := fail(CodeAmbiguous, "%d jobs match %q; ask which one, or use the job id or STREAM.JOB", l.Total, job)
		er := o.value.(ErrorResult)
		for i, j := range l.Items {
			if i == maxCandidates {
				break
			}
			er.Candidates = append(er.Candidates, Candidate{ID: j.ID, Name: j.Name, Stream: j.Stream,
				Workstation: j.Workstation, Status: string(j.Status), InternalStatus: string(j.InternalStatus)})
			o.refs = append(o.refs, ref{kind: "job", id: j.ID, name: j.Name})
		}
		o.value = er
		return planview.JobDetail{}, o, false
	}
	if !triedID {
		d, err := t.plan.Job(ctx, job)
		if err == nil {
			return d, outcome{}, true
		}
		if !errors.Is(err, planview.ErrNotFound) && !errors.Is(err, planview.ErrBadQuery) {
			return planview.JobDetail{}, planError("get job "+job, err), false
		}
	}
	o := fail(CodeNotFound, "no job %q in the plan (neither a job id nor a job name)", job)
	if sugg := t.suggestions(ctx, job); len(sugg) > 0 {
		er := o.value.(ErrorResult)
		er.Suggestions = sugg
		var names []string
		for _, m := range sugg {
			names = append(names, m.Kind+" "+m.Name)
			o.refs = append(o.refs, ref{kind: m.Kind, id: m.ID, name: m.Name})
		}
		er.Error += "; did you mean " + strings.Join(names, ", ") + "?"
		o.value, o.summary = er, er.Error
	}
	return planview.JobDetail{}, o, false
}

func (t *Tools) getJob(ctx context.Context, in GetJobInput) outcome {
	d, o, ok := t.resolve(ctx, in.Job)
	if !ok {
		return o
	}
	j := d.Job
	o = outcome{value: d, summary: fmt.Sprintf("%s (%s): %s/%s", j.Name, j.ID, j.Status, j.InternalStatus)}
	if d.Task != nil {
		o.summary += fmt.Sprintf("; runs %s; recovery %s", taskLine(*d.Task), d.Task.Recovery)
	}
	o.refs = jobRefs(j)
	for _, dep := range d.Dependencies {
		if dep.JobID != "" {
			o.refs = append(o.refs, ref{kind: "job", id: dep.JobID, name: dep.JobName})
		}
	}
	return o
}

func (t *Tools) jobLog(ctx context.Context, in JobLogInput) outcome {
	d, o, ok := t.resolve(ctx, in.Job)
	if !ok {
		return o
	}
	l, err := t.plan.Log(ctx, d.Job.ID, in.Tail)
	if err != nil {
		return planError("log of job "+d.Job.Name, err)
	}
	o = outcome{value: l, summary: fmt.Sprintf("last %d log lines of %s, run %s", l.Lines, d.Job.Name, l.RunID)}
	o.refs = append(jobRefs(d.Job), ref{kind: "log", id: d.Job.ID, name: d.Job.Name, runID: l.RunID, lines: l.Lines})
	return o
}

func (t *Tools) listStreams(ctx context.Context, in ListJobStreamsInput) outcome {
	l, err := t.plan.Streams(ctx)
	if err != nil {
		return planError("list job streams", err)
	}
	if in.Late || in.Name != "" {
		items := l.Items[:0:0]
		for _, s := range l.Items {
			if (!in.Late || s.Late) && (in.Name == "" || planview.NameMatches(in.Name, s.Name)) {
				items = append(items, s)
			}
		}
		l.Items, l.Total = items, len(items)
	}
	o := outcome{value: l, summary: fmt.Sprintf("%d job streams", l.Total)}
	if in.Late {
		o.summary = fmt.Sprintf("%d late job streams", l.Total)
	}
	for _, s := range l.Items {
		o.refs = append(o.refs, ref{kind: "jobstream", id: s.ID, name: s.Name})
	}
	return o
}

func (t *Tools) listWorkstations(ctx context.Context, in ListWorkstationsInput) outcome {
	l, err := t.plan.Workstations(ctx)
	if err != nil {
		return planError("list workstations", err)
	}
	if in.Unlinked || in.Name != "" {
		items := l.Items[:0:0]
		for _, w := range l.Items {
			if (!in.Unlinked || !w.Linked) && (in.Name == "" || planview.NameMatches(in.Name, w.Name)) {
				items = append(items, w)
			}
		}
		l.Items, l.Total = items, len(items)
	}
	o := outcome{value: l, summary: fmt.Sprintf("%d workstations", l.Total)}
	if in.Unlinked {
		o.summary = fmt.Sprintf("%d unlinked workstations", l.Total)
	}
	for _, w := range l.Items {
		o.refs = append(o.refs, ref{kind: "workstation", id: w.ID, name: w.Name})
	}
	return o
}

func (t *Tools) criticalJobs(ctx context.Context) outcome {
	l, err := t.plan.Critical(ctx)
	if err != nil {
		return planError("critical jobs", err)
	}
	o := outcome{value: l, summary: fmt.Sprintf("%d critical jobs, %d at risk", len(l.Items), l.AtRisk)}
	for _, j := range l.Items {
		o.refs = append(o.refs, jobRefs(j.JobView)...)
	}
	return o
}

// Depth bounds of dependency walks.
const (
	maxDepth           = 5
	defaultImpactDepth = 3
	// maxEnriched bounds the nodes whose job stream is looked up.
	maxEnriched = 20
)

// walk returns the nodes of a dependency walk, with the critical flag from
// the plan's critical list and the job stream of the first nodes.
func (t *Tools) walk(ctx context.Context, jobID, direction string, depth int) ([]Node, error) {
	if t.reads == nil {
		return nil, fmt.Errorf("agent: %s of %s: %w", direction, jobID, planview.ErrUnavailable)
	}
	var nodes []workload.FlowNode
	var err error
	if direction == DirectionPredecessors {
		nodes, err = t.reads.Predecessors(ctx, jobID, depth)
	} else {
		nodes, err = t.reads.Successors(ctx, jobID, depth)
	}
	if err != nil {
		return nil, err
	}
	critical := map[string]planview.CriticalJob{}
	if cl, err := t.plan.Critical(ctx); err == nil {
		for _, c := range cl.Items {
			critical[c.ID] = c
		}
	}
	out := make([]Node, 0, len(nodes))
	enriched := 0
	for _, n := range nodes {
		nd := Node{ID: n.ID, Name: n.Name, Kind: "job", Workstation: n.Workstation}
		if n.Kind == workload.NodeJobStream {
			nd.Kind = "jobstream"
		}
		if c, ok := critical[n.ID]; ok {
			nd.Critical, nd.Stream = true, c.Stream
		} else if nd.Kind == "job" && enriched < maxEnriched {
			enriched++
			if d, err := t.plan.Job(ctx, n.ID); err == nil {
				nd.Stream = d.Job.Stream
			}
		}
		out = append(out, nd)
	}
	return out, nil
}

func nodeRefs(nodes []Node) []ref {
	var out []ref
	for _, n := range nodes {
		out = append(out, ref{kind: n.Kind, id: n.ID, name: n.Name})
	}
	return out
}

func clampDepth(d, deflt int) int {
	switch {
	case d <= 0:
		return deflt
	case d > maxDepth:
		return maxDepth
	}
	return d
}

func (t *Tools) dependencies(ctx context.Context, in JobDependenciesInput) outcome {
	dir := strings.ToLower(strings.TrimSpace(in.Direction))
	if dir != DirectionPredecessors && dir != DirectionSuccessors {
		return fail(CodeBadInput, "direction must be %q or %q", DirectionPredecessors, DirectionSuccessors)
	}
	d, o, ok := t.resolve(ctx, in.Job)
	if !ok {
		return o
	}
	nodes, err := t.walk(ctx, d.Job.ID, dir, clampDepth(in.Depth, 1))
	if err != nil {
		return planError(dir+" of job "+d.Job.Name, err)
	}
	res := DependenciesResult{Job: JobRef{ID: d.Job.ID, Name: d.Job.Name}, Direction: dir, Nodes: nodes}
	o = outcome{value: res, summary: fmt.Sprintf("%d %s of %s", len(nodes), dir, d.Job.Name)}
	o.refs = append(jobRefs(d.Job), nodeRefs(nodes)...)
	return o
}

func (t *Tools) impact(ctx context.Context, in JobImpactInput) outcome {
	d, o, ok := t.resolve(ctx, in.Job)
	if !ok {
		return o
	}
	return t.serviceImpact(ctx, d.Job, clampDepth(in.Depth, defaultImpactDepth))
}

// impacts is the impact service the tools answer with: the knowledge's
// (graph first, HWA fallback) or, without one, the same service on HWA
// alone — one rule for job_impact, why_waiting and a proposal's impact.
func (t *Tools) impacts() Impacts {
	if t.knowledge.Impact != nil {
		return t.knowledge.Impact
	}
	if src, ok := t.reads.(interface {
		impact.Flow
		impact.Jobs
	}); ok {
		return &impact.Service{Flow: src, Jobs: src}
	}
	return nil
}

// impactResult asks svc for j's impact and shapes it as job_impact's
// result (and a proposal's impact).
func impactResult(ctx context.Context, svc Impacts, j planview.JobView, depth int) (ImpactResult, error) {
	im, err := svc.Impact(ctx, j.ID, depth)
	if err != nil {
		return ImpactResult{}, err
	}
	res := ImpactResult{Job: JobRef{ID: j.ID, Name: j.Name}, Successors: make([]Node, 0, len(im.Successors)),
		Critical: im.Critical, Summary: im.Summary, Source: im.Source, Note: im.Note, OnCriticalPath: im.OnCriticalPath}
	for _, s := range im.Successors {
		res.Successors = append(res.Successors, impactNode(s.JobRef))
	}
	return res, nil
}

func (t *Tools) proposeAction(ctx context.Context, user string, in ProposeActionInput) outcome {
	action := strings.ToLower(strings.TrimSpace(in.Action))
	if !validAction(action) {
		return fail(CodeBadInput, "unknown action %q: use rerun, hold, release, cancel, kill, confirm-succ, confirm-abend, submit_jobstream or submit_job", in.Action)
	}
	if t.propose == nil {
		return fail(CodeUnavailable, "actions are not available here")
	}
	if action == ActionSubmitStream {
		return t.proposeStreamSubmission(ctx, user, in)
	}
	d, o, ok := t.resolve(ctx, in.Job)
	if !ok {
		return o
	}
	res, err := t.propose.Propose(ctx, user, ProposalRequest{Action: action, Job: d.Job, Task: d.Task})
	if err != nil {
		return proposeError(err)
	}
	o = outcome{value: res, proposal: &res,
		summary: fmt.Sprintf("proposed %s of %s; %s", action, d.Job.Name, res.Impact.Summary)}
	o.refs = jobRefs(d.Job)
	for _, s := range res.Impact.Successors {
		o.refs = append(o.refs, ref{kind: s.Kind, id: s.ID, name: s.Name})
	}
	return o
}

func proposeError(err error) outcome {
	switch {
	case errors.Is(err, ErrBadRequest):
		var ae *ActionError
		if errors.As(err, &ae) {
			return fail(CodeBadInput, "%s", ae.Message)
		}
		return fail(CodeBadInput, "the action cannot be proposed")
	case errors.Is(err, ErrUnavailable):
		return fail(CodeUnavailable, "proposals cannot be recorded right now; try again later")
	}
	return planError("propose action", err)
}

func validAction(a string) bool {
	switch a {
	case ActionRerun, ActionHold, ActionRelease, ActionCancel, ActionKill, ActionConfirmSucc, ActionConfirmAbend,
		ActionSubmitStream, ActionSubmitJob:
		return true
	}
	return false
}

// impactError turns an impact service error into an error result.
func impactError(what string, err error) outcome {
	switch {
	case errors.Is(err, impact.ErrNotFound):
		return fail(CodeNotFound, "%s: not found in the plan", what)
	case errors.Is(err, impact.ErrInvalid):
		return fail(CodeBadInput, "%s: invalid request", what)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return fail(CodeUnavailable, "%s: out of time", what)
	case errors.Is(err, impact.ErrUnavailable):
		return fail(CodeUnavailable, "%s: neither the knowledge graph nor HWA could be read", what)
	}
	return fail(CodeInternal, "%s failed", what)
}

func impactNode(j impact.JobRef) Node {
	return Node{ID: j.ID, Name: j.Name, Kind: "job", Workstation: j.Workstation, Stream: j.Stream, Critical: j.Critical}
}

// serviceImpact answers job_impact through the impact service (graph
// first, HWA when the graph is off or down, with a note saying so).
func (t *Tools) serviceImpact(ctx context.Context, j planview.JobView, depth int) outcome {
	svc := t.impacts()
	if svc == nil {
		return fail(CodeUnavailable, "job_impact is not available here")
	}
	res, err := impactResult(ctx, svc, j, depth)
	if err != nil {
		return impactError("impact of job "+j.Name, err)
	}
	o := outcome{value: res, summary: res.Summary}
	if res.Note != "" {
		o.summary += " (" + res.Source + ": " + res.Note + ")"
	}
	o.refs = append(jobRefs(j), nodeRefs(res.Successors)...)
	return o
}

func (t *Tools) whyWaiting(ctx context.Context, in WhyWaitingInput) outcome {
	svc := t.impacts()
	if svc == nil {
		return fail(CodeUnavailable, "why_waiting is not available here; get_job shows the job's unsatisfied dependencies")
	}
	d, o, ok := t.resolve(ctx, in.Job)
	if !ok {
		return o
	}
	w, err := svc.Why(ctx, d.Job.ID)
	if err != nil {
		return impactError("why job "+d.Job.Name+" waits", err)
	}
	o = outcome{value: w}
	o.refs = jobRefs(d.Job)
	var roots []string
	for _, b := range w.Blockers {
		roots = append(roots, b.Root.Name+" ("+b.Reason+")")
		for _, c := range b.Chain {
			o.refs = append(o.refs, ref{kind: "job", id: c.ID, name: c.Name})
		}
		o.refs = append(o.refs, ref{kind: "job", id: b.Root.ID, name: b.Root.Name})
	}
	switch {
	case !w.Waiting:
		o.summary = d.Job.Name + " is not waiting"
	case len(roots) == 0:
		o.summary = d.Job.Name + " waits: " + w.Reason
	default:
		o.summary = fmt.Sprintf("%s waits on %d root causes: %s", d.Job.Name, len(roots), strings.Join(roots, ", "))
	}
	// A prompt, a resource or a file holding the job or a root is the
	// root cause to name, with its detail.
	for _, c := range w.Conditions {
		o.summary += "; " + c.Detail
		o.refs = append(o.refs, ref{kind: "job", id: c.Job.ID, name: c.Job.Name})
		for _, h := range c.Holders {
			o.refs = append(o.refs, ref{kind: "job", id: h.JobID, name: h.Job})
		}
	}
	if w.Note != "" {
		o.summary += " (" + w.Source + ": " + w.Note + ")"
	}
	return o
}

// Runbook search bounds.
const (
	defaultRunbookHits = 5
	maxRunbookHits     = 10
)

func (t *Tools) searchRunbooks(ctx context.Context, in SearchRunbooksInput) outcome {
	if t.knowledge.Runbooks == nil {
		return fail(CodeUnavailable, "the runbook search is unavailable: no knowledge graph is configured here")
	}
	q := strings.TrimSpace(in.Query)
	if q == "" {
		return fail(CodeBadInput, "no query given: say what to look up")
	}
	limit := in.Limit
	switch {
	case limit <= 0:
		limit = defaultRunbookHits
	case limit > maxRunbookHits:
		limit = maxRunbookHits
	}
	timeout := t.knowledge.SearchTimeout
	if timeout <= 0 {
		timeout = DefaultSearchTimeout
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	rs, err := t.knowledge.Runbooks.Search(sctx, q, limit)
	cancel()
	switch {
	case errors.Is(err, retrieve.ErrInvalid):
		return fail(CodeBadInput, "the query cannot be searched: it is empty or longer than %d bytes", retrieve.MaxQuery)
	case ctx.Err() == nil && errors.Is(sctx.Err(), context.DeadlineExceeded):
		return fail(CodeUnavailable, "the runbook search is unavailable right now: the knowledge graph did not answer within %v; answer from the plan and say the runbooks could not be searched", timeout)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return fail(CodeUnavailable, "runbook search: out of time")
	case err != nil:
		return fail(CodeUnavailable, "the runbook search is unavailable right now")
	}
	res := RunbooksResult{Query: q, Results: make([]RunbookHit, 0, len(rs))}
	o := outcome{}
	for _, r := range rs {
		res.Results = append(res.Results, RunbookHit{DocumentID: r.DocumentID, Document: r.Document, Section: r.Section, Text: r.Text, Score: r.Score})
		o.refs = append(o.refs, ref{kind: "document", id: r.DocumentID, name: r.Document, section: r.Section, text: r.Text})
	}
	o.value = res
	o.summary = fmt.Sprintf("%d runbook sections found", len(rs))
	return o
}
