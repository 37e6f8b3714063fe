package bedrock_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/smithy-go/middleware"

	"github.com/resync/resync/shared/adapter/bedrock"
	"github.com/resync/resync/shared/adapter/bedrock/bedrocksim"
	"github.com/resync/resync/shared/domain/llm"
)

const modelID = "anthropic.claude-3-5-sonnet-20240620-v1:0"

// sleeps records the waits the retry loop asked for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.d)
}

// newClient starts the stand-in and returns it with a real SDK client
// pointed at it, signing with static test credentials.
func newClient(t *testing.T) (*bedrocksim.Server, *bedrockruntime.Client) {
	t.Helper()
	sim := bedrocksim.New()
	sim.Credentials("AKIDBEDROCKTEST", "bedrock-test-secret") // signatures are checked in full
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	creds := credentials.NewStaticCredentialsProvider("AKIDBEDROCKTEST", "bedrock-test-secret", "")
	client, err := bedrock.NewClient(t.Context(), "eu-west-1", srv.URL,
		config.WithCredentialsProvider(creds),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	)
	if err != nil {
		t.Fatal(err)
	}
	return sim, client
}

// newModel returns a Model on the stand-in whose retries do not wait.
func newModel(t *testing.T, cfg bedrock.Config) (*bedrocksim.Server, *bedrock.Model, *sleeps) {
	t.Helper()
	sim, client := newClient(t)
	sl := &sleeps{}
	if cfg.ModelID == "" {
		cfg.ModelID = modelID
	}
	cfg.Retry.Sleep = sl.sleep
	if cfg.Retry.Jitter == nil {
		cfg.Retry.Jitter = func(d time.Duration) time.Duration { return d }
	}
	m, err := bedrock.New(client, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sim, m, sl
}

// collect returns an emit function that records events.
func collect(events *[]llm.Event) func(llm.Event) error {
	return func(ev llm.Event) error {
		*events = append(*events, ev)
		return nil
	}
}

func ask(text string) llm.Request {
	return llm.Request{
		System:   "You are Resync, an assistant for HCL Workload Automation.",
		Messages: []llm.Message{{Role: llm.User, Content: []llm.Block{{Text: text}}}},
	}
}

type searchJobs struct {
	Status string   `json:"status,omitempty" desc:"common status" enum:"ABEND,EXEC,SUCC"`
	Limit  int      `json:"limit"`
	Names  []string `json:"names,omitempty"`
}

func jsonEqual(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got %s: %v", got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("want %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("got JSON %s, want %s", got, want)
	}
}

func TestNewRefusesMissingConfig(t *testing.T) {
	_, client := newClient(t)
	if _, err := bedrock.New(nil, bedrock.Config{ModelID: modelID}); err == nil {
		t.Error("New(nil client): got no error")
	}
	if _, err := bedrock.New(client, bedrock.Config{}); err == nil {
		t.Error("New without a model id: got no error")
	}
}

func TestStreamText(t *testing.T) {
	pieces := []string{"Two jobs ", "abended tonight: ", "FIN_LOAD and ", "PAYROLL."}
	sim, m, _ := newModel(t, bedrock.Config{MaxTokens: 512, Temperature: 0.2})
	sim.Script(bedrocksim.Turn{Text: pieces})

	var events []llm.Event
	resp, err := m.Stream(t.Context(), ask("which jobs abended?"), collect(&events))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range events {
		if ev.ToolUse != nil {
			t.Errorf("unexpected tool use %+v", ev.ToolUse)
		}
		got = append(got, ev.TextDelta)
	}
	if !slices.Equal(got, pieces) {
		t.Errorf("deltas = %q, want %q", got, pieces)
	}
	if want := "Two jobs abended tonight: FIN_LOAD and PAYROLL."; resp.Message.Text() != want {
		t.Errorf("text = %q, want %q", resp.Message.Text(), want)
	}
	if resp.Message.Role != llm.Assistant || resp.StopReason != llm.StopEndTurn || resp.Model != modelID {
		t.Errorf("role %q stop %q model %q", resp.Message.Role, resp.StopReason, resp.Model)
	}

	reqs := sim.Requests()
	if len(reqs) != 1 {
		t.Fatalf("stand-in got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Operation != "ConverseStream" || r.ModelID != modelID {
		t.Errorf("operation %q model %q", r.Operation, r.ModelID)
	}
	if r.SystemText() != ask("").System {
		t.Errorf("system = %q", r.SystemText())
	}
	if len(r.Messages) != 1 || r.Messages[0].Role != "user" || r.Messages[0].Text() != "which jobs abended?" {
		t.Errorf("messages = %+v", r.Messages)
	}
	if ic := r.InferenceConfig; ic == nil || ic.MaxTokens == nil || *ic.MaxTokens != 512 || ic.Temperature == nil || float32(*ic.Temperature) != 0.2 {
		t.Errorf("inference config = %+v", ic)
	}
	if r.ToolConfig != nil {
		t.Errorf("tool config sent without tools: %+v", r.ToolConfig)
	}
}

func TestRequestOverridesConfig(t *testing.T) {
	sim, m, _ := newModel(t, bedrock.Config{Temperature: 0.7})
	sim.Script(bedrocksim.Turn{Text: []string{"ok"}})
	req := ask("summary")
	req.MaxTokens, req.Temperature = 100, 0.1
	if _, err := m.Stream(t.Context(), req, collect(new([]llm.Event))); err != nil {
		t.Fatal(err)
	}
	ic := sim.Requests()[0].InferenceConfig
	if *ic.MaxTokens != 100 || float32(*ic.Temperature) != 0.1 {
		t.Errorf("max tokens %d temperature %v, want 100 and 0.1", *ic.MaxTokens, *ic.Temperature)
	}

	sim.Script(bedrocksim.Turn{Text: []string{"ok"}})
	if _, err := m.Stream(t.Context(), ask("summary"), collect(new([]llm.Event))); err != nil {
		t.Fatal(err)
	}
	ic = sim.Requests()[1].InferenceConfig
	if *ic.MaxTokens != bedrock.DefaultMaxTokens || float32(*ic.Temperature) != 0.7 {
		t.Errorf("max tokens %d temperature %v, want the defaults %d and 0.7", *ic.MaxTokens, *ic.Temperature, bedrock.DefaultMaxTokens)
	}
}

func TestStreamToolUse(t *testing.T) {
	input := `{"status":"ABEND","limit":10,"names":["FIN_LOAD","PAYROLL#DAILY"]}`
	sim, m, _ := newModel(t, bedrock.Config{})
	sim.Script(bedrocksim.Turn{
		Text:     []string{"Let me ", "check."},
		ToolUses: []bedrocksim.ToolUse{{ID: "tooluse_A1", Name: "search_jobs", Input: input, Chunk: 5}},
	})
	spec := llm.Spec[searchJobs]("search_jobs", "Find jobs in the plan")
	req := ask("which jobs abended?")
	req.Tools = []llm.ToolSpec{spec}

	var events []llm.Event
	resp, err := m.Stream(t.Context(), req, collect(&events))
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 || events[0].TextDelta != "Let me " || events[1].TextDelta != "check." || events[2].ToolUse == nil {
		t.Fatalf("events = %+v, want two text deltas and one tool use", events)
	}
	tu := events[2].ToolUse
	if tu.ID != "tooluse_A1" || tu.Name != "search_jobs" {
		t.Errorf("tool use = %s %s", tu.ID, tu.Name)
	}
	jsonEqual(t, tu.Input, []byte(input))
	if resp.StopReason != llm.StopToolUse {
		t.Errorf("stop reason = %q, want tool_use", resp.StopReason)
	}
	if uses := resp.Message.ToolUses(); len(uses) != 1 || uses[0].ID != "tooluse_A1" {
		t.Errorf("response tool uses = %+v", uses)
	}
	if resp.Message.Text() != "Let me check." || len(resp.Message.Content) != 2 {
		t.Errorf("response content = %+v", resp.Message.Content)
	}

	r := sim.Requests()[0]
	if got := r.ToolNames(); !slices.Equal(got, []string{"search_jobs"}) {
		t.Fatalf("tools sent = %v", got)
	}
	ts := r.ToolConfig.Tools[0].ToolSpec
	if ts.Description != "Find jobs in the plan" {
		t.Errorf("description = %q", ts.Description)
	}
	jsonEqual(t, ts.InputSchema.JSON, spec.Schema)
}

func TestToolConversation(t *testing.T) {
	sim, m, _ := newModel(t, bedrock.Config{})
	sim.Script(
		// Scripted out of order on purpose: the matcher picks the answer.
		bedrocksim.Turn{
			Match: bedrocksim.LastHasToolResult("tooluse_1"),
			Text:  []string{"FIN_LOAD abended ", "with return code 12."},
		},
		bedrocksim.Turn{
			Match:    bedrocksim.LastTextContains("abended"),
			ToolUses: []bedrocksim.ToolUse{{ID: "tooluse_1", Name: "search_jobs", Input: `{"status":"ABEND","limit":5}`}},
		},
	)
	req := ask("Which jobs ABENDED?")
	req.Tools = []llm.ToolSpec{llm.Spec[searchJobs]("search_jobs", "Find jobs")}

	first, err := m.Stream(t.Context(), req, collect(new([]llm.Event)))
	if err != nil {
		t.Fatal(err)
	}
	uses := first.Message.ToolUses()
	if len(uses) != 1 {
		t.Fatalf("first answer tool uses = %+v", uses)
	}
	result := `{"count":1,"jobs":[{"id":"FIN_LOAD","status":"ABEND","returnCode":12,"ratio":0.5}]}`
	req.Messages = append(req.Messages, first.Message, llm.Message{Role: llm.User, Content: []llm.Block{
		{ToolResult: &llm.ToolResult{ToolUseID: uses[0].ID, Content: result}},
	}})
	second, err := m.Stream(t.Context(), req, collect(new([]llm.Event)))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := second.Message.Text(), "FIN_LOAD abended with return code 12."; got != want {
		t.Errorf("second answer = %q, want %q", got, want)
	}
	if second.StopReason != llm.StopEndTurn {
		t.Errorf("stop reason = %q", second.StopReason)
	}

	reqs := sim.Requests()
	if len(reqs) != 2 {
		t.Fatalf("stand-in got %d requests, want 2", len(reqs))
	}
	msgs := reqs[1].Messages
	if len(msgs) != 3 || msgs[1].Role != "assistant" || msgs[2].Role != "user" {
		t.Fatalf("second request messages = %+v", msgs)
	}
	sentUse := msgs[1].Content[0].ToolUse
	if sentUse == nil || sentUse.ToolUseID != "tooluse_1" || sentUse.Name != "search_jobs" {
		t.Fatalf("assistant history = %+v, want the tool use", msgs[1].Content)
	}
	jsonEqual(t, sentUse.Input, []byte(`{"status":"ABEND","limit":5}`))
	tr, ok := msgs[2].ToolResult("tooluse_1")
	if !ok {
		t.Fatalf("last message = %+v, want a toolResult for tooluse_1", msgs[2])
	}
	if len(tr.Content) != 1 || tr.Content[0].JSON == nil || tr.Status != "" {
		t.Fatalf("tool result = %+v, want one json block and no status", tr)
	}
	jsonEqual(t, tr.Content[0].JSON, []byte(result))
}

func TestToolResultErrorAndText(t *testing.T) {
	sim, m, _ := newModel(t, bedrock.Config{})
	sim.Script(bedrocksim.Turn{Text: []string{"Sorry."}})
	req := llm.Request{Messages: []llm.Message{
		{Role: llm.User, Content: []llm.Block{{Text: "log of X"}}},
		{Role: llm.Assistant, Content: []llm.Block{{Text: ""}, {ToolUse: &llm.ToolUse{ID: "t9", Name: "job_log", Input: nil}}}},
		{Role: llm.User, Content: []llm.Block{{ToolResult: &llm.ToolResult{ToolUseID: "t9", Content: "job X not found", IsError: true}}}},
	}}
	if _, err := m.Stream(t.Context(), req, collect(new([]llm.Event))); err != nil {
		t.Fatal(err)
	}
	r := sim.Requests()[0]
	if len(r.System) != 0 {
		t.Errorf("system sent although empty: %+v", r.System)
	}
	if n := len(r.Messages[1].Content); n != 1 {
		t.Errorf("assistant blocks = %d, want the blank text left out", n)
	}
	jsonEqual(t, r.Messages[1].Content[0].ToolUse.Input, []byte(`{}`))
	tr, _ := r.Last().ToolResult("t9")
	if tr.Status != "error" || len(tr.Content) != 1 || tr.Content[0].Text == nil || *tr.Content[0].Text != "job X not found" {
		t.Errorf("tool result = %+v, want status error with the text", tr)
	}
}

func TestUsageRecorded(t *testing.T) {
	type record struct {
		u     llm.Usage
		model string
	}
	var got []record
	sim, m, _ := newModel(t, bedrock.Config{OnUsage: func(u llm.Usage, model string) { got = append(got, record{u, model}) }})
	sim.Script(bedrocksim.Turn{Text: []string{"ok"}, Usage: &bedrocksim.Usage{InputTokens: 321, OutputTokens: 12}})
	resp, err := m.Stream(t.Context(), ask("summary"), collect(new([]llm.Event)))
	if err != nil {
		t.Fatal(err)
	}
	want := llm.Usage{InputTokens: 321, OutputTokens: 12}
	if resp.Usage != want {
		t.Errorf("response usage = %+v, want %+v", resp.Usage, want)
	}
	if len(got) != 1 || got[0].u != want || got[0].model != modelID {
		t.Errorf("OnUsage calls = %+v, want one with %+v for %s", got, want, modelID)
	}
}

func TestRetriesTransientFailures(t *testing.T) {
	for _, f := range []bedrocksim.Fault{bedrocksim.Throttling, bedrocksim.Unavailable, bedrocksim.ModelNotReady, bedrocksim.Internal} {
		t.Run(f.Code, func(t *testing.T) {
			sim, m, sl := newModel(t, bedrock.Config{Retry: bedrock.Retry{Attempts: 4, BaseDelay: 100 * time.Millisecond, MaxDelay: 150 * time.Millisecond}})
			sim.Fail(f, 3)
			sim.Script(bedrocksim.Turn{Text: []string{"fine ", "now"}})
			var events []llm.Event
			resp, err := m.Stream(t.Context(), ask("summary"), collect(&events))
			if err != nil {
				t.Fatal(err)
			}
			if resp.Message.Text() != "fine now" || len(events) != 2 {
				t.Errorf("text %q events %d", resp.Message.Text(), len(events))
			}
			if got := sim.Calls(); got != 4 {
				t.Errorf("calls = %d, want 4", got)
			}
			want := []time.Duration{100 * time.Millisecond, 150 * time.Millisecond, 150 * time.Millisecond}
			if got := sl.got(); !slices.Equal(got, want) {
				t.Errorf("sleeps = %v, want %v", got, want)
			}
		})
	}
}

func TestThrottlingBeyondAttempts(t *testing.T) {
	sim, m, sl := newModel(t, bedrock.Config{Retry: bedrock.Retry{Attempts: 3, BaseDelay: time.Second, MaxDelay: 10 * time.Second}})
	sim.Fail(bedrocksim.Throttling, 10)
	sim.Script(bedrocksim.Turn{Text: []string{"never"}})
	_, err := m.Stream(t.Context(), ask("summary"), collect(new([]llm.Event)))
	if !errors.Is(err, llm.ErrThrottled) {
		t.Fatalf("err = %v, want ErrThrottled", err)
	}
	if got := sim.Calls(); got != 3 {
		t.Errorf("calls = %d, want 3", got)
	}
	if got, want := sl.got(), []time.Duration{time.Second, 2 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("sleeps = %v, want %v", got, want)
	}
}

func TestNotRetried(t *testing.T) {
	tests := []struct {
		name   string
		script func(*bedrocksim.Server)
		want   error
	}{
		{"validation", func(s *bedrocksim.Server) { s.Fail(bedrocksim.Validation, 1) }, llm.ErrInvalid},
		{"no scripted turn", func(s *bedrocksim.Server) {}, llm.ErrInvalid},
		{"unknown model", func(s *bedrocksim.Server) {
			s.Fail(bedrocksim.Fault{Status: 404, Code: "ResourceNotFoundException", Message: "model not found"}, 1)
		}, llm.ErrInvalid},
		{"access denied", func(s *bedrocksim.Server) {
			s.Fail(bedrocksim.Fault{Status: 403, Code: "AccessDeniedException", Message: "no access to the model"}, 1)
		}, llm.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, m, sl := newModel(t, bedrock.Config{})
			tt.script(sim)
			_, err := m.Stream(t.Context(), ask("summary"), collect(new([]llm.Event)))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if got := sim.Calls(); got != 1 {
				t.Errorf("calls = %d, want 1 (no retry)", got)
			}
			if len(sl.got()) != 0 {
				t.Errorf("slept %v", sl.got())
			}
		})
	}
}

func TestInStreamException(t *testing.T) {
	t.Run("before anything was emitted: retried", func(t *testing.T) {
		sim, m, _ := newModel(t, bedrock.Config{})
		sim.Script(bedrocksim.Turn{StreamFail: &bedrocksim.Throttling}, bedrocksim.Turn{Text: []string{"second try"}})
		resp, err := m.Stream(t.Context(), ask("summary"), collect(new([]llm.Event)))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Message.Text() != "second try" || sim.Calls() != 2 {
			t.Errorf("text %q after %d calls, want the second try", resp.Message.Text(), sim.Calls())
		}
	})
	t.Run("after text was emitted: not replayed", func(t *testing.T) {
		sim, m, sl := newModel(t, bedrock.Config{})
		sim.Script(bedrocksim.Turn{Text: []string{"Half ", "an answer"}, StreamFail: &bedrocksim.Throttling},
			bedrocksim.Turn{Text: []string{"must not be used"}})
		var events []llm.Event
		_, err := m.Stream(t.Context(), ask("summary"), collect(&events))
		if !errors.Is(err, llm.ErrThrottled) {
			t.Fatalf("err = %v, want ErrThrottled", err)
		}
		if len(events) != 2 || sim.Calls() != 1 || len(sl.got()) != 0 || sim.Pending() != 1 {
			t.Errorf("events %d, calls %d, sleeps %v, pending %d: want 2, 1, none, 1", len(events), sim.Calls(), sl.got(), sim.Pending())
		}
	})
	t.Run("model stream error", func(t *testing.T) {
		sim, m, _ := newModel(t, bedrock.Config{})
		sim.Script(bedrocksim.Turn{Text: []string{"x"}, StreamFail: &bedrocksim.Fault{Code: "ModelStreamErrorException", Message: "the model failed"}})
		_, err := m.Stream(t.Context(), ask("summary"), collect(new([]llm.Event)))
		if !errors.Is(err, llm.ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
	})
}

func TestContextCancelStopsStream(t *testing.T) {
	sim, m, _ := newModel(t, bedrock.Config{})
	sim.Script(bedrocksim.Turn{Text: []string{"first piece"}, Stall: true})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	var events []llm.Event
	go func() {
		_, err := m.Stream(ctx, ask("summary"), func(ev llm.Event) error {
			events = append(events, ev)
			cancel()
			return nil
		})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if errors.Is(err, llm.ErrUnavailable) {
			t.Errorf("err = %v: a cancellation is not the service's fault", err)
		}
		if len(events) != 1 || sim.Calls() != 1 {
			t.Errorf("events %d calls %d, want 1 and 1", len(events), sim.Calls())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Stream did not return after its context was cancelled")
	}
}

func TestEmitErrorStops(t *testing.T) {
	sim, m, _ := newModel(t, bedrock.Config{})
	sim.Script(bedrocksim.Turn{Text: []string{"a", "b", "c"}})
	stop := errors.New("client went away")
	n := 0
	_, err := m.Stream(t.Context(), ask("summary"), func(llm.Event) error { n++; return stop })
	if !errors.Is(err, stop) || errors.Is(err, llm.ErrUnavailable) {
		t.Errorf("err = %v, want the emit error as it is", err)
	}
	if n != 1 || sim.Calls() != 1 {
		t.Errorf("emit calls %d, model calls %d: want 1 and 1", n, sim.Calls())
	}
}

func TestUnsignedRequestsRefused(t *testing.T) {
	sim := bedrocksim.New()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg, err := config.LoadDefaultConfig(t.Context(), config.WithRegion("eu-west-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDBEDROCKTEST", "bedrock-test-secret", "")))
	if err != nil {
		t.Fatal(err)
	}
	// The same client as NewClient builds, with its signing step removed.
	client := bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			_, err := s.Finalize.Remove("Signing")
			return err
		})
	})
	m, err := bedrock.New(client, bedrock.Config{ModelID: modelID})
	if err != nil {
		t.Fatal(err)
	}
	sim.Script(bedrocksim.Turn{Text: []string{"never"}})
	_, err = m.Stream(t.Context(), ask("summary"), collect(new([]llm.Event)))
	if !errors.Is(err, llm.ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
	if sim.Refused() != 1 || sim.Calls() != 0 {
		t.Errorf("refused %d accepted %d, want 1 and 0", sim.Refused(), sim.Calls())
	}
}

func TestInvalidRequestNotSent(t *testing.T) {
	sim, m, _ := newModel(t, bedrock.Config{})
	tests := []struct {
		name string
		req  llm.Request
	}{
		{"no messages", llm.Request{System: "x"}},
		{"unknown role", llm.Request{Messages: []llm.Message{{Role: "system", Content: []llm.Block{{Text: "x"}}}}}},
		{"only blank text", llm.Request{Messages: []llm.Message{{Role: llm.User, Content: []llm.Block{{Text: "  "}}}}}},
		{"tool input not JSON", llm.Request{Messages: []llm.Message{{Role: llm.Assistant, Content: []llm.Block{{ToolUse: &llm.ToolUse{ID: "1", Name: "x", Input: json.RawMessage(`{`)}}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.Stream(t.Context(), tt.req, collect(new([]llm.Event)))
			if !errors.Is(err, llm.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
	if sim.Calls() != 0 {
		t.Errorf("calls = %d, want none", sim.Calls())
	}
}

func TestConcurrentStreams(t *testing.T) {
	sim, m, _ := newModel(t, bedrock.Config{})
	const n = 12
	answer := func(i int) []string {
		return []string{fmt.Sprintf("answer %d ", i), strings.Repeat(fmt.Sprint(i%10), 200+i), " end"}
	}
	for i := range n {
		sim.Script(bedrocksim.Turn{Match: bedrocksim.LastTextContains(fmt.Sprintf("question %d?", i)), Text: answer(i)})
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			resp, err := m.Stream(t.Context(), ask(fmt.Sprintf("question %d?", i)), func(llm.Event) error { return nil })
			if want := strings.Join(answer(i), ""); err == nil && resp.Message.Text() != want {
				err = fmt.Errorf("stream %d: text %.40q..., want %.40q...", i, resp.Message.Text(), want)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// A black-holed endpoint (it takes the request and never answers) ends in
// llm.ErrUnavailable after two stalled attempts, not at the caller's
// deadline; a stream that stalls after its first delta is not retried.
func TestStallIsUnavailable(t *testing.T) {
	var n int
	var mu sync.Mutex
	release := make(chan struct{})
	hole := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hole.Close()
	defer close(release)
	creds := credentials.NewStaticCredentialsProvider("AKIDBEDROCKTEST", "bedrock-test-secret", "")
	client, err := bedrock.NewClient(t.Context(), "eu-west-1", hole.URL, config.WithCredentialsProvider(creds),
		config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}))
	if err != nil {
		t.Fatal(err)
	}
	m, err := bedrock.New(client, bedrock.Config{ModelID: modelID, StallTimeout: 200 * time.Millisecond,
		Retry: bedrock.Retry{Sleep: func(context.Context, time.Duration) error { return nil }}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = m.Stream(t.Context(), ask("summary"), func(llm.Event) error { return nil })
	mu.Lock()
	got := n
	mu.Unlock()
	if !errors.Is(err, llm.ErrUnavailable) || got != 2 || time.Since(start) > 3*time.Second {
		t.Errorf("black hole: err %v after %d calls in %s, want ErrUnavailable after 2 calls within 3s", err, got, time.Since(start))
	}

	sim, m2, _ := newModel(t, bedrock.Config{StallTimeout: 200 * time.Millisecond})
	sim.Script(bedrocksim.Turn{Text: []string{"first piece"}, Stall: true})
	var events []llm.Event
	_, err = m2.Stream(t.Context(), ask("summary"), collect(&events))
	if !errors.Is(err, llm.ErrUnavailable) || len(events) != 1 || sim.Calls() != 1 {
		t.Errorf("stall mid-stream: err %v, %d events, %d calls; want ErrUnavailable after 1 event and 1 call", err, len(events), sim.Calls())
	}
}
