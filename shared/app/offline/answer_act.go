package offline

import (
	"encoding/json"
	"fmt"
	"strings"
)

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
	case p.Action == actionSubmitStream || p.Action == actionSubmitJob:
		if p.Impact.Summary != "" {
			b.WriteString("\nWhat it does: it " + strings.TrimSuffix(p.Impact.Summary, ".") + ".")
		}
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
