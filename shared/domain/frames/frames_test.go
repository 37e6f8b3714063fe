package frames

import (
	"errors"
	"testing"
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
