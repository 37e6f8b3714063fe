package main

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/adapter/s3audit"
	"github.com/resync/resync/shared/app/compliance"
	"github.com/resync/resync/shared/edge/api"
)

func trailNotConfigured() error {
	return api.Unavailable("the durable audit trail is not configured here (AUDIT_BUCKET); only the Redis index exists", 0)
}

// onlyParams refuses query parameters other than names.
func onlyParams(r *http.Request, names ...string) error {
	for k := range r.URL.Query() {
		ok := false
		for _, n := range names {
			ok = ok || k == n
		}
		if !ok {
			return api.BadRequest("unknown query parameter " + strconv.Quote(k))
		}
	}
	return nil
}

// verify answers GET /api/v1/admin/audit/verify?day=YYYY-MM-DD (default
// today, UTC): the day's chain walked, ok or each place it breaks.
func (h *handler) verify(w http.ResponseWriter, r *http.Request) error {
	if err := onlyParams(r, "day"); err != nil {
		return err
	}
	day := r.URL.Query().Get("day")
	if day == "" {
		day = h.now().UTC().Format(s3audit.DayLayout)
	}
	if _, err := s3audit.ParseDay(day); err != nil {
		return api.BadRequest("day must be a UTC day such as 2026-12-03")
	}
	if h.trail == nil {
		return trailNotConfigured()
	}
	v, err := h.trail.Walk(r.Context(), day, nil)
	if err != nil {
		return api.Unavailable("the durable audit trail cannot be read now", 5)
	}
	if v.Breaks == nil {
		v.Breaks = []audit.Break{}
	}
	api.WriteJSON(w, r, http.StatusOK, v)
	return nil
}

// compliance answers GET /api/v1/admin/compliance?from=&to=&format=csv|html
// (default html): the compliance report of at most compliance.MaxDays days.
func (h *handler) compliance(w http.ResponseWriter, r *http.Request) error {
	if err := onlyParams(r, "from", "to", "format"); err != nil {
		return err
	}
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = "html"
	}
	if format != "html" && format != "csv" {
		return api.BadRequest("format must be csv or html")
	}
	if _, _, err := compliance.Period(q.Get("from"), q.Get("to"), h.now()); err != nil {
		return api.BadRequest(periodMessage(err))
	}
	if h.trail == nil {
		return trailNotConfigured()
	}
	rep, err := compliance.Build(r.Context(), h.trail, h.security, q.Get("from"), q.Get("to"), h.now())
	if err != nil {
		return api.Unavailable("the audit trail or the security log cannot be read now", 5)
	}
	name := "resync-compliance-" + rep.From + "-to-" + rep.To
	w.Header().Set("Cache-Control", "no-store")
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		return rep.WriteCSV(w)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	return rep.WriteHTML(w)
}

// periodMessage is the safe text of a compliance.ErrInvalid.
func periodMessage(err error) string {
	var pe *compliance.PeriodError
	if errors.As(err, &pe) {
		return "bad period: " + pe.Reason + " (from and to are UTC days, at most " + strconv.Itoa(compliance.MaxDays) + " days apart)"
	}
	return "bad period"
}
