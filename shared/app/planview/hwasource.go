package planview

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/domain/workload"
)

// HWA adapts *hwa.Client to Source, translating filters into OQL built with
// the client's safe builder and its errors into planview's.
type HWA struct {
	Client *hwa.Client
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
func jobFilter(q JobQuery) hwa.Expr {
	var terms []hwa.Expr
	if q.Status != "" {
		terms = append(terms, hwa.Eq(fieldCommonStatus, string(q.Status)))
	}
	if q.Internal != "" {
		terms = append(terms, hwa.Eq(fieldInternal, string(q.Internal)))
	}
	if q.Stream != "" {
		terms = append(terms, hwa.Eq(fieldStream, q.Stream))
	}
	if q.Workstation != "" {
		terms = append(terms, hwa.Eq(fieldWorkstation, q.Workstation))
	}
	if q.Name != "" {
		pattern := strings.ReplaceAll(q.Name, "*", "@")
		if strings.Contains(pattern, "@") {
			terms = append(terms, hwa.Like(fieldName, pattern))
		} else {
			terms = append(terms, hwa.Eq(fieldName, pattern))
		}
	}
	if q.Critical != nil {
		terms = append(terms, hwa.Eq(fieldCritical, *q.Critical))
	}
	if len(terms) == 0 {
		return hwa.Expr{}
	}
	return hwa.And(terms...)
}

// translate maps the client's error kinds to planview's, keeping the text.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, hwa.ErrNotFound):
		return &Error{Kind: ErrNotFound, Detail: "not in the plan", Err: err}
	case errors.Is(err, hwa.ErrBadFilter), errors.Is(err, hwa.ErrBadRequest):
		return &Error{Kind: ErrBadQuery, Detail: "HWA refused the filter", Err: err}
	}
	return &Error{Kind: ErrUnavailable, Detail: "HWA could not be read", Err: err}
}

// JobPage implements Source.
func (h HWA) JobPage(ctx context.Context, q JobQuery) ([]workload.Job, int64, error) {
	jobs, total, err := h.Client.JobPage(ctx, hwa.Query{OQL: jobFilter(q), PageSize: q.Limit}, q.Offset)
	return jobs, total, translate(err)
}

// AllJobs implements Source.
func (h HWA) AllJobs(ctx context.Context) ([]workload.Job, error) {
	jobs, err := h.Client.ListJobs(ctx, hwa.Query{})
	return jobs, translate(err)
}

// Job implements Source.
func (h HWA) Job(ctx context.Context, id string) (workload.Job, error) {
	j, err := h.Client.Job(ctx, id)
	if errors.Is(err, hwa.ErrNotFound) {
		return j, &Error{Kind: ErrNotFound, Detail: fmt.Sprintf("no job %q in the plan", id), Err: err}
	}
	return j, translate(err)
}

// Streams implements Source.
func (h HWA) Streams(ctx context.Context) ([]workload.JobStream, error) {
	s, err := h.Client.ListJobStreams(ctx, hwa.Query{})
	return s, translate(err)
}

// Workstations implements Source.
func (h HWA) Workstations(ctx context.Context) ([]workload.Workstation, error) {
	w, err := h.Client.ListWorkstations(ctx, hwa.Query{})
	return w, translate(err)
}

// JobLog implements Source.
func (h HWA) JobLog(ctx context.Context, runID string, tail, maxBytes int) (string, bool, error) {
	l, err := h.Client.JobLog(ctx, runID, hwa.LogOptions{Tail: tail, MaxBytes: int64(maxBytes)})
	if errors.Is(err, hwa.ErrNotFound) {
		return "", false, &Error{Kind: ErrNotFound, Detail: fmt.Sprintf("no log for run %q", runID), Err: err}
	}
	return l.Text, l.Truncated, translate(err)
}

// The summary's selections in OQL. Each must select exactly the objects the
// domain rule it names selects (workload.Job.Abended, Failed, AtRisk;
// workload.JobStream.IsLate; not workload.Workstation.Linked);
// TestSummarySelectionsMatchTheDomain proves it on the simulated plan, and
// Summary still applies the domain rule to every page it reads. A job whose
// status HWA sends only on its runs (no lastRun* fields) is not selected.

func internalIn(sts ...workload.InternalStatus) hwa.Expr { return hwa.In(fieldInternal, sts...) }

func internalNotIn(sts ...workload.InternalStatus) hwa.Expr {
	terms := make([]hwa.Expr, len(sts))
	for i, st := range sts {
		terms[i] = hwa.NotEq(fieldInternal, st)
	}
	return hwa.And(terms...)
}

// failedOQL is workload.Job.Failed.
func failedOQL() hwa.Expr {
	return hwa.Or(internalIn(workload.ErrorStatuses...), hwa.Eq(fieldCommonStatus, workload.CommonError))
}

// atRiskOQL is workload.Job.AtRisk at now: a critical job not succeeded
// that failed, is late (HWA's flags, or past its deadline and not done) or
// has not started although its critical start has passed.
func atRiskOQL(now time.Time) hwa.Expr {
	done := []workload.InternalStatus{workload.InternalSucc, workload.InternalAbend, workload.InternalFail, workload.InternalCancl,
		workload.InternalError, workload.InternalComplt, workload.InternalEnd, workload.InternalSuppr}
	running := []workload.InternalStatus{workload.InternalExec, workload.InternalIntro, workload.InternalWait, workload.InternalStarted}
	return hwa.And(
		hwa.Eq(fieldCritical, true),
		hwa.NotEq(fieldInternal, workload.InternalSucc),
		hwa.NotEq(fieldCommonStatus, workload.CommonSuccessful),
		hwa.Group(hwa.Or(
			internalIn(workload.ErrorStatuses...),
			hwa.Eq(fieldCommonStatus, workload.CommonError),
			hwa.Eq("jobStatusFlags.jobLate", true),
			hwa.Eq("jobStatusFlags.deadlineHasPassed", true),
			hwa.Group(hwa.And(hwa.Lt("timeRestrictions.deadlineTime", now), internalNotIn(done...))),
			hwa.Group(hwa.And(hwa.Lt("criticalStart", now), internalNotIn(running...), hwa.NotEq(fieldCommonStatus, workload.CommonRunning))),
		)),
	)
}

// lateStreamOQL is workload.JobStream.IsLate at now.
func lateStreamOQL(now time.Time) hwa.Expr {
	return hwa.Or(
		hwa.Eq("jsStatusFlags.lateJobStream", true),
		hwa.Group(hwa.And(hwa.Lt("timeRestrictions.deadlineTime", now),
			hwa.NotEq("commonStatus", workload.CommonSuccessful), hwa.NotEq("compositeStatus.status", workload.StreamSucc))),
	)
}

// unlinkedOQL is "not workload.Workstation.Linked": none of the linked states.
func unlinkedOQL() hwa.Expr {
	linked := []workload.WorkstationState{workload.StateLinked, workload.StateFullyLinked, workload.StateDirectlyLinked,
		workload.StateHostLinked, workload.StateExtendedLinked, workload.StateTCPIPLinked, workload.StateMaster}
	terms := make([]hwa.Expr, len(linked))
	for i, st := range linked {
		terms[i] = hwa.NotEq("activeStates", st)
	}
	return hwa.And(terms...)
}

// CountJobs implements Counter.
func (h HWA) CountJobs(ctx context.Context, by string) (int64, map[string]int64, error) {
	var groups []string
	if by != "" {
		groups = []string{by}
	}
	gc, err := h.Client.CountJobs(ctx, "", groups...)
	return gc.Count, gc.GroupedCount, translate(err)
}

// CountStreams implements Counter.
func (h HWA) CountStreams(ctx context.Context) (int64, error) {
	gc, err := h.Client.CountJobStreams(ctx, "")
	return gc.Count, translate(err)
}

// CountWorkstations implements Counter: HWA has no workstation count, so it
// reads a page of one workstation with the total.
func (h HWA) CountWorkstations(ctx context.Context) (int64, error) {
	_, n, err := h.Client.WorkstationPage(ctx, hwa.Query{PageSize: 1}, 0)
	return n, translate(err)
}

// WatchJobs implements Counter.
func (h HWA) WatchJobs(ctx context.Context, w Watch, now time.Time, limit int) ([]workload.Job, int64, error) {
	var oql hwa.Expr
	switch w {
	case WatchAbended:
		oql = internalIn(workload.InternalAbend, workload.InternalAbenP)
	case WatchFailed:
		oql = failedOQL()
	case WatchAtRisk:
		oql = atRiskOQL(now)
	default:
		return nil, 0, badQuery("unknown job list %q", w)
	}
	jobs, n, err := h.Client.JobPage(ctx, hwa.Query{OQL: oql.OrderBy(fieldName, hwa.Asc), PageSize: limit}, 0)
	return jobs, n, translate(err)
}

// WatchLateStreams implements Counter.
func (h HWA) WatchLateStreams(ctx context.Context, now time.Time, limit int) ([]workload.JobStream, int64, error) {
	s, n, err := h.Client.JobStreamPage(ctx, hwa.Query{OQL: lateStreamOQL(now).OrderBy(fieldName, hwa.Asc), PageSize: limit}, 0)
	return s, n, translate(err)
}

// WatchUnlinked implements Counter.
func (h HWA) WatchUnlinked(ctx context.Context, limit int) ([]workload.Workstation, int64, error) {
	w, n, err := h.Client.WorkstationPage(ctx, hwa.Query{OQL: unlinkedOQL().OrderBy(fieldName, hwa.Asc), PageSize: limit}, 0)
	return w, n, translate(err)
}
