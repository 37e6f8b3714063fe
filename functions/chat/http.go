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
	"github.com/resync/resync/shared/edge/auth"
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

// proposer records proposals through the propose_action tool
// (*agent.Tools), exactly as the agent and the MCP server do.
type proposer interface {
	Call(ctx context.Context, c agent.Call, maxBytes int) agent.Result
}

// proposeRequest is the body of POST /api/v1/proposals.
type proposeRequest struct {
	Action string `json:"action"`
	Job    string `json:"job"`
}

// propose answers POST /api/v1/proposals: the console's job page proposes
// an action; nothing runs until the user's confirm frame executes it (the
// same Actions.Confirm as a chat proposal: once, justified, audited). The
// answer is the proposal as the proposal frame carries it.
func propose(tools proposer) api.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in proposeRequest
		if err := api.DecodeJSON(r, &in); err != nil {
			return err
		}
		if in.Action == "" || in.Job == "" {
			return api.BadRequest("action and job are required")
		}
		c, ok := auth.FromContext(r.Context())
		if !ok {
			return api.Unauthorized("no token")
		}
		input, err := json.Marshal(agent.ProposeActionInput{Action: in.Action, Job: in.Job})
		if err != nil {
			return fmt.Errorf("chat: encode proposal input: %w", err)
		}
		res := tools.Call(r.Context(), agent.Call{User: c.User(), Name: agent.ToolProposeAction, Input: input}, 0)
		if !res.IsError && res.Proposal != nil {
			api.WriteJSON(w, r, http.StatusCreated, res.Proposal)
			return nil
		}
		var e agent.ErrorResult
		if err := json.Unmarshal([]byte(res.Content), &e); err != nil || e.Error == "" {
			return api.Internal("the proposal could not be recorded")
		}
		switch e.Code {
		case agent.CodeNotFound:
			return api.NotFound(e.Error)
		case agent.CodeUnavailable:
			return api.Unavailable(e.Error, 5)
		case agent.CodeInternal:
			return api.Internal("the proposal could not be recorded")
		}
		return api.BadRequest(e.Error) // bad_input, ambiguous, refused: the message says why
	}
}

// newHTTP returns the chat function's HTTP routes: GET /api/v1/agents and
// POST /api/v1/proposals.
func newHTTP(agents *agent.Agents, tools proposer, edge *api.Edge) (http.Handler, error) {
	mux := http.NewServeMux()
	handlers := map[string]api.HandlerFunc{
		"POST /api/v1/proposals": propose(tools),
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
