package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/shared/app/agent/agenttest"
	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/llm"
)

func turn(agentID, text string) Turn {
	return Turn{User: "alice", Roles: operator, ConversationID: "c1", MessageID: "m1", AgentID: agentID, Text: text}
}

func TestRunRefusesToolOutsideTheAgentsList(t *testing.T) {
	e := newEnv(t, envOptions{})
	job := e.abended(t)[0]
	m := agenttest.New(
		agenttest.Tools(agenttest.Use(ToolProposeAction, ProposeActionInput{Action: "rerun", Job: job.ID})),
		agenttest.Text("I cannot do that; the operator agent can propose it."),
	)
	sink := &agenttest.Sink{}
	ans, err := e.runner(t, m, RunnerConfig{}).Run(context.Background(), turn("analyst", "rerun "+job.Name), sink)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sink.ToolStatuses(), []string{"propose_action:refused"}; !slices.Equal(got, want) {
		t.Errorf("tool frames: got %v, want %v", got, want)
	}
	reqs := m.Requests()
	if len(reqs) != 2 {
		t.Fatalf("model calls: got %d, want 2", len(reqs))
	}
	for _, s := range reqs[0].Tools {
		if s.Name == ToolProposeAction {
			t.Error("the analyst was offered propose_action")
		}
	}
	analyst, _ := e.agents.Get("analyst")
	if len(reqs[0].Tools) != len(analyst.Tools) {
		t.Errorf("offered %d tools, the analyst has %d", len(reqs[0].Tools), len(analyst.Tools))
	}
	for _, want := range []string{"internal status", "run id", "critical path", "only PROPOSE", analyst.Instructions} {
		if !strings.Contains(reqs[0].System, want) {
			t.Errorf("system prompt lacks %q", want)
		}
	}
	res := agenttest.LastToolResults(reqs[1])
	if len(res) != 1 || !res[0].IsError {
		t.Fatalf("tool result: got %+v, want one error", res)
	}
	var er ErrorResult
	if err := json.Unmarshal([]byte(res[0].Content), &er); err != nil || er.Code != CodeRefused {
		t.Errorf("tool result: got %s (%v), want code refused", res[0].Content, err)
	}
	if len(sink.Proposals) != 0 || len(ans.Proposals) != 0 {
		t.Errorf("a refused tool made a proposal: %v", sink.Proposals)
	}
	if p, _ := e.audit.List(context.Background(), auditFilter("proposal:")); len(p.Entries) != 0 {
		t.Errorf("a refused tool was audited as a proposal: %v", p.Entries)
	}
}

func TestRunStopsAtTheIterationLimit(t *testing.T) {
	e := newEnv(t, envOptions{})
	m := agenttest.Repeat(agenttest.Step{Text: "Looking.", ToolUses: []llm.ToolUse{agenttest.Use(ToolPlanSummary, struct{}{})}})
	sink := &agenttest.Sink{}
	r := e.runner(t, m, RunnerConfig{MaxIterations: 3})
	ans, err := r.Run(context.Background(), turn("analyst", "loop forever"), sink)
	if err != nil {
		t.Fatal(err)
	}
	if ans.Stop != StopIterations || ans.Iterations != 3 || m.Calls() != 3 {
		t.Errorf("got stop %q after %d iterations and %d calls, want %q after 3", ans.Stop, ans.Iterations, m.Calls(), StopIterations)
	}
	if got := sink.ToolStatuses(); len(got) != 4 { // two tool runs, each running+done; the third is not run
		t.Errorf("tool frames: got %v, want 2 runs", got)
	}
	if !strings.Contains(ans.Text, "stopped after 3 steps") {
		t.Errorf("answer does not say it stopped: %q", ans.Text)
	}
	// The stored turn is well formed: it ends with the assistant, after the
	// unanswered tool uses got results.
	h, err := e.history.Load(context.Background(), "alice", "c1")
	if err != nil {
		t.Fatal(err)
	}
	if last := h[len(h)-1]; last.Role != llm.Assistant || len(last.ToolUses()) != 0 {
		t.Errorf("history ends with %+v, want an assistant text", last)
	}
	for i := 1; i < len(h); i++ {
		if h[i].Role == h[i-1].Role {
			t.Errorf("history messages %d and %d are both %s", i-1, i, h[i].Role)
		}
	}
}

func TestRunCutsLargeToolOutput(t *testing.T) {
	e := newEnv(t, envOptions{})
	const max = 4096
	m := agenttest.New(agenttest.Tools(agenttest.Use(ToolSearchJobs, SearchJobsInput{Limit: 500})), agenttest.Text("Many jobs."))
	if _, err := e.runner(t, m, RunnerConfig{MaxToolOutput: max}).Run(context.Background(), turn("analyst", "all jobs"), &agenttest.Sink{}); err != nil {
		t.Fatal(err)
	}
	res := agenttest.LastToolResults(m.Requests()[1])
	if len(res) != 1 {
		t.Fatalf("got %d tool results, want 1", len(res))
	}
	if len(res[0].Content) > max {
		t.Errorf("tool result has %d bytes, want at most %d", len(res[0].Content), max)
	}
	var l struct {
		planview.JobList
		Truncated string `json:"resultTruncated"`
	}
	if err := json.Unmarshal([]byte(res[0].Content), &l); err != nil {
		t.Fatalf("cut result is not JSON: %v", err)
	}
	if l.Truncated == "" || len(l.Items) == 0 || int64(len(l.Items)) >= l.Total {
		t.Errorf("cut result: %d of %d items, marker %q; want some items and a marker", len(l.Items), l.Total, l.Truncated)
	}
}

// answerFromResults writes an answer naming the first n jobs of the last
// search_jobs result, as a model would.
func answerFromResults(n int) agenttest.Step {
	return agenttest.Step{Func: func(req llm.Request) agenttest.Step {
		var l planview.JobList
		for _, r := range agenttest.LastToolResults(req) {
			_ = json.Unmarshal([]byte(r.Content), &l)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%d jobs abended:\n", l.Total)
		for i, j := range l.Items {
			if i == n {
				break
			}
			fmt.Fprintf(&b, "- %s (job id %s)\n", j.Name, j.ID)
		}
		return agenttest.Text(b.String())
	}}
}

func TestRunCitesTheJobsTheAnswerNames(t *testing.T) {
	e := newEnv(t, envOptions{})
	jobs := e.abended(t)
	m := agenttest.New(agenttest.Tools(agenttest.Use(ToolSearchJobs, SearchJobsInput{JobFilter: JobFilter{InternalStatus: "abend"}})), answerFromResults(2))
	sink := &agenttest.Sink{}
	ans, err := e.runner(t, m, RunnerConfig{}).Run(context.Background(), turn("analyst", "which jobs abended?"), sink)
	if err != nil {
		t.Fatal(err)
	}
	if got := sink.Text(); got != ans.Text {
		t.Errorf("streamed text %q differs from the answer %q", got, ans.Text)
	}
	if got, want := sink.ToolStatuses(), []string{"search_jobs:running", "search_jobs:done"}; !slices.Equal(got, want) {
		t.Errorf("tool frames: got %v, want %v", got, want)
	}
	if !strings.Contains(sink.Tools[1].Summary, fmt.Sprintf("%d jobs found", len(jobs))) {
		t.Errorf("tool summary %q does not count the jobs", sink.Tools[1].Summary)
	}
	var jobCites []string
	for _, c := range ans.Citations {
		if c.Kind == "job" {
			jobCites = append(jobCites, c.ID)
			if c.URL != "/api/v1/jobs/"+c.ID {
				t.Errorf("citation %s: URL %q", c.ID, c.URL)
			}
		}
	}
	if want := []string{jobs[0].ID, jobs[1].ID}; !slices.Equal(jobCites, want) {
		t.Errorf("job citations: got %v, want %v (only the named jobs)", jobCites, want)
	}
}

func TestRunCitesLogLines(t *testing.T) {
	e := newEnv(t, envOptions{})
	job := e.abended(t)[0]
	m := agenttest.New(
		agenttest.Tools(agenttest.Use(ToolJobLog, JobLogInput{Job: job.Name, Tail: 20})),
		agenttest.Step{Func: func(req llm.Request) agenttest.Step {
			var l planview.Log
			_ = json.Unmarshal([]byte(agenttest.LastToolResults(req)[0].Content), &l)
			return agenttest.Text(fmt.Sprintf("%s (job id %s) failed; see lines 1-%d of the log of run %s.", job.Name, l.JobID, l.Lines, l.RunID))
		}},
	)
	ans, err := e.runner(t, m, RunnerConfig{}).Run(context.Background(), turn("analyst", "why did "+job.Name+" fail?"), &agenttest.Sink{})
	if err != nil {
		t.Fatal(err)
	}
	var logCite, jobCite bool
	for _, c := range ans.Citations {
		switch c.Kind {
		case "log":
			logCite = true
			if c.ID != job.LastRun.ID || c.Lines == "" || !strings.HasPrefix(c.URL, "/api/v1/jobs/"+job.ID+"/log") {
				t.Errorf("log citation %+v: want run %s with lines", c, job.LastRun.ID)
			}
		case "job":
			jobCite = jobCite || c.ID == job.ID
		}
	}
	if !logCite || !jobCite {
		t.Errorf("citations %+v: want the job and its log", ans.Citations)
	}
}

// followUp answers "and its log?" from the conversation: it finds the job
// the previous turn looked up and asks for its log.
func followUp() agenttest.Step {
	return agenttest.Step{Func: func(req llm.Request) agenttest.Step {
		for i := len(req.Messages) - 1; i >= 0; i-- {
			for _, u := range req.Messages[i].ToolUses() {
				if u.Name == ToolGetJob {
					var in GetJobInput
					_ = json.Unmarshal(u.Input, &in)
					return agenttest.Tools(agenttest.Use(ToolJobLog, JobLogInput{Job: in.Job, Tail: 10}))
				}
			}
		}
		return agenttest.Text("Which job?")
	}}
}

func TestRunFollowUpUsesHistoryAcrossReconnects(t *testing.T) {
	e := newEnv(t, envOptions{})
	job := e.abended(t)[0]
	ctx := context.Background()
	m1 := agenttest.New(agenttest.Tools(agenttest.Use(ToolGetJob, GetJobInput{Job: job.Name})), agenttest.Text(job.Name+" abended."))
	if _, err := e.runner(t, m1, RunnerConfig{}).Run(ctx, turn("analyst", "status of "+job.Name+"?"), &agenttest.Sink{}); err != nil {
		t.Fatal(err)
	}
	// A new runner (a new connection, another function instance) over the
	// same Redis continues the conversation.
	m2 := agenttest.New(followUp(), agenttest.Text("Here is its log."))
	sink := &agenttest.Sink{}
	ans, err := e.runner(t, m2, RunnerConfig{}).Run(ctx, turn("analyst", "and its log?"), sink)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sink.ToolStatuses(), []string{"job_log:running", "job_log:done"}; !slices.Equal(got, want) {
		t.Fatalf("tool frames: got %v, want %v (summary %v)", got, want, sink.Tools)
	}
	if !strings.Contains(sink.Tools[1].Summary, job.Name) {
		t.Errorf("job_log ran for %q, want %s", sink.Tools[1].Summary, job.Name)
	}
	if first := m2.Requests()[0]; len(first.Messages) != 5 { // turn 1: user, tool use, result, answer; turn 2: user
		t.Errorf("second turn's first request has %d messages, want 5", len(first.Messages))
	}
	_ = ans
	// Bob's conversation with the same id is empty: histories are per user.
	h, err := e.history.Load(ctx, "bob", "c1")
	if err != nil || len(h) != 0 {
		t.Errorf("bob's c1: got %d messages (%v), want none", len(h), err)
	}
}

func TestRunErrors(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		turn Turn
		want error
	}{
		{"empty text", Turn{User: "u", ConversationID: "c", Text: "  "}, ErrInvalidTurn},
		{"no user", Turn{ConversationID: "c", Text: "hi"}, ErrInvalidTurn},
		{"no conversation", Turn{User: "u", Text: "hi"}, ErrInvalidTurn},
		{"unknown agent", Turn{User: "u", ConversationID: "c", Text: "hi", AgentID: "wizard"}, ErrUnknownAgent},
		{"viewer to operator agent", Turn{User: "u", Roles: []string{"viewer"}, ConversationID: "c", Text: "hi", AgentID: "operator"}, ErrForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := agenttest.New(agenttest.Text("hello"))
			_, err := e.runner(t, m, RunnerConfig{}).Run(ctx, tc.turn, &agenttest.Sink{})
			if !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
			if m.Calls() != 0 {
				t.Errorf("the model was called %d times", m.Calls())
			}
		})
	}
	t.Run("sink gone", func(t *testing.T) {
		m := agenttest.New(agenttest.Text("a long answer that streams in many pieces"))
		_, err := e.runner(t, m, RunnerConfig{}).Run(ctx, turn("analyst", "hi"), &agenttest.Sink{FailAfter: 2})
		if !errors.Is(err, agenttest.ErrGone) {
			t.Errorf("got %v, want ErrGone", err)
		}
	})
	t.Run("model unavailable", func(t *testing.T) {
		m := agenttest.New(agenttest.Step{Err: fmt.Errorf("bedrock: %w", llm.ErrUnavailable)})
		_, err := e.runner(t, m, RunnerConfig{}).Run(ctx, turn("analyst", "hi"), &agenttest.Sink{})
		if !errors.Is(err, llm.ErrUnavailable) {
			t.Errorf("got %v, want llm.ErrUnavailable", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		m := agenttest.Repeat(agenttest.Step{Func: func(llm.Request) agenttest.Step {
			time.Sleep(30 * time.Millisecond)
			return agenttest.Tools(agenttest.Use(ToolPlanSummary, struct{}{}))
		}})
		_, err := e.runner(t, m, RunnerConfig{Timeout: 50 * time.Millisecond, MaxIterations: 50}).Run(ctx, turn("analyst", "hi"), &agenttest.Sink{})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want DeadlineExceeded", err)
		}
	})
}

func TestCite(t *testing.T) {
	refs := []ref{
		{kind: "job", id: "id-1", name: "PAY_LOAD"},
		{kind: "job", id: "id-2", name: "PAY_LOAD2"},
		{kind: "jobstream", id: "s-1", name: "PAYROLL"},
		{kind: "workstation", id: "w-1", name: "AGT 1"},
		{kind: "log", id: "id-1", name: "PAY_LOAD", runID: "r-9", lines: 50},
	}
	for _, tc := range []struct {
		name, text string
		want       []string // kind:id[:lines]
	}{
		{"name as a word", "PAY_LOAD abended.", []string{"job:id-1", "log:r-9:1-50"}},
		{"not inside a longer name", "PAY_LOAD2 abended.", []string{"job:id-2"}},
		{"by id, stream and workstation", "Job id-2 in PAYROLL.X on AGT 1", []string{"job:id-2", "jobstream:s-1", "workstation:w-1"}},
		{"quoted lines", "payroll.pay_load failed at line 46; see lines 40-44 and line 99.", []string{"job:id-1", "jobstream:s-1", "log:r-9:46,40-44"}},
		{"nothing", "All is well.", nil},
		{"curly quote and case", "pay_load’s log", []string{"job:id-1", "log:r-9:1-50"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, c := range cite(tc.text, refs) {
				s := c.Kind + ":" + c.ID
				if c.Lines != "" {
					s += ":" + c.Lines
				}
				got = append(got, s)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRunDropsToolUsesThatWillNotRun(t *testing.T) {
	e := newEnv(t, envOptions{})
	m := agenttest.New(agenttest.Step{Text: "I was about to look", ToolUses: []llm.ToolUse{agenttest.Use(ToolPlanSummary, struct{}{})}, Stop: llm.StopMaxTokens},
		agenttest.Step{Stop: llm.StopEndTurn})
	r := e.runner(t, m, RunnerConfig{})
	ans, err := r.Run(context.Background(), turn("analyst", "q1"), &agenttest.Sink{})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Stop != StopMaxTokens {
		t.Errorf("stop %q, want %q", ans.Stop, StopMaxTokens)
	}
	if _, err := r.Run(context.Background(), turn("analyst", "q2"), &agenttest.Sink{}); err != nil {
		t.Fatal(err)
	}
	h, err := e.history.Load(context.Background(), "alice", "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 4 {
		t.Fatalf("history has %d messages, want 4", len(h))
	}
	for i, msg := range h {
		if len(msg.ToolUses()) != 0 || len(msg.Content) == 0 {
			t.Errorf("message %d: %+v; want text only, not empty", i, msg)
		}
	}
}
