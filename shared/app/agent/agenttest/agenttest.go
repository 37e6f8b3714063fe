// Package agenttest has test doubles for the agent loop: a scripted
// llm.Model that replays turns and records the requests it got, and a Sink
// that records the frames a run emits.
package agenttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/domain/llm"
)

// Step is one scripted model answer. Text is streamed in chunks, then each
// tool use is reported. Stop defaults to tool_use when there are tool uses,
// else end_turn. Err makes the call fail. Func, when set, computes the step
// from the request (to answer from a tool result).
type Step struct {
	Text     string
	ToolUses []llm.ToolUse
	Stop     llm.StopReason
	Err      error
	Func     func(req llm.Request) Step
}

// Text is a step that answers text and ends the turn.
func Text(s string) Step { return Step{Text: s} }

// Tools is a step that asks for tools.
func Tools(uses ...llm.ToolUse) Step { return Step{ToolUses: uses} }

// Use is a tool use of name with input marshalled to JSON; its id is set
// by the model when empty.
func Use(name string, input any) llm.ToolUse {
	b, err := json.Marshal(input)
	if err != nil {
		b = []byte("{}")
	}
	return llm.ToolUse{Name: name, Input: b}
}

// ErrScriptDone is returned when the model is called more often than
// scripted.
var ErrScriptDone = errors.New("agenttest: script exhausted")

// Model is a scripted llm.Model. It is safe for concurrent use.
type Model struct {
	mu       sync.Mutex
	steps    []Step
	next     int
	repeat   bool
	ids      int
	requests []llm.Request
	// Chunk is the size of streamed text pieces (default 8 bytes).
	Chunk int
}

// New returns a Model answering with steps in order.
func New(steps ...Step) *Model { return &Model{steps: steps} }

// Repeat returns a Model answering every call with step (to hit limits).
func Repeat(step Step) *Model { return &Model{steps: []Step{step}, repeat: true} }

// Requests returns copies of the requests received, in order.
func (m *Model) Requests() []llm.Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.requests)
}

// Calls returns how many times Stream was called.
func (m *Model) Calls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.requests)
}

// Stream implements llm.Model.
func (m *Model) Stream(ctx context.Context, req llm.Request, emit func(llm.Event) error) (llm.Response, error) {
	m.mu.Lock()
	req.Messages = slices.Clone(req.Messages)
	req.Tools = slices.Clone(req.Tools)
	m.requests = append(m.requests, req)
	if m.next >= len(m.steps) && !m.repeat {
		m.mu.Unlock()
		return llm.Response{}, fmt.Errorf("agenttest: call %d: %w", len(m.requests), ErrScriptDone)
	}
	st := m.steps[min(m.next, len(m.steps)-1)]
	m.next++
	m.mu.Unlock()

	if st.Func != nil {
		st = st.Func(req)
	}
	if st.Err != nil {
		return llm.Response{}, st.Err
	}
	if err := ctx.Err(); err != nil {
		return llm.Response{}, err
	}
	chunk := m.Chunk
	if chunk <= 0 {
		chunk = 8
	}
	var msg llm.Message
	msg.Role = llm.Assistant
	if st.Text != "" {
		for i := 0; i < len(st.Text); i += chunk {
			if err := emit(llm.Event{TextDelta: st.Text[i:min(i+chunk, len(st.Text))]}); err != nil {
				return llm.Response{}, err
			}
		}
		msg.Content = append(msg.Content, llm.Block{Text: st.Text})
	}
	for _, u := range st.ToolUses {
		if u.ID == "" {
			m.mu.Lock()
			m.ids++
			u.ID = "tu" + strconv.Itoa(m.ids)
			m.mu.Unlock()
		}
		if len(u.Input) == 0 {
			u.Input = json.RawMessage("{}")
		}
		if err := emit(llm.Event{ToolUse: &u}); err != nil {
			return llm.Response{}, err
		}
		msg.Content = append(msg.Content, llm.Block{ToolUse: &u})
	}
	stop := st.Stop
	if stop == "" {
		stop = llm.StopEndTurn
		if len(st.ToolUses) > 0 {
			stop = llm.StopToolUse
		}
	}
	return llm.Response{Message: msg, StopReason: stop, Usage: llm.Usage{InputTokens: 10, OutputTokens: len(st.Text)}, Model: "agenttest"}, nil
}

// LastToolResults returns the tool results of the request's last message.
func LastToolResults(req llm.Request) []llm.ToolResult {
	if len(req.Messages) == 0 {
		return nil
	}
	var out []llm.ToolResult
	for _, b := range req.Messages[len(req.Messages)-1].Content {
		if b.ToolResult != nil {
			out = append(out, *b.ToolResult)
		}
	}
	return out
}

// Sink records frames. It is safe for concurrent use. FailAfter, when
// positive, makes every call after that many fail (a gone connection).
type Sink struct {
	mu        sync.Mutex
	Deltas    []string
	Tools     []frames.Tool
	Proposals []frames.Proposal
	FailAfter int
	calls     int
}

// ErrGone is the error of a failing Sink.
var ErrGone = errors.New("agenttest: connection gone")

func (s *Sink) count() error {
	s.calls++
	if s.FailAfter > 0 && s.calls > s.FailAfter {
		return ErrGone
	}
	return nil
}

// Delta implements agent.Sink.
func (s *Sink) Delta(text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.count(); err != nil {
		return err
	}
	s.Deltas = append(s.Deltas, text)
	return nil
}

// Tool implements agent.Sink.
func (s *Sink) Tool(t frames.Tool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.count(); err != nil {
		return err
	}
	s.Tools = append(s.Tools, t)
	return nil
}

// Proposal implements agent.Sink.
func (s *Sink) Proposal(p frames.Proposal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.count(); err != nil {
		return err
	}
	s.Proposals = append(s.Proposals, p)
	return nil
}

// Text returns the deltas joined.
func (s *Sink) Text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out string
	for _, d := range s.Deltas {
		out += d
	}
	return out
}

// ToolStatuses returns "name:status" for each tool frame, in order.
func (s *Sink) ToolStatuses() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, t := range s.Tools {
		out = append(out, t.Name+":"+t.Status)
	}
	return out
}
