package planview

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/adapter/redis/cache"
	"github.com/resync/resync/shared/domain/planread"
	"github.com/resync/resync/shared/domain/workload"
)

// The request paths read bounded selections of the plan, never the whole
// job list: these tests prove the selections equal (or, where the comment
// of hwa's jobFilter says so, contain) what the domain rules select, and
// that the views stay within a call and byte budget on a large plan.

// simService returns a Service with a cache over src, its clock the
// simulator's.
func simService(t testing.TB, src hwa.PlanSource, sim *hwasim.Server) *Service {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	c, err := cache.New(rdb, cache.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return New(src, c, sim.Now)
}

func jobIDs(jobs []workload.Job) map[string]bool {
	out := map[string]bool{}
	for _, j := range jobs {
		out[j.ID] = true
	}
	return out
}

func keepIDs(jobs []workload.Job, keep func(workload.Job) bool) map[string]bool {
	out := map[string]bool{}
	for _, j := range jobs {
		if keep(j) {
			out[j.ID] = true
		}
	}
	return out
}

// TestWatchesMatchTheDomain: every watched list HWA selects is exactly the
// jobs its rule (planread.Watch.Rule) selects, at several moments of a
// simulated night, and each list is non-empty at some moment.
func TestWatchesMatchTheDomain(t *testing.T) {
	src, sim, _ := simSource(t, 3000)
	ctx := context.Background()
	seen := map[Watch]bool{}
	for _, step := range []time.Duration{0, 40 * time.Minute, 3 * time.Hour, 9 * time.Hour} {
		sim.Advance(step)
		now := sim.Now()
		all, err := src.AllJobs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range planread.Watches {
			keep, _ := w.Rule(now)
			want := keepIDs(all, keep)
			got, n, err := src.WatchJobs(ctx, w, now, ScanCap)
			if err != nil {
				t.Fatalf("%s: %v", w, err)
			}
			if n != int64(len(want)) || len(got) != len(want) {
				t.Errorf("at %s %s: HWA counts %d and returned %d, the rule selects %d (%s)", now.Format(time.RFC3339), w, n, len(got), len(want), diff(jobIDs(got), want))
			} else if d := diff(jobIDs(got), want); d != "extra ; missing " {
				t.Errorf("at %s %s: %s", now.Format(time.RFC3339), w, d)
			}
			seen[w] = seen[w] || len(want) > 0
		}
	}
	for _, w := range planread.Watches {
		if !seen[w] {
			t.Errorf("the list %s is empty at every moment: the check is void", w)
		}
	}
	if _, _, err := src.WatchJobs(ctx, "nope", t0, 1); err == nil {
		t.Error("an unknown list was accepted")
	}
}

// TestJobFilterSelectsTheRule: the OQL a job query becomes selects exactly
// the jobs its rule does where hwa's jobFilter says it is exact, and a
// superset where it says so; and the list Jobs answers is the rule's, in
// the cases where the translation could drift from it — late, started,
// each internal status of "failed", windows on the last run of jobs rerun.
func TestJobFilterSelectsTheRule(t *testing.T) {
	src, sim, _ := simSource(t, 3000)
	ctx := context.Background()
	yes, no := true, false
	h := time.Hour
	for _, step := range []time.Duration{40 * time.Minute, 3 * time.Hour} {
		sim.Advance(step)
		now := sim.Now()
		svc := simService(t, src, sim)
		all, err := src.AllJobs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rerun := 0
		for _, j := range all {
			if len(j.Runs) > 1 {
				rerun++
			}
		}
		if rerun == 0 {
			t.Fatalf("at %s no job has been rerun: the last-run windows test nothing", now.Format(time.RFC3339))
		}
		for _, tc := range []struct {
			name  string
			q     JobQuery
			exact bool // HWA's selection is the rule's, not a superset
		}{
			{"late", JobQuery{Late: &yes}, true},
			{"not late", JobQuery{Late: &no}, false},
			{"started", JobQuery{Started: &yes}, true},
			{"not started", JobQuery{Started: &no}, false},
			{"failed", JobQuery{Failed: true}, true},
			{"FAIL", JobQuery{Internal: workload.InternalFail}, true},
			{"common ERROR", JobQuery{Status: workload.CommonError}, true},
			{"critical and late", JobQuery{Critical: &yes, Late: &yes}, true},
			{"scheduled in the last 6h", JobQuery{ScheduledAfter: now.Add(-6 * h), ScheduledBefore: now}, true},
			{"last run started in the last 2h", JobQuery{StartedAfter: now.Add(-2 * h)}, false},
			{"last run started 6h to 1h ago", JobQuery{StartedAfter: now.Add(-6 * h), StartedBefore: now.Add(-h)}, false},
			{"last run ended before 1h ago", JobQuery{EndedBefore: now.Add(-h)}, false},
			{"failed, ended in the last 8h", JobQuery{Failed: true, EndedAfter: now.Add(-8 * h)}, false},
		} {
			t.Run(now.Format("15:04")+"/"+tc.name, func(t *testing.T) {
				rule := tc.q
				rule.Limit = MaxLimit
				if err := rule.Validate(); err != nil {
					t.Fatal(err)
				}
				want := map[string]bool{}
				for _, j := range all {
					if matches(rule, jobView(j, now)) {
						want[j.ID] = true
					}
				}
				if len(want) == 0 || len(want) == len(all) {
					t.Fatalf("the rule selects %d of %d jobs: the case tests nothing", len(want), len(all))
				}
				// HWA's selection, read whole.
				sel := tc.q
				sel.Now = now
				var got []workload.Job
				for off := 0; ; off += MaxLimit {
					sel.Limit, sel.Offset = MaxLimit, off
					page, _, err := src.JobPage(ctx, sel)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, page...)
					if len(page) < MaxLimit {
						break
					}
				}
				gotIDs := jobIDs(got)
				for id := range want {
					if !gotIDs[id] {
						t.Fatalf("HWA's selection misses %s, which the rule selects: not a superset (%s)", id, diff(gotIDs, want))
					}
				}
				if tc.exact && len(gotIDs) != len(want) {
					t.Errorf("HWA selects %d jobs, the rule %d: the translation is not exact (%s)", len(gotIDs), len(want), diff(gotIDs, want))
				}
				// What Jobs answers is the rule's.
				var items []JobView
				var total int64
				for off := 0; ; off += MaxLimit {
					q := tc.q
					q.Limit, q.Offset = MaxLimit, off
					l, err := svc.Jobs(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					items, total = append(items, l.Items...), l.Total
					if l.Capped.Capped {
						t.Errorf("capped on a %d-job plan: %+v", len(all), l.Capped)
					}
					if len(l.Items) < MaxLimit {
						break
					}
				}
				if d := diff(idSet(items), want); total != int64(len(want)) || d != "extra ; missing " {
					t.Errorf("Jobs: total %d, want %d; %s", total, len(want), d)
				}
			})
		}
	}
}

// TestSuggestionPatternsCoverNearNames: every name within workload.MaxEdits
// of a typed name, or containing it, matches one of the patterns Resolve
// sends — the pigeonhole argument of suggestionPatterns, checked on the
// simulated plan's names under random edits of every kind, at the ends too.
func TestSuggestionPatternsCoverNearNames(t *testing.T) {
	_, p := newSimService(t)
	rng := rand.New(rand.NewPCG(1, 2))
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789"
	edit := func(s []rune) []rune {
		i := rng.IntN(len(s) + 1)
		c := rune(letters[rng.IntN(len(letters))])
		switch rng.IntN(4) {
		case 0: // insert, at either end too
			return append(s[:i:i], append([]rune{c}, s[i:]...)...)
		case 1: // delete
			if i == len(s) {
				i--
			}
			return append(s[:i:i], s[i+1:]...)
		case 2: // substitute
			if i == len(s) {
				i--
			}
			out := append([]rune(nil), s...)
			out[i] = c
			return out
		}
		if i >= len(s)-1 { // transpose
			i = len(s) - 2
		}
		out := append([]rune(nil), s...)
		out[i], out[i+1] = out[i+1], out[i]
		return out
	}
	checked := 0
	for _, j := range p.jobs {
		name := strings.ToUpper(j.Name)
		if len(name) < 3 {
			continue
		}
		for range 20 {
			typed := []rune(name)
			for range 1 + rng.IntN(2) {
				typed = edit(typed)
			}
			want := string(typed)
			near := workload.Distance(want, name) <= workload.MaxEdits(want) || len(want) >= 4 && strings.Contains(name, want)
			if !near || len(want) == 0 {
				continue
			}
			checked++
			found := false
			for _, p := range suggestionPatterns(want) {
				if NameMatches(p, name) {
					found = true
					break
				}
			}
			if !found {
				t.Fatalf("%q is near %q (%d edits) but no pattern of %q selects it: %q", name, want, workload.Distance(want, name), want, suggestionPatterns(want))
			}
		}
	}
	if checked < 500 {
		t.Errorf("only %d near names checked", checked)
	}
}

// TestRequestPathsReadBoundedData: on a 20,000-job plan each view a
// request can ask for — filtered lists and counts, the attention and
// critical lists, name resolution — reads a small part of what the full
// job list costs, in a bounded number of calls, and a selection beyond
// ScanCap is answered capped and labelled, not read on.
func TestRequestPathsReadBoundedData(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a 20,000-job plan")
	}
	const n = 20000
	src, sim, m := simSource(t, n)
	ctx := context.Background()
	sim.Advance(3 * time.Hour)
	now := sim.Now()
	all, err := src.AllJobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fullBytes := m.Bytes.Load()
	t.Logf("the full job list: %d jobs, %d calls, %d bytes", len(all), m.Calls.Load(), fullBytes)
	name := all[len(all)/2].Name
	typo := name[:len(name)/2] + name[len(name)/2+1:]
	yes, no := true, false
	for _, tc := range []struct {
		name   string
		view   func(*Service) (Capped, error)
		capped bool
		share  int64 // at most 1/share of the full list's bytes; 0: 10
	}{
		{"failed jobs", func(s *Service) (Capped, error) { l, err := s.Jobs(ctx, JobQuery{Failed: true}); return l.Capped, err }, false, 0},
		{"late critical jobs", func(s *Service) (Capped, error) {
			l, err := s.Jobs(ctx, JobQuery{Late: &yes, Critical: &yes})
			return l.Capped, err
		}, false, 0},
		{"started in the last hour", func(s *Service) (Capped, error) {
			l, err := s.Jobs(ctx, JobQuery{StartedAfter: now.Add(-time.Hour)})
			return l.Capped, err
		}, false, 0},
		{"count by status", func(s *Service) (Capped, error) {
			c, err := s.Count(ctx, JobQuery{}, GroupStatus)
			return c.Capped, err
		}, false, 0},
		{"count failed by stream", func(s *Service) (Capped, error) {
			c, err := s.Count(ctx, JobQuery{Failed: true}, GroupStream)
			return c.Capped, err
		}, false, 0},
		{"count not started by workstation", func(s *Service) (Capped, error) {
			c, err := s.Count(ctx, JobQuery{Started: &no}, GroupWorkstation)
			return c.Capped, err
		}, true, 0},
		{"attention", func(s *Service) (Capped, error) { a, err := s.Attention(ctx, 0); return a.Capped, err }, false, 0},
		{"critical", func(s *Service) (Capped, error) { c, err := s.Critical(ctx); return c.Capped, err }, false, 0},
		{"resolve a name", func(s *Service) (Capped, error) { r, err := s.Resolve(ctx, name, 0); return r.Capped, err }, false, 0},
		// The suggestion patterns of a short name select a tenth of
		// this plan; a larger plan is answered capped (TestResolveCapped).
		{"resolve a misspelling", func(s *Service) (Capped, error) { r, err := s.Resolve(ctx, typo, 0); return r.Capped, err }, false, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := simService(t, src, sim) // a cold cache
			c0, b0 := m.Calls.Load(), m.Bytes.Load()
			capped, err := tc.view(svc)
			if err != nil {
				t.Fatal(err)
			}
			calls, bytes := m.Calls.Load()-c0, m.Bytes.Load()-b0
			t.Logf("%d calls, %d bytes (%.1f%% of the full list)", calls, bytes, 100*float64(bytes)/float64(fullBytes))
			if capped.Capped != tc.capped {
				t.Errorf("capped = %+v, want %v", capped, tc.capped)
			}
			if tc.capped {
				if capped.Selected <= ScanCap {
					t.Errorf("capped with %d selected, want more than %d", capped.Selected, ScanCap)
				}
				if calls > ScanCap/MaxLimit+1 || bytes > fullBytes*3/4 {
					t.Errorf("a capped answer made %d calls and read %d bytes: it read on past the cap", calls, bytes)
				}
				return
			}
			share := tc.share
			if share == 0 {
				share = 10
			}
			if calls > 30 || bytes > fullBytes/share {
				t.Errorf("%d calls and %d bytes, want at most 30 calls and 1/%d of the full list (%d)", calls, bytes, share, fullBytes/share)
			}
		})
	}
}

// TestResolveCapped: when the suggestion patterns of a name select more
// jobs than suggestCap, Resolve answers from the first suggestCap and says
// so (Capped, with how many HWA selected) instead of reading on.
func TestResolveCapped(t *testing.T) {
	svc, src, _ := newService(t)
	src.mu.Lock()
	for i := range suggestCap + 100 {
		src.jobs = append(src.jobs, workload.Job{ID: "x" + strconv.Itoa(i), Name: "PAY_LOAD_" + strconv.Itoa(i), Workstation: "FTA2"})
	}
	src.mu.Unlock()
	r, err := svc.Resolve(context.Background(), "PAY_LAOD", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Capped.Capped || r.Selected < suggestCap+100 {
		t.Errorf("capped = %+v, want capped with at least %d selected", r.Capped, suggestCap+100)
	}
	if len(r.Suggestions) == 0 || r.Suggestions[0].Name != "PAY_LOAD" {
		t.Errorf("suggestions = %+v, want PAY_LOAD first", r.Suggestions)
	}
	r, err = svc.Resolve(context.Background(), "ETL", 0)
	if err != nil || r.Capped.Capped || r.Total != 1 {
		t.Errorf("an exact name: %+v, %v; want one match, not capped", r, err)
	}
}

// TestAttentionCapped: a watched list holding more than attentionCap jobs
// is read up to the cap and the answer says so.
func TestAttentionCapped(t *testing.T) {
	svc, src, _ := newService(t)
	src.mu.Lock()
	for i := range attentionCap + 10 {
		src.jobs = append(src.jobs, workload.Job{ID: "f" + strconv.Itoa(i), Name: "FAILED_" + strconv.Itoa(i), Workstation: "FTA2",
			Common: workload.CommonError, Internal: workload.InternalAbend})
	}
	src.mu.Unlock()
	a, err := svc.Attention(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Capped.Capped || a.Selected != attentionCap+11 { // and the fixture's PAY_LOAD
		t.Errorf("capped = %+v, want capped with %d selected", a.Capped, attentionCap+11)
	}
	// The first attentionCap failed jobs by name (FAILED_…), and PAY_LOAD,
	// critical, read with the critical list.
	if a.ByKind[AttentionAbended] != attentionCap || a.ByKind[AttentionCriticalFailed] != 1 {
		t.Errorf("byKind = %v, want %d failed read and the critical one", a.ByKind, attentionCap)
	}
}
