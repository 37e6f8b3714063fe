// Package bedrock adapts Amazon Bedrock to Resync's llm package: Model
// streams a conversation with tool use through the Converse API
// (ConverseStream), and Embedder turns text into vectors with Amazon Titan
// Text Embeddings v2 through InvokeModel.
//
// Both take a *bedrockruntime.Client built once by the caller (see
// NewClient) and do their own retries with exponential backoff and jitter;
// the SDK's own retryer is switched off for their calls so that attempts
// are not multiplied and the sleeps stay injectable. A streamed answer is
// retried only while nothing has been passed to the caller's emit function:
// once a text delta or tool use has gone out, a failure ends the call with
// an error instead of replaying half an answer.
package bedrock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/resync/resync/shared/domain/llm"
)

// DefaultMaxTokens is the answer length used when neither the Config nor the
// Request sets one.
const DefaultMaxTokens = 2048

// DefaultStallTimeout is Config.StallTimeout's default: well above the time
// to the first token of a long prompt, well below the chat turn's bound, so
// that a black-holed endpoint ends in an error the user sees.
const DefaultStallTimeout = 15 * time.Second

// Config configures a Model.
type Config struct {
	// ModelID is the Bedrock model or inference-profile id, for example
	// "anthropic.claude-3-5-sonnet-20240620-v1:0". Required.
	ModelID string
	// MaxTokens caps the answer when the Request does not; 0 means
	// DefaultMaxTokens.
	MaxTokens int
	// Temperature is used when the Request's is 0.
	Temperature float32
	// Retry bounds the attempts on throttling and transient failures.
	Retry Retry
	// StallTimeout is the longest wait for the next event of an answer —
	// the response to the call, then each event of its stream. A call that
	// waits longer is abandoned as unavailable; it is retried once while
	// nothing was emitted, as a model that stalls twice is taken for down.
	// 0 means DefaultStallTimeout.
	StallTimeout time.Duration
	// OnUsage, when set, is called with the token usage of every call that
	// reported it, and the model id that answered. It must be safe for
	// concurrent use.
	OnUsage func(u llm.Usage, modelID string)
}

// Model is llm.Model on Bedrock's ConverseStream. It is safe for concurrent
// use.
type Model struct {
	client *bedrockruntime.Client
	cfg    Config
	retry  Retry
}

var _ llm.Model = (*Model)(nil)

// New returns a Model calling client. It returns an error when the client
// or the model id is missing.
func New(client *bedrockruntime.Client, cfg Config) (*Model, error) {
	if client == nil {
		return nil, errors.New("bedrock: new model: nil client")
	}
	if cfg.ModelID == "" {
		return nil, errors.New("bedrock: new model: model id is required")
	}
	if cfg.MaxTokens <= 0 {
		cfg.MaxTokens = DefaultMaxTokens
	}
	if cfg.StallTimeout <= 0 {
		cfg.StallTimeout = DefaultStallTimeout
	}
	return &Model{client: client, cfg: cfg, retry: cfg.Retry.withDefaults()}, nil
}

// ModelID returns the configured model id.
func (m *Model) ModelID() string { return m.cfg.ModelID }

// Stream sends req to the model and calls emit with each text delta as it
// arrives and each tool-use block once its input is complete, then returns
// the whole answer.
//
// Throttling, an unavailable service or model and connection failures are
// retried with backoff while nothing has been emitted; a call that stalls
// (Config.StallTimeout) is retried once. Errors, wrapped:
// llm.ErrThrottled when throttling outlasted the retries, llm.ErrInvalid
// when Bedrock refused the request as malformed (ValidationException, an
// unknown model), llm.ErrUnavailable for any other failure of the service,
// the context's error when ctx ended, and emit's error when emit failed.
func (m *Model) Stream(ctx context.Context, req llm.Request, emit func(llm.Event) error) (llm.Response, error) {
	in, err := m.input(req)
	if err != nil {
		return llm.Response{}, fmt.Errorf("bedrock: converse %s: %w: %w", m.cfg.ModelID, llm.ErrInvalid, err)
	}
	var resp llm.Response
	stalls := 0
	err = m.retry.do(ctx, func(ctx context.Context) (bool, error) {
		var emitted bool
		var err error
		resp, emitted, err = m.attempt(ctx, in, emit)
		if errors.Is(err, errStalled) {
			stalls++
			return !emitted && stalls < 2, fmt.Errorf("no event for %s: %w", m.cfg.StallTimeout, err)
		}
		return !emitted, err
	})
	if err != nil {
		return llm.Response{}, fmt.Errorf("bedrock: converse %s: %w", m.cfg.ModelID, err)
	}
	return resp, nil
}

// emitError marks an error returned by the caller's emit function, so that
// it is returned as it is and never retried.
type emitError struct{ err error }

func (e emitError) Error() string { return e.err.Error() }
func (e emitError) Unwrap() error { return e.err }

// attempt makes one ConverseStream call and reads its stream to the end.
// emitted reports whether anything reached emit (after which the call must
// not be retried).
func (m *Model) attempt(ctx context.Context, in *bedrockruntime.ConverseStreamInput, emit func(llm.Event) error) (resp llm.Response, emitted bool, err error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// A black-holed endpoint answers nothing and closes nothing: only this
	// timer ends the call then. It is reset by every event.
	stall := time.AfterFunc(m.cfg.StallTimeout, func() { cancel(errStalled) })
	defer stall.Stop()
	stalled := func(err error) error {
		if errors.Is(context.Cause(ctx), errStalled) {
			return errStalled
		}
		return err
	}

	out, err := m.client.ConverseStream(ctx, in, callOptions)
	if err != nil {
		return llm.Response{}, false, stalled(err)
	}
	stream := out.GetStream()
	defer stream.Close()

	var (
		asm      assembler
		stopped  bool
		sendOnce = func(ev llm.Event) error {
			emitted = true
			if err := emit(ev); err != nil {
				return emitError{err}
			}
			return nil
		}
	)
	events := stream.Events()
	for {
		var ev types.ConverseStreamOutput
		var ok bool
		select {
		case <-ctx.Done():
			return llm.Response{}, emitted, stalled(ctx.Err())
		case ev, ok = <-events:
		}
		if !ok {
			break
		}
		stall.Reset(m.cfg.StallTimeout)
		switch v := ev.(type) {
		case *types.ConverseStreamOutputMemberMessageStart:
			// The role is always assistant; nothing to do.
		case *types.ConverseStreamOutputMemberContentBlockStart:
			if tu, isTool := v.Value.Start.(*types.ContentBlockStartMemberToolUse); isTool {
				asm.startTool(index(v.Value.ContentBlockIndex), aws.ToString(tu.Value.ToolUseId), aws.ToString(tu.Value.Name))
			}
		case *types.ConverseStreamOutputMemberContentBlockDelta:
			i := index(v.Value.ContentBlockIndex)
			switch d := v.Value.Delta.(type) {
			case *types.ContentBlockDeltaMemberText:
				if d.Value == "" {
					continue
				}
				asm.text(i, d.Value)
				if err := sendOnce(llm.Event{TextDelta: d.Value}); err != nil {
					return llm.Response{}, emitted, err
				}
			case *types.ContentBlockDeltaMemberToolUse:
				asm.toolInput(i, aws.ToString(d.Value.Input))
			}
		case *types.ConverseStreamOutputMemberContentBlockStop:
			tu, err := asm.stop(index(v.Value.ContentBlockIndex))
			if err != nil {
				return llm.Response{}, emitted, err
			}
			if tu != nil {
				if err := sendOnce(llm.Event{ToolUse: tu}); err != nil {
					return llm.Response{}, emitted, err
				}
			}
		case *types.ConverseStreamOutputMemberMessageStop:
			stopped = true
			resp.StopReason = llm.StopReason(v.Value.StopReason)
		case *types.ConverseStreamOutputMemberMetadata:
			if u := v.Value.Usage; u != nil {
				resp.Usage = llm.Usage{InputTokens: int(aws.ToInt32(u.InputTokens)), OutputTokens: int(aws.ToInt32(u.OutputTokens))}
				if m.cfg.OnUsage != nil {
					m.cfg.OnUsage(resp.Usage, m.cfg.ModelID)
				}
			}
		}
	}
	if err := stream.Err(); err != nil {
		if ctx.Err() != nil {
			return llm.Response{}, emitted, stalled(ctx.Err())
		}
		return llm.Response{}, emitted, err
	}
	if !stopped {
		return llm.Response{}, emitted, errTruncated
	}
	resp.Message = asm.message()
	resp.Model = m.cfg.ModelID
	return resp, emitted, nil
}

// errTruncated: the event stream ended without a messageStop event.
var errTruncated = errors.New("stream ended before messageStop")

// errStalled: no event arrived within Config.StallTimeout.
var errStalled = errors.New("the model stalled")

func index(p *int32) int { return int(aws.ToInt32(p)) }

// assembler collects the content blocks of a streamed answer by their
// contentBlockIndex. Text blocks have no contentBlockStart event; they begin
// with their first delta.
type assembler struct {
	blocks map[int]*block
}

type block struct {
	text    strings.Builder
	tool    *llm.ToolUse
	input   strings.Builder
	stopped bool
}

func (a *assembler) get(i int) *block {
	if a.blocks == nil {
		a.blocks = map[int]*block{}
	}
	b := a.blocks[i]
	if b == nil {
		b = &block{}
		a.blocks[i] = b
	}
	return b
}

func (a *assembler) startTool(i int, id, name string) {
	a.get(i).tool = &llm.ToolUse{ID: id, Name: name}
}

func (a *assembler) text(i int, s string) { a.get(i).text.WriteString(s) }

func (a *assembler) toolInput(i int, s string) { a.get(i).input.WriteString(s) }

// stop closes block i; for a tool use it returns the complete block, its
// input checked to be a JSON object (an empty input is {}).
func (a *assembler) stop(i int) (*llm.ToolUse, error) {
	b := a.get(i)
	b.stopped = true
	if b.tool == nil {
		return nil, nil
	}
	in := strings.TrimSpace(b.input.String())
	if in == "" {
		in = "{}"
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(in), &obj); err != nil {
		return nil, fmt.Errorf("%w: tool use %s (%s): input is not a JSON object: %v", llm.ErrUnavailable, b.tool.ID, b.tool.Name, err)
	}
	b.tool.Input = json.RawMessage(in)
	tu := *b.tool
	return &tu, nil
}

// message returns the answer's blocks in index order. A tool use whose
// block never stopped (the answer was cut short, for example by max_tokens)
// is left out: its input is incomplete.
func (a *assembler) message() llm.Message {
	idx := make([]int, 0, len(a.blocks))
	for i := range a.blocks {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	msg := llm.Message{Role: llm.Assistant, Content: []llm.Block{}}
	for _, i := range idx {
		b := a.blocks[i]
		switch {
		case b.tool != nil && b.stopped:
			tu := *b.tool
			msg.Content = append(msg.Content, llm.Block{ToolUse: &tu})
		case b.tool == nil && b.text.Len() > 0:
			msg.Content = append(msg.Content, llm.Block{Text: b.text.String()})
		}
	}
	return msg
}
