package agent

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/app/agent/agenttest"
	"github.com/resync/resync/shared/app/planview"
)

// proposeInput runs the operator agent on one propose_action call.
func (e *env) proposeInput(t *testing.T, user string, in ProposeActionInput) (ProposalResult, *agenttest.Sink) {
	t.Helper()
	m := agenttest.New(agenttest.Tools(agenttest.Use(ToolProposeAction, in)), agenttest.Text("Proposed; confirm it."))
	sink := &agenttest.Sink{}
	tn := Turn{User: user, Roles: operator, ConversationID: "c-" + user, MessageID: "m1", AgentID: "operator", Text: in.Action + " " + in.Stream + in.Job}
	ans, err := e.runner(t, m, RunnerConfig{}).Run(context.Background(), tn, sink)
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Proposals) != 1 {
		return ProposalResult{}, sink
	}
	return ans.Proposals[0], sink
}

func TestSubmitJobStreamProposedConfirmedOnce(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	p, _ := e.proposeInput(t, "alice", ProposeActionInput{Action: ActionSubmitStream, Stream: "payroll_01"})
	if p.Action != ActionSubmitStream || len(p.Targets) != 1 || p.Targets[0].Kind != "jobstream" || p.Targets[0].Name != "PAYROLL_01" || p.Targets[0].ModelID == "" {
		t.Fatalf("proposal %+v", p)
	}
	if !strings.Contains(p.Impact.Summary, "new instance of job stream PAYROLL_01") {
		t.Errorf("preview %q", p.Impact.Summary)
	}
	if n := len(e.sim.Actions()); n != 0 {
		t.Fatalf("proposing made %d HWA calls", n)
	}
	o, err := e.actions.Confirm(ctx, "alice", operator, p.ProposalID, "month-end rerun of payroll", "Change", "CHG-9")
	if err != nil || !o.OK || o.ResourceID == "" {
		t.Fatalf("confirm: %+v, %v", o, err)
	}
	o2, err := e.actions.Confirm(ctx, "alice", operator, p.ProposalID, "month-end rerun of payroll", "Change", "CHG-9")
	if err != nil || !o2.Replayed {
		t.Errorf("second confirm: %+v, %v; want a replay", o2, err)
	}
	subs := e.actionsOf("submit")
	if len(subs) != 1 || subs[0].Target != "jobstream-model" || subs[0].TargetID != p.Targets[0].ModelID ||
		subs[0].Headers.Get("Justification-Ticket-Num") != "CHG-9" {
		t.Fatalf("HWA submissions %+v, want one of model %s with the justification", subs, p.Targets[0].ModelID)
	}
	// The new instance is in the plan (the cache was invalidated).
	l, err := e.plan.Streams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range l.Items {
		found = found || s.ID == o.ResourceID && s.Name == "PAYROLL_01"
	}
	if !found {
		t.Errorf("submitted stream %s not in the plan's streams", o.ResourceID)
	}
	var got []string
	for _, en := range e.auditActions(t) {
		got = append(got, en.Action+" "+strings.SplitN(en.Result, ":", 2)[0])
	}
	want := "confirm replayed,execute:submit_jobstream ok,confirm accepted,proposal:submit_jobstream proposed"
	if strings.Join(got, ",") != want {
		t.Errorf("audit %v, want %s", got, want)
	}
}

func TestSubmitJobAndGetJobTask(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	// get_job shows the task and the recovery.
	var rerunJob planview.JobDetail
	jobs, err := e.hc.ListJobs(ctx, hwa.Query{})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.Recovery.Job != "" && j.Recovery.Option == "RERUN" {
			if rerunJob, err = e.plan.Job(ctx, j.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	tools := NewTools(e.plan, e.src, e.actions)
	in, _ := json.Marshal(GetJobInput{Job: rerunJob.Job.ID})
	res := tools.Call(ctx, Call{User: "alice", Name: ToolGetJob, Input: in}, 64<<10)
	var d planview.JobDetail
	if err := json.Unmarshal([]byte(res.Content), &d); err != nil || d.Task == nil {
		t.Fatalf("get_job: %s, %v", res.Content, err)
	}
	if d.Task.Recovery != "RERUN" || d.Task.RecoveryJob != rerunJob.Job.Name+"_RCV" || d.Task.Script == "" && d.Task.Command == "" || d.Task.User == "" || d.Task.RecoveryMeaning == "" {
		t.Errorf("get_job task %+v", d.Task)
	}
	// submit_job submits the definition again into the JOBS stream.
	p, _ := e.proposeInput(t, "bob", ProposeActionInput{Action: ActionSubmitJob, Job: rerunJob.Job.ID})
	if p.Action != ActionSubmitJob || p.Targets[0].ModelID != d.Task.ModelID || !strings.Contains(p.Impact.Summary, "JOBS stream") {
		t.Fatalf("proposal %+v", p)
	}
	o, err := e.actions.Confirm(ctx, "bob", operator, p.ProposalID, "rerun the extract as a new job", "", "")
	if err != nil || !o.OK {
		t.Fatalf("confirm: %+v %v", o, err)
	}
	nj, err := e.hc.Job(ctx, o.ResourceID)
	if err != nil || nj.Name != rerunJob.Job.Name || nj.StreamName != "JOBS" || nj.Task.Line == "" {
		t.Errorf("submitted job %+v, %v", nj, err)
	}
	// A stream name that is not in the plan is not proposed.
	if p, sink := e.proposeInput(t, "bob", ProposeActionInput{Action: ActionSubmitStream, Stream: "NO_SUCH_STREAM"}); p.ProposalID != "" || len(sink.Proposals) != 0 {
		t.Errorf("proposed a submission of an unknown stream: %+v", p)
	}
}
