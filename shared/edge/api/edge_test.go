package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/metrics"
	"github.com/resync/resync/shared/edge/obs"
	"github.com/resync/resync/shared/edge/routes"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func newEdge(t *testing.T, logs, emf *bytes.Buffer, refused *atomic.Int64) (*Edge, *auth.Minter) {
	t.Helper()
	cfg := auth.Config{Issuer: "resync-local", ClientID: "resync-web"}
	v, err := auth.NewHS256(secret, cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := auth.NewMinter(secret, cfg, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return &Edge{
		Function: "status",
		Auth:     v,
		Log:      obs.NewLogger(logs, slog.LevelDebug),
		Metrics:  metrics.New(emf, "Resync", nil),
		Refused:  func(context.Context, *http.Request, error) { refused.Add(1) },
	}, m
}

func TestEdgeAuthAndProblems(t *testing.T) {
	var logs, emf bytes.Buffer
	var refused atomic.Int64
	e, m := newEdge(t, &logs, &emf, &refused)
	mux := http.NewServeMux()
	var gotUser atomic.Value
	e.Handle(mux, routes.HTTPRoute{Method: "GET", Path: "/api/v1/jobs/{id}", Function: "status", Role: routes.RoleViewer}, func(w http.ResponseWriter, r *http.Request) error {
		c, _ := auth.FromContext(r.Context())
		gotUser.Store(c.User())
		if r.PathValue("id") == "nope" {
			return NotFound("no job nope")
		}
		if r.PathValue("id") == "boom" {
			return errors.New("dial tcp: secret internal detail")
		}
		WriteJSON(w, r, 200, map[string]string{"id": r.PathValue("id")})
		return nil
	})
	e.Handle(mux, routes.HTTPRoute{Method: "GET", Path: "/api/v1/admin/cache", Function: "admin", Role: routes.RoleAdmin}, func(w http.ResponseWriter, r *http.Request) error {
		WriteJSON(w, r, 200, "ok")
		return nil
	})
	e.Handle(mux, routes.HTTPRoute{Method: "GET", Path: "/health", Function: "health"}, func(w http.ResponseWriter, r *http.Request) error {
		WriteJSON(w, r, 200, "live")
		return nil
	})
	viewer, _, _ := m.Mint("alice", auth.RoleViewer)
	admin, _, _ := m.Mint("root", auth.RoleAdmin)

	tests := []struct {
		name, path, token string
		status            int
		code              string
	}{
		{"no token", "/api/v1/jobs/j1", "", 401, "unauthorized"},
		{"garbage token", "/api/v1/jobs/j1", "not.a.jwt", 401, "unauthorized"},
		{"viewer ok", "/api/v1/jobs/j1", viewer, 200, ""},
		{"unknown job", "/api/v1/jobs/nope", viewer, 404, "not_found"},
		{"internal error hidden", "/api/v1/jobs/boom", viewer, 500, "internal"},
		{"viewer on admin route", "/api/v1/admin/cache", viewer, 403, "forbidden"},
		{"admin on admin route", "/api/v1/admin/cache", admin, 200, ""},
		{"public route", "/health", "", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", tt.path, nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tt.status, rec.Body.String())
			}
			if rec.Header().Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
			if tt.code == "" {
				return
			}
			var p Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Code != tt.code {
				t.Errorf("problem = %+v (%v), want code %s", p, err, tt.code)
			}
			if strings.Contains(rec.Body.String(), "secret internal detail") {
				t.Error("internal error text reached the client")
			}
		})
	}
	if gotUser.Load() != "root" && gotUser.Load() != "alice" {
		t.Errorf("handler saw user %v", gotUser.Load())
	}
	if refused.Load() != 3 {
		t.Errorf("refused = %d, want 3 (no token, garbage, viewer on admin)", refused.Load())
	}
	// The logs name the failure once and never carry a token.
	if strings.Contains(logs.String(), viewer) || strings.Contains(logs.String(), admin) {
		t.Error("a token reached the logs")
	}
	if !strings.Contains(logs.String(), `"status":500`) {
		t.Errorf("the 500 was not logged: %s", logs.String())
	}
	// One EMF record per request.
	if n := strings.Count(emf.String(), "\n"); n != len(tests) {
		t.Errorf("%d EMF records, want %d", n, len(tests))
	}
}

func TestRequestIDFromHeader(t *testing.T) {
	var logs, emf bytes.Buffer
	var refused atomic.Int64
	e, _ := newEdge(t, &logs, &emf, &refused)
	h := e.Wrap(routes.HTTPRoute{Method: "GET", Path: "/health"}, func(w http.ResponseWriter, r *http.Request) error {
		req, _ := obs.RequestFrom(r.Context())
		WriteJSON(w, r, 200, req.ID)
		return nil
	})
	req := httptest.NewRequest("GET", "/health", nil)
	req.Header.Set("X-Request-Id", "abc-123")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Header().Get("X-Request-Id") != "abc-123" || !strings.Contains(rec.Body.String(), "abc-123") {
		t.Errorf("request id not carried: %s %s", rec.Header().Get("X-Request-Id"), rec.Body.String())
	}
}
