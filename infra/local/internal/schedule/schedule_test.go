package schedule

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/resync/resync/infra/local/internal/lambdasvc"
	"github.com/resync/resync/shared/edge/routes"
)

type recorder struct {
	mu     sync.Mutex
	calls  []string // function names
	events []events.CloudWatchEvent
	result lambdasvc.Result
	err    error
}

func (r *recorder) Invoke(_ context.Context, fn string, payload []byte) (lambdasvc.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ev events.CloudWatchEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return lambdasvc.Result{}, err
	}
	r.calls = append(r.calls, fn)
	r.events = append(r.events, ev)
	if r.result.Payload == nil && r.err == nil {
		return lambdasvc.Result{Payload: []byte(`{"ok":true}`)}, nil
	}
	return r.result, r.err
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

var testSchedules = []routes.Schedule{{Name: "health-deep", Function: "health", Minutes: 5}}

func TestEventShape(t *testing.T) {
	now := time.Date(2026, 11, 26, 1, 2, 3, 0, time.UTC)
	ev := Event(testSchedules[0], "eu-west-1", now)
	if ev.DetailType != "Scheduled Event" || ev.Source != "aws.events" || !ev.Time.Equal(now) || ev.Region != "eu-west-1" {
		t.Errorf("event = %+v", ev)
	}
	sc, ok := routes.ScheduleFor(ev.Resources)
	if !ok || sc.Name != "health-deep" {
		t.Errorf("routes.ScheduleFor(%v) = %q, %v; want health-deep", ev.Resources, sc.Name, ok)
	}
	raw, _ := json.Marshal(ev)
	if !strings.Contains(string(raw), `"detail-type":"Scheduled Event"`) {
		t.Errorf("JSON lacks detail-type: %s", raw)
	}
}

func TestTriggerHandler(t *testing.T) {
	tests := []struct {
		name, path string
		result     lambdasvc.Result
		err        error
		wantStatus int
		wantBody   string
	}{
		{"ok", "/local/schedules/health-deep", lambdasvc.Result{Payload: []byte(`{"status":"ok"}`)}, nil, 200, `{"status":"ok"}`},
		{"function error", "/local/schedules/health-deep", lambdasvc.Result{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"x"}`)}, nil, 502, `{"errorMessage":"x"}`},
		{"timeout", "/local/schedules/health-deep", lambdasvc.Result{}, lambdasvc.ErrTimeout, 504, ""},
		{"crash", "/local/schedules/health-deep", lambdasvc.Result{}, lambdasvc.ErrCrashed, 502, ""},
		{"unknown", "/local/schedules/nope", lambdasvc.Result{}, nil, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{result: tt.result, err: tt.err}
			s := New(Options{Schedules: testSchedules, Invoker: rec, Mode: Off})
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, httptest.NewRequest("POST", tt.path, nil))
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d (%s)", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantBody != "" && strings.TrimSpace(w.Body.String()) != tt.wantBody {
				t.Errorf("body = %q, want %q", w.Body, tt.wantBody)
			}
		})
	}
}

func TestListHandler(t *testing.T) {
	s := New(Options{Schedules: testSchedules, Invoker: &recorder{}, Mode: Fast})
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/local/schedules", nil))
	want := `[{"name":"health-deep","function":"health","expression":"rate(5 minutes)","every":"25s"}]`
	if got := strings.TrimSpace(w.Body.String()); got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
}

func TestRunFiresOnInterval(t *testing.T) {
	rec := &recorder{}
	s := New(Options{Schedules: testSchedules, Invoker: rec, Mode: On,
		Interval: func(routes.Schedule) time.Duration { return 20 * time.Millisecond }})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	s.Run(ctx)
	if n := rec.count(); n < 2 {
		t.Errorf("fired %d times in 300ms at 20ms intervals, want >= 2", n)
	}
	for i, fn := range rec.calls {
		if fn != "health" {
			t.Errorf("call %d went to %q, want health", i, fn)
		}
	}
}

// A schedule marked AtStart fires as soon as Run starts, long before its
// interval; one that is not waits for its interval.
func TestRunFiresAtStart(t *testing.T) {
	rec := &recorder{}
	s := New(Options{Schedules: []routes.Schedule{
		{Name: "topology-sync", Function: "ingest", Minutes: 15, AtStart: true},
		{Name: "health-deep", Function: "health", Minutes: 5},
	}, Invoker: rec, Mode: On})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	s.Run(ctx)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.calls) != 1 || rec.calls[0] != "ingest" {
		t.Errorf("calls in the first 200ms = %v, want [ingest] (topology-sync at start only)", rec.calls)
	}
}

// The shipped route table syncs the topology at start.
func TestTopologySyncRunsAtStart(t *testing.T) {
	for _, sc := range routes.Schedules() {
		if sc.Name == "topology-sync" && !sc.AtStart {
			t.Error("topology-sync is not marked AtStart: the graph would stay empty for its first interval")
		}
	}
}

func TestRunOffNeverFires(t *testing.T) {
	rec := &recorder{}
	s := New(Options{Schedules: testSchedules, Invoker: rec, Mode: Off})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	s.Run(ctx)
	if n := rec.count(); n != 0 {
		t.Errorf("Off mode fired %d times", n)
	}
}

func TestInterval(t *testing.T) {
	tests := []struct {
		mode Mode
		want time.Duration
	}{{On, 5 * time.Minute}, {Fast, 25 * time.Second}, {Off, 0}}
	for _, tt := range tests {
		if got := Interval(routes.Schedule{Minutes: 5}, tt.mode); got != tt.want {
			t.Errorf("Interval(5 min, %s) = %v, want %v", tt.mode, got, tt.want)
		}
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": On, "off": Off, "FAST": Fast, "on": On} {
		if got, err := ParseMode(in); got != want || err != nil {
			t.Errorf("ParseMode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseMode("sometimes"); err == nil {
		t.Error("ParseMode(sometimes): nil error")
	}
}
