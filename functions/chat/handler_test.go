package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/aws/aws-lambda-go/events"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/adapter/push"
	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/adapter/redis/cache"
	"github.com/resync/resync/shared/adapter/redis/historystore"
	"github.com/resync/resync/shared/adapter/redis/idemstore"
	"github.com/resync/resync/shared/adapter/redis/proposalstore"
	"github.com/resync/resync/shared/adapter/redis/ratelimit"
	"github.com/resync/resync/shared/adapter/redis/security"
	"github.com/resync/resync/shared/app/agent"
	"github.com/resync/resync/shared/app/offline"
	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/domain/idempotency"
	"github.com/resync/resync/shared/domain/llm"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/metrics"
	"github.com/resync/resync/shared/edge/obs"
)

var secret = []byte("chat-test-secret-chat-test-secret!!")

// wire records the frames posted to each connection, and can act like a
// connection that went away.
type wire struct {
	mu       sync.Mutex
	frames   map[string][]map[string]any
	gone     map[string]bool
	oversize []int // sizes of frames over the frame limit (API Gateway refuses them)
}

func (w *wire) Post(_ context.Context, id string, frame any) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.gone[id] {
		return push.ErrGone
	}
	b, err := json.Marshal(frame)
	if err != nil {
		return err
	}
	if len(b) > frames.MaxFrameBytes {
		w.oversize = append(w.oversize, len(b))
		return errors.New("wire: frame over 32 KB refused")
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	w.frames[id] = append(w.frames[id], m)
	return nil
}

func (w *wire) take(id string) []map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.frames[id]
	w.frames[id] = nil
	return out
}

type fixture struct {
	h      *handler
	sim    *hwasim.Server
	plan   *planview.Service
	wire   *wire
	minter *issuer
	clock  *testClock
	mr     *miniredis.Miniredis
	rdb    *redis.Client
	tools  *agent.Tools
	verify *auth.Verifier
}

// fixtureOptions change the fixture's defaults.
type fixtureOptions struct {
	rules map[ratelimit.Kind]ratelimit.Rule // nil: ratelimit.DefaultRules
}

func newFixture(t testing.TB, model llm.Model) *fixture {
	t.Helper()
	return newFixtureWith(t, model, fixtureOptions{})
}

func newFixtureWith(t testing.TB, model llm.Model, o fixtureOptions) *fixture {
	t.Helper()
	sim := hwasim.New(hwasim.Config{Seed: 3})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	hc, err := hwa.New(hwa.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	c, err := cache.New(rdb, cache.Config{})
	if err != nil {
		t.Fatal(err)
	}
	plan := planview.New(hwa.PlanSource{Client: hc}, c, nil)
	agents, err := agent.LoadAgents(agentsFile)
	if err != nil {
		t.Fatal(err)
	}
	limits, err := ratelimit.New(rdb, ratelimit.Config{Rules: o.rules})
	if err != nil {
		t.Fatal(err)
	}
	store := idemstore.New(rdb, "idem:")
	actions, err := agent.NewActions(agent.ActionsConfig{Proposals: proposalstore.New(rdb, ""), HWA: hwa.Operator{Client: hc}, Reads: hwa.PlanSource{Client: hc}, Plan: plan,
		Guard: idempotency.New(store, idempotency.Config{}), Audit: audit.New(rdb, audit.Config{}), Limiter: limits})
	if err != nil {
		t.Fatal(err)
	}
	tools := agent.NewTools(plan, hwa.PlanSource{Client: hc}, actions)
	runner, err := agent.NewRunner(agent.RunnerConfig{Agents: agents, Models: agent.OneModel(model), Tools: tools, History: agent.NewHistory(historystore.New(rdb, ""), agent.HistoryConfig{})})
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{}
	m, v := newIssuer(t, clock)
	w := &wire{frames: map[string][]map[string]any{}, gone: map[string]bool{}}
	t.Cleanup(func() {
		if len(w.oversize) > 0 {
			t.Errorf("frames over the %d-byte frame limit were posted: %v bytes", frames.MaxFrameBytes, w.oversize)
		}
	})
	h := newHandler(deps{
		now:    clock.Now,
		verify: v, conns: push.NewRegistry(rdb, clock.Now), post: w, runner: runner, actions: actions,
		guard: idempotency.New(store, idempotency.Config{}), limits: limits,
		feedback: redisFeedback{rdb: rdb, key: "chat:feedback", keep: 100}, security: security.New(rdb, 0),
		log: obs.NewLogger(io.Discard, slog.LevelDebug), metrics: metrics.New(io.Discard, "Resync", nil),
	})
	return &fixture{h: h, sim: sim, plan: plan, wire: w, minter: m, clock: clock, mr: mr, rdb: rdb, tools: tools, verify: v}
}

func wsEvent(route, conn, body string, query map[string]string) events.APIGatewayWebsocketProxyRequest {
	return events.APIGatewayWebsocketProxyRequest{
		Body: body, QueryStringParameters: query,
		RequestContext: events.APIGatewayWebsocketProxyRequestContext{RouteKey: route, ConnectionID: conn, RequestID: "req-" + conn, DomainName: "localhost", Stage: "local"},
	}
}

func (f *fixture) connect(t testing.TB, conn, user string, role auth.Role) {
	t.Helper()
	tok, _, err := f.minter.Mint(user, role)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := f.h.Handle(context.Background(), wsEvent("$connect", conn, "", map[string]string{"token": tok}))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("$connect %s: %d %v", user, resp.StatusCode, err)
	}
}

func (f *fixture) send(t *testing.T, conn string, frame any) []map[string]any {
	t.Helper()
	b, _ := json.Marshal(frame)
	action, _ := frame.(map[string]any)["action"].(string)
	if _, err := f.h.Handle(context.Background(), wsEvent(action, conn, string(b), nil)); err != nil {
		t.Fatal(err)
	}
	return f.wire.take(conn)
}

func types(fs []map[string]any) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f["type"].(string))
	}
	return out
}

func only(fs []map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, f := range fs {
		if f["type"] == typ {
			out = append(out, f)
		}
	}
	return out
}

func TestConnectChecksTheToken(t *testing.T) {
	f := newFixture(t, offline.New())
	for name, q := range map[string]map[string]string{"no token": nil, "garbage": {"token": "x.y.z"}} {
		resp, err := f.h.Handle(context.Background(), wsEvent("$connect", "c-"+name, "", q))
		if err != nil || resp.StatusCode != 401 {
			t.Errorf("%s: %d %v, want 401", name, resp.StatusCode, err)
		}
	}
	f.connect(t, "c1", "vera", auth.RoleViewer)
	if c, err := push.NewRegistry(f.rdb, nil).Get(context.Background(), "c1"); err != nil || c.User != "vera" || c.Roles[0] != "viewer" {
		t.Errorf("connection = %+v, %v", c, err)
	}
	if _, err := f.h.Handle(context.Background(), wsEvent("$disconnect", "c1", "", nil)); err != nil {
		t.Fatal(err)
	}
	// A frame on a connection that is not recorded gets an error frame.
	fs := f.send(t, "c1", map[string]any{"action": "ping"})
	if len(fs) != 1 || fs[0]["code"] != frames.CodeForbidden {
		t.Errorf("after disconnect: %v", fs)
	}
}

func TestBadFramesGetErrorFrames(t *testing.T) {
	f := newFixture(t, offline.New())
	f.connect(t, "c1", "vera", auth.RoleViewer)
	for name, body := range map[string]string{
		"malformed": `{"action":"chat",`,
		"unknown":   `{"action":"dance"}`,
		"no id":     `{"action":"chat","text":"hi"}`,
		"too large": `{"action":"chat","id":"m1","text":"` + strings.Repeat("a", frames.MaxMessageBytes) + `"}`,
	} {
		if _, err := f.h.Handle(context.Background(), wsEvent("$default", "c1", body, nil)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		fs := f.wire.take("c1")
		errs := only(fs, frames.TypeError)
		if len(errs) != 1 {
			t.Errorf("%s: frames %v, want one error", name, types(fs))
			continue
		}
		if name == "too large" && errs[0]["code"] != frames.CodeTooLarge {
			t.Errorf("too large: code %v", errs[0]["code"])
		}
	}
	if fs := f.send(t, "c1", map[string]any{"action": "ping"}); len(fs) != 1 || fs[0]["type"] != frames.TypePong {
		t.Errorf("ping: %v", fs)
	}
}

func TestAbendedQuestionStreamsAndReplays(t *testing.T) {
	f := newFixture(t, offline.New())
	ctx := context.Background()
	f.connect(t, "c1", "otto", auth.RoleOperator)
	fs := f.send(t, "c1", map[string]any{"action": "chat", "id": "m1", "conversationId": "conv1", "text": "which jobs abended?"})
	ts := types(fs)
	if len(ts) < 4 || ts[0] != frames.TypeAck || ts[len(ts)-1] != frames.TypeFinal || len(only(fs, frames.TypeTool)) == 0 || len(only(fs, frames.TypeDelta)) == 0 {
		t.Fatalf("frames = %v", ts)
	}
	final := fs[len(fs)-1]
	sum, err := f.plan.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Abended) == 0 {
		t.Fatal("the simulator has no abended job")
	}
	text := final["text"].(string)
	for _, j := range sum.Abended {
		if !strings.Contains(text, j.Name) {
			t.Errorf("the answer does not name abended job %s:\n%s", j.Name, text)
		}
	}
	var deltas strings.Builder
	for _, d := range only(fs, frames.TypeDelta) {
		deltas.WriteString(d["text"].(string))
	}
	if deltas.String() != text {
		t.Errorf("deltas do not add up to the final text:\n%q\n%q", deltas.String(), text)
	}

	// The same frame again: replayed, the agent does not run again.
	before := len(f.sim.Requests())
	fs = f.send(t, "c1", map[string]any{"action": "chat", "id": "m1", "conversationId": "conv1", "text": "which jobs abended?"})
	if ts := types(fs); len(ts) != 2 || ts[0] != frames.TypeAck || ts[1] != frames.TypeFinal || fs[1]["text"] != text {
		t.Errorf("replay = %v", ts)
	}
	if after := len(f.sim.Requests()); after != before {
		t.Errorf("the replay called HWA %d times", after-before)
	}
	// The same id with another text is refused.
	fs = f.send(t, "c1", map[string]any{"action": "chat", "id": "m1", "conversationId": "conv1", "text": "summary"})
	if errs := only(fs, frames.TypeError); len(errs) != 1 || errs[0]["code"] != frames.CodeBadFrame {
		t.Errorf("id reuse: %v", types(fs))
	}
}

func TestRerunProposalConfirmOnce(t *testing.T) {
	f := newFixture(t, offline.New())
	ctx := context.Background()
	f.connect(t, "op", "otto", auth.RoleOperator)
	f.connect(t, "vw", "vera", auth.RoleViewer)
	sum, err := f.plan.Summary(ctx)
	if err != nil || len(sum.Abended) == 0 {
		t.Fatalf("summary: %v", err)
	}
	job := sum.Abended[0]
	fs := f.send(t, "op", map[string]any{"action": "chat", "id": "m2", "conversationId": "conv2", "agent": "operator", "text": "rerun " + job.Name})
	props := only(fs, frames.TypeProposal)
	if len(props) != 1 {
		t.Fatalf("frames = %v, want one proposal", types(fs))
	}
	p := props[0]
	pid := p["proposalId"].(string)
	if p["action"] != "rerun" || !strings.Contains(mustJSON(p["targets"]), job.ID) {
		t.Errorf("proposal = %v", p)
	}
	if _, ok := p["impact"].(map[string]any)["successors"]; !ok {
		t.Errorf("proposal has no successors in its impact: %v", p["impact"])
	}

	// A viewer cannot confirm; a confirm without justification is refused.
	if fs := f.send(t, "vw", map[string]any{"action": "confirm", "proposalId": pid, "justification": "because"}); len(only(fs, frames.TypeError)) != 1 || only(fs, frames.TypeError)[0]["code"] != frames.CodeForbidden {
		t.Errorf("viewer confirm: %v", fs)
	}
	if fs := f.send(t, "op", map[string]any{"action": "confirm", "proposalId": pid}); len(only(fs, frames.TypeError)) != 1 {
		t.Errorf("confirm without justification: %v", fs)
	}
	reruns := func() int {
		n := 0
		for _, a := range f.sim.Actions() {
			if a.Verb == "rerun" && a.Status == 200 {
				n++
			}
		}
		return n
	}
	fs = f.send(t, "op", map[string]any{"action": "confirm", "proposalId": pid, "justification": "INC-4711 fixed the input file", "ticket": "INC-4711", "category": "incident"})
	if len(fs) != 1 || fs[0]["kind"] != "action_outcome" || fs[0]["data"].(map[string]any)["ok"] != true {
		t.Fatalf("confirm: %v", fs)
	}
	if reruns() != 1 {
		t.Fatalf("%d reruns in the simulator, want 1", reruns())
	}
	var got hwasim.Action
	for _, a := range f.sim.Actions() {
		if a.Verb == "rerun" {
			got = a
		}
	}
	if got.Headers.Get("Justification-Description") != "INC-4711 fixed the input file" || got.Headers.Get("Justification-Ticket-Num") != "INC-4711" {
		t.Errorf("justification headers = %v", got.Headers)
	}
	// The same confirm again: replayed, no new run.
	fs = f.send(t, "op", map[string]any{"action": "confirm", "proposalId": pid, "justification": "INC-4711 fixed the input file", "ticket": "INC-4711", "category": "incident"})
	if len(fs) != 1 || fs[0]["data"].(map[string]any)["replayed"] != true || reruns() != 1 {
		t.Errorf("second confirm: %v, reruns %d", fs, reruns())
	}
}

func TestGoneStopsTheWork(t *testing.T) {
	f := newFixture(t, offline.New())
	f.connect(t, "c1", "otto", auth.RoleOperator)
	f.wire.mu.Lock()
	f.wire.gone["c1"] = true
	f.wire.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"action": "chat", "id": "m9", "text": "which jobs abended?"})
	resp, err := f.h.Handle(context.Background(), wsEvent("chat", "c1", string(b), nil))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	// The message was not completed: a later resend on a live connection runs it.
	f.wire.mu.Lock()
	f.wire.gone["c1"] = false
	f.wire.mu.Unlock()
	fs := f.send(t, "c1", map[string]any{"action": "chat", "id": "m9", "text": "which jobs abended?"})
	if ts := types(fs); ts[len(ts)-1] != frames.TypeFinal || len(only(fs, frames.TypeTool)) == 0 {
		t.Errorf("after the client came back: %v", ts)
	}
}

func TestFeedback(t *testing.T) {
	f := newFixture(t, offline.New())
	f.connect(t, "c1", "vera", auth.RoleViewer)
	if fs := f.send(t, "c1", map[string]any{"action": "feedback", "messageId": "m1", "rating": 1, "comment": "wrong job"}); len(fs) != 1 || fs[0]["kind"] != "feedback_recorded" {
		t.Errorf("feedback: %v", fs)
	}
	if fs := f.send(t, "c1", map[string]any{"action": "feedback", "messageId": "m1", "rating": 9}); len(only(fs, frames.TypeError)) != 1 {
		t.Errorf("bad rating: %v", fs)
	}
	if n, _ := f.rdb.LLen(context.Background(), "chat:feedback").Result(); n != 1 {
		t.Errorf("%d feedback records", n)
	}
}

// rulesWith returns the default rules with kind's rule replaced.
func rulesWith(kind ratelimit.Kind, r ratelimit.Rule) map[ratelimit.Kind]ratelimit.Rule {
	rules := ratelimit.DefaultRules()
	rules[kind] = r
	return rules
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestConcurrentConfirmsMakeOneAction(t *testing.T) {
	// A budget for all 100 confirm frames: this test is about exactly once.
	f := newFixtureWith(t, offline.New(), fixtureOptions{rules: rulesWith(ratelimit.KindConfirm, ratelimit.Rule{Rate: 1000, Period: time.Minute})})
	ctx := context.Background()
	f.connect(t, "op", "otto", auth.RoleOperator)
	sum, err := f.plan.Summary(ctx)
	if err != nil || len(sum.Abended) == 0 {
		t.Fatalf("summary: %v", err)
	}
	props := only(f.send(t, "op", map[string]any{"action": "chat", "id": "m3", "agent": "operator", "text": "rerun " + sum.Abended[0].Name}), frames.TypeProposal)
	if len(props) != 1 {
		t.Fatal("no proposal")
	}
	body, _ := json.Marshal(map[string]any{"action": "confirm", "proposalId": props[0]["proposalId"], "justification": "INC-1 retry"})
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.h.Handle(ctx, wsEvent("confirm", "op", string(body), nil)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	n := 0
	for _, a := range f.sim.Actions() {
		if a.Verb == "rerun" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("100 concurrent confirms made %d HWA actions, want 1", n)
	}
	outcomes := 0
	for _, fr := range f.wire.take("op") {
		if fr["kind"] == "action_outcome" && fr["data"].(map[string]any)["ok"] == true {
			outcomes++
		}
	}
	if outcomes != 100 {
		t.Errorf("%d of 100 confirms were told the outcome", outcomes)
	}
}
