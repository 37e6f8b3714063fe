package offline

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/resync/resync/shared/domain/llm"
)

// windowInput puts a time window on a job search: on the last run's end
// for end states (failed, abended, successful, canceled), on its start
// otherwise ("running since 2am", "jobs that ran in the last hour").
func windowInput(in map[string]any, w window, f filter) {
	if !w.set() {
		return
	}
	field := "started"
	switch {
	case f.status == "ERROR", f.status == "SUCCESSFUL", f.status == "CANCELED", f.internal == "ABEND", f.internal == "SUCC", f.internal == "FAIL", f.internal == "CANCL":
		field = "ended"
	}
	in[field+"Since"], in[field+"Until"] = w.since, w.until
}

// planCount counts jobs, in total or per group, with the question's filters.
func (t *turn) planCount(q question) ([]call, string) {
	if !t.has(toolCountJobs) {
		if q.groupBy != "" {
			return nil, t.cannot("count jobs per "+q.groupBy, toolCountJobs)
		}
		q.kind = kindJobs
		return t.planJobs(q)
	}
	base := map[string]any{"stream": q.stream, "workstation": q.workstation, "name": q.pattern, "groupBy": q.groupBy}
	if q.notStarted && t.tools[toolCountJobs]["started"] {
		base["started"] = new(false)
	}
	if len(q.filters) == 0 {
		windowInput(base, q.win, filter{})
		return []call{t.use(toolCountJobs, base)}, ""
	}
	var calls []call
	for _, f := range q.filters {
		in := map[string]any{"status": f.status, "internalStatus": f.internal}
		for k, v := range base {
			in[k] = v
		}
		windowInput(in, q.win, f)
		calls = append(calls, t.use(toolCountJobs, in))
		if len(calls) == maxToolUses {
			break
		}
	}
	return calls, ""
}

// understood says in words what the model read of q, for a decline.
func (q question) understood() string {
	var parts []string
	switch q.kind {
	case kindJobs, kindCount:
		what := "jobs"
		if len(q.filters) > 0 {
			var ls []string
			for _, f := range q.filters {
				ls = append(ls, f.label)
			}
			what = "jobs " + strings.Join(ls, " or ")
		}
		if q.kind == kindCount {
			what = "a count of " + what
			if q.groupBy != "" {
				what += " per " + q.groupBy
			}
		}
		parts = append(parts, what)
	case kindLate:
		parts = append(parts, "late job streams")
	case kindCritical:
		parts = append(parts, "critical jobs")
	case kindWorkstations:
		parts = append(parts, "workstations")
	case kindStreams:
		parts = append(parts, "job streams")
	case kindSummary:
		parts = append(parts, "the state of the plan")
	}
	if q.stream != "" {
		parts = append(parts, "in job stream "+q.stream)
	}
	if q.workstation != "" {
		parts = append(parts, "on workstation "+q.workstation)
	}
	if len(q.jobs) > 0 {
		parts = append(parts, "about "+strings.Join(q.jobs, ", "))
	}
	if q.win.set() {
		parts = append(parts, q.win.label)
	}
	return strings.Join(parts, " ")
}

// close are questions near q the model can answer: its understood part
// with the filter it could not read replaced by ones it can.
func (q question) close() []string {
	status := "failed"
	if len(q.filters) > 0 {
		status = strings.TrimPrefix(q.filters[0].label, "in ")
		if status == "error" {
			status = "failed"
		}
	}
	where := ""
	if q.stream != "" {
		where = " in stream " + q.stream
	} else if q.workstation != "" {
		where = " on workstation " + q.workstation
	}
	switch {
	case len(q.jobs) > 0:
		return []string{"status of " + q.jobs[0], "why is " + q.jobs[0] + " waiting?", "log of " + q.jobs[0]}
	case q.winUnknown != "" || q.win.set():
		return []string{"which jobs " + verbOf(status) + where + " in the last hour?", "which jobs " + verbOf(status) + where + " since 02:00?", "which jobs " + verbOf(status) + where + " overnight?"}
	case q.kind == kindCount:
		return []string{"how many jobs " + verbOf(status) + "?", "which workstation has the most failures?", "failures per stream"}
	}
	return []string{"which jobs " + verbOf(status) + where + "?", "what needs my attention?", "late job streams"}
}

// verbOf is a status label as a verb phrase: "failed", "are running".
func verbOf(status string) string {
	switch status {
	case "failed", "abended":
		return status
	case "running", "held", "waiting", "ready", "successful", "canceled", "blocked":
		return "are " + status
	}
	return "are " + status
}

// decline is the answer to a question the model only half understood: what
// it understood, what it did not, and two or three questions it can answer.
func decline(q question, notRead string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "I did not understand all of your question: I could not read %s", notRead)
	if u := q.understood(); u != "" {
		fmt.Fprintf(&b, " (I understood: %s)", u)
	}
	b.WriteString(", so I would rather not answer part of it. You could ask:")
	for _, c := range q.close() {
		b.WriteString("\n- \"" + c + "\"")
	}
	return b.String()
}

// halfParsed reports whether q has a part the model did not understand — a
// time it cannot read, a window where no tool takes one, words that would
// have been a filter — and then returns the decline instead of an answer
// with that part dropped.
func (t *turn) halfParsed(q question) (string, bool) {
	switch {
	case q.winUnknown != "" && (q.kind.listKind() || q.kind == kindHelp):
		return decline(q, "the time \""+q.winUnknown+"\""), true
	case q.win.set() && q.kind != kindJobs && q.kind != kindCount && !q.kind.jobKind() && q.kind != kindAction:
		if q.kind == kindSummary || q.kind == kindHelp {
			q.kind, q.filters = kindJobs, []filter{{label: "in error", status: "ERROR"}}
		}
		return decline(q, "a time window ("+q.win.label+") on this kind of question; I can apply one to job lists and counts"), true
	case q.negated:
		return decline(q, "the negation (I cannot list what is not in a state; I can list what is)"), true
	case len(q.unknown) > 0 && q.kind.listKind() && q.explicit:
		return decline(q, quoteAll(q.unknown)), true
	case len(q.bareUnread) > 0 && q.kind == kindJobs:
		return decline(q, "what "+quoteAll(q.bareUnread)+" asks of the jobs (listing every job of the plan would not answer it)"), true
	}
	return "", false
}

func quoteAll(ws []string) string {
	var out []string
	for _, w := range ws {
		out = append(out, "\""+w+"\"")
	}
	return strings.Join(out, ", ")
}

// partSplit splits a message into its questions: at "?", ";", and at " and "
// / " then " / " also " between two questions.
var partSplit = regexp.MustCompile(`(?i)\?\s+|;\s*|\s+[+&]\s+|,\s*(?:and\s+)?(?:(?:what|which|how|show|list|is|are|why|tell|give|any)\b)|\s+(?:and then|and also|and|then|also|plus)\s+(?:(?:what|which|how|show|list|is|are|why|tell|give|any)\b)`)

// parts returns the questions of one message when it asks several that
// each stand on their own ("which jobs failed and which agents are down?"),
// nil otherwise.
func (t *turn) parts(at int, whole question) []question {
	text := strings.TrimSpace(t.req.Messages[at].Text())
	if whole.explain || whole.kind == kindAction || whole.kind.jobKind() && len(whole.also) > 0 {
		return nil
	}
	locs := partSplit.FindAllStringIndex(text, -1)
	if len(locs) == 0 {
		return t.andParts(text)
	}
	var pieces []string
	start := 0
	for _, l := range locs {
		cut := l[0]
		if m := text[l[0]:l[1]]; strings.Contains(m, " ") && !strings.HasPrefix(strings.TrimSpace(m), "?") && !strings.HasPrefix(strings.TrimSpace(m), ";") && !strings.ContainsAny(m, "+&") {
			// keep the question word that starts the next part
			fields := strings.Fields(m)
			next := fields[len(fields)-1]
			pieces = append(pieces, text[start:cut])
			start = l[1] - len(next)
			continue
		}
		pieces = append(pieces, text[start:cut])
		start = l[1]
	}
	pieces = append(pieces, text[start:])
	var out []question
	for _, p := range pieces {
		if strings.TrimSpace(p) == "" {
			continue
		}
		q := parse(strings.TrimSpace(p), t.mem)
		if q.kind == kindHelp || q.kind == kindGreeting || !q.explicit || q.kind == kindAction || q.failuresRead {
			return nil // a part that does not stand alone ("hold on, ...", "last 3 hours, what failed?"): the whole is one question
		}
		if n := len(out); n > 0 && q.pronoun && len(q.jobs) == 0 && len(out[n-1].jobs) > 0 {
			q.jobs, q.pronoun = out[n-1].jobs, false // "why did X fail and what does it affect?"
		}
		out = append(out, q)
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

// andSplit splits "the failures and the unlinked workstations" at "and"
// and commas.
var andSplit = regexp.MustCompile(`(?i)\s+and\s+|,\s*`)

// andParts splits a message at "and" or a comma when every piece stands on
// its own and asks a different kind of thing ("list the failures and the
// unlinked workstations"); "failed and held jobs" stays one question.
func (t *turn) andParts(text string) []question {
	pieces := andSplit.Split(text, -1)
	if len(pieces) < 2 {
		return nil
	}
	var out []question
	kinds := map[kind]bool{}
	for _, p := range pieces {
		if strings.TrimSpace(p) == "" {
			continue
		}
		q := parse(strings.TrimSpace(p), t.mem)
		if q.kind == kindHelp || q.kind == kindGreeting || !q.explicit || q.kind.jobKind() || kinds[q.kind] || q.failuresRead {
			return nil
		}
		kinds[q.kind] = true
		out = append(out, q)
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

// planParts plans each part of a multi-part message; the answer covers
// every part in order. A part it cannot answer is declined as a whole.
func (t *turn) planParts(parts []question, at int) ([]call, string) {
	var calls []call
	seen := map[string]bool{}
	for _, q := range parts {
		if text, ok := t.halfParsed(q); ok {
			return nil, text
		}
		var cs []call
		var text string
		switch {
		case q.kind == kindSummary:
			cs, text = t.one(toolPlanSummary, nil, "the plan summary")
		case q.kind == kindJobs || q.kind == kindCritical && len(q.filters) > 0:
			cs, text = t.planJobs(q)
		case q.kind == kindCount:
			cs, text = t.planCount(q)
		case q.kind == kindLate:
			cs, text = t.one(toolListJobStreams, map[string]any{"late": true}, "")
		case q.kind == kindCritical:
			cs, text = t.one(toolCriticalJobs, nil, "")
		case q.kind == kindWorkstations:
			cs, text = t.one(toolListWorkstations, map[string]any{"unlinked": q.unlinked && q.workstation == ""}, "")
		case q.kind == kindStreams:
			cs, text = t.one(toolListJobStreams, nil, "the job streams")
		case q.kind.jobKind():
			cs, text = t.planJob(q, at)
		default:
			return nil, ""
		}
		if text != "" {
			return nil, text
		}
		for _, c := range cs {
			key, _ := json.Marshal(c.input)
			if k := c.name + string(key); !seen[k] && len(calls) < maxToolUses {
				seen[k] = true
				calls = append(calls, c)
			}
		}
	}
	return calls, ""
}

// explainCalls are the second round of "which jobs failed and why?": the
// log tail of each job listed (at most maxToolUses), so the answer says why
// each failed.
func (t *turn) explainCalls(at int) []call {
	if !t.has(toolJobLog) {
		return nil
	}
	var calls []call
	for _, b := range t.req.Messages[at].Content {
		r := b.ToolResult
		if r == nil || r.IsError {
			continue
		}
		var l struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if json.Unmarshal([]byte(r.Content), &l) != nil {
			continue
		}
		for _, j := range l.Items {
			if len(calls) == maxToolUses {
				return calls
			}
			calls = append(calls, t.use(toolJobLog, map[string]any{"job": j.ID, "tail": 20}))
		}
	}
	return calls
}

// rounds counts the tool rounds since the question before message at.
func (t *turn) rounds(at int) int {
	n := 0
	for i := at; i >= 0; i-- {
		m := t.req.Messages[i]
		if m.Role == llm.User && !hasResults(m) {
			break
		}
		if hasResults(m) {
			n++
		}
	}
	return n
}

// questionAt returns the index of the user's question the results message
// at answers, or -1.
func (t *turn) questionAt(at int) int {
	for i := at - 1; i >= 0; i-- {
		m := t.req.Messages[i]
		if m.Role == llm.User && !hasResults(m) && strings.TrimSpace(m.Text()) != "" {
			return i
		}
	}
	return -1
}

// secondRound returns the tool uses that complete a first round of results:
// why each listed job failed, the job stream or workstation a name turned
// out to be, what a job that has not run waits for, and the job's own state
// and log when the runbooks have nothing on it.
func (t *turn) secondRound(at int, uses map[string]llm.ToolUse) []call {
	qAt := t.questionAt(at)
	if qAt < 0 {
		return nil
	}
	q := t.question(qAt)
	if q.explain {
		return t.explainCalls(at)
	}
	var calls []call
	asked := map[string]bool{}
	for _, b := range t.req.Messages[at].Content {
		r := b.ToolResult
		if r == nil {
			continue
		}
		u := uses[r.ToolUseID]
		job := inputString(u.Input, "job")
		if r.IsError {
			var e errorResult
			if json.Unmarshal([]byte(r.Content), &e) != nil || e.Code != "not_found" {
				continue
			}
			if strings.Contains(e.Error, "not run yet") && t.has(toolGetJob) && job != "" {
				calls = append(calls, t.use(toolGetJob, map[string]any{"job": job}))
				continue
			}
			if m, ok := e.otherKind(); ok {
				switch {
				case m.Kind == "jobstream" && t.has(toolListJobStreams):
					calls = append(calls, t.use(toolListJobStreams, map[string]any{"name": m.Name}))
				case m.Kind == "workstation" && t.has(toolListWorkstations):
					calls = append(calls, t.use(toolListWorkstations, map[string]any{"name": m.Name}))
				}
			}
			continue
		}
		if (u.Name == toolSearchJobs || u.Name == toolCountJobs) && t.has(toolResolveName) {
			// "whats the error on RISK_TRANSFORM3": nothing on a workstation of
			// that name — is it one, or a job?
			var l struct {
				Total int64 `json:"total"`
			}
			if json.Unmarshal([]byte(r.Content), &l) == nil && l.Total == 0 {
				for _, k := range []string{"workstation", "stream"} {
					if n := inputString(u.Input, k); n != "" && !asked[n] {
						asked[n] = true
						calls = append(calls, t.use(toolResolveName, map[string]any{"name": n}))
					}
				}
			}
			continue
		}
		if (u.Name == toolListJobStreams || u.Name == toolListWorkstations) && inputString(u.Input, "name") != "" && t.has(toolResolveName) {
			var l struct {
				Items []json.RawMessage `json:"items"`
			}
			if json.Unmarshal([]byte(r.Content), &l) == nil && len(l.Items) == 0 {
				calls = append(calls, t.use(toolResolveName, map[string]any{"name": inputString(u.Input, "name")}))
			}
			continue
		}
		if u.Name == toolSearchRunbooks {
			var rb struct {
				Results []json.RawMessage `json:"results"`
			}
			if json.Unmarshal([]byte(r.Content), &rb) != nil || len(rb.Results) > 0 {
				continue
			}
			rq := parse(inputString(u.Input, "query"), t.mem)
			refs, ask := t.jobsOf(rq, at)
			if ask != "" || len(rq.jobs) == 0 && !rq.pronoun {
				continue
			}
			for _, ref := range refs {
				if t.has(toolGetJob) {
					calls = append(calls, t.use(toolGetJob, map[string]any{"job": input(ref)}))
				}
				if t.has(toolJobLog) {
					calls = append(calls, t.use(toolJobLog, map[string]any{"job": input(ref), "tail": 50}))
				}
			}
		}
	}
	return calls
}

// thirdRound follows a resolve_name of the second round: a name taken for a
// workstation or job stream that is a job gets the job's state and log.
func (t *turn) thirdRound(at int, uses map[string]llm.ToolUse) []call {
	var calls []call
	for _, b := range t.req.Messages[at].Content {
		r := b.ToolResult
		if r == nil || r.IsError || uses[r.ToolUseID].Name != toolResolveName {
			continue
		}
		var res struct {
			Exact []matchResult `json:"exact"`
		}
		if json.Unmarshal([]byte(r.Content), &res) != nil {
			continue
		}
		var jobs []matchResult
		other := false
		for _, m := range res.Exact {
			if m.Kind == "job" {
				jobs = append(jobs, m)
			} else {
				other = true
			}
		}
		if other || len(jobs) != 1 {
			continue // it is the workstation or stream asked for, or an ambiguous job name
		}
		if t.has(toolGetJob) {
			calls = append(calls, t.use(toolGetJob, map[string]any{"job": jobs[0].ID}))
		}
		if t.has(toolJobLog) {
			calls = append(calls, t.use(toolJobLog, map[string]any{"job": jobs[0].ID, "tail": 50}))
		}
	}
	return calls
}
