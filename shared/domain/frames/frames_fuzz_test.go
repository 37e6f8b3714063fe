package frames

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// FuzzParse feeds arbitrary client frames to Parse. Properties: it never
// panics; a refusal wraps ErrBadFrame and carries no frame; an accepted
// frame names its action, decodes to a frame (nil only for ping) whose JSON
// parses back to the same action and the same frame; error text grows at
// most with the input (it may quote the action, never more).
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		`{"action":"chat","id":"m1","text":"which jobs abended?","conversationId":"c1","agent":"operator"}`,
		`{"action":"confirm","proposalId":"p1","justification":"INC-1 rerun","category":"incident","ticket":"INC-1"}`,
		`{"action":"cancel","proposalId":"p1"}`,
		`{"action":"feedback","messageId":"m1","rating":5,"comment":"good"}`,
		`{"action":"ping"}`,
		`{"action":"dance"}`,
		`{"action":"chat",`,
		`{"ACTION":"chat","ID":"x"}`,
		`{"action":"chat","action":"ping"}`,
		`{"action":"feedback","rating":"five"}`,
		`{"action":"\u0000"}`,
		`[]`, `null`, `""`, `{}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		action, frame, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrBadFrame) {
				t.Fatalf("Parse error %v does not wrap ErrBadFrame", err)
			}
			if frame != nil {
				t.Fatalf("Parse returned a frame %#v with error %v", frame, err)
			}
			if n := len(err.Error()); n > 6*len(data)+256 {
				t.Fatalf("error of %d bytes for %d bytes of input", n, len(data))
			}
			return
		}
		if action == "" {
			t.Fatalf("accepted %q with no action", data)
		}
		if frame == nil {
			if action != ActionPing {
				t.Fatalf("action %q accepted without a frame", action)
			}
			return
		}
		if v := reflect.ValueOf(frame).Elem().FieldByName("Action"); v.IsValid() && v.String() != action {
			t.Fatalf("frame %#v has action %q, Parse said %q", frame, v.String(), action)
		}
		again, err := json.Marshal(frame)
		if err != nil {
			t.Fatalf("frame %#v does not marshal: %v", frame, err)
		}
		action2, frame2, err := Parse(again)
		if err != nil || action2 != action || !reflect.DeepEqual(frame, frame2) {
			t.Fatalf("round trip of %s: %q %#v %v, want %q %#v", again, action2, frame2, err, action, frame)
		}
	})
}
