package planview

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/resync/resync/shared/domain/cached"
	"github.com/resync/resync/shared/domain/workload"
)

// Kinds of attention items, in the order they rank.
const (
	AttentionCriticalFailed = "critical_failed"  // a critical job in error
	AttentionCriticalAtRisk = "critical_at_risk" // a critical job that may miss its deadline
	AttentionAbended        = "job_failed"       // a job in error
	AttentionWorkstation    = "workstation_down" // an unlinked or stopped workstation
	AttentionLateStream     = "stream_late"      // a job stream past its deadline
	AttentionLongRunner     = "long_runner"      // a run much longer than its estimate
	AttentionPrompt         = "prompt_waiting"   // a job waiting for a prompt to be answered
	AttentionHeld           = "job_held"         // a job an operator put on hold
)

var attentionRank = map[string]int{
	AttentionCriticalFailed: 1, AttentionCriticalAtRisk: 2, AttentionAbended: 3, AttentionWorkstation: 4,
	AttentionLateStream: 5, AttentionLongRunner: 6, AttentionPrompt: 7, AttentionHeld: 8,
}

// AttentionItem is one thing of the plan an operator should look at.
type AttentionItem struct {
	Rank        int    `json:"rank"` // 1 is the most urgent
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	ID          string `json:"id,omitempty"`
	Stream      string `json:"stream,omitempty"`
	Workstation string `json:"workstation,omitempty"`
	Why         string `json:"why"`  // why it is listed
	Next        string `json:"next"` // what to look at next
}

// AttentionList is what needs an operator now, most urgent first.
type AttentionList struct {
	Items     []AttentionItem `json:"items"`
	Total     int             `json:"total"`
	Truncated bool            `json:"truncated"`
	// ByKind counts every item of each kind, listed or not.
	ByKind map[string]int `json:"byKind"`
	// Capped: a watched list held more than attentionCap objects and only
	// its first attentionCap (by name) were read; Selected is how many the
	// cut lists hold in HWA. Total and ByKind then count what was read, but
	// for the late streams, which HWA counts.
	Capped
	Meta
}

// attentionCap bounds the jobs read of each list Attention watches (failed,
// critical, running, waiting for a prompt, held): four pages of HWA's 500.
const attentionCap = 2000

// attentionLists are the watched lists whose jobs Attention looks at: every
// job an item names is in one of them — failed (critical or not),
// critical (at risk), running (a long runner is a run started and not
// ended: a running job), held for a prompt or by an operator.
var attentionLists = []Watch{WatchFailed, WatchCritical, WatchRunning, WatchPrompt, WatchHeld}

// longRunRatio is how much longer than its estimate a run must be to be
// listed as a long runner.
const longRunRatio = 1.5

// Attention lists what needs an operator now — critical jobs in error or at
// risk, jobs in error, unlinked or stopped workstations, late job streams,
// runs much longer than their estimate, prompts waiting for an answer, jobs
// an operator held — ranked by kind and, within a kind, most recent first.
// limit bounds the items (0: 50, at most 500); Total and ByKind count all.
// It reads HWA's watched lists (attentionLists, at most attentionCap jobs
// each), the late job streams and the workstations — never every job.
func (s *Service) Attention(ctx context.Context, limit int) (AttentionList, error) {
	switch {
	case limit <= 0:
		limit = DefaultLimit
	case limit > MaxLimit:
		limit = MaxLimit
	}
	jobs, capped, meta, err := s.watched(ctx, attentionLists, attentionCap)
	if err != nil {
		return AttentionList{}, err
	}
	crit, err := s.Critical(ctx)
	if err != nil {
		return AttentionList{}, err
	}
	streams, err := s.lateStreams(ctx, attentionCap)
	if err != nil {
		return AttentionList{}, err
	}
	wss, err := s.Workstations(ctx)
	if err != nil {
		return AttentionList{}, err
	}
	now := s.now()
	type item struct {
		AttentionItem
		at time.Time
	}
	var items []item
	add := func(kind string, v JobView, why, next string) {
		items = append(items, item{AttentionItem{Kind: kind, Name: v.Name, ID: v.ID, Stream: v.Stream,
			Workstation: v.Workstation, Why: why, Next: next}, activity(v)})
	}
	atRisk := map[string]CriticalJob{}
	for _, c := range crit.Items {
		if c.AtRisk {
			atRisk[c.ID] = c
		}
	}
	for _, v := range jobs {
		failed := workload.Job{Common: v.Status, Internal: v.InternalStatus}.Failed()
		rc := ""
		if v.LastRun != nil {
			rc = fmt.Sprintf(", return code %d", v.LastRun.ReturnCode)
		}
		switch {
		case failed && v.Critical:
			add(AttentionCriticalFailed, v, fmt.Sprintf("critical job in %s (%s)%s", v.Status, v.InternalStatus, rc),
				"read its log and what it blocks downstream; rerun once the cause is fixed")
		case failed:
			add(AttentionAbended, v, fmt.Sprintf("%s (%s)%s", v.Status, v.InternalStatus, rc), "read its log; rerun or confirm once the cause is known")
		case v.Critical && atRisk[v.ID].AtRisk:
			add(AttentionCriticalAtRisk, v, "critical job at risk: "+atRisk[v.ID].Risk, "see why it waits and what blocks it")
		}
		if !failed && v.LastRun != nil && v.LastRun.End.IsZero() && !v.LastRun.Start.IsZero() && v.EstimatedSeconds > 0 {
			if elapsed := now.Sub(v.LastRun.Start).Seconds(); elapsed > longRunRatio*v.EstimatedSeconds {
				add(AttentionLongRunner, v, fmt.Sprintf("running %s, estimate %s", round(elapsed), round(v.EstimatedSeconds)),
					"read its log to see whether it progresses")
			}
		}
		switch v.Substatus {
		case workload.SubHoldWaitingForPrompt:
			add(AttentionPrompt, v, "waiting for a prompt to be answered", "read the prompt's question and reply to it; a yes releases the job")
		case workload.SubHoldPriorityZero:
			add(AttentionHeld, v, "held by an operator (priority 0)", "release it when it may run")
		}
	}
	for _, w := range wss.Items {
		switch {
		case !w.Linked:
			items = append(items, item{AttentionItem: AttentionItem{Kind: AttentionWorkstation, Name: w.Name, ID: w.ID, Workstation: w.Name,
				Why: "workstation unlinked: its jobs cannot start", Next: "check the agent and relink it"}})
		case !w.Running:
			items = append(items, item{AttentionItem: AttentionItem{Kind: AttentionWorkstation, Name: w.Name, ID: w.ID, Workstation: w.Name,
				Why: "workstation stopped: its jobs cannot start", Next: "start the agent"}})
		}
	}
	for _, st := range streams.Items {
		if st.Late {
			why := "job stream late"
			if !st.Deadline.IsZero() {
				why = "job stream past its deadline " + st.Deadline.In(s.Zone()).Format("2006-01-02 15:04 MST")
			}
			items = append(items, item{AttentionItem: AttentionItem{Kind: AttentionLateStream, Name: st.Name, ID: st.ID, Workstation: st.Workstation,
				Why: why, Next: "see which of its jobs are failed or waiting"}, at: st.Deadline})
		}
	}
	sort.SliceStable(items, func(a, b int) bool {
		ra, rb := attentionRank[items[a].Kind], attentionRank[items[b].Kind]
		if ra != rb {
			return ra < rb
		}
		if !items[a].at.Equal(items[b].at) {
			return items[a].at.After(items[b].at)
		}
		return items[a].Name < items[b].Name
	})
	for _, c := range []Capped{crit.Capped, streams.Capped} {
		if c.Capped {
			capped.Capped = true
			capped.Selected += c.Selected
		}
	}
	out := AttentionList{Items: []AttentionItem{}, Total: len(items), ByKind: map[string]int{}, Capped: capped, Meta: meta}
	for i, it := range items {
		out.ByKind[it.Kind]++
		if i < limit {
			it.Rank = i + 1
			out.Items = append(out.Items, it.AttentionItem)
		}
	}
	if streams.Capped.Capped {
		// HWA counts the late streams exactly; only the first read are listed.
		more := int(streams.Selected) - out.ByKind[AttentionLateStream]
		out.ByKind[AttentionLateStream] += more
		out.Total += more
	}
	out.Truncated = out.Total > len(out.Items)
	return out, nil
}

// lateStreams returns the job streams late now (HWA's selection of
// workload.JobStream.IsLate, the summary's), at most limit by name, through
// the cache.
func (s *Service) lateStreams(ctx context.Context, limit int) (namedStreams, error) {
	var out namedStreams
	_, err := s.cached(ctx, KindStreams, "late:"+strconv.Itoa(limit), &out, func(ctx context.Context) (any, error) {
		now := s.now()
		streams, n, err := s.src.WatchLateStreams(ctx, now, limit)
		if err != nil {
			return nil, fmt.Errorf("planview: late job streams: %w", err)
		}
		ns := namedStreams{Items: make([]StreamView, 0, len(streams))}
		if n > int64(len(streams)) {
			ns.Capped = Capped{Capped: true, Selected: n}
		}
		for _, st := range streams {
			if st.IsLate(now) {
				ns.Items = append(ns.Items, streamView(st, now))
			}
		}
		return ns, nil
	})
	return out, err
}

// watchedJobs is what watched keeps.
type watchedJobs = selection[JobView]

// watched returns the views of the jobs in any of the lists (each job once,
// in the order read), reading at most limit jobs of each, through the
// cache; Capped says a list held more.
func (s *Service) watched(ctx context.Context, lists []Watch, limit int) ([]JobView, Capped, Meta, error) {
	key := "watched:" + strconv.Itoa(limit)
	for _, w := range lists {
		key += ":" + string(w)
	}
	var out watchedJobs
	meta, err := s.cached(ctx, cached.KindList, key, &out, func(ctx context.Context) (any, error) {
		now := s.now()
		wj := watchedJobs{Items: []JobView{}}
		seen := map[string]bool{}
		for _, w := range lists {
			keep, ok := w.Rule(now)
			if !ok {
				return nil, badQuery("unknown job list %q", w)
			}
			jobs, n, err := s.src.WatchJobs(ctx, w, now, limit)
			if err != nil {
				return nil, fmt.Errorf("planview: list %s jobs: %w", w, err)
			}
			if n > int64(len(jobs)) {
				wj.Capped.Capped = true
				wj.Selected += n
			}
			for _, j := range jobs {
				if keep(j) && !seen[j.ID] {
					seen[j.ID] = true
					wj.Items = append(wj.Items, jobView(j, now))
				}
			}
		}
		return wj, nil
	})
	return out.Items, out.Capped, meta, err
}

func round(seconds float64) string {
	return (time.Duration(seconds) * time.Second).Round(time.Second).String()
}
