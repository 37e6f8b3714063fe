package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/adapter/redis/cache"
	"github.com/resync/resync/shared/adapter/redis/security"
	"github.com/resync/resync/shared/app/docs"
	"github.com/resync/resync/shared/app/memory"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/metrics"
	"github.com/resync/resync/shared/edge/obs"
	"github.com/resync/resync/shared/edge/setup"
)

// newReviewFixture is the admin handler with the review queue over the
// real Neo4j; its items belong to a user of the test's own.
func newReviewFixture(t *testing.T) (*fixture, *memory.Store, string) {
	t.Helper()
	cfg := testenv.Neo4j(t)
	ctx := context.Background()
	g, err := graph.Open(ctx, graph.Config{URI: cfg.URI, User: cfg.User, Password: cfg.Password})
	if err != nil {
		t.Fatal(err)
	}
	asker := fmt.Sprintf("asker-%d", time.Now().UnixNano())
	t.Cleanup(func() {
		_, _ = g.Write(context.Background(), `MATCH (n) WHERE (n:Turn OR n:ReviewItem) AND n.user = $u DETACH DELETE n`, map[string]any{"u": asker})
		_ = g.Close(context.Background())
	})
	m, err := memory.New(memory.Config{Graph: g, Embed: docs.Hashing{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	acfg := auth.Config{Issuer: "resync-local", ClientID: "resync-web"}
	v, err := auth.NewHS256(secret, acfg)
	if err != nil {
		t.Fatal(err)
	}
	mint, err := auth.NewMinter(secret, acfg, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cache.New(rdb, cache.Config{})
	if err != nil {
		t.Fatal(err)
	}
	al := audit.New(rdb, audit.Config{})
	edge := setup.NewEdge(function, v, obs.NewLogger(io.Discard, slog.LevelDebug), metrics.New(io.Discard, "Resync", nil), rdb)
	h, err := newHandler(deps{cache: c, redis: rdb, audit: al, security: security.New(rdb, 0), reviews: &reviewsAPI{store: m, audit: al}}, edge)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{h: h, rdb: rdb, cache: c, audit: al, minter: mint}, m, asker
}

func TestReviewRoutes(t *testing.T) {
	f, m, asker := newReviewFixture(t)
	ctx := context.Background()
	if err := m.RecordTurn(ctx, memory.Turn{ID: "msg-1", User: asker, Question: "why did PAY_LOAD fail?", Answer: "PAY_LOAD is running."}); err != nil {
		t.Fatal(err)
	}
	low, err := m.Rate(ctx, asker, "msg-1", 1, "it abended")
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := m.Flag(ctx, asker, "msg-2", memory.ReasonUnknownJob, "the answer names PAY_LAOD")
	if err != nil {
		t.Fatal(err)
	}
	admin := f.token(t, "ada", auth.RoleAdmin)
	base := "/api/v1/admin/reviews"

	// Only admins.
	for _, role := range []auth.Role{auth.RoleViewer, auth.RoleOperator} {
		tok := f.token(t, "x", role)
		for _, rt := range [][2]string{{"GET", base}, {"POST", base + "/" + low.ID + "/approve"}, {"POST", base + "/" + low.ID + "/reject"}} {
			if rec := f.do(t, rt[0], rt[1], tok, `{"correction":"x"}`); rec.Code != http.StatusForbidden {
				t.Errorf("%s %s as %s: %d, want 403", rt[0], rt[1], role, rec.Code)
			}
		}
	}
	list := func(query string) memory.Page {
		t.Helper()
		rec := f.do(t, "GET", base+query, admin, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", query, rec.Code, rec.Body)
		}
		var p memory.Page
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := list("?status=open&user=" + asker + "&limit=1")
	if len(p.Items) != 1 || p.Next == "" || p.Items[0].ID != other.ID {
		t.Errorf("first page = %+v, want the newest item and a cursor", p)
	}
	if p2 := list("?status=open&user=" + asker + "&limit=1&cursor=" + p.Next); len(p2.Items) != 1 || p2.Items[0].ID != low.ID || p2.Next != "" {
		t.Errorf("second page = %+v, want the low rating and no cursor", p2)
	}
	for _, q := range []string{"?status=maybe", "?limit=0", "?limit=9999", "?cursor=x", "?sort=id"} {
		if rec := f.do(t, "GET", base+q, admin, ""); rec.Code != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", q, rec.Code)
		}
	}

	// Approve needs a correction; a decided item conflicts; unknown ids are 404.
	for _, body := range []string{``, `{}`, `{"correction":"  "}`, `{"note":"x"}`, `{"correction":"x","extra":1}`} {
		if rec := f.do(t, "POST", base+"/"+low.ID+"/approve", admin, body); rec.Code != http.StatusBadRequest {
			t.Errorf("approve with %q: %d, want 400", body, rec.Code)
		}
	}
	rec := f.do(t, "POST", base+"/"+low.ID+"/approve", admin, `{"correction":"PAY_LOAD abended (ABEND); say so."}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("approve: %d %s", rec.Code, rec.Body)
	}
	var item memory.ReviewItem
	if err := json.Unmarshal(rec.Body.Bytes(), &item); err != nil || item.Status != memory.StatusApproved || item.Reviewer != "ada" || item.Correction == "" {
		t.Errorf("approved item = %+v, %v", item, err)
	}
	if rec := f.do(t, "POST", base+"/"+low.ID+"/reject", admin, ""); rec.Code != http.StatusConflict {
		t.Errorf("reject after approve: %d, want 409", rec.Code)
	}
	for _, id := range []string{"rev-000000000000000000000000", "nope"} {
		if rec := f.do(t, "POST", base+"/"+id+"/approve", admin, `{"correction":"x"}`); rec.Code != http.StatusNotFound {
			t.Errorf("approve %s: %d, want 404", id, rec.Code)
		}
	}
	if rec := f.do(t, "POST", base+"/"+other.ID+"/reject", admin, `{"note":"PAY_LAOD is a typo of the user"}`); rec.Code != http.StatusOK {
		t.Errorf("reject: %d %s", rec.Code, rec.Body)
	}
	if p := list("?status=approved&user=" + asker); len(p.Items) != 1 || p.Items[0].ID != low.ID {
		t.Errorf("approved = %+v", p.Items)
	}

	// Both decisions are in the audit trail, with the reviewer and the text.
	page, err := f.audit.List(ctx, audit.Filter{User: "ada", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]audit.Entry{}
	for _, e := range page.Entries {
		// Each decision is recorded before it is made ("accepted"), then
		// its outcome; refused ones end "failed".
		if e.Result != "accepted" && e.Result != "failed" {
			got[e.Action] = e
		}
	}
	if e := got["review:approve"]; e.Result != memory.StatusApproved || e.Justification != "PAY_LOAD abended (ABEND); say so." || e.Targets[0] != low.ID {
		t.Errorf("approve audit = %+v", e)
	}
	if e := got["review:reject"]; e.Result != memory.StatusRejected || e.Targets[0] != other.ID {
		t.Errorf("reject audit = %+v", e)
	}
}

// Without a graph the list is empty with a note, and decisions are 503
// (after checking the request).
func TestReviewRoutesWithoutGraph(t *testing.T) {
	f := newFixture(t)
	admin := f.token(t, "ada", auth.RoleAdmin)
	rec := f.do(t, "GET", "/api/v1/admin/reviews?status=open", admin, "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"items":[]`) || !strings.Contains(rec.Body.String(), "NEO4J_URI") || !strings.Contains(rec.Body.String(), `"available":false`) {
		t.Errorf("list without a graph: %d %s", rec.Code, rec.Body)
	}
	for _, rt := range [][3]string{
		{"POST", "/api/v1/admin/reviews/rev-000000000000000000000000/approve", `{"correction":"x"}`},
		{"POST", "/api/v1/admin/reviews/rev-000000000000000000000000/reject", ""},
	} {
		if rec := f.do(t, rt[0], rt[1], admin, rt[2]); rec.Code != http.StatusServiceUnavailable {
			t.Errorf("%s %s: %d %s, want 503", rt[0], rt[1], rec.Code, rec.Body)
		}
	}
}
