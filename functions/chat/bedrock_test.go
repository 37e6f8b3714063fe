package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/resync/resync/shared/adapter/bedrock"
	"github.com/resync/resync/shared/adapter/bedrock/bedrocksim"
	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/edge/auth"
)

// TestConversationThroughBedrockStandIn drives the same conversation as
// the offline-model tests through the real Bedrock SDK client (signing,
// serialisation, event-stream decoding) against the Bedrock stand-in,
// whose turns are scripted: a search for abended jobs, an answer built
// from what the tool returned, then a rerun proposal that is confirmed.
func TestConversationThroughBedrockStandIn(t *testing.T) {
	ctx := context.Background()
	sim := bedrocksim.New()
	srv := httptest.NewServer(sim)
	defer srv.Close()
	client, err := bedrock.NewClient(ctx, "eu-west-1", srv.URL,
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")))
	if err != nil {
		t.Fatal(err)
	}
	model, err := bedrock.New(client, bedrock.Config{ModelID: "anthropic.claude-test-v1:0"})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, model)
	sum, err := f.plan.Summary(ctx)
	if err != nil || len(sum.Abended) == 0 {
		t.Fatalf("summary: %v", err)
	}
	job := sum.Abended[0]

	hasToolResult := func(r bedrocksim.Request) bool {
		last := r.Messages[len(r.Messages)-1]
		return len(last.Content) > 0 && last.Content[0].ToolResult != nil
	}
	sim.Script(
		bedrocksim.Turn{Text: []string{"Let me ", "check the plan."}, ToolUses: []bedrocksim.ToolUse{{ID: "tu1", Name: "search_jobs", Input: `{"internalStatus":"ABEND","limit":100}`}}},
		bedrocksim.Turn{Match: hasToolResult, Text: []string{"These jobs abended: ", job.Name, " (id " + job.ID + ")."}},
	)
	f.connect(t, "c1", "otto", auth.RoleOperator)
	fs := f.send(t, "c1", map[string]any{"action": "chat", "id": "b1", "conversationId": "cb", "text": "which jobs abended?"})
	ts := types(fs)
	if ts[0] != frames.TypeAck || ts[len(ts)-1] != frames.TypeFinal || len(only(fs, frames.TypeTool)) == 0 || len(only(fs, frames.TypeDelta)) == 0 {
		t.Fatalf("frames = %v", ts)
	}
	final := fs[len(fs)-1]
	if !strings.Contains(final["text"].(string), job.Name) || !strings.Contains(mustJSON(final["citations"]), job.ID) {
		t.Errorf("final = %v", final)
	}
	// The stand-in was sent the tool result holding the abended jobs.
	reqs := sim.Requests()
	if len(reqs) != 2 || !hasToolResult(reqs[1]) {
		t.Fatalf("the model got %d requests", len(reqs))
	}
	result, _ := json.Marshal(reqs[1].Messages[len(reqs[1].Messages)-1].Content[0].ToolResult)
	for _, j := range sum.Abended {
		if !strings.Contains(string(result), j.Name) {
			t.Errorf("the tool result sent to the model lacks %s", j.Name)
		}
	}
	if reqs[0].ToolConfig == nil || len(reqs[0].ToolConfig.Tools) == 0 {
		t.Error("no tools were offered to the model")
	}

	// A rerun: the model proposes, the operator confirms.
	sim.Script(
		bedrocksim.Turn{ToolUses: []bedrocksim.ToolUse{{ID: "tu2", Name: "propose_action", Input: `{"action":"rerun","job":"` + job.ID + `"}`}}},
		bedrocksim.Turn{Match: hasToolResult, Text: []string{"I proposed a rerun of " + job.Name + "; confirm it with a justification."}},
	)
	fs = f.send(t, "c1", map[string]any{"action": "chat", "id": "b2", "conversationId": "cb", "agent": "operator", "text": "rerun " + job.Name})
	props := only(fs, frames.TypeProposal)
	if len(props) != 1 {
		t.Fatalf("frames = %v, want a proposal", types(fs))
	}
	fs = f.send(t, "c1", map[string]any{"action": "confirm", "proposalId": props[0]["proposalId"], "justification": "supplier re-sent the file"})
	if len(fs) != 1 || fs[0]["data"].(map[string]any)["ok"] != true {
		t.Fatalf("confirm = %v", fs)
	}
	n := 0
	for _, a := range f.sim.Actions() {
		if a.Verb == "rerun" && a.TargetID != "" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d reruns in the HWA simulator, want 1", n)
	}
	if sim.Refused() != 0 {
		t.Errorf("the stand-in refused %d unsigned requests", sim.Refused())
	}
}
