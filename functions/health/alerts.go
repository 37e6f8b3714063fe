package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/resync/resync/shared/app/handover"
	"github.com/resync/resync/shared/app/monitor"
	"github.com/resync/resync/shared/app/notify"
	"github.com/resync/resync/shared/edge/api"
)

// notifier delivers alerts to the chat channels (*notify.Notifier).
type notifier interface {
	Notify(ctx context.Context, alerts []notify.Alert) (notify.Report, error)
}

// executedActions lists the audited executed actions (*audit.Log).
type executedActions interface {
	Executed(ctx context.Context, from, to time.Time) ([]notify.Action, error)
}

// digests writes shift handovers (*handover.Builder).
type digests interface {
	Current(ctx context.Context) (handover.Digest, error)
	Previous(ctx context.Context) (handover.Digest, error)
}

// Windows of the scheduled alerts.
const (
	// actionLookback is how far back each monitor run reads the audit for
	// executed actions; the per-channel claim makes the overlap of
	// successive runs harmless. Actions older than this when the health
	// function first runs after an outage are not alerted (the handover
	// still lists them).
	actionLookback = 15 * time.Minute
	// handoverLate is how long after a shift boundary its digest is still
	// posted (a function that was down longer does not post stale digests).
	handoverLate = 2 * time.Hour
)

// monitorAnswer is the answer of the plan-monitor schedule.
type monitorAnswer struct {
	monitor.Result
	Alerts *notify.Report `json:"alerts,omitempty"`
}

// alert sends the monitor's new events and the recently executed actions
// to the channels. Failures are logged: the events are recorded either way.
func (h *handler) alert(ctx context.Context, res monitor.Result) *notify.Report {
	if h.notify == nil {
		return nil
	}
	alerts := make([]notify.Alert, 0, len(res.Alerts))
	for _, a := range res.Alerts {
		alerts = append(alerts, notify.FromEvent(a.Key, a.Event))
	}
	if h.actions != nil {
		now := h.now()
		acts, err := h.actions.Executed(ctx, now.Add(-actionLookback), now.Add(time.Second))
		if err != nil {
			h.log.WarnContext(ctx, "reading executed actions for alerts failed", "err", err.Error())
		}
		for _, x := range acts {
			alerts = append(alerts, notify.FromAction(x))
		}
	}
	rep, err := h.notify.Notify(ctx, alerts)
	if err != nil {
		h.log.WarnContext(ctx, "alert delivery bookkeeping failed", "err", err.Error())
	}
	if rep.Dead > 0 {
		h.log.WarnContext(ctx, "alerts could not be delivered and were dead-lettered", "dead", rep.Dead)
	}
	return &rep
}

// handoverAnswer is the answer of the shift-handover schedule.
type handoverAnswer struct {
	Shift   string         `json:"shift"`
	Posted  bool           `json:"posted"`
	Reason  string         `json:"reason,omitempty"`
	Alerts  *notify.Report `json:"alerts,omitempty"`
	Missing []string       `json:"missing,omitempty"`
}

// postHandover posts the digest of the shift that ended last, once per
// channel, while the boundary is recent.
func (h *handler) postHandover(ctx context.Context) (handoverAnswer, error) {
	if h.handover == nil {
		return handoverAnswer{}, errors.New("health: the shift handover needs HWA_URL (or HWA_SECRET_ARN)")
	}
	d, err := h.handover.Previous(ctx)
	if err != nil {
		return handoverAnswer{}, fmt.Errorf("health: shift handover: %w", err)
	}
	ans := handoverAnswer{Shift: d.Shift, Missing: d.Missing}
	switch {
	case h.notify == nil:
		ans.Reason = "no chat channel is configured"
	case h.now().Sub(d.To) > handoverLate:
		ans.Reason = "the shift ended more than " + handoverLate.String() + " ago"
	default:
		rep, err := h.notify.Notify(ctx, []notify.Alert{d.Alert()})
		if err != nil {
			return ans, fmt.Errorf("health: post shift handover: %w", err)
		}
		ans.Posted, ans.Alerts = rep.Sent > 0, &rep
	}
	return ans, nil
}

// getHandover answers GET /api/v1/handover: the digest of the shift under
// way, or with ?shift=previous of the last one that ended.
func (h *handler) getHandover(w http.ResponseWriter, r *http.Request) error {
	if h.handover == nil {
		return api.Unavailable("the shift handover needs the HWA connection, which is not configured", 60)
	}
	var (
		d   handover.Digest
		err error
	)
	switch r.URL.Query().Get("shift") {
	case "", "current":
		d, err = h.handover.Current(r.Context())
	case "previous":
		d, err = h.handover.Previous(r.Context())
	default:
		return api.BadRequest("shift must be current or previous")
	}
	if err != nil {
		h.log.ErrorContext(r.Context(), "building the shift handover failed", "err", err.Error())
		return api.Unavailable("the plan cannot be read right now", 30)
	}
	api.WriteJSON(w, r, http.StatusOK, d)
	return nil
}
