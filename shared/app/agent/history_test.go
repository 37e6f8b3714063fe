package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/adapter/redis/historystore"
	"github.com/resync/resync/shared/domain/llm"
)

func textTurn(q, a string) []llm.Message {
	return []llm.Message{
		{Role: llm.User, Content: []llm.Block{{Text: q}}},
		{Role: llm.Assistant, Content: []llm.Block{{Text: a}}},
	}
}

func newHistory(t *testing.T, cfg HistoryConfig) (*History, *miniredis.Miniredis) {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	return NewHistory(historystore.New(rdb, ""), cfg), mr
}

func TestHistoryKeepsTheLastTurns(t *testing.T) {
	h, mr := newHistory(t, HistoryConfig{MaxTurns: 3, TTL: time.Hour})
	ctx := context.Background()
	for i := 1; i <= 5; i++ {
		if err := h.Append(ctx, "alice", "c1", textTurn(fmt.Sprint("q", i), fmt.Sprint("a", i))); err != nil {
			t.Fatal(err)
		}
	}
	msgs, err := h.Load(ctx, "alice", "c1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range msgs {
		got = append(got, m.Text())
	}
	if want := "q3 a3 q4 a4 q5 a5"; strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s", got, want)
	}
	keys := mr.Keys()
	if len(keys) != 1 || mr.TTL(keys[0]) != time.Hour {
		t.Errorf("keys %v with TTL %v, want one key with a TTL of an hour", keys, mr.TTL(keys[0]))
	}
	if n, _ := mr.List(keys[0]); len(n) != 3 {
		t.Errorf("Redis holds %d turns, want 3", len(n))
	}
	mr.FastForward(time.Hour + time.Second)
	if msgs, _ := h.Load(ctx, "alice", "c1"); len(msgs) != 0 {
		t.Errorf("after the TTL: %d messages, want none", len(msgs))
	}
}

func TestHistoryByteCapAndToolResults(t *testing.T) {
	h, _ := newHistory(t, HistoryConfig{MaxBytes: 3000, MaxToolResult: 512})
	ctx := context.Background()
	big := `{"items":[` + strings.Repeat(`{"id":"x"},`, 400) + `{"id":"y"}],"total":401}`
	turn := []llm.Message{
		{Role: llm.User, Content: []llm.Block{{Text: "q"}}},
		{Role: llm.Assistant, Content: []llm.Block{{ToolUse: &llm.ToolUse{ID: "t1", Name: ToolSearchJobs, Input: []byte(`{}`)}}}},
		{Role: llm.User, Content: []llm.Block{{ToolResult: &llm.ToolResult{ToolUseID: "t1", Content: big}}}},
		{Role: llm.Assistant, Content: []llm.Block{{Text: strings.Repeat("a", 1000)}}},
	}
	for range 4 {
		if err := h.Append(ctx, "alice", "c1", turn); err != nil {
			t.Fatal(err)
		}
	}
	msgs, err := h.Load(ctx, "alice", "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) == 0 || len(msgs) >= 16 || len(msgs)%4 != 0 {
		t.Errorf("got %d messages, want whole turns under the byte cap", len(msgs))
	}
	if msgs[0].Role != llm.User || msgs[0].Text() != "q" {
		t.Errorf("history starts with %+v, want a user question", msgs[0])
	}
	tr := msgs[2].Content[0].ToolResult
	if tr == nil || len(tr.Content) > 512 || !strings.Contains(tr.Content, TruncatedKey) {
		t.Errorf("stored tool result has %d bytes, want a cut result of at most 512", len(tr.Content))
	}
}

func TestHistoryIsolationAndErrors(t *testing.T) {
	h, mr := newHistory(t, HistoryConfig{})
	ctx := context.Background()
	if err := h.Append(ctx, "alice", "c:1", textTurn("secret", "answer")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ user, conv string }{{"bob", "c:1"}, {"alice:c", "1"}, {"alice", "c"}} {
		if msgs, err := h.Load(ctx, tc.user, tc.conv); err != nil || len(msgs) != 0 {
			t.Errorf("Load(%q, %q): %d messages (%v), want none", tc.user, tc.conv, len(msgs), err)
		}
	}
	for _, tc := range []struct{ user, conv string }{{"", "c"}, {"u", ""}, {"u", strings.Repeat("c", 129)}, {"u", "c\n"}} {
		if _, err := h.Load(ctx, tc.user, tc.conv); !errors.Is(err, ErrInvalidTurn) {
			t.Errorf("Load(%q, %q): got %v, want ErrInvalidTurn", tc.user, tc.conv, err)
		}
	}
	if err := h.Clear(ctx, "alice", "c:1"); err != nil {
		t.Fatal(err)
	}
	if msgs, _ := h.Load(ctx, "alice", "c:1"); len(msgs) != 0 {
		t.Errorf("after Clear: %d messages", len(msgs))
	}
	mr.Close()
	if _, err := h.Load(ctx, "alice", "c:1"); err == nil {
		t.Error("Load with Redis down: no error")
	}
}
