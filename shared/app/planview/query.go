package planview

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/resync/resync/shared/domain/cached"
	"github.com/resync/resync/shared/domain/workload"
)

// ScanCap bounds the jobs one filtered list or count reads from HWA: the
// filters HWA is given select at most this many jobs, read in pages of
// MaxLimit (at most 20 requests, about 20 MB at HWA's 2 KB a job). A larger
// selection is answered from its first ScanCap jobs and labelled Capped —
// never read on: at 100,000 jobs the whole plan is some 200 MB.
const ScanCap = 10_000

// scanned is what scan keeps: the jobs passing the rule, and whether HWA's
// selection was cut.
type scanned struct {
	Items []JobView `json:"items"`
	Capped
}

// scan returns the jobs matching q, paging ignored, through the cache. HWA
// selects them with the filters it is given (hwa.PlanSource: exactly, or as
// a superset for windows on the last run and "not late" / "not started"),
// and matches applies q's rule to every job read, so the answer is the
// rule's whatever HWA could be told.
func (s *Service) scan(ctx context.Context, q JobQuery) (scanned, Meta, error) {
	q.Limit, q.Offset = 0, 0
	var out scanned
	meta, err := s.cached(ctx, cached.KindList, "scan:"+queryKey(q), &out, func(ctx context.Context) (any, error) {
		now := s.now()
		q.Now = now
		sc := scanned{Items: []JobView{}}
		for off := 0; off < ScanCap; {
			page := q
			page.Limit, page.Offset = min(MaxLimit, ScanCap-off), off
			jobs, total, err := s.src.JobPage(ctx, page)
			if err != nil {
				return nil, fmt.Errorf("planview: list filtered jobs: %w", err)
			}
			for _, j := range jobs {
				if v := jobView(j, now); matches(q, v) {
					sc.Items = append(sc.Items, v)
				}
			}
			if total > ScanCap {
				sc.Capped = Capped{Capped: true, Selected: total}
			}
			off += len(jobs)
			if len(jobs) == 0 || int64(off) >= total {
				break
			}
		}
		return sc, nil
	})
	return out, meta, err
}

// Now is the plan clock: the time relative times are read against.
func (s *Service) Now() time.Time { return s.now() }

// Zone is the plan's time zone (UTC unless WithZone set one).
func (s *Service) Zone() *time.Location {
	if s.zone == nil {
		return time.UTC
	}
	return s.zone
}

// WithZone returns a copy of s reading and writing times in loc.
func (s *Service) WithZone(loc *time.Location) *Service {
	c := *s
	c.zone = loc
	return &c
}

// matches reports whether v passes every filter of q.
func matches(q JobQuery, v JobView) bool {
	j := workload.Job{Common: v.Status, Internal: v.InternalStatus}
	switch {
	case q.Status != "" && v.Status != q.Status,
		q.Internal != "" && v.InternalStatus != q.Internal,
		q.Failed && !j.Failed(),
		q.Stream != "" && v.Stream != q.Stream,
		q.Workstation != "" && v.Workstation != q.Workstation,
		q.Critical != nil && v.Critical != *q.Critical,
		q.Late != nil && v.Late != *q.Late,
		q.Started != nil && v.started() != *q.Started,
		q.Name != "" && !namePattern(q.Name, v.Name):
		return false
	}
	var start, end time.Time
	if v.LastRun != nil {
		start, end = v.LastRun.Start, v.LastRun.End
	}
	return within(start, q.StartedAfter, q.StartedBefore) && within(end, q.EndedAfter, q.EndedBefore) &&
		within(v.SchedTime, q.ScheduledAfter, q.ScheduledBefore)
}

// within reports whether t is in [after, before); zero bounds are open, and
// a zero t is outside any window.
func within(t, after, before time.Time) bool {
	if after.IsZero() && before.IsZero() {
		return true
	}
	if t.IsZero() {
		return false
	}
	return (after.IsZero() || !t.Before(after)) && (before.IsZero() || t.Before(before))
}

// NameMatches reports whether name matches pattern: * and @ match any run
// of characters, case-insensitively; without a wildcard it is equality.
func NameMatches(pattern, name string) bool { return namePattern(strings.TrimSpace(pattern), name) }

// namePattern matches name against a pattern where * and @ match any run of
// characters, case-insensitively; without a wildcard it is equality.
func namePattern(pattern, name string) bool {
	p, n := []rune(strings.ToUpper(pattern)), []rune(strings.ToUpper(name))
	// Iterative wildcard match with backtracking to the last star.
	pi, ni, star, mark := 0, 0, -1, 0
	for ni < len(n) {
		switch {
		case pi < len(p) && (p[pi] == '*' || p[pi] == '@'):
			star, mark = pi, ni
			pi++
		case pi < len(p) && p[pi] == n[ni]:
			pi++
			ni++
		case star >= 0:
			pi, mark = star+1, mark+1
			ni = mark
		default:
			return false
		}
	}
	for pi < len(p) && (p[pi] == '*' || p[pi] == '@') {
		pi++
	}
	return pi == len(p)
}

// filteredJobs answers Jobs for a query filtered in memory, newest activity
// first (last run end, else start, else scheduled time), then by name.
func (s *Service) filteredJobs(ctx context.Context, q JobQuery) (JobList, error) {
	sc, meta, err := s.scan(ctx, q)
	if err != nil {
		return JobList{}, err
	}
	hits := sc.Items
	sort.SliceStable(hits, func(a, b int) bool {
		ta, tb := activity(hits[a]), activity(hits[b])
		if !ta.Equal(tb) {
			return ta.After(tb)
		}
		return hits[a].Name < hits[b].Name
	})
	l := JobList{Items: []JobView{}, Total: int64(len(hits)), Limit: q.Limit, Offset: q.Offset, Capped: sc.Capped, Meta: meta}
	if q.Offset < len(hits) {
		l.Items = hits[q.Offset:min(len(hits), q.Offset+q.Limit)]
	}
	return l, nil
}

func activity(v JobView) time.Time {
	if v.LastRun != nil {
		if !v.LastRun.End.IsZero() {
			return v.LastRun.End
		}
		if !v.LastRun.Start.IsZero() {
			return v.LastRun.Start
		}
	}
	return v.SchedTime
}

// Grouping keys of Count.
const (
	GroupStatus         = "status"
	GroupInternalStatus = "internalStatus"
	GroupWorkstation    = "workstation"
	GroupStream         = "stream"
	GroupReturnCode     = "returnCode"
)

// Group is one group of a count.
type Group struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// Counts is the jobs matching a query, counted by one key, largest group
// first.
type Counts struct {
	GroupBy string  `json:"groupBy"`
	Total   int     `json:"total"` // jobs matching the filters
	Groups  []Group `json:"groups"`
	// Ties: how many groups share the largest count (1 when one leads).
	Ties int `json:"ties"`
	Capped
	Meta
}

// Count counts the jobs matching q's filters (paging ignored) grouped by
// groupBy: one of the Group constants; "" counts without grouping. HWA
// counts what it can — the whole plan by status or workstation
// (plan/job/count), or any filter it is given exactly, ungrouped — and the
// rest is counted on the matching jobs read in bounded pages (scan), capped
// at ScanCap and then labelled Capped.
func (s *Service) Count(ctx context.Context, q JobQuery, groupBy string) (Counts, error) {
	if err := q.Validate(); err != nil {
		return Counts{}, err
	}
	q.Limit, q.Offset = 0, 0
	key := func(v JobView) string { return "" }
	switch groupBy {
	case "":
	case GroupStatus:
		key = func(v JobView) string { return string(v.Status) }
	case GroupInternalStatus:
		key = func(v JobView) string { return string(v.InternalStatus) }
	case GroupWorkstation:
		key = func(v JobView) string { return v.Workstation }
	case GroupStream:
		key = func(v JobView) string { return v.Stream }
	case GroupReturnCode:
		key = func(v JobView) string {
			if v.LastRun == nil {
				return "no run"
			}
			return strconv.Itoa(v.LastRun.ReturnCode)
		}
	default:
		return Counts{}, badQuery("cannot group by %q: use status, internalStatus, workstation, stream or returnCode", groupBy)
	}
	var n map[string]int
	var out Counts
	if q == (JobQuery{}) && (groupBy == "" || groupBy == GroupStatus || groupBy == GroupWorkstation) || !inMemory(q) && groupBy == "" {
		c, err := s.hwaCount(ctx, q, groupBy)
		if err != nil {
			return Counts{}, err
		}
		out, n = c.Counts, c.Groups
	} else {
		sc, meta, err := s.scan(ctx, q)
		if err != nil {
			return Counts{}, err
		}
		n = map[string]int{}
		out = Counts{Capped: sc.Capped, Meta: meta}
		for _, v := range sc.Items {
			out.Total++
			n[key(v)]++
		}
	}
	out.GroupBy, out.Groups = groupBy, []Group{}
	if groupBy != "" {
		for k, c := range n {
			out.Groups = append(out.Groups, Group{Key: k, Count: c})
		}
		sort.Slice(out.Groups, func(a, b int) bool {
			if out.Groups[a].Count != out.Groups[b].Count {
				return out.Groups[a].Count > out.Groups[b].Count
			}
			return out.Groups[a].Key < out.Groups[b].Key
		})
		for _, g := range out.Groups {
			if g.Count == out.Groups[0].Count {
				out.Ties++
			}
		}
	}
	return out, nil
}

// hwaCounted is a count HWA made, as cached.
type hwaCounted struct {
	Counts Counts         `json:"counts"`
	Groups map[string]int `json:"groups"`
}

// hwaCount has HWA count the jobs: the whole plan with plan/job/count
// (grouped by status or workstation, or not), else the total of a
// one-job page of q's selection, which HWA is given exactly.
func (s *Service) hwaCount(ctx context.Context, q JobQuery, groupBy string) (hwaCounted, error) {
	var out hwaCounted
	meta, err := s.cached(ctx, cached.KindList, "count:"+groupBy+":"+queryKey(q), &out, func(ctx context.Context) (any, error) {
		c := hwaCounted{Groups: map[string]int{}}
		if q == (JobQuery{}) {
			total, groups, err := s.src.CountJobs(ctx, groupBy)
			if err != nil {
				return nil, fmt.Errorf("planview: count jobs: %w", err)
			}
			c.Counts.Total = int(total)
			for k, n := range groups {
				if n > 0 {
					c.Groups[k] = int(n)
				}
			}
			return c, nil
		}
		q.Limit = 1
		_, total, err := s.src.JobPage(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("planview: count jobs: %w", err)
		}
		c.Counts.Total = int(total)
		return c, nil
	})
	out.Counts.Meta = meta
	return out, err
}
