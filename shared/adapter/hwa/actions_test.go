package hwa

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// actionCase is one client action with the request it must send.
type actionCase struct {
	name     string
	call     func(c *Client, o ActionOptions) error
	path     string
	body     string
	query    string
	template string
}

func actionCases() []actionCase {
	ctx := context.Background()
	return []actionCase{
		{"rerun", func(c *Client, o ActionOptions) error { _, err := c.Rerun(ctx, "R1", RerunDetails{}, o); return err },
			"/twsd/api/v2/plan/job/run/R1/action/rerun", "{}", "", "/plan/job/run/{run_id}/action/rerun"},
		{"rerun with details", func(c *Client, o ActionOptions) error {
			_, err := c.Rerun(ctx, "R1", RerunDetails{Priority: 50, StepName: "STEP2"}, o)
			return err
		}, "/twsd/api/v2/plan/job/run/R1/action/rerun", `{"priority":50,"stepName":"STEP2"}`, "", "/plan/job/run/{run_id}/action/rerun"},
		{"hold", func(c *Client, o ActionOptions) error { _, err := c.Hold(ctx, "J1", o); return err },
			"/twsd/api/v2/plan/job/J1/action/hold", "{}", "", "/plan/job/{job_id}/action/hold"},
		{"release", func(c *Client, o ActionOptions) error { _, err := c.Release(ctx, "J1", o); return err },
			"/twsd/api/v2/plan/job/J1/action/release", "{}", "", "/plan/job/{job_id}/action/release"},
		{"cancel", func(c *Client, o ActionOptions) error { _, err := c.Cancel(ctx, "J1", o); return err },
			"/twsd/api/v2/plan/job/J1/action/cancel", "{}", "", "/plan/job/{job_id}/action/cancel"},
		{"kill", func(c *Client, o ActionOptions) error { _, err := c.Kill(ctx, "J1", o); return err },
			"/twsd/api/v2/plan/job/J1/action/kill", "{}", "", "/plan/job/{job_id}/action/kill"},
		{"confirm-succ", func(c *Client, o ActionOptions) error { _, err := c.ConfirmSucc(ctx, "J1", nil, o); return err },
			"/twsd/api/v2/plan/job/J1/action/confirm-succ", "{}", "", "/plan/job/{job_id}/action/confirm-succ"},
		{"confirm-succ with conditions", func(c *Client, o ActionOptions) error {
			_, err := c.ConfirmSucc(ctx, "J1", []string{"OK_COND"}, o)
			return err
		}, "/twsd/api/v2/plan/job/J1/action/confirm-succ", `{"conditions":["OK_COND"]}`, "", "/plan/job/{job_id}/action/confirm-succ"},
		{"confirm-abend", func(c *Client, o ActionOptions) error { _, err := c.ConfirmAbend(ctx, "J1", nil, o); return err },
			"/twsd/api/v2/plan/job/J1/action/confirm-abend", "{}", "", "/plan/job/{job_id}/action/confirm-abend"},
		{"release-all-dependencies", func(c *Client, o ActionOptions) error { _, err := c.ReleaseAllDependencies(ctx, "J1", o); return err },
			"/twsd/api/v2/plan/job/J1/action/release-all-dependencies", "{}", "", "/plan/job/{job_id}/action/release-all-dependencies"},
		{"update-priority", func(c *Client, o ActionOptions) error { _, err := c.UpdatePriority(ctx, "J1", 50, o); return err },
			"/twsd/api/v2/plan/job/J1/action/update-priority", "{}", "priority=50", "/plan/job/{job_id}/action/update-priority"},
		{"hold stream", func(c *Client, o ActionOptions) error { _, err := c.HoldStream(ctx, "S1", o); return err },
			"/twsd/api/v2/plan/jobstream/S1/action/hold", "{}", "", "/plan/jobstream/{jobstream_id}/action/hold"},
		{"release stream", func(c *Client, o ActionOptions) error { _, err := c.ReleaseStream(ctx, "S1", o); return err },
			"/twsd/api/v2/plan/jobstream/S1/action/release", "{}", "", "/plan/jobstream/{jobstream_id}/action/release"},
		{"cancel stream", func(c *Client, o ActionOptions) error { _, err := c.CancelStream(ctx, "S1", o); return err },
			"/twsd/api/v2/plan/jobstream/S1/action/cancel", "{}", "", "/plan/jobstream/{jobstream_id}/action/cancel"},
		{"link workstation", func(c *Client, o ActionOptions) error { _, err := c.LinkWorkstation(ctx, "W1", o); return err },
			"/twsd/api/v2/plan/workstation/W1/action/link", "{}", "", "/plan/workstation/{workstation_id}/action/link"},
		{"unlink workstation", func(c *Client, o ActionOptions) error { _, err := c.UnlinkWorkstation(ctx, "W1", o); return err },
			"/twsd/api/v2/plan/workstation/W1/action/unlink", "{}", "", "/plan/workstation/{workstation_id}/action/unlink"},
	}
}

// strictAction answers like HWA: 415 without a JSON content type.
func strictAction(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut {
		writeJSON(w, 405, nil)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		w.WriteHeader(http.StatusUnsupportedMediaType)
		return
	}
	writeJSON(w, 200, ResourceResponse{ID: "NEW1", URL: "/twsd/api/v2/plan/job/NEW1"})
}

func TestActionRequests(t *testing.T) {
	j := Justification{Category: "INCIDENT", Description: "rerun after fix\r\nX-Injected: 1", TicketNum: "INC-42"}
	for _, tt := range actionCases() {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, strictAction)
			var calls []Call
			c, _ := newClient(t, s.URL, func(c *Config) { c.Observe = func(call Call) { calls = append(calls, call) } })

			if err := tt.call(c, ActionOptions{Justification: j}); err != nil {
				t.Fatalf("with justification: %v", err)
			}
			if err := tt.call(c, ActionOptions{}); err != nil {
				t.Fatalf("without justification: %v", err)
			}
			reqs := s.requests()
			if len(reqs) != 2 {
				t.Fatalf("requests = %d, want 2", len(reqs))
			}
			for i, r := range reqs {
				if r.Method != "PUT" || r.Path != tt.path {
					t.Errorf("request %d = %s %s, want PUT %s", i, r.Method, r.Path, tt.path)
				}
				if got := r.Header.Get("Content-Type"); got != "application/json" {
					t.Errorf("Content-Type = %q, want application/json", got)
				}
				if r.Body != tt.body {
					t.Errorf("body = %s, want %s", r.Body, tt.body)
				}
				q := ""
				if len(r.Query) > 0 {
					q = "priority=" + r.Query["priority"][0]
				}
				if q != tt.query {
					t.Errorf("query = %v, want %q", r.Query, tt.query)
				}
			}
			with, without := reqs[0].Header, reqs[1].Header
			for k, want := range map[string]string{
				"Justification-Category":    "INCIDENT",
				"Justification-Description": "rerun after fix  X-Injected: 1",
				"Justification-Ticket-Num":  "INC-42",
			} {
				if got := with.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
				if _, ok := without[k]; ok {
					t.Errorf("%s sent without a justification", k)
				}
			}
			if with.Get("X-Injected") != "" {
				t.Errorf("a justification injected a header")
			}
			if len(calls) != 2 || calls[0].Pattern != tt.template || calls[0].Method != "PUT" {
				t.Errorf("observed calls = %+v, want pattern %s", calls, tt.template)
			}
		})
	}
}

func TestActionsAreNeverRetried(t *testing.T) {
	failures := []struct {
		name    string
		handler func(s *testServer) http.HandlerFunc
		kind    error
	}{
		{"503", func(*testServer) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 503, nil) }
		}, ErrUnavailable},
		{"500", func(*testServer) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 500, nil) }
		}, ErrUnavailable},
		{"429", func(*testServer) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 429, nil) }
		}, ErrUnavailable},
		{"dropped connection", func(*testServer) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
					conn.Close()
				}
			}
		}, ErrUnavailable},
		{"timeout", func(*testServer) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			}
		}, ErrUnavailable},
	}
	for _, f := range failures {
		for _, a := range actionCases() {
			t.Run(f.name+"/"+a.name, func(t *testing.T) {
				s := newTestServer(t, nil)
				h := f.handler(s)
				s.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					s.hits.Add(1)
					// Read the body: the server notices a closed connection
					// (and cancels r.Context) only after that.
					_, _ = io.Copy(io.Discard, r.Body)
					h(w, r)
				})
				// Only the timeout case needs a short timeout; the others get
				// room for a loaded machine, so each request surely arrives.
				timeout := 5 * time.Second
				if f.name == "timeout" {
					timeout = 100 * time.Millisecond
				}
				c, sl := newClient(t, s.URL, func(c *Config) {
					c.Timeout = timeout
					c.Retry = RetryPolicy{Attempts: 5}
				})
				err := a.call(c, ActionOptions{})
				if !errors.Is(err, f.kind) {
					t.Fatalf("err = %v, want %v", err, f.kind)
				}
				// A timed-out request may not have reached the server; none
				// may reach it twice.
				if got := s.hits.Load(); got != 1 && !(f.name == "timeout" && got == 0) {
					t.Errorf("server hits = %d, want exactly 1", got)
				}
				if len(sl.all()) != 0 {
					t.Errorf("slept %v before a retry", sl.all())
				}
			})
		}
	}
}

func TestAction415(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(415)
		w.Write([]byte("Unsupported Media Type"))
	})
	c, _ := newClient(t, s.URL, nil)
	_, err := c.Rerun(context.Background(), "R1", RerunDetails{}, ActionOptions{})
	var he *Error
	if !errors.As(err, &he) || he.Status != 415 || !errors.Is(err, ErrBadRequest) {
		t.Fatalf("err = %v, want a 415 ErrBadRequest", err)
	}
	if got := s.hits.Load(); got != 1 {
		t.Errorf("hits = %d, want 1", got)
	}
}

func TestActionResults(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantID   string
		wantKind error
	}{
		{"resource response", `{"id":"RUN2","url":"/twsd/api/v2/plan/job/J1"}`, "RUN2", nil},
		{"empty body", ``, "", nil},
		{"action response ok", `{"id":"J1","message":"released","isError":false}`, "J1", nil},
		{"action response isError", `{"id":"J1","message":"dependency locked by op2","isError":true}`, "", ErrRejected},
		{"action response error", `{"id":"J1","message":"failed","error":true}`, "", ErrRejected},
		{"malformed", `{"id":`, "", ErrBadResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(tt.body))
			})
			c, _ := newClient(t, s.URL, nil)
			rr, err := c.ReleaseAllDependencies(context.Background(), "J1", ActionOptions{})
			if tt.wantKind != nil {
				if !errors.Is(err, tt.wantKind) {
					t.Fatalf("err = %v, want %v", err, tt.wantKind)
				}
				return
			}
			if err != nil || rr.ID != tt.wantID {
				t.Fatalf("got %+v, %v; want id %q", rr, err, tt.wantID)
			}
		})
	}
}

func TestUpdatePriorityRange(t *testing.T) {
	s := newTestServer(t, strictAction)
	c, _ := newClient(t, s.URL, nil)
	for _, p := range []int{-1, 102} {
		if _, err := c.UpdatePriority(context.Background(), "J1", p, ActionOptions{}); !errors.Is(err, ErrBadRequest) {
			t.Errorf("priority %d: err = %v, want ErrBadRequest", p, err)
		}
	}
	for _, p := range []int{0, 101} {
		if _, err := c.UpdatePriority(context.Background(), "J1", p, ActionOptions{}); err != nil {
			t.Errorf("priority %d: %v", p, err)
		}
	}
	if got := s.hits.Load(); got != 2 {
		t.Errorf("hits = %d, want 2", got)
	}
}
