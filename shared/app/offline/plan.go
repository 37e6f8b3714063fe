package offline

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/llm"
)

// maxFollowUp bounds how far back a follow-up looks for the question it
// continues.
const maxFollowUp = 8

// question returns the question the user asked in message at, with a
// follow-up ("and its log?", "and in stream X?") completed from the
// earlier questions of the conversation.
func (t *turn) question(at int) question {
	q := parse(strings.TrimSpace(t.req.Messages[at].Text()), t.mem)
	if q.inherits && (q.kind == kindCount || q.explain) {
		// "how many?", "why did they fail?" after a list: that list's filters.
		if prev, ok := t.lastList(at); ok {
			q.filters, q.stream, q.workstation, q.win = prev.filters, prev.stream, prev.workstation, prev.win
			q.moreWS, q.moreStreams = prev.moreWS, prev.moreStreams
		}
		return q
	}
	if q.explicit && q.kind != kindJob {
		return q
	}
	prev, ok := t.previous(at)
	if !ok {
		return q
	}
	switch {
	case q.kind == kindJob && !q.explicit && prev.kind.jobKind() && prev.kind != kindAction:
		// "and BACKUP_EXTRACT3?" after "log of ABEND_J1": the same about another job.
		q.kind, q.explicit = prev.kind, true
		if q.tail == 0 {
			q.tail = prev.tail
		}
	case q.kind == kindHelp && !q.explicit && (q.stream != "" || q.workstation != "") && prev.kind.listKind():
		// "and in stream X?" after "which jobs failed?".
		q.kind, q.explicit = prev.kind, true
		q.filters, q.unlinked, q.limit, q.pattern, q.long, q.lateJobs = prev.filters, prev.unlinked, prev.limit, prev.pattern, prev.long, prev.lateJobs
		if q.kind == kindSummary || q.kind == kindStreams && q.stream == "" {
			q.kind = kindJobs // the summary has no filters: list the jobs there
		}
	case q.kind == kindHelp && !q.explicit && q.pronoun && prev.kind.jobKind() && (prev.kind != kindAction || t.askedWhich(at)):
		// "what about it?"; "the second one" answering "Which job do you mean?".
		q.kind, q.explicit = prev.kind, true
		q.action, q.verb, q.tail = prev.action, prev.verb, prev.tail
	}
	return q
}

// listResult reports whether m holds a tool result that is a list (of
// jobs, nodes, successors, targets or candidates), even of one.
func listResult(m llm.Message) bool {
	for _, b := range m.Content {
		if b.ToolResult == nil {
			continue
		}
		var o map[string]json.RawMessage
		if json.Unmarshal([]byte(b.ToolResult.Content), &o) != nil {
			continue
		}
		for _, k := range []string{"items", "nodes", "successors", "targets", "candidates"} {
			if _, ok := o[k]; ok {
				return true
			}
		}
	}
	return false
}

// lastList returns the last job list or count the conversation asked for
// before message at (follow-ups completed), skipping questions about one job
// or actions between.
func (t *turn) lastList(at int) (question, bool) {
	seen := 0
	for i := at - 1; i >= 0 && seen < maxFollowUp; i-- {
		m := t.req.Messages[i]
		if m.Role != llm.User || hasResults(m) || strings.TrimSpace(m.Text()) == "" {
			continue
		}
		seen++
		if q := t.question(i); (q.kind == kindJobs || q.kind == kindCount) && len(q.filters) > 0 {
			return q, true
		}
	}
	return question{}, false
}

// askedWhich reports whether the answer before message at asked which job
// the user meant.
func (t *turn) askedWhich(at int) bool {
	for i := at - 1; i >= 0; i-- {
		if m := t.req.Messages[i]; m.Role == llm.Assistant {
			return strings.HasPrefix(m.Text(), whichJob)
		}
	}
	return false
}

// whichJob starts the answer asking which job the user means.
const whichJob = "Which job do you mean?"

// previous returns the last question before message at that said what it
// asked for.
func (t *turn) previous(at int) (question, bool) {
	seen := 0
	for i := at - 1; i >= 0 && seen < maxFollowUp; i-- {
		m := t.req.Messages[i]
		if m.Role != llm.User || hasResults(m) || strings.TrimSpace(m.Text()) == "" {
			continue
		}
		seen++
		q := parse(strings.TrimSpace(m.Text()), t.mem)
		if q.explicit && q.kind != kindHelp && q.kind != kindGreeting {
			return q, true
		}
	}
	return question{}, false
}

// subject returns the jobs the conversation was last about, before message
// at: the jobs of the latest tool result, tool use or question naming any.
func (t *turn) subject(at int, listed bool) []jobRef {
	var single []jobRef // with listed: the one job found, if no list comes before it
	answerText := ""    // the answer after the tool results being looked at
	for i := at - 1; i >= 0; i-- {
		m := t.req.Messages[i]
		if m.Role == llm.Assistant && len(m.ToolUses()) == 0 {
			answerText = m.Text()
			continue
		}
		var refs []jobRef
		cutList := false
		for _, b := range m.Content {
			switch {
			case b.ToolResult != nil:
				refs = append(refs, t.mem.subjectsOf(b.ToolResult.Content, listed)...)
				cutList = cutList || strings.Contains(b.ToolResult.Content, `"resultTruncated"`)
			case b.ToolUse != nil:
				if j := inputString(b.ToolUse.Input, "job"); j != "" && !t.answered(b.ToolUse.ID, i) {
					refs = append(refs, t.ref(j))
				}
			}
		}
		if cutList && len(refs) > 1 {
			// The stored list was cut: the answer named all of it.
			if all := labelled(answerText); len(all) > len(refs) {
				refs = all
			}
		}
		if m.Role == llm.User && !hasResults(m) {
			for _, j := range parse(strings.TrimSpace(m.Text()), t.mem).jobs {
				refs = append(refs, t.ref(j))
			}
		}
		if refs = dedupe(refs); len(refs) > 0 {
			if !listed || len(refs) > 1 || listResult(m) {
				return refs
			}
			// "and the first?" after "why did the second one fail": the
			// ordinal picks from the last list, not from the one job since.
			if single == nil {
				single = refs
			}
		}
		answerText = ""
	}
	return single
}

// roots returns the jobs holding up the job last explained: the root causes
// of the latest why_waiting result, or the blocking predecessors of the
// latest get_job result of a waiting job.
func (t *turn) roots(at int) []jobRef {
	for i := at - 1; i >= 0; i-- {
		var refs []jobRef
		for _, b := range t.req.Messages[i].Content {
			if b.ToolResult == nil || b.ToolResult.IsError {
				continue
			}
			var why whyResult
			if json.Unmarshal([]byte(b.ToolResult.Content), &why) == nil && len(why.Blockers) > 0 {
				for _, x := range why.Blockers {
					refs = append(refs, jobRef{ID: x.Root.ID, Name: x.Root.Name, Stream: x.Root.Stream, Workstation: x.Root.Workstation})
				}
				continue
			}
			var d struct {
				Waiting planview.Waiting `json:"waiting"`
			}
			if json.Unmarshal([]byte(b.ToolResult.Content), &d) == nil {
				for _, x := range d.Waiting.Blockers {
					if x.JobID != "" {
						refs = append(refs, jobRef{ID: x.JobID, Name: x.JobName, Stream: x.StreamName, Workstation: x.Workstation})
					}
				}
			}
		}
		if refs = dedupe(refs); len(refs) > 0 {
			return refs
		}
	}
	return nil
}

// answered reports whether a tool use of message at has its result later.
func (t *turn) answered(id string, at int) bool {
	for _, m := range t.req.Messages[at+1:] {
		for _, b := range m.Content {
			if b.ToolResult != nil && b.ToolResult.ToolUseID == id {
				return true
			}
		}
	}
	return false
}

// ref is the job a reference designates, as far as the conversation knows.
func (t *turn) ref(s string) jobRef {
	if j, ok := t.mem.job(s); ok {
		return j
	}
	if uuidPattern.MatchString(s) {
		return jobRef{ID: s}
	}
	ws, stream, name := splitRef(s)
	return jobRef{Name: name, Stream: stream, Workstation: ws}
}

func dedupe(refs []jobRef) []jobRef {
	var out []jobRef
	seen := map[string]bool{}
	for _, r := range refs {
		k := r.ID
		if k == "" {
			k = r.Workstation + "#" + r.label()
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}

// input returns what a tool's job field should say for a job: its id when
// the conversation knows it, else the name qualified as the user did.
func input(j jobRef) string {
	switch {
	case j.ID != "":
		return j.ID
	case j.Workstation != "" && j.Stream != "":
		return j.Workstation + "#" + j.Stream + "." + j.Name
	case j.Stream != "":
		return j.Stream + "." + j.Name
	}
	return j.Name
}

// jobsOf returns the jobs the question is about, or a text asking which.
func (t *turn) jobsOf(q question, at int) ([]jobRef, string) {
	var refs []jobRef
	for _, s := range q.jobs {
		r := t.ref(s)
		if r.ID == "" && r.Stream == "" && q.stream != "" {
			r.Stream = q.stream
		}
		if r.ID == "" && r.Workstation == "" && r.Stream != "" && q.workstation != "" {
			r.Workstation = q.workstation
		}
		refs = append(refs, r)
	}
	if len(refs) > 0 {
		if len(refs) > maxToolUses {
			refs = refs[:maxToolUses]
		}
		return refs, ""
	}
	if q.root {
		refs = t.roots(at)
		switch {
		case len(refs) == 1:
			return refs, ""
		case len(refs) == 0:
			return nil, fmt.Sprintf("%s I have not found what holds a job up yet: ask \"why is JOB waiting?\" first, or name the job, for example %q.", whichJob, example(q, "PAYROLL.PAY_LOAD"))
		}
	} else {
		refs = t.subject(at, q.ordinal != 0)
	}
	switch {
	case q.ordinal > 0 && q.ordinal <= len(refs):
		return refs[q.ordinal-1 : q.ordinal], ""
	case q.ordinal < 0 && len(refs) > 0:
		return refs[len(refs)-1:], ""
	case len(refs) == 1:
		return refs, ""
	case len(refs) > 1:
		var names []string
		for _, r := range refs {
			names = append(names, r.label())
		}
		return nil, fmt.Sprintf("%s The conversation names %d jobs: %s. Please name one, for example %q, or say \"the first one\".",
			whichJob, len(refs), joinList(names, 10), example(q, refs[0].label()))
	}
	return nil, fmt.Sprintf("%s Please name it, for example %q.", whichJob, example(q, "PAYROLL.PAY_LOAD"))
}

// example is the question q rephrased with a job name.
func example(q question, job string) string {
	switch q.kind {
	case kindLog:
		return "log of " + job
	case kindPredecessors:
		return "dependencies of " + job
	case kindSuccessors:
		return "successors of " + job
	case kindImpact:
		return "what breaks if " + job + " fails?"
	case kindWaiting:
		return "why is " + job + " waiting?"
	case kindWhy:
		return "why did " + job + " fail?"
	case kindAction:
		if q.action == "" {
			return "confirm " + job + " succ"
		}
		return q.action + " " + job
	}
	return "status of " + job
}

// plan turns the question of message at into tool uses, or a text when no
// tool can answer it.
func (t *turn) plan(at int) ([]call, string) {
	q := t.question(at)
	if parts := t.parts(at, q); len(parts) > 1 {
		return t.planParts(parts, at)
	}
	if text, ok := t.halfParsed(q); ok {
		return nil, text
	}
	switch q.kind {
	case kindGreeting:
		lower := strings.ToLower(q.text)
		if strings.Contains(lower, "thank") || strings.Contains(lower, "thx") || strings.Contains(lower, "cheers") || strings.Contains(lower, "bye") {
			return nil, "You're welcome. Ask me about the plan whenever you need: \"summary\", \"which jobs abended?\", \"log of JOB\"…"
		}
		return nil, t.help("Hello. ")
	case kindHelp:
		if yes(q.text) {
			if p, ok := t.pendingProposal(at); ok {
				return nil, p
			}
		}
		if !q.explicit && strings.TrimSpace(q.text) != "" {
			return nil, t.help("I did not understand that question. ")
		}
		return nil, t.help("")
	case kindRefuse:
		return nil, refusal
	case kindHandover:
		shift := "current"
		if q.previousShift {
			shift = "previous"
		}
		return t.one(toolShiftHandover, map[string]any{"shift": shift}, "the shift handover")
	case kindSummary:
		calls, text := t.one(toolPlanSummary, nil, "the plan summary")
		if t.has(toolAttention) {
			calls = append(calls, t.use(toolAttention, map[string]any{"limit": 15}))
			text = ""
		}
		return calls, text
	case kindJobs:
		calls, text := t.planJobs(q)
		if q.broken && text == "" && t.has(toolListWorkstations) && len(calls) < maxToolUses {
			// "what's broken?": the jobs in error and the workstations down.
			calls = append(calls, t.use(toolListWorkstations, map[string]any{"unlinked": true}))
		}
		return calls, text
	case kindCount:
		return t.planCount(q)
	case kindLate:
		if q.lateJobs && t.has(toolSearchJobs) && t.tools[toolSearchJobs]["late"] {
			// "which jobs are late?": the late jobs themselves.
			in := map[string]any{"late": true, "stream": q.stream, "workstation": q.workstation}
			windowInput(in, q.win, filter{})
			return t.one(toolSearchJobs, in, "")
		}
		if q.lateJobs && (q.stream != "" || q.workstation != "") && t.has(toolSearchJobs) {
			// "late jobs in stream S": the jobs there, each with its late flag.
			return t.one(toolSearchJobs, map[string]any{"stream": q.stream, "workstation": q.workstation, "limit": 500}, "")
		}
		if t.has(toolListJobStreams) {
			if q.stream != "" {
				// "is stream S late?": S itself, late or not.
				return t.one(toolListJobStreams, map[string]any{"name": q.stream}, "")
			}
			return t.one(toolListJobStreams, map[string]any{"late": true}, "")
		}
		return t.one(toolPlanSummary, nil, "late job streams")
	case kindCritical:
		switch {
		case len(q.filters) > 0 && t.has(toolSearchJobs):
			return t.planJobs(q)
		case t.has(toolCriticalJobs):
			return t.one(toolCriticalJobs, nil, "")
		case t.has(toolSearchJobs):
			return t.one(toolSearchJobs, map[string]any{"critical": true, "limit": 500}, "")
		}
		return t.one(toolPlanSummary, nil, "critical jobs")
	case kindWorkstations:
		if t.has(toolListWorkstations) {
			// One workstation is looked up in the whole list.
			return t.one(toolListWorkstations, map[string]any{"unlinked": q.unlinked && q.workstation == "", "name": q.workstation}, "")
		}
		if q.unlinked {
			return t.one(toolPlanSummary, nil, "unlinked workstations")
		}
		return nil, t.cannot("list the workstations", toolListWorkstations)
	case kindStreams:
		return t.one(toolListJobStreams, map[string]any{"name": q.stream}, "the job streams")
	case kindRunbook:
		if t.has(toolSearchRunbooks) {
			return t.one(toolSearchRunbooks, map[string]any{"query": q.text}, "")
		}
		if len(q.jobs) > 0 || q.pronoun {
			q.kind = kindWhy
			return t.planJob(q, at)
		}
		return nil, "No runbook search is available to this agent, so I cannot look up procedures. " +
			"I can show a job's status, log, dependencies and impact: ask for example \"why did PAYROLL.PAY_LOAD fail?\"."
	case kindAction:
		return t.planAction(q, at)
	}
	if q.kind.jobKind() {
		return t.planJob(q, at)
	}
	return nil, t.help("")
}

// refusal answers what is never shown or done: instructions, credentials,
// other users' data, commands on the server, changed rules.
const refusal = "I can't help with that. I don't reveal my instructions or any credential, I can't see other users' conversations, " +
	"I don't run commands on servers, and my rules don't change with the conversation. " +
	"I can answer questions about the plan — for example \"which jobs failed?\" — and an operator can have me propose an action to confirm."

// one is a single tool use, or the text saying it is not allowed.
func (t *turn) one(tool string, in map[string]any, what string) ([]call, string) {
	if !t.has(tool) {
		if what == "" {
			what = "answer that"
		} else {
			what = "show " + what
		}
		return nil, t.cannot(what, tool)
	}
	return []call{t.use(tool, in)}, ""
}

// cannot says the agent lacks the tool a question needs.
func (t *turn) cannot(what, tool string) string {
	if tool == toolProposeAction {
		return "I cannot " + what + ": this agent is read-only and may not propose actions. " +
			"Ask the Operator agent (agent \"operator\"), which can propose it for you to confirm with a justification."
	}
	return fmt.Sprintf("I cannot %s: this agent is not allowed to use the %s tool. An agent that has it (such as the Operator agent) can.", what, tool)
}

// planJobs searches the jobs with the question's filters: one search per
// status asked for.
func (t *turn) planJobs(q question) ([]call, string) {
	if !t.has(toolSearchJobs) {
		if t.has(toolPlanSummary) {
			return []call{t.use(toolPlanSummary, nil)}, ""
		}
		return nil, t.cannot("search the jobs", toolSearchJobs)
	}
	limit := q.limit
	switch {
	case limit > 500:
		limit = 500
	case limit == 0 && q.count:
		limit = 10 // "how many": the count, and a few examples
	case limit == 0 && q.long:
		limit = 500 // every running job, to compare each with its estimate
	}
	base := map[string]any{"stream": q.stream, "workstation": q.workstation, "name": q.pattern, "limit": limit}
	if q.kind == kindCritical {
		base["critical"] = true
	}
	if q.onTime {
		if !t.tools[toolSearchJobs]["late"] {
			return nil, t.cannot("tell which jobs are on time", toolSearchJobs)
		}
		base["late"] = new(false)
	}
	if q.notStarted {
		if !t.tools[toolSearchJobs]["started"] {
			return nil, t.cannot("tell which jobs have not started", toolSearchJobs)
		}
		base["started"] = new(false)
	}
	if len(q.filters) == 0 {
		windowInput(base, q.win, filter{})
		return []call{t.use(toolSearchJobs, base)}, ""
	}
	var calls []call
	for _, f := range q.filters {
		in := map[string]any{"status": f.status, "internalStatus": f.internal}
		for k, v := range base {
			in[k] = v
		}
		windowInput(in, q.win, f)
		calls = append(calls, t.use(toolSearchJobs, in))
		for _, ws := range q.moreWS {
			more := map[string]any{}
			for k, v := range in {
				more[k] = v
			}
			more["workstation"] = ws
			calls = append(calls, t.use(toolSearchJobs, more))
		}
		for _, st := range q.moreStreams {
			more := map[string]any{}
			for k, v := range in {
				more[k] = v
			}
			more["stream"] = st
			calls = append(calls, t.use(toolSearchJobs, more))
		}
		if len(calls) == maxToolUses {
			break
		}
	}
	return calls, ""
}

// planJob answers a question about named jobs: the tools of the question's
// kind, then those of the other things asked ("status and log of X").
func (t *turn) planJob(q question, at int) ([]call, string) {
	refs, ask := t.jobsOf(q, at)
	if ask != "" {
		return nil, ask
	}
	var calls []call
	seen := map[string]bool{}
	for _, r := range refs {
		first := len(calls)
		for i, k := range append([]kind{q.kind}, q.also...) {
			cs, refusal := t.jobCalls(k, input(r), q.tail)
			if refusal != "" {
				if i == 0 {
					return nil, refusal
				}
				continue // an extra the agent cannot answer is left out
			}
			for _, c := range cs {
				key, _ := json.Marshal(c.input)
				if k := c.name + string(key); !seen[k] && len(calls) < maxToolUses {
					seen[k] = true
					calls = append(calls, c)
				}
			}
		}
		// One job's tools in reading order: status, why, log, dependencies, impact.
		sort.SliceStable(calls[first:], func(a, b int) bool {
			return toolOrder[calls[first+a].name] < toolOrder[calls[first+b].name]
		})
	}
	return calls, ""
}

// toolOrder is the order an answer about one job reads best in.
var toolOrder = map[string]int{toolGetJob: 1, toolWhyWaiting: 2, toolJobLog: 3, toolJobDependencies: 4, toolJobImpact: 5}

// jobCalls returns the tool uses answering a question of kind k about job,
// or the text saying the agent lacks the tool.
func (t *turn) jobCalls(k kind, job string, tail int) ([]call, string) {
	one := func(tool string, in map[string]any) []call { return []call{t.use(tool, in)} }
	switch k {
	case kindLog:
		if !t.has(toolJobLog) {
			return nil, t.cannot("read job logs", toolJobLog)
		}
		return one(toolJobLog, map[string]any{"job": job, "tail": tail}), ""
	case kindWhy:
		if !t.has(toolGetJob) && !t.has(toolJobLog) {
			return nil, t.cannot("look at jobs", toolGetJob)
		}
		var cs []call
		if t.has(toolGetJob) {
			cs = append(cs, t.use(toolGetJob, map[string]any{"job": job}))
		}
		if t.has(toolJobLog) {
			if tail == 0 {
				tail = 50
			}
			cs = append(cs, t.use(toolJobLog, map[string]any{"job": job, "tail": tail}))
		}
		return cs, ""
	case kindPredecessors:
		switch {
		case t.has(toolJobDependencies):
			return one(toolJobDependencies, map[string]any{"job": job, "direction": "predecessors"}), ""
		case t.has(toolGetJob):
			return one(toolGetJob, map[string]any{"job": job}), ""
		}
		return nil, t.cannot("show dependencies", toolJobDependencies)
	case kindImpact:
		switch {
		case t.has(toolJobImpact):
			return one(toolJobImpact, map[string]any{"job": job}), ""
		case t.has(toolJobDependencies):
			return one(toolJobDependencies, map[string]any{"job": job, "direction": "successors"}), ""
		}
		return nil, t.cannot("show what a job affects", toolJobImpact)
	case kindSuccessors:
		switch {
		case t.has(toolJobDependencies):
			return one(toolJobDependencies, map[string]any{"job": job, "direction": "successors"}), ""
		case t.has(toolJobImpact):
			return one(toolJobImpact, map[string]any{"job": job}), ""
		}
		return nil, t.cannot("show what depends on a job", toolJobDependencies)
	case kindWaiting:
		switch {
		case t.has(toolWhyWaiting):
			return one(toolWhyWaiting, map[string]any{"job": job}), ""
		case t.has(toolGetJob):
			return one(toolGetJob, map[string]any{"job": job}), ""
		}
		return nil, t.cannot("say why a job waits", toolGetJob)
	}
	if !t.has(toolGetJob) {
		return nil, t.cannot("look at jobs", toolGetJob)
	}
	return one(toolGetJob, map[string]any{"job": job}), ""
}

// help is the text listing what the offline model understands, limited to
// the tools this agent has.
func (t *turn) help(prefix string) string {
	var b strings.Builder
	b.WriteString(prefix)
	b.WriteString("I am the offline assistant (no language model is configured), so I understand a fixed set of questions about the plan:\n")
	line := func(tool, text string) {
		if t.has(tool) {
			b.WriteString("- " + text + "\n")
		}
	}
	line(toolPlanSummary, "\"summary\", \"how is the plan?\": the plan summary")
	line(toolSearchJobs, "\"which jobs abended?\", \"failed jobs in stream S\", \"running jobs on workstation W\" (also held, waiting, ready, successful, canceled)")
	line(toolListJobStreams, "\"late job streams\", \"late jobs\"")
	line(toolCriticalJobs, "\"critical jobs\", \"what is at risk?\"")
	line(toolListWorkstations, "\"unlinked workstations\", \"which agents are down?\"")
	line(toolGetJob, "\"status of JOB\", \"why is JOB waiting?\", \"why did JOB fail?\"")
	line(toolWhyWaiting, "\"why is JOB waiting?\": the chain up to the root cause")
	line(toolJobLog, "\"log of JOB\", \"last 50 lines of JOB's log\"")
	line(toolJobDependencies, "\"dependencies of JOB\", \"what does JOB depend on?\", \"what depends on JOB?\"")
	line(toolJobImpact, "\"what breaks if JOB fails?\", \"impact of JOB\"")
	line(toolProposeAction, "\"rerun JOB\", \"hold JOB\", \"release JOB\", \"cancel JOB\", \"kill JOB\", \"confirm JOB succ\" or \"confirm JOB abend\" (a proposal you confirm with a justification)")
	line(toolSearchRunbooks, "\"runbook for JOB\", \"what to do when JOB abends\", \"how do I ...\"")
	b.WriteString("JOB is a job name (PAY_LOAD, STREAM.NAME or WS#STREAM.NAME) or id. Follow-ups such as \"and its log?\" or \"rerun it\" refer to the last job of the conversation.")
	if !t.has(toolProposeAction) {
		b.WriteString(" This agent is read-only: the Operator agent can propose actions.")
	}
	return b.String()
}

// inputString reads a string field of a tool-use input.
func inputString(raw []byte, key string) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	s, _ := m[key].(string)
	return s
}

// joinList joins names, cut after max with a count of the rest.
func joinList(names []string, max int) string {
	if len(names) > max {
		return strings.Join(names[:max], ", ") + fmt.Sprintf(" and %d more", len(names)-max)
	}
	return strings.Join(names, ", ")
}

// fallback returns the tool uses that replace knowledge tools (why_waiting,
// search_runbooks) which answered "unavailable" in results message at —
// for example when no knowledge graph is configured — so the question is
// still answered from the plan. Only one such round is made per question.
func (t *turn) fallback(at int) []call {
	uses := map[string]llm.ToolUse{}
	for i := at - 1; i >= 0; i-- {
		m := t.req.Messages[i]
		if m.Role == llm.User && !hasResults(m) {
			break
		}
		for _, u := range m.ToolUses() {
			uses[u.ID] = u
		}
	}
	var calls []call
	for _, b := range t.req.Messages[at].Content {
		r := b.ToolResult
		if r == nil || !r.IsError {
			continue
		}
		var e errorResult
		if json.Unmarshal([]byte(r.Content), &e) != nil || e.Code != "unavailable" {
			continue
		}
		u := uses[r.ToolUseID]
		job := inputString(u.Input, "job")
		switch u.Name {
		case toolWhyWaiting:
			if t.has(toolGetJob) && job != "" {
				calls = append(calls, t.use(toolGetJob, map[string]any{"job": job}))
			}
		case toolSearchRunbooks:
			q := parse(inputString(u.Input, "query"), t.mem)
			refs, ask := t.jobsOf(q, at)
			if ask != "" || len(q.jobs) == 0 {
				continue
			}
			for _, r := range refs {
				if t.has(toolGetJob) {
					calls = append(calls, t.use(toolGetJob, map[string]any{"job": input(r)}))
				}
				if t.has(toolJobLog) {
					calls = append(calls, t.use(toolJobLog, map[string]any{"job": input(r), "tail": 50}))
				}
			}
		}
	}
	switch t.rounds(at) {
	case 1:
		calls = append(calls, t.secondRound(at, uses)...)
	case 2:
		calls = append(calls, t.thirdRound(at, uses)...)
	}
	if len(calls) > maxToolUses {
		calls = calls[:maxToolUses]
	}
	return calls
}
