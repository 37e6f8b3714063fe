package agent

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/resync/resync/shared/app/agent/agenttest"
	"github.com/resync/resync/shared/app/offline"
)

// The whole loop with the offline model: questions in English, answered
// through the tools, with history and a confirmed action.
func TestOfflineConversation(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	r, err := NewRunner(RunnerConfig{Agents: e.agents, Models: OneModel(offline.New()), Tools: e.tools, History: e.history, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ask := func(agentID, text string) (Answer, *agenttest.Sink) {
		t.Helper()
		sink := &agenttest.Sink{}
		ans, err := r.Run(ctx, Turn{User: "alice", Roles: operator, ConversationID: "conv-" + agentID, MessageID: "m", AgentID: agentID, Text: text}, sink)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		return ans, sink
	}

	abended := e.abended(t)
	ans, _ := ask("analyst", "Which jobs abended?")
	var cited []string
	for _, c := range ans.Citations {
		if c.Kind == "job" {
			cited = append(cited, c.ID)
		}
	}
	for _, j := range abended {
		if !strings.Contains(ans.Text, j.ID) {
			t.Errorf("the answer does not name %s (%s):\n%s", j.Name, j.ID, ans.Text)
		}
		if !slices.Contains(cited, j.ID) {
			t.Errorf("%s is not cited", j.ID)
		}
	}

	job := e.jobWithSuccessors(t)
	ask("analyst", "status of "+job.Name)
	ans, sink := ask("analyst", "and its log?")
	if got := sink.ToolStatuses(); !slices.Contains(got, "job_log:done") || !strings.Contains(ans.Text, job.ID) {
		t.Errorf("follow-up ran %v and answered %q; want the log of %s", got, ans.Text, job.ID)
	}
	var logCite bool
	for _, c := range ans.Citations {
		logCite = logCite || (c.Kind == "log" && c.ID == job.LastRun.ID && c.Lines != "")
	}
	if !logCite {
		t.Errorf("no log citation with lines for run %s: %+v", job.LastRun.ID, ans.Citations)
	}

	ans, sink = ask("operator", "rerun "+job.Name)
	if len(sink.Proposals) != 1 {
		t.Fatalf("rerun: %d proposals (tools %v): %s", len(sink.Proposals), sink.ToolStatuses(), ans.Text)
	}
	p := sink.Proposals[0]
	if len(p.Impact.Successors) == 0 || p.Targets[0].ID != job.ID {
		t.Errorf("proposal %+v: want %s with its successors", p, job.ID)
	}
	if len(e.sim.Actions()) != 0 {
		t.Fatal("proposing executed something")
	}
	if _, err := e.actions.Confirm(ctx, "alice", operator, p.ProposalID, justification, "", "INC-7"); err != nil {
		t.Fatal(err)
	}
	if got := e.actionsOf("rerun"); len(got) != 1 || got[0].Headers.Get("Justification-Description") != justification {
		t.Errorf("reruns %+v: want one with the justification", got)
	}
}
