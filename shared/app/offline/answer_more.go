package offline

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/resync/resync/shared/app/handover"
	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/llm"
)

// applied is the filter a search_jobs or count_jobs result says it applied.
type applied struct {
	Window   string `json:"window"`
	TimeZone string `json:"timeZone"`
	Label    string `json:"label"`
}

// phrase is the time window as the answer states it: " (ended since
// 2026-12-03 02:00 UTC)", or "".
func (a applied) phrase() string {
	if a.Window == "" {
		return ""
	}
	return " (" + a.Window + ")"
}

// counts answers count_jobs: the total, and per group the largest first
// (or the smallest, when that was asked).
func (w *writer) counts(u llm.ToolUse, content string) error {
	var c struct {
		planview.Counts
		Applied applied `json:"applied"`
	}
	if err := json.Unmarshal([]byte(content), &c); err != nil {
		return err
	}
	w.meta(c.Meta)
	var in map[string]any
	_ = json.Unmarshal(u.Input, &in)
	label := filterLabel(in)
	what := "jobs"
	if label != "" {
		what = "jobs " + label
	}
	if s, _ := in["stream"].(string); s != "" {
		what += " in stream " + s
	}
	if s, _ := in["workstation"].(string); s != "" {
		what += " on workstation " + s
	}
	what += c.Applied.phrase()
	if c.GroupBy == "" {
		w.add(fmt.Sprintf("Count: %s%s.", plural(c.Total, "job", "jobs"), strings.TrimPrefix(what, "jobs")))
		return nil
	}
	group := map[string]string{"workstation": "workstation", "stream": "job stream", "status": "status", "internalStatus": "internal status", "returnCode": "return code"}[c.GroupBy]
	var b strings.Builder
	if c.Total == 0 || len(c.Groups) == 0 {
		fmt.Fprintf(&b, "There are no %s, so no %s has any (the count is 0).", what, group)
		w.add(b.String())
		return nil
	}
	groups := c.Groups
	lead := groups[0]
	ties := c.Ties
	if w.q.least {
		lead = groups[len(groups)-1]
		ties = 0
		for _, g := range groups {
			if g.Count == lead.Count {
				ties++
			}
		}
	}
	most := "most"
	if w.q.least {
		most = "fewest"
	}
	switch {
	case ties > 1:
		var names []string
		for _, g := range groups {
			if g.Count == lead.Count {
				names = append(names, g.Key)
			}
		}
		fmt.Fprintf(&b, "%d %ss tie for the %s %s, with %d each: %s.", ties, group, most, what, lead.Count, joinList(names, 10))
	default:
		fmt.Fprintf(&b, "%s %s has the %s %s: %d.", strings.ToUpper(group[:1])+group[1:], lead.Key, most, what, lead.Count)
	}
	fmt.Fprintf(&b, "\n%s in total, by %s:", plural(c.Total, "job", "jobs")+strings.TrimPrefix(what, "jobs"), group)
	for i, g := range groups {
		if i == 20 {
			fmt.Fprintf(&b, "\n- and %d more %ss", len(groups)-20, group)
			break
		}
		key := g.Key
		if key == "" {
			key = "(none)"
		}
		fmt.Fprintf(&b, "\n- %s: %d", key, g.Count)
	}
	w.add(b.String())
	return nil
}

// attention answers the attention tool: what needs the operator, ranked.
func (w *writer) attention(content string) error {
	var l planview.AttentionList
	if err := json.Unmarshal([]byte(content), &l); err != nil {
		return err
	}
	w.meta(l.Meta)
	var b strings.Builder
	if l.Total == 0 {
		w.add("Nothing needs your attention right now: no job in error, no critical job at risk, no late job stream, every workstation linked and running, no long runner, no prompt waiting and no job held by an operator.")
		return nil
	}
	fmt.Fprintf(&b, "%s need%s your attention, most urgent first:", plural(l.Total, "thing", "things"), map[bool]string{true: "s", false: ""}[l.Total == 1])
	for _, it := range l.Items {
		name := it.Name
		switch it.Kind {
		case planview.AttentionWorkstation:
			name = "workstation " + it.Name
		case planview.AttentionLateStream:
			name = "job stream " + it.Name
		default:
			name = jobLabel(it.Stream, it.Name, it.ID, it.Workstation)
		}
		fmt.Fprintf(&b, "\n%d. %s: %s. Next: %s.", it.Rank, name, it.Why, it.Next)
	}
	if l.Truncated {
		var kinds []string
		for k, n := range l.ByKind {
			kinds = append(kinds, fmt.Sprintf("%d %s", n, strings.ReplaceAll(k, "_", " ")))
		}
		sort.Strings(kinds)
		fmt.Fprintf(&b, "\nShowing the first %d of %d (%s); ask \"which jobs failed?\" or \"late job streams\" for a full list.", len(l.Items), l.Total, strings.Join(kinds, ", "))
	}
	w.add(b.String())
	return nil
}

// resolution answers resolve_name: what the name is, or the names close to it.
func (w *writer) resolution(content string) error {
	var r planview.Resolution
	if err := json.Unmarshal([]byte(content), &r); err != nil {
		return err
	}
	w.meta(r.Meta)
	var b strings.Builder
	switch {
	case r.Total > 0:
		fmt.Fprintf(&b, "%q is in the plan as:", r.Name)
		for _, m := range r.Exact {
			b.WriteString("\n- " + matchLine(matchResult{Kind: m.Kind, Name: m.Name, ID: m.ID, Stream: m.Stream, Workstation: m.Workstation, Status: m.Status, InternalStatus: m.Internal}))
		}
	case len(r.Suggestions) > 0:
		fmt.Fprintf(&b, "Nothing in the plan is called %q. Did you mean:", r.Name)
		for _, m := range r.Suggestions {
			b.WriteString("\n- " + matchLine(matchResult{Kind: m.Kind, Name: m.Name, ID: m.ID, Stream: m.Stream, Workstation: m.Workstation, Status: m.Status, InternalStatus: m.Internal}))
		}
	default:
		fmt.Fprintf(&b, "Nothing in the plan is called %q, and no name is close to it.", r.Name)
	}
	w.add(b.String())
	return nil
}

// matchLine names a plan object with its kind and state.
func matchLine(m matchResult) string {
	switch m.Kind {
	case "jobstream":
		return "job stream " + m.Name + statusText(m.Status, m.InternalStatus)
	case "workstation":
		return "workstation " + m.Name + " (" + strings.ToLower(m.Status) + ")"
	}
	return "job " + jobLabel(m.Stream, m.Name, m.ID, m.Workstation) + statusText(m.Status, m.InternalStatus)
}

// didYouMean is the answer to a job name the plan does not have, with the
// names close to it.
func didYouMean(job string, sugg []matchResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "There is no job %q in the plan. Did you mean:", job)
	for _, m := range sugg {
		b.WriteString("\n- " + matchLine(m))
	}
	if len(sugg) > 0 {
		fmt.Fprintf(&b, "\nAsk again with the name, for example \"status of %s\".", sugg[0].Name)
	}
	return b.String()
}

// handoverDigest answers shift_handover: each part of the digest with the
// citation of every line.
func (w *writer) handoverDigest(content string) error {
	var d handover.Digest
	if err := json.Unmarshal([]byte(content), &d); err != nil {
		return err
	}
	var b strings.Builder
	state := "under way"
	if d.Complete {
		state = "ended"
	}
	fmt.Fprintf(&b, "Shift handover for %s (%s, %s to %s, %s):", d.Shift, state, clock(d.From), clock(d.To), d.Zone)
	for _, part := range []struct {
		title string
		items []handover.Item
	}{{"Failures", d.Failures}, {"Recoveries", d.Recoveries}, {"Actions taken", d.Actions}, {"Still late", d.Late}, {"Critical jobs at risk", d.AtRisk}, {"Open prompts", d.Prompts}} {
		fmt.Fprintf(&b, "\n\n%s (%d):", part.title, len(part.items))
		if len(part.items) == 0 {
			b.WriteString(" none.")
		}
		for _, it := range part.items {
			fmt.Fprintf(&b, "\n- %s [%s]", it.Text, it.Cite)
		}
	}
	if len(d.Missing) > 0 {
		fmt.Fprintf(&b, "\n\nThis handover is partial: %s could not be read.", strings.Join(d.Missing, ", "))
	}
	w.add(b.String())
	return nil
}
