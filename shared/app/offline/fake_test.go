package offline

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/shared/app/agent"
	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/domain/llm"
	"github.com/resync/resync/shared/domain/workload"
)

var t0 = time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)

// Canned jobs of a small plan.
var (
	payLoad = planview.JobView{ID: "11111111-0000-4000-8000-000000000001", Name: "PAY_LOAD", Stream: "PAYROLL", Workstation: "FTA2",
		Status: workload.CommonError, InternalStatus: workload.InternalAbend,
		LastRun: &planview.RunView{ID: "run-0001", Number: 7, Status: workload.CommonError, InternalStatus: workload.InternalAbend,
			ReturnCode: 12, Start: t0.Add(-2 * time.Hour), End: t0.Add(-2*time.Hour + 4*time.Minute), ElapsedSeconds: 240}}
	paySend = planview.JobView{ID: "11111111-0000-4000-8000-000000000002", Name: "PAY_SEND", Stream: "PAYROLL", Workstation: "FTA2",
		Status: workload.CommonWaiting, InternalStatus: workload.InternalHold, Substatus: workload.SubHoldWaitingForPredecessor, Critical: true,
		Late: true, Deadline: t0.Add(-30 * time.Minute)}
	glClose = planview.JobView{ID: "11111111-0000-4000-8000-000000000003", Name: "GL_CLOSE", Stream: "GL_01", Workstation: "MDM",
		Status: workload.CommonError, InternalStatus: workload.InternalAbend,
		LastRun: &planview.RunView{ID: "run-0003", ReturnCode: 8, Start: t0.Add(-time.Hour), End: t0.Add(-50 * time.Minute), ElapsedSeconds: 600}}
	invLoad = planview.JobView{ID: "11111111-0000-4000-8000-000000000004", Name: "INV_LOAD", Stream: "INV_01", Workstation: "AGT1",
		Status: workload.CommonError, InternalStatus: workload.InternalFail}
	plan = []planview.JobView{payLoad, paySend, glClose, invLoad}
)

func ref(j planview.JobView) workload.JobRef {
	return workload.JobRef{ID: j.ID, Name: j.Name, Stream: j.Stream, Workstation: j.Workstation, Common: j.Status, Internal: j.InternalStatus}
}

func node(j planview.JobView) agent.Node {
	return agent.Node{ID: j.ID, Name: j.Name, Kind: "job", Stream: j.Stream, Workstation: j.Workstation, Critical: j.Critical}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fakeTools answers the catalogue's tools from the canned plan, the way
// shared/app/agent's tools do (names resolve to jobs, several matches are
// ambiguous). stale marks every answer stale.
type fakeTools struct {
	stale bool
	jobs  []planview.JobView // nil: plan
	// noKnowledge makes why_waiting and search_runbooks unavailable, as
	// without a knowledge graph.
	noKnowledge bool
}

func (f fakeTools) plan() []planview.JobView {
	if f.jobs != nil {
		return f.jobs
	}
	return plan
}

func (f fakeTools) meta() planview.Meta { return planview.Meta{AsOf: t0, Stale: f.stale} }

func errorJSON(t testing.TB, code, msg string, cands ...planview.JobView) (string, bool) {
	e := agent.ErrorResult{Error: msg, Code: code}
	for _, c := range cands {
		e.Candidates = append(e.Candidates, agent.Candidate{ID: c.ID, Name: c.Name, Stream: c.Stream, Workstation: c.Workstation, Status: string(c.Status), InternalStatus: string(c.InternalStatus)})
	}
	return mustJSON(t, e), true
}

// find resolves a job field: id, NAME, STREAM.NAME or WS#STREAM.NAME.
func (f fakeTools) find(ref string) []planview.JobView {
	ws, stream, name := splitRef(ref)
	var out []planview.JobView
	for _, j := range f.plan() {
		if j.ID == ref {
			return []planview.JobView{j}
		}
		if strings.EqualFold(j.Name, name) && (stream == "" || strings.EqualFold(j.Stream, stream)) && (ws == "" || strings.EqualFold(j.Workstation, ws)) {
			out = append(out, j)
		}
	}
	return out
}

// run executes one tool use: the result content and whether it is an error.
func (f fakeTools) run(t testing.TB, u llm.ToolUse) (string, bool) {
	t.Helper()
	var in map[string]any
	if err := json.Unmarshal(u.Input, &in); err != nil {
		t.Fatalf("%s input %s: %v", u.Name, u.Input, err)
	}
	s := func(k string) string { v, _ := in[k].(string); return v }
	var job planview.JobView
	if j := s("job"); j != "" {
		found := f.find(j)
		switch {
		case len(found) == 0:
			return errorJSON(t, "not_found", "no job "+j+" in the plan")
		case len(found) > 1:
			return errorJSON(t, "ambiguous", j+" matches several jobs", found...)
		}
		job = found[0]
	}
	switch u.Name {
	case toolPlanSummary:
		return mustJSON(t, planview.Summary{Stale: f.stale, Summary: workload.Summary{AsOf: t0, TotalJobs: 4,
			ByStatus:       map[workload.CommonStatus]int{workload.CommonError: 3, workload.CommonWaiting: 1},
			ByWorkstation:  map[string]int{"FTA2": 2, "MDM": 1, "AGT1": 1},
			Abended:        []workload.JobRef{ref(glClose), ref(payLoad)},
			Failed:         []workload.JobRef{ref(glClose), ref(invLoad), ref(payLoad)},
			LateStreams:    []workload.StreamRef{{ID: "s-1", Name: "PAYROLL", Workstation: "FTA2", Common: workload.CommonError, Deadline: t0.Add(-time.Hour)}},
			Unlinked:       []workload.WorkstationRef{{ID: "w-9", Name: "FTA9", Type: "FTA"}},
			CriticalAtRisk: []workload.JobRef{ref(paySend)},
		}}), false
	case toolAttention:
		l := planview.AttentionList{Items: []planview.AttentionItem{}, ByKind: map[string]int{}, Meta: f.meta()}
		for _, j := range f.plan() {
			if j.Status == workload.CommonError {
				l.Total++
				l.ByKind[planview.AttentionAbended]++
				l.Items = append(l.Items, planview.AttentionItem{Rank: l.Total, Kind: planview.AttentionAbended, Name: j.Name, ID: j.ID,
					Stream: j.Stream, Workstation: j.Workstation, Why: string(j.Status) + " (" + string(j.InternalStatus) + ")", Next: "read its log"})
			}
		}
		return mustJSON(t, l), false
	case toolCountJobs:
		c := planview.Counts{GroupBy: s("groupBy"), Groups: []planview.Group{}, Meta: f.meta()}
		n := map[string]int{}
		for _, j := range f.plan() {
			if (s("status") == "" || string(j.Status) == s("status")) && (s("internalStatus") == "" || string(j.InternalStatus) == s("internalStatus")) {
				c.Total++
				n[j.Workstation]++
			}
		}
		if c.GroupBy == "workstation" {
			for k, v := range n {
				c.Groups = append(c.Groups, planview.Group{Key: k, Count: v})
			}
			sort.Slice(c.Groups, func(a, b int) bool {
				return c.Groups[a].Count > c.Groups[b].Count || c.Groups[a].Count == c.Groups[b].Count && c.Groups[a].Key < c.Groups[b].Key
			})
			for _, g := range c.Groups {
				if g.Count == c.Groups[0].Count {
					c.Ties++
				}
			}
		}
		return mustJSON(t, c), false
	case toolSearchJobs:
		l := planview.JobList{Items: []planview.JobView{}, Limit: 50, Meta: f.meta()}
		for _, j := range f.plan() {
			if (s("status") == "" || string(j.Status) == s("status")) && (s("internalStatus") == "" || string(j.InternalStatus) == s("internalStatus")) &&
				(s("stream") == "" || j.Stream == s("stream")) && (s("workstation") == "" || j.Workstation == s("workstation")) {
				l.Items = append(l.Items, j)
			}
		}
		l.Total = int64(len(l.Items))
		return mustJSON(t, l), false
	case toolListWorkstations:
		l := planview.WorkstationList{Items: []planview.WorkstationView{{ID: "w-9", Name: "FTA9", Type: "FTA"}}, Meta: f.meta()}
		if unlinked, _ := in["unlinked"].(bool); !unlinked {
			l.Items = append(l.Items, planview.WorkstationView{ID: "w-2", Name: "FTA2", Type: "FTA", Linked: true, Running: true})
		}
		l.Total = len(l.Items)
		return mustJSON(t, l), false
	case toolListJobStreams:
		l := planview.StreamList{Items: []planview.StreamView{{ID: "s-1", Name: "PAYROLL", Workstation: "FTA2", Status: workload.CommonError,
			Internal: workload.StreamAbend, Late: true, Deadline: t0.Add(-time.Hour), Stats: workload.StreamStats{Jobs: 2, Abended: 1}}}, Meta: f.meta()}
		if late, _ := in["late"].(bool); !late {
			l.Items = append(l.Items, planview.StreamView{ID: "s-2", Name: "GL_01", Workstation: "MDM", Status: workload.CommonError, Internal: workload.StreamAbend})
		}
		l.Total = len(l.Items)
		return mustJSON(t, l), false
	case toolCriticalJobs:
		return mustJSON(t, planview.CriticalList{Items: []planview.CriticalJob{{JobView: paySend, AtRisk: true, Risk: "its predecessor abended"}}, AtRisk: 1, Meta: f.meta()}), false
	case toolGetJob:
		d := planview.JobDetail{Job: job, Dependencies: []planview.DependencyView{}, Meta: f.meta()}
		if job.LastRun != nil {
			d.Runs = []planview.RunView{*job.LastRun}
		}
		if job.ID == paySend.ID {
			dep := planview.DependencyView{Type: "INTERNAL", JobID: payLoad.ID, JobName: payLoad.Name, StreamName: payLoad.Stream, Workstation: payLoad.Workstation, PredecessorStatus: workload.InternalAbend}
			d.Dependencies = []planview.DependencyView{dep}
			d.Waiting = planview.Waiting{Waiting: true, Reason: "waiting for a predecessor to complete", Blockers: []planview.DependencyView{dep}}
		}
		return mustJSON(t, d), false
	case toolJobLog:
		return mustJSON(t, planview.Log{JobID: job.ID, RunID: "run-0001", Lines: 10, Text: logText, Meta: f.meta()}), false
	case toolJobDependencies:
		r := agent.DependenciesResult{Job: agent.JobRef{ID: job.ID, Name: job.Name}, Direction: s("direction"), Nodes: []agent.Node{}}
		if job.ID == payLoad.ID && s("direction") == "successors" {
			r.Nodes = []agent.Node{node(paySend)}
		}
		if job.ID == paySend.ID && s("direction") == "predecessors" {
			r.Nodes = []agent.Node{node(payLoad)}
		}
		return mustJSON(t, r), false
	case toolJobImpact:
		r := agent.ImpactResult{Job: agent.JobRef{ID: job.ID, Name: job.Name}, Successors: []agent.Node{}}
		if job.ID == payLoad.ID {
			r.Successors, r.Critical, r.Summary = []agent.Node{node(paySend)}, 1, "1 successor, 1 critical"
		}
		return mustJSON(t, r), false
	case toolWhyWaiting:
		if f.noKnowledge {
			return errorJSON(t, "unavailable", "why_waiting is not available here; get_job shows the job's unsatisfied dependencies")
		}
		w := map[string]any{"job": map[string]any{"id": job.ID, "name": job.Name, "stream": job.Stream, "workstation": job.Workstation, "status": job.Status},
			"source": "hwa", "note": "the knowledge graph is not configured", "waiting": job.ID == paySend.ID, "blockers": []any{}}
		if job.ID == paySend.ID {
			w["reason"] = "waiting for a predecessor to complete"
			w["blockers"] = []any{map[string]any{"root": map[string]any{"id": payLoad.ID, "name": payLoad.Name, "stream": payLoad.Stream, "workstation": payLoad.Workstation},
				"reason": "abended", "detail": "return code 12", "chain": []any{map[string]any{"id": payLoad.ID, "name": payLoad.Name}}, "critical": false}}
		}
		return mustJSON(t, w), false
	case toolSearchRunbooks:
		if f.noKnowledge {
			return errorJSON(t, "unavailable", "the runbook search is unavailable: no knowledge graph is configured here")
		}
		return `{"query":` + mustJSON(t, s("query")) + `,"results":[{"documentId":"d1","document":"payroll.md","section":"PAY_LOAD abends","text":"Check the database password.","score":0.9}]}`, false
	case toolProposeAction:
		p := agent.ProposalResult{ProposalID: "prop-42", Action: s("action"), ExpiresAt: t0.Add(10 * time.Minute),
			Targets: []agent.Target{{Kind: "job", ID: job.ID, Name: job.Name, Stream: job.Stream, Workstation: job.Workstation}}}
		p.Impact.Summary = "no successors"
		if job.ID == payLoad.ID {
			p.Impact.Successors = []frames.Target{{Kind: "job", ID: paySend.ID, Name: paySend.Name}}
			p.Impact.Critical = 1
		}
		return mustJSON(t, p), false
	}
	return errorJSON(t, "bad_input", "unknown tool "+u.Name)
}

const logText = `+ JOBINFO START
2026-11-26 00:56:00 INFO  PAY_LOAD: reading /data/in/pay.dat
2026-11-26 00:57:00 INFO  PAY_LOAD: loaded 1000 rows
2026-11-26 00:58:00 INFO  PAY_LOAD: loaded 2000 rows
2026-11-26 00:59:00 ERROR PAY_LOAD: ORA-01017: invalid username/password; logon denied
2026-11-26 00:59:00 ERROR PAY_LOAD: step failed, exiting with 12
===============================================================
= Exit Status           : 12
= Elapsed Time (hh:mm:ss) : 00:04:00
===============================================================
`

// conversation drives the model the way the agent's loop does, with the
// fake tools, and keeps the history.
type conversation struct {
	t     testing.TB
	tools []llm.ToolSpec
	exec  fakeTools
	msgs  []llm.Message
}

// ask sends text and returns the tool uses of the turn ("name {input}")
// and the final answer.
func (c *conversation) ask(text string) ([]string, string) {
	c.t.Helper()
	c.msgs = append(c.msgs, userText(text))
	var uses []string
	for i := 0; i < 4; i++ {
		resp, err := New().Stream(context.Background(), llm.Request{Tools: c.tools, Messages: c.msgs}, nil)
		if err != nil {
			c.t.Fatal(err)
		}
		c.msgs = append(c.msgs, resp.Message)
		if resp.StopReason != llm.StopToolUse {
			return uses, resp.Message.Text()
		}
		var results []llm.Block
		for _, u := range resp.Message.ToolUses() {
			uses = append(uses, u.Name+" "+string(u.Input))
			content, isErr := c.exec.run(c.t, u)
			results = append(results, llm.Block{ToolResult: &llm.ToolResult{ToolUseID: u.ID, Content: content, IsError: isErr}})
		}
		c.msgs = append(c.msgs, llm.Message{Role: llm.User, Content: results})
	}
	c.t.Fatalf("%q: the model did not finish in 4 calls", text)
	return nil, ""
}
