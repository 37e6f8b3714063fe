package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/adapter/push"
)

// newWSStack starts a stack with testdata/wsfn as the chat function.
func newWSStack(t *testing.T, env map[string]string) (*stack, *syncBuffer) {
	t.Helper()
	dir := binDir(t, "health", "status")
	if err := os.Symlink(filepath.Join(testBin, "wsfn"), filepath.Join(dir, "chat")); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{envBinDir: dir}
	for k, v := range env {
		vars[k] = v
	}
	return newStack(t, vars)
}

func wsURL(s *stack, token string) string {
	return "ws://" + s.ln.Addr().String() + "/ws?token=" + token
}

// dial connects with a real WebSocket client.
func dial(t *testing.T, s *stack, token string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, wsURL(s, token), nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial: %v (status %d)", err, status)
	}
	c.SetReadLimit(1 << 20)
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// echo is what wsfn posts back for a message.
type echo struct {
	Type             string `json:"type"`
	RouteKey         string `json:"routeKey"`
	EventType        string `json:"eventType"`
	ConnectionID     string `json:"connectionId"`
	RequestID        string `json:"requestId"`
	Stage            string `json:"stage"`
	DomainName       string `json:"domainName"`
	SourceIP         string `json:"sourceIp"`
	ConnectedAt      int64  `json:"connectedAt"`
	RequestTimeEpoch int64  `json:"requestTimeEpoch"`
	Body             string `json:"body"`
	HasToken         bool   `json:"hasToken"`
	User             string `json:"user"`
	DisconnectCode   int64  `json:"disconnectStatusCode"`
	DisconnectReason string `json:"disconnectReason"`
}

func readFrame(t *testing.T, c *websocket.Conn) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	typ, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("frame type %v, want text", typ)
	}
	return b
}

func send(t *testing.T, c *websocket.Conn, text string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(text)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func roundTrip(t *testing.T, c *websocket.Conn, text string) echo {
	t.Helper()
	send(t, c, text)
	b := readFrame(t, c)
	var e echo
	if err := json.Unmarshal(b, &e); err != nil || e.Type != "echo" {
		t.Fatalf("frame %s: want the function's echo (err %v)", b, err)
	}
	return e
}

// closeStatus reads until the connection ends and returns its close code.
func closeStatus(t *testing.T, c *websocket.Conn, within time.Duration) (websocket.StatusCode, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		_, b, err := c.Read(ctx)
		if err == nil {
			t.Logf("frame before close: %.80s", b)
			continue
		}
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code, ce.Reason
		}
		t.Fatalf("connection ended without a close frame: %v", err)
	}
}

// events returns what wsfn recorded, in order.
func recorded(t *testing.T, s *stack) []echo {
	t.Helper()
	if !s.redis.Exists("wsfn:events") {
		return nil
	}
	list, err := s.redis.List("wsfn:events")
	if err != nil {
		t.Fatal(err)
	}
	out := make([]echo, len(list))
	for i, v := range list {
		if err := json.Unmarshal([]byte(v), &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// waitDisconnect waits for wsfn to record the $disconnect of id.
func waitDisconnect(t *testing.T, s *stack, id string) echo {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range recorded(t, s) {
			if e.EventType == "DISCONNECT" && e.ConnectionID == id {
				return e
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no $disconnect for %s; recorded %+v", id, recorded(t, s))
	return echo{}
}

func redisClient(t *testing.T, s *stack) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: s.redis.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// mgmt returns the real management API client, as a function builds it.
func mgmt(s *stack) *apigatewaymanagementapi.Client {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
	return push.NewClient(cfg, s.url)
}

func TestWSConnectRefused(t *testing.T) {
	s, _ := newWSStack(t, nil)
	tests := []struct {
		name, token string
		want        int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"bad token", "not-a-token", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, resp, err := websocket.Dial(ctx, wsURL(s, tt.token), nil)
			if err == nil {
				c.CloseNow()
				t.Fatal("dial succeeded, want the upgrade refused")
			}
			if resp == nil || resp.StatusCode != tt.want {
				t.Fatalf("dial: %v, response %v; want status %d", err, resp, tt.want)
			}
		})
	}
	var connects int
	for _, e := range recorded(t, s) {
		if e.EventType == "CONNECT" && e.RouteKey == "$connect" {
			connects++
		}
	}
	if got, want := connects, len(tests); got != want {
		t.Errorf("$connect invokes recorded = %d, want %d (the function decides)", got, want)
	}
	if s.ws.Open() != 0 {
		t.Errorf("open connections = %d, want 0", s.ws.Open())
	}
}

func TestWSNotBuilt(t *testing.T) {
	s, out := newStack(t, nil) // no chat binary
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, wsURL(s, "x"), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial: %v, %v; want 503", err, resp)
	}
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), "chat is not built") {
		t.Errorf("body %q, want it to say chat is not built", body)
	}
	if !strings.Contains(out.String(), "(off until chat is built") {
		t.Errorf("start-up lines do not say the websocket is off:\n%s", out.String())
	}
}

func TestWSRouteSelection(t *testing.T) {
	s, out := newWSStack(t, nil)
	for _, line := range []string{
		"  websocket     ws://" + s.ln.Addr().String() + "/ws?token=...\n",
		"  connections   " + s.url + "/@connections",
	} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("start-up output lacks %q:\n%s", line, out.String())
		}
	}
	c := dial(t, s, mint(t, s, "alice", "operator"))
	tests := []struct {
		frame, wantRoute string
	}{
		{`{"action":"chat","id":"m1","text":"which jobs abended?"}`, "chat"},
		{`{"action":"confirm","proposalId":"p1","justification":"ticket 42"}`, "confirm"},
		{`{"action":"ping"}`, "ping"},
		{`{"action":"dance"}`, "$default"},
		{`{"action":5}`, "$default"},
		{`{"text":"no action"}`, "$default"},
		{`not json at all`, "$default"},
		{`{"action":"$disconnect"}`, "$default"},
	}
	var id string
	for _, tt := range tests {
		got := roundTrip(t, c, tt.frame)
		if got.RouteKey != tt.wantRoute || got.Body != tt.frame || got.EventType != "MESSAGE" {
			t.Errorf("frame %s: got route %q, event %q, body %q; want route %q, MESSAGE, the frame", tt.frame, got.RouteKey, got.EventType, got.Body, tt.wantRoute)
		}
		if id == "" {
			id = got.ConnectionID
		}
		if got.ConnectionID != id || len(id) < 8 {
			t.Errorf("connectionId %q, want one stable id (first %q)", got.ConnectionID, id)
		}
		if got.Stage != "development" || got.DomainName != "127.0.0.1" || got.SourceIP != "127.0.0.1" || got.RequestID == "" {
			t.Errorf("request context: stage %q, domain %q, source ip %q, request id %q", got.Stage, got.DomainName, got.SourceIP, got.RequestID)
		}
		if got.ConnectedAt == 0 || got.RequestTimeEpoch < got.ConnectedAt {
			t.Errorf("connectedAt %d, requestTimeEpoch %d", got.ConnectedAt, got.RequestTimeEpoch)
		}
	}
	evs := recorded(t, s)
	if len(evs) == 0 || evs[0].EventType != "CONNECT" || evs[0].RouteKey != "$connect" || !evs[0].HasToken || evs[0].User != "alice" || evs[0].ConnectionID != id {
		t.Errorf("first event %+v, want the $connect of %s by alice with the token", evs[0], id)
	}
	// The function recorded the connection with shared/adapter/push.
	conn, err := push.NewRegistry(redisClient(t, s), nil).Get(context.Background(), id)
	if err != nil || conn.User != "alice" {
		t.Errorf("registry: %+v, %v", conn, err)
	}
}

func TestWSFunctionError(t *testing.T) {
	s, _ := newWSStack(t, nil)
	c := dial(t, s, mint(t, s, "alice", "viewer"))
	id := roundTrip(t, c, `{"action":"chat"}`).ConnectionID
	send(t, c, `{"action":"fail"}`)
	var got map[string]string
	if err := json.Unmarshal(readFrame(t, c), &got); err != nil {
		t.Fatal(err)
	}
	if got["message"] != "Internal server error" || got["connectionId"] != id || got["requestId"] == "" {
		t.Errorf("frame %v, want API Gateway's Internal server error frame for %s", got, id)
	}
	// The connection stays open.
	roundTrip(t, c, `{"action":"chat"}`)
}

func TestWSManagementAPI(t *testing.T) {
	s, _ := newWSStack(t, nil)
	c := dial(t, s, mint(t, s, "alice", "viewer"))
	id := roundTrip(t, c, `{"action":"chat"}`).ConnectionID
	api := mgmt(s)
	ctx := context.Background()

	// POST: the bytes arrive as one text frame.
	frame := `{"type":"event","kind":"test"}`
	if _, err := api.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte(frame)}); err != nil {
		t.Fatalf("PostToConnection: %v", err)
	}
	if got := string(readFrame(t, c)); got != frame {
		t.Errorf("frame %q, want %q", got, frame)
	}

	// GET, from the test and from the function.
	out, err := api.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetConnection: %v", err)
	}
	if out.ConnectedAt == nil || time.Since(*out.ConnectedAt) > time.Minute || out.LastActiveAt == nil || out.LastActiveAt.Before(*out.ConnectedAt) ||
		aws.ToString(out.Identity.SourceIp) != "127.0.0.1" || aws.ToString(out.Identity.UserAgent) == "" {
		t.Errorf("GetConnection = connectedAt %v, lastActiveAt %v, identity %+v", out.ConnectedAt, out.LastActiveAt, out.Identity)
	}
	send(t, c, `{"action":"get"}`)
	var got struct {
		Type     string    `json:"type"`
		Conn     time.Time `json:"connectedAt"`
		SourceIP string    `json:"sourceIp"`
	}
	if err := json.Unmarshal(readFrame(t, c), &got); err != nil || got.Type != "connection" || got.SourceIP != "127.0.0.1" || got.Conn.IsZero() {
		t.Errorf("the function's GetConnection: %+v, %v", got, err)
	}

	// Over 128 KB: PayloadTooLargeException; 128 KB exactly goes through.
	send(t, c, `{"action":"big","n":140000}`)
	var big struct{ Type, Outcome string }
	if err := json.Unmarshal(readFrame(t, c), &big); err != nil || big.Type != "big" || !strings.Contains(big.Outcome, "PayloadTooLargeException") {
		t.Errorf("post of 140000 bytes: %+v, %v; want PayloadTooLargeException", big, err)
	}
	_, err = api.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: make([]byte, 128<<10+1)})
	var tooLarge *types.PayloadTooLargeException
	if !errors.As(err, &tooLarge) {
		t.Errorf("PostToConnection of 128 KB + 1: %v, want PayloadTooLargeException", err)
	}
	if _, err := api.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte(strings.Repeat("y", 128<<10))}); err != nil {
		t.Errorf("PostToConnection of 128 KB: %v", err)
	} else if n := len(readFrame(t, c)); n != 128<<10 {
		t.Errorf("frame of %d bytes, want %d", n, 128<<10)
	}

	// An unsigned call is refused.
	resp, body := do(t, "POST", s.url+"/@connections/"+id, "", "x")
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("x-amzn-ErrorType") != "ForbiddenException" {
		t.Errorf("unsigned POST: %d %s %s", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), body)
	}

	// DELETE closes it (1000), then every call is 410 Gone.
	if _, err := api.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)}); err != nil {
		t.Fatalf("DeleteConnection: %v", err)
	}
	if code, _ := closeStatus(t, c, 10*time.Second); code != websocket.StatusNormalClosure {
		t.Errorf("close code %d, want 1000", code)
	}
	var gone *types.GoneException
	_, err = api.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte("x")})
	if !errors.As(err, &gone) {
		t.Errorf("PostToConnection after close: %v, want GoneException", err)
	}
	_, err = api.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(id)})
	if !errors.As(err, &gone) {
		t.Errorf("GetConnection after close: %v, want GoneException", err)
	}
	_, err = api.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)})
	if !errors.As(err, &gone) {
		t.Errorf("DeleteConnection after close: %v, want GoneException", err)
	}
	// push.Poster sees ErrGone.
	if err := push.NewPoster(api, nil).Post(ctx, id, map[string]string{"type": "event"}); !errors.Is(err, push.ErrGone) {
		t.Errorf("Poster.Post after close: %v, want ErrGone", err)
	}
	if e := waitDisconnect(t, s, id); e.DisconnectCode != 1000 || e.RouteKey != "$disconnect" {
		t.Errorf("$disconnect %+v, want route $disconnect and code 1000", e)
	}
	// Unknown ids are gone too.
	_, err = api.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String("bm9wZW5vcGU="), Data: []byte("x")})
	if !errors.As(err, &gone) {
		t.Errorf("PostToConnection to an unknown id: %v, want GoneException", err)
	}
}

func TestWSFunctionDeletesItsConnection(t *testing.T) {
	s, _ := newWSStack(t, nil)
	c := dial(t, s, mint(t, s, "alice", "viewer"))
	id := roundTrip(t, c, `{"action":"chat"}`).ConnectionID
	send(t, c, `{"action":"delete"}`)
	if code, _ := closeStatus(t, c, 10*time.Second); code != websocket.StatusNormalClosure {
		t.Errorf("close code %d, want 1000", code)
	}
	waitDisconnect(t, s, id)
}

func TestWSClose(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		act      func(t *testing.T, c *websocket.Conn)
		wantCode websocket.StatusCode
	}{
		{"frame over 32 KB", nil, func(t *testing.T, c *websocket.Conn) {
			send(t, c, `{"action":"chat","text":"`+strings.Repeat("a", 33<<10)+`"}`)
		}, websocket.StatusMessageTooBig},
		{"binary frame", nil, func(t *testing.T, c *websocket.Conn) {
			_ = c.Write(context.Background(), websocket.MessageBinary, []byte{1, 2, 3})
		}, websocket.StatusUnsupportedData},
		{"idle timeout", map[string]string{envWSIdle: "400ms"}, func(t *testing.T, c *websocket.Conn) {}, websocket.StatusGoingAway},
		{"lifetime", map[string]string{envWSLifetime: "900ms"}, func(t *testing.T, c *websocket.Conn) {
			// Busy all along: only the lifetime ends it.
			go func() {
				for range 30 {
					if c.Write(context.Background(), websocket.MessageText, []byte(`{"action":"ping"}`)) != nil {
						return
					}
					time.Sleep(100 * time.Millisecond)
				}
			}()
		}, websocket.StatusGoingAway},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newWSStack(t, tt.env)
			c := dial(t, s, mint(t, s, "alice", "viewer"))
			id := roundTrip(t, c, `{"action":"chat"}`).ConnectionID
			start := time.Now()
			tt.act(t, c)
			code, reason := closeStatus(t, c, 10*time.Second)
			if code != tt.wantCode {
				t.Errorf("close %d %q, want %d", code, reason, tt.wantCode)
			}
			t.Logf("closed with %d %q after %v", code, reason, time.Since(start).Round(time.Millisecond))
			if e := waitDisconnect(t, s, id); e.DisconnectCode != int64(tt.wantCode) {
				t.Errorf("$disconnect code %d, want %d", e.DisconnectCode, tt.wantCode)
			}
		})
	}
}

func TestWSIdleResetByMessages(t *testing.T) {
	s, _ := newWSStack(t, map[string]string{envWSIdle: "600ms"})
	c := dial(t, s, mint(t, s, "alice", "viewer"))
	for range 4 {
		time.Sleep(300 * time.Millisecond)
		roundTrip(t, c, `{"action":"ping"}`) // fails if the idle timeout closed it
	}
}

func TestWSClientCloseInvokesDisconnect(t *testing.T) {
	s, _ := newWSStack(t, nil)
	c := dial(t, s, mint(t, s, "alice", "viewer"))
	id := roundTrip(t, c, `{"action":"chat"}`).ConnectionID
	if err := c.Close(websocket.StatusNormalClosure, "bye"); err != nil {
		t.Fatalf("close: %v", err)
	}
	e := waitDisconnect(t, s, id)
	if e.RouteKey != "$disconnect" || e.DisconnectCode != 1000 || e.DisconnectReason != "bye" {
		t.Errorf("$disconnect %+v, want code 1000 reason bye", e)
	}
	// The function removed it from the registry.
	if _, err := push.NewRegistry(redisClient(t, s), nil).Get(context.Background(), id); !errors.Is(err, push.ErrGone) {
		t.Errorf("registry after $disconnect: %v, want ErrGone", err)
	}
}

func TestWSStackCloseDisconnects(t *testing.T) {
	s, _ := newWSStack(t, nil)
	c := dial(t, s, mint(t, s, "alice", "viewer"))
	id := roundTrip(t, c, `{"action":"chat"}`).ConnectionID
	readErr := make(chan error, 1)
	go func() {
		for {
			if _, _, err := c.Read(context.Background()); err != nil {
				readErr <- err
				return
			}
		}
	}()
	s.Close(context.Background())
	if code := websocket.CloseStatus(<-readErr); code != websocket.StatusGoingAway {
		t.Errorf("close code %d on shutdown, want 1001", code)
	}
	found := false
	for _, e := range recorded(t, s) {
		found = found || (e.EventType == "DISCONNECT" && e.ConnectionID == id)
	}
	if !found {
		t.Errorf("no $disconnect before the functions stopped")
	}
}

func TestLocalCredentials(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want int // how many variables are added
	}{
		{"nothing configured", []string{"PATH=/bin", "REDIS_URL=redis://x"}, 2},
		{"real keys", []string{"AWS_ACCESS_KEY_ID=AKIA", "AWS_SECRET_ACCESS_KEY=s"}, 0},
		{"a profile", []string{"AWS_PROFILE=dev"}, 0},
		{"bedrock", []string{"BEDROCK_MODEL_ID=anthropic.claude"}, 0},
	}
	for _, tt := range tests {
		if got := localCredentials(tt.env); len(got) != tt.want {
			t.Errorf("%s: got %v, want %d variables", tt.name, got, tt.want)
		}
	}
}

func TestWSConfig(t *testing.T) {
	tests := []struct {
		idle, life         string
		wantIdle, wantLife time.Duration
		wantErr            bool
	}{
		{"", "", 10 * time.Minute, 2 * time.Hour, false},
		{"30s", "5m", 30 * time.Second, 5 * time.Minute, false},
		{"soon", "", 0, 0, true},
		{"", "-1h", 0, 0, true},
	}
	for _, tt := range tests {
		env := map[string]string{envWSIdle: tt.idle, envWSLifetime: tt.life}
		cfg, err := loadConfig(func(k string) string { return env[k] }, nil)
		if (err != nil) != tt.wantErr {
			t.Errorf("idle %q, lifetime %q: err %v, want error %v", tt.idle, tt.life, err, tt.wantErr)
			continue
		}
		if err == nil && (cfg.WSIdle != tt.wantIdle || cfg.WSLifetime != tt.wantLife) {
			t.Errorf("idle %q, lifetime %q: got %v, %v; want %v, %v", tt.idle, tt.life, cfg.WSIdle, cfg.WSLifetime, tt.wantIdle, tt.wantLife)
		}
	}
}

// TestWSFunctionSeesEndpoint: a post the function makes through
// WS_ENDPOINT with the credentials the stack gave it arrives byte for byte.
func TestWSFunctionSeesEndpoint(t *testing.T) {
	s, _ := newWSStack(t, nil)
	c := dial(t, s, mint(t, s, "alice", "viewer"))
	send(t, c, `{"action":"big","n":10}`)
	if got := string(readFrame(t, c)); got != `"xxxxxxxxxx"` {
		t.Errorf("frame %s, want the posted JSON string", got)
	}
	var big struct{ Type, Outcome string }
	if err := json.Unmarshal(readFrame(t, c), &big); err != nil || big.Outcome != "ok" {
		t.Errorf("outcome %+v, %v", big, err)
	}
}

func TestFunctionTimeoutsFollowTheDeployment(t *testing.T) {
	fns := []string{"chat", "status", "admin", "ingest", "health"}
	tests := []struct {
		env  map[string]string
		want map[string]time.Duration
	}{
		{nil, map[string]time.Duration{"chat": 5 * time.Minute, "status": 30 * time.Second, "ingest": 15 * time.Minute, "health": time.Minute}},
		{map[string]string{envTimeout: "10s"}, map[string]time.Duration{"chat": 10 * time.Second, "ingest": 10 * time.Second}},
		{map[string]string{"LOCAL_TIMEOUT_CHAT": "40s"}, map[string]time.Duration{"chat": 40 * time.Second, "health": time.Minute}},
	}
	for _, tt := range tests {
		cfg, err := loadConfig(func(k string) string { return tt.env[k] }, fns)
		if err != nil {
			t.Fatal(err)
		}
		for fn, want := range tt.want {
			if got := cfg.Timeouts[fn]; got != want {
				t.Errorf("env %v: timeout of %s = %v, want %v", tt.env, fn, got, want)
			}
		}
	}
}
