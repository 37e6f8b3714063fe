package agent

import (
	"context"
	"strings"
	"testing"

	"github.com/resync/resync/shared/domain/workload"
)

// TestResourceTools: list_resources puts DB_CONNECTIONS first (a job waits
// for it, no unit is free) with its holder and its waiter; get_resource
// finds it in any case; an unknown name lists the resources.
func TestResourceTools(t *testing.T) {
	e := newEnv(t, envOptions{})
	o, _ := call(t, e, ToolListResources, ListResourcesInput{Busy: true})
	if o.isError {
		t.Fatalf("list_resources: %s", o.summary)
	}
	res := o.value.(ResourcesResult)
	if res.Total == 0 || res.Items[0].Name != "DB_CONNECTIONS" {
		t.Fatalf("busy resources = %+v, want DB_CONNECTIONS first", res.Items)
	}
	db := res.Items[0]
	if db.Available != 0 || len(db.Holders) != 1 || db.Holders[0].Job != "LONG_RUNNER_J1" ||
		len(db.Waiting) != 1 || db.Waiting[0].Name != "WAIT_RESOURCE_J1" {
		t.Errorf("DB_CONNECTIONS = %+v, want held by LONG_RUNNER_J1, WAIT_RESOURCE_J1 waiting, none free", db)
	}
	if !strings.Contains(o.summary, "no free unit: DB_CONNECTIONS") {
		t.Errorf("summary %q does not name the exhausted resource", o.summary)
	}
	o, _ = call(t, e, ToolGetResource, GetResourceInput{Resource: "db_connections"})
	if o.isError || o.value.(ResourceView).ID != db.ID || !strings.Contains(o.summary, "LONG_RUNNER_J1 (2)") {
		t.Errorf("get_resource db_connections = %s", o.summary)
	}
	o, _ = call(t, e, ToolGetResource, GetResourceInput{Resource: "NO_SUCH_POOL"})
	if !o.isError || o.value.(ErrorResult).Code != CodeNotFound || !strings.Contains(o.summary, "TAPE_DRIVES") {
		t.Errorf("get_resource of an unknown name = %s, want not_found listing the resources", o.summary)
	}
}

// TestPromptToolsAndReply: list_prompts shows CONFIRM_TAPE with its text
// and job; reply_prompt "tape" proposes a yes (nothing sent to HWA), the
// confirm replies once, a second confirm replays, the job runs and the
// trail has the proposal, the confirmation and the execution.
func TestPromptToolsAndReply(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	o, _ := call(t, e, ToolListPrompts, ListPromptsInput{})
	if o.isError {
		t.Fatalf("list_prompts: %s", o.summary)
	}
	var tape PromptView
	for _, p := range o.value.(PromptsResult).Items {
		if p.Name == "CONFIRM_TAPE" {
			tape = p
		}
		if p.Status != "ASKED" && p.Status != "ANSWERED_NO" {
			t.Errorf("list_prompts shows %s in %s", p.Name, p.Status)
		}
	}
	if tape.Text != "Is the tape mounted on drive 2?" || tape.Scope != "global" || len(tape.Jobs) != 1 || tape.Jobs[0].Name != "WAIT_PROMPT_J1" {
		t.Fatalf("CONFIRM_TAPE = %+v", tape)
	}
	if o, _ := call(t, e, ToolReplyPrompt, ReplyPromptInput{Prompt: "tape", Answer: "maybe"}); !o.isError {
		t.Errorf("answer maybe was accepted")
	}
	o, _ = call(t, e, ToolReplyPrompt, ReplyPromptInput{Prompt: "tape", Answer: "yes"})
	if o.isError || o.proposal == nil {
		t.Fatalf("reply_prompt: %s", o.summary)
	}
	p := *o.proposal
	if p.Action != ActionReplyPrompt || p.Targets[0].Kind != "prompt" || p.Targets[0].ID != tape.ID || p.Targets[0].Answer != "yes" ||
		len(p.Impact.Successors) != 1 || p.Impact.Successors[0].Name != "WAIT_PROMPT_J1" || !strings.Contains(p.Impact.Summary, "releases 1 job") {
		t.Fatalf("proposal %+v", p)
	}
	if n := len(e.sim.Actions()); n != 0 {
		t.Fatalf("proposing sent %d actions to HWA", n)
	}
	out, err := e.actions.Confirm(ctx, "alice", operator, p.ProposalID, "tape mounted by ops", "Recovery", "INC-9")
	if err != nil || !out.OK || out.Replayed {
		t.Fatalf("confirm: %+v, %v", out, err)
	}
	out2, err := e.actions.Confirm(ctx, "alice", operator, p.ProposalID, "tape mounted by ops", "Recovery", "INC-9")
	if err != nil || !out2.Replayed {
		t.Errorf("second confirm: %+v, %v; want replayed", out2, err)
	}
	replies := e.actionsOf("reply")
	if len(replies) != 1 || replies[0].TargetID != tape.ID || string(replies[0].Body) != `{"answer":true}` ||
		replies[0].Headers.Get("Justification-Description") != "tape mounted by ops" {
		t.Fatalf("HWA got %+v, want one reply yes with the justification", replies)
	}
	d, err := e.plan.Job(ctx, tape.Jobs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Job.Substatus == workload.SubHoldWaitingForPrompt {
		t.Errorf("WAIT_PROMPT_J1 still waits for the prompt after the reply (views not invalidated?)")
	}
	var trail []string
	for _, en := range e.auditActions(t) {
		trail = append(trail, en.Action+" "+strings.SplitN(en.Result, ":", 2)[0])
	}
	want := "confirm replayed,execute:reply-prompt ok,confirm accepted,proposal:reply-prompt proposed"
	if strings.Join(trail, ",") != want {
		t.Errorf("audit: %v, want %s", trail, want)
	}
	// The prompt is answered: it is no longer listed, and a new reply finds nothing.
	o, _ = call(t, e, ToolReplyPrompt, ReplyPromptInput{Prompt: "CONFIRM_TAPE", Answer: "yes"})
	if !o.isError {
		t.Errorf("a reply to an answered prompt was proposed: %s", o.summary)
	}
}

// TestWhyWaitingNamesThePrompt: why_waiting on the job behind the prompt
// says it waits for CONFIRM_TAPE with its question.
func TestWhyWaitingNamesThePrompt(t *testing.T) {
	e := newEnv(t, envOptions{})
	o, _ := call(t, e, ToolWhyWaiting, WhyWaitingInput{Job: "WAIT_PROMPT_J1"})
	if o.isError || !strings.Contains(o.summary, "prompt CONFIRM_TAPE") || !strings.Contains(o.summary, "Is the tape mounted on drive 2?") {
		t.Errorf("why_waiting WAIT_PROMPT_J1: %s", o.summary)
	}
	o, _ = call(t, e, ToolWhyWaiting, WhyWaitingInput{Job: "WAIT_RESOURCE_J1"})
	if o.isError || !strings.Contains(o.summary, "resource DB_CONNECTIONS") || !strings.Contains(o.summary, "used by LONG_RUNNER_J1") {
		t.Errorf("why_waiting WAIT_RESOURCE_J1: %s", o.summary)
	}
}
