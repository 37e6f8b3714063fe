package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/functions/internal/agentsfile"
	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/adapter/redis/cache"
	"github.com/resync/resync/shared/adapter/redis/idemstore"
	"github.com/resync/resync/shared/adapter/redis/proposalstore"
	"github.com/resync/resync/shared/adapter/redis/ratelimit"
	"github.com/resync/resync/shared/app/agent"
	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/idempotency"
	"github.com/resync/resync/shared/domain/workload"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/setup"
)

var t0 = time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)

const (
	secret   = "0123456789abcdef0123456789abcdef"
	issuer   = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test"
	clientID = "resync-test"
)

// fixture is the MCP function over the simulator, Redis and the real
// Actions, served by httptest.
type fixture struct {
	sim    *hwasim.Server
	books  *fakeRunbooks
	plan   *planview.Service
	audit  *audit.Log
	srv    *httptest.Server
	minter *auth.Minter
	now    time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{now: t0, books: newFakeRunbooks()}
	f.sim = hwasim.New(hwasim.Config{Seed: 1, Now: t0})
	simSrv := httptest.NewServer(f.sim)
	t.Cleanup(simSrv.Close)
	hc, err := hwa.New(hwa.Config{BaseURL: simSrv.URL, Retry: hwa.RetryPolicy{Attempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	c, err := cache.New(rdb, cache.Config{Namespace: "cache"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	clock := func() time.Time { return f.now }
	f.plan = planview.New(hwa.PlanSource{Client: hc}, c, clock)
	f.audit = audit.New(rdb, audit.Config{Key: "audit"})
	lim, err := ratelimit.New(rdb, ratelimit.Config{})
	if err != nil {
		t.Fatal(err)
	}
	actions, err := agent.NewActions(agent.ActionsConfig{Proposals: proposalstore.New(rdb, ""), HWA: hwa.Operator{Client: hc}, Reads: hwa.PlanSource{Client: hc}, Plan: f.plan,
		Guard: idempotency.New(idemstore.New(rdb, "idem:"), idempotency.Config{Expiry: time.Hour}),
		Audit: f.audit, Limiter: lim, Now: clock, WaitInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	agents, err := agent.LoadAgents(agentsfile.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	cfg := auth.Config{Issuer: issuer, ClientID: clientID, Now: func() time.Time { return time.Now() }}
	v, err := auth.NewHS256([]byte(secret), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if f.minter, err = auth.NewMinter([]byte(secret), cfg, time.Hour); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := newHandler(deps{
		tools: agent.NewTools(f.plan, hwa.PlanSource{Client: hc}, actions), agents: agents, actions: actions, runbooks: f.books,
		issuer: issuer, edge: setup.NewEdge(function, v, log, nil, nil), log: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) token(t *testing.T, user string, role auth.Role) string {
	t.Helper()
	tok, _, err := f.minter.Mint(user, role)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// bearer adds a token to every request.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// connect opens a session with the SDK's own client. A nil elicit
// declares no elicitation; version "" is the SDK's latest.
func (f *fixture) connect(t *testing.T, token, version string, elicit func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error)) *mcp.ClientSession {
	t.Helper()
	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, &mcp.ClientOptions{ElicitationHandler: elicit})
	tr := &mcp.StreamableClientTransport{Endpoint: f.srv.URL + pathMCP,
		HTTPClient: &http.Client{Transport: bearer{token: token, next: http.DefaultTransport}}, DisableStandaloneSSE: true}
	var opts *mcp.ClientSessionOptions
	if version != "" {
		opts = &mcp.ClientSessionOptions{ProtocolVersion: version}
	}
	cs, err := client.Connect(context.Background(), tr, opts)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

func toolNames(t *testing.T, cs *mcp.ClientSession) []string {
	t.Helper()
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatalf("list tools: %v", err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	return names
}

func TestToolsAreTheAgentsAllowListsByRole(t *testing.T) {
	f := newFixture(t)
	agents, err := agent.LoadAgents(agentsfile.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	analyst, _ := agents.Get("analyst")
	operator, _ := agents.Get("operator")
	for _, tc := range []struct {
		role auth.Role
		want []string
	}{
		{auth.RoleViewer, analyst.Tools},
		{auth.RoleOperator, operator.Tools},
		{auth.RoleAdmin, operator.Tools},
	} {
		t.Run(string(tc.role), func(t *testing.T) {
			cs := f.connect(t, f.token(t, "alice", tc.role), "", nil)
			got := toolNames(t, cs)
			want := slices.Clone(tc.want)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("tools: got %v, want %v", got, want)
			}
			if has := slices.Contains(got, agent.ToolProposeAction); has != (tc.role != auth.RoleViewer) {
				t.Errorf("propose_action offered: %v", has)
			}
		})
	}
}

func TestToolSchemasAreTheCatalogue(t *testing.T) {
	f := newFixture(t)
	cs := f.connect(t, f.token(t, "alice", auth.RoleOperator), "", nil)
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	specs := map[string]string{}
	for _, s := range agent.Specs() {
		specs[s.Name] = s.Description
	}
	for _, tool := range res.Tools {
		if tool.Description != specs[tool.Name] {
			t.Errorf("%s: description %q, want the catalogue's", tool.Name, tool.Description)
		}
		b, _ := json.Marshal(tool.InputSchema)
		if !strings.Contains(string(b), `"type":"object"`) {
			t.Errorf("%s: schema %s", tool.Name, b)
		}
	}
}

func TestViewerCannotCallProposeAction(t *testing.T) {
	f := newFixture(t)
	cs := f.connect(t, f.token(t, "vera", auth.RoleViewer), "", nil)
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: agent.ToolProposeAction,
		Arguments: map[string]any{"action": "hold", "job": "x"}})
	if err == nil && !res.IsError {
		t.Fatalf("a viewer's propose_action succeeded: %+v", res)
	}
	if n := len(f.sim.Actions()); n != 0 {
		t.Errorf("%d actions reached HWA", n)
	}
}

func textOf(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
			b.WriteString("\n")
		}
	}
	return b.String()
}

func TestReadToolAnswersFromTheSimulator(t *testing.T) {
	f := newFixture(t)
	cs := f.connect(t, f.token(t, "vera", auth.RoleViewer), "", nil)
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: agent.ToolSearchJobs,
		Arguments: map[string]any{"status": "ABEND", "limit": 5}})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError {
		t.Fatalf("search_jobs failed: %s", textOf(res))
	}
	var got agent.SearchJobsResult
	if err := json.Unmarshal([]byte(textOf(res)), &got); err != nil {
		t.Fatalf("result is not the tool's JSON: %v", err)
	}
	want, err := f.plan.Jobs(context.Background(), planview.JobQuery{Internal: workload.InternalAbend})
	if err != nil {
		t.Fatal(err)
	}
	if got.Total != want.Total || got.Total == 0 {
		t.Errorf("total: got %d, want %d (> 0)", got.Total, want.Total)
	}
	// A bad input is a tool error, not a protocol error.
	res, err = cs.CallTool(context.Background(), &mcp.CallToolParams{Name: agent.ToolGetJob, Arguments: map[string]any{"job": "NO_SUCH_JOB_ANYWHERE"}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsError || !strings.Contains(textOf(res), agent.CodeNotFound) {
		t.Errorf("unknown job: isError %v, %s", res.IsError, textOf(res))
	}
}

func TestJobLogResource(t *testing.T) {
	f := newFixture(t)
	job := abended(t, f)
	cs := f.connect(t, f.token(t, "vera", auth.RoleViewer), "", nil)
	tmpl, err := cs.ListResourceTemplates(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tmpl.ResourceTemplates) != 2 || tmpl.ResourceTemplates[0].URITemplate != jobLogTemplate {
		t.Fatalf("templates: %+v", tmpl.ResourceTemplates)
	}
	res, err := cs.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: "resync://job/" + job.ID + "/log"})
	if err != nil {
		t.Fatal(err)
	}
	want, err := f.plan.Log(context.Background(), job.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Contents) != 1 || res.Contents[0].Text != want.Text || want.Text == "" {
		t.Errorf("log: got %+v, want %q", res.Contents, want.Text)
	}
	if _, err := cs.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: "resync://job/NO_SUCH_JOB_ANYWHERE/log"}); err == nil {
		t.Error("the log of an unknown job was read")
	}
}

func abended(t *testing.T, f *fixture) planview.JobView {
	t.Helper()
	l, err := f.plan.Jobs(context.Background(), planview.JobQuery{Internal: workload.InternalAbend})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range l.Items {
		if j.LastRun != nil && j.LastRun.ID != "" {
			return j
		}
	}
	t.Fatal("no abended job that ran in the simulator")
	return planview.JobView{}
}

func (f *fixture) actionsOf(verb string) []hwasim.Action {
	var out []hwasim.Action
	for _, a := range f.sim.Actions() {
		if a.Verb == verb {
			out = append(out, a)
		}
	}
	return out
}

func (f *fixture) audited(t *testing.T, action string) []audit.Entry {
	t.Helper()
	p, err := f.audit.List(context.Background(), audit.Filter{Action: action, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return p.Entries
}

func answer(action string, content map[string]any, asked *[]*mcp.ElicitRequest) func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
	return func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
		*asked = append(*asked, req)
		return &mcp.ElicitResult{Action: action, Content: content}, nil
	}
}

func TestProposeAndConfirmByElicitation(t *testing.T) {
	f := newFixture(t)
	job := abended(t, f)
	var asked []*mcp.ElicitRequest
	cs := f.connect(t, f.token(t, "olga", auth.RoleOperator), "",
		answer("accept", map[string]any{"confirm": true, "justification": "INC-42 rerun after the disk was fixed"}, &asked))
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: agent.ToolProposeAction,
		Arguments: map[string]any{"action": "rerun", "job": job.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError {
		t.Fatalf("propose + confirm failed: %s", textOf(res))
	}
	if len(asked) != 1 {
		t.Fatalf("elicitations: got %d, want 1", len(asked))
	}
	if msg := asked[0].Params.Message; !strings.Contains(msg, job.Name) || !strings.Contains(msg, "rerun") {
		t.Errorf("the elicitation does not say what runs: %q", msg)
	}
	reruns := f.actionsOf("rerun")
	if len(reruns) != 1 {
		t.Fatalf("reruns in the simulator: got %d, want exactly 1 (all actions: %+v)", len(reruns), f.sim.Actions())
	}
	if got := reruns[0].Headers.Get("Justification-Description"); got != "INC-42 rerun after the disk was fixed" {
		t.Errorf("justification sent to HWA: %q", got)
	}
	var out agent.Outcome
	if err := json.Unmarshal([]byte(res.Content[len(res.Content)-1].(*mcp.TextContent).Text), &out); err != nil || !out.OK || out.ResourceID == "" {
		t.Errorf("outcome: %+v (%v)", out, err)
	}
	accepted := 0
	for _, e := range f.audited(t, "confirm") {
		if e.Result == "accepted" && e.User == "olga" && e.Justification != "" {
			accepted++
		}
	}
	if accepted != 1 {
		t.Errorf("audited confirmations: got %d, want 1", accepted)
	}
}

func TestDeclineExecutesNothing(t *testing.T) {
	for _, tc := range []struct {
		name    string
		action  string
		content map[string]any
	}{
		{"decline", "decline", nil},
		{"accept without yes", "accept", map[string]any{"confirm": false, "justification": "no"}},
		{"cancel", "cancel", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			job := abended(t, f)
			var asked []*mcp.ElicitRequest
			cs := f.connect(t, f.token(t, "olga", auth.RoleOperator), "", answer(tc.action, tc.content, &asked))
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: agent.ToolProposeAction,
				Arguments: map[string]any{"action": "rerun", "job": job.ID}})
			if err != nil {
				t.Fatal(err)
			}
			if len(asked) != 1 {
				t.Errorf("elicitations: got %d, want 1", len(asked))
			}
			if n := len(f.sim.Actions()); n != 0 {
				t.Errorf("%d actions reached HWA: %+v", n, f.sim.Actions())
			}
			if txt := textOf(res); !strings.Contains(txt, "not executed") && !strings.Contains(txt, "nothing was executed") && !strings.Contains(txt, "NOT executed") {
				t.Errorf("the result does not say nothing ran: %s", txt)
			}
		})
	}
}

func TestEmptyJustificationIsRefused(t *testing.T) {
	f := newFixture(t)
	job := abended(t, f)
	var asked []*mcp.ElicitRequest
	cs := f.connect(t, f.token(t, "olga", auth.RoleOperator), "", answer("accept", map[string]any{"confirm": true, "justification": " "}, &asked))
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: agent.ToolProposeAction,
		Arguments: map[string]any{"action": "hold", "job": job.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsError || !strings.Contains(textOf(res), "justification") {
		t.Errorf("a blank justification was not refused: %s", textOf(res))
	}
	if n := len(f.sim.Actions()); n != 0 {
		t.Errorf("%d actions reached HWA", n)
	}
}

func TestWithoutElicitationTheProposalAwaitsTheConsole(t *testing.T) {
	for _, tc := range []struct {
		name    string
		version string
		elicit  bool
	}{
		{"latest protocol, no elicitation", "", false},
		{"legacy protocol with elicitation", "2025-11-25", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			job := abended(t, f)
			var asked []*mcp.ElicitRequest
			var handler func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error)
			if tc.elicit {
				handler = answer("accept", map[string]any{"confirm": true, "justification": "x"}, &asked)
			}
			cs := f.connect(t, f.token(t, "olga", auth.RoleOperator), tc.version, handler)
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: agent.ToolProposeAction,
				Arguments: map[string]any{"action": "rerun", "job": job.ID}})
			if err != nil {
				t.Fatal(err)
			}
			txt := textOf(res)
			if res.IsError || !strings.Contains(txt, f.srv.URL+"/#/proposals/") || !strings.Contains(txt, "NOT executed") {
				t.Errorf("result: isError %v, %s", res.IsError, txt)
			}
			if len(asked) != 0 || len(f.sim.Actions()) != 0 {
				t.Errorf("elicitations %d, actions %d: want none", len(asked), len(f.sim.Actions()))
			}
			// The console page reads it back, for its owner only.
			var body struct {
				ProposalID string `json:"proposalId"`
			}
			if err := json.Unmarshal([]byte(res.Content[len(res.Content)-1].(*mcp.TextContent).Text), &body); err != nil || body.ProposalID == "" {
				t.Fatalf("no proposal id in %s (%v)", txt, err)
			}
			for _, who := range []struct {
				user   string
				status int
			}{{"olga", http.StatusOK}, {"otto", http.StatusNotFound}} {
				req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/api/v1/proposals/"+body.ProposalID, nil)
				req.Header.Set("Authorization", "Bearer "+f.token(t, who.user, auth.RoleOperator))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != who.status {
					t.Errorf("GET proposal as %s: %d, want %d", who.user, resp.StatusCode, who.status)
				}
			}
		})
	}
}

func TestUnauthorizedNamesTheResourceMetadata(t *testing.T) {
	f := newFixture(t)
	expired := func() string {
		m, err := auth.NewMinter([]byte(secret), auth.Config{Issuer: issuer, ClientID: clientID,
			Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }}, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := m.Mint("alice", auth.RoleOperator)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}()
	for _, tc := range []struct{ name, header string }{
		{"no token", ""},
		{"bad token", "Bearer not.a.token"},
		{"expired token", "Bearer " + expired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, f.srv.URL+pathMCP, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", resp.StatusCode)
			}
			want := `resource_metadata="` + f.srv.URL + pathMetadataMCP + `"`
			if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer ") || !strings.Contains(got, want) {
				t.Errorf("WWW-Authenticate: %q, want Bearer with %s", got, want)
			}
		})
	}
	// The metadata it points to names the Cognito issuer, without a token.
	for _, path := range []string{pathMetadata, pathMetadataMCP} {
		resp, err := http.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var md struct {
			Resource             string   `json:"resource"`
			AuthorizationServers []string `json:"authorization_servers"`
		}
		err = json.NewDecoder(resp.Body).Decode(&md)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		if md.Resource != f.srv.URL+pathMCP || !slices.Equal(md.AuthorizationServers, []string{issuer}) {
			t.Errorf("GET %s: %+v", path, md)
		}
	}
}

func TestClientWithoutTokenCannotConnect(t *testing.T) {
	f := newFixture(t)
	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	tr := &mcp.StreamableClientTransport{Endpoint: f.srv.URL + pathMCP, DisableStandaloneSSE: true}
	if _, err := client.Connect(context.Background(), tr, nil); err == nil {
		t.Fatal("connected without a token")
	}
}
