// Package monitor watches the live plan for what an operator must hear about
// at once: a job that abends or fails, a job stream that becomes late, a
// workstation that unlinks or stops, a critical job that falls at risk. Each
// run compares the plan with the last view kept in Redis, turns what changed
// into event frames, delivers each event once, and keeps the latest events
// for GET /api/v1/events.
package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/domain/frames"
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

// Take builds the Snapshot of a plan at now.
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

// Store keeps the last view, the delivered keys and the recent events in
// Redis. Safe for concurrent use.
type Store struct {
	rdb    redis.Cmdable
	prefix string
	keep   int64
}

// Limits of the store.
const (
	DefaultKeep = 200            // recent events listed
	dedupeTTL   = 48 * time.Hour // a delivered key is remembered this long
)

// NewStore returns a Store over rdb.
func NewStore(rdb redis.Cmdable) *Store {
	return &Store{rdb: rdb, prefix: "monitor:", keep: DefaultKeep}
}

// Last returns the last saved view, zero when there is none.
func (s *Store) Last(ctx context.Context) (Snapshot, error) {
	b, err := s.rdb.Get(ctx, s.prefix+"last").Bytes()
	if errors.Is(err, redis.Nil) {
		return Snapshot{}, nil
	}
	if err != nil {
		return Snapshot{}, fmt.Errorf("monitor: read last view: %w", err)
	}
	var snap Snapshot
	if err := json.Unmarshal(b, &snap); err != nil {
		return Snapshot{}, nil // an unreadable view is replaced by the next one
	}
	return snap, nil
}

// Save stores snap as the last view.
func (s *Store) Save(ctx context.Context, snap Snapshot) error {
	b, err := json.Marshal(snap)
	if err != nil {
		return fmt.Errorf("monitor: encode view: %w", err)
	}
	if err := s.rdb.Set(ctx, s.prefix+"last", b, 0).Err(); err != nil {
		return fmt.Errorf("monitor: save view: %w", err)
	}
	return nil
}

// Claim reports whether key is new, marking it delivered; concurrent runs
// claim each key once.
func (s *Store) Claim(ctx context.Context, key string) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, s.prefix+"sent:"+key, 1, dedupeTTL).Result()
	if err != nil {
		return false, fmt.Errorf("monitor: claim %s: %w", key, err)
	}
	return ok, nil
}

// Record appends e to the recent events.
func (s *Store) Record(ctx context.Context, e frames.Event) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("monitor: encode event: %w", err)
	}
	pipe := s.rdb.TxPipeline()
	pipe.LPush(ctx, s.prefix+"recent", b)
	pipe.LTrim(ctx, s.prefix+"recent", 0, s.keep-1)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("monitor: record event: %w", err)
	}
	return nil
}

// Recent returns up to n recent events, newest first.
func (s *Store) Recent(ctx context.Context, n int) ([]frames.Event, error) {
	if n <= 0 || n > int(s.keep) {
		n = int(s.keep)
	}
	raw, err := s.rdb.LRange(ctx, s.prefix+"recent", 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("monitor: list events: %w", err)
	}
	out := make([]frames.Event, 0, len(raw))
	for _, r := range raw {
		var e frames.Event
		if json.Unmarshal([]byte(r), &e) == nil {
			out = append(out, e)
		}
	}
	return out, nil
}

// Plan reads the whole plan (planview.HWA satisfies it).
type Plan interface {
	AllJobs(ctx context.Context) ([]workload.Job, error)
	Streams(ctx context.Context) ([]workload.JobStream, error)
	Workstations(ctx context.Context) ([]workload.Workstation, error)
}

// Broadcaster delivers a frame to every connected user (*push.Poster).
type Broadcaster interface {
	Broadcast(ctx context.Context, frame any) (int, error)
}

// Monitor runs the comparison.
type Monitor struct {
	Plan  Plan
	Store *Store
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
	jobs, err := m.Plan.AllJobs(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("monitor: read jobs: %w", err)
	}
	streams, err := m.Plan.Streams(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("monitor: read job streams: %w", err)
	}
	wss, err := m.Plan.Workstations(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("monitor: read workstations: %w", err)
	}
	cur := Take(jobs, streams, wss, now())
	prev, err := m.Store.Last(ctx)
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
	if err := m.Store.Save(ctx, cur); err != nil {
		return res, err
	}
	if err := errors.Join(pushErrs...); err != nil {
		return res, fmt.Errorf("monitor: push: %w", err)
	}
	return res, nil
}
