package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/resync/resync/shared/edge/routes"
)

func TestBind(t *testing.T) {
	ok := func(w http.ResponseWriter, r *http.Request) error {
		WriteJSON(w, r, http.StatusOK, r.URL.Path)
		return nil
	}
	tests := []struct {
		name     string
		function string
		handlers map[string]HandlerFunc
		wantErr  []string // each must be in the error; nil: no error
	}{
		{"every route has its handler", "health", healthRoutes(nil), nil},
		{"a route without a handler", "health", map[string]HandlerFunc{"GET /health": ok},
			[]string{"health: bind routes", "no handler for routes GET /health/deep"}},
		{"a handler without a route", "health", healthRoutes(map[string]HandlerFunc{"POST /health": ok}),
			[]string{"handlers for POST /health have no route"}},
		{"both at once", "health", map[string]HandlerFunc{"GET /health": ok, "GET /api/v1/jobs": ok},
			[]string{"no handler for routes GET /health/deep", "handlers for GET /api/v1/jobs have no route"}},
		{"a function with no routes", "ingest", map[string]HandlerFunc{"GET /health": ok},
			[]string{"ingest: bind routes", "handlers for GET /health have no route"}},
		{"no function", "", map[string]HandlerFunc{}, []string{"names no function"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs, emf bytes.Buffer
			var refused atomic.Int64
			e, _ := newEdge(t, &logs, &emf, &refused)
			e.Function = tt.function
			mux := http.NewServeMux()
			err := e.Bind(mux, tt.handlers)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Bind = %v, want nil", err)
				}
			} else {
				if err == nil {
					t.Fatalf("Bind = nil, want an error with %q", tt.wantErr)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("Bind = %q, want it to say %q", err, w)
					}
				}
				// Nothing was registered: the mux knows no path at all.
				if _, pattern := mux.Handler(httptest.NewRequest("GET", "/health", nil)); pattern != "" {
					t.Errorf("after a failed Bind the mux serves %q", pattern)
				}
				return
			}
			for _, c := range []struct {
				path   string
				status int
			}{{"/health", 200}, {"/health/deep", 401}, {"/nowhere", 404}} {
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, httptest.NewRequest("GET", c.path, nil))
				if rec.Code != c.status {
					t.Errorf("GET %s = %d, want %d: %s", c.path, rec.Code, c.status, rec.Body.String())
				}
				if c.status == 404 {
					var p Problem
					if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Code != "not_found" || p.Detail != "no route GET /nowhere" {
						t.Errorf("404 problem = %+v (%v)", p, err)
					}
				}
			}
		})
	}
}

// healthRoutes maps every route of the health function to a handler,
// plus extra.
func healthRoutes(extra map[string]HandlerFunc) map[string]HandlerFunc {
	m := map[string]HandlerFunc{}
	for _, rt := range routes.HTTP() {
		if rt.Function == routes.Health {
			m[rt.Key()] = func(http.ResponseWriter, *http.Request) error { return nil }
		}
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}
