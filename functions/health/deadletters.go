package main

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/app/notify"
	"github.com/resync/resync/shared/edge/api"
	"github.com/resync/resync/shared/edge/auth"
)

// deadLetterStore lists and gives back dead letters (*alertstore.Store).
type deadLetterStore interface {
	DeadLetters(ctx context.Context, n int) ([]notify.DeadLetter, error)
	notify.DeadLetters
}

// replayer sends a dead letter once more (*notify.Notifier).
type replayer interface {
	Replay(ctx context.Context, store notify.DeadLetters, id string) (notify.Replayed, error)
}

// auditor records who replayed what (*audit.Log).
type auditor interface {
	Append(ctx context.Context, e audit.Entry) (audit.Entry, error)
}

// Audit action of a replay.
const actionReplay = "alert:replay"

// deadLetterPage is the answer of GET /api/v1/admin/alerts/dead-letters.
type deadLetterPage struct {
	DeadLetters []notify.DeadLetter `json:"deadLetters"`
	// Channels are the configured channel ids a replay can reach.
	Channels []string `json:"channels"`
}

// listDeadLetters answers GET /api/v1/admin/alerts/dead-letters[?limit=n]:
// the alerts no channel accepted, newest first.
func (h *handler) listDeadLetters(w http.ResponseWriter, r *http.Request) error {
	if h.dead == nil {
		// No alert channel, so nothing was ever dead-lettered.
		api.WriteJSON(w, r, http.StatusOK, deadLetterPage{DeadLetters: []notify.DeadLetter{}, Channels: []string{}})
		return nil
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return api.BadRequest("limit must be between 1 and 500")
		}
		limit = n
	}
	list, err := h.dead.DeadLetters(r.Context(), limit)
	if err != nil {
		h.log.ErrorContext(r.Context(), "listing dead letters failed", "err", err.Error())
		return api.Unavailable("Redis cannot be reached right now", 5)
	}
	if list == nil {
		list = []notify.DeadLetter{}
	}
	api.WriteJSON(w, r, http.StatusOK, deadLetterPage{DeadLetters: list, Channels: h.channels})
	return nil
}

// replayDeadLetter answers POST /api/v1/admin/alerts/dead-letters/{id}/replay:
// the dead letter is sent once more to its channel — once, however many
// replays race (notify.Notifier.Replay) — and the replay is audited before
// it runs and with its result after.
func (h *handler) replayDeadLetter(w http.ResponseWriter, r *http.Request) error {
	if h.dead == nil || h.replay == nil {
		return api.NotFound("no such dead letter: no alert channel is configured, so there are none")
	}
	if h.audit == nil {
		return api.Unavailable("the audit trail is not configured, so nothing can be replayed", 60)
	}
	id := r.PathValue("id")
	if id == "" || len(id) > 64 || strings.ContainsAny(id, " /") {
		return api.BadRequest("id must be a dead letter's id")
	}
	user := ""
	if c, ok := auth.FromContext(r.Context()); ok {
		user = c.User()
	}
	ctx := r.Context()
	// Recorded before it runs; unrecorded, it does not run.
	if _, err := h.audit.Append(ctx, audit.Entry{User: user, Action: actionReplay, Targets: []string{id}, Result: "accepted"}); err != nil {
		return api.Unavailable("the replay could not be audited, so nothing was sent; try again", 5)
	}
	got, err := h.replay.Replay(ctx, h.dead, id)
	result := "delivered to " + got.Channel + " (" + got.Key + ") in " + strconv.Itoa(got.Attempts) + " attempts"
	var p *api.Problem
	switch {
	case err == nil:
	case errors.Is(err, notify.ErrNoDeadLetter):
		result, p = "failed: no such dead letter", api.NotFound("no such dead letter: it was replayed already, or never existed")
	case errors.Is(err, notify.ErrNoChannel):
		result, p = "failed: channel not configured", &api.Problem{Status: http.StatusConflict, Title: "Conflict",
			Detail: "the dead letter's channel has no webhook any more; it stays in the list", Code: "no_channel"}
	case errors.Is(err, notify.ErrReplayFailed):
		// The sender's errors name the channel and the status, never the URL.
		result, p = "failed: "+err.Error(), &api.Problem{Status: http.StatusBadGateway, Title: "Bad gateway",
			Detail: "the channel did not accept the replay either; it is back in the list", Code: "not_delivered"}
	default:
		h.log.ErrorContext(ctx, "replaying a dead letter failed", "id", id, "err", err.Error())
		result, p = "failed: store unavailable", api.Unavailable("Redis cannot be reached right now", 5)
	}
	_, _ = h.audit.Append(context.WithoutCancel(ctx), audit.Entry{User: user, Action: actionReplay, Targets: []string{id}, Result: result})
	if p != nil {
		return p
	}
	api.WriteJSON(w, r, http.StatusOK, got)
	return nil
}
