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

// jobFilter builds the OQL of q. Name patterns take * or @ as wildcards; a
// pattern without one matches the name exactly.
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

// AllJobs is planview.Source's.
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

// atRiskOQL is workload.Job.AtRisk at now: a critical job not succeeded
// that failed, is late (HWA's flags, or past its deadline and not done) or
// has not started although its critical start has passed.
func atRiskOQL(now time.Time) Expr {
	done := []workload.InternalStatus{workload.InternalSucc, workload.InternalAbend, workload.InternalFail, workload.InternalCancl,
		workload.InternalError, workload.InternalComplt, workload.InternalEnd, workload.InternalSuppr}
	running := []workload.InternalStatus{workload.InternalExec, workload.InternalIntro, workload.InternalWait, workload.InternalStarted}
	return And(
		Eq(fieldCritical, true),
		NotEq(fieldInternal, workload.InternalSucc),
		NotEq(fieldCommonStatus, workload.CommonSuccessful),
		Group(Or(
			internalIn(workload.ErrorStatuses...),
			Eq(fieldCommonStatus, workload.CommonError),
			Eq("jobStatusFlags.jobLate", true),
			Eq("jobStatusFlags.deadlineHasPassed", true),
			Group(And(Lt("timeRestrictions.deadlineTime", now), internalNotIn(done...))),
			Group(And(Lt("criticalStart", now), internalNotIn(running...), NotEq(fieldCommonStatus, workload.CommonRunning))),
		)),
	)
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

// WatchJobs is planview.Counter's.
func (h PlanSource) WatchJobs(ctx context.Context, w planread.Watch, now time.Time, limit int) ([]workload.Job, int64, error) {
	var oql Expr
	switch w {
	case planread.WatchAbended:
		oql = internalIn(workload.InternalAbend, workload.InternalAbenP)
	case planread.WatchFailed:
		oql = failedOQL()
	case planread.WatchAtRisk:
		oql = atRiskOQL(now)
	default:
		return nil, 0, planread.BadQuery("unknown job list %q", w)
	}
	jobs, n, err := h.Client.JobPage(ctx, Query{OQL: oql.OrderBy(fieldName, Asc), PageSize: limit}, 0)
	return jobs, n, planError(err)
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
	ps, err := h.Client.OpenPrompts(ctx, 0)
	if err != nil {
		return false, err
	}
	for _, p := range ps {
		if strings.EqualFold(p.Name, name) {
			return true, nil
		}
	}
	return false, nil
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
