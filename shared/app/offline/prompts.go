package offline

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Prompts and resources: "which prompts are waiting for a reply?", "what is
// the tape prompt asking?", "who holds DB_CONNECTIONS?", "which resources
// are exhausted?", and "reply yes to the tape prompt" (a proposal through
// reply_prompt, never executed here). Why a job waits for a prompt or a
// resource is why_waiting's conditions (conditionLines).

// The tools of shared/app/agent's tools_prompts.go.
const (
	toolListResources = "list_resources"
	toolGetResource   = "get_resource"
	toolListPrompts   = "list_prompts"
	toolReplyPrompt   = "reply_prompt"
)

// The word lists of these questions (in vocabulary: never names).
var (
	wordsPrompt   = setOf("prompt", "prompts", "reply", "replies", "answer", "answered", "respond", "response", "asking", "asks", "question")
	wordsResource = setOf("resource", "resources", "holders", "holder", "units", "unit", "exhausted", "contention", "free", "available")
	replyVerbs    = setOf("reply", "answer", "respond", "say")
)

// promptRefRE reads "the tape prompt", "the SWIFT prompt": the word before
// "prompt"; promptNameRE reads "prompt CONFIRM_TAPE".
var (
	promptRefRE  = regexp.MustCompile(`(?i)\b([a-z0-9_\-]+)\s+prompt\b`)
	promptNameRE = regexp.MustCompile(`(?i)\bprompt\s+["'“]?([A-Za-z0-9_\-]+)`)
)

// notPromptRefs are words before "prompt" that do not name one.
var notPromptRefs = setOf("the", "a", "this", "that", "which", "what", "any", "open", "each", "every", "global", "local", "its", "to", "of", "for", "one", "is", "reply", "answer", "respond", "say", "yes", "no")

// condition reads a question about prompts or resources into q; false when
// it is not one. It runs before the other intents: "who holds X" is not a
// hold, "reply yes" is not an agreement to a proposal.
func (q *question) condition(toks []token, words map[string]bool, phrase func(...string) bool) bool {
	prompt := words["prompt"] || words["prompts"]
	resource := words["resource"] || words["resources"]
	var names []string
	for _, t := range toks {
		if t.name {
			names = append(names, strings.ToUpper(t.raw))
		}
	}
	verb := ""
	for _, t := range toks {
		if t.name || courtesy[t.word] && t.word != "yes" {
			continue
		}
		verb = t.word
		break
	}
	yesWord := words["yes"] || words["y"] || words["yeah"] || words["yep"]
	noWord := words["no"] || words["nope"]
	switch {
	case replyVerbs[verb] && (prompt || len(names) > 0) && (yesWord || noWord || prompt):
		q.kind, q.explicit = kindReplyPrompt, true
		switch {
		case yesWord && !noWord:
			q.reply = "yes"
		case noWord && !yesWord:
			q.reply = "no"
		}
		q.promptRef = promptRef(q.text, names)
		return true
	case prompt && !phrase("prompt me"):
		q.kind, q.explicit = kindPrompts, true
		q.promptRef = promptRef(q.text, names)
		return true
	case phrase("holding up", "holding back", "holding § up", "holds § up", "holds it up"):
		return false // why a job waits
	case resource || (words["who"] || words["what"] || words["which"]) && (words["holds"] || words["holding"]) && len(names) > 0 ||
		len(names) > 0 && phrase("§ free", "free §", "§ are free", "§ is free", "§ exhausted", "§ in use", "§ are in use", "units of §"):
		q.kind, q.explicit = kindResources, true
		if len(names) > 0 {
			q.resource = names[0]
		}
		q.busy = words["exhausted"] || words["busy"] || words["full"] || words["contention"] || words["waiting"] || phrase("no free", "used up", "run out", "ran out")
		return true
	}
	return false
}

// promptRef is the prompt a question names: a name typed ("prompt
// CONFIRM_TAPE"), else the word before "prompt" ("the tape prompt").
func promptRef(text string, names []string) string {
	if m := promptNameRE.FindStringSubmatch(text); m != nil && !notPromptRefs[strings.ToLower(m[1])] && !vocabulary[strings.ToLower(m[1])] {
		return strings.ToUpper(m[1])
	}
	if len(names) > 0 {
		return names[0]
	}
	for _, m := range promptRefRE.FindAllStringSubmatch(text, -1) {
		if w := strings.ToLower(m[1]); !notPromptRefs[w] {
			return w
		}
	}
	return ""
}

// planCondition is the tool call of a prompt or resource question.
func (t *turn) planCondition(q question, at int) ([]call, string) {
	switch q.kind {
	case kindPrompts:
		return t.one(toolListPrompts, nil, "the prompts")
	case kindResources:
		if q.resource != "" {
			return t.one(toolGetResource, map[string]any{"resource": q.resource}, "the resource "+q.resource)
		}
		return t.one(toolListResources, map[string]any{"busy": q.busy}, "the resources")
	}
	// kindReplyPrompt
	if !t.has(toolReplyPrompt) {
		return nil, "I cannot reply to a prompt: this agent is read-only and may not propose actions. " +
			"Ask the Operator agent (agent \"operator\"), which can propose the reply for you to confirm with a justification."
	}
	if q.promptRef == "" {
		return nil, "Which prompt? Name it, for example \"reply yes to prompt CONFIRM_TAPE\"; ask \"which prompts are waiting?\" to see them."
	}
	if q.reply == "" {
		return nil, fmt.Sprintf("Reply yes or no to the %s prompt? Say \"reply yes to the %s prompt\" or \"reply no to the %s prompt\".", q.promptRef, q.promptRef, q.promptRef)
	}
	return t.one(toolReplyPrompt, map[string]any{"prompt": q.promptRef, "answer": q.reply}, "")
}

// Result shapes of the tools (shared/app/agent.PromptsResult, ResourceView).
type (
	promptItem struct {
		ID          string       `json:"id"`
		Name        string       `json:"name"`
		Text        string       `json:"text"`
		Scope       string       `json:"scope"`
		Status      string       `json:"status"`
		Workstation string       `json:"workstation"`
		Jobs        []nodeResult `json:"jobs"`
	}
	promptsResult struct {
		Items []promptItem `json:"items"`
		Total int          `json:"total"`
	}
	holderItem struct {
		JobID    string `json:"jobId"`
		Job      string `json:"job"`
		Stream   string `json:"stream"`
		Quantity int    `json:"quantity"`
	}
	resourceItem struct {
		ID          string       `json:"id"`
		Name        string       `json:"name"`
		Workstation string       `json:"workstation"`
		Description string       `json:"description"`
		Quantity    int          `json:"quantity"`
		InUse       int          `json:"inUse"`
		Available   int          `json:"available"`
		Holders     []holderItem `json:"holders"`
		Waiting     []nodeResult `json:"waiting"`
	}
	resourcesResult struct {
		Items []resourceItem `json:"items"`
		Total int            `json:"total"`
	}
	// conditionResult is one of why_waiting's conditions (impact.Condition).
	conditionResult struct {
		Kind         string       `json:"kind"`
		Job          whyJob       `json:"job"`
		Name         string       `json:"name"`
		Detail       string       `json:"detail"`
		PromptID     string       `json:"promptId"`
		Text         string       `json:"text"`
		PromptStatus string       `json:"promptStatus"`
		Holders      []holderItem `json:"holders"`
	}
)

func jobNames(js []nodeResult) string {
	var out []string
	for _, j := range js {
		out = append(out, fmt.Sprintf("%s (id %s)", j.Name, j.ID))
	}
	return strings.Join(out, ", ")
}

// matchesPrompt reports whether a prompt is the one ref names (its name, or
// a word of its name or text).
func matchesPrompt(p promptItem, ref string) bool {
	r := strings.ToLower(ref)
	return strings.EqualFold(p.Name, ref) || strings.Contains(strings.ToLower(p.Name), r) || strings.Contains(strings.ToLower(p.Text), r)
}

// prompts answers list_prompts; a question naming a prompt ("the tape
// prompt") is answered about that one.
func (w *writer) prompts(content string) error {
	var r promptsResult
	if err := json.Unmarshal([]byte(content), &r); err != nil {
		return err
	}
	items := r.Items
	if ref := w.q.promptRef; ref != "" {
		var sel []promptItem
		for _, p := range items {
			if matchesPrompt(p, ref) {
				sel = append(sel, p)
			}
		}
		if len(sel) == 0 {
			var names []string
			for _, p := range items {
				names = append(names, p.Name)
			}
			msg := fmt.Sprintf("No prompt matching %q waits for a reply.", ref)
			if len(names) > 0 {
				msg += " The prompts waiting are: " + strings.Join(names, ", ") + "."
			}
			w.add(msg)
			return nil
		}
		items = sel
	}
	if len(items) == 0 {
		w.add("No prompt is waiting for a reply.")
		return nil
	}
	var b strings.Builder
	if w.q.promptRef == "" {
		fmt.Fprintf(&b, "%s waiting for a reply:", plural(len(items), "prompt is", "prompts are"))
	}
	for _, p := range items {
		state := "asked"
		if p.Status == "ANSWERED_NO" {
			state = "answered no, still waiting for a yes"
		}
		fmt.Fprintf(&b, "\n- %s (%s prompt, id %s) asks %q — %s; it holds %s", p.Name, p.Scope, p.ID, p.Text, state, plural(len(p.Jobs), "job", "jobs"))
		if len(p.Jobs) > 0 {
			b.WriteString(": " + jobNames(p.Jobs))
		}
		b.WriteString(".")
	}
	b.WriteString("\nA reply yes releases the jobs it holds; an operator can have me propose it (\"reply yes to the " +
		strings.ToLower(strings.TrimPrefix(items[0].Name, "CONFIRM_")) + " prompt\"), to confirm with a justification.")
	w.add(strings.TrimSpace(b.String()))
	return nil
}

func resourceLine(r resourceItem) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s on %s: %d of %d units in use, %d free", r.Name, r.Workstation, r.InUse, r.Quantity, r.Available)
	if len(r.Holders) == 0 {
		b.WriteString("; no job holds it")
	} else {
		var hs []string
		for _, h := range r.Holders {
			hs = append(hs, fmt.Sprintf("%s (id %s, %s)", h.Job, h.JobID, plural(h.Quantity, "unit", "units")))
		}
		b.WriteString("; used by " + strings.Join(hs, ", "))
	}
	if len(r.Waiting) > 0 {
		fmt.Fprintf(&b, "; %s waiting: %s", plural(len(r.Waiting), "job", "jobs"), jobNames(r.Waiting))
	}
	return b.String() + "."
}

// resources answers list_resources.
func (w *writer) resources(content string) error {
	var r resourcesResult
	if err := json.Unmarshal([]byte(content), &r); err != nil {
		return err
	}
	if len(r.Items) == 0 {
		if w.q.busy {
			w.add("No resource is exhausted and no job waits for one.")
		} else {
			w.add("The plan has no resources.")
		}
		return nil
	}
	var b strings.Builder
	if w.q.busy {
		fmt.Fprintf(&b, "%s exhausted or with jobs waiting:", plural(r.Total, "resource is", "resources are"))
	} else {
		fmt.Fprintf(&b, "The plan has %s (busiest first):", plural(r.Total, "resource", "resources"))
	}
	for i, it := range r.Items {
		if i == 20 {
			fmt.Fprintf(&b, "\n(Showing the first 20 of %d.)", r.Total)
			break
		}
		b.WriteString("\n- " + resourceLine(it))
	}
	w.add(b.String())
	return nil
}

// resource answers get_resource.
func (w *writer) resource(content string) error {
	var r resourceItem
	if err := json.Unmarshal([]byte(content), &r); err != nil {
		return err
	}
	s := "Resource " + resourceLine(r)
	if r.Description != "" {
		s += " (" + r.Description + ")"
	}
	w.add(s)
	return nil
}

// promptProposal answers reply_prompt: the reply proposed, never sent.
func (w *writer) promptProposal(content string) error {
	var p proposalResult
	if err := json.Unmarshal([]byte(content), &p); err != nil {
		return err
	}
	var raw struct {
		Targets []struct {
			ID, Name, Answer string
		} `json:"targets"`
	}
	_ = json.Unmarshal([]byte(content), &raw)
	if len(raw.Targets) == 0 {
		return fmt.Errorf("no target")
	}
	t := raw.Targets[0]
	var b strings.Builder
	fmt.Fprintf(&b, "I have proposed to reply %s to prompt %s (id %s) (proposal %s", t.Answer, t.Name, t.ID, p.ProposalID)
	if !p.ExpiresAt.IsZero() {
		b.WriteString(", expires " + p.ExpiresAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	b.WriteString("). Nothing has been sent to HWA: confirm the proposal with a justification to reply, or cancel it.")
	if p.Impact.Summary != "" {
		b.WriteString("\n" + p.Impact.Summary)
	}
	w.add(b.String())
	return nil
}

// conditionLines are why_waiting's prompts, resources and files, each with
// its detail; "" when there are none.
func conditionLines(cs []conditionResult) string {
	if len(cs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\nWhat holds it:")
	for _, c := range cs {
		b.WriteString("\n- " + strings.TrimSuffix(c.Detail, "."))
		if c.Kind == "prompt" && c.PromptID != "" {
			b.WriteString(fmt.Sprintf(" (prompt id %s)", c.PromptID))
		}
		b.WriteString(".")
	}
	return b.String()
}
