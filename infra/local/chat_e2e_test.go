package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/domain/workload"
)

// wsClient is a browser-like WebSocket client of the stack.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func dialWS(t *testing.T, s *stack, token string) (*wsClient, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := strings.Replace(s.url, "http://", "ws://", 1) + "/ws?token=" + token
	c, resp, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		return nil, resp, err
	}
	c.SetReadLimit(1 << 20)
	t.Cleanup(func() { c.CloseNow() })
	return &wsClient{t: t, conn: c}, resp, nil
}

func (c *wsClient) send(frame map[string]any) {
	c.t.Helper()
	b, _ := json.Marshal(frame)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// until reads frames until stop returns true for one, or the timeout.
func (c *wsClient) until(timeout time.Duration, stop func(map[string]any) bool) []map[string]any {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var out []map[string]any
	for {
		_, b, err := c.conn.Read(ctx)
		if err != nil {
			c.t.Fatalf("read after %d frames: %v", len(out), err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			c.t.Fatalf("frame %s: %v", b, err)
		}
		out = append(out, m)
		if stop(m) {
			return out
		}
	}
}

func ofType(fs []map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, f := range fs {
		if f["type"] == typ {
			out = append(out, f)
		}
	}
	return out
}

// TestChatThroughTheStack is issue 4's acceptance run: a real WebSocket
// client against the stack with the real chat and health binaries, the
// offline model and a simulator the test reads.
func TestChatThroughTheStack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the functions; skipped with -short")
	}
	ctx := context.Background()
	sim := hwasim.New(hwasim.Config{Seed: 21})
	hwaSrv := httptest.NewServer(sim)
	defer hwaSrv.Close()
	s, out := newStack(t, map[string]string{
		envBinDir: buildFunctions(t, "chat", "health"),
		"HWA_URL": hwaSrv.URL,
	})
	hc, err := hwa.New(hwa.Config{BaseURL: hwaSrv.URL})
	if err != nil {
		t.Fatal(err)
	}
	abended, err := hc.ListJobs(ctx, hwa.Query{OQL: hwa.Eq("lastRunCompositeStatus.status", "ABEND")})
	if err != nil || len(abended) == 0 {
		t.Fatalf("simulator abended jobs: %d, %v", len(abended), err)
	}

	// A bad token is refused at $connect: no upgrade.
	if _, resp, err := dialWS(t, s, "not-a-token"); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("bad token: err=%v resp=%v, want a refused upgrade (401)", err, resp)
	}

	op, _, err := dialWS(t, s, mint(t, s, "otto", "operator"))
	if err != nil {
		t.Fatalf("operator connect: %v\n%s", err, out.String())
	}
	op.send(map[string]any{"action": "chat", "id": "q1", "conversationId": "e2e", "text": "which jobs abended?"})
	fs := op.until(30*time.Second, func(m map[string]any) bool { return m["type"] == "final" || m["type"] == "error" })
	if fs[0]["type"] != "ack" || len(ofType(fs, "tool")) == 0 || len(ofType(fs, "delta")) == 0 || fs[len(fs)-1]["type"] != "final" {
		var types []any
		for _, f := range fs {
			types = append(types, f["type"])
		}
		t.Fatalf("frames %v: %v", types, fs[len(fs)-1])
	}
	final := fs[len(fs)-1]["text"].(string)
	for _, j := range abended {
		if !strings.Contains(final, j.Name) {
			t.Errorf("the answer misses abended job %s", j.Name)
		}
	}
	// Exactly the abended jobs: no other job of the plan is listed as abended.
	all, err := hc.ListJobs(ctx, hwa.Query{})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range all {
		if j.Internal != workload.InternalAbend && len(j.Name) > 6 && strings.Contains(final, " "+j.Name+" ") {
			t.Errorf("the answer names %s, which is %s, not abended", j.Name, j.Internal)
		}
	}

	// rerun → a proposal naming the successors.
	victim := abended[0]
	op.send(map[string]any{"action": "chat", "id": "q2", "conversationId": "e2e", "agent": "operator", "text": "rerun " + victim.Name})
	fs = op.until(30*time.Second, func(m map[string]any) bool { return m["type"] == "final" || m["type"] == "error" })
	props := ofType(fs, "proposal")
	if len(props) != 1 {
		t.Fatalf("no proposal in %v", fs)
	}
	succ, err := hc.Successors(ctx, victim.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	impact, _ := json.Marshal(props[0]["impact"])
	for _, n := range succ {
		if !strings.Contains(string(impact), n.ID) {
			t.Errorf("the proposal's impact misses successor %s", n.Name)
		}
	}
	pid := props[0]["proposalId"].(string)

	// A viewer's confirm is refused.
	viewer, _, err := dialWS(t, s, mint(t, s, "vera", "viewer"))
	if err != nil {
		t.Fatal(err)
	}
	viewer.send(map[string]any{"action": "confirm", "proposalId": pid, "justification": "trying"})
	if fs := viewer.until(15*time.Second, func(m map[string]any) bool { return m["type"] == "error" || m["type"] == "event" }); fs[len(fs)-1]["code"] != "forbidden" {
		t.Errorf("viewer confirm: %v", fs[len(fs)-1])
	}

	runs := func() []hwasim.Action {
		var out []hwasim.Action
		for _, a := range sim.Actions() {
			if a.Verb == "rerun" {
				out = append(out, a)
			}
		}
		return out
	}
	confirm := map[string]any{"action": "confirm", "proposalId": pid, "justification": "Supplier re-sent the file (INC-4711)", "category": "incident", "ticket": "INC-4711"}
	op.send(confirm)
	fs = op.until(30*time.Second, func(m map[string]any) bool { return m["kind"] == "action_outcome" || m["type"] == "error" })
	if fs[len(fs)-1]["kind"] != "action_outcome" {
		t.Fatalf("confirm: %v", fs[len(fs)-1])
	}
	if got := runs(); len(got) != 1 || got[0].Headers.Get("Justification-Description") != "Supplier re-sent the file (INC-4711)" || got[0].Headers.Get("Justification-Ticket-Num") != "INC-4711" || got[0].Headers.Get("Justification-Category") != "incident" {
		t.Fatalf("reruns in the simulator: %+v", got)
	}
	op.send(confirm)
	op.until(30*time.Second, func(m map[string]any) bool { return m["kind"] == "action_outcome" || m["type"] == "error" })
	if n := len(runs()); n != 1 {
		t.Errorf("the same confirm again made %d reruns in all, want 1", n)
	}

	// The plan monitor: a job made to abend reaches the client as one event.
	trigger := func() {
		resp, body := do(t, "POST", s.url+"/local/schedules/plan-monitor", "", "")
		if resp.StatusCode != 200 {
			t.Fatalf("plan-monitor: %d %s", resp.StatusCode, body)
		}
	}
	trigger() // records the first view
	running, err := hc.ListJobs(ctx, hwa.Query{OQL: hwa.Eq("lastRunCompositeStatus.status", "EXEC")})
	if err != nil || len(running) == 0 {
		t.Fatalf("no running job: %v", err)
	}
	if _, err := hc.Kill(ctx, running[0].ID, hwa.ActionOptions{}); err != nil {
		t.Fatal(err)
	}
	trigger()
	fs = op.until(15*time.Second, func(m map[string]any) bool {
		d, _ := m["data"].(map[string]any)
		return m["kind"] == "job_abended" && d["id"] == running[0].ID
	})
	trigger() // nothing new: the event is not sent twice
	op.send(map[string]any{"action": "ping"})
	rest := op.until(10*time.Second, func(m map[string]any) bool { return m["type"] == "pong" })
	for _, m := range rest {
		if d, _ := m["data"].(map[string]any); m["kind"] == "job_abended" && d["id"] == running[0].ID {
			t.Error("the abend event arrived twice")
		}
	}
}
