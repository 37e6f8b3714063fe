package hwa

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/resync/resync/shared/domain/planread"
	"github.com/resync/resync/shared/domain/workload"
)

// PlanSource reads the plan for the views of shared/app/planview (its
// Source, Counter and Conditions interfaces), for shared/app/impact (its
// Jobs, Flow and Resources) and for shared/app/agent's tools (its Flow and
// Conditions): filters become OQL built with
// the safe builder, and the client's errors become plan-read errors
// (planread.ErrNotFound, ErrBadQuery, ErrUnavailable).
type PlanSource struct {
	Client *Client
}

// OQL fields of JobInPlanV2 used by the job filters.
const (
	fieldCommonStatus = "lastRunCommonStatus"
	fieldInternal     = "lastRunCompositeStatus.status"
	fieldStream       = "jobStreamName"
	fieldWorkstation  = "workstation"
	fieldName         = "name"
	fieldCritical     = "jobOptions.critical"
)

// OQL fields of the runs' times (JobRunInstanceV2.timeInfo): multi-valued,
// a term matches when any run's value does.
const (
	fieldRunStart = "jobruns.timeInfo.actualStartTime"
	fieldRunEnd   = "jobruns.timeInfo.actualEndTime"
	fieldSched    = "schedTime"
)

// jobFilter builds the OQL of q. Name patterns take * or @ as wildcards; a
// pattern without one matches the name exactly.
//
// Status, internal status, stream, workstation, name, critical, failed,
// scheduled windows, late (when q.Now is set) and started are selected
// exactly. The rest is selected as a superset, for the caller to apply the
// rule to what it reads (planview does, with the rule of JobQuery): windows
// on the last run's start and end become terms on any run's start and end
// (a job whose last run started in the window has a run that started after
// its opening and one that started before its close), and "not late" and
// "not started" are not sent, OQL having no negation of a group.
func jobFilter(q planread.JobQuery) Expr {
	var terms []Expr
	if q.Status != "" {
		terms = append(terms, Eq(fieldCommonStatus, string(q.Status)))
	}
	if q.Internal != "" {
		terms = append(terms, Eq(fieldInternal, string(q.Internal)))
	}
	if q.Stream != "" {
		terms = append(terms, Eq(fieldStream, q.Stream))
	}
	if q.Workstation != "" {
		terms = append(terms, Eq(fieldWorkstation, q.Workstation))
	}
	if q.Name != "" {
		pattern := strings.ReplaceAll(q.Name, "*", "@")
		if strings.Contains(pattern, "@") {
			terms = append(terms, Like(fieldName, pattern))
		} else {
			terms = append(terms, Eq(fieldName, pattern))
		}
	}
	if q.Critical != nil {
		terms = append(terms, Eq(fieldCritical, *q.Critical))
	}
	if q.Failed {
		terms = append(terms, Group(failedOQL()))
	}
	if q.Late != nil && *q.Late && !q.Now.IsZero() {
		terms = append(terms, Group(lateOQL(q.Now)))
	}
	if q.Started != nil && *q.Started {
		// Some run has a start time: every instant HWA writes is after 1970.
		terms = append(terms, Ge(fieldRunStart, time.Unix(0, 0)))
	}
	for _, w := range []struct {
		field         string
		after, before time.Time
	}{{fieldRunStart, q.StartedAfter, q.StartedBefore}, {fieldRunEnd, q.EndedAfter, q.EndedBefore}, {fieldSched, q.ScheduledAfter, q.ScheduledBefore}} {
		if !w.after.IsZero() {
			terms = append(terms, Ge(w.field, w.after))
		}
		if !w.before.IsZero() {
			terms = append(terms, Lt(w.field, w.before))
		}
	}
	if len(terms) == 0 {
		return Expr{}
	}
	return And(terms...)
}

// planError maps the client's error kinds to plan-read errors, keeping the text.
func planError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound):
		return &planread.Error{Kind: planread.ErrNotFound, Detail: "not in the plan", Err: err}
	case errors.Is(err, ErrBadFilter), errors.Is(err, ErrBadRequest):
		return &planread.Error{Kind: planread.ErrBadQuery, Detail: "HWA refused the filter", Err: err}
	}
	return &planread.Error{Kind: planread.ErrUnavailable, Detail: "HWA could not be read", Err: err}
}

// JobPage is planview.Source's.
func (h PlanSource) JobPage(ctx context.Context, q planread.JobQuery) ([]workload.Job, int64, error) {
	jobs, total, err := h.Client.JobPage(ctx, Query{OQL: jobFilter(q), PageSize: q.Limit}, q.Offset)
	return jobs, total, planError(err)
}

// AllJobs reads every job of the plan — some 200 MB from HWA at 100,000
// jobs — for ground truth in tests and batch work. No request path asks for
// it: planview, monitor and handover read counts and bounded selections.
func (h PlanSource) AllJobs(ctx context.Context) ([]workload.Job, error) {
	jobs, err := h.Client.ListJobs(ctx, Query{})
	return jobs, planError(err)
}

// Job is planview.Source's.
func (h PlanSource) Job(ctx context.Context, id string) (workload.Job, error) {
	j, err := h.Client.Job(ctx, id)
	return j, jobError(id, err)
}

// Streams is planview.Source's.
func (h PlanSource) Streams(ctx context.Context) ([]workload.JobStream, error) {
	s, err := h.Client.ListJobStreams(ctx, Query{})
	return s, planError(err)
}

// Workstations is planview.Source's.
func (h PlanSource) Workstations(ctx context.Context) ([]workload.Workstation, error) {
	w, err := h.Client.ListWorkstations(ctx, Query{})
	return w, planError(err)
}

// JobLog is planview.Source's.
func (h PlanSource) JobLog(ctx context.Context, runID string, tail, maxBytes int) (string, bool, error) {
	l, err := h.Client.JobLog(ctx, runID, LogOptions{Tail: tail, MaxBytes: int64(maxBytes)})
	if errors.Is(err, ErrNotFound) {
		return "", false, &planread.Error{Kind: planread.ErrNotFound, Detail: fmt.Sprintf("no log for run %q", runID), Err: err}
	}
	return l.Text, l.Truncated, planError(err)
}

// The summary's selections in OQL. Each must select exactly the objects the
// domain rule it names selects (workload.Job.Abended, Failed, AtRisk;
// workload.JobStream.IsLate; not workload.Workstation.Linked);
// TestSummarySelectionsMatchTheDomain proves it on the simulated plan, and
// Summary still applies the domain rule to every page it reads. A job whose
// status HWA sends only on its runs (no lastRun* fields) is not selected.

func internalIn(sts ...workload.InternalStatus) Expr { return In(fieldInternal, sts...) }

func internalNotIn(sts ...workload.InternalStatus) Expr {
	terms := make([]Expr, len(sts))
	for i, st := range sts {
		terms[i] = NotEq(fieldInternal, st)
	}
	return And(terms...)
}

// failedOQL is workload.Job.Failed.
func failedOQL() Expr {
	return Or(internalIn(workload.ErrorStatuses...), Eq(fieldCommonStatus, workload.CommonError))
}

// lateOQL is workload.Job.IsLate at now: HWA's late or deadline flags, or
// past its deadline and not done.
func lateOQL(now time.Time) Expr {
	return Or(
		Eq("jobStatusFlags.jobLate", true),
		Eq("jobStatusFlags.deadlineHasPassed", true),
		Group(And(Lt("timeRestrictions.deadlineTime", now), internalNotIn(workload.DoneStatuses...))),
	)
}

// runningOQL is workload.Job.Running.
func runningOQL() Expr {
	return Or(internalIn(workload.RunningStatuses...), Eq(fieldCommonStatus, workload.CommonRunning))
}

// atRiskOQL is workload.Job.AtRisk at now: a critical job not succeeded
// that failed, is late or has not started although its critical start has
// passed.
func atRiskOQL(now time.Time) Expr {
	return And(
		Eq(fieldCritical, true),
		NotEq(fieldInternal, workload.InternalSucc),
		NotEq(fieldCommonStatus, workload.CommonSuccessful),
		Group(Or(
			failedOQL(),
			lateOQL(now),
			Group(And(Lt("criticalStart", now), internalNotIn(workload.RunningStatuses...), NotEq(fieldCommonStatus, workload.CommonRunning))),
		)),
	)
}

// watchOQL is the selection of the watched list w at now (the rule of
// planread.Watch.Rule), or an error for an unknown list.
func watchOQL(w planread.Watch, now time.Time) (Expr, error) {
	const sub = "lastRunCompositeStatus.substatus"
	switch w {
	case planread.WatchAbended:
		return internalIn(workload.InternalAbend, workload.InternalAbenP), nil
	case planread.WatchFailed:
		return failedOQL(), nil
	case planread.WatchAtRisk:
		return atRiskOQL(now), nil
	case planread.WatchLate:
		return lateOQL(now), nil
	case planread.WatchRunning:
		return runningOQL(), nil
	case planread.WatchCritical:
		return Eq(fieldCritical, true), nil
	case planread.WatchPrompt:
		return Eq(sub, workload.SubHoldWaitingForPrompt), nil
	case planread.WatchHeld:
		return Eq(sub, workload.SubHoldPriorityZero), nil
	case planread.WatchRunFailed:
		return In("jobruns.compositeStatus.status", workload.ErrorStatuses...), nil
	}
	return Expr{}, planread.BadQuery("unknown job list %q", w)
}

// lateStreamOQL is workload.JobStream.IsLate at now.
func lateStreamOQL(now time.Time) Expr {
	return Or(
		Eq("jsStatusFlags.lateJobStream", true),
		Group(And(Lt("timeRestrictions.deadlineTime", now),
			NotEq("commonStatus", workload.CommonSuccessful), NotEq("compositeStatus.status", workload.StreamSucc))),
	)
}

// unlinkedOQL is "not workload.Workstation.Linked": none of the linked states.
func unlinkedOQL() Expr {
	linked := []workload.WorkstationState{workload.StateLinked, workload.StateFullyLinked, workload.StateDirectlyLinked,
		workload.StateHostLinked, workload.StateExtendedLinked, workload.StateTCPIPLinked, workload.StateMaster}
	terms := make([]Expr, len(linked))
	for i, st := range linked {
		terms[i] = NotEq("activeStates", st)
	}
	return And(terms...)
}

// CountJobs is planview.Counter's.
func (h PlanSource) CountJobs(ctx context.Context, by string) (int64, map[string]int64, error) {
	var groups []string
	if by != "" {
		groups = []string{by}
	}
	gc, err := h.Client.CountJobs(ctx, "", groups...)
	return gc.Count, gc.GroupedCount, planError(err)
}

// CountStreams is planview.Counter's.
func (h PlanSource) CountStreams(ctx context.Context) (int64, error) {
	gc, err := h.Client.CountJobStreams(ctx, "")
	return gc.Count, planError(err)
}

// CountWorkstations implements Counter: HWA has no workstation count, so it
// reads a page of one workstation with the total.
func (h PlanSource) CountWorkstations(ctx context.Context) (int64, error) {
	_, n, err := h.Client.WorkstationPage(ctx, Query{PageSize: 1}, 0)
	return n, planError(err)
}

// watchPage is the most jobs WatchJobs asks HWA for in one request; a
// larger limit is read in pages of this size.
const watchPage = 500

// WatchJobs is planview.Counter's: the first limit jobs of w by name, in
// pages of at most 500, and HWA's count of the list.
func (h PlanSource) WatchJobs(ctx context.Context, w planread.Watch, now time.Time, limit int) ([]workload.Job, int64, error) {
	oql, err := watchOQL(w, now)
	if err != nil {
		return nil, 0, err
	}
	return h.firstByName(ctx, oql, limit)
}

// JobsNamed is planview.Source's: the first limit jobs by name whose name
// matches one of the patterns ('@' matches any run of characters), in one
// OQL query of LIKE terms joined by OR, and how many match.
func (h PlanSource) JobsNamed(ctx context.Context, patterns []string, limit int) ([]workload.Job, int64, error) {
	if len(patterns) == 0 {
		return nil, 0, planread.BadQuery("no name pattern")
	}
	terms := make([]Expr, len(patterns))
	for i, p := range patterns {
		terms[i] = Like(fieldName, p)
	}
	return h.firstByName(ctx, Or(terms...), limit)
}

// StreamsNamed is planview.Source's: the first limit job streams by name
// whose name matches one of the patterns ('@' matches any run of
// characters) or whose id is one of them, in one OQL query, and how many
// match.
func (h PlanSource) StreamsNamed(ctx context.Context, patterns []string, limit int) ([]workload.JobStream, int64, error) {
	if len(patterns) == 0 {
		return nil, 0, planread.BadQuery("no name pattern")
	}
	var terms []Expr
	for _, p := range patterns {
		terms = append(terms, Like(fieldName, p))
		if !strings.Contains(p, "@") {
			terms = append(terms, Eq("id", p))
		}
	}
	return firstByName(ctx, Or(terms...), limit, h.Client.JobStreamPage)
}

// firstByName reads the first limit jobs oql selects, by name, in pages of
// at most watchPage, and HWA's count of the selection.
func (h PlanSource) firstByName(ctx context.Context, oql Expr, limit int) ([]workload.Job, int64, error) {
	return firstByName(ctx, oql, limit, h.Client.JobPage)
}

// firstByName reads the first limit objects oql selects from a paged list,
// by name, in pages of at most watchPage, and HWA's count of the selection.
func firstByName[T any](ctx context.Context, oql Expr, limit int, page func(context.Context, Query, int) ([]T, int64, error)) ([]T, int64, error) {
	oql = oql.OrderBy(fieldName, Asc)
	var out []T
	for {
		size := min(watchPage, max(1, limit-len(out)))
		items, n, err := page(ctx, Query{OQL: oql, PageSize: size}, len(out))
		if err != nil {
			return nil, 0, planError(err)
		}
		out = append(out, items...)
		if len(items) < size || len(out) >= limit || int64(len(out)) >= n {
			return out[:min(len(out), max(limit, 0))], n, nil
		}
	}
}

// WatchLateStreams is planview.Counter's.
func (h PlanSource) WatchLateStreams(ctx context.Context, now time.Time, limit int) ([]workload.JobStream, int64, error) {
	s, n, err := h.Client.JobStreamPage(ctx, Query{OQL: lateStreamOQL(now).OrderBy(fieldName, Asc), PageSize: limit}, 0)
	return s, n, planError(err)
}

// WatchUnlinked is planview.Counter's.
func (h PlanSource) WatchUnlinked(ctx context.Context, limit int) ([]workload.Workstation, int64, error) {
	w, n, err := h.Client.WorkstationPage(ctx, Query{OQL: unlinkedOQL().OrderBy(fieldName, Asc), PageSize: limit}, 0)
	return w, n, planError(err)
}

// ConditionNamed reports whether name is a resource of the plan or a prompt
// waiting for a reply (memory.ConditionNames): the answer auditor then
// knows "DB_CONNECTIONS" and "CONFIRM_TAPE" as plan objects. Errors are
// the hwa client's.
func (h PlanSource) ConditionNamed(ctx context.Context, name string) (bool, error) {
	rs, err := h.Client.Resources(ctx, Query{OQL: Eq("name", name), MaxResults: 1})
	if err != nil {
		return false, err
	}
	if len(rs) > 0 {
		return true, nil
	}
	// One bounded query, not a read of every prompt-held job: a job held
	// for a prompt of that name (OQL compares names case-insensitively).
	_, n, err := h.Client.JobPage(ctx, Query{OQL: And(Eq("lastRunCompositeStatus.substatus", workload.SubHoldWaitingForPrompt),
		Eq("dependencies.promptName", name)), PageSize: 1}, 0)
	if err != nil {
		return false, err
	}
	return n > 0, nil
}

// SuccessorJobs returns the jobs of HWA's successor walk of jobID, depth
// levels down (Client.Successors without its job-stream nodes), for the
// impact service's Flow. Each job carries what the walk says of it — id,
// name, folder, workstation, scheduled time, priority — and its
// dependencies, which name its predecessors within the walk; status and
// the critical flag are not in the walk (read the job for them). Errors are
// plan-read errors: planread.ErrNotFound for an unknown job.
func (h PlanSource) SuccessorJobs(ctx context.Context, jobID string, depth int) ([]workload.Job, error) {
	nodes, err := h.Client.Successors(ctx, jobID, depth)
	if err != nil {
		return nil, jobError(jobID, err)
	}
	out := make([]workload.Job, 0, len(nodes))
	for _, n := range nodes {
		if n.Kind != "" && n.Kind != workload.NodeJob {
			continue
		}
		out = append(out, workload.Job{ID: n.ID, Name: n.Name, Folder: n.Folder, WorkstationID: n.WorkstationID,
			Workstation: n.Workstation, SchedTime: n.SchedTime, Priority: n.Priority, Dependencies: n.Dependencies})
	}
	return out, nil
}

// ResourceNamed returns the plan's resource called name, with its holders,
// and whether there is one (the impact service's Resources). Errors are
// plan-read errors.
func (h PlanSource) ResourceNamed(ctx context.Context, name string) (workload.Resource, bool, error) {
	rs, err := h.Client.Resources(ctx, Query{OQL: Eq("name", name), MaxResults: 1})
	if err != nil {
		return workload.Resource{}, false, planError(err)
	}
	if len(rs) == 0 {
		return workload.Resource{}, false, nil
	}
	return rs[0], true, nil
}

// Predecessors returns the jobs and job streams jobID depends on, depth
// levels up (the agent's Flow). Errors are plan-read errors:
// planread.ErrNotFound for an unknown job.
func (h PlanSource) Predecessors(ctx context.Context, jobID string, depth int) ([]workload.FlowNode, error) {
	nodes, err := h.Client.Predecessors(ctx, jobID, depth)
	return nodes, jobError(jobID, err)
}

// Successors returns the jobs and job streams that depend on jobID, depth
// levels down (the agent's Flow). Errors as Predecessors.
func (h PlanSource) Successors(ctx context.Context, jobID string, depth int) ([]workload.FlowNode, error) {
	nodes, err := h.Client.Successors(ctx, jobID, depth)
	return nodes, jobError(jobID, err)
}

// jobError is planError with the job named when it is not in the plan.
func jobError(jobID string, err error) error {
	if errors.Is(err, ErrNotFound) {
		return &planread.Error{Kind: planread.ErrNotFound, Detail: fmt.Sprintf("no job %q in the plan", jobID), Err: err}
	}
	return planError(err)
}

// Resources returns every resource of the plan with its holders (the
// agent's Conditions). Errors are plan-read errors.
func (h PlanSource) Resources(ctx context.Context) ([]workload.Resource, error) {
	rs, err := h.Client.Resources(ctx, Query{})
	return rs, planError(err)
}

// Resource returns the resource id (the agent's Conditions). Errors are
// plan-read errors: planread.ErrNotFound for an unknown id.
func (h PlanSource) Resource(ctx context.Context, id string) (workload.Resource, error) {
	r, err := h.Client.Resource(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return r, &planread.Error{Kind: planread.ErrNotFound, Detail: fmt.Sprintf("no resource %q in the plan", id), Err: err}
	}
	return r, planError(err)
}

// OpenPrompts returns the prompts waiting for a reply, with the jobs they
// hold (Client.OpenPrompts; the agent's Conditions). Errors are plan-read
// errors.
func (h PlanSource) OpenPrompts(ctx context.Context, limit int) ([]workload.Prompt, error) {
	ps, err := h.Client.OpenPrompts(ctx, limit)
	return ps, planError(err)
}
