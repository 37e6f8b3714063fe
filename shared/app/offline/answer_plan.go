package offline

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/llm"
	"github.com/resync/resync/shared/domain/workload"
)

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
	refs := func(title string, list []workload.JobRef, count int) string {
		var b strings.Builder
		count = max(count, len(list))
		fmt.Fprintf(&b, "%s (%d):", title, count)
		if count == 0 {
			b.WriteString(" none.")
		}
		for _, j := range list {
			b.WriteString("\n- " + jobLabel(j.Stream, j.Name, j.ID, j.Workstation) + statusText(string(j.Common), string(j.Internal)))
		}
		if count > len(list) {
			fmt.Fprintf(&b, "\n(The first %d of %d, by name; ask for them by stream or workstation to see the rest.)", len(list), count)
		}
		return b.String()
	}
	late := func() string {
		var b strings.Builder
		fmt.Fprintf(&b, "Late job streams (%d):", max(s.LateStreamsCount, len(s.LateStreams)))
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
		fmt.Fprintf(&b, "Unlinked workstations (%d):", max(s.UnlinkedCount, len(s.Unlinked)))
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
				w.add(refs("Abended jobs", s.Abended, s.AbendedCount))
			case f.status == "ERROR":
				w.add(refs("Jobs in error", s.Failed, s.FailedCount))
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
		w.add(refs("Critical jobs at risk", s.CriticalAtRisk, s.CriticalAtRiskCount))
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
	if w.tools[toolAttention] {
		return nil // the attention list, next, names what needs the operator
	}
	w.add(refs("Abended jobs", s.Abended, s.AbendedCount))
	if other := failedOnly(); len(other) > 0 {
		w.add(refs("Other jobs in error", other, 0))
	}
	w.add(late())
	w.add(unlinked())
	w.add(refs("Critical jobs at risk", s.CriticalAtRisk, s.CriticalAtRiskCount))
	return nil
}

// filterLabel describes a search_jobs input: "abended", "in error", ...
func filterLabel(in map[string]any) string {
	str := func(k string) string { s, _ := in[k].(string); return s }
	var parts []string
	if crit, _ := in["critical"].(bool); crit {
		parts = append(parts, "critical")
	}
	if st, ok := in["started"].(bool); ok && !st {
		parts = append(parts, "not started yet")
	}
	if late, ok := in["late"].(bool); ok {
		parts = append(parts, map[bool]string{true: "late", false: "not late"}[late])
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
	var ap struct {
		Applied applied `json:"applied"`
	}
	_ = json.Unmarshal([]byte(content), &ap)
	where += ap.Applied.phrase()
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
				switch {
				case late || w.q.kind == kindLate && s.Late:
					w.add(fmt.Sprintf("Job stream %s is late.\n%s", s.Name, streamText(s)))
				case w.q.kind == kindLate:
					w.add(fmt.Sprintf("Job stream %s is not late.\n%s", s.Name, streamText(s)))
				default:
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
		case w.tools[toolResolveName]:
			// resolve_name, next, says what the name is or is close to.
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
	case where == "" && l.Total > len(items):
		fmt.Fprintf(&b, "The plan has %s; %d are listed here (the list is cut):", plural(l.Total, "job stream", "job streams"), len(items))
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
	} else {
		b.WriteString(", not late")
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
		switch {
		case unlinked:
			w.add(fmt.Sprintf("Workstation %s is not among the unlinked workstations.", ws))
		case w.tools[toolResolveName]:
			// resolve_name, next, says what the name is or is close to.
		default:
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
