package bedrocksim

import (
	"encoding/json"
	"strings"
)

// Request is a Converse or ConverseStream request as the stand-in received
// it, decoded from the JSON the SDK sent.
type Request struct {
	Operation       string           `json:"-"` // "Converse" or "ConverseStream"
	ModelID         string           `json:"-"` // from the path
	System          []SystemBlock    `json:"system,omitempty"`
	Messages        []Message        `json:"messages"`
	ToolConfig      *ToolConfig      `json:"toolConfig,omitempty"`
	InferenceConfig *InferenceConfig `json:"inferenceConfig,omitempty"`
}

// SystemBlock is one block of the system prompt.
type SystemBlock struct {
	Text string `json:"text,omitempty"`
}

// Message is one turn of the conversation sent.
type Message struct {
	Role    string         `json:"role"`
	Content []ContentBlock `json:"content"`
}

// ContentBlock is one block of a message; one field is set.
type ContentBlock struct {
	Text       *string          `json:"text,omitempty"`
	ToolUse    *ToolUseBlock    `json:"toolUse,omitempty"`
	ToolResult *ToolResultBlock `json:"toolResult,omitempty"`
}

// ToolUseBlock is a tool use the client sent back as conversation history.
type ToolUseBlock struct {
	ToolUseID string          `json:"toolUseId"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
}

// ToolResultBlock is the result of a tool, sent by the client.
type ToolResultBlock struct {
	ToolUseID string              `json:"toolUseId"`
	Content   []ToolResultContent `json:"content"`
	Status    string              `json:"status,omitempty"`
}

// ToolResultContent is one piece of a tool result: JSON or text.
type ToolResultContent struct {
	JSON json.RawMessage `json:"json,omitempty"`
	Text *string         `json:"text,omitempty"`
}

// ToolConfig lists the tools offered to the model.
type ToolConfig struct {
	Tools      []Tool          `json:"tools"`
	ToolChoice json.RawMessage `json:"toolChoice,omitempty"`
}

// Tool is one offered tool.
type Tool struct {
	ToolSpec *ToolSpec `json:"toolSpec,omitempty"`
}

// ToolSpec is a tool's name, description and input schema.
type ToolSpec struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	InputSchema struct {
		JSON json.RawMessage `json:"json"`
	} `json:"inputSchema"`
}

// InferenceConfig holds the sampling settings sent.
type InferenceConfig struct {
	MaxTokens     *int     `json:"maxTokens,omitempty"`
	Temperature   *float64 `json:"temperature,omitempty"`
	TopP          *float64 `json:"topP,omitempty"`
	StopSequences []string `json:"stopSequences,omitempty"`
}

// SystemText returns the system prompt's text blocks joined.
func (r Request) SystemText() string {
	var b strings.Builder
	for _, s := range r.System {
		b.WriteString(s.Text)
	}
	return b.String()
}

// ToolNames returns the names of the tools offered, in order.
func (r Request) ToolNames() []string {
	if r.ToolConfig == nil {
		return nil
	}
	var out []string
	for _, t := range r.ToolConfig.Tools {
		if t.ToolSpec != nil {
			out = append(out, t.ToolSpec.Name)
		}
	}
	return out
}

// Last returns the last message, or a zero Message when there is none.
func (r Request) Last() Message {
	if len(r.Messages) == 0 {
		return Message{}
	}
	return r.Messages[len(r.Messages)-1]
}

// Text returns the message's text blocks joined.
func (m Message) Text() string {
	var b strings.Builder
	for _, c := range m.Content {
		if c.Text != nil {
			b.WriteString(*c.Text)
		}
	}
	return b.String()
}

// ToolResult returns the message's result for the tool use with id, if any.
func (m Message) ToolResult(id string) (ToolResultBlock, bool) {
	for _, c := range m.Content {
		if c.ToolResult != nil && c.ToolResult.ToolUseID == id {
			return *c.ToolResult, true
		}
	}
	return ToolResultBlock{}, false
}

// EmbedRequest is an InvokeModel request for Titan Text Embeddings v2.
type EmbedRequest struct {
	ModelID    string `json:"-"`
	InputText  string `json:"inputText"`
	Dimensions int    `json:"dimensions,omitempty"`
	Normalize  *bool  `json:"normalize,omitempty"`
}

// Matchers for Turn.Match.

// LastHasToolResult matches a request whose last message carries the
// result of the tool use with id.
func LastHasToolResult(id string) func(Request) bool {
	return func(r Request) bool {
		_, ok := r.Last().ToolResult(id)
		return ok
	}
}

// LastTextContains matches a request whose last message's text contains s
// (case-insensitive).
func LastTextContains(s string) func(Request) bool {
	return func(r Request) bool {
		return strings.Contains(strings.ToLower(r.Last().Text()), strings.ToLower(s))
	}
}
