package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/app/docs"
	"github.com/resync/resync/shared/app/memory"
	"github.com/resync/resync/shared/edge/api"
)

// The memory review queue: answers rated 2 or less, or caught by the
// auditor (an unknown job, a status the plan contradicts), wait here for an
// admin to approve them with a correction (which later similar questions
// get as context) or reject them. Every decision is audited.

// reviewStore lists and decides review items (*memory.Store).
type reviewStore interface {
	Reviews(ctx context.Context, f memory.Filter) (memory.Page, error)
	Approve(ctx context.Context, id, reviewer, correction string) (memory.ReviewItem, error)
	Reject(ctx context.Context, id, reviewer, note string) (memory.ReviewItem, error)
}

// reviewsAPI serves the review routes. A nil *reviewsAPI (no graph
// configured) answers 503 on every route.
type reviewsAPI struct {
	store reviewStore
	audit *audit.Log
}

// buildReviews wires the review queue on the graph g; with no graph (no
// NEO4J_URI) the queue answers that it is not configured.
func buildReviews(ctx context.Context, g *graph.Store, log *audit.Log) (*reviewsAPI, error) {
	if g == nil {
		return nil, nil
	}
	// The queue never searches corrections, so the offline embedder is
	// only there to satisfy memory.New.
	m, err := memory.New(memory.Config{Graph: g, Embed: docs.Hashing{}})
	if err == nil {
		// At most a few seconds of a cold start go to a graph that is down.
		startCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if err = m.Ready(startCtx); errors.Is(err, graph.ErrUnavailable) {
			err = nil // the queue answers 503 until Neo4j returns
		}
	}
	if err != nil {
		return nil, fmt.Errorf("admin: reviews: %w", err)
	}
	return &reviewsAPI{store: m, audit: log}, nil
}

func reviewsNotConfigured() error {
	return api.Unavailable("the review queue needs the knowledge graph, which is not configured here (NEO4J_URI)", 0)
}

var reviewIDPattern = regexp.MustCompile(`^rev-[0-9a-f]{24}$`)

func reviewProblem(err error) error {
	switch {
	case errors.Is(err, memory.ErrNotFound):
		return api.NotFound("no such review item")
	case errors.Is(err, memory.ErrConflict):
		return &api.Problem{Status: http.StatusConflict, Title: "Conflict", Detail: "the review item was already decided", Code: "conflict"}
	case errors.Is(err, memory.ErrInvalid):
		return api.BadRequest("invalid review request")
	case errors.Is(err, graph.ErrUnavailable):
		return api.Unavailable("the knowledge graph cannot be reached", 5)
	}
	return err
}

// list serves GET /api/v1/admin/reviews?status=open&user=&limit=&cursor=:
// the items newest first and the cursor of the next page.
func (v *reviewsAPI) list(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "status", "user", "limit", "cursor":
		default:
			return api.BadRequest("unknown query parameter " + strconv.Quote(k))
		}
	}
	f := memory.Filter{Status: q.Get("status"), User: q.Get("user"), Cursor: q.Get("cursor")}
	switch f.Status {
	case "", memory.StatusOpen, memory.StatusApproved, memory.StatusRejected:
	default:
		return api.BadRequest("status must be open, approved or rejected")
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > memory.MaxLimit {
			return api.BadRequest("limit must be between 1 and " + strconv.Itoa(memory.MaxLimit))
		}
		f.Limit = n
	}
	if f.Cursor != "" {
		if n, err := strconv.Atoi(f.Cursor); err != nil || n < 0 {
			return api.BadRequest("invalid cursor")
		}
	}
	if v == nil { // like the documents list: nothing to review, and why
		api.WriteJSON(w, r, http.StatusOK, reviewList{Page: memory.Page{Items: []memory.ReviewItem{}}, Available: false,
			Note: "the review queue needs the knowledge graph, which is not configured here (NEO4J_URI)"})
		return nil
	}
	p, err := v.store.Reviews(r.Context(), f)
	if err != nil {
		return reviewProblem(err)
	}
	api.WriteJSON(w, r, http.StatusOK, reviewList{Page: p, Available: true})
	return nil
}

// reviewList is the answer of GET /api/v1/admin/reviews.
type reviewList struct {
	memory.Page
	// Available is false when no graph is configured; Note says so.
	Available bool   `json:"available"`
	Note      string `json:"note,omitempty"`
}

// decision is the body of approve ({"correction"}) and reject ({"note"}).
type decision struct {
	Correction string `json:"correction"`
	Note       string `json:"note"`
}

func (v *reviewsAPI) approve(w http.ResponseWriter, r *http.Request) error {
	return v.decide(w, r, true)
}

func (v *reviewsAPI) reject(w http.ResponseWriter, r *http.Request) error {
	return v.decide(w, r, false)
}

func (v *reviewsAPI) decide(w http.ResponseWriter, r *http.Request, approve bool) error {
	id := r.PathValue("id")
	if !reviewIDPattern.MatchString(id) {
		return api.NotFound("no review item " + strconv.Quote(id))
	}
	var body decision
	if r.ContentLength != 0 || approve {
		if err := api.DecodeJSON(r, &body); err != nil {
			return err
		}
	}
	text := strings.TrimSpace(body.Note)
	if approve {
		text = strings.TrimSpace(body.Correction)
		if text == "" || len([]rune(text)) > memory.MaxCorrection {
			return api.BadRequest(fmt.Sprintf(`send {"correction": "..."}: what the answer should have said, 1 to %d characters`, memory.MaxCorrection))
		}
		if body.Note != "" {
			return api.BadRequest("approve takes a correction, not a note")
		}
	} else if body.Correction != "" {
		return api.BadRequest("reject takes an optional note, not a correction")
	}
	if v == nil {
		return reviewsNotConfigured()
	}
	ctx := r.Context()
	reviewer := callerOf(r)
	var item memory.ReviewItem
	var err error
	action := "review:reject"
	if approve {
		action = "review:approve"
	}
	// Recorded before it runs (the durable trail first); unrecorded, it does not run.
	if _, err := v.audit.Append(ctx, audit.Entry{User: reviewer, Action: action, Targets: []string{id}, Justification: text, Result: "accepted"}); err != nil {
		return api.Unavailable("the review could not be audited, so it was not decided; try again", 5)
	}
	if approve {
		item, err = v.store.Approve(ctx, id, reviewer, text)
	} else {
		item, err = v.store.Reject(ctx, id, reviewer, text)
	}
	result := item.Status
	if err != nil {
		result = "failed"
	}
	_, _ = v.audit.Append(context.WithoutCancel(ctx), audit.Entry{User: reviewer, Action: action, Targets: []string{id, "turn " + item.TurnID + " of " + item.User},
		Justification: text, Result: result, Detail: item.Reason})
	if err != nil {
		return reviewProblem(err)
	}
	api.WriteJSON(w, r, http.StatusOK, item)
	return nil
}
