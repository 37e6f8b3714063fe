// Package routes is the one table of Resync's entry points: the HTTP API routes,
// the WebSocket routes, the schedules and the object-event triggers, each with
// the function that serves it.
//
// The local stack (infra/local) routes requests with it, and the CDK app
// (infra/cdk) deploys from it, so a test can prove the two agree.
package routes

import (
	"strconv"
	"strings"

	"github.com/resync/resync/shared/domain/access"
)

// Function names, one per Lambda. Each is a directory under functions/.
const (
	Chat   = "chat"
	Status = "status"
	Admin  = "admin"
	Ingest = "ingest"
	Health = "health"
	MCP    = "mcp"
)

// UploadPrefix is the key prefix of the documents bucket under which admin
// presigns uploads (uploads/<user>/<id>/<name>); the CDK app lets admin put
// objects under it and nowhere else.
const UploadPrefix = "uploads/"

// Role is the least role a route needs: the domain's roles (access.Role),
// the same type the token check decides with.
type Role = access.Role

// Roles, from least to most privileged; RoleNone means no token is needed.
const (
	RoleNone     = access.RoleNone
	RoleViewer   = access.RoleViewer
	RoleOperator = access.RoleOperator
	RoleAdmin    = access.RoleAdmin
)

// HTTPRoute is one route of the HTTP API, keyed like API Gateway's route key.
type HTTPRoute struct {
	Method   string // GET, POST, DELETE, ...
	Path     string // with {param} placeholders, e.g. /api/v1/jobs/{id}
	Function string
	Role     Role
}

// Key returns the API Gateway route key, e.g. "GET /api/v1/jobs/{id}".
func (r HTTPRoute) Key() string { return r.Method + " " + r.Path }

// GatewayAuth reports whether the gateway in front checks the route's token
// too (the CDK app's Cognito authorizer). The MCP function's routes are
// passed through unauthorized: the MCP specification wants a 401 that names
// the protected-resource metadata in WWW-Authenticate, which only the
// function sends. Every function checks every token itself either way.
func (r HTTPRoute) GatewayAuth() bool { return r.Role != RoleNone && r.Function != MCP }

// WebSocketRoute is one route of the WebSocket API.
type WebSocketRoute struct {
	Key      string // $connect, $disconnect, $default or an action name
	Function string
}

// Schedule is an EventBridge rule that invokes a function on an interval.
type Schedule struct {
	Name     string // also the "detail-type"-like name the function switches on
	Function string
	Minutes  int // rate(Minutes minutes)
	// AtStart fires the schedule once as soon as the stack is up — the
	// local stack at start, the CDK app after each deployment — so that
	// what it builds (the topology graph) is there before the first
	// interval has passed.
	AtStart bool
}

// Expression returns the EventBridge schedule expression.
func (s Schedule) Expression() string {
	if s.Minutes == 1 {
		return "rate(1 minute)"
	}
	return "rate(" + strconv.Itoa(s.Minutes) + " minutes)"
}

// ObjectTrigger is an S3 event delivered to a function.
type ObjectTrigger struct {
	Events   []string // s3:ObjectCreated:*, s3:ObjectRemoved:*
	Function string
}

// WebSocketSelection is the route selection expression of the WebSocket API.
const WebSocketSelection = "$request.body.action"

// HTTP returns the HTTP API routes. The slice is new on every call.
func HTTP() []HTTPRoute {
	return []HTTPRoute{
		{"GET", "/health", Health, RoleNone},
		{"GET", "/health/deep", Health, RoleAdmin},

		{"GET", "/api/v1/plan/summary", Status, RoleViewer},
		// The engine's settings the console shows times in (its time zone).
		{"GET", "/api/v1/plan/info", Status, RoleViewer},
		{"GET", "/api/v1/jobs", Status, RoleViewer},
		{"GET", "/api/v1/jobs/{id}", Status, RoleViewer},
		{"GET", "/api/v1/jobs/{id}/log", Status, RoleViewer},
		{"GET", "/api/v1/jobs/{id}/impact", Status, RoleViewer},
		{"GET", "/api/v1/jobs/{id}/why", Status, RoleViewer},
		{"GET", "/api/v1/jobstreams", Status, RoleViewer},
		{"GET", "/api/v1/workstations", Status, RoleViewer},
		{"GET", "/api/v1/critical", Status, RoleViewer},
		{"GET", "/api/v1/events", Status, RoleViewer},
		// The monitor's events as alerts (severity, title), for the console's alerts panel.
		{"GET", "/api/v1/alerts", Status, RoleViewer},
		{"GET", "/api/v1/agents", Chat, RoleViewer},
		// The shift handover digest (?shift=current|previous).
		{"GET", "/api/v1/handover", Health, RoleViewer},
		// Alerts no chat channel accepted, and their replay (audited; sent
		// once): served by health, which holds the webhooks.
		{"GET", "/api/v1/admin/alerts/dead-letters", Health, RoleAdmin},
		{"POST", "/api/v1/admin/alerts/dead-letters/{id}/replay", Health, RoleAdmin},
		// A proposal made from the console's job page: the chat function
		// records it as propose_action does; the confirm frame executes it.
		{"POST", "/api/v1/proposals", Chat, RoleOperator},

		{"GET", "/api/v1/admin/cache", Admin, RoleAdmin},
		{"POST", "/api/v1/admin/cache/invalidate", Admin, RoleAdmin},
		{"GET", "/api/v1/admin/audit", Admin, RoleAdmin},
		// The durable trail: a day's chain verified; the compliance report.
		{"GET", "/api/v1/admin/audit/verify", Admin, RoleAdmin},
		{"GET", "/api/v1/admin/compliance", Admin, RoleAdmin},
		{"GET", "/api/v1/admin/security", Admin, RoleAdmin},
		// Memory review: answers rated low or caught by the auditor.
		{"GET", "/api/v1/admin/reviews", Admin, RoleAdmin},
		{"POST", "/api/v1/admin/reviews/{id}/approve", Admin, RoleAdmin},
		{"POST", "/api/v1/admin/reviews/{id}/reject", Admin, RoleAdmin},

		// Runbooks: operators upload, list and delete (their own; admins any).
		{"POST", "/api/v1/documents/upload-url", Admin, RoleOperator},
		{"GET", "/api/v1/documents", Admin, RoleOperator},
		{"DELETE", "/api/v1/documents/{id}", Admin, RoleOperator},
		// A runbook's text, section by section: where a citation opens it.
		{"GET", "/api/v1/documents/{id}/sections", Admin, RoleOperator},

		// The MCP server (Streamable HTTP, stateless) and its OAuth 2.0
		// protected-resource metadata (RFC 9728), at the root and at the
		// path-suffixed address for the /mcp resource.
		{"POST", "/mcp", MCP, RoleViewer},
		{"GET", "/mcp", MCP, RoleViewer},
		{"GET", "/.well-known/oauth-protected-resource", MCP, RoleNone},
		{"GET", "/.well-known/oauth-protected-resource/mcp", MCP, RoleNone},
		// A proposal made over MCP, for the console's confirmation page.
		{"GET", "/api/v1/proposals/{id}", MCP, RoleOperator},
	}
}

// WebSocket returns the WebSocket API routes. The slice is new on every call.
func WebSocket() []WebSocketRoute {
	return []WebSocketRoute{
		{"$connect", Chat},
		{"$disconnect", Chat},
		{"$default", Chat},
		{"chat", Chat},
		{"confirm", Chat},
		{"cancel", Chat},
		{"feedback", Chat},
		{"ping", Chat},
		{"auth", Chat},
	}
}

// Schedules returns the EventBridge schedules. The slice is new on every call.
func Schedules() []Schedule {
	return []Schedule{
		{Name: "health-deep", Function: Health, Minutes: 5},
		{Name: "plan-monitor", Function: Health, Minutes: 1},
		// Posts the digest of the shift that ended (once per shift and
		// channel; SHIFTS in PLAN_TIME_ZONE).
		{Name: "shift-handover", Function: Health, Minutes: 5},
		{Name: "topology-sync", Function: Ingest, Minutes: 15, AtStart: true},
	}
}

// ObjectTriggers returns the S3 event triggers of the documents bucket.
func ObjectTriggers() []ObjectTrigger {
	return []ObjectTrigger{
		{Events: []string{"s3:ObjectCreated:*", "s3:ObjectRemoved:*"}, Function: Ingest},
	}
}

// Functions returns every function name in a stable order.
func Functions() []string { return []string{Chat, Status, Admin, Ingest, Health, MCP} }

// ScheduleFor returns the schedule that a scheduled event's resources name.
// EventBridge puts the rule's ARN in "resources"
// (arn:aws:events:region:account:rule/<rule name>); the rule name must equal
// the schedule's Name or end with "-" + Name (e.g. "resync-prod-health-deep"),
// which is how the local stack and the CDK app name their rules. The longest
// matching schedule name wins.
func ScheduleFor(resources []string) (Schedule, bool) {
	var best Schedule
	found := false
	for _, arn := range resources {
		i := strings.LastIndex(arn, "rule/")
		if i < 0 {
			continue
		}
		rule := arn[i+len("rule/"):]
		if j := strings.LastIndex(rule, "/"); j >= 0 { // rules on a custom event bus
			rule = rule[j+1:]
		}
		for _, s := range Schedules() {
			if (rule == s.Name || strings.HasSuffix(rule, "-"+s.Name)) && len(s.Name) > len(best.Name) {
				best, found = s, true
			}
		}
	}
	return best, found
}
