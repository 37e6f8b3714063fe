package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/app/handover"
	"github.com/resync/resync/shared/app/monitor"
	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/config"
	"github.com/resync/resync/shared/edge/metrics"
	"github.com/resync/resync/shared/edge/obs"
	"github.com/resync/resync/shared/edge/stage"
)

const (
	testSecret = "health-test-secret-0123456789abcdef"
	eventsDir  = "../../events/health"
)

var testAuth = auth.Config{Issuer: "resync-local", ClientID: "resync-local"}

// fakeEngine answers like HWA; err makes both calls fail.
type fakeEngine struct{ err error }

func (f fakeEngine) EngineInfo(context.Context) (hwa.EngineInfo, error) {
	return hwa.EngineInfo{DisplayVersion: "10.2.5"}, f.err
}

func (f fakeEngine) CountJobs(context.Context, string, ...string) (hwa.GroupedCount, error) {
	return hwa.GroupedCount{Count: 450}, f.err
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fakeMonitor answers the plan-monitor schedule with one event.
type fakeMonitor struct{ runs atomic.Int64 }

func (m *fakeMonitor) Run(context.Context) (monitor.Result, error) {
	m.runs.Add(1)
	return monitor.Result{Events: []frames.Event{{Type: frames.TypeEvent, Kind: monitor.JobAbended, Data: map[string]any{"id": "j1", "name": "PAY_LOAD"}}}, Delivered: 2}, nil
}

// fakeDigests answers the handover with one failure.
type fakeDigests struct{}

func (fakeDigests) digest() handover.Digest {
	return handover.Digest{Shift: "22:00–06:00", Zone: "UTC", Complete: true,
		From: time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC),
		Failures: []handover.Item{{Text: "PAY_LOAD abended", Cite: "job j1 run r1", JobID: "j1"}}}
}
func (f fakeDigests) Current(context.Context) (handover.Digest, error)  { return f.digest(), nil }
func (f fakeDigests) Previous(context.Context) (handover.Digest, error) { return f.digest(), nil }

type fixture struct {
	mon    *fakeMonitor
	h      *handler
	minter *auth.Minter
	logs   *lockedBuffer
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	_, rdb := newRedis(t)
	v, err := auth.NewHS256([]byte(testSecret), testAuth)
	if err != nil {
		t.Fatal(err)
	}
	m, err := auth.NewMinter([]byte(testSecret), testAuth, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	logger := obs.NewLogger(logs, obs.ParseLevel("debug"))
	mon := &fakeMonitor{}
	h, err := newHandler(handlerDeps{
		stage:    stage.Development,
		monitor:  mon,
		handover: fakeDigests{},
		auth:     v,
		store:    redisStore{rdb: rdb},
		check: &checker{now: time.Now, failed: logFailure(logger), probes: []probe{
			hwaProbe(fakeEngine{}, time.Second),
			redisProbe(rdb, time.Second),
			skipped("neo4j", "NEO4J_URI is not set"),
			skipped("bedrock", "BEDROCK_MODEL_ID is not set"),
		}},
		log:     logger,
		metrics: metrics.New(logs, "Resync", nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{h: h, minter: m, logs: logs, mon: mon}
}

func (f fixture) token(t *testing.T, role auth.Role) string {
	t.Helper()
	tok, _, err := f.minter.Mint("alice", role)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// invoke sends raw through the Lambda handler the way the runtime does:
// JSON in, JSON out.
func (f fixture) invoke(t *testing.T, raw []byte) (json.RawMessage, error) {
	t.Helper()
	out, err := f.h.Invoke(context.Background(), raw)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatalf("marshal result: %v", err)
	}
	return b, nil
}

func (f fixture) http(t *testing.T, raw []byte) events.APIGatewayV2HTTPResponse {
	t.Helper()
	out, err := f.invoke(t, raw)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("decode response %s: %v", out, err)
	}
	return resp
}

func readEvent(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(eventsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withToken replaces the {{ADMIN_TOKEN}} placeholder of an event file; an
// empty token removes the authorization header.
func withToken(t *testing.T, raw []byte, token string) []byte {
	t.Helper()
	if token != "" {
		return bytes.ReplaceAll(raw, []byte("{{ADMIN_TOKEN}}"), []byte(token))
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	delete(ev.Headers, "authorization")
	b, _ := json.Marshal(ev)
	return b
}

// TestEveryEventFile runs every file in events/health through the function:
// scheduled events first (so the deep check has a result), then HTTP events.
func TestEveryEventFile(t *testing.T) {
	f := newFixture(t)
	files, err := filepath.Glob(filepath.Join(eventsDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no event files in %s (%v)", eventsDir, err)
	}
	type ev struct {
		name  string
		raw   []byte
		sched bool
	}
	var evs []ev
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var shape struct {
			DetailType string `json:"detail-type"`
		}
		if err := json.Unmarshal(raw, &shape); err != nil {
			t.Fatalf("%s: not JSON: %v", path, err)
		}
		evs = append(evs, ev{filepath.Base(path), raw, shape.DetailType != ""})
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].sched && !evs[j].sched })
	admin := f.token(t, auth.RoleAdmin)
	for _, e := range evs {
		t.Run(e.name, func(t *testing.T) {
			if e.sched && strings.Contains(string(e.raw), "plan-monitor") {
				out, err := f.invoke(t, e.raw)
				if err != nil {
					t.Fatalf("Invoke: %v", err)
				}
				var res monitor.Result
				if err := json.Unmarshal(out, &res); err != nil || len(res.Events) != 1 || res.Delivered != 2 || f.mon.runs.Load() != 1 {
					t.Errorf("plan monitor result = %s (%v), runs %d", out, err, f.mon.runs.Load())
				}
				return
			}
			if e.sched && strings.Contains(string(e.raw), "shift-handover") {
				out, err := f.invoke(t, e.raw)
				if err != nil {
					t.Fatalf("Invoke: %v", err)
				}
				var res handoverAnswer
				if err := json.Unmarshal(out, &res); err != nil || res.Shift != "22:00–06:00" || res.Posted || res.Reason != "no chat channel is configured" {
					t.Errorf("shift handover result = %s (%v)", out, err)
				}
				return
			}
			if e.sched {
				out, err := f.invoke(t, e.raw)
				if err != nil {
					t.Fatalf("Invoke: %v", err)
				}
				var res DeepResult
				if err := json.Unmarshal(out, &res); err != nil {
					t.Fatal(err)
				}
				if !res.Stored || res.Status != OverallOK || len(res.Checks) != 4 {
					t.Errorf("deep check result = %s", out)
				}
				for _, c := range res.Checks {
					if c.Name == "hwa" && c.Detail != "engine 10.2.5, 450 jobs in the plan" {
						t.Errorf("hwa detail = %q", c.Detail)
					}
				}
				return
			}
			resp := f.http(t, withToken(t, e.raw, admin))
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
			}
			var body map[string]any
			if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
				t.Fatalf("body %q: %v", resp.Body, err)
			}
			if e.name == "get-handover.json" {
				if body["shift"] != "22:00–06:00" || !strings.Contains(resp.Body, `"cite":"job j1 run r1"`) {
					t.Errorf("handover body = %s", resp.Body)
				}
				return
			}
			if body["status"] != "ok" {
				t.Errorf("body status = %v, want ok: %s", body["status"], resp.Body)
			}
			if resp.Headers["Content-Type"] != "application/json" && resp.MultiValueHeaders["Content-Type"] == nil {
				t.Errorf("no JSON content type: %v %v", resp.Headers, resp.MultiValueHeaders)
			}
		})
	}
	if strings.Contains(f.logs.String(), admin) {
		t.Error("the logs contain a bearer token")
	}
}

func TestDeepNeedsAdmin(t *testing.T) {
	f := newFixture(t)
	if _, err := f.invoke(t, readEvent(t, "schedule-health-deep.json")); err != nil {
		t.Fatal(err)
	}
	raw := readEvent(t, "get-health-deep.json")
	expired, _ := auth.NewMinter([]byte(testSecret), auth.Config{Issuer: testAuth.Issuer, ClientID: testAuth.ClientID,
		Now: func() time.Time { return time.Now().Add(-time.Hour) }}, time.Minute)
	old, _, _ := expired.Mint("alice", auth.RoleAdmin)
	tests := []struct {
		name  string
		token string
		want  int
	}{
		{"no token", "", 401},
		{"placeholder left in", "{{ADMIN_TOKEN}}", 401},
		{"expired admin", old, 401},
		{"viewer", f.token(t, auth.RoleViewer), 403},
		{"operator", f.token(t, auth.RoleOperator), 403},
		{"admin", f.token(t, auth.RoleAdmin), 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.http(t, withToken(t, raw, tt.token))
			if resp.StatusCode != tt.want {
				t.Errorf("status = %d, want %d (%s)", resp.StatusCode, tt.want, resp.Body)
			}
			if tt.want != 200 {
				ct := resp.Headers["Content-Type"]
				if ct == "" && len(resp.MultiValueHeaders["Content-Type"]) > 0 {
					ct = resp.MultiValueHeaders["Content-Type"][0]
				}
				if ct != "application/problem+json" {
					t.Errorf("error content type = %q, want application/problem+json", ct)
				}
			}
		})
	}
	if logs := f.logs.String(); strings.Contains(logs, "eyJ") {
		t.Errorf("the logs contain something token-shaped:\n%s", logs)
	}
}

func TestDeepBeforeAnyCheck(t *testing.T) {
	f := newFixture(t)
	resp := f.http(t, withToken(t, readEvent(t, "get-health-deep.json"), f.token(t, auth.RoleAdmin)))
	if resp.StatusCode != 404 || !strings.Contains(resp.Body, "no deep check has run yet") {
		t.Errorf("got %d %s, want 404 saying no check has run", resp.StatusCode, resp.Body)
	}
}

func TestDeepCheckRecordsHWAOutage(t *testing.T) {
	f := newFixture(t)
	sched := readEvent(t, "schedule-health-deep.json")
	if _, err := f.invoke(t, sched); err != nil {
		t.Fatal(err)
	}
	// Same store, HWA now failing.
	c := f.h.check.(*checker)
	c.probes[0] = hwaProbe(fakeEngine{err: &hwa.Error{Op: "get engine info", Kind: hwa.ErrUnavailable, Status: 503}}, time.Second)
	out, err := f.invoke(t, sched)
	if err != nil {
		t.Fatal(err)
	}
	var res DeepResult
	_ = json.Unmarshal(out, &res)
	if res.Status != OverallDegraded || len(res.Transitions) != 2 {
		t.Fatalf("result = %s; want degraded with 2 transitions", out)
	}
	if tr := res.Transitions[1]; tr.Check != "hwa" || tr.From != "ok" || tr.To != "fail" || tr.Error != "HWA answered: unavailable (HTTP 503)" {
		t.Errorf("hwa transition = %+v", tr)
	}
	if !strings.Contains(f.logs.String(), `"HealthCheckFailed":1`) {
		t.Errorf("no EMF failure metric in the output:\n%s", f.logs.String())
	}
}

func TestUnsupportedEvents(t *testing.T) {
	f := newFixture(t)
	for name, raw := range map[string]string{
		"s3 event":     `{"Records":[{"eventSource":"aws:s3"}]}`,
		"not json":     `nope`,
		"unknown rule": `{"detail-type":"Scheduled Event","source":"aws.events","resources":["arn:aws:events:eu-west-1:1:rule/other"]}`,
	} {
		if _, err := f.invoke(t, []byte(raw)); err == nil {
			t.Errorf("%s: nil error", name)
		}
	}
	// An HTTP path the function does not serve.
	var ev events.APIGatewayV2HTTPRequest
	_ = json.Unmarshal(readEvent(t, "get-health.json"), &ev)
	ev.RawPath, ev.RequestContext.HTTP.Path = "/health/nope", "/health/nope"
	raw, _ := json.Marshal(ev)
	if resp := f.http(t, raw); resp.StatusCode != 404 {
		t.Errorf("unknown path: %d, want 404", resp.StatusCode)
	}
}

func TestBuildRefusesUnsafeProduction(t *testing.T) {
	m, _ := newRedis(t)
	env := map[string]string{
		config.EnvStage:            "production",
		config.EnvRedisURL:         "redis://" + m.Addr(),
		config.EnvAuthIssuer:       "resync-local",
		config.EnvAuthClientID:     "resync-local",
		config.EnvAuthHS256:        testSecret,
		config.EnvHWAURL:           "https://mdm.example:31116",
		config.EnvHWAInsecure:      "true",
		config.EnvDevTokenEndpoint: "true",
	}
	_, err := build(context.Background(), func(k string) string { return env[k] }, &bytes.Buffer{})
	if err == nil {
		t.Fatal("build accepted an unsafe production configuration")
	}
	for _, want := range []string{"HWA_INSECURE_TLS", "dev token endpoint", "HS256", "secret HWA credentials is missing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Error("error contains the secret")
	}

	env[config.EnvStage] = "development"
	a, err := build(context.Background(), func(k string) string { return env[k] }, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("development build: %v", err)
	}
	a.Close()
}

func TestLoadSettingsReportsEveryProblem(t *testing.T) {
	env := map[string]string{EnvCheckTimeout: "soon", config.EnvNeo4jURI: "neo4j://localhost:7687"}
	_, err := loadSettings(func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("nil error")
	}
	for _, want := range []string{config.EnvRedisURL, config.EnvAuthIssuer, EnvCheckTimeout, config.EnvNeo4jPassword} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestPlanMonitorNeedsHWA(t *testing.T) {
	f := newFixture(t)
	f.h.monitor = nil
	_, err := f.invoke(t, readEvent(t, "schedule-plan-monitor.json"))
	if err == nil || !strings.Contains(err.Error(), "HWA_URL") {
		t.Errorf("err = %v, want one naming HWA_URL", err)
	}
}
