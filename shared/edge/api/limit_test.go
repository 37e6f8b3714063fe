package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/resync/resync/shared/adapter/redis/ratelimit"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/routes"
)

// fakeLimits records every Allow and refuses once a budget of n per
// kind and identity is spent; err makes it fail.
type fakeLimits struct {
	n   int
	err error

	mu    sync.Mutex
	calls []string
	used  map[string]int
}

func (f *fakeLimits) Allow(_ context.Context, kind ratelimit.Kind, user string) (ratelimit.Decision, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, string(kind)+" "+user)
	if f.err != nil {
		return ratelimit.Decision{}, f.err
	}
	if f.used == nil {
		f.used = map[string]int{}
	}
	k := string(kind) + " " + user
	if f.used[k] >= f.n {
		return ratelimit.Decision{RetryAfter: 1500 * time.Millisecond}, nil
	}
	f.used[k]++
	return ratelimit.Decision{Allowed: true}, nil
}

// TestEveryHTTPRouteIsLimited registers every route of the route table on
// one Edge and calls each once with an admin token: each is counted exactly
// once, against the caller's user for routes with a role and the source
// address for routes without, under the kind ratelimit.ForHTTP gives.
func TestEveryHTTPRouteIsLimited(t *testing.T) {
	var logs, emf bytes.Buffer
	var refused atomic.Int64
	e, m := newEdge(t, &logs, &emf, &refused)
	lim := &fakeLimits{n: 100}
	e.Limits = lim
	mux := http.NewServeMux()
	for _, rt := range routes.HTTP() {
		e.Handle(mux, rt, func(w http.ResponseWriter, r *http.Request) error { w.WriteHeader(204); return nil })
	}
	tok, _, _ := m.Mint("ada", auth.RoleAdmin)
	for _, rt := range routes.HTTP() {
		lim.calls = nil
		req := httptest.NewRequest(rt.Method, samplePath(rt.Path), nil)
		req.RemoteAddr = "203.0.113.7:4711"
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != 204 {
			t.Errorf("%s: status %d, want 204", rt.Key(), rec.Code)
			continue
		}
		want := string(ratelimit.ForHTTP(rt.Method, rt.Role == routes.RoleNone)) + " user:ada"
		if rt.Role == routes.RoleNone {
			want = string(ratelimit.KindHTTPAnonymous) + " ip:203.0.113.7"
		}
		if len(lim.calls) != 1 || lim.calls[0] != want {
			t.Errorf("%s: limiter calls %q, want [%q]", rt.Key(), lim.calls, want)
		}
	}
}

// samplePath fills a route pattern's {params}.
func samplePath(p string) string {
	var b []byte
	for i := 0; i < len(p); i++ {
		if p[i] == '{' {
			for i < len(p) && p[i] != '}' {
				i++
			}
			b = append(b, 'x')
			continue
		}
		b = append(b, p[i])
	}
	return string(b)
}

// TestLimitRefusal: past the budget a request is a 429 problem with
// Retry-After, and the handler does not run; another user is unaffected;
// a limiter that cannot answer lets the request through and logs it.
func TestLimitRefusal(t *testing.T) {
	var logs, emf bytes.Buffer
	var refused atomic.Int64
	e, m := newEdge(t, &logs, &emf, &refused)
	e.Limits = &fakeLimits{n: 2}
	var ran atomic.Int64
	mux := http.NewServeMux()
	rt := routes.HTTPRoute{Method: "POST", Path: "/api/v1/admin/cache/invalidate", Function: "admin", Role: routes.RoleAdmin}
	e.Handle(mux, rt, func(w http.ResponseWriter, r *http.Request) error { ran.Add(1); w.WriteHeader(204); return nil })
	call := func(user string) *httptest.ResponseRecorder {
		tok, _, _ := m.Mint(user, auth.RoleAdmin)
		req := httptest.NewRequest("POST", rt.Path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec
	}
	for i := 0; i < 2; i++ {
		if rec := call("ada"); rec.Code != 204 {
			t.Fatalf("request %d: %d, want 204", i+1, rec.Code)
		}
	}
	rec := call("ada")
	var p Problem
	_ = json.Unmarshal(rec.Body.Bytes(), &p)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "2" || p.Code != "rate_limited" || p.RetryAfter != 2 {
		t.Errorf("past the budget: %d Retry-After %q %s, want 429, Retry-After 2, code rate_limited", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	if ran.Load() != 2 {
		t.Errorf("handler ran %d times, want 2 (not for the refused request)", ran.Load())
	}
	if rec := call("bob"); rec.Code != 204 {
		t.Errorf("another user: %d, want 204", rec.Code)
	}

	e.Limits = &fakeLimits{err: errors.New("dial tcp 10.0.0.1:6379: i/o timeout")}
	if rec := call("ada"); rec.Code != 204 {
		t.Errorf("limiter down: %d, want the request let through", rec.Code)
	}
	if !bytes.Contains(logs.Bytes(), []byte("rate limiter unavailable")) {
		t.Errorf("limiter down was not logged:\n%s", logs.String())
	}
}

// TestSourceIP: the request context's sourceIp wins over the connection,
// and a client's X-Forwarded-For is never used.
func TestSourceIP(t *testing.T) {
	req := httptest.NewRequest("GET", "/health", nil)
	req.RemoteAddr = "198.51.100.1:1234"
	req.Header.Set("X-Forwarded-For", "6.6.6.6")
	if got := SourceIP(req); got != "198.51.100.1" {
		t.Errorf("SourceIP = %s, want the remote host", got)
	}
	var ra core.RequestAccessorV2
	gw, err := ra.EventToRequestWithContext(context.Background(), events.APIGatewayV2HTTPRequest{
		Version: "2.0", RawPath: "/health", Headers: map[string]string{"x-forwarded-for": "6.6.6.6"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/health", SourceIP: "192.0.2.9"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := SourceIP(gw); got != "192.0.2.9" {
		t.Errorf("SourceIP under API Gateway = %s, want the request context's sourceIp", got)
	}
}

// stuckLimits answers only when its context ends, as a limiter behind a
// Redis that stopped answering.
type stuckLimits struct{}

func (stuckLimits) Allow(ctx context.Context, _ ratelimit.Kind, _ string) (ratelimit.Decision, error) {
	<-ctx.Done()
	return ratelimit.Decision{}, ctx.Err()
}

// TestSlowLimiterCostsOnlyItsBudget: a limiter that does not answer holds a
// request for LimitBudget, then the request is served (fail open), and the
// handler still has the caller's full deadline.
func TestSlowLimiterCostsOnlyItsBudget(t *testing.T) {
	var logs, emf bytes.Buffer
	var refused atomic.Int64
	e, m := newEdge(t, &logs, &emf, &refused)
	e.Limits = stuckLimits{}
	e.LimitBudget = 50 * time.Millisecond
	var handlerErr error
	h := e.Wrap(routes.HTTPRoute{Method: "GET", Path: "/api/v1/plan/summary", Role: routes.RoleViewer},
		func(w http.ResponseWriter, r *http.Request) error {
			handlerErr = r.Context().Err()
			w.WriteHeader(204)
			return nil
		})
	tok, _, _ := m.Mint("ada", auth.RoleViewer)
	req := httptest.NewRequest("GET", "/api/v1/plan/summary", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 204 || handlerErr != nil {
		t.Fatalf("status %d, handler context %v; want 204 with a live context", rec.Code, handlerErr)
	}
	if !bytes.Contains(logs.Bytes(), []byte("rate limiter unavailable")) {
		t.Errorf("the let-through was not logged: %s", logs.String())
	}
}
