package offline

import (
	"context"
	"testing"

	"github.com/resync/resync/shared/domain/llm"
)

// BenchmarkStream measures one model call: understanding a follow-up
// question against a conversation, and writing the answer to a summary.
func BenchmarkStream(b *testing.B) {
	c := &conversation{t: b, tools: specs()}
	c.ask("which jobs abended?")
	c.ask("status of PAY_LOAD")
	c.ask("summary")
	cases := []struct {
		name string
		req  llm.Request
	}{
		{"question", llm.Request{Tools: specs(), Messages: append(append([]llm.Message{}, c.msgs...), userText("and its log?"))}},
		{"answer", llm.Request{Tools: specs(), Messages: c.msgs[:len(c.msgs)-1]}},
	}
	m := New()
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Stream(context.Background(), tc.req, func(llm.Event) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
