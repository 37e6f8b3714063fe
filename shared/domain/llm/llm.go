// Package llm is Resync's view of a chat model with tool use: a provider-
// neutral conversation (messages of text, tool-use and tool-result blocks),
// tool specifications derived from Go types, and a streaming call that
// reports text deltas and tool-use blocks as they arrive, the stop reason and
// the token usage.
//
// Adapters implement Model: Bedrock's ConverseStream (subpackage bedrock)
// and a deterministic offline model (subpackage offline) used when Bedrock is
// not configured, so local runs and tests exercise the same loop.
package llm

import (
	"context"
	"encoding/json"
	"errors"
)

// Role is who wrote a message.
type Role string

// The roles of a conversation.
const (
	User      Role = "user"
	Assistant Role = "assistant"
)

// Message is one turn of the conversation.
type Message struct {
	Role    Role    `json:"role"`
	Content []Block `json:"content"`
}

// Block is one piece of a message: exactly one of its fields is set.
type Block struct {
	Text       string      `json:"text,omitempty"`
	ToolUse    *ToolUse    `json:"toolUse,omitempty"`
	ToolResult *ToolResult `json:"toolResult,omitempty"`
}

// ToolUse is the model asking for a tool to run.
type ToolUse struct {
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"` // a JSON object
}

// ToolResult answers a ToolUse. Content is JSON text given to the model.
type ToolResult struct {
	ToolUseID string `json:"toolUseId"`
	Content   string `json:"content"`
	IsError   bool   `json:"isError,omitempty"`
}

// Text returns the concatenated text blocks of m.
func (m Message) Text() string {
	var s string
	for _, b := range m.Content {
		s += b.Text
	}
	return s
}

// ToolUses returns the tool-use blocks of m in order.
func (m Message) ToolUses() []ToolUse {
	var out []ToolUse
	for _, b := range m.Content {
		if b.ToolUse != nil {
			out = append(out, *b.ToolUse)
		}
	}
	return out
}

// ToolSpec describes a tool to the model.
type ToolSpec struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"inputSchema"` // JSON Schema of the input object
}

// Request is one call to the model.
type Request struct {
	System      string
	Messages    []Message
	Tools       []ToolSpec
	MaxTokens   int     // 0: the adapter's default
	Temperature float32 // 0 is deterministic-ish
}

// StopReason says why the model stopped.
type StopReason string

// The stop reasons Resync acts on (Bedrock's names).
const (
	StopEndTurn       StopReason = "end_turn"
	StopToolUse       StopReason = "tool_use"
	StopMaxTokens     StopReason = "max_tokens"
	StopSequence      StopReason = "stop_sequence"
	StopGuardrail     StopReason = "guardrail_intervened"
	StopContentFilter StopReason = "content_filtered"
)

// Usage is the token count of one call.
type Usage struct {
	InputTokens  int `json:"inputTokens"`
	OutputTokens int `json:"outputTokens"`
}

// Response is the model's complete answer to one Request.
type Response struct {
	Message    Message
	StopReason StopReason
	Usage      Usage
	Model      string // the model id that answered
}

// Event is what a streaming call reports while it runs. Exactly one field
// is set.
type Event struct {
	TextDelta string   // a piece of text, in order
	ToolUse   *ToolUse // a complete tool-use block (its input fully received)
}

// Model is a chat model with tool use. Stream sends the request and calls
// emit for each event as it arrives (emit's error stops the call and is
// returned), then returns the complete response. Implementations are safe
// for concurrent use.
type Model interface {
	Stream(ctx context.Context, req Request, emit func(Event) error) (Response, error)
}

// Errors an adapter returns, wrapped; test with errors.Is.
var (
	// ErrThrottled: the provider refused for rate; the adapter already retried.
	ErrThrottled = errors.New("llm: throttled")
	// ErrUnavailable: the provider could not be reached or failed.
	ErrUnavailable = errors.New("llm: unavailable")
	// ErrInvalid: the request was refused as malformed (a bug on our side).
	ErrInvalid = errors.New("llm: invalid request")
)
