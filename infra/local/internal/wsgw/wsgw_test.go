package wsgw

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coder/websocket"

	"github.com/resync/resync/infra/local/internal/lambdasvc"
	"github.com/resync/resync/shared/edge/routes"
)

// fakeInvoker answers from a function of the decoded event and records
// every event.
type fakeInvoker struct {
	mu     sync.Mutex
	events []events.APIGatewayWebsocketProxyRequest
	answer func(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (lambdasvc.Result, error)
}

func (f *fakeInvoker) Invoke(ctx context.Context, fn string, payload []byte) (lambdasvc.Result, error) {
	var ev events.APIGatewayWebsocketProxyRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		return lambdasvc.Result{}, err
	}
	f.mu.Lock()
	f.events = append(f.events, ev)
	f.mu.Unlock()
	if f.answer == nil {
		return lambdasvc.Result{Payload: []byte(`{"statusCode":200,"body":"never sent"}`)}, nil
	}
	return f.answer(ctx, ev)
}

func (f *fakeInvoker) seen() []events.APIGatewayWebsocketProxyRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]events.APIGatewayWebsocketProxyRequest(nil), f.events...)
}

func newGateway(t *testing.T, inv *fakeInvoker, opts Options) (*Gateway, *httptest.Server) {
	t.Helper()
	if opts.Routes == nil {
		opts.Routes = routes.WebSocket()
	}
	opts.Invoker = inv
	g, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ws", g)
	mux.Handle(ConnectionsPrefix, g.Connections())
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		g.Close(ctx)
		srv.Close()
	})
	return g, srv
}

func wsDial(ctx context.Context, srv *httptest.Server, query string, opts *websocket.DialOptions) (*websocket.Conn, *http.Response, error) {
	return websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws"+query, opts)
}

func TestConnectOutcome(t *testing.T) {
	tests := []struct {
		name       string
		result     lambdasvc.Result
		err        error
		wantStatus int // 101 when the upgrade goes through
		wantBody   string
	}{
		{"2xx", lambdasvc.Result{Payload: []byte(`{"statusCode":200}`)}, nil, 101, ""},
		{"204", lambdasvc.Result{Payload: []byte(`{"statusCode":204}`)}, nil, 101, ""},
		{"no statusCode", lambdasvc.Result{Payload: []byte(`null`)}, nil, 101, ""},
		{"401 with body", lambdasvc.Result{Payload: []byte(`{"statusCode":401,"body":"{\"message\":\"Unauthorized\"}"}`)}, nil, 401, `{"message":"Unauthorized"}`},
		{"403 without body", lambdasvc.Result{Payload: []byte(`{"statusCode":403}`)}, nil, 403, `"Forbidden"`},
		{"function error", lambdasvc.Result{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"boom"}`)}, nil, 500, ""},
		{"not built", lambdasvc.Result{}, lambdasvc.ErrUnknownFunction, 503, "chat is not built"},
		{"crashed", lambdasvc.Result{}, lambdasvc.ErrCrashed, 502, ""},
		{"timed out", lambdasvc.Result{}, lambdasvc.ErrTimeout, 504, ""},
		{"init failed", lambdasvc.Result{}, &lambdasvc.InitError{Function: "chat"}, 502, "failed to initialise"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{answer: func(_ context.Context, ev events.APIGatewayWebsocketProxyRequest) (lambdasvc.Result, error) {
				return tt.result, tt.err
			}}
			g, srv := newGateway(t, inv, Options{})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, resp, err := wsDial(ctx, srv, "?token=abc", nil)
			if tt.wantStatus == 101 {
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				c.CloseNow()
				return
			}
			if err == nil {
				c.CloseNow()
				t.Fatalf("dial succeeded, want %d", tt.wantStatus)
			}
			if resp == nil || resp.StatusCode != tt.wantStatus {
				t.Fatalf("dial: %v; want status %d", err, tt.wantStatus)
			}
			body, _ := io.ReadAll(resp.Body)
			if !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("body %q, want it to contain %q", body, tt.wantBody)
			}
			if resp.Header.Get("Upgrade") != "" {
				t.Errorf("a refused connect carries Upgrade %q", resp.Header.Get("Upgrade"))
			}
			if g.Open() != 0 {
				t.Errorf("open = %d after a refused connect", g.Open())
			}
		})
	}
}

func TestConnectEvent(t *testing.T) {
	inv := &fakeInvoker{}
	_, srv := newGateway(t, inv, Options{Stage: "development"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := wsDial(ctx, srv, "?token=t0k&x=1&x=2", &websocket.DialOptions{HTTPHeader: http.Header{"User-Agent": {"tester/1"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	ev := inv.seen()[0]
	rc := ev.RequestContext
	id := regexp.MustCompile(`^[A-Za-z0-9]{15}=$`)
	if rc.RouteKey != "$connect" || rc.EventType != "CONNECT" || !id.MatchString(rc.ConnectionID) || !id.MatchString(rc.RequestID) ||
		rc.Stage != "development" || rc.DomainName != "127.0.0.1" || rc.Identity.SourceIP != "127.0.0.1" ||
		rc.Identity.UserAgent != "tester/1" || rc.ConnectedAt == 0 || rc.RequestTimeEpoch == 0 || rc.MessageDirection != "IN" || rc.APIID == "" {
		t.Errorf("request context %+v", rc)
	}
	if ev.QueryStringParameters["token"] != "t0k" || ev.QueryStringParameters["x"] != "2" || len(ev.MultiValueQueryStringParameters["x"]) != 2 {
		t.Errorf("query %v / %v", ev.QueryStringParameters, ev.MultiValueQueryStringParameters)
	}
	if ev.Headers["Sec-WebSocket-Key"] == "" || ev.Headers["Sec-WebSocket-Version"] != "13" || len(ev.MultiValueHeaders["Sec-WebSocket-Key"]) != 1 || ev.Headers["Host"] == "" || ev.Headers["X-Forwarded-For"] != "127.0.0.1" || ev.IsBase64Encoded || ev.Body != "" {
		t.Errorf("headers %v, body %q", ev.Headers, ev.Body)
	}
}

func TestSubprotocolFromConnect(t *testing.T) {
	inv := &fakeInvoker{answer: func(context.Context, events.APIGatewayWebsocketProxyRequest) (lambdasvc.Result, error) {
		return lambdasvc.Result{Payload: []byte(`{"statusCode":200,"headers":{"sec-websocket-protocol":"resync.v1"}}`)}, nil
	}}
	_, srv := newGateway(t, inv, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := wsDial(ctx, srv, "", &websocket.DialOptions{Subprotocols: []string{"resync.v1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if got := c.Subprotocol(); got != "resync.v1" {
		t.Errorf("subprotocol %q, want resync.v1", got)
	}
}

func TestSelectRoute(t *testing.T) {
	g, err := New(Options{Routes: routes.WebSocket(), Invoker: &fakeInvoker{}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ frame, want string }{
		{`{"action":"chat"}`, "chat"},
		{`{"action":"unknown"}`, "unknown"}, // no such route: $default is chosen by the caller
		{`{"action":""}`, "$default"},
		{`{"action":null}`, "$default"},
		{`{"action":["chat"]}`, "$default"},
		{`{"action":"$connect"}`, "$default"},
		{`["chat"]`, "$default"},
		{`"chat"`, "$default"},
		{`chat`, "$default"},
		{``, "$default"},
	}
	for _, tt := range tests {
		if got := g.selectRoute([]byte(tt.frame)); got != tt.want {
			t.Errorf("selectRoute(%q) = %q, want %q", tt.frame, got, tt.want)
		}
	}
}

func readJSON(t *testing.T, c *websocket.Conn) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("frame %s: %v", b, err)
	}
	return m
}

func TestRouteTimeoutAndNoDefault(t *testing.T) {
	release, finished := make(chan struct{}), make(chan struct{})
	inv := &fakeInvoker{answer: func(invokeCtx context.Context, ev events.APIGatewayWebsocketProxyRequest) (lambdasvc.Result, error) {
		if ev.RequestContext.RouteKey == "slow" {
			select {
			case <-release:
				close(finished)
			case <-invokeCtx.Done():
				return lambdasvc.Result{}, invokeCtx.Err()
			}
		}
		return lambdasvc.Result{Payload: []byte(`{"statusCode":200,"body":"never sent"}`)}, nil
	}}
	rs := []routes.WebSocketRoute{{Key: "$connect", Function: "f"}, {Key: "slow", Function: "f"}}
	_, srv := newGateway(t, inv, Options{Routes: rs, RouteTimeout: 200 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := wsDial(ctx, srv, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	id := inv.seen()[0].RequestContext.ConnectionID

	// Without a $default route, an unmatched frame gets API Gateway's Forbidden.
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"action":"other"}`)); err != nil {
		t.Fatal(err)
	}
	if got := readJSON(t, c); got["message"] != "Forbidden" || got["connectionId"] != id {
		t.Errorf("unmatched frame: %v", got)
	}
	// A route slower than the integration timeout.
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"action":"slow"}`)); err != nil {
		t.Fatal(err)
	}
	if got := readJSON(t, c); got["message"] != "Endpoint request timed out" || got["connectionId"] != id || got["requestId"] == "" {
		t.Errorf("slow route: %v", got)
	}
	// As in AWS, the function was not cut off by the route timeout.
	close(release)
	select {
	case <-finished:
	case <-time.After(5 * time.Second):
		t.Error("the slow invoke was cancelled at the route timeout")
	}
}

func TestConnectionsErrors(t *testing.T) {
	inv := &fakeInvoker{}
	_, srv := newGateway(t, inv, Options{MaxPostBytes: 10})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := wsDial(ctx, srv, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	id := inv.seen()[0].RequestContext.ConnectionID
	tests := []struct {
		name, method, id, body, auth string
		wantStatus                   int
		wantType                     string
	}{
		{"unsigned", "POST", id, "hi", "", 403, "ForbiddenException"},
		{"too large", "POST", id, "12345678901", "AWS4-HMAC-SHA256 x", 413, "PayloadTooLargeException"},
		{"unknown id", "POST", "bm9wZQ==", "hi", "AWS4-HMAC-SHA256 x", 410, "GoneException"},
		{"unknown id GET", "GET", "bm9wZQ==", "", "AWS4-HMAC-SHA256 x", 410, "GoneException"},
		{"bad method", "PUT", id, "", "AWS4-HMAC-SHA256 x", 403, "ForbiddenException"},
		{"ok", "POST", id, "0123456789", "AWS4-HMAC-SHA256 x", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+ConnectionsPrefix+tt.id, strings.NewReader(tt.body))
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || resp.Header.Get("X-Amzn-Errortype") != tt.wantType {
				t.Errorf("%d %q %s, want %d %q", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), body, tt.wantStatus, tt.wantType)
			}
		})
	}
	_, b, err := c.Read(ctx)
	if err != nil || string(b) != "0123456789" {
		t.Errorf("posted frame %q, %v", b, err)
	}
}

func TestCloseEndsConnectionsWithDisconnect(t *testing.T) {
	inv := &fakeInvoker{}
	g, srv := newGateway(t, inv, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := wsDial(ctx, srv, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	readErr := make(chan error, 1)
	go func() { _, _, err := c.Read(ctx); readErr <- err }()
	g.Close(ctx)
	if code := websocket.CloseStatus(<-readErr); code != websocket.StatusGoingAway {
		t.Errorf("close code %d, want 1001", code)
	}
	evs := inv.seen()
	last := evs[len(evs)-1].RequestContext
	if last.RouteKey != "$disconnect" || last.EventType != "DISCONNECT" || last.DisconnectStatusCode != 1001 || last.DisconnectReason == nil || *last.DisconnectReason != "Going away" {
		t.Errorf("last event %+v, want $disconnect 1001", last)
	}
	// New connections are refused once closed.
	if _, resp, err := wsDial(ctx, srv, "", nil); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("dial after Close: %v", err)
	}
}

func TestPlainHTTPIsNotAnUpgrade(t *testing.T) {
	inv := &fakeInvoker{}
	_, srv := newGateway(t, inv, Options{})
	resp, err := http.Get(srv.URL + "/ws?token=x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUpgradeRequired || len(inv.seen()) != 0 {
		t.Errorf("GET /ws: %d with %d invokes, want 426 and no $connect", resp.StatusCode, len(inv.seen()))
	}
}
