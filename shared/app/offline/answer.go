package offline

import (
	"encoding/json"
	"fmt"
	"regexp"
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
		Error      string `json:"error"`
		Code       string `json:"code"`
		Candidates []struct {
			ID             string `json:"id"`
			Name           string `json:"name"`
			Stream         string `json:"stream"`
			Workstation    string `json:"workstation"`
			Status         string `json:"status"`
			InternalStatus string `json:"internalStatus"`
		} `json:"candidates"`
	}
	// cut is what a result cut to size by the runner says.
	cut struct {
		Truncated string `json:"resultTruncated"`
		Partial   string `json:"partial"`
	}
)

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
	w := &writer{t: t, q: q}
	for i := qAt + 1; i <= at; i++ {
		for _, b := range t.req.Messages[i].Content {
			if b.ToolResult != nil {
				w.result(uses[b.ToolResult.ToolUseID], *b.ToolResult)
			}
		}
	}
	return w.text()
}

// writer builds an answer section by section.
type writer struct {
	t        *turn
	q        question
	cut      bool // the result being written was cut to size
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
		case u.Name == toolJobLog:
			return fmt.Sprintf("There is no log for %s: %s.", label, e.Error)
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

// summary answers plan_summary: the whole summary, or the part asked for
// when the summary stands in for a missing tool.
func (w *writer) summary(content string) error {
	var s planview.Summary
	if err := json.Unmarshal([]byte(content), &s); err != nil {
		return err
	}
	if s.Stale {
		w.meta(planview.Meta{AsOf: s.AsOf, Stale: true})
	}
	refs := func(title string, list []workload.JobRef) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%s (%d):", title, len(list))
		if len(list) == 0 {
			b.WriteString(" none.")
		}
		for _, j := range list {
			b.WriteString("\n- " + jobLabel(j.Stream, j.Name, j.ID, j.Workstation) + statusText(string(j.Common), string(j.Internal)))
		}
		return b.String()
	}
	late := func() string {
		var b strings.Builder
		fmt.Fprintf(&b, "Late job streams (%d):", len(s.LateStreams))
		if len(s.LateStreams) == 0 {
			b.WriteString(" none.")
		}
		for _, st := range s.LateStreams {
			b.WriteString("\n- " + st.Name + " (id " + st.ID + ")")
			if st.Workstation != "" {
				b.WriteString(" on " + st.Workstation)
			}
			b.WriteString(statusText(string(st.Common), ""))
			if !st.Deadline.IsZero() {
				b.WriteString(", deadline " + clock(st.Deadline))
			}
		}
		return b.String()
	}
	unlinked := func() string {
		var b strings.Builder
		fmt.Fprintf(&b, "Unlinked workstations (%d):", len(s.Unlinked))
		if len(s.Unlinked) == 0 {
			b.WriteString(" none; every workstation is linked.")
		}
		for _, ws := range s.Unlinked {
			fmt.Fprintf(&b, "\n- %s (id %s, %s)", ws.Name, ws.ID, ws.Type)
			if !ws.Running {
				b.WriteString(", not running")
			}
		}
		return b.String()
	}
	failedOnly := func() []workload.JobRef {
		var out []workload.JobRef
		for _, f := range s.Failed {
			if f.Internal != workload.InternalAbend {
				out = append(out, f)
			}
		}
		return out
	}
	switch w.q.kind {
	case kindJobs:
		for _, f := range w.q.filters {
			switch {
			case f.internal == "ABEND":
				w.add(refs("Abended jobs", s.Abended))
			case f.status == "ERROR":
				w.add(refs("Jobs in error", s.Failed))
			default:
				w.add(fmt.Sprintf("Jobs %s: %d (the summary has counts only; no job search is available to this agent).", f.label, s.ByStatus[workload.CommonStatus(f.status)]))
			}
		}
		return nil
	case kindLate:
		w.add(late())
		return nil
	case kindWorkstations:
		w.add(unlinked())
		return nil
	case kindCritical:
		w.add(refs("Critical jobs at risk", s.CriticalAtRisk))
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Plan summary as of %s: %s", clock(s.AsOf), plural(s.TotalJobs, "job", "jobs"))
	type count struct {
		status string
		n      int
	}
	var counts []count
	for st, n := range s.ByStatus {
		counts = append(counts, count{string(st), n})
	}
	sort.Slice(counts, func(a, b int) bool {
		if counts[a].n != counts[b].n {
			return counts[a].n > counts[b].n
		}
		return counts[a].status < counts[b].status
	})
	for i, c := range counts {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d %s", c.n, c.status)
	}
	b.WriteString(".")
	w.add(b.String())
	w.add(refs("Abended jobs", s.Abended))
	if other := failedOnly(); len(other) > 0 {
		w.add(refs("Other jobs in error", other))
	}
	w.add(late())
	w.add(unlinked())
	w.add(refs("Critical jobs at risk", s.CriticalAtRisk))
	return nil
}

// filterLabel describes a search_jobs input: "abended", "in error", ...
func filterLabel(in map[string]any) string {
	str := func(k string) string { s, _ := in[k].(string); return s }
	var parts []string
	if crit, _ := in["critical"].(bool); crit {
		parts = append(parts, "critical")
	}
	switch s := str("internalStatus"); s {
	case "":
	case "ABEND":
		parts = append(parts, "abended")
	default:
		parts = append(parts, "in internal status "+s)
	}
	switch s := str("status"); s {
	case "":
	case "ERROR":
		parts = append(parts, "in error")
	case "RUNNING", "HELD", "WAITING", "READY", "SUCCESSFUL", "CANCELED", "BLOCKED":
		parts = append(parts, strings.ToLower(s))
	default:
		parts = append(parts, "in status "+s)
	}
	return strings.Join(parts, " and ")
}

// jobs answers search_jobs: every job of the result, and the count.
func (w *writer) jobs(u llm.ToolUse, content string) error {
	var l planview.JobList
	if err := json.Unmarshal([]byte(content), &l); err != nil {
		return err
	}
	w.meta(l.Meta)
	var in map[string]any
	_ = json.Unmarshal(u.Input, &in)
	label := filterLabel(in)
	where := ""
	if s, _ := in["stream"].(string); s != "" {
		where += " in stream " + s
	}
	if s, _ := in["workstation"].(string); s != "" {
		where += " on workstation " + s
	}
	if n, _ := in["name"].(string); n != "" {
		where += " named " + n
	}
	if w.q.long && in["status"] == "RUNNING" {
		w.add(longRunning(l, where))
		return nil
	}
	if w.q.kind == kindLate {
		var b strings.Builder
		var late []planview.JobView
		for _, j := range l.Items {
			if j.Late {
				late = append(late, j)
			}
		}
		if len(late) == 0 {
			fmt.Fprintf(&b, "No job is late%s (%s checked).", where, plural(len(l.Items), "job", "jobs"))
		} else {
			fmt.Fprintf(&b, "%s late%s:", plural(len(late), "job is", "jobs are"), where)
		}
		for _, j := range late {
			b.WriteString("\n" + jobLine(j))
			if !j.Deadline.IsZero() {
				b.WriteString(", deadline " + clock(j.Deadline))
			}
		}
		if int(l.Total) > len(l.Items) {
			fmt.Fprintf(&b, "\n(Only the first %d of %d jobs were checked.)", len(l.Items), l.Total)
		}
		w.add(b.String())
		return nil
	}
	total := int(l.Total)
	if total < len(l.Items) {
		total = len(l.Items)
	}
	var b strings.Builder
	switch {
	case total == 0 && label != "":
		fmt.Fprintf(&b, "No jobs are %s%s.", label, where)
	case total == 0:
		fmt.Fprintf(&b, "No jobs%s.", where)
	case label != "":
		fmt.Fprintf(&b, "%s %s %s%s:", plural(total, "job", "jobs"), isAre(total), label, where)
	default:
		fmt.Fprintf(&b, "%s%s:", plural(total, "job", "jobs"), where)
	}
	for _, j := range l.Items {
		b.WriteString("\n" + jobLine(j))
	}
	if len(l.Items) < total {
		fmt.Fprintf(&b, "\nShowing the first %d of %d; ask for a stream or workstation to narrow it.", len(l.Items), total)
	}
	w.add(b.String())
	return nil
}

// longRunning lists the running jobs whose run, at the time of the
// result, is longer than their estimate.
func longRunning(l planview.JobList, where string) string {
	var b strings.Builder
	var lines []string
	for _, j := range l.Items {
		r := j.LastRun
		if r == nil || r.Start.IsZero() || l.AsOf.IsZero() {
			continue
		}
		est := j.EstimatedSeconds
		if est <= 0 {
			est = r.EstimatedSeconds
		}
		elapsed := l.AsOf.Sub(r.Start).Seconds()
		if est <= 0 || elapsed <= est*1.1 {
			continue
		}
		lines = append(lines, fmt.Sprintf("- %s, running for %s against an estimate of %s (%.1f times)",
			jobLabel(j.Stream, j.Name, j.ID, j.Workstation), seconds(elapsed), seconds(est), elapsed/est))
	}
	switch {
	case len(lines) == 0:
		fmt.Fprintf(&b, "No running job%s is longer than its estimate (%s running).", where, plural(len(l.Items), "job is", "jobs are"))
	default:
		fmt.Fprintf(&b, "%s running longer than estimated%s, as of %s:\n%s", plural(len(lines), "job is", "jobs are"), where, clock(l.AsOf), strings.Join(lines, "\n"))
	}
	if int(l.Total) > len(l.Items) {
		fmt.Fprintf(&b, "\n(Only the first %d of %d running jobs were checked.)", len(l.Items), l.Total)
	}
	return b.String()
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// job answers get_job: status, last run, waiting and dependencies.
func (w *writer) job(content string) error {
	var d planview.JobDetail
	if err := json.Unmarshal([]byte(content), &d); err != nil {
		return err
	}
	w.meta(d.Meta)
	j := d.Job
	var b strings.Builder
	fmt.Fprintf(&b, "%s is %s", jobLabel(j.Stream, j.Name, j.ID, j.Workstation), j.Status)
	if j.InternalStatus != "" {
		fmt.Fprintf(&b, " (%s)", j.InternalStatus)
	}
	if j.Critical {
		b.WriteString("; it is a critical job")
	}
	if j.Late {
		b.WriteString("; it is late")
	}
	b.WriteString(".")
	if !j.Deadline.IsZero() {
		b.WriteString(" Deadline: " + clock(j.Deadline) + ".")
	}
	if r := j.LastRun; r != nil {
		b.WriteString(" " + runText(*r, d.Duration))
	} else {
		b.WriteString(" It has not run yet.")
	}
	if len(d.Runs) > 1 {
		fmt.Fprintf(&b, "\nRuns (%d):", len(d.Runs))
		for _, r := range d.Runs {
			fmt.Fprintf(&b, "\n- run %s", r.ID)
			if r.Number != 0 {
				fmt.Fprintf(&b, " (#%d)", r.Number)
			}
			b.WriteString(statusText(string(r.Status), string(r.InternalStatus)))
			if !r.End.IsZero() {
				fmt.Fprintf(&b, ", return code %d", r.ReturnCode)
			}
		}
	}
	w.add(b.String())

	b.Reset()
	switch {
	case d.Waiting.Waiting:
		reason := d.Waiting.Reason
		if reason == "" {
			reason = j.Substatus.Reason()
		}
		if reason == "" {
			reason = "it has not started"
		}
		fmt.Fprintf(&b, "Why it waits: %s.", strings.TrimSuffix(reason, "."))
		if len(d.Waiting.Blockers) > 0 {
			fmt.Fprintf(&b, "\nUnsatisfied dependencies (%d):", len(d.Waiting.Blockers))
			for _, dep := range d.Waiting.Blockers {
				b.WriteString("\n- " + depText(dep))
			}
		}
	case w.q.kind == kindWaiting:
		fmt.Fprintf(&b, "It is not waiting: it is %s.", j.Status)
	}
	if b.Len() > 0 {
		w.add(b.String())
	}

	b.Reset()
	switch {
	case len(d.Dependencies) == 0 && (w.q.kind == kindPredecessors || w.q.kind == kindWaiting):
		b.WriteString("It has no dependencies.")
	case len(d.Dependencies) > 0 && d.Waiting.Waiting && len(d.Waiting.Blockers) > 0 && w.q.kind != kindPredecessors:
		// The blockers are listed; add the dependencies already met.
		var met []planview.DependencyView
		for _, dep := range d.Dependencies {
			if dep.Satisfied {
				met = append(met, dep)
			}
		}
		if len(met) > 0 {
			fmt.Fprintf(&b, "Satisfied dependencies (%d):", len(met))
			for _, dep := range met {
				b.WriteString("\n- " + depText(dep))
			}
		}
	case len(d.Dependencies) > 0:
		sat := 0
		for _, dep := range d.Dependencies {
			if dep.Satisfied {
				sat++
			}
		}
		fmt.Fprintf(&b, "Dependencies (%d, %d satisfied):", len(d.Dependencies), sat)
		for _, dep := range d.Dependencies {
			b.WriteString("\n- " + depText(dep))
		}
	}
	w.add(b.String())
	return nil
}

// runText describes a job's last run.
func runText(r planview.RunView, dur *planview.Duration) string {
	var b strings.Builder
	if r.Start.IsZero() && r.End.IsZero() {
		return "It has not started yet (run id " + r.ID + ")."
	}
	b.WriteString("Its last run (run id " + r.ID)
	if r.Number != 0 {
		fmt.Fprintf(&b, ", #%d", r.Number)
	}
	b.WriteString(")")
	switch {
	case !r.End.IsZero():
		fmt.Fprintf(&b, " ended %s", clock(r.End))
		if r.InternalStatus != "" {
			fmt.Fprintf(&b, " in %s", r.InternalStatus)
		}
		fmt.Fprintf(&b, " with return code %d", r.ReturnCode)
		if r.ElapsedSeconds > 0 {
			b.WriteString(" after " + seconds(r.ElapsedSeconds))
		}
	default:
		b.WriteString(" started " + clock(r.Start) + " and is still going")
	}
	if dur != nil && dur.EstimatedSeconds > 0 {
		fmt.Fprintf(&b, "; the estimate is %s (%s)", seconds(dur.EstimatedSeconds), dur.Verdict)
	}
	b.WriteString(".")
	return b.String()
}

// depText describes one dependency.
func depText(d planview.DependencyView) string {
	var s string
	switch {
	case d.JobName != "" || d.JobID != "":
		s = "job " + jobLabel(d.StreamName, d.JobName, d.JobID, d.Workstation)
	case d.StreamName != "":
		s = "job stream " + d.StreamName
		if d.StreamID != "" {
			s += " (id " + d.StreamID + ")"
		}
	case d.Name != "":
		s = strings.ToLower(string(d.Type)) + " " + d.Name
	default:
		s = strings.ToLower(string(d.Type))
	}
	if d.Type != "" && (d.JobName != "" || d.StreamName != "") {
		s += " [" + strings.ToLower(string(d.Type)) + "]"
	}
	if d.PredecessorStatus != "" {
		s += ", now " + string(d.PredecessorStatus)
	}
	if d.Satisfied {
		s += ", satisfied"
	} else {
		s += ", not satisfied"
	}
	if d.Critical {
		s += ", critical"
	}
	return s
}

// notable marks the log lines worth quoting.
var notable = regexp.MustCompile(`(?i)error|fail|abend|exception|fatal|exit status|return code|\brc\s*=|killed|segmentation|denied|not found|timed? ?out|severe|traceback|panic|core dump`)

// maxQuoted bounds the log lines an answer quotes.
const maxQuoted = 12

// log answers job_log, quoting lines with their numbers in the tail.
func (w *writer) log(u llm.ToolUse, content string) error {
	var l planview.Log
	if err := json.Unmarshal([]byte(content), &l); err != nil {
		return err
	}
	w.meta(l.Meta)
	name := l.JobID
	if j, ok := w.t.mem.job(l.JobID); ok {
		name = jobLabel(j.Stream, j.Name, j.ID, j.Workstation)
	} else if in := inputString(u.Input, "job"); in != "" && in != l.JobID {
		name = in + " (id " + l.JobID + ")"
	}
	text := strings.TrimRight(l.Text, "\n")
	if text == "" {
		w.add("The log of " + name + " is empty.")
		return nil
	}
	lines := strings.Split(text, "\n")
	var b strings.Builder
	fmt.Fprintf(&b, "Log of %s, run %s: the last %d lines", name, l.RunID, len(lines))
	if l.Truncated {
		b.WriteString(" (cut to size)")
	}
	var pick []int
	if len(lines) <= 8 {
		for i := range lines {
			pick = append(pick, i)
		}
		b.WriteString(":")
	} else {
		var own []string // the job's own name may contain ABEND or FAIL
		if j, ok := w.t.mem.job(l.JobID); ok {
			own = append(own, j.Name, j.Stream)
		}
		for i, s := range lines {
			for _, o := range own {
				if o != "" {
					s = strings.ReplaceAll(s, o, "")
				}
			}
			if notable.MatchString(s) {
				pick = append(pick, i)
			}
		}
		if len(pick) > maxQuoted {
			pick = pick[len(pick)-maxQuoted:]
		}
		if len(pick) == 0 {
			for i := len(lines) - 5; i < len(lines); i++ {
				pick = append(pick, i)
			}
			b.WriteString("; nothing looks like an error. The last lines:")
		} else {
			b.WriteString("; the lines that matter:")
		}
	}
	for _, i := range pick {
		fmt.Fprintf(&b, "\n  line %d: %s", i+1, strings.TrimRight(lines[i], "\r"))
	}
	fmt.Fprintf(&b, "\n(Line numbers are lines 1-%d of the tail.)", len(lines))
	w.add(b.String())
	return nil
}

// streams answers list_jobstreams.
func (w *writer) streams(u llm.ToolUse, content string) error {
	var l planview.StreamList
	if err := json.Unmarshal([]byte(content), &l); err != nil {
		return err
	}
	w.meta(l.Meta)
	var in map[string]any
	_ = json.Unmarshal(u.Input, &in)
	late, _ := in["late"].(bool)
	items := l.Items
	if ws := w.q.workstation; ws != "" {
		var keep []planview.StreamView
		for _, s := range items {
			if squeeze(s.Workstation) == squeeze(ws) {
				keep = append(keep, s)
			}
		}
		items = keep
	}
	var b strings.Builder
	if st := w.q.stream; st != "" {
		// The answer is about one stream: its line, or that it is not there.
		for _, s := range items {
			if squeeze(s.Name) == squeeze(st) {
				w.cut = false
				if late {
					w.add(fmt.Sprintf("Job stream %s is late.\n%s", s.Name, streamText(s)))
				} else {
					w.add(streamText(s))
				}
				return nil
			}
		}
		switch {
		case w.cut:
			w.add(fmt.Sprintf("Job stream %s is not among the %s I could read (the list was cut); ask \"jobs in stream %s\" instead.", st, plural(len(l.Items), "job stream", "job streams"), st))
			w.cut = false
		case late:
			w.add(fmt.Sprintf("Job stream %s is not among the %s: it is not late.", st, plural(len(l.Items), "late job stream", "late job streams")))
		default:
			w.add(fmt.Sprintf("Job stream %s is not in the plan (%s).", st, plural(len(l.Items), "job stream", "job streams")))
		}
		return nil
	}
	where := ""
	if w.q.workstation != "" {
		where = " on workstation " + w.q.workstation
	}
	switch {
	case late && len(items) == 0:
		fmt.Fprintf(&b, "No job streams are late%s.", where)
	case late:
		fmt.Fprintf(&b, "%s %s late%s:", plural(len(items), "job stream", "job streams"), isAre(len(items)), where)
	default:
		fmt.Fprintf(&b, "The plan has %s%s:", plural(len(items), "job stream", "job streams"), where)
	}
	for _, s := range items {
		fmt.Fprintf(&b, "\n- %s (id %s)", s.Name, s.ID)
		if s.Workstation != "" {
			b.WriteString(" on " + s.Workstation)
		}
		b.WriteString(statusText(string(s.Status), string(s.Internal)))
		if !s.Deadline.IsZero() {
			b.WriteString(", deadline " + clock(s.Deadline))
		}
		if s.Stats.Abended+s.Stats.Failed > 0 {
			fmt.Fprintf(&b, ", %d of %d jobs in error", s.Stats.Abended+s.Stats.Failed, s.Stats.Jobs)
		}
		if s.Late && !late {
			b.WriteString(", late")
		}
	}
	w.add(b.String())
	return nil
}

// streamText describes one job stream.
func streamText(s planview.StreamView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Job stream %s (id %s)", s.Name, s.ID)
	if s.Workstation != "" {
		b.WriteString(" on " + s.Workstation)
	}
	fmt.Fprintf(&b, " is %s", s.Status)
	if s.Internal != "" && string(s.Internal) != string(s.Status) {
		fmt.Fprintf(&b, " (%s)", s.Internal)
	}
	if s.Late {
		b.WriteString(" and late")
	}
	b.WriteString(".")
	if !s.Deadline.IsZero() {
		b.WriteString(" Deadline: " + clock(s.Deadline) + ".")
	}
	st := s.Stats
	if st.Jobs > 0 {
		fmt.Fprintf(&b, " Jobs: %d — %d successful, %d running, %d abended, %d failed, %d not started", st.Jobs, st.Successful, st.Executing, st.Abended, st.Failed, st.NotRunning)
		if st.Undecided > 0 {
			fmt.Fprintf(&b, ", %d undecided", st.Undecided)
		}
		b.WriteString(". Ask \"jobs in stream " + s.Name + "\" for the list.")
	}
	return b.String()
}

// workstations answers list_workstations.
func (w *writer) workstations(u llm.ToolUse, content string) error {
	var l planview.WorkstationList
	if err := json.Unmarshal([]byte(content), &l); err != nil {
		return err
	}
	w.meta(l.Meta)
	var in map[string]any
	_ = json.Unmarshal(u.Input, &in)
	unlinked, _ := in["unlinked"].(bool)
	if ws := w.q.workstation; ws != "" {
		for _, x := range l.Items {
			if squeeze(x.Name) == squeeze(ws) {
				state := "linked"
				if !x.Linked {
					state = "unlinked"
				}
				if x.Running {
					state += " and running"
				} else {
					state += " and not running"
				}
				w.add(fmt.Sprintf("Workstation %s (id %s, %s) is %s.", x.Name, x.ID, x.Type, state))
				w.cut = false
				return nil
			}
		}
		if unlinked {
			w.add(fmt.Sprintf("Workstation %s is not among the unlinked workstations.", ws))
		} else {
			w.add(fmt.Sprintf("Workstation %s is not in the plan.", ws))
		}
		return nil
	}
	var b strings.Builder
	switch {
	case unlinked && len(l.Items) == 0:
		b.WriteString("No workstations are unlinked: every workstation is linked.")
	case unlinked:
		fmt.Fprintf(&b, "%s %s unlinked:", plural(len(l.Items), "workstation", "workstations"), isAre(len(l.Items)))
	default:
		down := 0
		for _, ws := range l.Items {
			if !ws.Linked {
				down++
			}
		}
		fmt.Fprintf(&b, "The plan has %s, %d unlinked:", plural(len(l.Items), "workstation", "workstations"), down)
	}
	for _, ws := range l.Items {
		fmt.Fprintf(&b, "\n- %s (id %s, %s)", ws.Name, ws.ID, ws.Type)
		if ws.Linked {
			b.WriteString(", linked")
		} else {
			b.WriteString(", unlinked")
		}
		if ws.Running {
			b.WriteString(", running")
		} else {
			b.WriteString(", not running")
		}
	}
	w.add(b.String())
	return nil
}

// critical answers critical_jobs.
func (w *writer) critical(content string) error {
	var l planview.CriticalList
	if err := json.Unmarshal([]byte(content), &l); err != nil {
		return err
	}
	w.meta(l.Meta)
	items := l.Items
	if w.q.stream != "" || w.q.workstation != "" {
		var keep []planview.CriticalJob
		for _, c := range items {
			if (w.q.stream == "" || squeeze(c.Stream) == squeeze(w.q.stream)) && (w.q.workstation == "" || squeeze(c.Workstation) == squeeze(w.q.workstation)) {
				keep = append(keep, c)
			}
		}
		items = keep
	}
	atRisk := 0
	for _, c := range items {
		if c.AtRisk {
			atRisk++
		}
	}
	var b strings.Builder
	if len(items) == 0 {
		b.WriteString("There are no critical jobs")
		if w.q.stream != "" {
			b.WriteString(" in stream " + w.q.stream)
		}
		if w.q.workstation != "" {
			b.WriteString(" on workstation " + w.q.workstation)
		}
		b.WriteString(".")
	} else {
		fmt.Fprintf(&b, "%s, %d at risk:", plural(len(items), "critical job", "critical jobs"), atRisk)
	}
	for _, c := range items {
		b.WriteString("\n" + jobLine(c.JobView))
		if c.AtRisk {
			b.WriteString(", AT RISK")
			if c.Risk != "" {
				b.WriteString(": " + c.Risk)
			}
		}
	}
	w.add(b.String())
	return nil
}

func nodeLine(n nodeResult) string {
	s := "- " + jobLabel(n.Stream, n.Name, n.ID, n.Workstation)
	if n.Kind == "jobstream" {
		s = "- job stream " + n.Name + " (id " + n.ID + ")"
		if n.Workstation != "" {
			s += " on " + n.Workstation
		}
	}
	if n.Critical {
		s += ", critical"
	}
	return s
}

// dependencies answers job_dependencies.
func (w *writer) dependencies(content string) error {
	var d dependenciesResult
	if err := json.Unmarshal([]byte(content), &d); err != nil {
		return err
	}
	name := w.name(d.Job)
	dir := d.Direction
	if dir == "" {
		dir = "predecessors"
	}
	var b strings.Builder
	switch {
	case len(d.Nodes) == 0 && dir == "successors":
		fmt.Fprintf(&b, "Nothing depends on %s: it has no successors in the plan.", name)
	case len(d.Nodes) == 0:
		fmt.Fprintf(&b, "%s has no predecessors: it depends on no other job or job stream.", name)
	case dir == "successors":
		fmt.Fprintf(&b, "%s has %s (what waits for it):", name, plural(len(d.Nodes), "successor", "successors"))
	default:
		fmt.Fprintf(&b, "%s has %s (what it waits for):", name, plural(len(d.Nodes), "predecessor", "predecessors"))
	}
	for _, n := range d.Nodes {
		b.WriteString("\n" + nodeLine(n))
	}
	w.add(b.String())
	return nil
}

// name labels the job of a result, completed from the conversation.
func (w *writer) name(n nodeResult) string {
	if j, ok := w.t.mem.job(n.ID); ok {
		return jobLabel(j.Stream, j.Name, j.ID, j.Workstation)
	}
	return jobLabel(n.Stream, n.Name, n.ID, n.Workstation)
}

// impact answers job_impact.
func (w *writer) impact(content string) error {
	var r impactResult
	if err := json.Unmarshal([]byte(content), &r); err != nil {
		return err
	}
	name := w.name(r.Job)
	var b strings.Builder
	if len(r.Successors) == 0 {
		fmt.Fprintf(&b, "If %s fails or is late, nothing else is affected: it has no successors.", name)
	} else {
		fmt.Fprintf(&b, "If %s fails or is late, %s affected, %d of them critical:", name, plural(len(r.Successors), "successor is", "successors are"), r.Critical)
	}
	for _, n := range r.Successors {
		b.WriteString("\n" + nodeLine(n))
	}
	if r.OnCriticalPath {
		b.WriteString("\nIt is on a critical path.")
	}
	if r.Note != "" {
		b.WriteString("\n(Source: " + r.Source + ": " + r.Note + ".)")
	}
	w.add(b.String())
	return nil
}

// why answers why_waiting: the job's own reason and each root cause
// upstream with the chain that leads to it.
func (w *writer) why(content string) error {
	var r whyResult
	if err := json.Unmarshal([]byte(content), &r); err != nil {
		return err
	}
	j := r.Job
	name := jobLabel(j.Stream, j.Name, j.ID, j.Workstation)
	var b strings.Builder
	switch {
	case !r.Waiting:
		fmt.Fprintf(&b, "%s is not waiting%s.", name, statusText(j.Status, j.InternalStatus))
	case r.Reason != "":
		fmt.Fprintf(&b, "%s is waiting: %s.", name, strings.TrimSuffix(r.Reason, "."))
	default:
		fmt.Fprintf(&b, "%s is waiting.", name)
	}
	if len(r.Blockers) > 0 {
		fmt.Fprintf(&b, "\nRoot causes upstream (%d):", len(r.Blockers))
	} else if r.Waiting {
		b.WriteString("\nNo job upstream holds it up: it waits on something else (time, file, prompt or resource).")
	}
	for _, x := range r.Blockers {
		fmt.Fprintf(&b, "\n- %s is %s", jobLabel(x.Root.Stream, x.Root.Name, x.Root.ID, x.Root.Workstation), x.Reason)
		if x.Detail != "" {
			b.WriteString(" (" + strings.TrimSuffix(x.Detail, ".") + ")")
		}
		if x.Critical {
			b.WriteString(", critical")
		}
		if len(x.Chain) > 1 {
			var path []string
			for _, c := range x.Chain {
				path = append(path, c.Name)
			}
			b.WriteString("; chain: " + j.Name + " ← " + strings.Join(path, " ← "))
		}
	}
	if r.Note != "" {
		b.WriteString("\n(Source: " + r.Source + ": " + r.Note + ".)")
	}
	w.add(b.String())
	return nil
}

// proposal answers propose_action: what was proposed, never executed.
func (w *writer) proposal(content string) error {
	var p proposalResult
	if err := json.Unmarshal([]byte(content), &p); err != nil {
		return err
	}
	var targets []string
	for _, t := range p.Targets {
		targets = append(targets, jobLabel(t.Stream, t.Name, t.ID, t.Workstation))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "I have proposed to %s %s (proposal %s", describeAction(p.Action), strings.Join(targets, ", "), p.ProposalID)
	if !p.ExpiresAt.IsZero() {
		b.WriteString(", expires " + p.ExpiresAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	b.WriteString("). Nothing has been executed: confirm the proposal with a justification to run it, or cancel it.")
	switch n := len(p.Impact.Successors); {
	case n == 0:
		b.WriteString("\nImpact: no successors are affected.")
	default:
		fmt.Fprintf(&b, "\nImpact: %s affected, %d of them critical:", plural(n, "successor is", "successors are"), p.Impact.Critical)
		for _, s := range p.Impact.Successors {
			b.WriteString("\n" + nodeLine(s))
		}
	}
	w.add(b.String())
	return nil
}

// runbooks answers search_runbooks, whose shape is read leniently: the
// first list of objects, each with a document, a section and a text.
func (w *writer) runbooks(content string) error {
	var v any
	if err := json.Unmarshal([]byte(content), &v); err != nil {
		return err
	}
	items := firstList(v)
	if len(items) == 0 {
		w.add("The runbooks have nothing on that.")
		return nil
	}
	pick := func(o map[string]any, keys ...string) string {
		for _, k := range keys {
			if s, ok := o[k].(string); ok && s != "" {
				return s
			}
		}
		return ""
	}
	var b strings.Builder
	b.WriteString("From the runbooks:")
	for i, o := range items {
		if i == 5 {
			break
		}
		doc := pick(o, "document", "doc", "title", "source", "file")
		sec := pick(o, "section", "heading", "anchor")
		text := pick(o, "text", "content", "chunk", "excerpt", "snippet")
		b.WriteString("\n- ")
		if doc != "" {
			b.WriteString(doc)
		}
		if sec != "" {
			b.WriteString(" § " + sec)
		}
		if text != "" {
			b.WriteString(": " + excerpt(strings.Join(strings.Fields(text), " "), 400))
		}
	}
	w.add(b.String())
	return nil
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
