package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/resync/resync/shared/app/offline"
	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/edge/auth"
)

// TestSampleEvents runs every events/chat/*.json through the function in
// the order a session has them: connect, chat, confirm, disconnect.
// {{OPERATOR_TOKEN}} and {{PROPOSAL_ID}} are filled in by the test.
func TestSampleEvents(t *testing.T) {
	f := newFixture(t, offline.New())
	ctx := context.Background()
	tok, _, err := f.minter.Mint("otto", auth.RoleOperator)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../../events/chat/*.json")
	order := []string{"1-connect.json", "2-chat.json", "3-confirm.json", "4-disconnect.json"}
	if len(files) != len(order) {
		t.Fatalf("%d event files, want %v", len(files), order)
	}
	load := func(name string, repl *strings.Replacer) events.APIGatewayWebsocketProxyRequest {
		raw, err := os.ReadFile(filepath.Join("../../events/chat", name))
		if err != nil {
			t.Fatal(err)
		}
		var ev events.APIGatewayWebsocketProxyRequest
		if err := json.Unmarshal([]byte(repl.Replace(string(raw))), &ev); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return ev
	}
	conn := ""
	proposal := ""
	for _, name := range order {
		ev := load(name, strings.NewReplacer("{{OPERATOR_TOKEN}}", tok, "{{PROPOSAL_ID}}", proposal))
		conn = ev.RequestContext.ConnectionID
		resp, err := f.h.Handle(ctx, ev)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %v", name, resp.StatusCode, err)
		}
		fs := f.wire.take(conn)
		switch name {
		case "2-chat.json":
			if ts := types(fs); ts[0] != frames.TypeAck || ts[len(ts)-1] != frames.TypeFinal {
				t.Errorf("chat frames %v", ts)
			}
			// Make a proposal the confirm event can name.
			sum, _ := f.plan.Summary(ctx)
			ps := only(f.send(t, conn, map[string]any{"action": "chat", "id": "p1", "agent": "operator", "text": "rerun " + sum.Abended[0].Name}), frames.TypeProposal)
			if len(ps) != 1 {
				t.Fatal("no proposal to confirm")
			}
			proposal = ps[0]["proposalId"].(string)
		case "3-confirm.json":
			if len(fs) != 1 || fs[0]["kind"] != "action_outcome" {
				t.Errorf("confirm frames %v", fs)
			}
		}
	}
}
