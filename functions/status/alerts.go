package main

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/resync/resync/shared/app/notify"
	"github.com/resync/resync/shared/domain/alert"
	"github.com/resync/resync/shared/edge/api"
)

// Bounds of GET /api/v1/alerts: the monitor store keeps 200 events
// (monitorstore.DefaultKeep); the console asks for the last 100.
const (
	defaultAlerts = 100
	maxAlerts     = 200
)

// alertList is the answer of GET /api/v1/alerts.
type alertList struct {
	Items []alertItem `json:"items"`
}

// alertItem is one plan-monitor event as the notifier words it
// (notify.FromEvent: severity, title, text, link), with the id and name of
// the object it is about, so that a client can match the event frame it
// was pushed (kind, data.id, at) to this item.
type alertItem struct {
	alert.Alert
	ObjectID string `json:"objectId,omitempty"`
	Name     string `json:"name,omitempty"`
}

// alerts lists the latest plan-monitor events as alerts, newest first:
// ?limit (1..200, default 100) after filtering by ?severity (info, warning,
// critical) and ?kind (a monitor event kind). Unknown parameters are a 400.
func (h *handler) alerts(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "limit", "severity", "kind":
		default:
			return api.BadRequest("unknown query parameter " + strconv.Quote(k))
		}
	}
	limit := defaultAlerts
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxAlerts {
			return api.BadRequest("limit must be between 1 and " + strconv.Itoa(maxAlerts))
		}
		limit = n
	}
	severity := q.Get("severity")
	switch severity {
	case "", alert.Info, alert.Warning, alert.Critical:
	default:
		return api.BadRequest("severity must be info, warning or critical")
	}
	kind := q.Get("kind")
	if kind != "" && !slices.Contains(notify.Kinds(), kind) {
		return api.BadRequest("kind must be one of " + strings.Join(notify.Kinds(), ", "))
	}
	// Filters apply to every kept event, then the limit: "the last 10
	// critical" are not cut short by newer warnings.
	evs, err := h.events.Recent(r.Context(), maxAlerts)
	if err != nil {
		return api.Unavailable("the alert list cannot be read now", 5)
	}
	out := alertList{Items: []alertItem{}}
	for _, e := range evs {
		a := notify.FromEvent("", e)
		if severity != "" && a.Severity != severity || kind != "" && a.Kind != kind {
			continue
		}
		id, _ := e.Data["id"].(string)
		name, _ := e.Data["name"].(string)
		out.Items = append(out.Items, alertItem{Alert: a, ObjectID: id, Name: name})
		if len(out.Items) == limit {
			break
		}
	}
	api.WriteJSON(w, r, http.StatusOK, out)
	return nil
}
