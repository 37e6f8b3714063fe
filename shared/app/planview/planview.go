// Package planview gives the operator's views of the live plan — summary,
// job lists with filters, one job with its runs and why it waits, job log
// tails, job streams, workstations, critical jobs — read from HWA through
// the two-tier cache, with stale answers flagged when HWA cannot be reached.
//
// The status function serves these views over HTTP and the chat agent's
// tools call the same methods, so both answer alike.
package planview

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/resync/resync/shared/domain/cached"
	"github.com/resync/resync/shared/domain/planread"
	"github.com/resync/resync/shared/domain/workload"
)

// The plan-read vocabulary (shared/domain/planread), named here for the
// views' callers.
var (
	ErrNotFound    = planread.ErrNotFound
	ErrUnavailable = planread.ErrUnavailable
	ErrBadQuery    = planread.ErrBadQuery
)

type (
	// Error is a plan-read error with a detail safe to show a client.
	Error = planread.Error
	// JobQuery filters a job list. Zero fields do not filter.
	JobQuery = planread.JobQuery
	// Watch names a list of jobs the summary shows.
	Watch = planread.Watch
)

// Page size bounds and the summary's job lists.
const (
	DefaultLimit = planread.DefaultLimit
	MaxLimit     = planread.MaxLimit
	WatchAbended = planread.WatchAbended
	WatchFailed  = planread.WatchFailed
	WatchAtRisk  = planread.WatchAtRisk
	// The lists the attention and critical views read.
	WatchRunning  = planread.WatchRunning
	WatchCritical = planread.WatchCritical
	WatchPrompt   = planread.WatchPrompt
	WatchHeld     = planread.WatchHeld
)

func badQuery(format string, args ...any) error { return planread.BadQuery(format, args...) }

// inMemory reports whether q has filters HWA selects only as a superset or
// whose list is ordered by activity (the failed set, lateness, started,
// time windows): those lists are read in bounded pages (scan) and q's rule
// is applied to every job read.
func inMemory(q JobQuery) bool {
	return q.Failed || q.Late != nil || q.Started != nil || !q.StartedAfter.IsZero() || !q.StartedBefore.IsZero() || !q.EndedAfter.IsZero() ||
		!q.EndedBefore.IsZero() || !q.ScheduledAfter.IsZero() || !q.ScheduledBefore.IsZero()
}

// queryKey is the canonical cache key of the query.
func queryKey(q JobQuery) string {
	var b strings.Builder
	add := func(k, v string) {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(v))
		b.WriteByte(';')
	}
	add("s", string(q.Status))
	add("i", string(q.Internal))
	add("js", q.Stream)
	add("ws", q.Workstation)
	add("n", q.Name)
	if q.Critical != nil {
		add("c", strconv.FormatBool(*q.Critical))
	}
	if q.Failed {
		add("f", "1")
	}
	if q.Late != nil {
		add("late", strconv.FormatBool(*q.Late))
	}
	if q.Started != nil {
		add("started", strconv.FormatBool(*q.Started))
	}
	for _, w := range []struct {
		k string
		t time.Time
	}{{"sa", q.StartedAfter}, {"sb", q.StartedBefore}, {"ea", q.EndedAfter}, {"eb", q.EndedBefore}, {"ca", q.ScheduledAfter}, {"cb", q.ScheduledBefore}} {
		if !w.t.IsZero() {
			add(w.k, w.t.UTC().Format(time.RFC3339))
		}
	}
	add("l", strconv.Itoa(q.Limit))
	add("o", strconv.Itoa(q.Offset))
	return b.String()
}

// Source reads the plan from HWA. Its errors wrap ErrNotFound, ErrBadQuery
// or ErrUnavailable where they apply. HWA adapts *hwa.Client.
type Source interface {
	Counter
	// JobPage returns one page of jobs matching q, and the total count.
	JobPage(ctx context.Context, q JobQuery) ([]workload.Job, int64, error)
	// JobsNamed returns the first limit jobs by name whose name matches
	// any of the patterns (@ matches any run of characters, ignoring
	// case), and how many match.
	JobsNamed(ctx context.Context, patterns []string, limit int) ([]workload.Job, int64, error)
	// StreamsNamed is JobsNamed for job streams, matching ids too.
	StreamsNamed(ctx context.Context, patterns []string, limit int) ([]workload.JobStream, int64, error)
	// Job returns one job with its runs and dependencies.
	Job(ctx context.Context, id string) (workload.Job, error)
	// Streams returns every job stream of the plan.
	Streams(ctx context.Context) ([]workload.JobStream, error)
	// Workstations returns every workstation of the plan.
	Workstations(ctx context.Context) ([]workload.Workstation, error)
	// JobLog returns the last tail lines (at most maxBytes) of a run's log.
	JobLog(ctx context.Context, runID string, tail, maxBytes int) (text string, truncated bool, err error)
}

// Counter reads what the plan summary needs — HWA's counts and bounded
// pages, never the whole plan. Errors are as for Source.
type Counter interface {
	// CountJobs returns the number of jobs in the plan and, when by is
	// "status" (the common status) or "workstation", the count per group.
	CountJobs(ctx context.Context, by string) (int64, map[string]int64, error)
	// CountStreams returns the number of job streams in the plan.
	CountStreams(ctx context.Context) (int64, error)
	// CountWorkstations returns the number of workstations in the plan.
	CountWorkstations(ctx context.Context) (int64, error)
	// WatchJobs returns the first limit jobs of the list w at now, by name,
	// and how many jobs the list holds; a limit above one page is read in
	// pages.
	WatchJobs(ctx context.Context, w Watch, now time.Time, limit int) ([]workload.Job, int64, error)
	// WatchLateStreams is WatchJobs for the streams late at now.
	WatchLateStreams(ctx context.Context, now time.Time, limit int) ([]workload.JobStream, int64, error)
	// WatchUnlinked is WatchJobs for the workstations not linked.
	WatchUnlinked(ctx context.Context, limit int) ([]workload.Workstation, int64, error)
}

// Cache is the two-tier cache as planview uses it (*cache.Cache).
type Cache interface {
	Get(ctx context.Context, kind cached.Kind, key string, load func(context.Context) ([]byte, error)) (cached.Result, error)
	Invalidate(ctx context.Context, kind cached.Kind, key string) error
	InvalidatePrefix(ctx context.Context, prefix string) (int, error)
}

// Cache kinds used by planview, beyond the cache's own.
const (
	KindStreams      cached.Kind = "streams"
	KindWorkstations cached.Kind = "workstations"
)

// Limits on log tails.
const (
	DefaultLogLines = 100
	MaxLogLines     = 2000
	MaxLogBytes     = 256 << 10
)

// Service answers the views. It is safe for concurrent use.
type Service struct {
	src   Source
	cache Cache
	now   func() time.Time
	zone  *time.Location // the plan's time zone; nil is UTC
}

// New returns a Service reading src through c. now defaults to time.Now.
func New(src Source, c Cache, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{src: src, cache: c, now: now}
}

// cached loads kind/key through the cache, decoding into out, and returns
// the freshness of the value.
func (s *Service) cached(ctx context.Context, kind cached.Kind, key string, out any, load func(context.Context) (any, error)) (Meta, error) {
	res, err := s.cache.Get(ctx, kind, key, func(ctx context.Context) ([]byte, error) {
		v, err := load(ctx)
		if err != nil {
			return nil, err
		}
		return json.Marshal(v)
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrBadQuery) || errors.Is(err, ErrUnavailable) {
			return Meta{}, err
		}
		return Meta{}, &Error{Kind: ErrUnavailable, Detail: "reading the plan failed", Err: err}
	}
	if err := json.Unmarshal(res.Value, out); err != nil {
		return Meta{}, fmt.Errorf("planview: decode cached %s: %w", kind, err)
	}
	return Meta{AsOf: res.StoredAt.UTC(), Stale: res.Stale}, nil
}

// SummaryListLimit bounds each list of the summary (abended, failed,
// critical at risk, late streams, unlinked workstations) to its first
// entries by name; the list's Count field says how many there are.
const SummaryListLimit = 50

// Summary returns the plan summary, built from HWA's counts and one bounded
// page per list — about a dozen calls whatever the plan's size, never the
// full job list. Errors wrap ErrUnavailable when HWA cannot be read and
// nothing is cached.
func (s *Service) Summary(ctx context.Context) (Summary, error) {
	var out Summary
	meta, err := s.cached(ctx, cached.KindSummary, "plan", &out.Summary, func(ctx context.Context) (any, error) {
		sum, err := s.summarize(ctx, s.now())
		if err != nil {
			return nil, fmt.Errorf("planview: summary: %w", err)
		}
		return sum, nil
	})
	out.Stale = meta.Stale
	return out, err
}

// summarize reads the summary's counts and lists, four calls at a time.
func (s *Service) summarize(ctx context.Context, now time.Time) (workload.Summary, error) {
	sum := workload.Summary{AsOf: now, ByStatus: map[workload.CommonStatus]int{}, ByInternal: map[workload.InternalStatus]int{},
		ByWorkstation: map[string]int{}}
	var mu sync.Mutex // guards sum
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	g.Go(func() error {
		total, groups, err := s.src.CountJobs(ctx, "status")
		mu.Lock()
		defer mu.Unlock()
		sum.TotalJobs = int(total)
		for k, n := range groups {
			sum.ByStatus[workload.CommonStatus(k)] += int(n)
		}
		return err
	})
	g.Go(func() error {
		_, groups, err := s.src.CountJobs(ctx, "workstation")
		mu.Lock()
		defer mu.Unlock()
		for k, n := range groups {
			sum.ByWorkstation[k] += int(n)
		}
		return err
	})
	g.Go(func() error {
		n, err := s.src.CountStreams(ctx)
		mu.Lock()
		defer mu.Unlock()
		sum.TotalStreams = int(n)
		return err
	})
	g.Go(func() error {
		n, err := s.src.CountWorkstations(ctx)
		mu.Lock()
		defer mu.Unlock()
		sum.TotalWorkstations = int(n)
		return err
	})
	for _, st := range workload.ErrorStatuses {
		g.Go(func() error {
			_, n, err := s.src.JobPage(ctx, JobQuery{Internal: st, Limit: 1})
			mu.Lock()
			defer mu.Unlock()
			if n > 0 {
				sum.ByInternal[st] = int(n)
			}
			return err
		})
	}
	lists := []struct {
		w     Watch
		keep  func(workload.Job) bool
		refs  *[]workload.JobRef
		count *int
	}{
		{WatchAbended, workload.Job.Abended, &sum.Abended, &sum.AbendedCount},
		{WatchFailed, workload.Job.Failed, &sum.Failed, &sum.FailedCount},
		{WatchAtRisk, func(j workload.Job) bool { return j.AtRisk(now) }, &sum.CriticalAtRisk, &sum.CriticalAtRiskCount},
	}
	for _, l := range lists {
		g.Go(func() error {
			jobs, n, err := s.src.WatchJobs(ctx, l.w, now, SummaryListLimit)
			mu.Lock()
			defer mu.Unlock()
			*l.count = int(n)
			for _, j := range jobs {
				if l.keep(j) {
					*l.refs = append(*l.refs, j.Ref())
				} else {
					*l.count-- // HWA's selection and the domain rule disagree: trust the rule
				}
			}
			return err
		})
	}
	g.Go(func() error {
		streams, n, err := s.src.WatchLateStreams(ctx, now, SummaryListLimit)
		mu.Lock()
		defer mu.Unlock()
		sum.LateStreamsCount = int(n)
		for _, st := range streams {
			if st.IsLate(now) {
				sum.LateStreams = append(sum.LateStreams, st.Ref())
			} else {
				sum.LateStreamsCount--
			}
		}
		return err
	})
	g.Go(func() error {
		wss, n, err := s.src.WatchUnlinked(ctx, SummaryListLimit)
		mu.Lock()
		defer mu.Unlock()
		sum.UnlinkedCount = int(n)
		for _, w := range wss {
			if !w.Linked() {
				sum.Unlinked = append(sum.Unlinked, w.Ref())
			} else {
				sum.UnlinkedCount--
			}
		}
		return err
	})
	if err := g.Wait(); err != nil {
		return workload.Summary{}, err
	}
	for _, refs := range [][]workload.JobRef{sum.Abended, sum.Failed, sum.CriticalAtRisk} {
		sort.SliceStable(refs, func(a, b int) bool {
			if refs[a].Name != refs[b].Name {
				return refs[a].Name < refs[b].Name
			}
			return refs[a].ID < refs[b].ID
		})
	}
	sort.SliceStable(sum.LateStreams, func(a, b int) bool { return sum.LateStreams[a].Name < sum.LateStreams[b].Name })
	sort.SliceStable(sum.Unlinked, func(a, b int) bool { return sum.Unlinked[a].Name < sum.Unlinked[b].Name })
	return sum, nil
}

// Jobs returns one page of jobs matching q.
func (s *Service) Jobs(ctx context.Context, q JobQuery) (JobList, error) {
	if err := q.Validate(); err != nil {
		return JobList{}, err
	}
	if inMemory(q) {
		return s.filteredJobs(ctx, q)
	}
	var out JobList
	meta, err := s.cached(ctx, cached.KindList, "jobs:"+queryKey(q), &out, func(ctx context.Context) (any, error) {
		jobs, total, err := s.src.JobPage(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("planview: list jobs: %w", err)
		}
		now := s.now()
		l := JobList{Items: make([]JobView, 0, len(jobs)), Total: total, Limit: q.Limit, Offset: q.Offset}
		for _, j := range jobs {
			l.Items = append(l.Items, jobView(j, now))
		}
		return l, nil
	})
	out.Meta = meta
	return out, err
}

// Job returns one job with its runs, dependencies and why it waits.
func (s *Service) Job(ctx context.Context, id string) (JobDetail, error) {
	if err := checkID(id); err != nil {
		return JobDetail{}, err
	}
	var out JobDetail
	meta, err := s.cached(ctx, cached.KindJob, id, &out, func(ctx context.Context) (any, error) {
		j, err := s.src.Job(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("planview: get job %s: %w", id, err)
		}
		return detail(j, s.now()), nil
	})
	out.Meta = meta
	return out, err
}

func detail(j workload.Job, now time.Time) JobDetail {
	d := JobDetail{Job: jobView(j, now), Runs: make([]RunView, 0, len(j.Runs)), Dependencies: make([]DependencyView, 0, len(j.Dependencies))}
	for _, r := range j.Runs {
		d.Runs = append(d.Runs, runView(r))
	}
	for _, dep := range j.Dependencies {
		d.Dependencies = append(d.Dependencies, dependencyView(dep))
	}
	if r, ok := j.LastRun(); ok {
		d.Duration = durationCheck(r, j.EstimatedDuration, now)
	}
	d.Task = taskView(j)
	waiting, reason := j.Waiting()
	d.Waiting = Waiting{Waiting: waiting, Reason: reason}
	if waiting {
		for _, dep := range j.UnsatisfiedDependencies() {
			d.Waiting.Blockers = append(d.Waiting.Blockers, dependencyView(dep))
		}
	}
	return d
}

// Log returns the tail of the last run's log of a job.
func (s *Service) Log(ctx context.Context, jobID string, tail int) (Log, error) {
	if err := checkID(jobID); err != nil {
		return Log{}, err
	}
	switch {
	case tail == 0:
		tail = DefaultLogLines
	case tail < 0:
		return Log{}, badQuery("tail must be positive")
	case tail > MaxLogLines:
		tail = MaxLogLines
	}
	d, err := s.Job(ctx, jobID)
	if err != nil {
		return Log{}, err
	}
	if d.Job.LastRun == nil || d.Job.LastRun.Start.IsZero() {
		// HWA keeps a run record for a job that waits; it has no log until it starts.
		return Log{}, &Error{Kind: ErrNotFound, Detail: "job " + strconv.Quote(jobID) + " has not run yet, so it has no log"}
	}
	runID := d.Job.LastRun.ID
	var out Log
	meta, err := s.cached(ctx, cached.KindLog, runID+":"+strconv.Itoa(tail), &out, func(ctx context.Context) (any, error) {
		text, truncated, err := s.src.JobLog(ctx, runID, tail, MaxLogBytes)
		if err != nil {
			return nil, fmt.Errorf("planview: log of run %s: %w", runID, err)
		}
		return Log{JobID: jobID, RunID: runID, Lines: countLines(text), Truncated: truncated, Text: text}, nil
	})
	out.Meta = meta
	return out, err
}

func countLines(s string) int {
	if s == "" {
		return 0
	}
	n := strings.Count(s, "\n")
	if !strings.HasSuffix(s, "\n") {
		n++
	}
	return n
}

// Streams returns the job streams, late ones first, then by name.
func (s *Service) Streams(ctx context.Context) (StreamList, error) {
	var out StreamList
	meta, err := s.cached(ctx, KindStreams, "all", &out, func(ctx context.Context) (any, error) {
		streams, err := s.src.Streams(ctx)
		if err != nil {
			return nil, fmt.Errorf("planview: list job streams: %w", err)
		}
		now := s.now()
		l := StreamList{Items: make([]StreamView, 0, len(streams)), Total: len(streams)}
		for _, st := range streams {
			l.Items = append(l.Items, streamView(st, now))
		}
		sort.SliceStable(l.Items, func(a, b int) bool {
			if l.Items[a].Late != l.Items[b].Late {
				return l.Items[a].Late
			}
			return l.Items[a].Name < l.Items[b].Name
		})
		return l, nil
	})
	out.Meta = meta
	return out, err
}

// Workstations returns the workstations, unlinked ones first, then by name.
func (s *Service) Workstations(ctx context.Context) (WorkstationList, error) {
	var out WorkstationList
	meta, err := s.cached(ctx, KindWorkstations, "all", &out, func(ctx context.Context) (any, error) {
		wss, err := s.src.Workstations(ctx)
		if err != nil {
			return nil, fmt.Errorf("planview: list workstations: %w", err)
		}
		l := WorkstationList{Items: make([]WorkstationView, 0, len(wss)), Total: len(wss)}
		for _, w := range wss {
			l.Items = append(l.Items, workstationView(w))
		}
		sort.SliceStable(l.Items, func(a, b int) bool {
			if l.Items[a].Linked != l.Items[b].Linked {
				return !l.Items[a].Linked
			}
			return l.Items[a].Name < l.Items[b].Name
		})
		return l, nil
	})
	out.Meta = meta
	return out, err
}

// criticalCap bounds the critical jobs Critical reads (a plan has tens to
// hundreds); more are labelled Capped.
const criticalCap = ScanCap

// Critical returns the critical jobs, those at risk first: HWA's selection
// of the critical flag, at most criticalCap jobs.
func (s *Service) Critical(ctx context.Context) (CriticalList, error) {
	var out CriticalList
	meta, err := s.cached(ctx, cached.KindList, "critical", &out, func(ctx context.Context) (any, error) {
		now := s.now()
		jobs, n, err := s.src.WatchJobs(ctx, WatchCritical, now, criticalCap)
		if err != nil {
			return nil, fmt.Errorf("planview: critical jobs: %w", err)
		}
		l := CriticalList{Items: []CriticalJob{}}
		if n > int64(len(jobs)) {
			l.Capped = Capped{Capped: true, Selected: n}
		}
		for _, j := range jobs {
			if !j.Critical {
				continue
			}
			c := CriticalJob{JobView: jobView(j, now), AtRisk: j.AtRisk(now)}
			if c.AtRisk {
				l.AtRisk++
				c.Risk = riskReason(j, now)
			}
			l.Items = append(l.Items, c)
		}
		sort.SliceStable(l.Items, func(a, b int) bool {
			if l.Items[a].AtRisk != l.Items[b].AtRisk {
				return l.Items[a].AtRisk
			}
			return l.Items[a].Name < l.Items[b].Name
		})
		return l, nil
	})
	out.Meta = meta
	return out, err
}

func riskReason(j workload.Job, now time.Time) string {
	switch {
	case j.Failed():
		return "the job is in error (" + string(j.Internal) + ")"
	case j.IsLate(now):
		return "the job is late"
	default:
		return "its critical start time has passed and it has not started"
	}
}

// Invalidate drops what an action on a job changes: the job, its logs, every
// list, the summary and the critical list.
func (s *Service) Invalidate(ctx context.Context, jobID string) error {
	var errs []error
	if jobID != "" {
		errs = append(errs, s.cache.Invalidate(ctx, cached.KindJob, jobID))
	}
	for _, prefix := range []string{string(cached.KindList) + ":", string(cached.KindSummary) + ":", string(KindStreams) + ":", string(KindWorkstations) + ":", string(cached.KindLog) + ":"} {
		_, err := s.cache.InvalidatePrefix(ctx, prefix)
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("planview: invalidate after action on %s: %w", jobID, err)
	}
	return nil
}

// checkID refuses ids that cannot be HWA plan ids before any call is made.
func checkID(id string) error {
	if id == "" || len(id) > 256 {
		return badQuery("a job id must have 1 to 256 characters")
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f || r == '/' || r == '?' || r == '#' {
			return badQuery("the job id has a character not allowed in ids")
		}
	}
	return nil
}
