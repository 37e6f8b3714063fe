package offline

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/llm"
)

type step struct {
	q    string
	uses []string // the turn's tool uses, "name {input}"
	want []string // substrings of the answer
}

func runSteps(t *testing.T, c *conversation, steps []step) {
	t.Helper()
	for _, s := range steps {
		uses, text := c.ask(s.q)
		if strings.Join(uses, "|") != strings.Join(s.uses, "|") {
			t.Errorf("%q: tool uses\n got %v\nwant %v\n(answer %q)", s.q, uses, s.uses, text)
		}
		for _, w := range s.want {
			if !strings.Contains(text, w) {
				t.Errorf("%q: answer lacks %q:\n%s", s.q, w, text)
			}
		}
	}
}

func TestFollowUps(t *testing.T) {
	id := payLoad.ID
	tests := []struct {
		name  string
		steps []step
	}{
		{"it is the job asked about", []step{
			{"status of PAY_LOAD", []string{`get_job {"job":"PAY_LOAD"}`}, []string{"PAYROLL.PAY_LOAD (id " + id + ") on FTA2 is ERROR (ABEND)", "return code 12"}},
			{"and its log?", []string{`job_log {"job":"` + id + `"}`}, []string{"line 5: "}},
			{"what about its dependencies", []string{`job_dependencies {"direction":"predecessors","job":"` + id + `"}`}, []string{"no predecessors"}},
			{"what breaks if it fails?", []string{`job_impact {"job":"` + id + `"}`}, []string{"1 successor is affected, 1 of them critical", "PAY_SEND"}},
			{"rerun it", []string{`propose_action {"action":"rerun","job":"` + id + `"}`}, []string{"proposed to rerun PAYROLL.PAY_LOAD", "prop-42"}},
			{"hold that job", []string{`propose_action {"action":"hold","job":"` + id + `"}`}, []string{"proposed to hold"}},
		}},
		{"the same question about another job", []step{
			{"log of PAY_LOAD", []string{`job_log {"job":"PAY_LOAD"}`}, []string{"Log of PAY_LOAD (id " + id + ")"}},
			{"and GL_CLOSE?", []string{`job_log {"job":"GL_CLOSE"}`}, []string{"Log of GL_CLOSE (id " + glClose.ID + ")"}},
			{"what about pay send", nil, []string{"fixed set of questions"}}, // lower-case words never seen are not names
			{"what about PAY_SEND", []string{`job_log {"job":"PAY_SEND"}`}, nil},
			{"status of GL_CLOSE", []string{`get_job {"job":"` + glClose.ID + `"}`}, []string{"GL_01.GL_CLOSE (id " + glClose.ID + ") on MDM is ERROR (ABEND)"}},
			{"and its log", []string{`job_log {"job":"` + glClose.ID + `"}`}, []string{"Log of GL_01.GL_CLOSE (id " + glClose.ID + ") on MDM"}},
		}},
		{"the same list with another filter", []step{
			{"failed jobs", []string{`search_jobs {"status":"ERROR"}`}, []string{"3 jobs are in error"}},
			{"and in stream PAYROLL?", []string{`search_jobs {"status":"ERROR","stream":"PAYROLL"}`}, []string{"1 job is in error in stream PAYROLL"}},
			{"and on MDM?", []string{`search_jobs {"status":"ERROR","workstation":"MDM"}`}, []string{"GL_CLOSE"}},
			{"summary", []string{`plan_summary {}`, `attention {"limit":15}`}, nil},
			{"and on FTA2?", []string{`search_jobs {"workstation":"FTA2"}`}, []string{"2 jobs on workstation FTA2"}},
			{"critical jobs", []string{`critical_jobs {}`}, nil},
			{"and in stream GL_01?", []string{`critical_jobs {}`}, []string{"There are no critical jobs in stream GL_01."}},
		}},
		{"names from earlier results, loosely typed", []step{
			{"which jobs abended?", []string{`search_jobs {"internalStatus":"ABEND"}`}, []string{"2 jobs are abended", "PAY_LOAD", "GL_CLOSE"}},
			{"rerun it", nil, []string{"Which job do you mean?", "PAYROLL.PAY_LOAD", "GL_01.GL_CLOSE"}},
			{"rerun pay load", []string{`propose_action {"action":"rerun","job":"` + id + `"}`}, []string{"proposed to rerun PAYROLL.PAY_LOAD"}},
			{"log of gl-close", []string{`job_log {"job":"` + glClose.ID + `"}`}, []string{"GL_01.GL_CLOSE"}},
			{"why did gl close fail", []string{`get_job {"job":"` + glClose.ID + `"}`, `job_log {"job":"` + glClose.ID + `","tail":50}`}, []string{"GL_01.GL_CLOSE"}},
			{"status of PAYROLL pay_load", []string{`get_job {"job":"` + id + `"}`}, nil},
			{"jobs on fta2", []string{`search_jobs {"workstation":"FTA2"}`}, []string{"2 jobs on workstation FTA2"}},
		}},
		{"ordinals pick from the list last shown", []step{
			{"which jobs abended?", []string{`search_jobs {"internalStatus":"ABEND"}`}, nil},
			{"rerun it", nil, []string{"Which job do you mean?", "the first one"}},
			{"the second one", []string{`propose_action {"action":"rerun","job":"` + glClose.ID + `"}`}, []string{"proposed to rerun GL_01.GL_CLOSE"}},
			{"failed jobs", []string{`search_jobs {"status":"ERROR"}`}, nil},
			{"log of the last one", []string{`job_log {"job":"` + invLoad.ID + `"}`}, nil},
			{"failed jobs", []string{`search_jobs {"status":"ERROR"}`}, nil},
			{"why did the first job fail?", []string{`get_job {"job":"` + id + `"}`, `job_log {"job":"` + id + `","tail":50}`}, nil},
			{"what depends on PAY_LOAD?", []string{`job_dependencies {"direction":"successors","job":"` + id + `"}`}, nil},
			{"hold the first one", []string{`propose_action {"action":"hold","job":"` + paySend.ID + `"}`}, nil},
		}},
		{"a list of one is it", []step{
			{"which jobs abended in stream GL_01", []string{`search_jobs {"internalStatus":"ABEND","stream":"GL_01"}`}, []string{"1 job is abended in stream GL_01", glClose.ID}},
			{"rerun it", []string{`propose_action {"action":"rerun","job":"` + glClose.ID + `"}`}, nil},
		}},
		{"waiting and blockers", []step{
			{"why is PAY_SEND waiting?", []string{`get_job {"job":"PAY_SEND"}`}, []string{"Why it waits: waiting for a predecessor to complete", "job PAYROLL.PAY_LOAD (id " + id + ")", "not satisfied"}},
			{"log of the blocker", []string{`job_log {"job":"` + payLoad.ID + `"}`}, nil},
			{"why is PAY_SEND waiting?", []string{`get_job {"job":"` + paySend.ID + `"}`}, nil},
			{"release it", []string{`propose_action {"action":"release","job":"` + paySend.ID + `"}`}, []string{"proposed to release"}},
			{"rerun the root cause", []string{`propose_action {"action":"rerun","job":"` + payLoad.ID + `"}`}, []string{"proposed to rerun PAYROLL.PAY_LOAD"}},
		}},
		{"confirming is the user's", []step{
			{"rerun PAY_LOAD", []string{`propose_action {"action":"rerun","job":"PAY_LOAD"}`}, []string{"prop-42"}},
			{"yes, go ahead", nil, []string{"I cannot execute proposal prop-42 (rerun PAYROLL.PAY_LOAD) myself", "justification"}},
			{"confirm it", nil, []string{"I cannot execute proposal prop-42"}},
			{"cancel it", nil, []string{"To drop proposal prop-42", "cancel job NAME"}},
			{"confirm it succ", []string{`propose_action {"action":"confirm-succ","job":"` + id + `"}`}, []string{"proposed to confirm as successful"}},
			{"cancel the proposal", nil, []string{"To drop proposal prop-42"}},
			{"cancel job PAY_LOAD", []string{`propose_action {"action":"cancel","job":"` + id + `"}`}, []string{"proposed to cancel PAYROLL.PAY_LOAD"}},
		}},
		{"unknown job", []step{
			{"status of NOPE_JOB", []string{`get_job {"job":"NOPE_JOB"}`}, []string{`could not find job "NOPE_JOB"`}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runSteps(t, &conversation{t: t, tools: specs()}, tt.steps)
		})
	}
}

func TestKnowledgeTools(t *testing.T) {
	knowledge := append(specs(), whyWaitingSpec, runbookSpec)
	runSteps(t, &conversation{t: t, tools: knowledge}, []step{
		{"why is PAY_SEND waiting?", []string{`why_waiting {"job":"PAY_SEND"}`}, []string{
			"PAYROLL.PAY_SEND (id " + paySend.ID + ") on FTA2 is waiting: waiting for a predecessor to complete.\nRoot causes upstream (1):\n- PAYROLL.PAY_LOAD (id " + payLoad.ID + ") on FTA2 is abended (return code 12)",
			"(Source: hwa: the knowledge graph is not configured.)"}},
		{"rerun the root cause", []string{`propose_action {"action":"rerun","job":"` + payLoad.ID + `"}`}, []string{"proposed to rerun PAYROLL.PAY_LOAD"}},
		{"what to do when PAY_LOAD abends?", []string{`search_runbooks {"query":"what to do when PAY_LOAD abends?"}`}, []string{"From the runbooks:\n- payroll.md § PAY_LOAD abends: Check the database password."}},
	})
	// Without a knowledge graph the same questions are answered from the plan.
	runSteps(t, &conversation{t: t, tools: knowledge, exec: fakeTools{noKnowledge: true}}, []step{
		{"why is PAY_SEND waiting?", []string{`why_waiting {"job":"PAY_SEND"}`, `get_job {"job":"PAY_SEND"}`}, []string{
			"why_waiting is unavailable right now", "Why it waits: waiting for a predecessor to complete.", "job PAYROLL.PAY_LOAD (id " + payLoad.ID + ")"}},
		{"what to do when PAY_LOAD abends?", []string{`search_runbooks {"query":"what to do when PAY_LOAD abends?"}`, `get_job {"job":"` + payLoad.ID + `"}`, `job_log {"job":"` + payLoad.ID + `","tail":50}`}, []string{
			"search_runbooks is unavailable right now: the runbook search is unavailable", "is ERROR (ABEND)", "line 5: "}},
		{"how do I restart an agent?", []string{`search_runbooks {"query":"how do I restart an agent?"}`}, []string{"search_runbooks is unavailable right now"}},
	})
}

func TestAmbiguousName(t *testing.T) {
	twin := payLoad
	twin.ID, twin.Stream = "11111111-0000-4000-8000-000000000009", "PAYROLL_B"
	exec := fakeTools{jobs: append(append([]planview.JobView{}, plan...), twin)}
	runSteps(t, &conversation{t: t, tools: specs(), exec: exec}, []step{
		{"status of PAY_LOAD", []string{`get_job {"job":"PAY_LOAD"}`}, []string{`"PAY_LOAD" matches 2 jobs; which one do you mean?`, "PAYROLL.PAY_LOAD (id " + payLoad.ID, "PAYROLL_B.PAY_LOAD (id " + twin.ID}},
		{"rerun it", nil, []string{"Which job do you mean?", "PAYROLL_B.PAY_LOAD"}},
		{"rerun PAYROLL_B.PAY_LOAD", []string{`propose_action {"action":"rerun","job":"` + twin.ID + `"}`}, []string{"proposed to rerun PAYROLL_B.PAY_LOAD"}},
	})
}

func TestAnswersFromResults(t *testing.T) {
	tests := []struct {
		q    string
		want []string
		not  []string
	}{
		{"which jobs abended?", []string{"2 jobs are abended:", "- PAYROLL.PAY_LOAD (id " + payLoad.ID + ") on FTA2, ERROR (ABEND), return code 12", "- GL_01.GL_CLOSE (id " + glClose.ID + ") on MDM, ERROR (ABEND), return code 8"}, []string{"INV_LOAD"}},
		{"summary", []string{"Plan summary as of 2026-11-26 03:00 UTC: 4 jobs: 3 ERROR, 1 WAITING.", "3 things need your attention, most urgent first:", "1. PAYROLL.PAY_LOAD (id " + payLoad.ID + ")", "GL_01.GL_CLOSE", "INV_01.INV_LOAD"}, []string{"HWA could not be reached", "Abended jobs (2):"}},
		{"log of PAY_LOAD", []string{"Log of PAY_LOAD (id " + payLoad.ID + "), run run-0001: the last 10 lines; the lines that matter:",
			"line 5: 2026-11-26 00:59:00 ERROR PAY_LOAD: ORA-01017: invalid username/password; logon denied", "line 6: ", "line 8: = Exit Status           : 12", "(Line numbers are lines 1-10 of the tail.)"},
			[]string{"line 2: ", "line 3: "}},
		{"what depends on PAY_LOAD", []string{"PAY_LOAD (id " + payLoad.ID + ") has 1 successor (what waits for it):\n- PAYROLL.PAY_SEND (id " + paySend.ID + ") on FTA2, critical"}, nil},
		{"what does PAY_SEND depend on", []string{"has 1 predecessor (what it waits for):\n- PAYROLL.PAY_LOAD"}, nil},
		{"successors of GL_CLOSE", []string{"Nothing depends on GL_CLOSE (id " + glClose.ID + "): it has no successors in the plan."}, nil},
		{"impact of GL_CLOSE", []string{"nothing else is affected"}, nil},
		{"status and log of PAY_LOAD", []string{"PAYROLL.PAY_LOAD (id " + payLoad.ID + ") on FTA2 is ERROR (ABEND)", "\n\nLog of PAYROLL.PAY_LOAD (id " + payLoad.ID + ") on FTA2", "line 5: "}, nil},
		{"rerun PAY_LOAD", []string{"I have proposed to rerun PAYROLL.PAY_LOAD (id " + payLoad.ID + ") on FTA2 (proposal prop-42, expires 2026-11-26 03:10:00 UTC). Nothing has been executed", "Impact: 1 successor is affected, 1 of them critical:\n- PAY_SEND (id " + paySend.ID + ")"}, []string{"executed.", "has been rerun"}},
		{"confirm GL_CLOSE abend", []string{"proposed to confirm as abended GL_01.GL_CLOSE", "no successors are affected"}, nil},
		{"unlinked workstations", []string{"1 workstation is unlinked:\n- FTA9 (id w-9, FTA), unlinked, not running"}, nil},
		{"list workstations", []string{"The plan has 2 workstations, 1 unlinked:", "- FTA2 (id w-2, FTA), linked, running"}, nil},
		{"late streams", []string{"1 job stream is late:\n- PAYROLL (id s-1) on FTA2, ERROR (ABEND), deadline 2026-11-26 02:00 UTC, 1 of 2 jobs in error"}, nil},
		{"is stream GL_01 late?", []string{"Job stream GL_01 is not late."}, nil},
		{"is stream PAYROLL late?", []string{"Job stream PAYROLL is late.\nJob stream PAYROLL (id s-1) on FTA2 is ERROR (ABEND) and late."}, nil},
		{"critical jobs", []string{"1 critical job, 1 at risk:\n- PAYROLL.PAY_SEND (id " + paySend.ID + ") on FTA2, WAITING (HOLD), critical, late, AT RISK: its predecessor abended"}, nil},
		{"late jobs in stream PAYROLL", []string{"1 job is late in stream PAYROLL:\n- PAYROLL.PAY_SEND (id " + paySend.ID + ") on FTA2, WAITING (HOLD), critical, late, deadline 2026-11-26 02:30 UTC"}, []string{"PAY_LOAD"}},
		{"late jobs on MDM", []string{"No job is late on workstation MDM (1 job checked)."}, nil},
		{"status of stream PAYROLL", []string{"Job stream PAYROLL (id s-1) on FTA2 is ERROR (ABEND) and late. Deadline: 2026-11-26 02:00 UTC. Jobs: 2 — 0 successful, 0 running, 1 abended, 0 failed, 0 not started."}, nil},
		{"status of stream NOPE", []string{"Job stream NOPE is not in the plan (2 job streams)."}, nil},
		{"is workstation FTA9 linked?", []string{"Workstation FTA9 (id w-9, FTA) is unlinked and not running."}, nil},
		{"status of workstation FTA2", []string{"Workstation FTA2 (id w-2, FTA) is linked and running."}, nil},
		{"critical jobs on MDM", []string{"There are no critical jobs on workstation MDM."}, nil},
	}
	for _, tt := range tests {
		c := &conversation{t: t, tools: specs()}
		_, text := c.ask(tt.q)
		for _, w := range tt.want {
			if !strings.Contains(text, w) {
				t.Errorf("%q: answer lacks %q:\n%s", tt.q, w, text)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(text, w) {
				t.Errorf("%q: answer has %q:\n%s", tt.q, w, text)
			}
		}
	}
}

func TestStaleDataIsSaid(t *testing.T) {
	for _, q := range []string{"summary", "which jobs abended?", "status of PAY_LOAD", "log of PAY_LOAD"} {
		c := &conversation{t: t, tools: specs(), exec: fakeTools{stale: true}}
		_, text := c.ask(q)
		if !strings.Contains(text, "HWA could not be reached, so this is the last known data (as of 2026-11-26 03:00 UTC)") {
			t.Errorf("%q: stale answer does not say so:\n%s", q, text)
		}
	}
}

// answerTo runs the answer turn for one tool use and its result.
func answerTo(t *testing.T, question string, use llm.ToolUse, content string, isError bool) string {
	t.Helper()
	msgs := []llm.Message{
		userText(question),
		{Role: llm.Assistant, Content: []llm.Block{{ToolUse: &use}}},
		{Role: llm.User, Content: []llm.Block{{ToolResult: &llm.ToolResult{ToolUseID: use.ID, Content: content, IsError: isError}}}},
	}
	uses, text, _ := turnOf(t, specs(), msgs...)
	if len(uses) != 0 {
		t.Errorf("%q: the answer turn made tool uses %v", question, uses)
	}
	return text
}

func TestAnswersToErrorsAndOddResults(t *testing.T) {
	use := func(name, input string) llm.ToolUse {
		return llm.ToolUse{ID: "tu1", Name: name, Input: json.RawMessage(input)}
	}
	tests := []struct {
		name    string
		use     llm.ToolUse
		content string
		isError bool
		want    []string
	}{
		{"not found", use(toolGetJob, `{"job":"NOPE"}`), `{"error":"no job \"NOPE\" in the plan","code":"not_found"}`, true, []string{`could not find job "NOPE"`, `jobs in stream NOPE`}},
		{"refused", use(toolProposeAction, `{"action":"rerun","job":"X"}`), `{"error":"the analyst agent may not use the tool \"propose_action\"","code":"refused"}`, true, []string{"The propose_action tool was refused: the analyst agent may not use"}},
		{"unavailable", use(toolPlanSummary, `{}`), `{"error":"HWA is unavailable","code":"unavailable"}`, true, []string{"plan_summary is unavailable right now: HWA is unavailable."}},
		{"not JSON", use(toolGetJob, `{"job":"X"}`), `boom`, true, []string{"The get_job tool failed: boom."}},
		{"cut", use(toolSearchJobs, `{}`), `{"resultTruncated":"output cut to 16384 bytes","partial":"{\"items\":[{\"id\""}`, false, []string{"too large and was cut (output cut to 16384 bytes)"}},
		{"list cut", use(toolSearchJobs, `{"status":"ERROR"}`), `{"items":[],"total":0,"resultTruncated":"items shows 0 of 3 entries"}`, false, []string{"No jobs are in error.", "The result was cut to size: items shows 0 of 3 entries"}},
		{"garbage", use(toolGetJob, `{"job":"X"}`), `[1,2]`, false, []string{"I could not read the get_job result: [1,2]"}},
		{"unknown tool", use("list_calendars", `{}`), `{"items":["WORKDAYS"]}`, false, []string{"The list_calendars tool returned:", "WORKDAYS"}},
		{"long runners", use(toolSearchJobs, `{"status":"RUNNING","limit":500}`), mustJSON(t, map[string]any{"total": 2, "asOf": t0, "items": []any{
			map[string]any{"id": "r1", "name": "SLOW", "stream": "S", "workstation": "W", "status": "RUNNING", "estimatedSeconds": 600, "lastRun": map[string]any{"id": "x", "start": t0.Add(-time.Hour)}},
			map[string]any{"id": "r2", "name": "FINE", "stream": "S", "workstation": "W", "status": "RUNNING", "estimatedSeconds": 600, "lastRun": map[string]any{"id": "y", "start": t0.Add(-5 * time.Minute)}},
		}}), false, []string{"1 job is running longer than estimated, as of 2026-11-26 03:00 UTC:\n- S.SLOW (id r1) on W, running for 1h0m0s against an estimate of 10m0s (6.0 times)"}},
		{"more than a page", use(toolSearchJobs, `{"status":"WAITING"}`), mustJSON(t, map[string]any{"items": []any{paySend}, "total": 40}), false, []string{"40 jobs are waiting:", "Showing the first 1 of 40"}},
		{"runbooks", use(toolSearchRunbooks, `{"query":"PAY_LOAD abends"}`), `{"results":[{"document":"payroll.md","section":"When PAY_LOAD abends","text":"Check the   database password, then rerun."}]}`, false, []string{"From the runbooks:\n- payroll.md § When PAY_LOAD abends: Check the database password, then rerun."}},
		{"no runbook hits", use(toolSearchRunbooks, `{"query":"x"}`), `{"results":[]}`, false, []string{"The runbooks have nothing on that."}},
		{"short log quoted whole", use(toolJobLog, `{"job":"X"}`), `{"jobId":"x1","runId":"r1","lines":2,"text":"hello\nworld\n"}`, false, []string{"line 1: hello", "line 2: world", "X (id x1)"}},
		{"quiet log", use(toolJobLog, `{"job":"X"}`), mustJSON(t, map[string]any{"jobId": "x1", "runId": "r1", "text": strings.Repeat("all good\n", 20)}), false, []string{"nothing looks like an error", "line 16: all good", "line 20: all good"}},
	}
	for _, tt := range tests {
		q := "question"
		if tt.use.Name == toolSearchJobs && strings.Contains(string(tt.use.Input), "RUNNING") {
			q = "which jobs are running long?" // the answer depends on the question
		}
		text := answerTo(t, q, tt.use, tt.content, tt.isError)
		for _, w := range tt.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: answer lacks %q:\n%s", tt.name, w, text)
			}
		}
	}
}

// The same request gives the same response, events included.
func TestDeterministic(t *testing.T) {
	c := &conversation{t: t, tools: specs()}
	c.ask("which jobs abended?")
	c.ask("log of PAY_LOAD")
	reqs := []llm.Request{
		{Tools: specs(), Messages: []llm.Message{userText("why did PAY_LOAD fail?")}},
		{Tools: specs(), Messages: c.msgs[:len(c.msgs)-1]}, // the answer turn of the log
		{Tools: specs(), Messages: append(c.msgs, userText("rerun it"))},
		{Tools: analyst(), Messages: []llm.Message{userText("hello")}},
	}
	for i, req := range reqs {
		var runs [2]struct {
			resp   llm.Response
			events []llm.Event
		}
		for k := range runs {
			resp, err := New().Stream(context.Background(), req, func(e llm.Event) error {
				runs[k].events = append(runs[k].events, e)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			runs[k].resp = resp
		}
		if !reflect.DeepEqual(runs[0], runs[1]) {
			t.Errorf("request %d: two calls differ:\n%+v\n%+v", i, runs[0], runs[1])
		}
	}
}

func TestStreamsTextInSmallDeltas(t *testing.T) {
	c := &conversation{t: t, tools: specs()}
	c.ask("summary")
	req := llm.Request{Tools: specs(), Messages: c.msgs[:len(c.msgs)-1]}
	var deltas []string
	resp, err := New().Stream(context.Background(), req, func(e llm.Event) error {
		if e.ToolUse != nil {
			t.Errorf("tool use in an answer turn: %+v", e.ToolUse)
		}
		deltas = append(deltas, e.TextDelta)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(deltas) < 10 {
		t.Errorf("got %d deltas, want the answer in many small pieces", len(deltas))
	}
	for _, d := range deltas {
		if n := len(strings.Fields(d)); n > wordsPerDelta || n == 0 {
			t.Errorf("delta %q has %d words, want 1 to %d", d, n, wordsPerDelta)
		}
	}
	if got := strings.Join(deltas, ""); got != resp.Message.Text() {
		t.Errorf("deltas concatenate to %q, want %q", got, resp.Message.Text())
	}
	if resp.Model != ModelID || resp.StopReason != llm.StopEndTurn {
		t.Errorf("model %q stop %q, want %q end_turn", resp.Model, resp.StopReason, ModelID)
	}
}

func TestChunks(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"one", []string{"one"}},
		{"a b c d e", []string{"a b c ", "d e"}},
		{"  lead  and\n\ntrail  ", []string{"  lead  and\n\ntrail  "}},
		{"a b c\n- d e f\n- g", []string{"a b c\n", "- d e ", "f\n- g"}},
	}
	for _, tt := range tests {
		if got := chunks(tt.in, 3); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("chunks(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestUsageCountsWords(t *testing.T) {
	req := llm.Request{System: "You help operators.", Messages: []llm.Message{userText("which jobs abended?")},
		Tools: []llm.ToolSpec{{Name: "search_jobs", Description: "Search jobs.", Schema: json.RawMessage(`{"type":"object"}`)}}}
	resp, err := New().Stream(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	// system 3 + question 3 + tool name 2, description 2, schema 2.
	if got, want := resp.Usage.InputTokens, 12; got != want {
		t.Errorf("input words: got %d, want %d", got, want)
	}
	// search_jobs {"internalStatus":"ABEND"}: 2 + 2.
	if got, want := resp.Usage.OutputTokens, 4; got != want {
		t.Errorf("output words: got %d, want %d", got, want)
	}
	if got, want := countWords("PAY_LOAD rc=12, ok"), 5; got != want {
		t.Errorf("countWords: got %d, want %d", got, want)
	}
}

func TestStreamStopsOnContextAndEmitErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := llm.Request{Tools: specs(), Messages: []llm.Message{userText("summary")}}
	if _, err := New().Stream(ctx, req, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: got %v, want context.Canceled", err)
	}
	gone := errors.New("gone")
	if _, err := New().Stream(context.Background(), req, func(llm.Event) error { return gone }); !errors.Is(err, gone) {
		t.Errorf("failing emit on a tool use: got %v, want it wrapped", err)
	}
	text := llm.Request{Tools: specs(), Messages: []llm.Message{userText("hello")}}
	calls := 0
	_, err := New().Stream(context.Background(), text, func(llm.Event) error {
		calls++
		if calls == 2 {
			return gone
		}
		return nil
	})
	if !errors.Is(err, gone) || calls != 2 {
		t.Errorf("failing emit on text: got %v after %d calls, want it wrapped after 2", err, calls)
	}
}

// Tool-use ids are unique within a conversation, so results match.
func TestToolUseIDsAreUnique(t *testing.T) {
	c := &conversation{t: t, tools: specs()}
	c.ask("why did PAY_LOAD fail?")
	c.ask("why did GL_CLOSE fail?")
	seen := map[string]bool{}
	for _, m := range c.msgs {
		for _, u := range m.ToolUses() {
			if seen[u.ID] {
				t.Errorf("tool-use id %s used twice", u.ID)
			}
			seen[u.ID] = true
		}
	}
	if len(seen) != 4 {
		t.Errorf("got %d tool uses, want 4", len(seen))
	}
}
