package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/domain/workload"
)

// TestChatPromptsAndResourcesThroughTheStack: over the chat WebSocket of
// the local stack, a question about a prompt and one about a resource are
// answered from the plan; "reply yes to the tape prompt" is a proposal that
// sends nothing; its confirm replies once (a second confirm does not reach
// HWA), is audited, and the job the prompt held moves on.
func TestChatPromptsAndResourcesThroughTheStack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the functions; skipped with -short")
	}
	ctx := context.Background()
	sim := hwasim.New(hwasim.Config{Seed: 21})
	hwaSrv := httptest.NewServer(sim)
	defer hwaSrv.Close()
	s, out := newStack(t, map[string]string{
		envBinDir: buildFunctions(t, "chat", "admin"),
		"HWA_URL": hwaSrv.URL,
	})
	hc, err := hwa.New(hwa.Config{BaseURL: hwaSrv.URL})
	if err != nil {
		t.Fatal(err)
	}
	op, _, err := dialWS(t, s, mint(t, s, "otto", "operator"))
	if err != nil {
		t.Fatalf("operator connect: %v\n%s", err, out.String())
	}
	chat := func(id, agent, text string) (string, []map[string]any) {
		t.Helper()
		f := map[string]any{"action": "chat", "id": id, "conversationId": "prompts", "text": text}
		if agent != "" {
			f["agent"] = agent
		}
		op.send(f)
		fs := op.until(30*time.Second, func(m map[string]any) bool {
			return m["id"] == id && (m["type"] == "final" || m["type"] == "error")
		})
		last := fs[len(fs)-1]
		if last["type"] != "final" {
			t.Fatalf("%q: %v", text, last)
		}
		return last["text"].(string), fs
	}

	// The plan's truth, read from HWA.
	prompts, err := hc.OpenPrompts(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var tape workload.Prompt
	for _, p := range prompts {
		if p.Name == "CONFIRM_TAPE" {
			tape = p
		}
	}
	if tape.ID == "" || len(tape.Jobs) != 1 {
		t.Fatalf("no open CONFIRM_TAPE prompt holding one job in %+v", prompts)
	}
	held := tape.Jobs[0]
	rs, err := hc.Resources(ctx, hwa.Query{OQL: hwa.Eq("name", "DB_CONNECTIONS")})
	if err != nil || len(rs) != 1 || len(rs[0].Holders) == 0 {
		t.Fatalf("DB_CONNECTIONS: %+v, %v", rs, err)
	}

	text, _ := chat("p1", "", "which prompts are waiting for a reply?")
	for _, p := range prompts {
		if p.Status.Open() && !strings.Contains(text, p.Name) {
			t.Errorf("the prompts answer misses %s:\n%s", p.Name, text)
		}
	}
	if !strings.Contains(text, tape.Text) || !strings.Contains(text, held.Name) {
		t.Errorf("the prompts answer lacks the tape prompt's question or its job:\n%s", text)
	}
	text, _ = chat("p2", "", "who holds DB_CONNECTIONS?")
	for _, h := range rs[0].Holders {
		if !strings.Contains(text, h.JobName) {
			t.Errorf("the resource answer misses holder %s:\n%s", h.JobName, text)
		}
	}

	replies := func() []hwasim.Action {
		var out []hwasim.Action
		for _, a := range sim.Actions() {
			if a.Target == "prompt" {
				out = append(out, a)
			}
		}
		return out
	}
	_, fs := chat("p3", "operator", "reply yes to the tape prompt")
	props := ofType(fs, "proposal")
	if len(props) != 1 || props[0]["action"] != "reply-prompt" {
		t.Fatalf("no reply proposal in %v", fs)
	}
	if n := len(replies()); n != 0 {
		t.Fatalf("proposing sent %d replies to HWA", n)
	}
	pid := props[0]["proposalId"].(string)
	confirm := map[string]any{"action": "confirm", "proposalId": pid, "justification": "Tape mounted on drive 2 by the night operator", "ticket": "INC-77"}
	op.send(confirm)
	fs = op.until(30*time.Second, func(m map[string]any) bool { return m["kind"] == "action_outcome" || m["type"] == "error" })
	if fs[len(fs)-1]["kind"] != "action_outcome" {
		t.Fatalf("confirm: %v", fs[len(fs)-1])
	}
	got := replies()
	if len(got) != 1 || got[0].TargetID != tape.ID || string(got[0].Body) != `{"answer":true}` ||
		got[0].Headers.Get("Justification-Description") != "Tape mounted on drive 2 by the night operator" || got[0].Headers.Get("Justification-Ticket-Num") != "INC-77" {
		t.Fatalf("replies in the simulator: %+v", got)
	}
	op.send(confirm)
	op.until(30*time.Second, func(m map[string]any) bool { return m["kind"] == "action_outcome" || m["type"] == "error" })
	if n := len(replies()); n != 1 {
		t.Errorf("the same confirm again made %d replies in all, want 1", n)
	}
	j, err := hc.Job(ctx, held.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.Sub == workload.SubHoldWaitingForPrompt || j.Internal == workload.InternalHold {
		t.Errorf("%s is still %s/%s after the reply", held.Name, j.Internal, j.Sub)
	}

	// Audited: the proposal, the accepted confirmation, the execution.
	admin := mint(t, s, "ada", "admin")
	resp, b := do(t, "GET", s.url+"/api/v1/admin/audit?action=execute:reply-prompt", admin, "")
	var page struct {
		Entries []struct {
			User, Action, Result, Justification, ProposalID string
		}
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &page) != nil || len(page.Entries) != 1 {
		t.Fatalf("audit of the execution: %d %s", resp.StatusCode, b)
	}
	if e := page.Entries[0]; e.User != "otto" || e.Result != "ok" || e.ProposalID != pid || e.Justification != "Tape mounted on drive 2 by the night operator" {
		t.Errorf("execution record %+v", e)
	}
	resp, b = do(t, "GET", s.url+"/api/v1/admin/audit?action=proposal:reply-prompt", admin, "")
	if resp.StatusCode != 200 || !strings.Contains(string(b), pid) {
		t.Errorf("audit of the proposal: %d %s", resp.StatusCode, b)
	}
}
