package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/resync/resync/shared/app/monitor"
	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/edge/api"
	"github.com/resync/resync/shared/edge/metrics"
	"github.com/resync/resync/shared/edge/obs"
	"github.com/resync/resync/shared/edge/routes"
	"github.com/resync/resync/shared/edge/stage"
)

// reports stores deep-check reports (redisStore).
type reports interface {
	Save(ctx context.Context, rep Report) ([]Transition, error)
	Last(ctx context.Context) (Report, error)
}

// deepChecker runs the deep check (*checker).
type deepChecker interface {
	run(ctx context.Context) Report
}

// planMonitor compares the plan with its last view (*monitor.Monitor).
type planMonitor interface {
	Run(ctx context.Context) (monitor.Result, error)
}

// broadcaster pushes a frame to every connected user (*push.Poster).
type broadcaster interface {
	Broadcast(ctx context.Context, frame any) (int, error)
}

type handlerDeps struct {
	stage   stage.Stage
	monitor planMonitor // nil when HWA is not configured
	push    broadcaster // nil when no WebSocket endpoint is configured
	// notify delivers alerts to the chat channels; nil when no channel has
	// a webhook. actions feeds it the executed actions of the audit trail.
	notify   notifier
	actions  executedActions
	handover digests // nil when HWA is not configured
	// dead is the dead-letter list; replay and audit replay from it (nil
	// when no channel has a webhook); channels are the configured ids.
	dead     deadLetterStore
	replay   replayer
	audit    auditor
	channels []string
	auth     api.Authenticator
	store    reports
	check    deepChecker
	log      *slog.Logger
	metrics  *metrics.Emitter
	refused  func(ctx context.Context, r *http.Request, err error)
	limits   api.Limiter // per-user (per-address for GET /health) limits; nil in tests
	now      func() time.Time
}

// handler answers every event the health function receives: API Gateway v2
// HTTP requests (through a plain net/http mux) and scheduled events. It is
// safe for concurrent use and never written after construction.
type handler struct {
	handlerDeps
	http *httpadapter.HandlerAdapterV2
	mux  http.Handler
}

func newHandler(d handlerDeps) (*handler, error) {
	if d.now == nil {
		d.now = time.Now
	}
	h := &handler{handlerDeps: d}
	edge := &api.Edge{Function: function, Auth: d.auth, Log: d.log, Metrics: d.metrics, Refused: d.refused, Limits: d.limits, Now: d.now}
	handlers := map[string]api.HandlerFunc{
		"GET /health":                                        h.live,
		"GET /health/deep":                                   h.deep,
		"GET /api/v1/handover":                               h.getHandover,
		"GET /api/v1/admin/alerts/dead-letters":              h.listDeadLetters,
		"POST /api/v1/admin/alerts/dead-letters/{id}/replay": h.replayDeadLetter,
	}
	mux := http.NewServeMux()
	if err := edge.Bind(mux, handlers); err != nil {
		return nil, err
	}
	h.mux = mux
	h.http = httpadapter.NewV2(mux)
	return h, nil
}

// Invoke is the Lambda handler: it tells the event's shape from its JSON
// and answers it.
func (h *handler) Invoke(ctx context.Context, raw json.RawMessage) (any, error) {
	var shape struct {
		Version    string `json:"version"`
		RouteKey   string `json:"routeKey"`
		DetailType string `json:"detail-type"`
		Source     string `json:"source"`
	}
	if err := json.Unmarshal(raw, &shape); err != nil {
		return nil, fmt.Errorf("health: decode event: %w", err)
	}
	switch {
	case shape.Source == "aws.events" && shape.DetailType == "Scheduled Event":
		var ev events.CloudWatchEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("health: decode scheduled event: %w", err)
		}
		return h.scheduled(ctx, ev)
	case shape.Version == "2.0" && shape.RouteKey != "":
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("health: decode HTTP event: %w", err)
		}
		return h.http.ProxyWithContext(ctx, ev)
	default:
		return nil, errors.New("health: unsupported event: want an API Gateway v2 HTTP request or a scheduled event")
	}
}

// DeepResult is the answer of the health-deep schedule.
type DeepResult struct {
	Report
	Stored      bool         `json:"stored"`
	Transitions []Transition `json:"transitions,omitempty"`
}

func (h *handler) scheduled(ctx context.Context, ev events.CloudWatchEvent) (any, error) {
	sc, ok := routes.ScheduleFor(ev.Resources)
	if !ok {
		return nil, fmt.Errorf("health: scheduled event from an unknown rule %v", ev.Resources)
	}
	ctx = obs.WithRequest(ctx, obs.Request{Route: "schedule " + sc.Name})
	switch sc.Name {
	case "health-deep":
		res := h.deepCheck(ctx)
		h.pushTransitions(ctx, res.Transitions)
		return res, nil
	case "plan-monitor":
		if h.monitor == nil {
			return nil, errors.New("health: the plan monitor needs HWA_URL (or HWA_SECRET_ARN)")
		}
		res, err := h.monitor.Run(ctx)
		if err != nil {
			h.log.WarnContext(ctx, "plan monitor run failed", "err", err.Error(), "events", len(res.Events))
			if len(res.Events) == 0 {
				return nil, fmt.Errorf("health: plan monitor: %w", err)
			}
		}
		return monitorAnswer{Result: res, Alerts: h.alert(ctx, res)}, nil
	case "shift-handover":
		return h.postHandover(ctx)
	default:
		return nil, fmt.Errorf("health: schedule %s is not handled by this function", sc.Name)
	}
}

// pushTransitions tells connected users that a dependency changed state.
// A push failure is logged: the transitions stay in Redis.
func (h *handler) pushTransitions(ctx context.Context, ts []Transition) {
	if h.push == nil || len(ts) == 0 {
		return
	}
	for _, t := range ts {
		ev := frames.Event{Type: frames.TypeEvent, Kind: "health", At: h.now().UTC(), Data: map[string]any{"transition": t}}
		if _, err := h.push.Broadcast(ctx, ev); err != nil {
			h.log.WarnContext(ctx, "pushing a health change failed", "err", err.Error())
		}
	}
}

// deepCheck runs every check, stores the report and records what changed.
// A store failure is logged and reported in the result, not returned: the
// check itself ran.
func (h *handler) deepCheck(ctx context.Context) DeepResult {
	rep := h.check.run(ctx)
	res := DeepResult{Report: rep, Stored: true}
	ts, err := h.store.Save(ctx, rep)
	if err != nil {
		res.Stored = false
		h.log.ErrorContext(ctx, "storing the deep check failed", "err", err.Error())
	}
	res.Transitions = ts
	for _, t := range ts {
		level := slog.LevelInfo
		if t.To == string(StatusFail) || t.To == OverallDegraded {
			level = slog.LevelWarn
		}
		h.log.Log(ctx, level, "health state changed", "check", t.Check, "from", t.From, "to", t.To, "error", t.Error)
	}
	for _, c := range rep.Checks {
		if c.Status == StatusSkipped {
			continue
		}
		failed := 0.0
		if c.Status == StatusFail {
			failed = 1
		}
		h.metrics.Emit(map[string]string{"Function": function, "Check": c.Name},
			metrics.Metric{Name: "HealthCheckFailed", Value: failed, Unit: metrics.Count},
			metrics.Metric{Name: "HealthCheckLatency", Value: float64(c.LatencyMS), Unit: metrics.Milliseconds})
	}
	h.log.InfoContext(ctx, "deep check", "status", rep.Status, "durationMs", rep.DurationMS, "stored", res.Stored)
	return res
}

// live answers GET /health: cheap, no I/O, no token.
func (h *handler) live(w http.ResponseWriter, r *http.Request) error {
	api.WriteJSON(w, r, http.StatusOK, map[string]string{
		"status":   "ok",
		"function": function,
		"stage":    string(h.stage),
		"time":     h.now().UTC().Format(time.RFC3339),
	})
	return nil
}

// deepAnswer is the body of GET /health/deep.
type deepAnswer struct {
	Report
	AgeSeconds int64 `json:"ageSeconds"`
}

// deep answers GET /health/deep (admin): the last stored deep report.
func (h *handler) deep(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.store.Last(r.Context())
	switch {
	case errors.Is(err, errNoReport):
		return api.NotFound("no deep check has run yet; it runs on the health-deep schedule")
	case err != nil:
		h.log.ErrorContext(r.Context(), "reading the deep check failed", "err", err.Error())
		return api.Unavailable("the last deep check cannot be read right now", 30)
	}
	api.WriteJSON(w, r, http.StatusOK, deepAnswer{Report: rep, AgeSeconds: int64(h.now().Sub(rep.CheckedAt).Seconds())})
	return nil
}
