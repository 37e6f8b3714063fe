package frames

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of client frame fields, in bytes of UTF-8. Parse refuses a frame
// with a longer field (CodeFieldTooLong) before anything reads or writes it,
// so every later store — the audit trail, Redis keys, the graph — sees
// bounded values.
const (
	MaxIDBytes            = 128     // id, conversationId, proposalId, messageId
	MaxAgentBytes         = 64      // agent
	MaxTextBytes          = 8 << 10 // chat text
	MaxJustificationBytes = 2000    // justification (sent to HWA as a header)
	MaxCategoryBytes      = 64      // category
	MaxTicketBytes        = 64      // ticket
	MaxCommentBytes       = 4000    // feedback comment
	MaxTokenBytes         = 8 << 10 // auth token
	// MaxErrorMessageBytes bounds an Error frame's message; with the id
	// truncated to MaxIDBytes an Error frame stays far below MaxFrameBytes
	// even when every byte is JSON-escaped.
	MaxErrorMessageBytes = 1024
)

// limits maps each bounded JSON field of the client frames to its limit.
func limit(field string) int {
	switch field {
	case "id", "conversationId", "proposalId", "messageId":
		return MaxIDBytes
	case "agent":
		return MaxAgentBytes
	case "text":
		return MaxTextBytes
	case "justification":
		return MaxJustificationBytes
	case "category":
		return MaxCategoryBytes
	case "ticket":
		return MaxTicketBytes
	case "comment":
		return MaxCommentBytes
	case "token":
		return MaxTokenBytes
	}
	return 0
}

// Limit returns the limit in bytes of a string field of a client frame
// (its JSON name), or 0 for a field that is not a bounded string.
func Limit(field string) int { return limit(field) }

// ErrBadFrame is matched (errors.Is) by every error of Parse.
var ErrBadFrame = errors.New("frames: bad frame")

// FrameError is a refused client frame. Code is one of CodeBadFrame,
// CodeUnknownField and CodeFieldTooLong; Message is safe to show and never
// longer than MaxErrorMessageBytes. ID is the frame's id, proposalId or
// messageId when it could be read, truncated to MaxIDBytes, so the client
// can tell which frame was refused.
type FrameError struct {
	Action  string
	Code    string
	Field   string // the field at fault, when one is
	ID      string
	Message string
}

func (e *FrameError) Error() string {
	return "frames: bad frame: " + e.Message
}

// Is makes errors.Is(err, ErrBadFrame) true.
func (e *FrameError) Is(target error) bool { return target == ErrBadFrame }

// Client frame types by action. Ping carries nothing but is still a struct so
// that unknown fields are refused on it too.
func newFrame(action string) any {
	switch action {
	case ActionChat:
		return &Chat{}
	case ActionConfirm:
		return &Confirm{}
	case ActionCancel:
		return &Cancel{}
	case ActionFeedback:
		return &Feedback{}
	case ActionPing:
		return &Ping{}
	case ActionAuth:
		return &Auth{}
	}
	return nil
}

// ClientActions lists every client action Parse accepts.
func ClientActions() []string {
	return []string{ActionChat, ActionConfirm, ActionCancel, ActionFeedback, ActionPing, ActionAuth}
}

// ClientFrame returns a new zero frame for a client action, or nil.
func ClientFrame(action string) any { return newFrame(action) }

// ServerTypes lists every server frame type.
func ServerTypes() []string {
	return []string{TypeAck, TypeDelta, TypeTool, TypeProposal, TypeFinal, TypeError, TypeEvent, TypePong}
}

// ServerFrame returns a new zero frame for a server frame type, or nil.
func ServerFrame(typ string) any {
	switch typ {
	case TypeAck:
		return &Ack{}
	case TypeDelta:
		return &Delta{}
	case TypeTool:
		return &Tool{}
	case TypeProposal:
		return &Proposal{}
	case TypeFinal:
		return &Final{}
	case TypeError:
		return &Error{}
	case TypeEvent:
		return &Event{}
	case TypePong:
		return &Pong{}
	}
	return nil
}

// Parse reads a client frame: one JSON object, nothing after it, whose
// "action" names its type. It returns the action and the decoded frame
// (*Chat, *Confirm, *Cancel, *Feedback, *Ping or *Auth).
//
// A frame is refused — with a *FrameError, matching ErrBadFrame — when it is
// not a JSON object, has trailing data, has no or an unknown action, has a
// field its type does not have (names match exactly, case included), a field
// of the wrong type, a string field over its limit (Limit), a required field
// missing (chat id and text, proposalId, messageId, token) or a rating
// outside 1..5. Parse reads nothing but data and writes nothing.
func Parse(data []byte) (action string, frame any, err error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		return "", nil, &FrameError{Code: CodeBadFrame, Message: "a frame is one JSON object"}
	}
	id := echoID(fields)
	raw, ok := fields["action"]
	if !ok {
		return "", nil, &FrameError{Code: CodeBadFrame, ID: id, Message: "the frame has no action"}
	}
	if err := json.Unmarshal(raw, &action); err != nil {
		return "", nil, &FrameError{Code: CodeBadFrame, ID: id, Message: "the action is not a string"}
	}
	bad := func(code, field, format string, args ...any) (string, any, error) {
		return action, nil, &FrameError{Action: action, Code: code, Field: field, ID: id, Message: truncate(fmt.Sprintf(format, args...), MaxErrorMessageBytes)}
	}
	frame = newFrame(action)
	if frame == nil {
		return bad(CodeBadFrame, "action", "unknown action %s; want one of %s", strconv.Quote(truncate(action, 32)), strings.Join(ClientActions(), ", "))
	}
	known := jsonFields(reflect.TypeOf(frame).Elem())
	for name, v := range fields {
		if !known[name] {
			return bad(CodeUnknownField, name, "a %s frame has no field %s", action, strconv.Quote(truncate(name, 64)))
		}
		if n := limit(name); n > 0 && len(v) > 2+n {
			// Cheap first test on the encoded form; the exact one below.
			var s string
			if json.Unmarshal(v, &s) == nil && len(s) > n {
				return bad(CodeFieldTooLong, name, "%s is longer than %d bytes", name, n)
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(frame); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return bad(CodeBadFrame, te.Field, "%s has the wrong type (want %s)", te.Field, te.Type)
		}
		return bad(CodeBadFrame, "", "the %s frame cannot be read", action)
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad(CodeBadFrame, "", "data after the JSON object")
	}
	if code, field, msg := check(frame); code != "" {
		return bad(code, field, "%s", msg)
	}
	return action, frame, nil
}

// check applies the rules beyond JSON shape: required fields, the rating
// range, and (again, on the decoded value) every length limit.
func check(frame any) (code, field, msg string) {
	v := reflect.ValueOf(frame).Elem()
	t := v.Type()
	for i := range t.NumField() {
		name := jsonName(t.Field(i))
		if s, ok := v.Field(i).Interface().(string); ok {
			if n := limit(name); n > 0 && len(s) > n {
				return CodeFieldTooLong, name, fmt.Sprintf("%s is longer than %d bytes", name, n)
			}
		}
	}
	switch f := frame.(type) {
	case *Chat:
		if f.ID == "" || strings.TrimSpace(f.Text) == "" {
			return CodeBadFrame, "id", "a chat frame needs an id and text"
		}
	case *Confirm:
		if f.ProposalID == "" {
			return CodeBadFrame, "proposalId", "a confirm frame needs a proposalId"
		}
	case *Cancel:
		if f.ProposalID == "" {
			return CodeBadFrame, "proposalId", "a cancel frame needs a proposalId"
		}
	case *Feedback:
		if f.MessageID == "" {
			return CodeBadFrame, "messageId", "a feedback frame needs a messageId"
		}
		if f.Rating < 1 || f.Rating > 5 {
			return CodeBadFrame, "rating", "rating is from 1 (bad) to 5 (good)"
		}
	case *Auth:
		if f.Token == "" {
			return CodeBadFrame, "token", "an auth frame needs a token"
		}
	}
	return "", "", ""
}

// echoID returns the client's id for the frame (id, proposalId or
// messageId), truncated to MaxIDBytes, for the error frame.
func echoID(fields map[string]json.RawMessage) string {
	for _, k := range []string{"id", "proposalId", "messageId"} {
		var s string
		if raw, ok := fields[k]; ok && json.Unmarshal(raw, &s) == nil && s != "" {
			return truncate(s, MaxIDBytes)
		}
	}
	return ""
}

// jsonFields returns the JSON names of t's fields.
func jsonFields(t reflect.Type) map[string]bool {
	out := make(map[string]bool, t.NumField())
	for i := range t.NumField() {
		if n := jsonName(t.Field(i)); n != "" {
			out[n] = true
		}
	}
	return out
}

func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return ""
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		return f.Name
	}
	return name
}

// truncate returns s cut to at most n bytes, on a UTF-8 boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// NewError returns an Error frame whose id is cut to MaxIDBytes and message
// to MaxErrorMessageBytes, so that it never exceeds MaxFrameBytes whatever
// the client sent. retryAfter is in seconds (0: none).
func NewError(id, code, message string, retryAfter int) Error {
	return Error{Type: TypeError, ID: truncate(id, MaxIDBytes), Code: code, Message: truncate(message, MaxErrorMessageBytes), RetryAfter: retryAfter}
}
