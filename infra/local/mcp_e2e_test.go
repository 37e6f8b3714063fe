package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/app/agent"
)

// bearerRT adds a bearer token to every request of the MCP client.
type bearerRT struct{ token string }

func (b bearerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

func mcpConnect(t *testing.T, s *stack, token string, elicit func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error)) *mcp.ClientSession {
	t.Helper()
	client := mcp.NewClient(&mcp.Implementation{Name: "e2e", Version: "1"}, &mcp.ClientOptions{ElicitationHandler: elicit})
	tr := &mcp.StreamableClientTransport{Endpoint: s.url + "/mcp", HTTPClient: &http.Client{Transport: bearerRT{token}}, DisableStandaloneSSE: true}
	cs, err := client.Connect(context.Background(), tr, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

// TestMCPThroughTheStack drives the real mcp binary behind the local HTTP
// API with the SDK's own client: a viewer sees no action tool; an operator
// lists the tools, calls a read tool, proposes a rerun and confirms it by
// elicitation, and the simulator receives exactly one rerun.
func TestMCPThroughTheStack(t *testing.T) {
	sim := hwasim.New(hwasim.Config{Seed: 7})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	s, _ := newStack(t, map[string]string{envBinDir: buildFunctions(t, "mcp"), "HWA_URL": srv.URL})
	ctx := context.Background()

	names := func(cs *mcp.ClientSession) []string {
		res, err := cs.ListTools(ctx, nil)
		if err != nil {
			t.Fatalf("list tools: %v", err)
		}
		var out []string
		for _, tool := range res.Tools {
			out = append(out, tool.Name)
		}
		return out
	}
	viewer := mcpConnect(t, s, mint(t, s, "vic", "viewer"), nil)
	if got := names(viewer); slices.Contains(got, agent.ToolProposeAction) || !slices.Contains(got, agent.ToolSearchJobs) {
		t.Errorf("viewer's tools %v: want the read tools and no %s", got, agent.ToolProposeAction)
	}

	var asked int
	op := mcpConnect(t, s, mint(t, s, "olga", "operator"), func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
		asked++
		return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"confirm": true, "justification": "INC-7 rerun after the fix"}}, nil
	})
	if got := names(op); !slices.Contains(got, agent.ToolProposeAction) {
		t.Fatalf("operator's tools %v lack %s", got, agent.ToolProposeAction)
	}
	res, err := op.CallTool(ctx, &mcp.CallToolParams{Name: agent.ToolSearchJobs, Arguments: map[string]any{"status": "abend"}})
	if err != nil || res.IsError {
		t.Fatalf("search_jobs: %v %+v", err, res)
	}
	hc, err := hwa.New(hwa.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := hc.ListJobs(ctx, hwa.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var job string
	for _, j := range jobs {
		if j.Abended() {
			job = j.ID
			if text := res.Content[0].(*mcp.TextContent).Text; !strings.Contains(text, j.ID) {
				t.Errorf("search_jobs over MCP does not name the abended job %s", j.ID)
			}
			break
		}
	}
	if job == "" {
		t.Fatal("the simulator has no abended job")
	}
	// The handover tool is backed over MCP as in chat (package operate), not
	// offered and then "unavailable".
	res, err = op.CallTool(ctx, &mcp.CallToolParams{Name: agent.ToolShiftHandover, Arguments: map[string]any{"shift": "current"}})
	if err != nil || res.IsError {
		t.Fatalf("shift_handover over MCP: %v %+v", err, res)
	}
	before := len(sim.Actions())
	res, err = op.CallTool(ctx, &mcp.CallToolParams{Name: agent.ToolProposeAction, Arguments: map[string]any{"action": "rerun", "job": job}})
	if err != nil || res.IsError {
		t.Fatalf("propose_action: %v %+v", err, res)
	}
	if asked != 1 {
		t.Errorf("elicitations: %d, want 1", asked)
	}
	reruns := 0
	for _, a := range sim.Actions()[before:] {
		if a.Verb == "rerun" {
			reruns++
		}
	}
	if reruns != 1 {
		t.Errorf("reruns the simulator received: %d, want exactly 1 (%+v)", reruns, sim.Actions()[before:])
	}
}

// TestMCPWithoutElicitationConfirmsInTheConsole: an MCP client that
// declares no elicitation capability (an older client) proposes a rerun;
// the result links to the proposal in the console (#/proposals/<id>) and
// nothing runs. The proposal is read back for its owner only, and the rerun
// executes once, when the human confirms it there (the console's
// WebSocket confirm frame) — a second confirm does not run it again.
func TestMCPWithoutElicitationConfirmsInTheConsole(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the functions; skipped with -short")
	}
	sim := hwasim.New(hwasim.Config{Seed: 7})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	s, _ := newStack(t, map[string]string{envBinDir: buildFunctions(t, "mcp", "chat"), "HWA_URL": srv.URL})
	ctx := context.Background()
	hc, err := hwa.New(hwa.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := hc.ListJobs(ctx, hwa.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var job string
	for _, j := range jobs {
		if j.Abended() {
			job = j.ID
			break
		}
	}
	if job == "" {
		t.Fatal("the simulator has no abended job")
	}
	reruns := func(from int) int {
		n := 0
		for _, a := range sim.Actions()[from:] {
			if a.Verb == "rerun" {
				n++
			}
		}
		return n
	}
	before := len(sim.Actions())
	token := mint(t, s, "olga", "operator")
	cs := mcpConnect(t, s, token, nil) // no ElicitationHandler: no elicitation capability
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: agent.ToolProposeAction, Arguments: map[string]any{"action": "rerun", "job": job}})
	if err != nil || res.IsError {
		t.Fatalf("propose_action: %v %+v", err, res)
	}
	var body struct {
		ProposalID string `json:"proposalId"`
		Status     string `json:"status"`
		ConfirmURL string `json:"confirmUrl"`
	}
	text := res.Content[0].(*mcp.TextContent).Text
	if err := json.Unmarshal([]byte(res.Content[len(res.Content)-1].(*mcp.TextContent).Text), &body); err != nil || body.ProposalID == "" {
		t.Fatalf("no proposal in the result: %s (%v)", text, err)
	}
	if want := s.url + "/#/proposals/" + body.ProposalID; body.ConfirmURL != want || !strings.Contains(text, want) || !strings.Contains(text, "NOT executed") || body.Status != "pending" {
		t.Errorf("result %q %+v: want the console link %s and that nothing ran", text, body, want)
	}
	if n := reruns(before); n != 0 {
		t.Fatalf("%d reruns before any confirmation", n)
	}
	// The console page reads it (GET /api/v1/proposals/{id}), for its owner only.
	if resp, b := do(t, "GET", s.url+"/api/v1/proposals/"+body.ProposalID, token, ""); resp.StatusCode != 200 || !strings.Contains(string(b), `"status":"pending"`) {
		t.Errorf("GET proposal as its owner: %d %s", resp.StatusCode, b)
	}
	if resp, _ := do(t, "GET", s.url+"/api/v1/proposals/"+body.ProposalID, mint(t, s, "otto", "operator"), ""); resp.StatusCode != 404 {
		t.Errorf("GET proposal as another operator: %d, want 404", resp.StatusCode)
	}
	// The human confirms in the console: the dialog sends the confirm frame.
	ws, _, err := dialWS(t, s, token)
	if err != nil {
		t.Fatal(err)
	}
	confirm := map[string]any{"action": "confirm", "proposalId": body.ProposalID, "justification": "INC-9 rerun confirmed in the console"}
	for range 2 {
		ws.send(confirm)
		fs := ws.until(30*time.Second, func(m map[string]any) bool { return m["kind"] == "action_outcome" || m["type"] == "error" })
		if last := fs[len(fs)-1]; last["kind"] != "action_outcome" {
			t.Fatalf("confirm: %v", last)
		}
	}
	if n := reruns(before); n != 1 {
		t.Errorf("reruns after two confirms in the console: %d, want exactly 1", n)
	}
	if resp, b := do(t, "GET", s.url+"/api/v1/proposals/"+body.ProposalID, token, ""); resp.StatusCode != 200 || strings.Contains(string(b), `"status":"pending"`) {
		t.Errorf("the proposal still shows pending after the confirm: %d %s", resp.StatusCode, b)
	}
}
