package hwa

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/resync/resync/shared/domain/planwrite"
)

// Each domain action becomes the client's request, with the justification
// in HWA's headers, and HWA's answer becomes the receipt.
func TestOperatorRequests(t *testing.T) {
	ctx := context.Background()
	j := planwrite.Justification{Category: "INCIDENT", Description: "disk cleaned", Ticket: "INC-7"}
	tests := []struct {
		name         string
		call         func(o Operator) (planwrite.Receipt, error)
		method, path string
		body         string
		wantID       string
	}{
		{"rerun", func(o Operator) (planwrite.Receipt, error) {
			return o.Act(ctx, planwrite.JobAction{Verb: planwrite.Rerun, ID: "R1"}, j)
		}, "PUT", "/twsd/api/v2/plan/job/run/R1/action/rerun", "{}", "NEW1"},
		{"hold", func(o Operator) (planwrite.Receipt, error) {
			return o.Act(ctx, planwrite.JobAction{Verb: planwrite.Hold, ID: "J1"}, j)
		}, "PUT", "/twsd/api/v2/plan/job/J1/action/hold", "{}", "NEW1"},
		{"release", func(o Operator) (planwrite.Receipt, error) {
			return o.Act(ctx, planwrite.JobAction{Verb: planwrite.Release, ID: "J1"}, j)
		}, "PUT", "/twsd/api/v2/plan/job/J1/action/release", "{}", "NEW1"},
		{"cancel", func(o Operator) (planwrite.Receipt, error) {
			return o.Act(ctx, planwrite.JobAction{Verb: planwrite.Cancel, ID: "J1"}, j)
		}, "PUT", "/twsd/api/v2/plan/job/J1/action/cancel", "{}", "NEW1"},
		{"kill", func(o Operator) (planwrite.Receipt, error) {
			return o.Act(ctx, planwrite.JobAction{Verb: planwrite.Kill, ID: "J1"}, j)
		}, "PUT", "/twsd/api/v2/plan/job/J1/action/kill", "{}", "NEW1"},
		{"confirm-succ", func(o Operator) (planwrite.Receipt, error) {
			return o.Act(ctx, planwrite.JobAction{Verb: planwrite.ConfirmSucc, ID: "J1"}, j)
		}, "PUT", "/twsd/api/v2/plan/job/J1/action/confirm-succ", "{}", "NEW1"},
		{"confirm-abend", func(o Operator) (planwrite.Receipt, error) {
			return o.Act(ctx, planwrite.JobAction{Verb: planwrite.ConfirmAbend, ID: "J1"}, j)
		}, "PUT", "/twsd/api/v2/plan/job/J1/action/confirm-abend", "{}", "NEW1"},
		{"reply yes", func(o Operator) (planwrite.Receipt, error) {
			return o.Reply(ctx, planwrite.Reply{PromptID: "P1", Yes: true}, j)
		}, "PUT", "/twsd/api/v2/plan/prompt/P1/action/reply", `{"answer":true}`, "NEW1"},
		{"reply no", func(o Operator) (planwrite.Receipt, error) {
			return o.Reply(ctx, planwrite.Reply{PromptID: "P1"}, j)
		}, "PUT", "/twsd/api/v2/plan/prompt/P1/action/reply", `{"answer":false}`, "NEW1"},
		{"submit stream", func(o Operator) (planwrite.Receipt, error) {
			return o.Submit(ctx, planwrite.Submission{Kind: planwrite.SubmitStream, ModelID: "M1", Workstation: "ignored"}, j)
		}, "POST", "/twsd/api/v2/plan/jobstream/M1/submit", "{}", "SUB1"},
		{"submit job", func(o Operator) (planwrite.Receipt, error) {
			return o.Submit(ctx, planwrite.Submission{Kind: planwrite.SubmitJob, ModelID: "D1", Workstation: "CPU1"}, j)
		}, "POST", "/twsd/api/v2/plan/job/D1/submit", `{"workstationKey":"CPU1"}`, "NEW1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/twsd/api/v2/plan/jobstream/M1/submit" {
					writeJSON(w, 200, ResourceList{Count: 1, Results: []ResourceResponse{{ID: "SUB1"}}})
					return
				}
				writeJSON(w, 200, ResourceResponse{ID: "NEW1"})
			})
			c, _ := newClient(t, s.URL, nil)
			got, err := tt.call(Operator{Client: c})
			if err != nil || got.ID != tt.wantID {
				t.Fatalf("got %+v, %v; want receipt %s", got, err, tt.wantID)
			}
			reqs := s.requests()
			if len(reqs) != 1 {
				t.Fatalf("requests = %d, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tt.method || r.Path != tt.path {
				t.Errorf("request = %s %s, want %s %s", r.Method, r.Path, tt.method, tt.path)
			}
			var gotBody, wantBody any
			if err := json.Unmarshal([]byte(r.Body), &gotBody); err != nil {
				t.Fatalf("body %q: %v", r.Body, err)
			}
			_ = json.Unmarshal([]byte(tt.body), &wantBody)
			if g, w := mustJSON(t, gotBody), mustJSON(t, wantBody); g != w {
				t.Errorf("body = %s, want %s", g, w)
			}
			for k, want := range map[string]string{"Justification-Category": "INCIDENT",
				"Justification-Description": "disk cleaned", "Justification-Ticket-Num": "INC-7"} {
				if got := r.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The client's error kinds become plan-write kinds; the error keeps the
// client's text and still wraps its *Error.
func TestOperatorErrors(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		want       error
		clientKind error
	}{
		{"conflict", 409, `{"code":"AWSJCS001E","message":"wrong state"}`, planwrite.ErrConflict, ErrConflict},
		{"rejected", 200, `{"id":"J1","message":"locked","isError":true}`, planwrite.ErrRejected, ErrRejected},
		{"forbidden", 403, `{}`, planwrite.ErrForbidden, ErrForbidden},
		{"unauthorized", 401, `{}`, planwrite.ErrForbidden, ErrUnauthorized},
		{"not found", 404, `{}`, planwrite.ErrNotFound, ErrNotFound},
		{"bad parameters", 400, `{}`, planwrite.ErrInvalid, ErrBadFilter},
		{"other 4xx", 422, `{}`, planwrite.ErrInvalid, ErrBadRequest},
		{"server error", 503, `{}`, planwrite.ErrUnavailable, ErrUnavailable},
		{"unreadable answer", 200, `{"id":`, planwrite.ErrUnavailable, ErrBadResponse},
	}
	kinds := []error{planwrite.ErrConflict, planwrite.ErrRejected, planwrite.ErrForbidden, planwrite.ErrNotFound,
		planwrite.ErrInvalid, planwrite.ErrUnavailable}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			})
			c, _ := newClient(t, s.URL, nil)
			_, err := Operator{Client: c}.Act(context.Background(), planwrite.JobAction{Verb: planwrite.Hold, ID: "J1"}, planwrite.Justification{})
			for _, k := range kinds {
				if got := errors.Is(err, k); got != (k == tt.want) {
					t.Errorf("errors.Is(%v, %v) = %v, want %v", err, k, got, k == tt.want)
				}
			}
			var he *Error
			if !errors.As(err, &he) || !errors.Is(err, tt.clientKind) || err.Error() != he.Error() {
				t.Errorf("err = %v: want the client's *Error (%v) and its text", err, tt.clientKind)
			}
			if n := len(s.requests()); n != 1 {
				t.Errorf("requests = %d, want 1 (actions are never retried)", n)
			}
		})
	}
}

// An action the adapter does not know is refused as invalid before
// anything is sent.
func TestOperatorRefusesUnknownActions(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, ResourceResponse{ID: "NEW1"}) })
	c, _ := newClient(t, s.URL, nil)
	o := Operator{Client: c}
	ctx := context.Background()
	if _, err := o.Act(ctx, planwrite.JobAction{Verb: "delete", ID: "J1"}, planwrite.Justification{}); !errors.Is(err, planwrite.ErrInvalid) {
		t.Errorf("unknown verb: err = %v, want ErrInvalid", err)
	}
	if _, err := o.Submit(ctx, planwrite.Submission{Kind: "workstation", ModelID: "M1"}, planwrite.Justification{}); !errors.Is(err, planwrite.ErrInvalid) {
		t.Errorf("unknown submission: err = %v, want ErrInvalid", err)
	}
	if _, err := o.Act(ctx, planwrite.JobAction{Verb: planwrite.Hold}, planwrite.Justification{}); !errors.Is(err, planwrite.ErrInvalid) {
		t.Errorf("empty job id: err = %v, want ErrInvalid", err)
	}
	if n := len(s.requests()); n != 0 {
		t.Errorf("requests = %d, want none", n)
	}
}
