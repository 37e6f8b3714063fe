package planview

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/adapter/redis/cache"
	"github.com/resync/resync/shared/domain/workload"
)

var t0 = time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)

// fakeSource is a plan in memory; down makes every call fail as HWA would.
type fakeSource struct {
	mu    sync.Mutex
	jobs  []workload.Job
	calls atomic.Int64
	down  atomic.Bool
	logs  map[string]string
}

func (f *fakeSource) fail() error {
	f.calls.Add(1)
	if f.down.Load() {
		return fmt.Errorf("fake hwa: %w", ErrUnavailable)
	}
	return nil
}

func (f *fakeSource) JobPage(ctx context.Context, q JobQuery) ([]workload.Job, int64, error) {
	if err := f.fail(); err != nil {
		return nil, 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// The fake selects by the fields HWA is given exactly and leaves the
	// rest (failed, late, started, windows) to the Service, as a superset.
	var match []workload.Job
	for _, j := range f.jobs {
		switch {
		case q.Status != "" && j.Common != q.Status,
			q.Internal != "" && j.Internal != q.Internal,
			q.Stream != "" && !strings.EqualFold(j.StreamName, q.Stream),
			q.Workstation != "" && !strings.EqualFold(j.Workstation, q.Workstation),
			q.Critical != nil && j.Critical != *q.Critical,
			q.Name != "" && !NameMatches(q.Name, j.Name):
			continue
		}
		match = append(match, j)
	}
	total := int64(len(match))
	if q.Offset >= len(match) {
		return nil, total, nil
	}
	match = match[q.Offset:]
	if len(match) > q.Limit {
		match = match[:q.Limit]
	}
	return match, total, nil
}

func (f *fakeSource) JobsNamed(ctx context.Context, patterns []string, limit int) ([]workload.Job, int64, error) {
	if err := f.fail(); err != nil {
		return nil, 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	jobs, n := firstByName(f.jobs, func(j workload.Job) bool {
		return slices.ContainsFunc(patterns, func(p string) bool { return NameMatches(p, j.Name) })
	}, func(j workload.Job) string { return j.Name }, limit)
	return jobs, n, nil
}

func (f *fakeSource) StreamsNamed(ctx context.Context, patterns []string, limit int) ([]workload.JobStream, int64, error) {
	st, err := f.Streams(ctx)
	if err != nil {
		return nil, 0, err
	}
	out, n := firstByName(st, func(s workload.JobStream) bool {
		return slices.ContainsFunc(patterns, func(p string) bool { return NameMatches(p, s.Name) || p == s.ID })
	}, func(s workload.JobStream) string { return s.Name }, limit)
	return out, n, nil
}

func (f *fakeSource) Job(ctx context.Context, id string) (workload.Job, error) {
	if err := f.fail(); err != nil {
		return workload.Job{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, j := range f.jobs {
		if j.ID == id {
			return j, nil
		}
	}
	return workload.Job{}, fmt.Errorf("fake hwa: job %s: %w", id, ErrNotFound)
}

func (f *fakeSource) Streams(ctx context.Context) ([]workload.JobStream, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return []workload.JobStream{
		{ID: "s2", Name: "ZETA"},
		{ID: "s1", Name: "PAYROLL", Late: true},
		{ID: "s3", Name: "ALPHA", Deadline: t0.Add(-time.Hour), Internal: workload.StreamExec},
	}, nil
}

func (f *fakeSource) Workstations(ctx context.Context) ([]workload.Workstation, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return []workload.Workstation{
		{ID: "w1", Name: "MDM", Type: workload.WSManager, States: []workload.WorkstationState{workload.StateMaster, workload.StateRunning}},
		{ID: "w2", Name: "FTA2", Type: workload.WSFTA},
	}, nil
}

func (f *fakeSource) JobLog(ctx context.Context, runID string, tail, maxBytes int) (string, bool, error) {
	if err := f.fail(); err != nil {
		return "", false, err
	}
	text, ok := f.logs[runID]
	if !ok {
		return "", false, fmt.Errorf("fake hwa: log %s: %w", runID, ErrNotFound)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(text, "\n"), "\n")
	lines[len(lines)-1] += "\n"
	truncated := false
	if len(lines) > tail {
		lines = lines[len(lines)-tail:]
		truncated = true
	}
	return strings.Join(lines, ""), truncated, nil
}

// The fake's Counter applies the domain rules to its plan in memory.

func (f *fakeSource) CountJobs(ctx context.Context, by string) (int64, map[string]int64, error) {
	if err := f.fail(); err != nil {
		return 0, nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	groups := map[string]int64{}
	for _, j := range f.jobs {
		switch by {
		case "status":
			groups[string(j.Common)]++
		case "workstation":
			groups[j.Workstation]++
		}
	}
	return int64(len(f.jobs)), groups, nil
}

func (f *fakeSource) CountStreams(ctx context.Context) (int64, error) {
	st, err := f.Streams(ctx)
	return int64(len(st)), err
}

func (f *fakeSource) CountWorkstations(ctx context.Context) (int64, error) {
	ws, err := f.Workstations(ctx)
	return int64(len(ws)), err
}

func firstByName[T any](items []T, keep func(T) bool, name func(T) string, limit int) ([]T, int64) {
	var out []T
	for _, x := range items {
		if keep(x) {
			out = append(out, x)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return name(out[a]) < name(out[b]) })
	n := int64(len(out))
	return out[:min(len(out), limit)], n
}

func (f *fakeSource) WatchJobs(ctx context.Context, w Watch, now time.Time, limit int) ([]workload.Job, int64, error) {
	keep, ok := w.Rule(now)
	if !ok {
		return nil, 0, badQuery("unknown job list %q", w)
	}
	if err := f.fail(); err != nil {
		return nil, 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	jobs, n := firstByName(f.jobs, keep, func(j workload.Job) string { return j.Name }, limit)
	return jobs, n, nil
}

func (f *fakeSource) WatchLateStreams(ctx context.Context, now time.Time, limit int) ([]workload.JobStream, int64, error) {
	st, err := f.Streams(ctx)
	if err != nil {
		return nil, 0, err
	}
	out, n := firstByName(st, func(s workload.JobStream) bool { return s.IsLate(now) }, func(s workload.JobStream) string { return s.Name }, limit)
	return out, n, nil
}

func (f *fakeSource) WatchUnlinked(ctx context.Context, limit int) ([]workload.Workstation, int64, error) {
	ws, err := f.Workstations(ctx)
	if err != nil {
		return nil, 0, err
	}
	out, n := firstByName(ws, func(w workload.Workstation) bool { return !w.Linked() }, func(w workload.Workstation) string { return w.Name }, limit)
	return out, n, nil
}

type clock struct{ now atomic.Pointer[time.Time] }

func (c *clock) Now() time.Time { return *c.now.Load() }
func (c *clock) add(d time.Duration) {
	n := c.Now().Add(d)
	c.now.Store(&n)
}

func newService(t *testing.T) (*Service, *fakeSource, *clock) {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	clk := &clock{}
	clk.now.Store(&t0)
	c, err := cache.New(rdb, cache.Config{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	src := &fakeSource{
		jobs: []workload.Job{
			{ID: "j1", Name: "PAY_LOAD", StreamName: "PAYROLL", Workstation: "FTA2", Common: workload.CommonError, Internal: workload.InternalAbend, Critical: true,
				EstimatedDuration: 10 * time.Minute,
				Runs:              []workload.Run{{ID: "r1", ReturnCode: 12, Start: t0.Add(-50 * time.Minute), End: t0.Add(-20 * time.Minute), Elapsed: 30 * time.Minute, LastInRerunChain: true, Common: workload.CommonError, Internal: workload.InternalAbend}}},
			{ID: "j2", Name: "PAY_REPORT", StreamName: "PAYROLL", Workstation: "FTA2", Common: workload.CommonWaiting, Internal: workload.InternalHold, Sub: workload.SubHoldWaitingForPredecessor,
				Dependencies: []workload.Dependency{{Type: workload.DepInternal, JobID: "j1", JobName: "PAY_LOAD", Status: workload.DepUnsatisfied, PredecessorStatus: workload.InternalAbend, Critical: true}}},
			{ID: "j3", Name: "ETL", Workstation: "MDM", Common: workload.CommonRunning, Internal: workload.InternalExec},
		},
		logs: map[string]string{"r1": "line1\nline2\nline3\nEXIT STATUS 12\n"},
	}
	return New(src, c, clk.Now), src, clk
}

func TestSummaryCachedAndStale(t *testing.T) {
	ctx := context.Background()
	svc, src, clk := newService(t)
	s, err := svc.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.TotalJobs != 3 || len(s.Abended) != 1 || s.Abended[0].Name != "PAY_LOAD" || s.Stale {
		t.Fatalf("summary = %+v", s)
	}
	if len(s.LateStreams) != 2 || len(s.Unlinked) != 1 || s.Unlinked[0].Name != "FTA2" || len(s.CriticalAtRisk) != 1 {
		t.Errorf("late=%v unlinked=%v atRisk=%v", s.LateStreams, s.Unlinked, s.CriticalAtRisk)
	}
	if s.TotalStreams != 3 || s.TotalWorkstations != 2 || s.AbendedCount != 1 || s.FailedCount != 1 || s.LateStreamsCount != 2 ||
		s.UnlinkedCount != 1 || s.CriticalAtRiskCount != 1 {
		t.Errorf("totals and counts = %+v", s.Summary)
	}
	if s.ByStatus[workload.CommonError] != 1 || s.ByWorkstation["FTA2"] != 2 || s.ByInternal[workload.InternalAbend] != 1 || len(s.ByInternal) != 1 {
		t.Errorf("byStatus=%v byWorkstation=%v byInternal=%v", s.ByStatus, s.ByWorkstation, s.ByInternal)
	}
	calls := src.calls.Load()
	if _, err := svc.Summary(ctx); err != nil {
		t.Fatal(err)
	}
	if got := src.calls.Load(); got != calls {
		t.Errorf("second summary made %d HWA calls, want 0 (cached)", got-calls)
	}

	// HWA goes down after the TTL: the last good summary comes back, flagged stale.
	src.down.Store(true)
	clk.add(time.Minute)
	s, err = svc.Summary(ctx)
	if err != nil {
		t.Fatalf("stale summary: %v", err)
	}
	if !s.Stale || s.TotalJobs != 3 {
		t.Errorf("stale=%v total=%d, want a stale copy of the last summary", s.Stale, s.TotalJobs)
	}
}

func TestUnavailableWhenNothingCached(t *testing.T) {
	svc, src, _ := newService(t)
	src.down.Store(true)
	_, err := svc.Workstations(context.Background())
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}

func TestJobsFilterAndPaging(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := context.Background()
	l, err := svc.Jobs(ctx, JobQuery{Internal: workload.InternalAbend})
	if err != nil {
		t.Fatal(err)
	}
	if l.Total != 1 || len(l.Items) != 1 || l.Items[0].ID != "j1" || l.Items[0].LastRun == nil || l.Items[0].LastRun.ReturnCode != 12 {
		t.Fatalf("list = %+v", l)
	}
	if l.Limit != DefaultLimit {
		t.Errorf("limit = %d, want %d", l.Limit, DefaultLimit)
	}
	l, err = svc.Jobs(ctx, JobQuery{Limit: 2, Offset: 2})
	if err != nil || l.Total != 3 || len(l.Items) != 1 || l.Items[0].ID != "j3" {
		t.Fatalf("page 2 = %+v, %v", l, err)
	}
	for _, q := range []JobQuery{{Status: "NOPE"}, {Internal: "SCHED"}, {Limit: -1}, {Name: strings.Repeat("x", 200)}} {
		if _, err := svc.Jobs(ctx, q); !errors.Is(err, ErrBadQuery) {
			t.Errorf("Jobs(%+v) err = %v, want ErrBadQuery", q, err)
		}
	}
	if l, _ := svc.Jobs(ctx, JobQuery{Limit: 10_000}); l.Limit != MaxLimit {
		t.Errorf("limit capped to %d, want %d", l.Limit, MaxLimit)
	}
}

func TestJobDetail(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := context.Background()
	d, err := svc.Job(ctx, "j1")
	if err != nil {
		t.Fatal(err)
	}
	if d.Duration == nil || d.Duration.Ratio != 3 || d.Duration.Verdict != "much longer than estimate" {
		t.Errorf("duration = %+v", d.Duration)
	}
	if d.Waiting.Waiting {
		t.Errorf("an abended job reported waiting: %+v", d.Waiting)
	}
	d, err = svc.Job(ctx, "j2")
	if err != nil {
		t.Fatal(err)
	}
	if !d.Waiting.Waiting || d.Waiting.Reason != "waiting for a predecessor to complete" || len(d.Waiting.Blockers) != 1 || d.Waiting.Blockers[0].JobName != "PAY_LOAD" {
		t.Errorf("waiting = %+v", d.Waiting)
	}
	if _, err := svc.Job(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown job err = %v, want ErrNotFound", err)
	}
	if _, err := svc.Job(ctx, "a/b"); !errors.Is(err, ErrBadQuery) {
		t.Errorf("bad id err = %v, want ErrBadQuery", err)
	}
}

func TestLog(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := context.Background()
	l, err := svc.Log(ctx, "j1", 2)
	if err != nil {
		t.Fatal(err)
	}
	if l.Text != "line3\nEXIT STATUS 12\n" || !l.Truncated || l.Lines != 2 || l.RunID != "r1" {
		t.Errorf("log = %+v", l)
	}
	if _, err := svc.Log(ctx, "j2", 10); !errors.Is(err, ErrNotFound) {
		t.Errorf("log of a job that never ran: err = %v, want ErrNotFound", err)
	}
	if _, err := svc.Log(ctx, "j1", -1); !errors.Is(err, ErrBadQuery) {
		t.Errorf("negative tail: err = %v", err)
	}
}

func TestOrderingOfListsAndCritical(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := context.Background()
	st, err := svc.Streams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range st.Items {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "ALPHA,PAYROLL,ZETA" {
		t.Errorf("streams order = %s, want late first then by name", got)
	}
	ws, err := svc.Workstations(ctx)
	if err != nil || ws.Items[0].Name != "FTA2" || ws.Items[0].Linked {
		t.Errorf("workstations = %+v, %v (unlinked first)", ws.Items, err)
	}
	cr, err := svc.Critical(ctx)
	if err != nil || len(cr.Items) != 1 || !cr.Items[0].AtRisk || cr.AtRisk != 1 || cr.Items[0].Risk == "" {
		t.Errorf("critical = %+v, %v", cr, err)
	}
}

func TestInvalidateRefreshes(t *testing.T) {
	svc, src, _ := newService(t)
	ctx := context.Background()
	if _, err := svc.Job(ctx, "j3"); err != nil {
		t.Fatal(err)
	}
	src.mu.Lock()
	src.jobs[2].Internal = workload.InternalSucc
	src.jobs[2].Common = workload.CommonSuccessful
	src.mu.Unlock()
	if d, _ := svc.Job(ctx, "j3"); d.Job.InternalStatus != workload.InternalExec {
		t.Fatalf("expected the cached EXEC before invalidation, got %s", d.Job.InternalStatus)
	}
	if err := svc.Invalidate(ctx, "j3"); err != nil {
		t.Fatal(err)
	}
	if d, _ := svc.Job(ctx, "j3"); d.Job.InternalStatus != workload.InternalSucc {
		t.Errorf("after invalidation got %s, want SUCC", d.Job.InternalStatus)
	}
}
