package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
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
	hh, err := newHTTP(agents, edge)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, nil)
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
