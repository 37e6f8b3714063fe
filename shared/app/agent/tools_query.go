package agent

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/workload"
)

// jobQuery turns a tool's job filter into a plan query: status words in any
// case (common, internal, or an operator's word such as "failed"), time
// windows read against the plan clock in the plan's time zone. A value it
// cannot read is an error result naming the value and, for a status, the
// closest words.
func (t *Tools) jobQuery(f JobFilter) (planview.JobQuery, Applied, outcome, bool) {
	now, loc := t.plan.Now(), t.plan.Zone()
	q := planview.JobQuery{
		Stream:      strings.ToUpper(strings.TrimSpace(f.Stream)),
		Workstation: strings.ToUpper(strings.TrimSpace(f.Workstation)),
		Name:        strings.ToUpper(strings.TrimSpace(f.Name)),
		Critical:    f.Critical,
		Late:        f.Late,
		Started:     f.Started,
	}
	ap := Applied{Now: now.In(loc), TimeZone: loc.String()}
	for _, s := range []string{f.Status, f.InternalStatus} {
		if strings.TrimSpace(s) == "" {
			continue
		}
		w, ok := workload.ParseStatus(s)
		if !ok {
			msg := fmt.Sprintf("unknown status %q", s)
			if near := workload.SuggestStatus(s); len(near) > 0 {
				msg += "; did you mean " + strings.Join(near[:min(3, len(near))], ", ") + "?"
			}
			return q, ap, fail(CodeBadInput, "%s", msg), false
		}
		switch {
		case w.Failed:
			q.Failed, ap.Failed = true, true
		case w.Internal != "":
			q.Internal = w.Internal
		default:
			q.Status = w.Common
		}
		ap.Label = w.Label
	}
	ap.Status, ap.Internal = string(q.Status), string(q.Internal)
	var window []string
	for _, b := range []struct {
		val  string
		into *time.Time
		what string
	}{
		{f.StartedSince, &q.StartedAfter, "started since"}, {f.StartedUntil, &q.StartedBefore, "started before"},
		{f.EndedSince, &q.EndedAfter, "ended since"}, {f.EndedUntil, &q.EndedBefore, "ended before"},
		{f.ScheduledSince, &q.ScheduledAfter, "scheduled since"}, {f.ScheduledUntil, &q.ScheduledBefore, "scheduled before"},
	} {
		if strings.TrimSpace(b.val) == "" {
			continue
		}
		at, err := workload.ParseTime(b.val, now, loc)
		if err != nil {
			return q, ap, fail(CodeBadInput, "%s: %v", b.what, err), false
		}
		*b.into = at
		window = append(window, b.what+" "+at.In(loc).Format("2006-01-02 15:04 MST"))
	}
	ap.Window = strings.Join(window, ", ")
	return q, ap, outcome{}, true
}

func (t *Tools) searchJobs(ctx context.Context, in SearchJobsInput) outcome {
	q, ap, o, ok := t.jobQuery(in.JobFilter)
	if !ok {
		return o
	}
	q.Limit = in.Limit
	l, err := t.plan.Jobs(ctx, q)
	if err != nil {
		return planError("search jobs", err)
	}
	res := SearchJobsResult{JobList: l, Truncated: int64(len(l.Items)) < l.Total, Applied: ap}
	o = outcome{value: res, summary: fmt.Sprintf("%d jobs found%s", l.Total, describe(in.JobFilter, ap))}
	if res.Truncated {
		o.summary += fmt.Sprintf(", first %d shown", len(l.Items))
	}
	for _, j := range l.Items {
		o.refs = append(o.refs, jobRefs(j)...)
	}
	return o
}

func describe(f JobFilter, ap Applied) string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	if ap.Failed {
		add("status", "failed")
	}
	add("status", ap.Status)
	add("internalStatus", ap.Internal)
	add("stream", f.Stream)
	add("workstation", f.Workstation)
	add("name", f.Name)
	if f.Critical != nil {
		add("critical", fmt.Sprint(*f.Critical))
	}
	if f.Late != nil {
		add("late", fmt.Sprint(*f.Late))
	}
	if f.Started != nil {
		add("started", fmt.Sprint(*f.Started))
	}
	add("window", ap.Window)
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func (t *Tools) countJobs(ctx context.Context, in CountJobsInput) outcome {
	q, ap, o, ok := t.jobQuery(in.JobFilter)
	if !ok {
		return o
	}
	c, err := t.plan.Count(ctx, q, in.GroupBy)
	if err != nil {
		return planError("count jobs", err)
	}
	o = outcome{value: CountJobsResult{Counts: c, Applied: ap}, summary: fmt.Sprintf("%d jobs%s", c.Total, describe(in.JobFilter, ap))}
	if len(c.Groups) > 0 {
		o.summary += fmt.Sprintf("; most in %s %s (%d)", in.GroupBy, c.Groups[0].Key, c.Groups[0].Count)
	}
	return o
}

func (t *Tools) attention(ctx context.Context, in AttentionInput) outcome {
	l, err := t.plan.Attention(ctx, in.Limit)
	if err != nil {
		return planError("attention list", err)
	}
	o := outcome{value: l, summary: fmt.Sprintf("%d items need attention", l.Total)}
	for _, it := range l.Items {
		switch it.Kind {
		case planview.AttentionWorkstation:
			o.refs = append(o.refs, ref{kind: "workstation", id: it.ID, name: it.Name})
		case planview.AttentionLateStream:
			o.refs = append(o.refs, ref{kind: "jobstream", id: it.ID, name: it.Name})
		default:
			o.refs = append(o.refs, ref{kind: "job", id: it.ID, name: it.Name})
		}
	}
	return o
}

func (t *Tools) resolveName(ctx context.Context, in ResolveNameInput) outcome {
	r, err := t.plan.Resolve(ctx, in.Name, 0)
	if err != nil {
		return planError("resolve name", err)
	}
	o := outcome{value: r}
	switch {
	case r.Total > 0:
		o.summary = fmt.Sprintf("%q: %d objects of that name", in.Name, r.Total)
	case len(r.Suggestions) > 0:
		o.summary = fmt.Sprintf("%q: not in the plan; %d close names", in.Name, len(r.Suggestions))
	default:
		o.summary = fmt.Sprintf("%q: not in the plan, and no close name", in.Name)
	}
	for _, m := range append(append([]planview.Match(nil), r.Exact...), r.Suggestions...) {
		o.refs = append(o.refs, ref{kind: m.Kind, id: m.ID, name: m.Name})
	}
	return o
}

// suggestions are the "did you mean" names for a job reference the plan
// does not have, best first (nil when the plan cannot be read).
func (t *Tools) suggestions(ctx context.Context, job string) []planview.Match {
	name := job
	if i := strings.LastIndexAny(name, "#."); i >= 0 {
		name = name[i+1:]
	}
	r, err := t.plan.Resolve(ctx, name, 0)
	if err != nil {
		return nil
	}
	if r.Total > 0 {
		return r.Exact // a stream or workstation of that name, not a job
	}
	return r.Suggestions
}
