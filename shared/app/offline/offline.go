// Package offline is a deterministic llm.Model used when Bedrock is not
// configured. It understands the questions operators usually ask about an
// HWA plan (summary; failed, abended, running, held, waiting or late jobs,
// optionally in a stream or on a workstation; the status, log, dependencies,
// why-waiting or impact of a named job; unlinked workstations; critical
// jobs; runbooks; rerun, hold, release, cancel, kill or confirm a named job)
// and answers them through the same tool calls as a real model, so local
// runs and tests exercise the whole agent loop.
//
// A turn whose last message is the user's question is answered with tool
// uses (stop reason tool_use); a turn whose last message carries tool
// results is answered with text built from those results (stop reason
// end_turn), streamed a few words per delta. Follow-ups ("and its log?",
// "rerun it", "the second one") resolve against the conversation's earlier
// questions and tool results. The same request always gives the same
// response: no randomness, no clock. Token counts in Usage are word counts,
// not real tokens.
//
// The tool names and inputs are those of shared/app/agent's catalogue; the model
// only calls tools listed in the request, and says which agent can help when
// the tool it needs is not there. It never confirms or executes an action:
// propose_action only creates a proposal the user confirms.
package offline

import (
	"context"
	"encoding/json"
	"fmt"
	"unicode"

	"github.com/resync/resync/shared/domain/llm"
)

// ModelID is the model id the offline model reports in Response.Model.
const ModelID = "offline"

// Tool names of shared/app/agent's catalogue (kept here so this package does
// not depend on the agent that uses it).
const (
	toolPlanSummary      = "plan_summary"
	toolSearchJobs       = "search_jobs"
	toolGetJob           = "get_job"
	toolJobLog           = "job_log"
	toolListJobStreams   = "list_jobstreams"
	toolListWorkstations = "list_workstations"
	toolCriticalJobs     = "critical_jobs"
	toolJobDependencies  = "job_dependencies"
	toolJobImpact        = "job_impact"
	toolProposeAction    = "propose_action"
	toolWhyWaiting       = "why_waiting"
	toolSearchRunbooks   = "search_runbooks"
	toolCountJobs        = "count_jobs"
	toolAttention        = "attention"
	toolResolveName      = "resolve_name"
	toolShiftHandover    = "shift_handover"
)

// maxToolUses bounds the tool uses of one turn (e.g. "rerun A, B and C").
const maxToolUses = 5

// wordsPerDelta is how many words one streamed text delta carries.
const wordsPerDelta = 3

// Model is the offline model. The zero value is ready to use; it holds no
// state and is safe for concurrent use.
type Model struct{}

// New returns the offline model.
func New() *Model { return &Model{} }

// Stream answers req. It calls emit for each tool use or text delta and
// returns the complete response. It returns ctx's error if ctx is done, and
// emit's error (wrapped) if emit fails; it never fails otherwise.
func (m *Model) Stream(ctx context.Context, req llm.Request, emit func(llm.Event) error) (llm.Response, error) {
	if err := ctx.Err(); err != nil {
		return llm.Response{}, fmt.Errorf("offline: stream: %w", err)
	}
	if emit == nil {
		emit = func(llm.Event) error { return nil }
	}
	t := newTurn(req)
	resp := llm.Response{Model: ModelID, Message: llm.Message{Role: llm.Assistant}}
	resp.Usage.InputTokens = inputWords(req)

	uses, text := t.respond()
	if len(uses) > 0 {
		for i, c := range uses {
			input, err := json.Marshal(c.input)
			if err != nil {
				return llm.Response{}, fmt.Errorf("offline: encode %s input: %w", c.name, err)
			}
			tu := llm.ToolUse{ID: fmt.Sprintf("tooluse_offline_%d_%d", len(req.Messages), i+1), Name: c.name, Input: input}
			if err := ctx.Err(); err != nil {
				return llm.Response{}, fmt.Errorf("offline: stream: %w", err)
			}
			if err := emit(llm.Event{ToolUse: &tu}); err != nil {
				return llm.Response{}, fmt.Errorf("offline: emit tool use: %w", err)
			}
			resp.Message.Content = append(resp.Message.Content, llm.Block{ToolUse: &tu})
			resp.Usage.OutputTokens += countWords(c.name) + countWords(string(input))
		}
		resp.StopReason = llm.StopToolUse
		return resp, nil
	}

	for _, d := range chunks(text, wordsPerDelta) {
		if err := ctx.Err(); err != nil {
			return llm.Response{}, fmt.Errorf("offline: stream: %w", err)
		}
		if err := emit(llm.Event{TextDelta: d}); err != nil {
			return llm.Response{}, fmt.Errorf("offline: emit text: %w", err)
		}
	}
	resp.Message.Content = []llm.Block{{Text: text}}
	resp.StopReason = llm.StopEndTurn
	resp.Usage.OutputTokens = countWords(text)
	return resp, nil
}

// chunks splits s into pieces of n words each, keeping every character, so
// the pieces concatenate to s.
func chunks(s string, n int) []string {
	var out []string
	words, start := 0, 0
	inWord := false
	for i, r := range s {
		space := unicode.IsSpace(r)
		if !space && !inWord {
			if words == n {
				out = append(out, s[start:i])
				start, words = i, 0
			}
			words++
		}
		inWord = !space
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// countWords counts the runs of letters and digits in s: the offline
// model's stand-in for a token count.
func countWords(s string) int {
	n := 0
	in := false
	for _, r := range s {
		w := unicode.IsLetter(r) || unicode.IsDigit(r)
		if w && !in {
			n++
		}
		in = w
	}
	return n
}

// inputWords is the word count of everything the request gives the model.
func inputWords(req llm.Request) int {
	n := countWords(req.System)
	for _, t := range req.Tools {
		n += countWords(t.Name) + countWords(t.Description) + countWords(string(t.Schema))
	}
	for _, m := range req.Messages {
		for _, b := range m.Content {
			n += countWords(b.Text)
			if b.ToolUse != nil {
				n += countWords(b.ToolUse.Name) + countWords(string(b.ToolUse.Input))
			}
			if b.ToolResult != nil {
				n += countWords(b.ToolResult.Content)
			}
		}
	}
	return n
}

// call is one tool use the model decides to make.
type call struct {
	name  string
	input map[string]any
}

// turn is one request as the model sees it: the tools it may use, what the
// conversation so far knows, and the question being answered.
type turn struct {
	req   llm.Request
	tools map[string]map[string]bool // tool name → its input properties (nil: unknown)
	mem   *memory
}

func newTurn(req llm.Request) *turn {
	t := &turn{req: req, tools: map[string]map[string]bool{}}
	for _, s := range req.Tools {
		t.tools[s.Name] = schemaProps(s.Schema)
	}
	t.mem = remember(req.Messages)
	return t
}

// schemaProps returns the property names of a JSON Schema object, or nil
// when the schema does not list them.
func schemaProps(schema json.RawMessage) map[string]bool {
	var s struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if len(schema) == 0 || json.Unmarshal(schema, &s) != nil || s.Properties == nil {
		return nil
	}
	props := make(map[string]bool, len(s.Properties))
	for k := range s.Properties {
		props[k] = true
	}
	return props
}

func (t *turn) has(tool string) bool {
	_, ok := t.tools[tool]
	return ok
}

// use builds a call to tool, keeping only the inputs its schema knows and
// dropping empty ones: "", 0 and false are "not asked"; a *bool is an
// explicit answer either way (late: false) and is kept unless nil.
func (t *turn) use(tool string, input map[string]any) call {
	props := t.tools[tool]
	in := map[string]any{}
	for k, v := range input {
		if props != nil && !props[k] {
			continue
		}
		switch x := v.(type) {
		case string:
			if x == "" {
				continue
			}
		case int:
			if x == 0 {
				continue
			}
		case bool:
			if !x {
				continue
			}
		case *bool:
			if x == nil {
				continue
			}
			v = *x
		}
		in[k] = v
	}
	return call{name: tool, input: in}
}

// respond decides the turn: tool uses, or the text of an answer.
func (t *turn) respond() ([]call, string) {
	msgs := t.req.Messages
	if len(msgs) == 0 {
		return nil, t.help("")
	}
	last := msgs[len(msgs)-1]
	if hasResults(last) {
		if calls := t.fallback(len(msgs) - 1); len(calls) > 0 {
			return calls, ""
		}
		return nil, t.answer(len(msgs) - 1)
	}
	return t.plan(len(msgs) - 1)
}

func hasResults(m llm.Message) bool {
	for _, b := range m.Content {
		if b.ToolResult != nil {
			return true
		}
	}
	return false
}
