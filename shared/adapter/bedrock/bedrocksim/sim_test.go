package bedrocksim_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/resync/resync/shared/adapter/bedrock/bedrocksim"
)

const fakeAuth = "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"

func start(t *testing.T) (*bedrocksim.Server, string) {
	t.Helper()
	sim := bedrocksim.New()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

// post sends body to path, signed (as far as the stand-in checks) or not.
func post(t *testing.T, url, path, body, auth string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
		req.Header.Set("X-Amz-Date", "20261126T020000Z")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

const userHello = `{"messages":[{"role":"user","content":[{"text":"hello"}]}]}`

func TestRefusesUnsignedRequests(t *testing.T) {
	tests := []struct{ name, auth string }{
		{"no signature", ""},
		{"another scheme", "Bearer abc"},
		{"another service", strings.Replace(fakeAuth, "/bedrock/", "/s3/", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, url := start(t)
			sim.Script(bedrocksim.Turn{Text: []string{"hi"}})
			resp := post(t, url, "/model/m/converse", userHello, tt.auth)
			if resp.StatusCode != http.StatusForbidden || !strings.HasPrefix(resp.Header.Get("X-Amzn-ErrorType"), "UnrecognizedClientException") {
				t.Errorf("status %d type %q, want 403 UnrecognizedClientException", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
			}
			if sim.Refused() != 1 || sim.Calls() != 0 || sim.Pending() != 1 {
				t.Errorf("refused %d calls %d pending %d", sim.Refused(), sim.Calls(), sim.Pending())
			}
		})
	}
}

// decodeStream reads every event-stream frame of body; the decoder checks
// the prelude and message CRCs.
func decodeStream(t *testing.T, body io.Reader) []eventstream.Message {
	t.Helper()
	dec := eventstream.NewDecoder()
	var out []eventstream.Message
	for {
		msg, err := dec.Decode(body, nil)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("frame %d: %v", len(out), err)
		}
		out = append(out, msg)
	}
}

func header(m eventstream.Message, name string) string {
	if v := m.Headers.Get(name); v != nil {
		return v.String()
	}
	return ""
}

func TestConverseStreamFraming(t *testing.T) {
	sim, url := start(t)
	sim.Script(bedrocksim.Turn{
		Text:     []string{"One ", "moment."},
		ToolUses: []bedrocksim.ToolUse{{ID: "tu1", Name: "job_log", Input: `{"jobId":"FIN_LOAD","lines":50}`, Chunk: 10}},
		Usage:    &bedrocksim.Usage{InputTokens: 7, OutputTokens: 9},
	})
	resp := post(t, url, "/model/anthropic.claude-v2%3A1/converse-stream", userHello, fakeAuth)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/vnd.amazon.eventstream" {
		t.Fatalf("status %d content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	frames := decodeStream(t, resp.Body)
	var got []string
	var input strings.Builder
	for _, f := range frames {
		if header(f, ":message-type") != "event" || header(f, ":content-type") != "application/json" {
			t.Errorf("frame headers %v", f.Headers)
		}
		got = append(got, header(f, ":event-type"))
		var p struct {
			Delta struct {
				ToolUse struct{ Input string } `json:"toolUse"`
			} `json:"delta"`
			Usage struct{ InputTokens, OutputTokens, TotalTokens int } `json:"usage"`
		}
		if err := json.Unmarshal(f.Payload, &p); err != nil {
			t.Fatalf("payload %s: %v", f.Payload, err)
		}
		input.WriteString(p.Delta.ToolUse.Input)
		if header(f, ":event-type") == "metadata" && (p.Usage.InputTokens != 7 || p.Usage.OutputTokens != 9 || p.Usage.TotalTokens != 16) {
			t.Errorf("usage = %+v", p.Usage)
		}
	}
	want := []string{"messageStart", "contentBlockDelta", "contentBlockDelta", "contentBlockStop",
		"contentBlockStart", "contentBlockDelta", "contentBlockDelta", "contentBlockDelta", "contentBlockDelta", "contentBlockStop",
		"messageStop", "metadata"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events =\n%v\nwant\n%v", got, want)
	}
	if input.String() != `{"jobId":"FIN_LOAD","lines":50}` {
		t.Errorf("tool input reassembled = %q", input.String())
	}
	if r := sim.Requests(); len(r) != 1 || r[0].ModelID != "anthropic.claude-v2:1" || r[0].Operation != "ConverseStream" {
		t.Errorf("requests = %+v", r)
	}
}

func TestConverseStreamException(t *testing.T) {
	sim, url := start(t)
	sim.Script(bedrocksim.Turn{Text: []string{"partial"}, StreamFail: &bedrocksim.Throttling})
	frames := decodeStream(t, post(t, url, "/model/m/converse-stream", userHello, fakeAuth).Body)
	last := frames[len(frames)-1]
	if len(frames) != 3 || header(last, ":message-type") != "exception" || header(last, ":exception-type") != "throttlingException" {
		t.Fatalf("frames %d, last headers %v", len(frames), last.Headers)
	}
	if !bytes.Contains(last.Payload, []byte(bedrocksim.Throttling.Message)) {
		t.Errorf("payload = %s", last.Payload)
	}
}

func TestErrorsAsTheSDKReadsThem(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(*bedrocksim.Server)
		body   string
		status int
		code   string
	}{
		{"injected throttling", func(s *bedrocksim.Server) { s.Fail(bedrocksim.Throttling, 1) }, userHello, 429, "ThrottlingException"},
		{"turn failure", func(s *bedrocksim.Server) { s.Script(bedrocksim.Turn{Fail: &bedrocksim.Unavailable}) }, userHello, 503, "ServiceUnavailableException"},
		{"nothing scripted", func(s *bedrocksim.Server) {}, userHello, 400, "ValidationException"},
		{"malformed JSON", func(s *bedrocksim.Server) {}, `{`, 400, "ValidationException"},
		{"starts with assistant", func(s *bedrocksim.Server) { s.Script(bedrocksim.Turn{}) },
			`{"messages":[{"role":"assistant","content":[{"text":"x"}]}]}`, 400, "ValidationException"},
		{"blank text", func(s *bedrocksim.Server) { s.Script(bedrocksim.Turn{}) },
			`{"messages":[{"role":"user","content":[{"text":" "}]}]}`, 400, "ValidationException"},
		{"roles not alternating", func(s *bedrocksim.Server) { s.Script(bedrocksim.Turn{}) },
			`{"messages":[{"role":"user","content":[{"text":"a"}]},{"role":"user","content":[{"text":"b"}]}]}`, 400, "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, url := start(t)
			tt.setup(sim)
			resp := post(t, url, "/model/m/converse-stream", tt.body, fakeAuth)
			var body struct{ Message string }
			json.NewDecoder(resp.Body).Decode(&body)
			code, _, _ := strings.Cut(resp.Header.Get("X-Amzn-ErrorType"), ":")
			if resp.StatusCode != tt.status || code != tt.code || body.Message == "" {
				t.Errorf("status %d code %q message %q, want %d %q and a message", resp.StatusCode, code, body.Message, tt.status, tt.code)
			}
		})
	}
}

func TestFaultsCountDown(t *testing.T) {
	sim, url := start(t)
	sim.Fail(bedrocksim.Throttling, 2)
	sim.Script(bedrocksim.Turn{Text: []string{"ok"}})
	var got []int
	for range 3 {
		got = append(got, post(t, url, "/model/m/converse", userHello, fakeAuth).StatusCode)
	}
	if !reflect.DeepEqual(got, []int{429, 429, 200}) || sim.Calls() != 3 {
		t.Errorf("statuses %v calls %d, want [429 429 200] and 3", got, sim.Calls())
	}
}

func TestClearFaults(t *testing.T) {
	sim, url := start(t)
	sim.Fail(bedrocksim.Unavailable, 5)
	sim.Script(bedrocksim.Turn{Text: []string{"ok"}}, bedrocksim.Turn{Text: []string{"ok"}})
	first := post(t, url, "/model/m/converse", userHello, fakeAuth).StatusCode
	sim.ClearFaults()
	second := post(t, url, "/model/m/converse", userHello, fakeAuth).StatusCode
	if first != 503 || second != 200 {
		t.Errorf("statuses %d then %d after ClearFaults, want 503 then 200", first, second)
	}
}

// client returns a real SDK client on the stand-in.
func client(t *testing.T, url string) *bedrockruntime.Client {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(t.Context(), config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKID", "secret", "")),
		config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}))
	if err != nil {
		t.Fatal(err)
	}
	return bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
		o.BaseEndpoint = aws.String(url)
		o.Retryer = aws.NopRetryer{}
	})
}

func TestConverseThroughTheSDK(t *testing.T) {
	sim, url := start(t)
	sim.Script(bedrocksim.Turn{
		Text:     []string{"Looking ", "it up."},
		ToolUses: []bedrocksim.ToolUse{{ID: "tu7", Name: "get_job", Input: `{"jobId":"PAYROLL","depth":2}`}},
	})
	out, err := client(t, url).Converse(t.Context(), &bedrockruntime.ConverseInput{
		ModelId:  aws.String("amazon.nova-pro-v1:0"),
		System:   []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: "be brief"}},
		Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "status of PAYROLL"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.StopReason != types.StopReasonToolUse || aws.ToInt32(out.Usage.InputTokens) == 0 {
		t.Errorf("stop %q usage %+v", out.StopReason, out.Usage)
	}
	msg := out.Output.(*types.ConverseOutputMemberMessage).Value
	if len(msg.Content) != 2 {
		t.Fatalf("content = %+v", msg.Content)
	}
	if text := msg.Content[0].(*types.ContentBlockMemberText).Value; text != "Looking it up." {
		t.Errorf("text = %q", text)
	}
	tu := msg.Content[1].(*types.ContentBlockMemberToolUse).Value
	var input struct {
		JobID string `json:"jobId"`
		Depth int    `json:"depth"`
	}
	if err := tu.Input.UnmarshalSmithyDocument(&input); err != nil {
		t.Fatal(err)
	}
	if aws.ToString(tu.ToolUseId) != "tu7" || aws.ToString(tu.Name) != "get_job" || input.JobID != "PAYROLL" || input.Depth != 2 {
		t.Errorf("tool use = %s %s %+v", aws.ToString(tu.ToolUseId), aws.ToString(tu.Name), input)
	}
	r := sim.Requests()[0]
	if r.Operation != "Converse" || r.ModelID != "amazon.nova-pro-v1:0" || r.SystemText() != "be brief" || r.Last().Text() != "status of PAYROLL" {
		t.Errorf("request = %+v", r)
	}
}

func TestConverseStreamThroughTheSDK(t *testing.T) {
	sim, url := start(t)
	sim.Script(bedrocksim.Turn{Text: []string{"a", "b"}, StreamFail: &bedrocksim.Throttling})
	out, err := client(t, url).ConverseStream(t.Context(), &bedrockruntime.ConverseStreamInput{
		ModelId:  aws.String("m"),
		Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	stream := out.GetStream()
	defer stream.Close()
	var text string
	for ev := range stream.Events() {
		if d, ok := ev.(*types.ConverseStreamOutputMemberContentBlockDelta); ok {
			text += d.Value.Delta.(*types.ContentBlockDeltaMemberText).Value
		}
	}
	var te *types.ThrottlingException
	if !errors.As(stream.Err(), &te) || text != "ab" {
		t.Errorf("text %q err %v, want \"ab\" then a ThrottlingException", text, stream.Err())
	}
}

func TestEmbeddings(t *testing.T) {
	sim, url := start(t)
	c := client(t, url)
	embed := func(body string) ([]float32, int, error) {
		out, err := c.InvokeModel(t.Context(), &bedrockruntime.InvokeModelInput{
			ModelId: aws.String("amazon.titan-embed-text-v2:0"), ContentType: aws.String("application/json"), Body: []byte(body),
		})
		if err != nil {
			return nil, 0, err
		}
		var resp struct {
			Embedding           []float32
			InputTextTokenCount int
		}
		if err := json.Unmarshal(out.Body, &resp); err != nil {
			t.Fatal(err)
		}
		return resp.Embedding, resp.InputTextTokenCount, nil
	}
	a, n, err := embed(`{"inputText":"FIN_LOAD abended with RC 12","dimensions":256}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 256 || n != 5 {
		t.Errorf("dimensions %d tokens %d, want 256 and 5", len(a), n)
	}
	b, _, _ := embed(`{"inputText":"FIN_LOAD abended with RC 12","dimensions":256}`)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same text gave different vectors")
	}
	full, _, _ := embed(`{"inputText":"anything"}`)
	if len(full) != 1024 {
		t.Errorf("default dimensions = %d, want 1024", len(full))
	}
	for _, bad := range []string{`{"inputText":"x","dimensions":300}`, `{"inputText":" "}`} {
		var ve *types.ValidationException
		if _, _, err := embed(bad); !errors.As(err, &ve) {
			t.Errorf("%s: err = %v, want ValidationException", bad, err)
		}
	}
	if got := len(sim.Embeddings()); got != 5 {
		t.Errorf("recorded %d embedding requests, want 5", got)
	}
}

func TestEmbeddingSimilarity(t *testing.T) {
	dot := func(a, b []float32) float64 {
		var s float64
		for i := range a {
			s += float64(a[i]) * float64(b[i])
		}
		return s
	}
	q := bedrocksim.Embedding("what to do when FIN_LOAD abends", 1024, true)
	near := bedrocksim.Embedding("FIN_LOAD abends: rerun after checking the mount", 1024, true)
	far := bedrocksim.Embedding("quarterly holiday calendar for the payroll team", 1024, true)
	if dot(q, near) <= dot(q, far) {
		t.Errorf("similarity near %.3f <= far %.3f: shared words should bring texts closer", dot(q, near), dot(q, far))
	}
}

func TestMatchers(t *testing.T) {
	text := "Which jobs ABENDED?"
	r := bedrocksim.Request{Messages: []bedrocksim.Message{
		{Role: "user", Content: []bedrocksim.ContentBlock{{Text: &text}}},
		{Role: "assistant", Content: []bedrocksim.ContentBlock{{ToolUse: &bedrocksim.ToolUseBlock{ToolUseID: "t1"}}}},
		{Role: "user", Content: []bedrocksim.ContentBlock{{ToolResult: &bedrocksim.ToolResultBlock{ToolUseID: "t1"}}}},
	}}
	if !bedrocksim.LastHasToolResult("t1")(r) || bedrocksim.LastHasToolResult("t2")(r) {
		t.Error("LastHasToolResult")
	}
	if bedrocksim.LastTextContains("abended")(r) || !bedrocksim.LastTextContains("abended")(bedrocksim.Request{Messages: r.Messages[:1]}) {
		t.Error("LastTextContains")
	}
}

func TestVerifiesSignatures(t *testing.T) {
	sim, url := start(t)
	sim.Credentials("AKID", "secret")
	good := client(t, url)
	sim.Script(bedrocksim.Turn{Text: []string{"signed ", "fine"}})
	msgs := []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi"}}}}
	out, err := good.ConverseStream(t.Context(), &bedrockruntime.ConverseStreamInput{ModelId: aws.String("anthropic.claude-3-haiku-20240307-v1:0"), Messages: msgs})
	if err != nil {
		t.Fatal(err)
	}
	for range out.GetStream().Events() {
	}
	if err := out.GetStream().Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := good.InvokeModel(t.Context(), &bedrockruntime.InvokeModelInput{
		ModelId: aws.String("amazon.titan-embed-text-v2:0"), ContentType: aws.String("application/json"), Body: []byte(`{"inputText":"x"}`),
	}); err != nil {
		t.Fatal(err)
	}

	cfg, err := config.LoadDefaultConfig(t.Context(), config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKID", "wrong-secret", "")),
		config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}))
	if err != nil {
		t.Fatal(err)
	}
	bad := bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
		o.BaseEndpoint = aws.String(url)
		o.Retryer = aws.NopRetryer{}
	})
	sim.Script(bedrocksim.Turn{Text: []string{"never"}})
	_, err = bad.Converse(t.Context(), &bedrockruntime.ConverseInput{ModelId: aws.String("m"), Messages: msgs})
	var api interface{ ErrorCode() string }
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidSignatureException" {
		t.Errorf("wrong secret: err = %v, want InvalidSignatureException", err)
	}
	if sim.Calls() != 2 || sim.Refused() != 1 || sim.Pending() != 1 {
		t.Errorf("calls %d refused %d pending %d, want 2, 1, 1", sim.Calls(), sim.Refused(), sim.Pending())
	}
}

// TestToolSpecLimits: the stand-in refuses, as Converse does, tool specs
// outside the documented constraints (see validateTools).
func TestToolSpecLimits(t *testing.T) {
	withTools := func(tools string) string {
		return `{"messages":[{"role":"user","content":[{"text":"hello"}]}],"toolConfig":{"tools":` + tools + `}}`
	}
	long := strings.Repeat("a", 65)
	tests := []struct {
		name  string
		tools string
		ok    bool
	}{
		{"valid", `[{"toolSpec":{"name":"search_jobs-2","description":"Find jobs.","inputSchema":{"json":{"type":"object","properties":{}}}}}]`, true},
		{"64-character name", `[{"toolSpec":{"name":"` + long[:64] + `","inputSchema":{"json":{"type":"object"}}}}]`, true},
		{"no description", `[{"toolSpec":{"name":"x","inputSchema":{"json":{"type":"object"}}}}]`, true},
		{"no tools", `[]`, false},
		{"no toolSpec", `[{}]`, false},
		{"empty name", `[{"toolSpec":{"name":"","inputSchema":{"json":{"type":"object"}}}}]`, false},
		{"65-character name", `[{"toolSpec":{"name":"` + long + `","inputSchema":{"json":{"type":"object"}}}}]`, false},
		{"space in name", `[{"toolSpec":{"name":"search jobs","inputSchema":{"json":{"type":"object"}}}}]`, false},
		{"dot in name", `[{"toolSpec":{"name":"plan.search","inputSchema":{"json":{"type":"object"}}}}]`, false},
		{"empty description", `[{"toolSpec":{"name":"x","description":"","inputSchema":{"json":{"type":"object"}}}}]`, false},
		{"no schema", `[{"toolSpec":{"name":"x"}}]`, false},
		{"schema not an object", `[{"toolSpec":{"name":"x","inputSchema":{"json":"object"}}}]`, false},
		{"schema without type", `[{"toolSpec":{"name":"x","inputSchema":{"json":{"properties":{}}}}}]`, false},
		{"schema of an array", `[{"toolSpec":{"name":"x","inputSchema":{"json":{"type":"array"}}}}]`, false},
		{"second tool bad", `[{"toolSpec":{"name":"x","inputSchema":{"json":{"type":"object"}}}},{"toolSpec":{"name":"y!","inputSchema":{"json":{"type":"object"}}}}]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, url := start(t)
			sim.Script(bedrocksim.Turn{Text: []string{"hi"}})
			resp := post(t, url, "/model/m/converse", withTools(tt.tools), fakeAuth)
			code, _, _ := strings.Cut(resp.Header.Get("X-Amzn-ErrorType"), ":")
			switch {
			case tt.ok && resp.StatusCode != http.StatusOK:
				t.Errorf("status %d code %q, want 200", resp.StatusCode, code)
			case !tt.ok && (resp.StatusCode != http.StatusBadRequest || code != "ValidationException"):
				t.Errorf("status %d code %q, want 400 ValidationException", resp.StatusCode, code)
			}
		})
	}
}
