// Package planread is the vocabulary of reading an HWA plan, free of any
// client: the filter of a job list (JobQuery) and its validation, the
// summary's watched lists, and the errors every plan reader returns — the
// HWA adapter (hwa.PlanSource) translates its own errors into these, and
// planview's views and their callers test them with errors.Is.
package planread

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/resync/resync/shared/domain/workload"
)

// Errors of plan reads; test with errors.Is.
var (
	// ErrNotFound: the job (or other object) is not in the plan.
	ErrNotFound = errors.New("not found in the plan")
	// ErrUnavailable: HWA could not be reached and nothing was cached.
	ErrUnavailable = errors.New("HWA is unavailable")
	// ErrBadQuery: a filter value is invalid.
	ErrBadQuery = errors.New("invalid query")
)

// Error is a plan-read error with a detail safe to show a client (ids and
// filter values the client sent, never internal text). Kind is one of the
// Err sentinels; errors.Is matches it and the cause.
type Error struct {
	Kind   error
	Detail string
	Err    error
}

func (e *Error) Error() string {
	s := e.Kind.Error() + ": " + e.Detail
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// BadQuery returns an ErrBadQuery error with the detail.
func BadQuery(format string, args ...any) error {
	return &Error{Kind: ErrBadQuery, Detail: fmt.Sprintf(format, args...)}
}

// JobQuery filters a job list. Zero fields do not filter.
type JobQuery struct {
	Status      workload.CommonStatus   // common status, e.g. ERROR
	Internal    workload.InternalStatus // internal status, e.g. ABEND
	Stream      string                  // job stream name
	Workstation string                  // workstation name
	Name        string                  // name pattern; * and @ are wildcards
	Critical    *bool
	// Failed: jobs in error by workload.Job.Failed (ABEND, ABENP, FAIL,
	// ERROR), what an operator means by "failed".
	Failed bool
	// Late: only jobs late by workload.Job.IsLate (true) or not late (false).
	Late *bool
	// Started: only jobs that have started — a run started, the last or an
	// earlier one (an every-job between runs) — (true) or that have not
	// started yet (false: no run, or only run records without a start).
	Started *bool
	// Time windows on the last run's start and end and on the scheduled
	// time: a zero bound does not filter. A job that has not started (or
	// ended) is outside any window on its start (or end).
	StartedAfter, StartedBefore     time.Time
	EndedAfter, EndedBefore         time.Time
	ScheduledAfter, ScheduledBefore time.Time
	Limit                           int // page size; 0 means DefaultLimit
	Offset                          int
	// Now is the plan clock Late is judged at. A reader that cannot judge
	// lateness itself (HWA's query language needs the instant) selects the
	// late jobs at Now; zero leaves Late to the caller.
	Now time.Time
}

// Page size bounds for job lists.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Validate checks the filter values and normalises paging.
func (q *JobQuery) Validate() error {
	if q.Status != "" && !q.Status.Valid() {
		return BadQuery("unknown status %q", q.Status)
	}
	if q.Internal != "" && !q.Internal.Valid() {
		return BadQuery("unknown internal status %q", q.Internal)
	}
	for _, v := range []struct{ name, val string }{{"stream", q.Stream}, {"workstation", q.Workstation}, {"name", q.Name}} {
		if len(v.val) > 128 {
			return BadQuery("%s is longer than 128 characters", v.name)
		}
	}
	for _, w := range [][2]time.Time{{q.StartedAfter, q.StartedBefore}, {q.EndedAfter, q.EndedBefore}, {q.ScheduledAfter, q.ScheduledBefore}} {
		if !w[0].IsZero() && !w[1].IsZero() && w[1].Before(w[0]) {
			return BadQuery("a time window ends before it starts")
		}
	}
	if q.Limit < 0 || q.Offset < 0 {
		return BadQuery("limit and offset must not be negative")
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit > MaxLimit {
		q.Limit = MaxLimit
	}
	return nil
}

// Watch names a list of jobs the views watch (the summary, the attention
// list, the critical list, the monitor, the handover digest): each is the
// jobs one domain rule selects, read from HWA as one bounded selection.
type Watch string

// The watched job lists, each the jobs a domain rule selects (Rule).
const (
	WatchAbended   Watch = "abended"   // workload.Job.Abended
	WatchFailed    Watch = "failed"    // workload.Job.Failed
	WatchAtRisk    Watch = "atRisk"    // workload.Job.AtRisk
	WatchLate      Watch = "late"      // workload.Job.IsLate
	WatchRunning   Watch = "running"   // workload.Job.Running
	WatchCritical  Watch = "critical"  // the critical flag
	WatchPrompt    Watch = "prompt"    // held waiting for a prompt's answer
	WatchHeld      Watch = "held"      // held by an operator (priority 0)
	WatchRunFailed Watch = "runFailed" // a run of the job (this or an earlier one) is in error
)

// Watches lists every watched job list.
var Watches = []Watch{WatchAbended, WatchFailed, WatchAtRisk, WatchLate, WatchRunning, WatchCritical, WatchPrompt, WatchHeld, WatchRunFailed}

// Rule returns the domain rule that selects the jobs of w at now, and false
// for an unknown list. It is the one definition of each list: readers
// select with it (or with a query proved equal to it) and views apply it
// to what they read.
func (w Watch) Rule(now time.Time) (func(workload.Job) bool, bool) {
	switch w {
	case WatchAbended:
		return workload.Job.Abended, true
	case WatchFailed:
		return workload.Job.Failed, true
	case WatchAtRisk:
		return func(j workload.Job) bool { return j.AtRisk(now) }, true
	case WatchLate:
		return func(j workload.Job) bool { return j.IsLate(now) }, true
	case WatchRunning:
		return workload.Job.Running, true
	case WatchCritical:
		return func(j workload.Job) bool { return j.Critical }, true
	case WatchPrompt:
		return func(j workload.Job) bool { return j.Sub == workload.SubHoldWaitingForPrompt }, true
	case WatchHeld:
		return func(j workload.Job) bool { return j.Sub == workload.SubHoldPriorityZero }, true
	case WatchRunFailed:
		return func(j workload.Job) bool {
			return slices.ContainsFunc(j.Runs, func(r workload.Run) bool { return slices.Contains(workload.ErrorStatuses, r.Internal) })
		}, true
	}
	return nil, false
}
