package agenttest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/resync/resync/shared/domain/llm"
)

func TestModelReplaysTheScript(t *testing.T) {
	m := New(
		Step{Text: "Checking.", ToolUses: []llm.ToolUse{Use("get_job", map[string]string{"job": "J1"})}},
		Step{Func: func(req llm.Request) Step {
			r := LastToolResults(req)
			return Text("got " + r[0].Content)
		}},
	)
	m.Chunk = 3
	ctx := context.Background()
	var deltas []string
	var uses []llm.ToolUse
	emit := func(ev llm.Event) error {
		if ev.TextDelta != "" {
			deltas = append(deltas, ev.TextDelta)
		}
		if ev.ToolUse != nil {
			uses = append(uses, *ev.ToolUse)
		}
		return nil
	}
	resp, err := m.Stream(ctx, llm.Request{Messages: []llm.Message{{Role: llm.User, Content: []llm.Block{{Text: "q"}}}}}, emit)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(deltas, "|"), "Che|cki|ng."; got != want {
		t.Errorf("deltas: got %q, want %q", got, want)
	}
	if resp.StopReason != llm.StopToolUse || len(uses) != 1 || uses[0].ID == "" || string(uses[0].Input) != `{"job":"J1"}` {
		t.Errorf("got stop %q and uses %+v", resp.StopReason, uses)
	}
	if got := resp.Message.ToolUses(); len(got) != 1 || got[0].ID != uses[0].ID {
		t.Errorf("message tool uses %+v, want the emitted one", got)
	}
	req := llm.Request{Messages: []llm.Message{resp.Message, {Role: llm.User, Content: []llm.Block{{ToolResult: &llm.ToolResult{ToolUseID: uses[0].ID, Content: "R"}}}}}}
	resp, err = m.Stream(ctx, req, emit)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StopReason != llm.StopEndTurn || resp.Message.Text() != "got R" {
		t.Errorf("second answer: %q (%s)", resp.Message.Text(), resp.StopReason)
	}
	if _, err := m.Stream(ctx, req, emit); !errors.Is(err, ErrScriptDone) {
		t.Errorf("third call: got %v, want ErrScriptDone", err)
	}
	if m.Calls() != 3 || len(m.Requests()[1].Messages) != 2 {
		t.Errorf("recorded %d calls", m.Calls())
	}
}

func TestModelStopsOnEmitError(t *testing.T) {
	m := Repeat(Text("some text"))
	boom := errors.New("boom")
	if _, err := m.Stream(context.Background(), llm.Request{}, func(llm.Event) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("got %v, want the emit error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Stream(ctx, llm.Request{}, func(llm.Event) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: got %v", err)
	}
}

func TestSinkFailsAfter(t *testing.T) {
	s := &Sink{FailAfter: 1}
	if err := s.Delta("a"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delta("b"); !errors.Is(err, ErrGone) {
		t.Errorf("got %v, want ErrGone", err)
	}
	if s.Text() != "a" {
		t.Errorf("text %q", s.Text())
	}
}
