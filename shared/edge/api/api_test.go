package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWriteJSONETag(t *testing.T) {
	v := map[string]int{"a": 1}
	rec := httptest.NewRecorder()
	WriteJSON(rec, httptest.NewRequest("GET", "/x", nil), http.StatusOK, v)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	etag := rec.Header().Get("ETag")
	if !strings.HasPrefix(etag, `"`) || len(etag) < 10 {
		t.Fatalf("ETag = %q", etag)
	}
	tests := []struct {
		inm  string
		want int
	}{
		{etag, http.StatusNotModified},
		{"W/" + etag, http.StatusNotModified},
		{`"other", ` + etag, http.StatusNotModified},
		{"*", http.StatusNotModified},
		{`"other"`, http.StatusOK},
		{"", http.StatusOK},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", "/x", nil)
		if tt.inm != "" {
			req.Header.Set("If-None-Match", tt.inm)
		}
		rec := httptest.NewRecorder()
		WriteJSON(rec, req, http.StatusOK, v)
		if rec.Code != tt.want {
			t.Errorf("If-None-Match %q: got %d, want %d", tt.inm, rec.Code, tt.want)
		}
		if tt.want == http.StatusNotModified && rec.Body.Len() != 0 {
			t.Errorf("304 with a body: %q", rec.Body.String())
		}
	}
	// A different body has a different tag.
	rec2 := httptest.NewRecorder()
	WriteJSON(rec2, httptest.NewRequest("GET", "/x", nil), http.StatusOK, map[string]int{"a": 2})
	if rec2.Header().Get("ETag") == etag {
		t.Error("different bodies share an ETag")
	}
}

func TestWriteProblem(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteProblem(rec, httptest.NewRequest("GET", "/api/v1/jobs/nope", nil), NotFound("no job nope in the plan"))
	if rec.Code != 404 || rec.Header().Get("Content-Type") != ProblemContentType {
		t.Fatalf("got %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var p Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != "about:blank" || p.Status != 404 || p.Instance != "/api/v1/jobs/nope" || p.Code != "not_found" {
		t.Errorf("problem = %+v", p)
	}

	rec = httptest.NewRecorder()
	WriteProblem(rec, nil, Unavailable("HWA is unreachable", 5))
	if rec.Header().Get("Retry-After") != "5" {
		t.Errorf("Retry-After = %q", rec.Header().Get("Retry-After"))
	}
	rec = httptest.NewRecorder()
	WriteProblem(rec, nil, Unauthorized("missing bearer token"))
	if rec.Header().Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
}

func TestAsProblemHidesInternalText(t *testing.T) {
	secret := errors.New("dial tcp 10.0.0.1:6379: password=hunter2")
	p := AsProblem(fmt.Errorf("status: load summary: %w", secret))
	if p.Status != 500 || strings.Contains(p.Detail, "hunter2") || strings.Contains(p.Detail, "10.0.0.1") {
		t.Errorf("AsProblem leaked: %+v", p)
	}
	want := NotFound("x")
	if got := AsProblem(fmt.Errorf("wrapped: %w", want)); got != want {
		t.Errorf("AsProblem lost the problem: %+v", got)
	}
}

func TestDecodeJSON(t *testing.T) {
	type body struct {
		Kind string `json:"kind"`
	}
	tests := []struct {
		name, ct, body string
		status         int // 0 = ok
	}{
		{"ok", "application/json", `{"kind":"summary"}`, 0},
		{"unknown field", "application/json", `{"kind":"x","extra":1}`, 400},
		{"malformed", "application/json", `{"kind":`, 400},
		{"trailing", "application/json", `{"kind":"x"} {}`, 400},
		{"wrong type", "application/json", `{"kind":3}`, 400},
		{"empty", "application/json", ``, 400},
		{"media type", "text/plain", `{"kind":"x"}`, 415},
		{"too large", "application/json", `{"kind":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.ct)
			var b body
			err := DecodeJSON(req, &b)
			if tt.status == 0 {
				if err != nil || b.Kind != "summary" {
					t.Fatalf("err=%v kind=%q", err, b.Kind)
				}
				return
			}
			var p *Problem
			if !errors.As(err, &p) || p.Status != tt.status {
				t.Fatalf("err = %v, want problem %d", err, tt.status)
			}
		})
	}
}
