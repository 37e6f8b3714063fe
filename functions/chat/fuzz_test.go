package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/resync/resync/shared/app/agent"
	"github.com/resync/resync/shared/app/offline"
	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/metrics"
	"github.com/resync/resync/shared/edge/obs"
	"github.com/resync/resync/shared/edge/setup"
)

// FuzzFrame sends arbitrary frame bodies on connected sockets (a viewer's
// and an operator's) through the route API Gateway would pick. Properties:
// Handle never fails or panics, and everything posted back is a frame of a
// known type no larger than the frame limit (the test wire refuses more).
func FuzzFrame(f *testing.F) {
	fx := newFixture(f, offline.New())
	fx.connect(f, "viewer", "vera", auth.RoleViewer)
	fx.connect(f, "operator", "otto", auth.RoleOperator)
	for _, s := range []string{
		`{"action":"chat","id":"m1","text":"which jobs abended?"}`,
		`{"action":"chat","id":"m2","text":"rerun PAYROLL_LOAD","agent":"operator"}`,
		`{"action":"confirm","proposalId":"p1","justification":"INC-1"}`,
		`{"action":"cancel","proposalId":"p1"}`,
		`{"action":"feedback","messageId":"m1","rating":9}`,
		`{"action":"ping"}`,
		`{"action":"chat",`,
		`{"action":"dance"}`,
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	known := map[string]bool{frames.TypeAck: true, frames.TypeDelta: true, frames.TypeTool: true, frames.TypeProposal: true,
		frames.TypeFinal: true, frames.TypeError: true, frames.TypeEvent: true, frames.TypePong: true}
	f.Fuzz(func(t *testing.T, body string, operator bool) {
		conn := "viewer"
		if operator {
			conn = "operator"
		}
		var head struct {
			Action string `json:"action"`
		}
		route := "$default"
		if json.Unmarshal([]byte(body), &head) == nil && head.Action != "" {
			route = head.Action
		}
		if _, err := fx.h.Handle(context.Background(), wsEvent(route, conn, body, nil)); err != nil {
			t.Fatalf("Handle(%s %.200q): %v", route, body, err)
		}
		for _, fr := range fx.wire.take(conn) {
			if typ, _ := fr["type"].(string); !known[typ] {
				t.Fatalf("frame %v has no known type", fr)
			}
		}
	})
}

// FuzzInvoke feeds arbitrary events to the chat function's entry point:
// WebSocket proxy events, HTTP API events (GET /api/v1/agents) and
// anything else. Properties: it never panics; an answer is a WebSocket or
// HTTP response, never a 500, and marshals to JSON for the runtime.
func FuzzInvoke(f *testing.F) {
	agents, err := agent.LoadAgents(agentsFile)
	if err != nil {
		f.Fatal(err)
	}
	acfg := auth.Config{Issuer: "resync-local", ClientID: "resync-web"}
	v, _ := auth.NewHS256(secret, acfg)
	edge := setup.NewEdge("chat", v, obs.NewLogger(io.Discard, slog.LevelDebug), metrics.New(io.Discard, "Resync", nil), nil)
	fx := newFixture(f, offline.New())
	hh, err := newHTTP(agents, fx.tools, edge)
	if err != nil {
		f.Fatal(err)
	}
	in := invoker{ws: fx.h, http: httpadapter.NewV2(hh)}
	tok, _, _ := fx.minter.Mint("vera", auth.RoleViewer)
	add := func(ev any) {
		raw, _ := json.Marshal(ev)
		f.Add(raw)
	}
	add(events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "GET /api/v1/agents", RawPath: "/api/v1/agents",
		Headers:        map[string]string{"authorization": "Bearer " + tok},
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/api/v1/agents"}}})
	add(wsEvent("$connect", "c1", "", map[string]string{"token": tok}))
	add(wsEvent("$default", "c1", `{"action":"ping"}`, nil))
	add(wsEvent("$disconnect", "c1", "", nil))
	f.Add([]byte(`{"Records":[]}`))
	f.Add([]byte(`{"version":"2.0","routeKey":"x","rawPath":"/%zz","body":"!!","isBase64Encoded":true}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, err := in.Invoke(context.Background(), raw)
		if err != nil {
			return
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("answer %T does not marshal: %v", out, err)
		}
		var status int
		switch r := out.(type) {
		case events.APIGatewayProxyResponse:
			status = r.StatusCode
		case events.APIGatewayV2HTTPResponse:
			status = r.StatusCode
		default:
			t.Fatalf("answer %T is neither a WebSocket nor an HTTP response", out)
		}
		if status == 500 || status < 200 || status > 599 {
			t.Fatalf("answer %d to %.300s", status, raw)
		}
	})
}
