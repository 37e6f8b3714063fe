// Package bedrocksim is a stand-in for Amazon Bedrock Runtime in tests: an
// http.Handler speaking the REST protocol the AWS SDK for Go v2 sends —
// Converse (JSON), ConverseStream (answers in the binary
// application/vnd.amazon.eventstream framing) and InvokeModel for Titan
// Text Embeddings v2 — so that the real SDK client, its signing, its
// serialisation and its event-stream decoding are exercised.
//
// The model's answers are scripted: Script queues Turns, each answering the
// next request it matches. Requests returns what the model was sent. Faults
// (throttling, validation, unavailability) can be injected for the next
// calls, before a turn, or in the middle of a stream. Requests that are not
// SigV4-signed for the bedrock service are refused with 403, so a passing
// test proves signing ran; after Credentials the signature itself is
// recomputed and checked.
//
// Serve it with httptest.NewServer(bedrocksim.New()) and point the SDK
// client's BaseEndpoint at the server's URL.
package bedrocksim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Turn is what the model answers to one request.
type Turn struct {
	// Match, when set, restricts the turn to requests it accepts; the first
	// queued turn that matches answers. Nil matches any request.
	Match func(Request) bool
	// Text is the answer's text, streamed as one delta per piece.
	Text []string
	// ToolUses are the tool-use blocks that follow the text.
	ToolUses []ToolUse
	// StopReason defaults to "tool_use" when there are tool uses and
	// "end_turn" otherwise.
	StopReason string
	// Usage defaults to a word count of the request and the answer.
	Usage *Usage
	// Fail, when set, answers the request with this error instead.
	Fail *Fault
	// StreamFail, when set, ends a ConverseStream answer after its text
	// with this exception inside the stream (Converse answers with it as
	// an HTTP error).
	StreamFail *Fault
	// Stall holds a ConverseStream answer open after its text until the
	// client goes away.
	Stall bool
}

// ToolUse is a tool-use block of an answer.
type ToolUse struct {
	ID   string
	Name string
	// Input is the tool's input, a JSON object, streamed in fragments of
	// Chunk bytes (default 8), as Bedrock splits it.
	Input string
	Chunk int
}

// Usage is the token count reported with an answer.
type Usage struct {
	InputTokens  int
	OutputTokens int
}

// Fault is an error answer: the HTTP status and the error code the SDK
// reads from the X-Amzn-ErrorType header.
type Fault struct {
	Status  int
	Code    string
	Message string
}

// Faults Bedrock Runtime answers with.
var (
	Throttling    = Fault{http.StatusTooManyRequests, "ThrottlingException", "Too many requests, please wait before trying again."}
	Validation    = Fault{http.StatusBadRequest, "ValidationException", "The provided request is not valid."}
	Unavailable   = Fault{http.StatusServiceUnavailable, "ServiceUnavailableException", "The service is unavailable. Try again later."}
	ModelNotReady = Fault{http.StatusTooManyRequests, "ModelNotReadyException", "The model is not ready to serve inference requests."}
	Internal      = Fault{http.StatusInternalServerError, "InternalServerException", "An internal server error occurred."}
)

// Server is the stand-in. It is safe for concurrent use.
type Server struct {
	mux *http.ServeMux

	mu       sync.Mutex
	turns    []Turn
	faults   []Fault
	requests []Request
	embeds   []EmbedRequest
	calls    int
	refused  int
	creds    *aws.Credentials
	respond  func(Request) Turn
}

// New returns a Server with nothing scripted.
func New() *Server {
	s := &Server{mux: http.NewServeMux()}
	s.mux.HandleFunc("POST /model/{modelId}/converse", s.converse)
	s.mux.HandleFunc("POST /model/{modelId}/converse-stream", s.converseStream)
	s.mux.HandleFunc("POST /model/{modelId}/invoke", s.invoke)
	return s
}

// Respond makes f answer every request no scripted turn matches (without
// it such a request is refused). The local stack's production-parity mode
// uses it to answer Converse calls with the offline model, so the functions
// speak Bedrock's wire protocol while the answers stay deterministic.
func (s *Server) Respond(f func(Request) Turn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.respond = f
}

// Script queues turns, answered in order of arrival among those that match.
func (s *Server) Script(turns ...Turn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.turns = append(s.turns, turns...)
}

// Fail answers the next n calls, of any operation, with f.
func (s *Server) Fail(f Fault, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// ClearFaults drops the faults of Fail not yet answered.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Requests returns the Converse and ConverseStream requests received, in
// order, failed ones included.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Embeddings returns the InvokeModel embedding requests received, in
// order.
func (s *Server) Embeddings() []EmbedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]EmbedRequest(nil), s.embeds...)
}

// Calls returns how many signed calls arrived, whatever their outcome.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// Refused returns how many calls were refused for lack of a signature.
func (s *Server) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// Pending returns how many scripted turns have not answered yet.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.turns)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Amzn-Requestid", "bedrocksim-"+strconv.FormatInt(int64(s.count()), 10))
	if !signed(r) {
		s.mu.Lock()
		s.refused++
		s.mu.Unlock()
		writeFault(w, Fault{http.StatusForbidden, "UnrecognizedClientException", "bedrocksim: the request is not SigV4-signed for the bedrock service"})
		return
	}
	s.mu.Lock()
	creds := s.creds
	s.mu.Unlock()
	if creds != nil {
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = verify(r, body, *creds)
		}
		if err != nil {
			s.mu.Lock()
			s.refused++
			s.mu.Unlock()
			writeFault(w, Fault{http.StatusForbidden, "InvalidSignatureException", "bedrocksim: " + err.Error()})
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	s.mu.Lock()
	s.calls++
	var fault *Fault
	if len(s.faults) > 0 {
		f := s.faults[0]
		s.faults = s.faults[1:]
		fault = &f
	}
	s.mu.Unlock()
	if fault != nil {
		io.Copy(io.Discard, r.Body)
		writeFault(w, *fault)
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls + s.refused + 1
}

// signed reports whether r carries a SigV4 signature for Bedrock: the
// Authorization header of the AWS4-HMAC-SHA256 scheme with a credential
// scope for the bedrock service, and the X-Amz-Date it was made at.
func signed(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	return strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") &&
		strings.Contains(auth, "/bedrock/aws4_request") &&
		strings.Contains(auth, "Signature=") &&
		r.Header.Get("X-Amz-Date") != ""
}

// writeFault writes an error the way Bedrock's REST-JSON protocol does.
func writeFault(w http.ResponseWriter, f Fault) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", f.Code+":http://internal.amazon.com/coral/com.amazon.bedrock/")
	w.WriteHeader(f.Status)
	json.NewEncoder(w).Encode(map[string]string{"message": f.Message})
}

// decode reads a Converse request and records it.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, op string) (Request, bool) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeFault(w, Fault{http.StatusBadRequest, "ValidationException", "bedrocksim: read body: " + err.Error()})
		return Request{}, false
	}
	var req Request
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		writeFault(w, Fault{http.StatusBadRequest, "ValidationException", "bedrocksim: malformed request: " + err.Error()})
		return Request{}, false
	}
	req.Operation, req.ModelID = op, r.PathValue("modelId")
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()
	err = validate(req)
	if err == nil {
		err = blankDescriptions(body)
	}
	if err != nil {
		writeFault(w, Fault{http.StatusBadRequest, "ValidationException", err.Error()})
		return Request{}, false
	}
	return req, true
}

// validate applies the checks Bedrock makes that a client is likely to
// trip over.
func validate(req Request) error {
	if len(req.Messages) == 0 {
		return fmt.Errorf("bedrocksim: messages: at least one message is required")
	}
	if req.Messages[0].Role != "user" {
		return fmt.Errorf("bedrocksim: a conversation must start with a user message")
	}
	for i, m := range req.Messages {
		if m.Role != "user" && m.Role != "assistant" {
			return fmt.Errorf("bedrocksim: messages.%d.role: %q is not user or assistant", i, m.Role)
		}
		if i > 0 && req.Messages[i-1].Role == m.Role {
			return fmt.Errorf("bedrocksim: messages.%d: roles must alternate between user and assistant", i)
		}
		if len(m.Content) == 0 {
			return fmt.Errorf("bedrocksim: messages.%d.content: at least one block is required", i)
		}
		for j, c := range m.Content {
			if c.Text != nil && strings.TrimSpace(*c.Text) == "" {
				return fmt.Errorf("bedrocksim: messages.%d.content.%d: the text field is blank", i, j)
			}
			if c.ToolUse != nil && !isObject(c.ToolUse.Input) {
				return fmt.Errorf("bedrocksim: messages.%d.content.%d: toolUse.input is not a JSON object", i, j)
			}
		}
	}
	if req.ToolConfig != nil {
		if err := validateTools(req.ToolConfig.Tools); err != nil {
			return err
		}
	}
	return nil
}

// blankDescriptions refuses a tool description sent empty (ToolSpec
// cannot tell it from one not sent, which is allowed).
func blankDescriptions(body []byte) error {
	var req struct {
		ToolConfig *struct {
			Tools []struct {
				ToolSpec *struct {
					Description *string `json:"description"`
				} `json:"toolSpec"`
			} `json:"tools"`
		} `json:"toolConfig"`
	}
	if json.Unmarshal(body, &req) != nil || req.ToolConfig == nil {
		return nil // validate has judged it
	}
	for i, t := range req.ToolConfig.Tools {
		if t.ToolSpec != nil && t.ToolSpec.Description != nil && *t.ToolSpec.Description == "" {
			return fmt.Errorf("bedrocksim: toolConfig.tools.%d.toolSpec.description: length must be at least 1", i)
		}
	}
	return nil
}

// toolName is Converse's pattern and length for a tool name.
var toolName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// validateTools applies Converse's constraints on toolConfig.tools:
//
//   - tools: at least one (ToolConfiguration, "Array Members: Minimum
//     number of 1 item"); the API reference documents no maximum, so none
//     is checked;
//   - toolSpec.name: length 1 to 64, pattern [a-zA-Z0-9_-]+;
//   - toolSpec.description: optional, but at least one character when
//     given (blankDescriptions, which sees the raw body); no maximum is
//     documented;
//   - toolSpec.inputSchema.json: required; Claude and Nova take it as the
//     JSON Schema of the tool's input object, so it must be a JSON object
//     with "type": "object" (a schema of another type is refused).
//
// Sources: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolSpecification.html
// and https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolConfiguration.html
func validateTools(tools []Tool) error {
	if len(tools) == 0 {
		return fmt.Errorf("bedrocksim: toolConfig.tools: at least one tool is required")
	}
	for i, t := range tools {
		spec := t.ToolSpec
		if spec == nil {
			return fmt.Errorf("bedrocksim: toolConfig.tools.%d: a toolSpec is required", i)
		}
		if !toolName.MatchString(spec.Name) {
			return fmt.Errorf("bedrocksim: toolConfig.tools.%d.toolSpec.name: %q does not match [a-zA-Z0-9_-]{1,64}", i, spec.Name)
		}
		var schema struct {
			Type json.RawMessage `json:"type"`
		}
		if !isObject(spec.InputSchema.JSON) || json.Unmarshal(spec.InputSchema.JSON, &schema) != nil || string(schema.Type) != `"object"` {
			return fmt.Errorf("bedrocksim: toolConfig.tools.%d.toolSpec.inputSchema.json: a JSON schema of type \"object\" is required", i)
		}
	}
	return nil
}

func isObject(raw json.RawMessage) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(raw, &m) == nil && m != nil
}

// next takes the first queued turn that matches req.
func (s *Server) next(req Request) (Turn, bool) {
	s.mu.Lock()
	for i, t := range s.turns {
		if t.Match == nil || t.Match(req) {
			s.turns = append(s.turns[:i:i], s.turns[i+1:]...)
			s.mu.Unlock()
			return t, true
		}
	}
	respond := s.respond
	s.mu.Unlock()
	if respond != nil {
		return respond(req), true // outside the lock: answers run concurrently
	}
	return Turn{}, false
}

func (s *Server) turn(w http.ResponseWriter, req Request) (Turn, bool) {
	t, ok := s.next(req)
	if !ok {
		writeFault(w, Fault{http.StatusBadRequest, "ValidationException", "bedrocksim: no scripted turn matches this request"})
		return Turn{}, false
	}
	if t.Fail != nil {
		writeFault(w, *t.Fail)
		return Turn{}, false
	}
	return t, true
}

func (t Turn) stopReason() string {
	switch {
	case t.StopReason != "":
		return t.StopReason
	case len(t.ToolUses) > 0:
		return "tool_use"
	}
	return "end_turn"
}

func (t Turn) usage(req Request) Usage {
	if t.Usage != nil {
		return *t.Usage
	}
	var in int
	in += words(req.SystemText())
	for _, m := range req.Messages {
		for _, c := range m.Content {
			switch {
			case c.Text != nil:
				in += words(*c.Text)
			case c.ToolUse != nil:
				in += 1 + len(c.ToolUse.Input)/4
			case c.ToolResult != nil:
				for _, rc := range c.ToolResult.Content {
					in += 1 + len(rc.JSON)/4
					if rc.Text != nil {
						in += words(*rc.Text)
					}
				}
			}
		}
	}
	out := words(strings.Join(t.Text, ""))
	for _, tu := range t.ToolUses {
		out += 1 + len(tu.Input)/4
	}
	return Usage{InputTokens: in, OutputTokens: out}
}

func words(s string) int { return len(strings.Fields(s)) }

type usageJSON struct {
	InputTokens  int `json:"inputTokens"`
	OutputTokens int `json:"outputTokens"`
	TotalTokens  int `json:"totalTokens"`
}

func (u Usage) json() usageJSON {
	return usageJSON{u.InputTokens, u.OutputTokens, u.InputTokens + u.OutputTokens}
}

// converse answers POST /model/{modelId}/converse.
func (s *Server) converse(w http.ResponseWriter, r *http.Request) {
	req, ok := s.decode(w, r, "Converse")
	if !ok {
		return
	}
	t, ok := s.turn(w, req)
	if !ok {
		return
	}
	if t.StreamFail != nil {
		writeFault(w, *t.StreamFail)
		return
	}
	content := []map[string]any{}
	if text := strings.Join(t.Text, ""); text != "" {
		content = append(content, map[string]any{"text": text})
	}
	for _, tu := range t.ToolUses {
		input := json.RawMessage(tu.Input)
		if len(bytes.TrimSpace(input)) == 0 {
			input = json.RawMessage(`{}`)
		}
		content = append(content, map[string]any{"toolUse": map[string]any{"toolUseId": tu.ID, "name": tu.Name, "input": input}})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"output":     map[string]any{"message": map[string]any{"role": "assistant", "content": content}},
		"stopReason": t.stopReason(),
		"usage":      t.usage(req).json(),
		"metrics":    map[string]int{"latencyMs": 1},
	})
}
