package bedrocksim

import (
	"encoding/json"
	"net/http"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// The ConverseStream event names (the :event-type header), as the members
// of the ConverseStreamOutput union in the Bedrock Runtime model.
const (
	evMessageStart      = "messageStart"
	evContentBlockStart = "contentBlockStart"
	evContentBlockDelta = "contentBlockDelta"
	evContentBlockStop  = "contentBlockStop"
	evMessageStop       = "messageStop"
	evMetadata          = "metadata"
)

// streamWriter writes event-stream frames, flushing each so the client
// sees them as they are written.
type streamWriter struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	enc *eventstream.Encoder
	err error
}

func (sw *streamWriter) frame(headers eventstream.Headers, payload any) {
	if sw.err != nil {
		return
	}
	b, err := json.Marshal(payload)
	if err != nil {
		sw.err = err
		return
	}
	if sw.err = sw.enc.Encode(sw.w, eventstream.Message{Headers: headers, Payload: b}); sw.err != nil {
		return
	}
	sw.err = sw.rc.Flush()
}

// event writes one event. Like Bedrock, it pads the payload with a "p"
// field that clients ignore.
func (sw *streamWriter) event(eventType string, payload map[string]any) {
	payload["p"] = "abcdefgh"[:1+len(eventType)%8]
	sw.frame(eventstream.Headers{
		{Name: ":event-type", Value: eventstream.StringValue(eventType)},
		{Name: ":content-type", Value: eventstream.StringValue("application/json")},
		{Name: ":message-type", Value: eventstream.StringValue("event")},
	}, payload)
}

// exception writes an exception message: its :exception-type is the
// union member name, the error code with a lower-case first letter
// (throttlingException).
func (sw *streamWriter) exception(f Fault) {
	r, n := utf8.DecodeRuneInString(f.Code)
	sw.frame(eventstream.Headers{
		{Name: ":exception-type", Value: eventstream.StringValue(string(unicode.ToLower(r)) + f.Code[n:])},
		{Name: ":content-type", Value: eventstream.StringValue("application/json")},
		{Name: ":message-type", Value: eventstream.StringValue("exception")},
	}, map[string]string{"message": f.Message})
}

// converseStream answers POST /model/{modelId}/converse-stream.
func (s *Server) converseStream(w http.ResponseWriter, r *http.Request) {
	req, ok := s.decode(w, r, "ConverseStream")
	if !ok {
		return
	}
	t, ok := s.turn(w, req)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
	w.WriteHeader(http.StatusOK)
	sw := &streamWriter{w: w, rc: http.NewResponseController(w), enc: eventstream.NewEncoder()}

	sw.event(evMessageStart, map[string]any{"role": "assistant"})
	index := 0
	if len(t.Text) > 0 {
		for _, piece := range t.Text {
			sw.event(evContentBlockDelta, map[string]any{"contentBlockIndex": index, "delta": map[string]any{"text": piece}})
		}
		if t.Stall {
			<-r.Context().Done()
			return
		}
		if t.StreamFail != nil {
			sw.exception(*t.StreamFail)
			return
		}
		sw.event(evContentBlockStop, map[string]any{"contentBlockIndex": index})
		index++
	} else if t.Stall {
		<-r.Context().Done()
		return
	} else if t.StreamFail != nil {
		sw.exception(*t.StreamFail)
		return
	}
	for _, tu := range t.ToolUses {
		sw.event(evContentBlockStart, map[string]any{"contentBlockIndex": index,
			"start": map[string]any{"toolUse": map[string]any{"toolUseId": tu.ID, "name": tu.Name}}})
		for _, frag := range fragments(tu.Input, tu.Chunk) {
			sw.event(evContentBlockDelta, map[string]any{"contentBlockIndex": index,
				"delta": map[string]any{"toolUse": map[string]any{"input": frag}}})
		}
		sw.event(evContentBlockStop, map[string]any{"contentBlockIndex": index})
		index++
	}
	sw.event(evMessageStop, map[string]any{"stopReason": t.stopReason()})
	sw.event(evMetadata, map[string]any{"usage": t.usage(req).json(), "metrics": map[string]int{"latencyMs": 1}})
}

// fragments splits s into pieces of at most n bytes (default 8), never
// inside a UTF-8 sequence.
func fragments(s string, n int) []string {
	if n <= 0 {
		n = 8
	}
	var out []string
	for len(s) > 0 {
		cut := min(n, len(s))
		for cut < len(s) && !utf8.RuneStart(s[cut]) {
			cut++
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return out
}
