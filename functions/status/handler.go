package main

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/app/impact"
	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/domain/workload"
	"github.com/resync/resync/shared/edge/api"
)

// handler serves the status routes. It holds only what run built; it is
// never written after newHandler, so it is safe for concurrent invokes.
type handler struct {
	views  *planview.Service
	events recentEvents
	impact impactService
	engine engineInfo
	mux    *http.ServeMux
}

// engineInfo reads the engine's version and settings (*hwa.Client).
type engineInfo interface {
	EngineInfo(ctx context.Context) (hwa.EngineInfo, error)
}

// impactService answers impact and why-waiting (*impact.Service).
type impactService interface {
	Impact(ctx context.Context, jobID string, depth int) (impact.Impact, error)
	Why(ctx context.Context, jobID string) (impact.Why, error)
}

// recentEvents lists the plan monitor's latest events (*monitorstore.Store).
type recentEvents interface {
	Recent(ctx context.Context, n int) ([]frames.Event, error)
}

func newHandler(views *planview.Service, events recentEvents, imp impactService, engine engineInfo, edge *api.Edge) (*handler, error) {
	h := &handler{views: views, events: events, impact: imp, engine: engine, mux: http.NewServeMux()}
	byKey := map[string]api.HandlerFunc{
		"GET /api/v1/plan/summary":     h.summary,
		"GET /api/v1/plan/info":        h.planInfo,
		"GET /api/v1/jobs":             h.jobs,
		"GET /api/v1/jobs/{id}":        h.job,
		"GET /api/v1/jobs/{id}/log":    h.log,
		"GET /api/v1/jobs/{id}/impact": h.jobImpact,
		"GET /api/v1/jobs/{id}/why":    h.jobWhy,
		"GET /api/v1/jobstreams":       h.streams,
		"GET /api/v1/workstations":     h.workstations,
		"GET /api/v1/critical":         h.critical,
		"GET /api/v1/events":           h.recentEvents,
		"GET /api/v1/alerts":           h.alerts,
	}
	if err := edge.Bind(h.mux, byKey); err != nil {
		return nil, err
	}
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// respond writes v, flagging stale data in a header as well as the body.
func respond(w http.ResponseWriter, r *http.Request, v any, stale bool) error {
	if stale {
		w.Header().Set("X-Resync-Stale", "true")
	}
	api.WriteJSON(w, r, http.StatusOK, v)
	return nil
}

// problem maps planview's errors to problems safe to show: the detail of a
// *planview.Error is worded for clients; anything else stays internal.
func problem(err error) error {
	var p *api.Problem
	if errors.As(err, &p) {
		return p
	}
	detail := func(fallback string) string {
		var pe *planview.Error
		if errors.As(err, &pe) && pe.Detail != "" {
			return pe.Detail
		}
		return fallback
	}
	switch {
	case errors.Is(err, planview.ErrNotFound):
		return api.NotFound(detail("not found in the plan"))
	case errors.Is(err, planview.ErrBadQuery):
		return api.BadRequest(detail("invalid query"))
	case errors.Is(err, planview.ErrUnavailable):
		return api.Unavailable("HWA cannot be reached and no earlier answer is cached; try again shortly", 5)
	}
	return err
}

func (h *handler) summary(w http.ResponseWriter, r *http.Request) error {
	s, err := h.views.Summary(r.Context())
	if err != nil {
		return problem(err)
	}
	return respond(w, r, s, s.Stale)
}

// planInfo is what GET /api/v1/plan/info answers: the engine's settings
// the console needs to show the plan's times as HWA's own console does.
type planInfo struct {
	// TimeZone is the engine's time zone (an IANA name); the plan's times
	// are shown in it.
	TimeZone string `json:"timeZone"`
	Version  string `json:"version,omitempty"`
	Locale   string `json:"locale,omitempty"`
}

// planInfo answers GET /api/v1/plan/info from HWA's engine info. An engine
// that names no zone is taken as UTC, which the answer says.
func (h *handler) planInfo(w http.ResponseWriter, r *http.Request) error {
	e, err := h.engine.EngineInfo(r.Context())
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return api.Unavailable("HWA's engine info cannot be read; try again shortly", 5)
	}
	tz := e.Timezone
	if tz == "" {
		tz = "UTC"
	}
	// The engine's settings change with a redeployment, not a plan: a
	// browser may keep them for a while.
	w.Header().Set("Cache-Control", "private, max-age=300")
	api.WriteJSON(w, r, http.StatusOK, planInfo{TimeZone: tz, Version: e.DisplayVersion, Locale: e.Locale})
	return nil
}

func (h *handler) jobs(w http.ResponseWriter, r *http.Request) error {
	q, err := jobQuery(r)
	if err != nil {
		return err
	}
	l, err := h.views.Jobs(r.Context(), q)
	if err != nil {
		return problem(err)
	}
	return respond(w, r, l, l.Stale)
}

// jobQuery reads the filters of GET /api/v1/jobs. Status values are the
// vendor's, case-insensitive.
func jobQuery(r *http.Request) (planview.JobQuery, error) {
	v := r.URL.Query()
	for k := range v {
		switch k {
		case "status", "internalStatus", "stream", "workstation", "name", "critical", "limit", "offset":
		default:
			return planview.JobQuery{}, api.BadRequest("unknown query parameter " + strconv.Quote(k))
		}
	}
	q := planview.JobQuery{
		Status:      workload.CommonStatus(strings.ToUpper(v.Get("status"))),
		Internal:    workload.InternalStatus(strings.ToUpper(v.Get("internalStatus"))),
		Stream:      v.Get("stream"),
		Workstation: v.Get("workstation"),
		Name:        v.Get("name"),
	}
	if c := v.Get("critical"); c != "" {
		b, err := strconv.ParseBool(c)
		if err != nil {
			return q, api.BadRequest("critical must be true or false")
		}
		q.Critical = &b
	}
	var err error
	if q.Limit, err = intParam(v.Get("limit"), "limit"); err != nil {
		return q, err
	}
	if q.Offset, err = intParam(v.Get("offset"), "offset"); err != nil {
		return q, err
	}
	return q, nil
}

func intParam(s, name string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, api.BadRequest(name + " must be a non-negative integer")
	}
	return n, nil
}

func (h *handler) job(w http.ResponseWriter, r *http.Request) error {
	d, err := h.views.Job(r.Context(), r.PathValue("id"))
	if err != nil {
		return problem(err)
	}
	return respond(w, r, d, d.Stale)
}

func (h *handler) log(w http.ResponseWriter, r *http.Request) error {
	tail, err := intParam(r.URL.Query().Get("tail"), "tail")
	if err != nil {
		return err
	}
	l, err := h.views.Log(r.Context(), r.PathValue("id"), tail)
	if err != nil {
		return problem(err)
	}
	return respond(w, r, l, l.Stale)
}

func (h *handler) streams(w http.ResponseWriter, r *http.Request) error {
	l, err := h.views.Streams(r.Context())
	if err != nil {
		return problem(err)
	}
	return respond(w, r, l, l.Stale)
}

func (h *handler) workstations(w http.ResponseWriter, r *http.Request) error {
	l, err := h.views.Workstations(r.Context())
	if err != nil {
		return problem(err)
	}
	return respond(w, r, l, l.Stale)
}

func (h *handler) critical(w http.ResponseWriter, r *http.Request) error {
	l, err := h.views.Critical(r.Context())
	if err != nil {
		return problem(err)
	}
	return respond(w, r, l, l.Stale)
}

// eventList is the answer of GET /api/v1/events.
type eventList struct {
	Items []frames.Event `json:"items"`
}

func (h *handler) recentEvents(w http.ResponseWriter, r *http.Request) error {
	n, err := intParam(r.URL.Query().Get("limit"), "limit")
	if err != nil {
		return err
	}
	evs, err := h.events.Recent(r.Context(), n)
	if err != nil {
		return api.Unavailable("the event list cannot be read now", 5)
	}
	api.WriteJSON(w, r, http.StatusOK, eventList{Items: evs})
	return nil
}

// impactProblem maps impact's errors to problems.
func impactProblem(err error) error {
	switch {
	case errors.Is(err, impact.ErrNotFound):
		return api.NotFound("no such job in the plan")
	case errors.Is(err, impact.ErrInvalid):
		return api.BadRequest("invalid job id or depth")
	}
	return api.Unavailable("neither the knowledge graph nor HWA can be read now; try again shortly", 5)
}

func (h *handler) jobImpact(w http.ResponseWriter, r *http.Request) error {
	depth, err := intParam(r.URL.Query().Get("depth"), "depth")
	if err != nil {
		return err
	}
	out, err := h.impact.Impact(r.Context(), r.PathValue("id"), depth)
	if err != nil {
		return impactProblem(err)
	}
	api.WriteJSON(w, r, http.StatusOK, out)
	return nil
}

func (h *handler) jobWhy(w http.ResponseWriter, r *http.Request) error {
	out, err := h.impact.Why(r.Context(), r.PathValue("id"))
	if err != nil {
		return impactProblem(err)
	}
	api.WriteJSON(w, r, http.StatusOK, out)
	return nil
}
