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

// allJobs returns a view of every job of the plan, through the cache: what
// the filters HWA's query language is not given (the failed set, time
// windows), the counts and the attention list are computed on.
func (s *Service) allJobs(ctx context.Context) ([]JobView, Meta, error) {
	var out []JobView
	meta, err := s.cached(ctx, cached.KindList, "alljobs", &out, func(ctx context.Context) (any, error) {
		jobs, err := s.src.AllJobs(ctx)
		if err != nil {
			return nil, fmt.Errorf("planview: list every job: %w", err)
		}
		now := s.now()
		views := make([]JobView, 0, len(jobs))
		for _, j := range jobs {
			views = append(views, jobView(j, now))
		}
		return views, nil
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
	all, meta, err := s.allJobs(ctx)
	if err != nil {
		return JobList{}, err
	}
	var hits []JobView
	for _, v := range all {
		if matches(q, v) {
			hits = append(hits, v)
		}
	}
	sort.SliceStable(hits, func(a, b int) bool {
		ta, tb := activity(hits[a]), activity(hits[b])
		if !ta.Equal(tb) {
			return ta.After(tb)
		}
		return hits[a].Name < hits[b].Name
	})
	l := JobList{Items: []JobView{}, Total: int64(len(hits)), Limit: q.Limit, Offset: q.Offset, Meta: meta}
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
	Meta
}

// Count counts the jobs matching q's filters (paging ignored) grouped by
// groupBy: one of the Group constants; "" counts without grouping.
func (s *Service) Count(ctx context.Context, q JobQuery, groupBy string) (Counts, error) {
	q.Limit, q.Offset = 0, 0
	if err := q.Validate(); err != nil {
		return Counts{}, err
	}
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
	all, meta, err := s.allJobs(ctx)
	if err != nil {
		return Counts{}, err
	}
	n := map[string]int{}
	out := Counts{GroupBy: groupBy, Groups: []Group{}, Meta: meta}
	for _, v := range all {
		if matches(q, v) {
			out.Total++
			n[key(v)]++
		}
	}
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
