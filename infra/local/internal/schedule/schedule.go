// Package schedule plays EventBridge schedules for the local stack: it sends
// each function a scheduled event (events.CloudWatchEvent with detail-type
// "Scheduled Event" and the rule's ARN in resources) on the schedule's
// interval, and on demand through Trigger or POST /local/schedules/{name}.
package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/resync/resync/infra/local/internal/awsid"
	"github.com/resync/resync/infra/local/internal/lambdasvc"
	"github.com/resync/resync/shared/edge/routes"
)

// ErrUnknown means no schedule has that name.
var ErrUnknown = errors.New("schedule: unknown schedule")

// Mode says how often the schedules fire by themselves.
type Mode string

// Modes.
const (
	Off  Mode = "off"  // only on demand
	On   Mode = "on"   // on their real intervals
	Fast Mode = "fast" // five seconds per minute of interval, for watching things happen
)

// ParseMode reads LOCAL_SCHEDULES: "" means On.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return On, nil
	case Off, On, Fast:
		return m, nil
	default:
		return "", fmt.Errorf("schedule: unknown mode %q (want off, on or fast)", s)
	}
}

// Interval returns how often s fires in mode m; zero for Off.
func Interval(s routes.Schedule, m Mode) time.Duration {
	switch m {
	case On:
		return time.Duration(s.Minutes) * time.Minute
	case Fast:
		return time.Duration(s.Minutes) * 5 * time.Second
	default:
		return 0
	}
}

// RulePrefix starts the names of the local stack's rules.
const RulePrefix = "resync-local-"

// Event returns the scheduled event EventBridge would send for s.
func Event(s routes.Schedule, region string, now time.Time) events.CloudWatchEvent {
	return events.CloudWatchEvent{
		Version:    "0",
		ID:         awsid.UUID(),
		DetailType: "Scheduled Event",
		Source:     "aws.events",
		AccountID:  "000000000000",
		Time:       now.UTC().Truncate(time.Second),
		Region:     region,
		Resources:  []string{"arn:aws:events:" + region + ":000000000000:rule/" + RulePrefix + s.Name},
		Detail:     json.RawMessage(`{}`),
	}
}

// Invoker runs a function.
type Invoker interface {
	Invoke(ctx context.Context, function string, payload []byte) (lambdasvc.Result, error)
}

// Options configure a Scheduler.
type Options struct {
	Schedules []routes.Schedule
	Invoker   Invoker
	Mode      Mode
	Region    string // "" means us-east-1
	Logger    *slog.Logger
	Now       func() time.Time
	// Interval overrides how often a schedule fires; nil means Interval(s, Mode).
	Interval func(routes.Schedule) time.Duration
}

// Scheduler fires schedules. It is safe for concurrent use.
type Scheduler struct {
	byName  map[string]routes.Schedule
	order   []routes.Schedule
	invoker Invoker
	mode    Mode
	region  string
	log     *slog.Logger
	now     func() time.Time
	every   func(routes.Schedule) time.Duration
}

// New returns a Scheduler.
func New(opts Options) *Scheduler {
	s := &Scheduler{byName: map[string]routes.Schedule{}, invoker: opts.Invoker, mode: opts.Mode,
		region: opts.Region, log: opts.Logger, now: opts.Now, every: opts.Interval}
	if s.every == nil {
		s.every = func(sc routes.Schedule) time.Duration { return Interval(sc, s.mode) }
	}
	for _, sc := range opts.Schedules {
		s.byName[sc.Name] = sc
		s.order = append(s.order, sc)
	}
	if s.region == "" {
		s.region = "us-east-1"
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Trigger sends the named schedule's event now and returns the result.
// Errors: ErrUnknown, or those of the invoker.
func (s *Scheduler) Trigger(ctx context.Context, name string) (lambdasvc.Result, error) {
	sc, ok := s.byName[name]
	if !ok {
		return lambdasvc.Result{}, fmt.Errorf("%w: %q", ErrUnknown, name)
	}
	payload, err := json.Marshal(Event(sc, s.region, s.now()))
	if err != nil {
		return lambdasvc.Result{}, fmt.Errorf("schedule: encode event: %w", err)
	}
	return s.invoker.Invoke(ctx, sc.Function, payload)
}

// Run fires every schedule on its interval until ctx ends, then waits for
// the invokes in flight; a schedule marked AtStart fires once at once, as
// the CDK app fires it after a deployment. In Off mode nothing fires by
// itself and Run returns when ctx ends. A schedule
// whose invoke is still running skips its next tick.
func (s *Scheduler) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, sc := range s.order {
		every := s.every(sc)
		if every <= 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if sc.AtStart {
				s.fire(ctx, sc)
			}
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					s.fire(ctx, sc)
				}
			}
		}()
	}
	<-ctx.Done()
	wg.Wait()
}

func (s *Scheduler) fire(ctx context.Context, sc routes.Schedule) {
	start := s.now()
	res, err := s.Trigger(ctx, sc.Name)
	switch {
	case err != nil && ctx.Err() != nil:
	case err != nil:
		s.log.Warn("schedule invoke failed", "schedule", sc.Name, "function", sc.Function, "err", err)
	case res.FunctionError != "":
		s.log.Warn("schedule function error", "schedule", sc.Name, "function", sc.Function, "error", string(res.Payload))
	default:
		s.log.Info("schedule", "schedule", sc.Name, "function", sc.Function, "durationMs", s.now().Sub(start).Milliseconds())
	}
}

// Handler serves GET /local/schedules (the schedules and their intervals)
// and POST /local/schedules/{name} (fire one now; the answer is the
// function's result: 200 with its payload, 502 with the error payload and
// X-Amz-Function-Error for a function error, 502 for a crash or failed
// start, 504 for a timeout, 404 for an unknown schedule).
func (s *Scheduler) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /local/schedules", func(w http.ResponseWriter, r *http.Request) {
		type entry struct {
			Name       string `json:"name"`
			Function   string `json:"function"`
			Expression string `json:"expression"`
			Every      string `json:"every"`
		}
		out := []entry{}
		for _, sc := range s.order {
			every := "on demand only"
			if d := s.every(sc); d > 0 {
				every = d.String()
			}
			out = append(out, entry{sc.Name, sc.Function, sc.Expression(), every})
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("POST /local/schedules/{name}", func(w http.ResponseWriter, r *http.Request) {
		res, err := s.Trigger(r.Context(), r.PathValue("name"))
		switch {
		case errors.Is(err, ErrUnknown):
			writeJSON(w, http.StatusNotFound, map[string]string{"message": err.Error()})
		case errors.Is(err, lambdasvc.ErrTimeout):
			writeJSON(w, http.StatusGatewayTimeout, map[string]string{"message": err.Error()})
		case err != nil:
			writeJSON(w, http.StatusBadGateway, map[string]string{"message": err.Error()})
		case res.FunctionError != "":
			w.Header().Set("X-Amz-Function-Error", res.FunctionError)
			writeRaw(w, http.StatusBadGateway, res.Payload)
		default:
			writeRaw(w, http.StatusOK, res.Payload)
		}
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v)
	writeRaw(w, status, body)
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	_, _ = w.Write([]byte("\n"))
}
