// Package monitor watches the live plan for what an operator must hear about
// at once: a job that abends or fails, a job stream that becomes late, a
// workstation that unlinks or stops, a critical job that falls at risk. Each
// run compares the plan with the last view it kept (a Store; in Redis,
// package monitorstore), turns what changed into event frames, delivers each
// event once, and keeps the latest events for GET /api/v1/events.
package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/domain/planread"
	"github.com/resync/resync/shared/domain/workload"
)

// Event kinds.
const (
	JobAbended          = "job_abended"
	JobFailed           = "job_failed"
	StreamLate          = "stream_late"
	WorkstationUnlinked = "workstation_unlinked"
	WorkstationStopped  = "workstation_stopped"
	CriticalAtRisk      = "critical_at_risk"
)

// JobState is what the monitor remembers of a job.
type JobState struct {
	Name        string                  `json:"name"`
	Stream      string                  `json:"stream,omitempty"`
	Workstation string                  `json:"workstation,omitempty"`
	Internal    workload.InternalStatus `json:"internal"`
	RunID       string                  `json:"runId,omitempty"`
	ReturnCode  int                     `json:"returnCode,omitempty"`
	Failed      bool                    `json:"failed"`
	Abended     bool                    `json:"abended"`
	Critical    bool                    `json:"critical"`
	AtRisk      bool                    `json:"atRisk"`
}

// StreamState is what the monitor remembers of a job stream.
type StreamState struct {
	Name        string `json:"name"`
	Workstation string `json:"workstation,omitempty"`
	Late        bool   `json:"late"`
}

// WorkstationState is what the monitor remembers of a workstation.
type WorkstationState struct {
	Name    string `json:"name"`
	Linked  bool   `json:"linked"`
	Running bool   `json:"running"`
}

// Snapshot is one view of the plan.
type Snapshot struct {
	At           time.Time                   `json:"at"`
	Jobs         map[string]JobState         `json:"jobs"`
	Streams      map[string]StreamState      `json:"streams"`
	Workstations map[string]WorkstationState `json:"workstations"`
}

// Take builds the Snapshot of a plan at now. Run gives it only the jobs
// and streams that may raise an alert (failed or at risk, late): one
// missing from a snapshot and one in it that is not bad compare alike in
// Diff.
func Take(jobs []workload.Job, streams []workload.JobStream, wss []workload.Workstation, now time.Time) Snapshot {
	s := Snapshot{At: now.UTC(), Jobs: make(map[string]JobState, len(jobs)), Streams: make(map[string]StreamState, len(streams)), Workstations: make(map[string]WorkstationState, len(wss))}
	for _, j := range jobs {
		st := JobState{Name: j.Name, Stream: j.StreamName, Workstation: j.Workstation, Internal: j.Internal,
			Failed: j.Failed() && !j.Abended(), Abended: j.Abended(), Critical: j.Critical, AtRisk: j.AtRisk(now)}
		if r, ok := j.LastRun(); ok {
			st.RunID, st.ReturnCode = r.ID, r.ReturnCode
		}
		s.Jobs[j.ID] = st
	}
	for _, st := range streams {
		s.Streams[st.ID] = StreamState{Name: st.Name, Workstation: st.Workstation, Late: st.IsLate(now)}
	}
	for _, w := range wss {
		s.Workstations[w.ID] = WorkstationState{Name: w.Name, Linked: w.Linked(), Running: w.Running()}
	}
	return s
}

// Alert is one event with the key that makes it unique: the same key is
// delivered once.
type Alert struct {
	Key   string
	Event frames.Event
}

// Diff returns the alerts for what became bad between prev and cur, sorted
// by kind and name. An object new in cur counts as changed when it is
// already bad (it entered the plan that way), except on the first run
// (prev.At zero), which only records the view.
func Diff(prev, cur Snapshot) []Alert {
	if prev.At.IsZero() {
		return nil
	}
	var out []Alert
	add := func(kind, id, name, uniq string, data map[string]any) {
		data["id"] = id
		data["name"] = name
		out = append(out, Alert{Key: kind + ":" + id + ":" + uniq, Event: frames.Event{Type: frames.TypeEvent, Kind: kind, At: cur.At, Data: data}})
	}
	for id, j := range cur.Jobs {
		p, had := prev.Jobs[id]
		link := "/api/v1/jobs/" + id
		if j.Abended && (!had || !p.Abended || p.RunID != j.RunID) {
			add(JobAbended, id, j.Name, j.RunID, map[string]any{"stream": j.Stream, "workstation": j.Workstation, "returnCode": j.ReturnCode, "runId": j.RunID, "link": link, "critical": j.Critical})
		}
		if j.Failed && (!had || !p.Failed || p.RunID != j.RunID) {
			add(JobFailed, id, j.Name, j.RunID, map[string]any{"stream": j.Stream, "workstation": j.Workstation, "internalStatus": string(j.Internal), "link": link, "critical": j.Critical})
		}
		if j.AtRisk && (!had || !p.AtRisk) {
			add(CriticalAtRisk, id, j.Name, cur.At.Format("2006-01-02"), map[string]any{"stream": j.Stream, "workstation": j.Workstation, "internalStatus": string(j.Internal), "link": link})
		}
	}
	for id, s := range cur.Streams {
		if p, had := prev.Streams[id]; s.Late && (!had || !p.Late) {
			add(StreamLate, id, s.Name, cur.At.Format("2006-01-02"), map[string]any{"workstation": s.Workstation, "link": "/api/v1/jobstreams?late=true"})
		}
	}
	for id, w := range cur.Workstations {
		p, had := prev.Workstations[id]
		if !w.Linked && (!had || p.Linked) {
			add(WorkstationUnlinked, id, w.Name, cur.At.Format(time.RFC3339), map[string]any{"link": "/api/v1/workstations"})
		}
		if !w.Running && (!had || p.Running) {
			add(WorkstationStopped, id, w.Name, cur.At.Format(time.RFC3339), map[string]any{"link": "/api/v1/workstations"})
		}
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Event.Kind != out[b].Event.Kind {
			return out[a].Event.Kind < out[b].Event.Kind
		}
		return out[a].Key < out[b].Key
	})
	return out
}

// Store keeps what the monitor remembers between runs
// (*monitorstore.Store): the last view, as JSON; the keys of the alerts
// already delivered; the recent events.
type Store interface {
	// View returns the last saved view and true, or false when there is none.
	View(ctx context.Context) ([]byte, bool, error)
	// SaveView stores view as the last view.
	SaveView(ctx context.Context, view []byte) error
	// Claim reports whether key is new, marking it delivered; concurrent
	// runs claim each key once.
	Claim(ctx context.Context, key string) (bool, error)
	// Record appends e to the recent events.
	Record(ctx context.Context, e frames.Event) error
}

// last returns the last saved view, zero when there is none or it cannot be
// read (an unreadable view is replaced by the next one).
func (m *Monitor) last(ctx context.Context) (Snapshot, error) {
	b, ok, err := m.Store.View(ctx)
	if err != nil {
		return Snapshot{}, fmt.Errorf("monitor: read last view: %w", err)
	}
	var snap Snapshot
	if !ok || json.Unmarshal(b, &snap) != nil {
		return Snapshot{}, nil
	}
	return snap, nil
}

// save stores snap as the last view.
func (m *Monitor) save(ctx context.Context, snap Snapshot) error {
	b, err := json.Marshal(snap)
	if err != nil {
		return fmt.Errorf("monitor: encode view: %w", err)
	}
	if err := m.Store.SaveView(ctx, b); err != nil {
		return fmt.Errorf("monitor: save view: %w", err)
	}
	return nil
}

// Plan reads the plan (hwa.PlanSource satisfies it): the watched job lists
// (the first limit jobs of w at now by name, and how many w holds), the
// job streams late at now (likewise), and the workstations — few, one per
// 100 to 300 jobs, and each can alert.
type Plan interface {
	WatchJobs(ctx context.Context, w planread.Watch, now time.Time, limit int) ([]workload.Job, int64, error)
	WatchLateStreams(ctx context.Context, now time.Time, limit int) ([]workload.JobStream, int64, error)
	Workstations(ctx context.Context) ([]workload.Workstation, error)
}

// watchCap bounds the jobs of each watched list one run reads (ten pages of
// HWA's 500). A job beyond it is not in the snapshot: it is alerted on by
// the run that reads it, once, since delivered keys are claimed.
const watchCap = 5000

// watched are the lists whose jobs can raise an alert: failed (abended
// among them) and critical at risk — every job Diff alerts on.
var watched = []planread.Watch{planread.WatchFailed, planread.WatchAtRisk}

// Broadcaster delivers a frame to every connected user (*push.Poster).
type Broadcaster interface {
	Broadcast(ctx context.Context, frame any) (int, error)
}

// Monitor runs the comparison.
type Monitor struct {
	Plan  Plan
	Store Store
	Push  Broadcaster // nil: events are only recorded
	Now   func() time.Time
}

// Result is what one run did.
type Result struct {
	Events    []frames.Event `json:"events"`
	Delivered int            `json:"delivered"` // frames posted (events × connections)
	FirstRun  bool           `json:"firstRun"`
	// Alerts are the events with their unique keys, for the notifier.
	Alerts []Alert `json:"-"`
}

// Run reads the plan, compares it with the last view, records and pushes
// each new event once, and saves the view. A push failure does not lose the
// event: it is recorded and listed by GET /api/v1/events.
func (m *Monitor) Run(ctx context.Context) (Result, error) {
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	at := now()
	var jobs []workload.Job
	seen := map[string]bool{}
	for _, w := range watched {
		js, _, err := m.Plan.WatchJobs(ctx, w, at, watchCap)
		if err != nil {
			return Result{}, fmt.Errorf("monitor: read %s jobs: %w", w, err)
		}
		for _, j := range js {
			if !seen[j.ID] {
				seen[j.ID] = true
				jobs = append(jobs, j)
			}
		}
	}
	streams, _, err := m.Plan.WatchLateStreams(ctx, at, watchCap)
	if err != nil {
		return Result{}, fmt.Errorf("monitor: read job streams: %w", err)
	}
	wss, err := m.Plan.Workstations(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("monitor: read workstations: %w", err)
	}
	cur := Take(jobs, streams, wss, at)
	prev, err := m.last(ctx)
	if err != nil {
		return Result{}, err
	}
	res := Result{FirstRun: prev.At.IsZero(), Events: []frames.Event{}}
	var pushErrs []error
	for _, a := range Diff(prev, cur) {
		fresh, err := m.Store.Claim(ctx, a.Key)
		if err != nil {
			return res, err
		}
		if !fresh {
			continue
		}
		if err := m.Store.Record(ctx, a.Event); err != nil {
			return res, err
		}
		res.Events = append(res.Events, a.Event)
		res.Alerts = append(res.Alerts, a)
		if m.Push != nil {
			n, err := m.Push.Broadcast(ctx, a.Event)
			res.Delivered += n
			if err != nil {
				pushErrs = append(pushErrs, err)
			}
		}
	}
	if err := m.save(ctx, cur); err != nil {
		return res, err
	}
	if err := errors.Join(pushErrs...); err != nil {
		return res, fmt.Errorf("monitor: push: %w", err)
	}
	return res, nil
}
