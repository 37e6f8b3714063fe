package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/resync/resync/shared/app/agent"
	"github.com/resync/resync/shared/edge/api"
)

// agentView is an agent as GET /api/v1/agents shows it: no instructions
// (they are the deployment's prompt, not the user's business).
type agentView struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Purpose string   `json:"purpose"`
	Tools   []string `json:"tools"`
	Roles   []string `json:"roles,omitempty"`
	Default bool     `json:"default"`
}

// newHTTP returns the chat function's HTTP routes (GET /api/v1/agents).
func newHTTP(agents *agent.Agents, edge *api.Edge) (http.Handler, error) {
	mux := http.NewServeMux()
	handlers := map[string]api.HandlerFunc{
		"GET /api/v1/agents": func(w http.ResponseWriter, r *http.Request) error {
			list := []agentView{}
			for _, a := range agents.List() {
				list = append(list, agentView{ID: a.ID, Name: a.Name, Purpose: a.Purpose, Tools: a.Tools, Roles: a.Roles, Default: a.ID == agents.Default()})
			}
			api.WriteJSON(w, r, http.StatusOK, map[string]any{"agents": list})
			return nil
		},
	}
	if err := edge.Bind(mux, handlers); err != nil {
		return nil, err
	}
	return mux, nil
}

// invoker answers both kinds of event the chat function receives: API
// Gateway WebSocket proxy events and HTTP API (payload 2.0) events.
type invoker struct {
	ws   *handler
	http *httpadapter.HandlerAdapterV2
}

// Invoke tells the event's kind from its JSON and answers it.
func (in invoker) Invoke(ctx context.Context, raw json.RawMessage) (any, error) {
	var shape struct {
		Version        string `json:"version"`
		RouteKey       string `json:"routeKey"`
		RequestContext struct {
			ConnectionID string `json:"connectionId"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(raw, &shape); err != nil {
		return nil, fmt.Errorf("chat: decode event: %w", err)
	}
	switch {
	case shape.RequestContext.ConnectionID != "":
		var ev events.APIGatewayWebsocketProxyRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("chat: decode WebSocket event: %w", err)
		}
		return in.ws.Handle(ctx, ev)
	case shape.Version == "2.0" && shape.RouteKey != "":
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("chat: decode HTTP event: %w", err)
		}
		return in.http.ProxyWithContext(ctx, ev)
	}
	return nil, errors.New("chat: unsupported event: want a WebSocket proxy event or an HTTP API request")
}
