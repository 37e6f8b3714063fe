package offline

import (
	"encoding/json"
	"fmt"
	"strings"
)

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
	} else if r.Waiting && len(r.Conditions) == 0 {
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
	b.WriteString(conditionLines(r.Conditions))
	if r.Note != "" {
		b.WriteString("\n(Source: " + r.Source + ": " + r.Note + ".)")
	}
	w.add(b.String())
	return nil
}
