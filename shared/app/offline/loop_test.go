package offline_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/adapter/redis/cache"
	"github.com/resync/resync/shared/adapter/redis/historystore"
	"github.com/resync/resync/shared/adapter/redis/idemstore"
	"github.com/resync/resync/shared/adapter/redis/proposalstore"
	"github.com/resync/resync/shared/adapter/redis/ratelimit"
	"github.com/resync/resync/shared/app/agent"
	"github.com/resync/resync/shared/app/agent/agenttest"
	"github.com/resync/resync/shared/app/offline"
	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/idempotency"
	"github.com/resync/resync/shared/domain/workload"
)

var t0 = time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)

// stack is the real agent loop over the simulator, answered by the offline
// model: what `make dev` runs when Bedrock is not configured.
type stack struct {
	sim    *hwasim.Server
	hc     *hwa.Client
	plan   *planview.Service
	runner *agent.Runner
}

func newStack(t *testing.T) *stack {
	t.Helper()
	s := &stack{sim: hwasim.New(hwasim.Config{Seed: 1, Now: t0})}
	srv := httptest.NewServer(s.sim)
	t.Cleanup(srv.Close)
	hc, err := hwa.New(hwa.Config{BaseURL: srv.URL, Retry: hwa.RetryPolicy{Attempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	s.hc = hc
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	c, err := cache.New(rdb, cache.Config{Namespace: "cache"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	now := func() time.Time { return t0 }
	s.plan = planview.New(hwa.PlanSource{Client: hc}, c, now)
	guard := idempotency.New(idemstore.New(rdb, "idem:"), idempotency.Config{Expiry: time.Hour})
	lim, err := ratelimit.New(rdb, ratelimit.Config{Prefix: "rl:"})
	if err != nil {
		t.Fatal(err)
	}
	actions, err := agent.NewActions(agent.ActionsConfig{Proposals: proposalstore.New(rdb, "proposal:"), HWA: hwa.Operator{Client: hc}, Reads: hwa.PlanSource{Client: hc}, Plan: s.plan, Guard: guard,
		Audit: audit.New(rdb, audit.Config{Key: "audit"}), Limiter: lim, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../../../functions/internal/agentsfile/agents.json")
	if err != nil {
		t.Fatal(err)
	}
	agents, err := agent.LoadAgents(data)
	if err != nil {
		t.Fatal(err)
	}
	s.runner, err = agent.NewRunner(agent.RunnerConfig{
		Agents: agents, Models: agent.OneModel(offline.New()), Tools: agent.NewTools(s.plan, hwa.PlanSource{Client: hc}, actions),
		History: agent.NewHistory(historystore.New(rdb, "history:"), agent.HistoryConfig{}), Now: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ask runs one turn of conversation conv with agentID and returns the
// answer and the frames.
func (s *stack) ask(t *testing.T, agentID, conv, text string) (agent.Answer, *agenttest.Sink) {
	t.Helper()
	sink := &agenttest.Sink{}
	ans, err := s.runner.Run(context.Background(), agent.Turn{User: "alice", Roles: []string{"operator"},
		ConversationID: conv, MessageID: "m1", AgentID: agentID, Text: text}, sink)
	if err != nil {
		t.Fatalf("%q: %v", text, err)
	}
	if got := strings.Join(sink.Deltas, ""); got != ans.Text {
		t.Errorf("%q: deltas concatenate to %q, want the answer %q", text, got, ans.Text)
	}
	return ans, sink
}

func (s *stack) abended(t *testing.T) []planview.JobView {
	t.Helper()
	l, err := s.plan.Jobs(context.Background(), planview.JobQuery{Internal: workload.InternalAbend, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Items) < 2 {
		t.Fatalf("the simulator has %d abended jobs, want at least 2", len(l.Items))
	}
	return l.Items
}

func toolNames(sink *agenttest.Sink) []string {
	var out []string
	for _, f := range sink.Tools {
		if f.Status != "running" {
			out = append(out, f.Name+":"+f.Status)
		}
	}
	return out
}

// The acceptance conversation: "which jobs abended?" lists exactly the
// simulator's abended jobs; "rerun <one>" proposes with its successors;
// follow-ups resolve "it"; the analyst refuses actions.
func TestLoopAbendedRerunAndFollowUps(t *testing.T) {
	s := newStack(t)
	abended := s.abended(t)

	ans, sink := s.ask(t, "operator", "c1", "Which jobs abended?")
	if got, want := toolNames(sink), []string{"search_jobs:done"}; !slices.Equal(got, want) {
		t.Errorf("tools: got %v, want %v", got, want)
	}
	for _, j := range abended {
		if !strings.Contains(ans.Text, j.Name) || !strings.Contains(ans.Text, j.ID) {
			t.Errorf("answer misses abended job %s (%s):\n%s", j.Name, j.ID, ans.Text)
		}
	}
	if want := fmt.Sprintf("%d jobs are abended", len(abended)); !strings.Contains(ans.Text, want) {
		t.Errorf("answer does not say %q:\n%s", want, ans.Text)
	}
	if n := strings.Count(ans.Text, "\n- "); n != len(abended) {
		t.Errorf("answer lists %d jobs, want exactly %d:\n%s", n, len(abended), ans.Text)
	}

	// "rerun it" after a list of several is ambiguous: no tool, a question back.
	ans, sink = s.ask(t, "operator", "c1", "rerun it")
	if len(sink.Tools) != 0 || !strings.Contains(ans.Text, "Which job do you mean?") {
		t.Errorf("rerun it after a list: tools %v, answer %q; want a question back", toolNames(sink), ans.Text)
	}
	for _, j := range abended {
		if !strings.Contains(ans.Text, j.Name) {
			t.Errorf("the question back misses %s: %q", j.Name, ans.Text)
		}
	}

	target := s.jobWithSuccessors(t, abended)
	ans, sink = s.ask(t, "operator", "c1", "please rerun "+strings.ToLower(target.Name))
	if got, want := toolNames(sink), []string{"propose_action:done"}; !slices.Equal(got, want) {
		t.Fatalf("tools: got %v, want %v (answer %q)", got, want, ans.Text)
	}
	if len(sink.Proposals) != 1 || sink.Proposals[0].Action != "rerun" || len(sink.Proposals[0].Targets) != 1 || sink.Proposals[0].Targets[0].ID != target.ID {
		t.Fatalf("proposal: got %+v, want a rerun of %s", sink.Proposals, target.ID)
	}
	for _, succ := range sink.Proposals[0].Impact.Successors {
		if !strings.Contains(ans.Text, succ.Name) {
			t.Errorf("answer misses successor %s:\n%s", succ.Name, ans.Text)
		}
	}
	if !strings.Contains(ans.Text, sink.Proposals[0].ProposalID) || !strings.Contains(ans.Text, "Nothing has been executed") {
		t.Errorf("answer does not give the proposal and say nothing ran:\n%s", ans.Text)
	}

	// Follow-ups: "it" is now the job of the proposal.
	ans, sink = s.ask(t, "operator", "c1", "and its log?")
	if got, want := toolNames(sink), []string{"job_log:done"}; !slices.Equal(got, want) {
		t.Fatalf("tools: got %v, want %v (answer %q)", got, want, ans.Text)
	}
	if !strings.Contains(ans.Text, target.ID) || !regexp.MustCompile(`line \d+: `).MatchString(ans.Text) {
		t.Errorf("log answer lacks the job id or numbered lines:\n%s", ans.Text)
	}
	// The agent cites the job and the quoted lines of its log.
	var kinds []string
	for _, c := range ans.Citations {
		kinds = append(kinds, c.Kind+":"+c.ID)
		if c.Kind == "log" && (c.Lines == "" || !regexp.MustCompile(`^\d+(-\d+)?(,\d+(-\d+)?)*$`).MatchString(c.Lines)) {
			t.Errorf("log citation lines %q, want the quoted line numbers", c.Lines)
		}
	}
	if !slices.Contains(kinds, "job:"+target.ID) || !slices.ContainsFunc(kinds, func(k string) bool { return strings.HasPrefix(k, "log:") }) {
		t.Errorf("citations %v, want the job and its log", kinds)
	}
	ans, sink = s.ask(t, "operator", "c1", "What breaks if it fails?")
	if got, want := toolNames(sink), []string{"job_impact:done"}; !slices.Equal(got, want) {
		t.Errorf("tools: got %v, want %v (answer %q)", got, want, ans.Text)
	}
	if !strings.Contains(ans.Text, target.Name) || !strings.Contains(ans.Text, "successor") {
		t.Errorf("impact answer:\n%s", ans.Text)
	}

	// The analyst may not act: no tool, and it names the operator agent.
	ans, sink = s.ask(t, "analyst", "c2", "rerun "+target.Name)
	if len(sink.Tools) != 0 || len(sink.Proposals) != 0 {
		t.Errorf("analyst rerun: tools %v, proposals %v; want none", toolNames(sink), sink.Proposals)
	}
	if !strings.Contains(ans.Text, "Operator agent") {
		t.Errorf("analyst refusal does not name the operator agent: %q", ans.Text)
	}
}

// Every kind of question goes through the real tools and gets an answer
// that names what the tool returned.
func TestLoopQuestionKinds(t *testing.T) {
	s := newStack(t)
	abended := s.abended(t)
	job := abended[0]
	tests := []struct {
		q     string
		tools []string
		want  []string // substrings of the answer
	}{
		{"summary", []string{"plan_summary:done", "attention:done"}, []string{"Plan summary as of", "things need your attention", job.Name}},
		{"failed jobs on MDM", []string{"search_jobs:done"}, []string{"in error on workstation MDM"}},
		{"late streams", []string{"list_jobstreams:done"}, []string{"job streams are late"}},
		{"unlinked workstations", []string{"list_workstations:done"}, []string{"FTA_LNX09"}},
		{"critical jobs at risk", []string{"critical_jobs:done"}, []string{"critical jobs", "AT RISK"}},
		{"status of " + job.Name, []string{"get_job:done"}, []string{job.ID, "return code"}},
		{"why did " + job.Name + " fail?", []string{"get_job:done", "job_log:done"}, []string{job.ID, "line "}},
		{"what does " + job.Stream + "." + job.Name + " depend on?", []string{"job_dependencies:done"}, []string{job.Name}},
		{"jobs in stream " + job.Stream, []string{"search_jobs:done"}, []string{"in stream " + job.Stream, job.Name}},
		{"is NO_SUCH_JOB running?", []string{"get_job:failed"}, []string{"could not find job \"NO_SUCH_JOB\""}},
		{"tell me a joke", nil, []string{"I understand a fixed set of questions"}},
	}
	for i, tt := range tests {
		ans, sink := s.ask(t, "operator", "k"+strconv.Itoa(i), tt.q)
		if got := toolNames(sink); !slices.Equal(got, tt.tools) {
			t.Errorf("%q: tools: got %v, want %v", tt.q, got, tt.tools)
		}
		for _, w := range tt.want {
			if !strings.Contains(ans.Text, w) {
				t.Errorf("%q: answer lacks %q:\n%s", tt.q, w, ans.Text)
			}
		}
	}
}

// jobWithSuccessors returns an abended job that has successors.
func (s *stack) jobWithSuccessors(t *testing.T, jobs []planview.JobView) planview.JobView {
	t.Helper()
	for _, j := range jobs {
		n, err := s.hc.Successors(context.Background(), j.ID, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(n) > 0 {
			return j
		}
	}
	t.Fatal("no abended job with successors in the simulator")
	return planview.JobView{}
}
