package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/resync/resync/infra/local/internal/schedule"
	"github.com/resync/resync/shared/edge/stage"
)

// testBin holds testdata/fn and testdata/wsfn, built once; fn is installed
// as the HTTP functions, wsfn as chat by the WebSocket tests.
var testBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "local-stack-test")
	if err != nil {
		panic(err)
	}
	testBin = filepath.Join(dir, "bin")
	for _, name := range []string{"fn", "wsfn"} {
		build := exec.Command("go", "build", "-o", filepath.Join(testBin, name), "./testdata/"+name)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			os.RemoveAll(dir)
			panic("build testdata/" + name + ": " + err.Error())
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// binDir returns a directory where the test function is installed under
// each of the given function names.
func binDir(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		if err := os.Symlink(filepath.Join(testBin, "fn"), filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newStack starts a stack on a free port with the test function as health
// and status; env adds settings.
func newStack(t *testing.T, env map[string]string) (*stack, *syncBuffer) {
	t.Helper()
	vars := map[string]string{
		envAddr:      "127.0.0.1:0",
		envBinDir:    binDir(t, "health", "status"),
		envSchedules: "off",
		"PATH":       os.Getenv("PATH"),
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := loadConfig(func(k string) string { return vars[k] }, []string{"chat", "status", "admin", "ingest", "health"})
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(out, nil))
	s, err := startStack(context.Background(), cfg, out, out, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s, out
}

func do(t *testing.T, method, url, token, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func mint(t *testing.T, s *stack, user, role string) string {
	t.Helper()
	resp, body := do(t, "POST", s.url+"/local/token", "", `{"user":"`+user+`","role":"`+role+`"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("POST /local/token: %d %s", resp.StatusCode, body)
	}
	var tok struct {
		Token     string `json:"token"`
		ExpiresAt string `json:"expiresAt"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.Token == "" {
		t.Fatalf("token response %s: %v", body, err)
	}
	if exp, err := time.Parse(time.RFC3339, tok.ExpiresAt); err != nil || time.Until(exp) > 2*time.Hour {
		t.Errorf("expiresAt = %q, want within the token lifetime", tok.ExpiresAt)
	}
	return tok.Token
}

// fnReport is what testdata/fn answers.
type fnReport struct {
	PID       int             `json:"pid"`
	RequestID string          `json:"requestId"`
	Event     json.RawMessage `json:"event"`
}

func TestRouteWithPathParamsAndClaims(t *testing.T) {
	s, _ := newStack(t, nil)
	token := mint(t, s, "alice", "viewer")
	resp, body := do(t, "GET", s.url+"/api/v1/jobs/JOB-7?status=ABEND", token, "")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var rep fnReport
	if err := json.Unmarshal(body, &rep); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(rep.Event, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.RouteKey != "GET /api/v1/jobs/{id}" || ev.PathParameters["id"] != "JOB-7" || ev.QueryStringParameters["status"] != "ABEND" {
		t.Errorf("event route %q params %v query %v", ev.RouteKey, ev.PathParameters, ev.QueryStringParameters)
	}
	if ev.RequestContext.Authorizer == nil || ev.RequestContext.Authorizer.JWT.Claims["username"] != "alice" ||
		ev.RequestContext.Authorizer.JWT.Claims["cognito:groups"] != "[viewer]" {
		t.Errorf("authorizer = %+v, want alice's claims", ev.RequestContext.Authorizer)
	}
	if got := resp.Header.Get("Apigw-Requestid"); got == "" || got != ev.RequestContext.RequestID {
		t.Errorf("Apigw-Requestid %q, event request id %q", got, ev.RequestContext.RequestID)
	}
	if resp.Header.Get("X-Test") != "yes" || len(resp.Header.Values("Set-Cookie")) != 2 {
		t.Errorf("function headers not written back: %v", resp.Header)
	}
	// A route without a role gets no authorizer context even with a token.
	_, body = do(t, "GET", s.url+"/health", token, "")
	_ = json.Unmarshal(body, &rep)
	ev = events.APIGatewayV2HTTPRequest{}
	_ = json.Unmarshal(rep.Event, &ev)
	if ev.RouteKey != "GET /health" || ev.RequestContext.Authorizer != nil {
		t.Errorf("GET /health: route %q authorizer %+v; want no authorizer", ev.RouteKey, ev.RequestContext.Authorizer)
	}
	if resp, _ := do(t, "GET", s.url+"/api/v1/nothing", "", ""); resp.StatusCode != 404 {
		t.Errorf("unknown route: %d, want 404", resp.StatusCode)
	}
}

func TestCrashIs502AndReplaced(t *testing.T) {
	s, out := newStack(t, nil)
	resp, body := do(t, "GET", s.url+"/api/v1/jobs/crash", "", "")
	if resp.StatusCode != 502 {
		t.Fatalf("crash: %d %s, want 502", resp.StatusCode, body)
	}
	resp, body = do(t, "GET", s.url+"/api/v1/jobs/after", "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("after crash: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(out.String(), "testfn: crashing on purpose") {
		t.Errorf("the crashed function's stderr is not in the stack output")
	}
}

func TestTimeoutIs504(t *testing.T) {
	s, _ := newStack(t, map[string]string{"LOCAL_TIMEOUT_STATUS": "500ms"})
	start := time.Now()
	resp, body := do(t, "GET", s.url+"/api/v1/jobs/sleep?ms=5000", "", "")
	if resp.StatusCode != 504 {
		t.Fatalf("slow function: %d %s, want 504", resp.StatusCode, body)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("timeout answered after %v", d)
	}
	// health has the default timeout and is unaffected.
	if resp, _ := do(t, "GET", s.url+"/health", "", ""); resp.StatusCode != 200 {
		t.Errorf("GET /health: %d", resp.StatusCode)
	}
}

func TestConcurrencyThroughTheGateway(t *testing.T) {
	s, _ := newStack(t, map[string]string{envConcurrency: "2"})
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		pids = map[int]bool{}
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, body := do(t, "GET", s.url+"/api/v1/jobs/sleep?ms=200", "", "")
			var rep fnReport
			if resp.StatusCode != 200 || json.Unmarshal(body, &rep) != nil {
				t.Errorf("concurrent call: %d %s", resp.StatusCode, body)
				return
			}
			mu.Lock()
			pids[rep.PID] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(pids) != 2 {
		t.Errorf("4 concurrent calls ran on %d processes, want the limit 2", len(pids))
	}
}

func TestScheduleTrigger(t *testing.T) {
	s, _ := newStack(t, nil)
	resp, body := do(t, "POST", s.url+"/local/schedules/health-deep", "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("trigger: %d %s", resp.StatusCode, body)
	}
	var rep fnReport
	_ = json.Unmarshal(body, &rep)
	var ev events.CloudWatchEvent
	if err := json.Unmarshal(rep.Event, &ev); err != nil {
		t.Fatalf("event %s: %v", rep.Event, err)
	}
	if ev.DetailType != "Scheduled Event" || len(ev.Resources) != 1 || !strings.HasSuffix(ev.Resources[0], ":rule/"+schedule.RulePrefix+"health-deep") {
		t.Errorf("scheduled event = %+v", ev)
	}
	if resp, _ := do(t, "POST", s.url+"/local/schedules/nope", "", ""); resp.StatusCode != 404 {
		t.Errorf("unknown schedule: %d, want 404", resp.StatusCode)
	}
	// topology-sync belongs to ingest, which is not built here.
	if resp, _ := do(t, "POST", s.url+"/local/schedules/topology-sync", "", ""); resp.StatusCode != 404 {
		t.Errorf("schedule of a missing function: %d, want 404", resp.StatusCode)
	}
}

func TestInitErrorShown(t *testing.T) {
	s, out := newStack(t, map[string]string{"TESTFN_INIT": "post", envPassEnv: "TESTFN_INIT"})
	for _, want := range []string{"FAILED START  health", "Runtime.ConfigError", "testfn: DATABASE_URL is not set", "testfn: cannot reach the database"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("start-up output lacks %q:\n%s", want, out.String())
		}
	}
	resp, body := do(t, "GET", s.url+"/health", "", "")
	if resp.StatusCode != 502 || !strings.Contains(string(body), "failed to initialise: Runtime.ConfigError: testfn: DATABASE_URL is not set") {
		t.Errorf("GET /health: %d %s; want 502 naming the init error", resp.StatusCode, body)
	}
}

func TestDevTokenEndpoint(t *testing.T) {
	s, _ := newStack(t, nil)
	for _, body := range []string{`{"user":"bob","role":"root"}`, `{"role":"admin"}`, `not json`, `{"user":"x","role":"admin","extra":1}`} {
		if resp, b := do(t, "POST", s.url+"/local/token", "", body); resp.StatusCode != 400 {
			t.Errorf("POST /local/token %s: %d %s, want 400", body, resp.StatusCode, b)
		}
	}
	prod, out := newStack(t, map[string]string{"STAGE": string(stage.Production)})
	if resp, b := do(t, "POST", prod.url+"/local/token", "", `{"user":"bob","role":"admin"}`); resp.StatusCode != 403 {
		t.Errorf("production: POST /local/token: %d %s, want 403", resp.StatusCode, b)
	}
	if !strings.Contains(out.String(), "dev tokens    off (stage production)") {
		t.Errorf("production start-up does not say the token endpoint is off:\n%s", out.String())
	}
}

func TestRunPrintsAddressesAndShutsDown(t *testing.T) {
	dir := binDir(t, "health")
	vars := map[string]string{envAddr: "127.0.0.1:0", envBinDir: dir, envSchedules: "off", "PATH": os.Getenv("PATH")}
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(k string) string { return vars[k] }, stdout, stderr) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stdout.String(), "functions") {
		if time.Now().After(deadline) {
			t.Fatalf("no start-up lines:\n%s\n%s", stdout.String(), stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{"http api      http://127.0.0.1:", "redis         redis://127.0.0.1:", "(embedded miniredis)",
		"dev tokens    POST http://127.0.0.1:", "schedules     POST http://127.0.0.1:", "functions     health", "not built     chat, status, admin, mcp (", "graph         off: NEO4J_URI is not set"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("start-up output lacks %q:\n%s", want, stdout.String())
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	if !strings.HasSuffix(strings.TrimSpace(stdout.String()), "stopped") {
		t.Errorf("no clean shutdown message:\n%s", stdout.String())
	}
}
