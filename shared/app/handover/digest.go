package handover

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/resync/resync/shared/app/notify"
	"github.com/resync/resync/shared/domain/planread"
	"github.com/resync/resync/shared/domain/workload"
)

// Plan reads the live plan (hwa.PlanSource). WatchJobs returns the first
// limit jobs of a watched list at now by name and how many it holds;
// Job returns one job with its dependencies, which lists do not carry (HWA
// fills them only for one job): the open prompts are read from them.
type Plan interface {
	WatchJobs(ctx context.Context, w planread.Watch, now time.Time, limit int) ([]workload.Job, int64, error)
	// WatchLateStreams is WatchJobs for the job streams late at now.
	WatchLateStreams(ctx context.Context, now time.Time, limit int) ([]workload.JobStream, int64, error)
	Job(ctx context.Context, id string) (workload.Job, error)
}

// digestLists are the watched lists that hold every job a digest names: a
// run in error (failures and recoveries), in error now (failed before the
// shift), at risk, late, held for a prompt.
var digestLists = []planread.Watch{planread.WatchRunFailed, planread.WatchFailed, planread.WatchAtRisk, planread.WatchLate, planread.WatchPrompt}

// digestCap bounds the jobs read of each list (four pages of HWA's 500);
// a list that holds more is named in Missing.
const digestCap = 2000

// maxPromptLookups bounds the jobs whose dependencies one digest reads for
// their prompts; more are named as missing.
const maxPromptLookups = 50

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
	// Prompts are the jobs waiting for a prompt to be answered (a prompt
	// dependency not yet satisfied), as the plan stands at the digest's end.
	Prompts []Item `json:"prompts"`
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
		Failures: []Item{}, Recoveries: []Item{}, Actions: []Item{}, Late: []Item{}, AtRisk: []Item{}, Prompts: []Item{}}
	var jobs []workload.Job
	seen := map[string]bool{}
	for _, w := range digestLists {
		js, n, err := b.Plan.WatchJobs(ctx, w, now, digestCap)
		if err != nil {
			return Digest{}, fmt.Errorf("handover: read %s jobs: %w: %w", w, ErrUnavailable, err)
		}
		if n > int64(len(js)) {
			d.Missing = append(d.Missing, fmt.Sprintf("jobs: the %s list holds %d jobs, the first %d by name were read", w, n, len(js)))
		}
		for _, j := range js {
			if !seen[j.ID] {
				seen[j.ID] = true
				jobs = append(jobs, j)
			}
		}
	}
	clock := func(t time.Time) string { return t.In(z).Format("15:04") }
	var waiting []workload.Job // jobs that may wait on a prompt
	for _, j := range jobs {
		if !j.Done() && (j.Sub == workload.SubHoldWaitingForPrompt || len(openPrompts(j)) > 0) {
			waiting = append(waiting, j)
		}
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
	d.Prompts, d.Missing = b.prompts(ctx, waiting, d.Missing)
	if streams, n, err := b.Plan.WatchLateStreams(ctx, now, digestCap); err != nil {
		d.Missing = append(d.Missing, "job streams: "+err.Error())
	} else {
		if n > int64(len(streams)) {
			d.Missing = append(d.Missing, fmt.Sprintf("job streams: %d are late, the first %d by name were read", n, len(streams)))
		}
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
	for _, list := range [][]Item{d.Late, d.AtRisk, d.Prompts} {
		sort.SliceStable(list, func(a, b int) bool { return list[a].Text < list[b].Text })
	}
	return d, nil
}

// prompts lists the open prompts of the jobs that may wait on one, reading
// each job's dependencies where the list did not carry them. A job that
// cannot be read is named in missing.
func (b *Builder) prompts(ctx context.Context, waiting []workload.Job, missing []string) ([]Item, []string) {
	out := []Item{}
	var unread []string
	for i, j := range waiting {
		if i == maxPromptLookups {
			missing = append(missing, fmt.Sprintf("prompts: %d more jobs wait on prompts than the %d listed", len(waiting)-maxPromptLookups, maxPromptLookups))
			break
		}
		if len(j.Dependencies) == 0 {
			full, err := b.Plan.Job(ctx, j.ID)
			if err != nil {
				unread = append(unread, j.ID)
				continue
			}
			j.Dependencies = full.Dependencies
		}
		where := j.StreamName
		if j.Workstation != "" {
			where += " on " + j.Workstation
		}
		open := openPrompts(j)
		for _, p := range open {
			cite := "job " + j.ID + " prompt " + p.Name
			if p.ID != "" {
				cite = "job " + j.ID + " prompt " + p.ID
			}
			out = append(out, Item{Text: fmt.Sprintf("%s (%s) waits for the prompt %s to be answered", j.Name, where, p.Name),
				Cite: cite, Link: notify.JobLink(j.ID), JobID: j.ID})
		}
		if len(open) == 0 && j.Sub == workload.SubHoldWaitingForPrompt {
			out = append(out, Item{Text: fmt.Sprintf("%s (%s) waits for a prompt to be answered", j.Name, where),
				Cite: "job " + j.ID, Link: notify.JobLink(j.ID), JobID: j.ID})
		}
	}
	if len(unread) > 0 {
		missing = append(missing, "prompts: the dependencies of jobs "+strings.Join(unread, ", ")+" could not be read")
	}
	return out, missing
}

// openPrompts are the job's prompt dependencies not yet satisfied.
func openPrompts(j workload.Job) []workload.Dependency {
	var out []workload.Dependency
	for _, d := range j.UnsatisfiedDependencies() {
		if d.Type == workload.DepPrompt {
			out = append(out, d)
		}
	}
	return out
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
	text := fmt.Sprintf("%d failures, %d recoveries, %d actions, %d late, %d at risk, %d open prompts",
		len(d.Failures), len(d.Recoveries), len(d.Actions), len(d.Late), len(d.AtRisk), len(d.Prompts))
	if len(d.Missing) > 0 {
		text += "; partial: " + strings.Join(d.Missing, "; ")
	}
	return notify.Alert{Key: d.Key(), Kind: notify.Handover, Severity: notify.Info, At: d.To,
		Title: fmt.Sprintf("Shift handover %s (%s)", d.Shift, d.Zone), Text: text, Link: notify.DashboardLink,
		Sections: []notify.Section{sec("Failures", d.Failures), sec("Recoveries", d.Recoveries),
			sec("Actions taken", d.Actions), sec("Still late", d.Late), sec("At risk", d.AtRisk), sec("Open prompts", d.Prompts)}}
}
