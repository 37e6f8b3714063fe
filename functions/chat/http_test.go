package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/resync/resync/shared/app/agent"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/metrics"
	"github.com/resync/resync/shared/edge/obs"
	"github.com/resync/resync/shared/edge/setup"
)

func TestAgentsRouteAndEventDispatch(t *testing.T) {
	agents, err := agent.LoadAgents(agentsFile)
	if err != nil {
		t.Fatal(err)
	}
	acfg := auth.Config{Issuer: "resync-local", ClientID: "resync-web"}
	v, _ := auth.NewHS256(secret, acfg)
	m, _ := auth.NewMinter(secret, acfg, time.Hour)
	edge := setup.NewEdge("chat", v, obs.NewLogger(io.Discard, slog.LevelDebug), metrics.New(io.Discard, "Resync", nil), nil)
	f := newFixture(t, nil)
	hh, err := newHTTP(agents, f.tools, edge)
	if err != nil {
		t.Fatal(err)
	}
	in := invoker{ws: f.h, http: httpadapter.NewV2(hh)}
	tok, _, _ := m.Mint("vera", auth.RoleViewer)

	call := func(ev any) events.APIGatewayV2HTTPResponse {
		t.Helper()
		raw, _ := json.Marshal(ev)
		out, err := in.Invoke(context.Background(), raw)
		if err != nil {
			t.Fatal(err)
		}
		resp, ok := out.(events.APIGatewayV2HTTPResponse)
		if !ok {
			t.Fatalf("answer %T", out)
		}
		return resp
	}
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "GET /api/v1/agents", RawPath: "/api/v1/agents",
		Headers:        map[string]string{"authorization": "Bearer " + tok},
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/api/v1/agents"}}}
	resp := call(ev)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /api/v1/agents: %d %s", resp.StatusCode, resp.Body)
	}
	var body struct{ Agents []agentView }
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatal(err)
	}
	ids := map[string]agentView{}
	for _, a := range body.Agents {
		ids[a.ID] = a
	}
	if len(ids) < 2 || !ids["analyst"].Default || len(ids["operator"].Tools) <= len(ids["analyst"].Tools) {
		t.Errorf("agents = %+v", body.Agents)
	}
	delete(ev.Headers, "authorization")
	if resp := call(ev); resp.StatusCode != 401 {
		t.Errorf("without a token: %d", resp.StatusCode)
	}

	// A WebSocket event goes to the WebSocket handler.
	raw, _ := json.Marshal(wsEvent("$connect", "c1", "", map[string]string{"token": "bad"}))
	out, err := in.Invoke(context.Background(), raw)
	if err != nil || out.(events.APIGatewayProxyResponse).StatusCode != 401 {
		t.Errorf("WebSocket $connect through Invoke: %v %v", out, err)
	}
	if _, err := in.Invoke(context.Background(), []byte(`{"Records":[]}`)); err == nil {
		t.Error("an S3 event was accepted")
	}
}

// TestProposeOverHTTPConfirmOverTheSocket is the console's job page: POST
// /api/v1/proposals records a proposal (nothing runs), the same user's
// confirm frame executes it once, a second confirm replays the outcome, and
// a viewer, an unknown job and an unknown action are refused.
func TestProposeOverHTTPConfirmOverTheSocket(t *testing.T) {
	agents, err := agent.LoadAgents(agentsFile)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, nil)
	edge := setup.NewEdge("chat", f.verify, obs.NewLogger(io.Discard, slog.LevelDebug), metrics.New(io.Discard, "Resync", nil), nil)
	hh, err := newHTTP(agents, f.tools, edge)
	if err != nil {
		t.Fatal(err)
	}
	post := func(tok, body string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest("POST", "/api/v1/proposals", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		hh.ServeHTTP(rec, req)
		return rec
	}
	sum, err := f.plan.Summary(context.Background())
	if err != nil || len(sum.Abended) == 0 {
		t.Fatalf("summary: %d abended, %v", len(sum.Abended), err)
	}
	victim := sum.Abended[0]
	opTok, _, _ := f.minter.Mint("otto", auth.RoleOperator)
	viewTok, _, _ := f.minter.Mint("vera", auth.RoleViewer)

	for _, tc := range []struct {
		name, tok, body string
		want            int
	}{
		{"viewer", viewTok, `{"action":"rerun","job":"` + victim.ID + `"}`, 403},
		{"unknown action", opTok, `{"action":"explode","job":"` + victim.ID + `"}`, 400},
		{"unknown job", opTok, `{"action":"hold","job":"NO_SUCH_JOB_ANYWHERE"}`, 404},
		{"unknown field", opTok, `{"action":"hold","job":"x","force":true}`, 400},
		{"no job", opTok, `{"action":"hold"}`, 400},
	} {
		if rec := post(tc.tok, tc.body); rec.Code != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, rec.Code, rec.Body.String(), tc.want)
		}
	}

	rec := post(opTok, `{"action":"rerun","job":"`+victim.ID+`"}`)
	if rec.Code != 201 {
		t.Fatalf("propose: %d %s", rec.Code, rec.Body.String())
	}
	var p agent.ProposalResult
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.ProposalID == "" || p.Action != "rerun" || len(p.Targets) != 1 || p.Targets[0].ID != victim.ID || p.ExpiresAt.IsZero() {
		t.Fatalf("proposal = %+v", p)
	}
	if n := len(f.sim.Actions()); n != 0 {
		t.Fatalf("proposing sent %d actions to HWA, want 0", n)
	}
	f.connect(t, "c-otto", "otto", auth.RoleOperator)
	confirm := map[string]any{"action": "confirm", "proposalId": p.ProposalID, "justification": "file re-sent by the supplier"}
	for i := range 2 {
		out := only(f.send(t, "c-otto", confirm), "event")
		if len(out) != 1 || out[0]["kind"] != "action_outcome" {
			t.Fatalf("confirm %d: %v", i, out)
		}
		d := out[0]["data"].(map[string]any)
		if d["ok"] != true || (i == 1) != (d["replayed"] == true) {
			t.Errorf("confirm %d: outcome %v", i, d)
		}
	}
	reruns := 0
	for _, a := range f.sim.Actions() {
		if a.Verb == "rerun" {
			reruns++
		}
	}
	if reruns != 1 {
		t.Errorf("reruns in the simulator: %d, want 1", reruns)
	}
}
