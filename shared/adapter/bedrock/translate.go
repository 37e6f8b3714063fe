package bedrock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	smithydocument "github.com/aws/smithy-go/document"

	"github.com/resync/resync/shared/domain/llm"
)

// input translates req into a ConverseStream request. Text blocks that are
// empty are left out (Bedrock refuses blank text); a tool result whose
// content is a JSON object is sent as a json block, any other content as
// text; the tool-result status is sent only for errors.
func (m *Model) input(req llm.Request) (*bedrockruntime.ConverseStreamInput, error) {
	maxTokens := req.MaxTokens
	if maxTokens <= 0 {
		maxTokens = m.cfg.MaxTokens
	}
	temperature := req.Temperature
	if temperature == 0 {
		temperature = m.cfg.Temperature
	}
	in := &bedrockruntime.ConverseStreamInput{
		ModelId: aws.String(m.cfg.ModelID),
		InferenceConfig: &types.InferenceConfiguration{
			MaxTokens:   aws.Int32(int32(maxTokens)),
			Temperature: aws.Float32(temperature),
		},
	}
	if strings.TrimSpace(req.System) != "" {
		in.System = []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: req.System}}
	}
	if len(req.Messages) == 0 {
		return nil, errors.New("no messages")
	}
	for i, msg := range req.Messages {
		out, err := message(msg)
		if err != nil {
			return nil, fmt.Errorf("message %d: %w", i, err)
		}
		in.Messages = append(in.Messages, out)
	}
	if len(req.Tools) > 0 {
		tc := &types.ToolConfiguration{}
		for _, t := range req.Tools {
			schema, err := docValue(t.Schema)
			if err != nil {
				return nil, fmt.Errorf("tool %s: input schema: %w", t.Name, err)
			}
			tc.Tools = append(tc.Tools, &types.ToolMemberToolSpec{Value: types.ToolSpecification{
				Name:        aws.String(t.Name),
				Description: aws.String(t.Description),
				InputSchema: &types.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(schema)},
			}})
		}
		in.ToolConfig = tc
	}
	return in, nil
}

func message(msg llm.Message) (types.Message, error) {
	var role types.ConversationRole
	switch msg.Role {
	case llm.User:
		role = types.ConversationRoleUser
	case llm.Assistant:
		role = types.ConversationRoleAssistant
	default:
		return types.Message{}, fmt.Errorf("unknown role %q", msg.Role)
	}
	out := types.Message{Role: role}
	for j, b := range msg.Content {
		switch {
		case b.ToolUse != nil:
			input, err := docValue(b.ToolUse.Input)
			if err != nil {
				return types.Message{}, fmt.Errorf("block %d: tool use %s input: %w", j, b.ToolUse.ID, err)
			}
			out.Content = append(out.Content, &types.ContentBlockMemberToolUse{Value: types.ToolUseBlock{
				ToolUseId: aws.String(b.ToolUse.ID),
				Name:      aws.String(b.ToolUse.Name),
				Input:     document.NewLazyDocument(input),
			}})
		case b.ToolResult != nil:
			out.Content = append(out.Content, &types.ContentBlockMemberToolResult{Value: toolResult(*b.ToolResult)})
		case strings.TrimSpace(b.Text) != "":
			out.Content = append(out.Content, &types.ContentBlockMemberText{Value: b.Text})
		}
	}
	if len(out.Content) == 0 {
		return types.Message{}, errors.New("no content")
	}
	return out, nil
}

func toolResult(r llm.ToolResult) types.ToolResultBlock {
	out := types.ToolResultBlock{ToolUseId: aws.String(r.ToolUseID)}
	if r.IsError {
		out.Status = types.ToolResultStatusError
	}
	content := strings.TrimSpace(r.Content)
	if strings.HasPrefix(content, "{") {
		if v, err := docValue(json.RawMessage(content)); err == nil {
			out.Content = []types.ToolResultContentBlock{&types.ToolResultContentBlockMemberJson{Value: document.NewLazyDocument(v)}}
			return out
		}
	}
	text := r.Content
	if content == "" {
		text = "(empty)" // Bedrock refuses blank text
	}
	out.Content = []types.ToolResultContentBlock{&types.ToolResultContentBlockMemberText{Value: text}}
	return out
}

// docValue decodes JSON text into the values the SDK's document encoder
// writes back unchanged: numbers keep their exact text (as
// smithydocument.Number), objects become maps. Empty text is {}.
func docValue(raw json.RawMessage) (any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after JSON value")
	}
	return numbers(v), nil
}

func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		return smithydocument.Number(x.String())
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}
