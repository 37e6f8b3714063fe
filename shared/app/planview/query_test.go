package planview

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/shared/domain/workload"
)

// inWindow is the documented window rule, written out for the ground
// truth: t in [after, before), zero bounds open, a zero t outside.
func inWindow(t, after, before time.Time) bool {
	return !t.IsZero() && (after.IsZero() || !t.Before(after)) && (before.IsZero() || t.Before(before))
}

// allPages reads every job matching q through Jobs.
func allPages(t *testing.T, svc *Service, q JobQuery) JobList {
	t.Helper()
	q.Limit, q.Offset = MaxLimit, 0
	l, err := svc.Jobs(context.Background(), q)
	if err != nil {
		t.Fatalf("Jobs(%+v): %v", q, err)
	}
	if int64(len(l.Items)) != l.Total {
		t.Fatalf("Jobs(%+v): %d items of %d; the plan should fit one page of %d", q, len(l.Items), l.Total, MaxLimit)
	}
	return l
}

func idSet(items []JobView) map[string]bool {
	out := map[string]bool{}
	for _, v := range items {
		out[v.ID] = true
	}
	return out
}

// diff names up to five ids in one set and not the other.
func diff(got, want map[string]bool) string {
	var extra, missing []string
	for id := range got {
		if !want[id] {
			extra = append(extra, id)
		}
	}
	for id := range want {
		if !got[id] {
			missing = append(missing, id)
		}
	}
	sort.Strings(extra)
	sort.Strings(missing)
	return "extra " + strings.Join(extra[:min(5, len(extra))], ",") + "; missing " + strings.Join(missing[:min(5, len(missing))], ",")
}

func TestJobsTimeWindowsAndFailed(t *testing.T) {
	svc, p := newSimService(t)
	// One real start time, to pin the bounds: after is inclusive, before exclusive.
	var edge time.Time
	for _, j := range p.jobs {
		if s := lastRun(j).Start; !s.IsZero() {
			edge = s
			break
		}
	}
	if edge.IsZero() {
		t.Fatal("no job of the simulated plan has started")
	}
	h := time.Hour
	for _, tc := range []struct {
		name     string
		q        JobQuery
		want     func(workload.Job) bool
		nonEmpty bool // the case tests nothing if no job matches
	}{
		{"started in the last 2h", JobQuery{StartedAfter: t0.Add(-2 * h)},
			func(j workload.Job) bool { return inWindow(lastRun(j).Start, t0.Add(-2*h), time.Time{}) }, true},
		{"started before 20:00", JobQuery{StartedBefore: t0.Add(-7 * h)},
			func(j workload.Job) bool { return inWindow(lastRun(j).Start, time.Time{}, t0.Add(-7*h)) }, true},
		{"started 20:00 to 23:00", JobQuery{StartedAfter: t0.Add(-7 * h), StartedBefore: t0.Add(-4 * h)},
			func(j workload.Job) bool { return inWindow(lastRun(j).Start, t0.Add(-7*h), t0.Add(-4*h)) }, true},
		{"ended in the last hour", JobQuery{EndedAfter: t0.Add(-h)},
			func(j workload.Job) bool { return inWindow(lastRun(j).End, t0.Add(-h), time.Time{}) }, true},
		{"ended before 22:00", JobQuery{EndedBefore: t0.Add(-5 * h)},
			func(j workload.Job) bool { return inWindow(lastRun(j).End, time.Time{}, t0.Add(-5*h)) }, true},
		{"scheduled later than now", JobQuery{ScheduledAfter: t0},
			func(j workload.Job) bool { return inWindow(j.SchedTime, t0, time.Time{}) }, true},
		{"scheduled 18:00 to 19:00", JobQuery{ScheduledAfter: t0.Add(-9 * h), ScheduledBefore: t0.Add(-8 * h)},
			func(j workload.Job) bool { return inWindow(j.SchedTime, t0.Add(-9*h), t0.Add(-8*h)) }, true},
		{"failed", JobQuery{Failed: true}, workload.Job.Failed, true},
		{"failed, ended in the last 10h", JobQuery{Failed: true, EndedAfter: t0.Add(-10 * h)},
			func(j workload.Job) bool { return j.Failed() && inWindow(lastRun(j).End, t0.Add(-10*h), time.Time{}) }, true},
		{"failed, ended in the future", JobQuery{Failed: true, EndedAfter: t0.Add(h)},
			func(workload.Job) bool { return false }, false},
		{"after bound inclusive", JobQuery{StartedAfter: edge, StartedBefore: edge.Add(time.Second)},
			func(j workload.Job) bool { return inWindow(lastRun(j).Start, edge, edge.Add(time.Second)) }, true},
		{"empty window [edge, edge)", JobQuery{StartedAfter: edge, StartedBefore: edge},
			func(workload.Job) bool { return false }, false},
		{"window and stream", JobQuery{StartedAfter: t0.Add(-10 * h), Stream: p.jobs[len(p.jobs)/2].StreamName},
			func(j workload.Job) bool {
				return j.StreamName == p.jobs[len(p.jobs)/2].StreamName && inWindow(lastRun(j).Start, t0.Add(-10*h), time.Time{})
			}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := p.ids(tc.want)
			if tc.nonEmpty && (len(want) == 0 || len(want) == len(p.jobs)) {
				t.Fatalf("ground truth has %d of %d jobs: the case tests nothing", len(want), len(p.jobs))
			}
			l := allPages(t, svc, tc.q)
			got := idSet(l.Items)
			if l.Total != int64(len(want)) || len(got) != len(want) {
				t.Errorf("total %d, %d distinct items; want %d (%s)", l.Total, len(got), len(want), diff(got, want))
			} else if d := diff(got, want); d != "extra ; missing " {
				t.Errorf("items differ from the ground truth: %s", d)
			}
			for i := 1; i < len(l.Items); i++ {
				if activity(l.Items[i]).After(activity(l.Items[i-1])) {
					t.Fatalf("item %d (%s) is more recent than item %d: not newest first", i, l.Items[i].Name, i-1)
				}
			}
		})
	}
}

func TestJobsInMemoryPaging(t *testing.T) {
	svc, p := newSimService(t)
	ctx := context.Background()
	q := JobQuery{ScheduledBefore: t0}
	full := allPages(t, svc, q).Items
	want := len(p.ids(func(j workload.Job) bool { return inWindow(j.SchedTime, time.Time{}, t0) }))
	if len(full) != want || want < 20 {
		t.Fatalf("full list has %d jobs, ground truth %d (want at least 20 to page)", len(full), want)
	}
	// Pages of an odd size, so the last one is partial; one more page past
	// the end is empty but still counts the total.
	const size = 37
	var paged []JobView
	for off := 0; off < len(full)+size; off += size {
		q.Limit, q.Offset = size, off
		l, err := svc.Jobs(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if l.Total != int64(want) || l.Limit != size || l.Offset != off {
			t.Fatalf("page at %d: total %d limit %d offset %d; want %d, %d, %d", off, l.Total, l.Limit, l.Offset, want, size, off)
		}
		if wantLen := min(size, max(0, want-off)); len(l.Items) != wantLen {
			t.Fatalf("page at %d has %d items, want %d", off, len(l.Items), wantLen)
		}
		paged = append(paged, l.Items...)
	}
	for i := range full {
		if paged[i].ID != full[i].ID {
			t.Fatalf("paged item %d is %s, the full list has %s", i, paged[i].ID, full[i].ID)
		}
	}
	// The default page size applies in memory too.
	l, err := svc.Jobs(ctx, JobQuery{ScheduledBefore: t0})
	if err != nil || l.Limit != DefaultLimit || len(l.Items) != min(DefaultLimit, want) {
		t.Errorf("default page: limit %d, %d items, %v; want %d, %d", l.Limit, len(l.Items), err, DefaultLimit, min(DefaultLimit, want))
	}
}

func TestJobsBadWindows(t *testing.T) {
	svc, _ := newSimService(t)
	ctx := context.Background()
	a, b := t0.Add(-time.Hour), t0.Add(-2*time.Hour) // b before a
	for name, q := range map[string]JobQuery{
		"started":     {StartedAfter: a, StartedBefore: b},
		"ended":       {EndedAfter: a, EndedBefore: b},
		"scheduled":   {ScheduledAfter: a, ScheduledBefore: b},
		"with failed": {Failed: true, EndedAfter: a, EndedBefore: b},
	} {
		if _, err := svc.Jobs(ctx, q); !errors.Is(err, ErrBadQuery) {
			t.Errorf("Jobs, %s window ending before it starts: err = %v, want ErrBadQuery", name, err)
		}
		if _, err := svc.Count(ctx, q, GroupStatus); !errors.Is(err, ErrBadQuery) {
			t.Errorf("Count, %s window ending before it starts: err = %v, want ErrBadQuery", name, err)
		}
	}
}

// TestJobsWithoutRunOutsideWindows: the fake plan's j2 and j3 never ran and
// have no scheduled time; only j1 (started t0-50m, ended t0-20m) can be in a
// window.
func TestJobsWithoutRunOutsideWindows(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := context.Background()
	day := 24 * time.Hour
	for _, tc := range []struct {
		name string
		q    JobQuery
		want string
	}{
		{"started since a day", JobQuery{StartedAfter: t0.Add(-day)}, "j1"},
		{"started before now", JobQuery{StartedBefore: t0}, "j1"},
		{"ended before a day on", JobQuery{EndedBefore: t0.Add(day)}, "j1"},
		{"ended since 30m", JobQuery{EndedAfter: t0.Add(-30 * time.Minute)}, "j1"},
		{"ended since 10m", JobQuery{EndedAfter: t0.Add(-10 * time.Minute)}, ""},
		{"scheduled ever", JobQuery{ScheduledAfter: t0.Add(-365 * day)}, ""},
		{"failed", JobQuery{Failed: true}, "j1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := svc.Jobs(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range l.Items {
				got = append(got, v.ID)
			}
			if strings.Join(got, ",") != tc.want || l.Total != int64(len(got)) {
				t.Errorf("got %v (total %d), want [%s]", got, l.Total, tc.want)
			}
		})
	}
}

func TestNamePattern(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"PAY_LOAD", "PAY_LOAD", true},
		{"pay_load", "PAY_LOAD", true},
		{"PAY_LOAD", "pay_load", true},
		{"PAY", "PAY_LOAD", false}, // no wildcard: equality
		{"PAY*", "PAY_LOAD", true},
		{"pay@", "PAY_LOAD", true},
		{"*LOAD", "PAY_LOAD", true},
		{"@load", "PAY_LOAD", true},
		{"*_*", "PAY_LOAD", true},
		{"P*D", "PAY_LOAD", true},
		{"P*X", "PAY_LOAD", false},
		{"*AY_L*", "PAY_LOAD", true},
		{"*A*A*", "PAY_LOAD", true},
		{"*A*A*A*", "PAY_LOAD", false},
		{"*", "", true},
		{"*", "ANY", true},
		{"**", "ANY", true},
		{"PAY_LOAD*", "PAY_LOAD", true},
		{"PAY_LOAD_*", "PAY_LOAD", false},
		{"", "PAY_LOAD", false},
		{"é*", "ÉTÉ", true},
	} {
		if got := namePattern(tc.pattern, tc.name); got != tc.want {
			t.Errorf("namePattern(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

// TestJobsNamePatternInMemory: a name pattern with a time window is matched
// in memory, and agrees with prefix/suffix/contains on the simulated plan.
func TestJobsNamePatternInMemory(t *testing.T) {
	svc, p := newSimService(t)
	ever := t0.Add(-48 * time.Hour) // a window every job is in, to take the in-memory path
	name := p.jobs[0].Name
	if len(name) < 6 {
		t.Fatalf("job name %q too short for the patterns", name)
	}
	pre, mid, suf := name[:4], name[2:5], name[len(name)-3:]
	for _, tc := range []struct {
		pattern string
		want    func(string) bool
	}{
		{strings.ToLower(pre) + "*", func(n string) bool { return strings.HasPrefix(n, pre) }},
		{"@" + suf, func(n string) bool { return strings.HasSuffix(n, suf) }},
		{"*" + strings.ToLower(mid) + "@", func(n string) bool { return strings.Contains(n, mid) }},
		{strings.ToLower(name), func(n string) bool { return n == name }},
	} {
		t.Run(tc.pattern, func(t *testing.T) {
			want := p.ids(func(j workload.Job) bool {
				return inWindow(j.SchedTime, ever, time.Time{}) && tc.want(strings.ToUpper(j.Name))
			})
			if len(want) == 0 {
				t.Fatal("no job matches the ground truth")
			}
			got := idSet(allPages(t, svc, JobQuery{Name: tc.pattern, ScheduledAfter: ever}).Items)
			if d := diff(got, want); d != "extra ; missing " {
				t.Errorf("%d jobs, want %d: %s", len(got), len(want), d)
			}
		})
	}
}

func TestCountGroups(t *testing.T) {
	svc, p := newSimService(t)
	ctx := context.Background()
	keys := map[string]func(workload.Job) string{
		GroupStatus:         func(j workload.Job) string { return string(j.Common) },
		GroupInternalStatus: func(j workload.Job) string { return string(j.Internal) },
		GroupWorkstation:    func(j workload.Job) string { return j.Workstation },
		GroupStream:         func(j workload.Job) string { return j.StreamName },
		GroupReturnCode: func(j workload.Job) string {
			if r, ok := j.LastRun(); ok {
				return strconv.Itoa(r.ReturnCode)
			}
			return "no run"
		},
		"": func(workload.Job) string { return "" },
	}
	for _, f := range []struct {
		name string
		q    JobQuery
		keep func(workload.Job) bool
	}{
		{"every job", JobQuery{}, func(workload.Job) bool { return true }},
		{"failed", JobQuery{Failed: true}, workload.Job.Failed},
		{"ended in the last 3h", JobQuery{EndedAfter: t0.Add(-3 * time.Hour)},
			func(j workload.Job) bool { return inWindow(lastRun(j).End, t0.Add(-3*time.Hour), time.Time{}) }},
	} {
		for groupBy, key := range keys {
			t.Run(f.name+"/"+groupBy, func(t *testing.T) {
				n, total := map[string]int{}, 0
				for _, j := range p.jobs {
					if f.keep(j) {
						n[key(j)]++
						total++
					}
				}
				var want []Group
				if groupBy != "" {
					for k, c := range n {
						want = append(want, Group{k, c})
					}
					sort.Slice(want, func(a, b int) bool {
						if want[a].Count != want[b].Count {
							return want[a].Count > want[b].Count
						}
						return want[a].Key < want[b].Key
					})
				}
				wantTies := 0
				for _, g := range want {
					if g.Count == want[0].Count {
						wantTies++
					}
				}
				c, err := svc.Count(ctx, f.q, groupBy)
				if err != nil {
					t.Fatal(err)
				}
				if c.Total != total || c.GroupBy != groupBy {
					t.Errorf("total %d groupBy %q, want %d %q", c.Total, c.GroupBy, total, groupBy)
				}
				if len(c.Groups) != len(want) {
					t.Fatalf("%d groups %v, want %d %v", len(c.Groups), c.Groups, len(want), want)
				}
				sum := 0
				for i, g := range c.Groups {
					sum += g.Count
					if g != want[i] {
						t.Errorf("group %d = %+v, want %+v", i, g, want[i])
					}
				}
				if groupBy != "" && sum != total {
					t.Errorf("groups add up to %d, total %d", sum, total)
				}
				if c.Ties != wantTies {
					t.Errorf("ties = %d, want %d", c.Ties, wantTies)
				}
			})
		}
	}
	if _, err := svc.Count(ctx, JobQuery{}, "colour"); !errors.Is(err, ErrBadQuery) {
		t.Errorf("groupBy colour: err = %v, want ErrBadQuery", err)
	}
	if _, err := svc.Count(ctx, JobQuery{}, "STATUS"); !errors.Is(err, ErrBadQuery) {
		t.Errorf("groupBy STATUS (the keys are exact): err = %v, want ErrBadQuery", err)
	}
}

// TestCountTies: the fake plan's three jobs are on two workstations (FTA2
// twice) and in three internal statuses, one each.
func TestCountTies(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := context.Background()
	for _, tc := range []struct {
		groupBy string
		first   Group
		ties    int
		groups  int
	}{
		{GroupWorkstation, Group{"FTA2", 2}, 1, 2},
		{GroupInternalStatus, Group{"ABEND", 1}, 3, 3},
		{GroupStream, Group{"PAYROLL", 2}, 1, 2},
		{GroupReturnCode, Group{"no run", 2}, 1, 2},
	} {
		c, err := svc.Count(ctx, JobQuery{}, tc.groupBy)
		if err != nil {
			t.Fatal(err)
		}
		if c.Total != 3 || len(c.Groups) != tc.groups || c.Groups[0] != tc.first || c.Ties != tc.ties {
			t.Errorf("Count by %s = total %d groups %v ties %d; want 3, %d groups led by %v, ties %d",
				tc.groupBy, c.Total, c.Groups, c.Ties, tc.groups, tc.first, tc.ties)
		}
	}
}
