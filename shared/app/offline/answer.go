package offline

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/llm"
	"github.com/resync/resync/shared/domain/workload"
)

// Tool result shapes of shared/app/agent's catalogue that planview does not
// define (decoded leniently: unknown fields are ignored).
type (
	nodeResult struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Kind        string `json:"kind"`
		Workstation string `json:"workstation"`
		Stream      string `json:"stream"`
		Critical    bool   `json:"critical"`
	}
	dependenciesResult struct {
		Job       nodeResult   `json:"job"`
		Direction string       `json:"direction"`
		Nodes     []nodeResult `json:"nodes"`
	}
	impactResult struct {
		Job            nodeResult   `json:"job"`
		Successors     []nodeResult `json:"successors"`
		Critical       int          `json:"critical"`
		Summary        string       `json:"summary"`
		Source         string       `json:"source"`
		Note           string       `json:"note"`
		OnCriticalPath bool         `json:"onCriticalPath"`
	}
	// whyResult is why_waiting's result (shared/app/impact.Why).
	whyResult struct {
		Job      whyJob `json:"job"`
		Source   string `json:"source"`
		Note     string `json:"note"`
		Waiting  bool   `json:"waiting"`
		Reason   string `json:"reason"`
		Blockers []struct {
			Root     whyJob   `json:"root"`
			Reason   string   `json:"reason"`
			Detail   string   `json:"detail"`
			Chain    []whyJob `json:"chain"`
			Critical bool     `json:"critical"`
		} `json:"blockers"`
		Conditions []conditionResult `json:"conditions"`
	}
	whyJob struct {
		ID             string `json:"id"`
		Name           string `json:"name"`
		Stream         string `json:"stream"`
		Workstation    string `json:"workstation"`
		Status         string `json:"status"`
		InternalStatus string `json:"internalStatus"`
		Critical       bool   `json:"critical"`
	}
	proposalResult struct {
		ProposalID string       `json:"proposalId"`
		Action     string       `json:"action"`
		Targets    []nodeResult `json:"targets"`
		Impact     struct {
			Successors []nodeResult `json:"successors"`
			Critical   int          `json:"critical"`
			Summary    string       `json:"summary"`
		} `json:"impact"`
		ExpiresAt time.Time `json:"expiresAt"`
	}
	errorResult struct {
		Error       string        `json:"error"`
		Code        string        `json:"code"`
		Suggestions []matchResult `json:"suggestions"`
		Candidates  []struct {
			ID             string `json:"id"`
			Name           string `json:"name"`
			Stream         string `json:"stream"`
			Workstation    string `json:"workstation"`
			Status         string `json:"status"`
			InternalStatus string `json:"internalStatus"`
		} `json:"candidates"`
	}
	// matchResult is a plan object resolve_name (or a not-found job) names.
	matchResult struct {
		Kind           string `json:"kind"`
		Name           string `json:"name"`
		ID             string `json:"id"`
		Stream         string `json:"stream"`
		Workstation    string `json:"workstation"`
		Status         string `json:"status"`
		InternalStatus string `json:"internalStatus"`
		Edits          int    `json:"edits"`
	}
	// cut is what a result cut to size by the runner says.
	cut struct {
		Truncated string `json:"resultTruncated"`
		Partial   string `json:"partial"`
	}
)

// otherKind returns the job stream or workstation a name that is not a job
// designates exactly.
func (e errorResult) otherKind() (matchResult, bool) {
	for _, m := range e.Suggestions {
		if m.Edits == 0 && m.Kind != "job" {
			return m, true
		}
	}
	return matchResult{}, false
}

// answer writes the text answering the question before message at from
// every tool result since that question (usually one round; two when a
// fallback replaced an unavailable tool).
func (t *turn) answer(at int) string {
	uses := map[string]llm.ToolUse{}
	qAt := -1
	for i := at - 1; i >= 0; i-- {
		m := t.req.Messages[i]
		if m.Role == llm.User && !hasResults(m) && strings.TrimSpace(m.Text()) != "" {
			qAt = i
			break
		}
		for _, u := range m.ToolUses() {
			uses[u.ID] = u
		}
	}
	var q question
	if qAt >= 0 {
		q = t.question(qAt)
	}
	w := &writer{t: t, q: q, skip: map[string]bool{}, tools: map[string]bool{}}
	for _, u := range uses {
		w.tools[u.Name] = true
	}
	for i := qAt + 1; i <= at; i++ {
		for _, b := range t.req.Messages[i].Content {
			if r := b.ToolResult; r != nil && r.IsError {
				var e errorResult
				if json.Unmarshal([]byte(r.Content), &e) == nil && e.Code == "not_found" {
					if m, ok := e.otherKind(); ok {
						// A job stream or workstation named without the word:
						// the list answers about it, not the job lookup.
						if m.Kind == "jobstream" {
							w.q.stream = m.Name
						} else {
							w.q.workstation = m.Name
						}
						w.skip[r.ToolUseID] = true
					}
				}
			}
		}
	}
	w.misread(qAt, at, uses)
	partOf := map[string]question{} // a multi-part message: each tool use answers its part
	if qAt >= 0 {
		if parts := t.parts(qAt, q); len(parts) > 1 {
			for _, p := range parts {
				calls, _ := t.planParts([]question{p}, qAt)
				for _, c := range calls {
					key, _ := json.Marshal(c.input)
					if _, ok := partOf[c.name+string(key)]; !ok {
						partOf[c.name+string(key)] = p
					}
				}
			}
		}
	}
	whole := w.q
	for i := qAt + 1; i <= at; i++ {
		for _, b := range t.req.Messages[i].Content {
			if b.ToolResult != nil && !w.skip[b.ToolResult.ToolUseID] {
				u := uses[b.ToolResult.ToolUseID]
				w.q = whole
				if p, ok := partOf[u.Name+canonicalJSON(u.Input)]; ok {
					w.q = p
				}
				w.result(u, *b.ToolResult)
			}
		}
	}
	return w.text()
}

// canonicalJSON re-encodes a tool input the way the planner encodes one
// (keys sorted), so a tool use can be matched to the call planned for it.
func canonicalJSON(raw []byte) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return string(raw)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// misread handles a name a job search took for a workstation or job stream
// and resolve_name then placed: when it is one job, the search's empty
// answer and the resolution give way to the job's own results, under a line
// saying what the name is; when it is the workstation or stream asked for,
// the resolution adds nothing.
func (w *writer) misread(qAt, at int, uses map[string]llm.ToolUse) {
	for i := qAt + 1; i <= at; i++ {
		for _, b := range w.t.req.Messages[i].Content {
			r := b.ToolResult
			if r == nil || r.IsError || uses[r.ToolUseID].Name != toolResolveName {
				continue
			}
			name := inputString(uses[r.ToolUseID].Input, "name")
			var res struct {
				Exact []matchResult `json:"exact"`
			}
			if json.Unmarshal([]byte(r.Content), &res) != nil || len(res.Exact) == 0 {
				continue
			}
			var searches []string
			for id, u := range uses {
				if (u.Name == toolSearchJobs || u.Name == toolCountJobs) && (strings.EqualFold(inputString(u.Input, "workstation"), name) || strings.EqualFold(inputString(u.Input, "stream"), name)) {
					searches = append(searches, id)
				}
			}
			if len(searches) == 0 {
				continue
			}
			jobs := 0
			for _, m := range res.Exact {
				if m.Kind == "job" {
					jobs++
				}
			}
			w.skip[r.ToolUseID] = true
			if jobs == len(res.Exact) && jobs == 1 {
				for _, id := range searches {
					w.skip[id] = true
				}
				w.add(fmt.Sprintf("%s is a job, not a workstation or job stream:", res.Exact[0].Name))
			}
		}
	}
}

// writer builds an answer section by section.
type writer struct {
	t        *turn
	q        question
	skip     map[string]bool // tool results another result answers for
	tools    map[string]bool // the tools used for this answer
	cut      bool            // the result being written was cut to size
	sections []string
	stale    time.Time
	isStale  bool
}

func (w *writer) add(s string) {
	if s = strings.TrimSpace(s); s != "" {
		w.sections = append(w.sections, s)
	}
}

func (w *writer) meta(m planview.Meta) {
	if m.Stale && !w.isStale {
		w.isStale, w.stale = true, m.AsOf
	}
}

func (w *writer) text() string {
	if w.isStale {
		note := "Note: HWA could not be reached, so this is the last known data"
		if !w.stale.IsZero() {
			note += " (as of " + clock(w.stale) + ")"
		}
		w.add(note + ".")
	}
	if len(w.sections) == 0 {
		return "The tools returned nothing I can answer with."
	}
	return strings.Join(w.sections, "\n\n")
}

// result answers one tool result.
func (w *writer) result(u llm.ToolUse, r llm.ToolResult) {
	if r.IsError {
		w.add(w.failure(u, r.Content))
		return
	}
	var c cut
	_ = json.Unmarshal([]byte(r.Content), &c)
	if c.Partial != "" {
		w.add(fmt.Sprintf("The %s result was too large and was cut (%s), so I cannot read it completely. Ask a narrower question, for example with a stream or workstation.", u.Name, c.Truncated))
		return
	}
	w.cut = c.Truncated != ""
	var err error
	switch u.Name {
	case toolPlanSummary:
		err = w.summary(r.Content)
	case toolSearchJobs:
		err = w.jobs(u, r.Content)
	case toolGetJob:
		err = w.job(r.Content)
	case toolJobLog:
		err = w.log(u, r.Content)
	case toolListJobStreams:
		err = w.streams(u, r.Content)
	case toolListWorkstations:
		err = w.workstations(u, r.Content)
	case toolCriticalJobs:
		err = w.critical(r.Content)
	case toolJobDependencies:
		err = w.dependencies(r.Content)
	case toolJobImpact:
		err = w.impact(r.Content)
	case toolProposeAction:
		err = w.proposal(r.Content)
	case toolSearchRunbooks:
		err = w.runbooks(r.Content)
	case toolWhyWaiting:
		err = w.why(r.Content)
	case toolCountJobs:
		err = w.counts(u, r.Content)
	case toolAttention:
		err = w.attention(r.Content)
	case toolResolveName:
		err = w.resolution(r.Content)
	case toolShiftHandover:
		err = w.handoverDigest(r.Content)
	case toolListPrompts:
		err = w.prompts(r.Content)
	case toolListResources:
		err = w.resources(r.Content)
	case toolGetResource:
		err = w.resource(r.Content)
	case toolReplyPrompt:
		err = w.promptProposal(r.Content)
	default:
		w.add(fmt.Sprintf("The %s tool returned:\n%s", u.Name, excerpt(r.Content, 600)))
	}
	if err != nil {
		w.add(fmt.Sprintf("I could not read the %s result: %s", u.Name, excerpt(r.Content, 300)))
	}
	if w.cut {
		w.add("(The result was cut to size: " + c.Truncated + ".)")
	}
}

// failure answers a tool error.
func (w *writer) failure(u llm.ToolUse, content string) string {
	var e errorResult
	if json.Unmarshal([]byte(content), &e) != nil || e.Error == "" {
		e.Error = excerpt(content, 300)
	}
	job := inputString(u.Input, "job")
	switch e.Code {
	case "ambiguous":
		var b strings.Builder
		fmt.Fprintf(&b, "%q matches %d jobs; which one do you mean?", job, len(e.Candidates))
		for _, c := range e.Candidates {
			b.WriteString("\n- " + jobLabel(c.Stream, c.Name, c.ID, c.Workstation) + statusText(c.Status, c.InternalStatus))
		}
		return b.String()
	case "not_found":
		label := job
		if j, ok := w.t.mem.job(job); ok {
			label = jobLabel(j.Stream, j.Name, j.ID, "")
		}
		switch {
		case u.Name == toolJobLog && strings.Contains(e.Error, "not run yet"):
			return fmt.Sprintf("%s has not run yet, so it has no log.", label)
		case u.Name == toolJobLog:
			return fmt.Sprintf("There is no log for %s: %s.", label, e.Error)
		case len(e.Suggestions) > 0 && job != "":
			return didYouMean(job, e.Suggestions)
		case job != "" && !uuidPattern.MatchString(job):
			return fmt.Sprintf("I could not find job %q in the plan: %s. Check the name, or ask \"which jobs abended?\" to see names. If %s is a job stream, ask for example \"jobs in stream %s\" or \"late job streams\".", job, e.Error, job, job)
		case job != "":
			return fmt.Sprintf("I could not find job %s in the plan: %s.", label, e.Error)
		}
		return "Not found: " + e.Error + "."
	case "refused":
		return fmt.Sprintf("The %s tool was refused: %s.", u.Name, e.Error)
	case "unavailable":
		return fmt.Sprintf("%s is unavailable right now: %s.", u.Name, strings.TrimSuffix(e.Error, "."))
	}
	return fmt.Sprintf("The %s tool failed: %s.", u.Name, e.Error)
}

// clock formats a time of the plan.
func clock(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func seconds(s float64) string {
	return (time.Duration(s * float64(time.Second))).Round(time.Second).String()
}

// jobLabel names a job: "STREAM.NAME (id ID) on WS".
func jobLabel(stream, name, id, ws string) string {
	s := name
	if stream != "" {
		s = stream + "." + name
	}
	if id != "" {
		s += " (id " + id + ")"
	}
	if ws != "" {
		s += " on " + ws
	}
	return s
}

func statusText(common, internal string) string {
	switch {
	case common != "" && internal != "" && common != internal:
		return ", " + common + " (" + internal + ")"
	case common != "":
		return ", " + common
	case internal != "":
		return ", " + internal
	}
	return ""
}

// jobLine is one job of a list.
func jobLine(j planview.JobView) string {
	s := "- " + jobLabel(j.Stream, j.Name, j.ID, j.Workstation) + statusText(string(j.Status), string(j.InternalStatus))
	if r := j.LastRun; r != nil && !r.End.IsZero() && (j.Status == workload.CommonError || j.Status == workload.CommonSuccessful || r.ReturnCode != 0) {
		s += ", return code " + strconv.Itoa(r.ReturnCode)
	} else if r != nil && r.End.IsZero() && !r.Start.IsZero() && j.Status == workload.CommonRunning {
		s += ", running since " + clock(r.Start)
	}
	if j.Critical {
		s += ", critical"
	}
	if j.Late {
		s += ", late"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// firstList finds the first array of objects in v, in key order.
func firstList(v any) []map[string]any {
	switch x := v.(type) {
	case []any:
		var out []map[string]any
		for _, e := range x {
			if o, ok := e.(map[string]any); ok {
				out = append(out, o)
			}
		}
		if len(out) > 0 {
			return out
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if l := firstList(x[k]); len(l) > 0 {
				return l
			}
		}
	}
	return nil
}

// excerpt cuts s to at most n bytes on a rune boundary.
func excerpt(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n] + "…"
}
