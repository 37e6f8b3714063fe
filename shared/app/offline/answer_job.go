package offline

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/llm"
)

// job answers get_job: status, last run, waiting and dependencies.
func (w *writer) job(content string) error {
	var d planview.JobDetail
	if err := json.Unmarshal([]byte(content), &d); err != nil {
		return err
	}
	w.meta(d.Meta)
	switch {
	case w.q.kind == kindTask, w.q.kind == kindRecovery:
		w.add(taskAnswer(d, w.q.kind))
		return nil
	case w.q.kind == kindImpact && slices.Contains(w.q.also, kindRecovery) && !slices.Contains(w.q.also, kindJob):
		w.add(taskAnswer(d, kindImpact)) // "what happens if X fails": the impact, and this
		return nil
	}
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
