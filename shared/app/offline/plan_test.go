package offline

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/resync/resync/shared/app/agent"
	"github.com/resync/resync/shared/domain/llm"
)

// runbookSpec is a search_runbooks tool as the runbooks work may add it.
var runbookSpec = llm.ToolSpec{Name: toolSearchRunbooks, Description: "Search the runbooks.",
	Schema: json.RawMessage(`{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}`)}

// whyWaitingSpec is the why_waiting tool of the catalogue.
var whyWaitingSpec = llm.ToolSpec{Name: toolWhyWaiting, Description: "Why a job waits.",
	Schema: json.RawMessage(`{"type":"object","properties":{"job":{"type":"string"}},"required":["job"]}`)}

// specs returns the catalogue's plan and action tools, without those named
// in drop. The knowledge tools (why_waiting, search_runbooks) are left out:
// the tests that want them add whyWaitingSpec or runbookSpec, so the tests
// hold whichever catalogue version is checked out.
func specs(drop ...string) []llm.ToolSpec {
	drop = append(drop, toolSearchRunbooks, toolWhyWaiting)
	var out []llm.ToolSpec
	for _, s := range agent.Specs() {
		keep := true
		for _, d := range drop {
			keep = keep && s.Name != d
		}
		if keep {
			out = append(out, s)
		}
	}
	return out
}

// analyst is the read-only agent's tool list.
func analyst() []llm.ToolSpec { return specs(toolProposeAction) }

func userText(s string) llm.Message {
	return llm.Message{Role: llm.User, Content: []llm.Block{{Text: s}}}
}

// call runs one model turn and returns its tool uses as "name {input}" and
// its text.
func turnOf(t *testing.T, tools []llm.ToolSpec, msgs ...llm.Message) ([]string, string, llm.Response) {
	t.Helper()
	var deltas strings.Builder
	var events []string
	resp, err := New().Stream(context.Background(), llm.Request{System: "You are an HWA assistant.", Tools: tools, Messages: msgs}, func(e llm.Event) error {
		switch {
		case e.ToolUse != nil:
			events = append(events, e.ToolUse.Name+" "+string(e.ToolUse.Input))
		default:
			deltas.WriteString(e.TextDelta)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	var uses []string
	for _, u := range resp.Message.ToolUses() {
		uses = append(uses, u.Name+" "+string(u.Input))
	}
	if strings.Join(uses, "|") != strings.Join(events, "|") {
		t.Errorf("streamed tool uses %v differ from the response's %v", events, uses)
	}
	if got := deltas.String(); got != resp.Message.Text() {
		t.Errorf("deltas concatenate to %q, want the response text %q", got, resp.Message.Text())
	}
	switch {
	case len(uses) > 0 && resp.StopReason != llm.StopToolUse:
		t.Errorf("stop reason %q with tool uses, want tool_use", resp.StopReason)
	case len(uses) == 0 && resp.StopReason != llm.StopEndTurn:
		t.Errorf("stop reason %q with text, want end_turn", resp.StopReason)
	}
	// Only tools of the request, with inputs its schema knows.
	allowed := map[string]map[string]bool{}
	for _, s := range tools {
		allowed[s.Name] = schemaProps(s.Schema)
	}
	for _, u := range resp.Message.ToolUses() {
		props, ok := allowed[u.Name]
		if !ok {
			t.Errorf("called %s, which the request does not offer", u.Name)
		}
		var in map[string]any
		if err := json.Unmarshal(u.Input, &in); err != nil {
			t.Errorf("%s input %s: %v", u.Name, u.Input, err)
		}
		for k := range in {
			if props != nil && !props[k] {
				t.Errorf("%s input has %q, not in its schema", u.Name, k)
			}
		}
	}
	return uses, resp.Message.Text(), resp
}

func TestQuestionsToTools(t *testing.T) {
	tests := []struct {
		q    string
		want []string // tool uses as "name {input}"
	}{
		// The plan summary.
		{"summary", []string{`plan_summary {}`, `attention {"limit":15}`}},
		{"Summary!", []string{`plan_summary {}`, `attention {"limit":15}`}},
		{"give me an overview", []string{`plan_summary {}`, `attention {"limit":15}`}},
		{"How is the plan?", []string{`plan_summary {}`, `attention {"limit":15}`}},
		{"how's the plan doing", []string{`plan_summary {}`, `attention {"limit":15}`}},
		{"what's going on?", []string{`plan_summary {}`, `attention {"limit":15}`}},
		{"plan status", []string{`plan_summary {}`, `attention {"limit":15}`}},
		{"status", []string{`plan_summary {}`, `attention {"limit":15}`}},
		{"any problems?", []string{`plan_summary {}`, `attention {"limit":15}`}},
		{"what went wrong tonight?", []string{`plan_summary {}`, `attention {"limit":15}`}},

		// Job lists by status, stream and workstation.
		{"which jobs abended?", []string{`search_jobs {"internalStatus":"ABEND"}`}},
		{"Which jobs ABENDED", []string{`search_jobs {"internalStatus":"ABEND"}`}},
		{"abended jobs", []string{`search_jobs {"internalStatus":"ABEND"}`}},
		{"any abends?", []string{`search_jobs {"internalStatus":"ABEND"}`}},
		{"show me the abended jobs please", []string{`search_jobs {"internalStatus":"ABEND"}`}},
		{"jobs that abended in stream DWH_ETL_01", []string{`search_jobs {"internalStatus":"ABEND","stream":"DWH_ETL_01"}`}},
		{"abended jobs in the dwh_etl_01 stream", []string{`search_jobs {"internalStatus":"ABEND","stream":"DWH_ETL_01"}`}},
		{"abends in FIX_ABEND", []string{`search_jobs {"internalStatus":"ABEND","stream":"FIX_ABEND"}`}},
		{"abended jobs on workstation MDM", []string{`search_jobs {"internalStatus":"ABEND","workstation":"MDM"}`}},
		{"abended jobs on FTA_LNX01", []string{`search_jobs {"internalStatus":"ABEND","workstation":"FTA_LNX01"}`}},
		{"failed jobs", []string{`search_jobs {"status":"ERROR"}`}},
		{"what failed?", []string{`search_jobs {"status":"ERROR"}`}},
		{"jobs in error", []string{`search_jobs {"status":"ERROR"}`}},
		{"which jobs are failing on agent AGT_AIX01", []string{`search_jobs {"status":"ERROR","workstation":"AGT_AIX01"}`}},
		{"what is running?", []string{`search_jobs {"status":"RUNNING"}`}},
		{"running jobs on XA_SAP01", []string{`search_jobs {"status":"RUNNING","workstation":"XA_SAP01"}`}},
		{"show executing jobs", []string{`search_jobs {"status":"RUNNING"}`}},
		{"held jobs", []string{`search_jobs {"status":"HELD"}`}},
		{"which jobs are on hold?", []string{`search_jobs {"status":"HELD"}`}},
		{"jobs on hold in stream PAYROLL_01", []string{`search_jobs {"status":"HELD","stream":"PAYROLL_01"}`}},
		{"waiting jobs", []string{`search_jobs {"status":"WAITING"}`}},
		{"pending jobs in job stream GL_CLOSE_01", []string{`search_jobs {"status":"WAITING","stream":"GL_CLOSE_01"}`}},
		{"ready jobs", []string{`search_jobs {"status":"READY"}`}},
		{"successful jobs in stream PAYROLL_01", []string{`search_jobs {"status":"SUCCESSFUL","stream":"PAYROLL_01"}`}},
		{"cancelled jobs", []string{`search_jobs {"status":"CANCELED"}`}},
		{"how many jobs are running?", []string{`count_jobs {"status":"RUNNING"}`}},
		{"top 5 waiting jobs", []string{`search_jobs {"limit":5,"status":"WAITING"}`}},
		{"failed or running jobs", []string{`search_jobs {"status":"ERROR"}`, `search_jobs {"status":"RUNNING"}`}},
		{"list jobs in stream PAYROLL_01", []string{`search_jobs {"stream":"PAYROLL_01"}`}},
		{"which jobs are running long?", []string{`search_jobs {"limit":500,"status":"RUNNING"}`}},
		{"jobs running longer than expected on MDM", []string{`search_jobs {"limit":500,"status":"RUNNING","workstation":"MDM"}`}},
		{"what's taking too long?", []string{`search_jobs {"limit":500,"status":"RUNNING"}`}},
		{"jobs named PAY*", []string{`search_jobs {"name":"PAY*"}`}},
		{"failed jobs like dwh_*", []string{`search_jobs {"name":"DWH_*","status":"ERROR"}`}},
		{"list PAY_@ jobs in stream PAYROLL", []string{`search_jobs {"name":"PAY_@","stream":"PAYROLL"}`}},
		{"failed critical jobs", []string{`search_jobs {"critical":true,"status":"ERROR"}`}},

		// Late, critical, workstations, streams.
		{"late jobs", []string{`search_jobs {"late":true}`}},
		{"late jobs in stream PAYROLL", []string{`search_jobs {"late":true,"stream":"PAYROLL"}`}},
		{"which jobs are late on MDM?", []string{`search_jobs {"late":true,"workstation":"MDM"}`}},
		{"late streams on MDM", []string{`list_jobstreams {"late":true}`}},
		{"which streams are late?", []string{`list_jobstreams {"late":true}`}},
		{"what is late?", []string{`list_jobstreams {"late":true}`}},
		{"overdue job streams", []string{`list_jobstreams {"late":true}`}},
		{"anything behind schedule?", []string{`list_jobstreams {"late":true}`}},
		{"critical jobs", []string{`critical_jobs {}`}},
		{"what is at risk?", []string{`critical_jobs {}`}},
		{"critical jobs at risk", []string{`critical_jobs {}`}},
		{"unlinked workstations", []string{`list_workstations {"unlinked":true}`}},
		{"which agents are down?", []string{`list_workstations {"unlinked":true}`}},
		{"workstations that are not linked", []string{`list_workstations {"unlinked":true}`}},
		{"what's offline?", []string{`list_workstations {"unlinked":true}`}},
		{"list workstations", []string{`list_workstations {}`}},
		{"list job streams", []string{`list_jobstreams {}`}},
		{"status of stream PAYROLL_01", []string{`list_jobstreams {"name":"PAYROLL_01"}`}},
		{"is workstation MDM linked?", []string{`list_workstations {"name":"MDM"}`}},
		{"is agent AGT_WIN03 down?", []string{`list_workstations {"name":"AGT_WIN03"}`}},

		// One job: status and details.
		{"status of PAY_LOAD", []string{`get_job {"job":"PAY_LOAD"}`}},
		{"PAYROLL.PAY_LOAD status", []string{`get_job {"job":"PAYROLL.PAY_LOAD"}`}},
		{"tell me about job pay_load", []string{`get_job {"job":"PAY_LOAD"}`}},
		{"what's up with 'pay_load'?", []string{`get_job {"job":"PAY_LOAD"}`}},
		{`details of "PAY_LOAD"`, []string{`get_job {"job":"PAY_LOAD"}`}},
		{"Is PAY_LOAD running?", []string{`get_job {"job":"PAY_LOAD"}`}},
		{"PAY_LOAD?", []string{`get_job {"job":"PAY_LOAD"}`}},
		{"details for MDM#PAYROLL.PAY_LOAD", []string{`get_job {"job":"MDM#PAYROLL.PAY_LOAD"}`}},
		{"status of job payroll", []string{`get_job {"job":"PAYROLL"}`}},
		{"how is the payroll job doing", []string{`get_job {"job":"PAYROLL"}`}},
		{"status of pay_load in stream payroll", []string{`get_job {"job":"PAYROLL.PAY_LOAD"}`}},
		{"status of 6ae32e26-c875-489b-bc54-6f560e1b6ead", []string{`get_job {"job":"6ae32e26-c875-489b-bc54-6f560e1b6ead"}`}},
		{"is PAY_LOAD on hold?", []string{`get_job {"job":"PAY_LOAD"}`}},

		// Logs.
		{"log of PAY_LOAD", []string{`job_log {"job":"PAY_LOAD"}`}},
		{"show me the log for pay_load", []string{`job_log {"job":"PAY_LOAD"}`}},
		{"PAY_LOAD's log", []string{`job_log {"job":"PAY_LOAD"}`}},
		{"get joblog PAYROLL.PAY_LOAD", []string{`job_log {"job":"PAYROLL.PAY_LOAD"}`}},
		{"last 50 lines of PAY_LOAD log", []string{`job_log {"job":"PAY_LOAD","tail":50}`}},
		{"stdout of job pay_load", []string{`job_log {"job":"PAY_LOAD"}`}},
		{"tail 20 PAY_LOAD", []string{`job_log {"job":"PAY_LOAD","tail":20}`}},
		{"why did PAY_LOAD fail?", []string{`get_job {"job":"PAY_LOAD"}`, `job_log {"job":"PAY_LOAD","tail":50}`}},
		{"why did pay_load abend", []string{`get_job {"job":"PAY_LOAD"}`, `job_log {"job":"PAY_LOAD","tail":50}`}},
		{"what went wrong with PAY_LOAD?", []string{`get_job {"job":"PAY_LOAD"}`, `job_log {"job":"PAY_LOAD","tail":50}`}},

		// Waiting, dependencies, successors, impact.
		{"why is PAY_LOAD waiting?", []string{`get_job {"job":"PAY_LOAD"}`}},
		{"what is PAY_LOAD waiting for?", []string{`get_job {"job":"PAY_LOAD"}`}},
		{"what does PAY_LOAD wait for", []string{`get_job {"job":"PAY_LOAD"}`}},
		{"why isn't PAY_LOAD running", []string{`get_job {"job":"PAY_LOAD"}`}},
		{"what's blocking PAY_LOAD?", []string{`get_job {"job":"PAY_LOAD"}`}},
		{"why is PAY_LOAD held", []string{`get_job {"job":"PAY_LOAD"}`}},
		{"dependencies of PAY_LOAD", []string{`job_dependencies {"direction":"predecessors","job":"PAY_LOAD"}`}},
		{"what does PAY_LOAD depend on?", []string{`job_dependencies {"direction":"predecessors","job":"PAY_LOAD"}`}},
		{"predecessors of PAY_LOAD", []string{`job_dependencies {"direction":"predecessors","job":"PAY_LOAD"}`}},
		{"PAY_LOAD upstream", []string{`job_dependencies {"direction":"predecessors","job":"PAY_LOAD"}`}},
		{"successors of PAY_LOAD", []string{`job_dependencies {"direction":"successors","job":"PAY_LOAD"}`}},
		{"what depends on PAY_LOAD?", []string{`job_dependencies {"direction":"successors","job":"PAY_LOAD"}`}},
		{"downstream of PAY_LOAD", []string{`job_dependencies {"direction":"successors","job":"PAY_LOAD"}`}},
		{"what runs after PAY_LOAD", []string{`job_dependencies {"direction":"successors","job":"PAY_LOAD"}`}},
		{"what is waiting for PAY_LOAD", []string{`job_dependencies {"direction":"successors","job":"PAY_LOAD"}`}},
		{"what breaks if PAY_LOAD fails?", []string{`job_impact {"job":"PAY_LOAD"}`}},
		{"impact of PAY_LOAD", []string{`job_impact {"job":"PAY_LOAD"}`}},
		{"what happens if PAY_LOAD is late", []string{`job_impact {"job":"PAY_LOAD"}`}},
		{"who is affected by PAYROLL.PAY_LOAD", []string{`job_impact {"job":"PAYROLL.PAY_LOAD"}`}},

		// Actions: proposals only.
		{"rerun PAY_LOAD", []string{`propose_action {"action":"rerun","job":"PAY_LOAD"}`}},
		{"Please re-run pay_load.", []string{`propose_action {"action":"rerun","job":"PAY_LOAD"}`}},
		{"can you restart job PAY_LOAD?", []string{`propose_action {"action":"rerun","job":"PAY_LOAD"}`}},
		{"run PAY_LOAD again", []string{`propose_action {"action":"rerun","job":"PAY_LOAD"}`}},
		{"I want to rerun PAYROLL.PAY_LOAD", []string{`propose_action {"action":"rerun","job":"PAYROLL.PAY_LOAD"}`}},
		{"hold PAY_LOAD", []string{`propose_action {"action":"hold","job":"PAY_LOAD"}`}},
		{"put PAY_LOAD on hold", []string{`propose_action {"action":"hold","job":"PAY_LOAD"}`}},
		{"release PAY_LOAD", []string{`propose_action {"action":"release","job":"PAY_LOAD"}`}},
		{"cancel PAY_LOAD", []string{`propose_action {"action":"cancel","job":"PAY_LOAD"}`}},
		{"kill PAY_LOAD", []string{`propose_action {"action":"kill","job":"PAY_LOAD"}`}},
		{"stop job pay_load now", []string{`propose_action {"action":"kill","job":"PAY_LOAD"}`}},
		{"confirm PAY_LOAD succ", []string{`propose_action {"action":"confirm-succ","job":"PAY_LOAD"}`}},
		{"mark PAY_LOAD as successful", []string{`propose_action {"action":"confirm-succ","job":"PAY_LOAD"}`}},
		{"confirm PAY_LOAD abend", []string{`propose_action {"action":"confirm-abend","job":"PAY_LOAD"}`}},
		{"set PAY_LOAD to abended", []string{`propose_action {"action":"confirm-abend","job":"PAY_LOAD"}`}},
		{"rerun PAY_LOAD and PAY_SEND", []string{`propose_action {"action":"rerun","job":"PAY_LOAD"}`, `propose_action {"action":"rerun","job":"PAY_SEND"}`}},
		{"rerun pay_load in stream payroll", []string{`propose_action {"action":"rerun","job":"PAYROLL.PAY_LOAD"}`}},
	}
	for _, tt := range tests {
		got, text, _ := turnOf(t, specs(), userText(tt.q))
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%q:\n got %v (text %.80q)\nwant %v", tt.q, got, text, tt.want)
		}
	}
}

func TestQuestionsAnsweredInText(t *testing.T) {
	tests := []struct {
		name  string
		tools []llm.ToolSpec
		q     string
		want  []string // substrings of the text; no tool use
	}{
		{"empty", specs(), "", []string{"fixed set of questions"}},
		{"greeting", specs(), "hello", []string{"Hello.", "fixed set of questions", "rerun JOB"}},
		{"help", specs(), "what can you do?", []string{"\"log of JOB\""}},
		{"nonsense", specs(), "tell me a joke", []string{"fixed set of questions"}},
		{"gibberish", specs(), "asdf qwer", []string{"fixed set of questions"}},
		{"analyst help omits actions", analyst(), "help", []string{"read-only", "Operator agent"}},
		{"confirm as what", specs(), "confirm PAY_LOAD", []string{"as successful or as abended", "confirm PAY_LOAD succ"}},
		{"bulk action", specs(), "rerun all failed jobs", []string{"one named job at a time"}},
		{"no job to act on", specs(), "rerun it", []string{"Which job do you mean?"}},
		{"no job for a log", specs(), "show the log", []string{"Which job do you mean?", "log of "}},
		{"no root cause known", specs(), "rerun the root cause", []string{"I have not found what holds a job up yet"}},
		{"analyst rerun", analyst(), "rerun PAY_LOAD", []string{"cannot rerun jobs", "read-only", "Operator agent"}},
		{"analyst hold", analyst(), "please hold PAYROLL.PAY_LOAD", []string{"cannot hold jobs", "Operator agent"}},
		{"analyst confirm", analyst(), "confirm PAY_LOAD succ", []string{"cannot confirm as successful jobs", "Operator agent"}},
		{"no log tool", specs(toolJobLog), "log of PAY_LOAD", []string{"not allowed to use the job_log tool"}},
		{"no search, no summary", specs(toolSearchJobs, toolPlanSummary), "which jobs abended?", []string{"search_jobs"}},
		{"no runbooks", specs(), "how do I restart an agent?", []string{"No runbook search"}},
		{"no tools at all", nil, "which jobs abended?", []string{"not allowed to use the search_jobs tool"}},
		{"no tools, a job", nil, "log of PAY_LOAD", []string{"not allowed to use the job_log tool"}},
		{"help lists why_waiting", append(specs(), whyWaitingSpec), "help", []string{"the chain up to the root cause"}},
	}
	for _, tt := range tests {
		got, text, _ := turnOf(t, tt.tools, userText(tt.q))
		if len(got) != 0 {
			t.Errorf("%s: %q: tool uses %v, want none", tt.name, tt.q, got)
		}
		for _, w := range tt.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: %q: text lacks %q:\n%s", tt.name, tt.q, w, text)
			}
		}
	}
}

// Missing tools fall back to others that answer the question.
func TestFallbacks(t *testing.T) {
	tests := []struct {
		tools []llm.ToolSpec
		q     string
		want  []string
	}{
		{specs(toolSearchJobs), "which jobs abended?", []string{`plan_summary {}`}},
		{specs(toolListJobStreams), "late jobs", []string{`search_jobs {"late":true}`}},
		{specs(toolListWorkstations), "unlinked workstations", []string{`plan_summary {}`}},
		{specs(toolCriticalJobs), "critical jobs", []string{`search_jobs {"critical":true,"limit":500}`}},
		{specs(toolJobImpact), "what breaks if PAY_LOAD fails?", []string{`job_dependencies {"direction":"successors","job":"PAY_LOAD"}`}},
		{specs(toolJobDependencies), "successors of PAY_LOAD", []string{`job_impact {"job":"PAY_LOAD"}`}},
		{specs(toolJobDependencies), "dependencies of PAY_LOAD", []string{`get_job {"job":"PAY_LOAD"}`}},
		{specs(toolJobLog), "why did PAY_LOAD fail?", []string{`get_job {"job":"PAY_LOAD"}`}},
		{append(specs(), runbookSpec), "what to do when PAY_LOAD abends", []string{`search_runbooks {"query":"what to do when PAY_LOAD abends"}`}},
		{append(specs(), runbookSpec), "runbook for PAY_LOAD", []string{`search_runbooks {"query":"runbook for PAY_LOAD"}`}},
		{append(specs(), runbookSpec), "how do I rerun a job?", []string{`search_runbooks {"query":"how do I rerun a job?"}`}},
		{specs(), "what to do when PAY_LOAD abends", []string{`get_job {"job":"PAY_LOAD"}`, `job_log {"job":"PAY_LOAD","tail":50}`}},
		{append(specs(), whyWaitingSpec), "why is PAY_LOAD waiting?", []string{`why_waiting {"job":"PAY_LOAD"}`}},
		{append(specs(), whyWaitingSpec), "what's blocking PAY_LOAD?", []string{`why_waiting {"job":"PAY_LOAD"}`}},
		{append(specs(toolGetJob), whyWaitingSpec), "status of PAY_LOAD", nil},
	}
	for _, tt := range tests {
		got, text, _ := turnOf(t, tt.tools, userText(tt.q))
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%q:\n got %v (text %.80q)\nwant %v", tt.q, got, text, tt.want)
		}
	}
}

// Odd input never breaks the model: it answers with a tool use or text.
func TestOddInput(t *testing.T) {
	inputs := []string{"'", `"`, "'''", `""`, "PAY_LOAD'", "...", "#", ".", "a.b.c", "rerun .", "#.#", "rerun #",
		"log of .PAY_LOAD.", "日本語のジョブ", "rerun 'unterminated", "status of \"\"", "?!?", "rerun    ", "\n\t",
		"log of PAY_LOAD\x00", strings.Repeat("why is PAY_LOAD waiting ", 500), "kill -9 PAY_LOAD", "status of PAY_LOAD'S",
		"ｒｅｒｕｎ PAY_LOAD", "rerun 123", "tail -50 PAY_LOAD", "log of job", "the job", "job job job"}
	for _, q := range inputs {
		uses, text, _ := turnOf(t, specs(), userText(q))
		if len(uses) == 0 && strings.TrimSpace(text) == "" {
			t.Errorf("%q: neither a tool use nor text", q)
		}
	}
}

func TestMoreTolerance(t *testing.T) {
	tests := []struct {
		q    string
		want []string
	}{
		{"STATUS OF PAY_LOAD", []string{`get_job {"job":"PAY_LOAD"}`}},
		{"status  of   pay_load !!!", []string{`get_job {"job":"PAY_LOAD"}`}},
		{"payroll.pay_load status?", []string{`get_job {"job":"PAYROLL.PAY_LOAD"}`}},
		{"job 'PAY_LOAD' log please", []string{`job_log {"job":"PAY_LOAD"}`}},
		{"“PAY_LOAD” log", []string{`job_log {"job":"PAY_LOAD"}`}},
		{"hey, can you please rerun PAY_LOAD?", []string{`propose_action {"action":"rerun","job":"PAY_LOAD"}`}},
		{"ok rerun PAY_LOAD", []string{`propose_action {"action":"rerun","job":"PAY_LOAD"}`}},
		{"which jobs abended? rerun PAY_LOAD", []string{`propose_action {"action":"rerun","job":"PAY_LOAD"}`}},
		{"don't rerun PAY_LOAD", []string{`get_job {"job":"PAY_LOAD"}`}},
		{"rerun the payroll job", []string{`propose_action {"action":"rerun","job":"PAYROLL"}`}},
		{"what's the return code of PAY_LOAD", []string{`get_job {"job":"PAY_LOAD"}`}},
		{"when did PAY_LOAD run", []string{`get_job {"job":"PAY_LOAD"}`}},
		{"abended jobs in DWH_ETL_01 on MDM", []string{`search_jobs {"internalStatus":"ABEND","stream":"DWH_ETL_01","workstation":"MDM"}`}},
		{"blocked jobs", []string{`search_jobs {"status":"BLOCKED"}`}},
		{"WHICH JOBS ABENDED?", []string{`search_jobs {"internalStatus":"ABEND"}`}},
		{"DID ANYTHING FAIL OVERNIGHT?", []string{`search_jobs {"endedSince":"yesterday 20:00","endedUntil":"today 08:00","status":"ERROR"}`}},
		{"SHOW THE LOG OF PAY_LOAD", []string{`job_log {"job":"PAY_LOAD"}`}},
		{"RERUN JOB PAYROLL", []string{`propose_action {"action":"rerun","job":"PAYROLL"}`}},
		{"failed jobs on mdm", []string{`search_jobs {"status":"ERROR","workstation":"MDM"}`}},
		{"jobs in payroll", []string{`search_jobs {"stream":"PAYROLL"}`}},
		{"which jobs are on time?", []string{`search_jobs {"late":false}`}},
		{"what's in progress?", []string{`search_jobs {"status":"RUNNING"}`}},
		{"is the plan ok?", []string{`plan_summary {}`, `attention {"limit":15}`}},
		{"anything failing?", []string{`search_jobs {"status":"ERROR"}`}},
		{"kill -9 PAY_LOAD", []string{`propose_action {"action":"kill","job":"PAY_LOAD"}`}},
		{"tail -50 PAY_LOAD", []string{`job_log {"job":"PAY_LOAD","tail":50}`}},
		{"hold on, which jobs failed?", []string{`search_jobs {"status":"ERROR"}`}},
		{"stop. what is running?", []string{`search_jobs {"status":"RUNNING"}`}},
		{"wait, rerun PAY_LOAD", []string{`propose_action {"action":"rerun","job":"PAY_LOAD"}`}},
		{"ok. rerun it", nil},
		{`status of "REPORT"`, []string{`get_job {"job":"REPORT"}`}},
		{`rerun 'hold'`, []string{`propose_action {"action":"rerun","job":"HOLD"}`}},
		{"status and log of PAY_LOAD", []string{`get_job {"job":"PAY_LOAD"}`, `job_log {"job":"PAY_LOAD"}`}},
		{"dependencies, successors and impact of PAY_LOAD", []string{`job_dependencies {"direction":"predecessors","job":"PAY_LOAD"}`, `job_dependencies {"direction":"successors","job":"PAY_LOAD"}`, `job_impact {"job":"PAY_LOAD"}`}},
		{"why did PAY_LOAD fail, and what does it affect?", []string{`get_job {"job":"PAY_LOAD"}`, `job_log {"job":"PAY_LOAD","tail":50}`, `job_impact {"job":"PAY_LOAD"}`}},
		{"log of PAY_LOAD and GL_CLOSE", []string{`job_log {"job":"PAY_LOAD"}`, `job_log {"job":"GL_CLOSE"}`}},
	}
	for _, tt := range tests {
		got, text, _ := turnOf(t, specs(), userText(tt.q))
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%q:\n got %v (text %.80q)\nwant %v", tt.q, got, text, tt.want)
		}
	}
}

// The tool names the model calls are the agent's catalogue, and it knows
// every tool of the catalogue.
func TestToolNamesMatchTheCatalogue(t *testing.T) {
	catalogue := map[string]bool{}
	for _, s := range agent.Specs() {
		catalogue[s.Name] = true
	}
	known := map[string]bool{}
	for _, name := range []string{toolPlanSummary, toolSearchJobs, toolGetJob, toolJobLog, toolListJobStreams,
		toolListWorkstations, toolCriticalJobs, toolJobDependencies, toolJobImpact, toolProposeAction} {
		known[name] = true
		if !catalogue[name] {
			t.Errorf("the model calls %s, which is not in shared/app/agent's catalogue", name)
		}
	}
	for _, name := range []string{toolWhyWaiting, toolSearchRunbooks, toolCountJobs, toolAttention, toolResolveName, toolShiftHandover,
		toolListResources, toolGetResource, toolListPrompts, toolReplyPrompt} {
		known[name] = true // newer tools, used when offered
	}
	for name := range catalogue {
		if !known[name] {
			t.Errorf("the catalogue has %s, which the offline model does not know: teach it", name)
		}
	}
}
