package apigw

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/resync/resync/infra/local/internal/lambdasvc"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/routes"
)

// fakeInvoker records the events it gets and answers with result/err.
type fakeInvoker struct {
	mu     sync.Mutex
	fn     string
	event  events.APIGatewayV2HTTPRequest
	result lambdasvc.Result
	err    error
}

func (f *fakeInvoker) Invoke(_ context.Context, fn string, payload []byte) (lambdasvc.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fn = fn
	f.event = events.APIGatewayV2HTTPRequest{}
	if err := json.Unmarshal(payload, &f.event); err != nil {
		return lambdasvc.Result{}, err
	}
	if f.result.Payload == nil && f.err == nil {
		return lambdasvc.Result{Payload: []byte(`{"statusCode":200,"body":"ok"}`)}, nil
	}
	return f.result, f.err
}

var testRoutes = []routes.HTTPRoute{
	{Method: "GET", Path: "/health", Function: "health"},
	{Method: "GET", Path: "/api/v1/jobs", Function: "status", Role: routes.RoleViewer},
	{Method: "GET", Path: "/api/v1/jobs/{id}", Function: "status", Role: routes.RoleViewer},
	{Method: "GET", Path: "/api/v1/jobs/{id}/log", Function: "status", Role: routes.RoleViewer},
	{Method: "GET", Path: "/api/v1/jobs/critical", Function: "critical", Role: routes.RoleViewer},
	{Method: "POST", Path: "/api/v1/admin/cache/invalidate", Function: "admin", Role: routes.RoleAdmin},
	{Method: "ANY", Path: "/files/{path+}", Function: "files"},
}

const secret = "0123456789abcdef0123456789abcdef"

func newGateway(t *testing.T, inv Invoker) (*Gateway, *auth.Minter) {
	t.Helper()
	cfg := auth.Config{Issuer: "resync-local", ClientID: "local"}
	v, err := auth.NewHS256([]byte(secret), cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := auth.NewMinter([]byte(secret), cfg, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(Options{Routes: testRoutes, Invoker: inv, Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	return g, m
}

func TestRouteMatching(t *testing.T) {
	tests := []struct {
		method, path string
		wantKey      string // "" means 404
		wantParams   map[string]string
	}{
		{"GET", "/health", "GET /health", nil},
		{"GET", "/health/", "GET /health", nil},
		{"POST", "/health", "", nil},
		{"GET", "/api/v1/jobs", "GET /api/v1/jobs", nil},
		{"GET", "/api/v1/jobs/J-42", "GET /api/v1/jobs/{id}", map[string]string{"id": "J-42"}},
		{"GET", "/api/v1/jobs/J-42/log", "GET /api/v1/jobs/{id}/log", map[string]string{"id": "J-42"}},
		{"GET", "/api/v1/jobs/critical", "GET /api/v1/jobs/critical", nil},
		{"GET", "/api/v1/jobs/J-42/log/more", "", nil},
		{"DELETE", "/files/a/b/c.txt", "ANY /files/{path+}", map[string]string{"path": "a/b/c.txt"}},
		{"GET", "/files", "", nil},
		{"GET", "/nothing", "", nil},
	}
	rs, err := compile(testRoutes)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		rt, params, ok := find(rs, tt.method, tt.path)
		got := ""
		if ok {
			got = rt.Key()
		}
		if got != tt.wantKey {
			t.Errorf("%s %s: route %q, want %q", tt.method, tt.path, got, tt.wantKey)
			continue
		}
		if fmt.Sprint(params) != fmt.Sprint(tt.wantParams) {
			t.Errorf("%s %s: params %v, want %v", tt.method, tt.path, params, tt.wantParams)
		}
	}
}

func TestCompileRejectsBadTables(t *testing.T) {
	bad := [][]routes.HTTPRoute{
		{{Method: "GET", Path: "nope", Function: "f"}},
		{{Method: "GET", Path: "/a", Function: "f"}, {Method: "GET", Path: "/a", Function: "g"}},
		{{Method: "GET", Path: "/a/{p+}/b", Function: "f"}},
	}
	for _, rs := range bad {
		if _, err := compile(rs); err == nil {
			t.Errorf("compile(%v): nil error", rs)
		}
	}
}

func TestEvent(t *testing.T) {
	inv := &fakeInvoker{}
	g, m := newGateway(t, inv)
	token, _, err := m.Mint("alice", auth.RoleOperator)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/api/v1/jobs/J%2042?status=ABEND&status=FAILED&limit=5", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Cookie", "theme=dark; lang=en")
	req.Header.Add("X-Multi", "a")
	req.Header.Add("X-Multi", "b")
	req.Header.Set("User-Agent", "curl/8")
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	ev := inv.event
	checks := []struct{ name, got, want string }{
		{"function", inv.fn, "status"},
		{"version", ev.Version, "2.0"},
		{"routeKey", ev.RouteKey, "GET /api/v1/jobs/{id}"},
		{"requestContext.routeKey", ev.RequestContext.RouteKey, "GET /api/v1/jobs/{id}"},
		{"rawPath", ev.RawPath, "/api/v1/jobs/J%2042"},
		{"rawQueryString", ev.RawQueryString, "status=ABEND&status=FAILED&limit=5"},
		{"path param", ev.PathParameters["id"], "J 42"},
		{"query status", ev.QueryStringParameters["status"], "ABEND,FAILED"},
		{"query limit", ev.QueryStringParameters["limit"], "5"},
		{"cookies", strings.Join(ev.Cookies, "|"), "theme=dark|lang=en"},
		{"header joined", ev.Headers["x-multi"], "a,b"},
		{"no cookie header", ev.Headers["cookie"], ""},
		{"http.method", ev.RequestContext.HTTP.Method, "GET"},
		{"http.userAgent", ev.RequestContext.HTTP.UserAgent, "curl/8"},
		{"stage", ev.RequestContext.Stage, "$default"},
		{"request id header", rec.Header().Get("Apigw-Requestid"), ev.RequestContext.RequestID},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if ev.RequestContext.RequestID == "" || ev.RequestContext.TimeEpoch == 0 {
		t.Errorf("request id %q, timeEpoch %d: want both set", ev.RequestContext.RequestID, ev.RequestContext.TimeEpoch)
	}
	if ev.RequestContext.Authorizer == nil || ev.RequestContext.Authorizer.JWT == nil {
		t.Fatal("no JWT authorizer context for a valid token")
	}
	claims := ev.RequestContext.Authorizer.JWT.Claims
	for k, want := range map[string]string{"username": "alice", "cognito:groups": "[operator]", "token_use": "access", "client_id": "local", "iss": "resync-local"} {
		if claims[k] != want {
			t.Errorf("claim %s = %q, want %q", k, claims[k], want)
		}
	}
	if exp, err := strconv.ParseInt(claims["exp"], 10, 64); err != nil || exp < time.Now().Unix() {
		t.Errorf("claim exp = %q, want future epoch seconds as text", claims["exp"])
	}
}

func TestEventAuthorizerOnlyForVerifiedTokensOnAuthorizedRoutes(t *testing.T) {
	inv := &fakeInvoker{}
	g, m := newGateway(t, inv)
	good, _, _ := m.Mint("bob", auth.RoleViewer)
	other, _ := auth.NewMinter([]byte(strings.Repeat("z", 32)), auth.Config{Issuer: "resync-local", ClientID: "local"}, time.Minute)
	forged, _, _ := other.Mint("mallory", auth.RoleAdmin)
	tests := []struct {
		name, path, token string
		want              bool
	}{
		{"valid token, authorized route", "/api/v1/jobs", good, true},
		{"no token", "/api/v1/jobs", "", false},
		{"forged token", "/api/v1/jobs", forged, false},
		{"valid token, open route", "/health", good, false},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", tt.path, nil)
		if tt.token != "" {
			req.Header.Set("Authorization", "Bearer "+tt.token)
		}
		g.ServeHTTP(httptest.NewRecorder(), req)
		if got := inv.event.RequestContext.Authorizer != nil; got != tt.want {
			t.Errorf("%s: authorizer present = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestEventBody(t *testing.T) {
	tests := []struct {
		contentType string
		body        []byte
		wantB64     bool
	}{
		{"application/json", []byte(`{"kind":"summary"}`), false},
		{"text/plain; charset=utf-8", []byte("héllo"), false},
		{"", []byte("plain"), false},
		{"application/octet-stream", []byte{0, 1, 2, 255}, true},
		{"", []byte{0xff, 0xfe}, true},
	}
	for _, tt := range tests {
		inv := &fakeInvoker{}
		g, _ := newGateway(t, inv)
		req := httptest.NewRequest("POST", "/api/v1/admin/cache/invalidate", strings.NewReader(string(tt.body)))
		if tt.contentType != "" {
			req.Header.Set("Content-Type", tt.contentType)
		}
		g.ServeHTTP(httptest.NewRecorder(), req)
		ev := inv.event
		if ev.IsBase64Encoded != tt.wantB64 {
			t.Errorf("%q: isBase64Encoded = %v, want %v", tt.contentType, ev.IsBase64Encoded, tt.wantB64)
		}
		got := []byte(ev.Body)
		if ev.IsBase64Encoded {
			got, _ = base64.StdEncoding.DecodeString(ev.Body)
		}
		if string(got) != string(tt.body) {
			t.Errorf("%q: body round trip = %q, want %q", tt.contentType, got, tt.body)
		}
	}
}

func TestResponses(t *testing.T) {
	tests := []struct {
		name       string
		result     lambdasvc.Result
		err        error
		wantStatus int
		wantBody   string
		wantHeader map[string][]string
	}{
		{
			name: "full response",
			result: lambdasvc.Result{Payload: []byte(`{"statusCode":201,"headers":{"Content-Type":"application/json","X-One":"1"},` +
				`"multiValueHeaders":{"X-Many":["a","b"]},"cookies":["s=1; HttpOnly","t=2"],"body":"{\"ok\":true}"}`)},
			wantStatus: 201, wantBody: `{"ok":true}`,
			wantHeader: map[string][]string{"X-One": {"1"}, "X-Many": {"a", "b"}, "Set-Cookie": {"s=1; HttpOnly", "t=2"}},
		},
		{
			name:       "base64 body",
			result:     lambdasvc.Result{Payload: []byte(`{"statusCode":200,"isBase64Encoded":true,"body":"AAEC/w=="}`)},
			wantStatus: 200, wantBody: "\x00\x01\x02\xff",
		},
		{
			name:       "inferred 200 JSON",
			result:     lambdasvc.Result{Payload: []byte(`{"status":"ok"}`)},
			wantStatus: 200, wantBody: `{"status":"ok"}`,
			wantHeader: map[string][]string{"Content-Type": {"application/json"}},
		},
		{
			name:       "function error",
			result:     lambdasvc.Result{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"secret detail"}`)},
			wantStatus: 500, wantBody: `{"message":"Internal Server Error"}`,
		},
		{name: "crash", err: fmt.Errorf("%w: fn#1: exit status 2", lambdasvc.ErrCrashed), wantStatus: 502},
		{name: "timeout", err: lambdasvc.ErrTimeout, wantStatus: 504},
		{name: "not built", err: lambdasvc.ErrUnknownFunction, wantStatus: 502},
		{
			name:       "init error",
			err:        &lambdasvc.InitError{Function: "health", Type: "Runtime.ConfigError", Message: "REDIS_URL is not set"},
			wantStatus: 502, wantBody: `{"message":"function status failed to initialise: Runtime.ConfigError: REDIS_URL is not set (its stderr is in the local stack's log)"}`,
		},
		{name: "integration timeout", err: context.DeadlineExceeded, wantStatus: 503},
		{name: "bad status", result: lambdasvc.Result{Payload: []byte(`{"statusCode":42}`)}, wantStatus: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, _ := newGateway(t, &fakeInvoker{result: tt.result, err: tt.err})
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/jobs/1", nil))
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantBody != "" && rec.Body.String() != tt.wantBody {
				t.Errorf("body = %q, want %q", rec.Body.String(), tt.wantBody)
			}
			for k, want := range tt.wantHeader {
				if got := rec.Header().Values(k); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestNoRouteIs404(t *testing.T) {
	inv := &fakeInvoker{}
	g, _ := newGateway(t, inv)
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("DELETE", "/api/v1/jobs", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != http.StatusNotFound || string(body) != `{"message":"Not Found"}` {
		t.Errorf("got %d %s, want 404 Not Found", rec.Code, body)
	}
	if inv.fn != "" {
		t.Errorf("invoked %s for an unmatched route", inv.fn)
	}
}
