package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/resync/resync/shared/app/agent"
	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/edge/api"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/routes"
)

// proposals reads and confirms action proposals (*agent.Actions): the same
// confirm path as chat's confirm frame — exactly once, audited, rate-limited.
type proposals interface {
	Get(ctx context.Context, id string) (agent.Proposal, error)
	Confirm(ctx context.Context, user string, roles []string, proposalID, justification, category, ticket string) (agent.Outcome, error)
	Cancel(ctx context.Context, user, proposalID string) error
}

// deps is what newHandler needs, built once by build (or a test).
type deps struct {
	tools   *agent.Tools
	agents  *agent.Agents
	actions proposals
	// runbooks are the ingested documents' sections; nil (no graph): no
	// runbook resource.
	runbooks runbooks
	// issuer is the authorization server the metadata names (AUTH_ISSUER).
	issuer string
	// console is the web client's origin; empty: the request's origin.
	console string
	edge    *api.Edge
	log     *slog.Logger
}

// handler serves the MCP routes. It is never written after newHandler.
type handler struct {
	d   deps
	mux *http.ServeMux
	// servers holds one MCP server per role, each offering exactly the
	// tools that role's agents may call.
	servers map[auth.Role]*mcp.Server
}

// Paths of the routes this function serves.
const (
	pathMCP          = "/mcp"
	pathMetadata     = "/.well-known/oauth-protected-resource"
	pathMetadataMCP  = pathMetadata + pathMCP
	pathProposal     = "/api/v1/proposals/{id}"
	maxToolOutput    = 16 << 10
	inputConfirm     = "confirm" // the elicitation's key in InputRequests
	jobLogURIPrefix  = "resync://job/"
	jobLogURISuffix  = "/log"
	jobLogTemplate   = jobLogURIPrefix + "{id}" + jobLogURISuffix
	protocolSessions = "2026-07-28" // the first version with multi round-trip requests
)

func newHandler(d deps) (*handler, error) {
	h := &handler{d: d, mux: http.NewServeMux(), servers: map[auth.Role]*mcp.Server{}}
	for _, role := range []auth.Role{auth.RoleViewer, auth.RoleOperator, auth.RoleAdmin} {
		h.servers[role] = h.newServer(d.agents.ToolsFor([]string{string(role)}))
	}
	stream := mcp.NewStreamableHTTPHandler(func(r *http.Request) *mcp.Server {
		c, ok := auth.FromContext(r.Context())
		if !ok {
			return nil
		}
		return h.servers[c.Role]
	}, &mcp.StreamableHTTPOptions{
		// Any Lambda instance answers any request: no session lives in
		// memory, and each response is one JSON body (API Gateway does not
		// stream).
		Stateless:    true,
		JSONResponse: true,
		Logger:       d.log,
	})
	// The Edge has verified the token; this hands its claims to the SDK,
	// which gives them to the tool handlers as the request's TokenInfo.
	served := sdkauth.RequireBearerToken(func(ctx context.Context, _ string, r *http.Request) (*sdkauth.TokenInfo, error) {
		c, ok := auth.FromContext(ctx)
		if !ok {
			return nil, sdkauth.ErrInvalidToken
		}
		return &sdkauth.TokenInfo{UserID: c.User(), Expiration: c.ExpiresAt,
			Extra: map[string]any{extraClaims: c, extraOrigin: origin(r)}}, nil
	}, nil)(stream)

	byPath := map[string]api.HandlerFunc{
		pathMCP: func(w http.ResponseWriter, r *http.Request) error {
			served.ServeHTTP(w, r)
			return nil
		},
		pathMetadata:    h.metadata,
		pathMetadataMCP: h.metadata,
		pathProposal:    h.proposal,
	}
	var missing []string
	seen := map[string]bool{}
	for _, rt := range routes.HTTP() {
		if rt.Function != routes.MCP {
			continue
		}
		fn, ok := byPath[rt.Path]
		if !ok {
			missing = append(missing, rt.Key())
			continue
		}
		wrapped := d.edge.Wrap(rt, fn)
		if rt.Path == pathMCP {
			wrapped = challenge(wrapped)
		}
		h.mux.Handle(rt.Method+" "+rt.Path, wrapped)
		seen[rt.Path] = true
	}
	if len(missing) > 0 {
		return nil, errors.New("mcp: no handler for routes " + strings.Join(missing, ", "))
	}
	for path := range byPath {
		if !seen[path] {
			return nil, errors.New("mcp: handler for " + path + " has no route in shared/edge/routes")
		}
	}
	h.mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.WriteProblem(w, r, api.NotFound("no route "+r.Method+" "+r.URL.Path))
	}))
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Keys of TokenInfo.Extra.
const (
	extraClaims = "resync.claims"
	extraOrigin = "resync.origin"
)

// origin is the scheme and host the request came to: API Gateway says the
// scheme in X-Forwarded-Proto.
func origin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host
}

// challenge adds to every 401 of /mcp the WWW-Authenticate challenge of the
// MCP authorization specification (RFC 9728 §5.1): where the
// protected-resource metadata is, so a client can find the sign-in.
func challenge(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&challenger{ResponseWriter: w, value: fmt.Sprintf(`Bearer realm="resync", resource_metadata=%q`, origin(r)+pathMetadataMCP)}, r)
	})
}

type challenger struct {
	http.ResponseWriter
	value string
}

func (c *challenger) WriteHeader(code int) {
	if code == http.StatusUnauthorized {
		c.Header().Set("WWW-Authenticate", c.value)
	}
	c.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the writer's Flush.
func (c *challenger) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// metadata answers the OAuth 2.0 protected-resource metadata (RFC 9728):
// the /mcp resource and the Cognito user pool that issues its tokens.
func (h *handler) metadata(w http.ResponseWriter, r *http.Request) error {
	api.WriteJSON(w, r, http.StatusOK, oauthex.ProtectedResourceMetadata{
		Resource:               origin(r) + pathMCP,
		AuthorizationServers:   []string{h.d.issuer},
		BearerMethodsSupported: []string{"header"},
		ResourceName:           "Resync (HCL Workload Automation assistant)",
	})
	return nil
}

// proposalView is a proposal as the console's confirmation page shows it.
type proposalView struct {
	agent.ProposalResult
	Status  string         `json:"status"`
	Outcome *agent.Outcome `json:"outcome,omitempty"`
}

// proposal answers GET /api/v1/proposals/{id}: the caller's own proposal,
// for the console page an MCP client without elicitation links to.
func (h *handler) proposal(w http.ResponseWriter, r *http.Request) error {
	c, _ := auth.FromContext(r.Context())
	p, err := h.d.actions.Get(r.Context(), r.PathValue("id"))
	switch {
	case errors.Is(err, agent.ErrNotFound):
		return api.NotFound("no such proposal")
	case errors.Is(err, agent.ErrUnavailable):
		return api.Unavailable("proposals cannot be read right now", 5)
	case err != nil:
		return err
	case p.User != c.User():
		return api.NotFound("no such proposal") // another user's: not shown
	}
	api.WriteJSON(w, r, http.StatusOK, proposalView{ProposalResult: p.Result(), Status: p.Status, Outcome: p.Outcome})
	return nil
}

// newServer returns an MCP server offering the named tools of the
// catalogue, with its own schema and description, and the job log resource
// when job_log is among them.
func (h *handler) newServer(tools []string) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "resync", Title: "Resync", Version: "1.0.0"}, &mcp.ServerOptions{
		Instructions: "Resync reads the current plan of HCL Workload Automation: jobs, job streams, workstations, " +
			"logs, dependencies and impact. propose_action only proposes an operator action; it runs when a human " +
			"confirms it with a justification.",
		Logger: h.d.log,
		// Tool lists differ by role: no shared cache may keep them.
		SetCacheable: func(_ context.Context, _ mcp.Request, c *mcp.Cacheable) { c.CacheScope = "private" },
	})
	allowed := map[string]bool{}
	for _, t := range tools {
		allowed[t] = true
	}
	for _, spec := range agent.Specs() {
		if !allowed[spec.Name] {
			continue
		}
		t := &mcp.Tool{Name: spec.Name, Description: spec.Description, InputSchema: spec.Schema,
			Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: new(false)}}
		handle := h.read(spec.Name)
		if spec.Name == agent.ToolProposeAction || spec.Name == agent.ToolReplyPrompt {
			// It writes a proposal, and executes nothing.
			t.Annotations = &mcp.ToolAnnotations{DestructiveHint: new(false), OpenWorldHint: new(false)}
			handle = h.propose(spec.Name)
		}
		s.AddTool(t, handle)
	}
	if allowed[agent.ToolJobLog] {
		s.AddResourceTemplate(&mcp.ResourceTemplate{
			Name: "job-log", Title: "Job log", URITemplate: jobLogTemplate, MIMEType: "text/plain",
			Description: "The last 100 lines of the log of a job's last run; {id} is a job id or name.",
		}, h.jobLog)
	}
	if allowed[agent.ToolSearchRunbooks] && h.d.runbooks != nil {
		s.AddResourceTemplate(&mcp.ResourceTemplate{
			Name: "runbook-section", Title: "Runbook section", URITemplate: runbookTemplate, MIMEType: runbookMIME,
			Description: "One section of an ingested runbook: {document} is the document id, {section} its heading path " +
				"(headings joined by \" > \") path-escaped, " + sectionTop + " for the text before the first heading. resources/list names them all.",
		}, h.runbookSection)
		s.AddReceivingMiddleware(h.listSections)
	}
	return s
}

// errNoCaller is a request that reached a tool without verified claims:
// the routes make that impossible, so it is refused rather than served.
var errNoCaller = errors.New("mcp: no verified caller")

// caller returns the verified claims and the origin of the request.
func caller(extra *mcp.RequestExtra) (auth.Claims, string, error) {
	if extra == nil || extra.TokenInfo == nil {
		return auth.Claims{}, "", errNoCaller
	}
	c, ok := extra.TokenInfo.Extra[extraClaims].(auth.Claims)
	if !ok || c.User() == "" {
		return auth.Claims{}, "", errNoCaller
	}
	o, _ := extra.TokenInfo.Extra[extraOrigin].(string)
	return c, o, nil
}

func text(s string) []mcp.Content { return []mcp.Content{&mcp.TextContent{Text: s}} }

func toolResult(res agent.Result) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: text(res.Content), IsError: res.IsError}
}

// read runs one tool of the catalogue for the caller.
func (h *handler) read(name string) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		c, _, err := caller(req.Extra)
		if err != nil {
			return nil, err
		}
		return toolResult(h.d.tools.Call(ctx, agent.Call{User: c.User(), Name: name, Input: req.Params.Arguments}, maxToolOutput)), nil
	}
}

// jobLog reads resync://job/{id}/log through job_log.
func (h *handler) jobLog(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	c, _, err := caller(req.Extra)
	if err != nil {
		return nil, err
	}
	uri := req.Params.URI
	id, ok := strings.CutPrefix(uri, jobLogURIPrefix)
	if id, ok = strings.CutSuffix(id, jobLogURISuffix); !ok || id == "" || strings.Contains(id, "/") {
		return nil, mcp.ResourceNotFoundError(uri)
	}
	if u, err := url.PathUnescape(id); err == nil {
		id = u
	}
	in, _ := json.Marshal(agent.JobLogInput{Job: id})
	res := h.d.tools.Call(ctx, agent.Call{User: c.User(), Name: agent.ToolJobLog, Input: in}, 1<<20)
	if res.IsError {
		var er agent.ErrorResult
		if json.Unmarshal([]byte(res.Content), &er) == nil && er.Code == agent.CodeNotFound {
			return nil, mcp.ResourceNotFoundError(uri)
		}
		return nil, errors.New(res.Summary) // safe to show: the tool's own message
	}
	var l planview.Log
	if err := json.Unmarshal([]byte(res.Content), &l); err != nil {
		return nil, fmt.Errorf("mcp: job log %s: decode: %w", id, err)
	}
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: "text/plain", Text: l.Text}}}, nil
}

// confirmSchema is what the elicitation asks: a yes and a justification,
// which HWA receives and the audit trail keeps.
var confirmSchema = json.RawMessage(fmt.Sprintf(`{"type":"object","properties":{`+
	`"confirm":{"type":"boolean","title":"Execute this action","description":"Yes to execute it now in HWA"},`+
	`"justification":{"type":"string","title":"Justification","description":"Why: sent to HWA with the action and kept in the audit trail","minLength":1,"maxLength":%d}},`+
	`"required":["confirm","justification"]}`, frames.MaxJustificationBytes))

// propose creates a proposal with tool (propose_action or reply_prompt) and asks for its
// confirmation: by elicitation when the client can answer one within this
// stateless server (a multi round-trip request, protocol 2026-07-28 on),
// else with a link to the console. The retry that carries the answer
// confirms through Actions.Confirm, which executes once, audits and counts
// against the action rate limit.
func (h *handler) propose(tool string) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return h.proposeWith(ctx, tool, req)
	}
}

func (h *handler) proposeWith(ctx context.Context, tool string, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	c, from, err := caller(req.Extra)
	if err != nil {
		return nil, err
	}
	if id := req.Params.RequestState; id != "" {
		return h.answer(ctx, c, from, id, req.Params.Arguments, req.Params.InputResponses[inputConfirm]), nil
	}
	res := h.d.tools.Call(ctx, agent.Call{User: c.User(), Name: tool, Input: req.Params.Arguments}, maxToolOutput)
	if res.IsError || res.Proposal == nil {
		return toolResult(res), nil
	}
	p := *res.Proposal
	if !canElicit(req) {
		return h.awaiting(p, from, "This client cannot ask for a confirmation."), nil
	}
	return &mcp.CallToolResult{
		InputRequests: mcp.InputRequestMap{inputConfirm: &mcp.ElicitParams{
			Mode: "form", Message: describe(p), RequestedSchema: confirmSchema,
		}},
		RequestState: p.ProposalID,
	}, nil
}

// canElicit reports whether the client takes a form elicitation as a
// multi round-trip request. A legacy client (before 2026-07-28) would need
// a server-to-client request, which a stateless server cannot make.
func canElicit(req *mcp.CallToolRequest) bool {
	if p := req.Session.InitializeParams(); p != nil && p.ProtocolVersion < protocolSessions {
		return false
	}
	caps := req.ClientCapabilities()
	if caps == nil || caps.Elicitation == nil {
		return false
	}
	e := caps.Elicitation
	return e.Form != nil || e.URL == nil
}

// describe is the elicitation's message: what would run, on what, and
// what it affects.
func describe(p agent.ProposalResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Confirm the %s of", p.Action)
	for _, t := range p.Targets {
		fmt.Fprintf(&b, " %s %s (%s)", t.Kind, t.Name, t.ID)
		if t.Answer != "" {
			fmt.Fprintf(&b, ", answer %s", t.Answer)
		}
		if t.Stream != "" {
			fmt.Fprintf(&b, " in job stream %s", t.Stream)
		}
	}
	fmt.Fprintf(&b, ". Impact: %s", p.Impact.Summary)
	if p.Impact.Critical > 0 {
		fmt.Fprintf(&b, " (%d critical)", p.Impact.Critical)
	}
	fmt.Fprintf(&b, ". The proposal expires at %s. Give a justification: it is sent to HWA and audited.", p.ExpiresAt.UTC().Format("15:04 MST"))
	return b.String()
}

// consoleLink is the web console's page of proposal id.
func (h *handler) consoleLink(from, id string) string {
	base := h.d.console
	if base == "" {
		base = from
	}
	return base + "/#/proposals/" + url.PathEscape(id)
}

// awaiting is the result for a proposal left for a human to confirm in
// the console.
func (h *handler) awaiting(p agent.ProposalResult, from, why string) *mcp.CallToolResult {
	link := h.consoleLink(from, p.ProposalID)
	body, _ := json.Marshal(struct {
		agent.ProposalResult
		Status     string `json:"status"`
		ConfirmURL string `json:"confirmUrl"`
	}{p, agent.StatusPending, link})
	msg := fmt.Sprintf("%s Proposal %s (%s) was NOT executed: it awaits a human confirmation with a justification at %s before %s.",
		why, p.ProposalID, p.Action, link, p.ExpiresAt.UTC().Format("15:04 MST"))
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: strings.TrimSpace(msg)}, &mcp.TextContent{Text: string(body)}}}
}

// answer handles the retry that carries the elicitation's answer for
// proposal id.
func (h *handler) answer(ctx context.Context, c auth.Claims, from, id string, args json.RawMessage, resp mcp.InputResponse) *mcp.CallToolResult {
	p, err := h.d.actions.Get(ctx, id)
	if err != nil || p.User != c.User() {
		return refused(agent.CodeNotFound, "no such proposal: propose the action again")
	}
	var in agent.ProposeActionInput
	if json.Unmarshal(args, &in) != nil || !strings.EqualFold(strings.TrimSpace(in.Action), p.Action) {
		return refused(agent.CodeBadInput, "the answer does not belong to this proposal: propose the action again")
	}
	er, _ := resp.(*mcp.ElicitResult)
	if er == nil {
		return h.awaiting(p.Result(), from, "No confirmation was given.")
	}
	yes, _ := er.Content["confirm"].(bool)
	justification, _ := er.Content["justification"].(string)
	switch {
	case er.Action == "decline" || er.Action == "accept" && !yes:
		if err := h.d.actions.Cancel(ctx, c.User(), id); err != nil {
			return refused(agent.CodeUnavailable, "the proposal was declined but could not be canceled: it expires unexecuted")
		}
		return &mcp.CallToolResult{Content: text(fmt.Sprintf("Declined: proposal %s (%s) was canceled and nothing was executed.", id, p.Action))}
	case er.Action != "accept":
		return h.awaiting(p.Result(), from, "The confirmation was dismissed.")
	}
	out, err := h.d.actions.Confirm(ctx, c.User(), []string{string(c.Role)}, id, justification, "", "")
	if err != nil {
		var ae *agent.ActionError
		msg := "the confirmation did not complete: nothing was executed"
		if errors.As(err, &ae) {
			msg = ae.Message
		}
		return refused(agent.Code(err), msg+"; the proposal can still be confirmed at "+h.consoleLink(from, id))
	}
	body, _ := json.Marshal(out)
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: out.Message}, &mcp.TextContent{Text: string(body)}}, IsError: !out.OK}
}

func refused(code, msg string) *mcp.CallToolResult {
	b, _ := json.Marshal(agent.ErrorResult{Error: msg, Code: code})
	return &mcp.CallToolResult{Content: text(string(b)), IsError: true}
}
