package frames

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in     string
		action string
		ok     bool
	}{
		{`{"action":"chat","id":"m1","conversationId":"c1","text":"which jobs abended?"}`, ActionChat, true},
		{`{"action":"confirm","proposalId":"p1","justification":"INC-1"}`, ActionConfirm, true},
		{`{"action":"cancel","proposalId":"p1"}`, ActionCancel, true},
		{`{"action":"feedback","messageId":"m1","rating":1,"comment":"wrong job"}`, ActionFeedback, true},
		{`{"action":"ping"}`, ActionPing, true},
		{`{"action":"dance"}`, "dance", false},
		{`{"text":"no action"}`, "", false},
		{`not json`, "", false},
		{`{"action":"chat","id":5}`, ActionChat, false},
	}
	for _, tt := range tests {
		action, frame, err := Parse([]byte(tt.in))
		if action != tt.action || (err == nil) != tt.ok {
			t.Errorf("Parse(%s) = %q, %v, %v", tt.in, action, frame, err)
		}
		if err != nil && !errors.Is(err, ErrBadFrame) {
			t.Errorf("Parse(%s) error %v does not wrap ErrBadFrame", tt.in, err)
		}
	}
	_, f, _ := Parse([]byte(`{"action":"chat","id":"m1","text":"hi","agent":"operator"}`))
	if c := f.(*Chat); c.ID != "m1" || c.Text != "hi" || c.Agent != "operator" {
		t.Errorf("chat = %+v", c)
	}
}

func TestParseRefuses(t *testing.T) {
	long := func(n int) string { return `"` + strings.Repeat("x", n) + `"` }
	tests := []struct {
		name, in, code, field string
	}{
		{"unknown field", `{"action":"confirm","proposalId":"p1","justification":"j","admin":true}`, CodeUnknownField, "admin"},
		{"field in another case", `{"action":"cancel","ProposalId":"p1"}`, CodeUnknownField, "ProposalId"},
		{"field on ping", `{"action":"ping","x":1}`, CodeUnknownField, "x"},
		{"trailing object", `{"action":"ping"} {"action":"ping"}`, CodeBadFrame, ""},
		{"trailing garbage", `{"action":"ping"}x`, CodeBadFrame, ""},
		{"not an object", `["action"]`, CodeBadFrame, ""},
		{"null", `null`, CodeBadFrame, ""},
		{"action not a string", `{"action":5}`, CodeBadFrame, ""},
		{"wrong type", `{"action":"feedback","messageId":"m1","rating":"5"}`, CodeBadFrame, "rating"},
		{"chat without id", `{"action":"chat","text":"hi"}`, CodeBadFrame, "id"},
		{"blank text", `{"action":"chat","id":"m1","text":"  "}`, CodeBadFrame, "id"},
		{"confirm without proposal", `{"action":"confirm","justification":"j"}`, CodeBadFrame, "proposalId"},
		{"cancel without proposal", `{"action":"cancel"}`, CodeBadFrame, "proposalId"},
		{"rating 0", `{"action":"feedback","messageId":"m1","rating":0}`, CodeBadFrame, "rating"},
		{"auth without token", `{"action":"auth"}`, CodeBadFrame, "token"},
		{"long id", `{"action":"chat","id":` + long(MaxIDBytes+1) + `,"text":"hi"}`, CodeFieldTooLong, "id"},
		{"long conversation", `{"action":"chat","id":"m1","conversationId":` + long(MaxIDBytes+1) + `,"text":"hi"}`, CodeFieldTooLong, "conversationId"},
		{"long agent", `{"action":"chat","id":"m1","agent":` + long(MaxAgentBytes+1) + `,"text":"hi"}`, CodeFieldTooLong, "agent"},
		{"long text", `{"action":"chat","id":"m1","text":` + long(MaxTextBytes+1) + `}`, CodeFieldTooLong, "text"},
		{"long proposal", `{"action":"confirm","proposalId":` + long(MaxIDBytes+1) + `,"justification":"j"}`, CodeFieldTooLong, "proposalId"},
		{"long justification", `{"action":"confirm","proposalId":"p1","justification":` + long(MaxJustificationBytes+1) + `}`, CodeFieldTooLong, "justification"},
		{"long category", `{"action":"confirm","proposalId":"p1","justification":"j","category":` + long(MaxCategoryBytes+1) + `}`, CodeFieldTooLong, "category"},
		{"long ticket", `{"action":"confirm","proposalId":"p1","justification":"j","ticket":` + long(MaxTicketBytes+1) + `}`, CodeFieldTooLong, "ticket"},
		{"long cancel proposal", `{"action":"cancel","proposalId":` + long(MaxIDBytes+1) + `}`, CodeFieldTooLong, "proposalId"},
		{"long message id", `{"action":"feedback","messageId":` + long(MaxIDBytes+1) + `,"rating":1}`, CodeFieldTooLong, "messageId"},
		{"long comment", `{"action":"feedback","messageId":"m1","rating":1,"comment":` + long(MaxCommentBytes+1) + `}`, CodeFieldTooLong, "comment"},
		{"long token", `{"action":"auth","token":` + long(MaxTokenBytes+1) + `}`, CodeFieldTooLong, "token"},
		// Escapes make the encoded form longer than the value: the limit is on the value.
		{"escaped id over the limit", `{"action":"chat","id":"` + strings.Repeat(`\u00e9`, MaxIDBytes/2+1) + `","text":"hi"}`, CodeFieldTooLong, "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, frame, err := Parse([]byte(tt.in))
			var fe *FrameError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse = %+v, %v; want a *FrameError", frame, err)
			}
			if fe.Code != tt.code || fe.Field != tt.field {
				t.Errorf("code, field = %q, %q; want %q, %q (%s)", fe.Code, fe.Field, tt.code, tt.field, fe.Message)
			}
			if !errors.Is(err, ErrBadFrame) {
				t.Errorf("%v does not match ErrBadFrame", err)
			}
			if len(fe.ID) > MaxIDBytes || len(fe.Message) > MaxErrorMessageBytes {
				t.Errorf("id %d bytes, message %d bytes", len(fe.ID), len(fe.Message))
			}
		})
	}
}

func TestParseAcceptsFieldsAtTheirLimit(t *testing.T) {
	in := `{"action":"confirm","proposalId":"` + strings.Repeat("p", MaxIDBytes) + `","justification":"` + strings.Repeat("é", MaxJustificationBytes/2) +
		`","category":"` + strings.Repeat("c", MaxCategoryBytes) + `","ticket":"` + strings.Repeat("t", MaxTicketBytes) + `"}`
	if _, _, err := Parse([]byte(in)); err != nil {
		t.Fatalf("Parse at the limits: %v", err)
	}
	_, f, err := Parse([]byte(`{"action":"auth","token":"a.b.c"}`))
	if a, ok := f.(*Auth); err != nil || !ok || a.Token != "a.b.c" {
		t.Errorf("auth = %+v, %v", f, err)
	}
}

func TestErrorFrameStaysUnderTheFrameLimit(t *testing.T) {
	// Every byte a control character: JSON escapes each as \u00XX.
	huge := strings.Repeat("\x01", 4*MaxFrameBytes)
	b, err := json.Marshal(NewError(huge, CodeBadFrame, huge, 5))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > MaxFrameBytes {
		t.Errorf("error frame is %d bytes, over %d", len(b), MaxFrameBytes)
	}
	e := NewError(strings.Repeat("é", MaxIDBytes), CodeBadFrame, "m", 0)
	if len(e.ID) > MaxIDBytes || !utf8.ValidString(e.ID) {
		t.Errorf("id cut to %d bytes, valid UTF-8 %v", len(e.ID), utf8.ValidString(e.ID))
	}
}
