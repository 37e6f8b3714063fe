package handover

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/resync/resync/shared/app/notify"
	"github.com/resync/resync/shared/domain/workload"
)

// Plan reads the live plan (planview.HWA).
type Plan interface {
	AllJobs(ctx context.Context) ([]workload.Job, error)
	Streams(ctx context.Context) ([]workload.JobStream, error)
}

// Actions lists the executed actions recorded in [from, to), oldest first
// (the audit trail's "execute:" records).
type Actions interface {
	Executed(ctx context.Context, from, to time.Time) ([]notify.Action, error)
}

// Item is one line of the digest. Cite is always set: "job <id> run <id>"
// or "audit <id>".
type Item struct {
	Text    string    `json:"text"`
	Cite    string    `json:"cite"`
	Link    string    `json:"link,omitempty"` // console path
	At      time.Time `json:"at,omitzero"`
	JobID   string    `json:"jobId,omitempty"`
	AuditID string    `json:"auditId,omitempty"`
}

// Digest is the handover of one shift.
type Digest struct {
	Shift      string    `json:"shift"` // "22:00–06:00"
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	Zone       string    `json:"timeZone"`
	Complete   bool      `json:"complete"` // the shift has ended (false for the shift under way)
	Failures   []Item    `json:"failures"`
	Recoveries []Item    `json:"recoveries"`
	Actions    []Item    `json:"actions"`
	Late       []Item    `json:"late"`   // job streams and jobs still late
	AtRisk     []Item    `json:"atRisk"` // critical jobs at risk
	// Missing names the sources that could not be read; the digest is
	// then partial and says so.
	Missing []string `json:"missing,omitempty"`
}

// Builder writes digests. It is safe for concurrent use.
type Builder struct {
	Plan    Plan
	Actions Actions // nil: no actions section source (reported as missing)
	Shifts  Shifts
	Now     func() time.Time
}

// Current is the digest of the shift under way.
func (b *Builder) Current(ctx context.Context) (Digest, error) {
	now := b.now()
	from, to := b.Shifts.Current(now)
	d, err := b.Build(ctx, from, to, now)
	d.Complete = false
	return d, err
}

// Previous is the digest of the last shift that has ended.
func (b *Builder) Previous(ctx context.Context) (Digest, error) {
	now := b.now()
	from, to := b.Shifts.Previous(now)
	return b.Build(ctx, from, to, now)
}

func (b *Builder) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

// ErrUnavailable is returned by Build when not even the plan can be read.
var ErrUnavailable = errors.New("handover: plan unavailable")

// Build writes the digest of [from, to) as the plan stands at now: the
// runs that failed or recovered in the window, the actions executed in it,
// and what is late or at risk at now. A source that cannot be read is named
// in Missing; only an unreadable plan is an error (wrapping ErrUnavailable).
func (b *Builder) Build(ctx context.Context, from, to, now time.Time) (Digest, error) {
	z := b.Shifts.Zone()
	d := Digest{Shift: b.Shifts.Name(from, to), From: from.UTC(), To: to.UTC(), Zone: z.String(), Complete: !to.After(now),
		Failures: []Item{}, Recoveries: []Item{}, Actions: []Item{}, Late: []Item{}, AtRisk: []Item{}}
	jobs, err := b.Plan.AllJobs(ctx)
	if err != nil {
		return Digest{}, fmt.Errorf("handover: read jobs: %w: %w", ErrUnavailable, err)
	}
	clock := func(t time.Time) string { return t.In(z).Format("15:04") }
	for _, j := range jobs {
		where := j.StreamName
		if j.Workstation != "" {
			where += " on " + j.Workstation
		}
		var failedRun *workload.Run
		for i, r := range j.Runs {
			if !failed(r.Internal) || r.End.IsZero() || r.End.Before(from) || !r.End.Before(to) {
				continue
			}
			failedRun = &j.Runs[i]
			state := "still in error"
			if j.Succeeded() {
				state = "since recovered"
			}
			d.Failures = append(d.Failures, Item{
				Text: fmt.Sprintf("%s (%s) %s at %s with return code %d; %s", j.Name, where, verb(r.Internal), clock(r.End), r.ReturnCode, state),
				Cite: "job " + j.ID + " run " + r.ID, Link: notify.JobLink(j.ID), At: r.End, JobID: j.ID})
		}
		if failedRun == nil && j.Failed() {
			if last, ok := j.LastRun(); ok && !last.End.IsZero() && last.End.Before(from) {
				d.Failures = append(d.Failures, Item{
					Text: fmt.Sprintf("%s (%s) %s at %s, before the shift, and is still in error", j.Name, where, verb(j.Internal), last.End.In(z).Format("2006-01-02 15:04")),
					Cite: "job " + j.ID + " run " + last.ID, Link: notify.JobLink(j.ID), At: last.End, JobID: j.ID})
			}
		}
		if failedRun != nil && j.Succeeded() {
			last, _ := j.LastRun()
			d.Recoveries = append(d.Recoveries, Item{
				Text: fmt.Sprintf("%s (%s) succeeded at %s after the failure of run %s", j.Name, where, clock(last.End), failedRun.ID),
				Cite: "job " + j.ID + " run " + last.ID, Link: notify.JobLink(j.ID), At: last.End, JobID: j.ID})
		}
		if j.AtRisk(now) {
			d.AtRisk = append(d.AtRisk, Item{
				Text: fmt.Sprintf("critical job %s (%s) is %s%s", j.Name, where, j.Internal, deadline(j.Deadline, z)),
				Cite: "job " + j.ID, Link: notify.JobLink(j.ID), JobID: j.ID})
		} else if j.IsLate(now) && !j.Done() {
			d.Late = append(d.Late, Item{
				Text: fmt.Sprintf("job %s (%s) is late (%s)%s", j.Name, where, j.Internal, deadline(j.Deadline, z)),
				Cite: "job " + j.ID, Link: notify.JobLink(j.ID), JobID: j.ID})
		}
	}
	if streams, err := b.Plan.Streams(ctx); err != nil {
		d.Missing = append(d.Missing, "job streams: "+err.Error())
	} else {
		for _, s := range streams {
			if s.IsLate(now) {
				d.Late = append(d.Late, Item{
					Text: fmt.Sprintf("job stream %s on %s is late (%s, %d of %d jobs done)%s", s.Name, s.Workstation, s.Internal, s.Stats.Successful, s.Stats.Jobs, deadline(s.Deadline, z)),
					Cite: "job stream " + s.ID, Link: notify.DashboardLink})
			}
		}
	}
	if b.Actions == nil {
		d.Missing = append(d.Missing, "actions: no audit trail configured")
	} else if acts, err := b.Actions.Executed(ctx, from, to); err != nil {
		d.Missing = append(d.Missing, "actions: "+err.Error())
	} else {
		for _, a := range acts {
			it := Item{Cite: "audit " + a.ID, At: a.Time, AuditID: a.ID, JobID: a.JobID()}
			if it.JobID != "" {
				it.Link = notify.JobLink(it.JobID)
			}
			just := a.Justification
			if just == "" {
				just = "none given"
			}
			it.Text = fmt.Sprintf("%s: %s %s %s — %s; justification: %q", clock(a.Time), a.User, a.Action, strings.Join(a.Targets, ", "), a.Result, just)
			if a.Ticket != "" {
				it.Text += " (ticket " + a.Ticket + ")"
			}
			d.Actions = append(d.Actions, it)
		}
	}
	for _, list := range [][]Item{d.Failures, d.Recoveries, d.Actions} {
		sort.SliceStable(list, func(a, b int) bool { return list[a].At.Before(list[b].At) })
	}
	for _, list := range [][]Item{d.Late, d.AtRisk} {
		sort.SliceStable(list, func(a, b int) bool { return list[a].Text < list[b].Text })
	}
	return d, nil
}

func failed(s workload.InternalStatus) bool {
	switch s {
	case workload.InternalAbend, workload.InternalAbenP, workload.InternalFail, workload.InternalError:
		return true
	}
	return false
}

func verb(s workload.InternalStatus) string {
	if s == workload.InternalAbend || s == workload.InternalAbenP {
		return "abended"
	}
	return "failed (" + string(s) + ")"
}

func deadline(t time.Time, z *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return ", deadline " + t.In(z).Format("15:04")
}

// Key is the digest's delivery key: one post per shift and channel.
func (d Digest) Key() string {
	return "handover:" + d.From.Format(time.RFC3339) + "/" + d.To.Format(time.RFC3339)
}

// Alert returns the digest as a notify alert with one section per part.
func (d Digest) Alert() notify.Alert {
	sec := func(title string, items []Item) notify.Section {
		s := notify.Section{Title: title, Lines: make([]notify.Line, 0, len(items))}
		for _, it := range items {
			s.Lines = append(s.Lines, notify.Line{Text: it.Text, Cite: it.Cite, Link: it.Link})
		}
		return s
	}
	text := fmt.Sprintf("%d failures, %d recoveries, %d actions, %d late, %d at risk", len(d.Failures), len(d.Recoveries), len(d.Actions), len(d.Late), len(d.AtRisk))
	if len(d.Missing) > 0 {
		text += "; partial: " + strings.Join(d.Missing, "; ")
	}
	return notify.Alert{Key: d.Key(), Kind: notify.Handover, Severity: notify.Info, At: d.To,
		Title: fmt.Sprintf("Shift handover %s (%s)", d.Shift, d.Zone), Text: text, Link: notify.DashboardLink,
		Sections: []notify.Section{sec("Failures", d.Failures), sec("Recoveries", d.Recoveries),
			sec("Actions taken", d.Actions), sec("Still late", d.Late), sec("At risk", d.AtRisk)}}
}
