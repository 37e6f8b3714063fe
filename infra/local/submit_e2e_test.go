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
)

// TestSubmitJobStreamThroughTheStack: "submit stream S" in the chat is a
// proposal; confirmed, it reaches HWA once (a second confirm replays), the
// new instance is in the plan, and the admin audit view lists the proposal,
// the confirmation and the execution.
func TestSubmitJobStreamThroughTheStack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the functions; skipped with -short")
	}
	ctx := context.Background()
	sim := hwasim.New(hwasim.Config{Seed: 23})
	hwaSrv := httptest.NewServer(sim)
	defer hwaSrv.Close()
	s, out := newStack(t, map[string]string{
		envBinDir: buildFunctions(t, "chat", "health", "admin"),
		"HWA_URL": hwaSrv.URL,
	})
	hc, err := hwa.New(hwa.Config{BaseURL: hwaSrv.URL})
	if err != nil {
		t.Fatal(err)
	}
	const stream = "BILLING_01"
	before, err := hc.ListJobStreams(ctx, hwa.Query{OQL: hwa.Eq("name", stream)})
	if err != nil || len(before) != 1 {
		t.Fatalf("%s in the simulator: %d, %v", stream, len(before), err)
	}

	op, _, err := dialWS(t, s, mint(t, s, "otto", "operator"))
	if err != nil {
		t.Fatalf("operator connect: %v\n%s", err, out.String())
	}
	op.send(map[string]any{"action": "chat", "id": "s1", "conversationId": "sub", "agent": "operator", "text": "submit stream " + stream})
	fs := op.until(30*time.Second, func(m map[string]any) bool { return m["type"] == "final" || m["type"] == "error" })
	props := ofType(fs, "proposal")
	if len(props) != 1 || props[0]["action"] != "submit_jobstream" {
		t.Fatalf("no submit_jobstream proposal in %v", fs)
	}
	if final, _ := fs[len(fs)-1]["text"].(string); !strings.Contains(final, "Nothing has been executed") {
		t.Errorf("the answer does not say nothing ran: %q", final)
	}
	submits := func() []hwasim.Action {
		var out []hwasim.Action
		for _, a := range sim.Actions() {
			if a.Verb == "submit" {
				out = append(out, a)
			}
		}
		return out
	}
	if n := len(submits()); n != 0 {
		t.Fatalf("proposing sent %d submissions to HWA", n)
	}
	pid := props[0]["proposalId"].(string)
	confirm := map[string]any{"action": "confirm", "proposalId": pid, "justification": "month-end billing run (CHG-77)", "category": "change", "ticket": "CHG-77"}
	op.send(confirm)
	fs = op.until(30*time.Second, func(m map[string]any) bool { return m["kind"] == "action_outcome" || m["type"] == "error" })
	last := fs[len(fs)-1]
	if last["kind"] != "action_outcome" {
		t.Fatalf("confirm: %v", last)
	}
	got := submits()
	if len(got) != 1 || got[0].Status != 200 || got[0].Target != "jobstream-model" || got[0].Headers.Get("Justification-Ticket-Num") != "CHG-77" {
		t.Fatalf("submissions in the simulator: %+v", got)
	}
	op.send(confirm)
	op.until(30*time.Second, func(m map[string]any) bool { return m["kind"] == "action_outcome" || m["type"] == "error" })
	if n := len(submits()); n != 1 {
		t.Errorf("the same confirm again made %d submissions in all, want 1", n)
	}
	after, err := hc.ListJobStreams(ctx, hwa.Query{OQL: hwa.Eq("name", stream)})
	if err != nil || len(after) != 2 {
		t.Fatalf("%s instances after the submission: %d, %v; want 2", stream, len(after), err)
	}

	// The audit view has the proposal, the acceptance and the execution.
	admin := mint(t, s, "ada", "admin")
	for _, action := range []string{"proposal:submit_jobstream", "confirm", "execute:submit_jobstream"} {
		resp, b := do(t, "GET", s.url+"/api/v1/admin/audit?action="+action, admin, "")
		var page struct {
			Entries []struct {
				User, Result, ProposalID string
			}
		}
		if resp.StatusCode != 200 || json.Unmarshal(b, &page) != nil {
			t.Fatalf("audit %s: %d %s", action, resp.StatusCode, b)
		}
		found := false
		for _, e := range page.Entries {
			found = found || e.User == "otto" && e.ProposalID == pid
		}
		if !found {
			t.Errorf("audit %s has no entry of otto for proposal %s: %s", action, pid, b)
		}
	}
}
