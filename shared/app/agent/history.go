package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/domain/llm"
)

// HistoryConfig bounds the conversation history.
type HistoryConfig struct {
	// Prefix starts every key (default "agent:history:").
	Prefix string
	// MaxTurns is how many recent turns are kept (default 10).
	MaxTurns int
	// MaxBytes caps the history given to the model (default 64 KB); older
	// turns are dropped first, the last turn always stays.
	MaxBytes int
	// MaxToolResult caps one stored tool result (default 4 KB), cut as the
	// runner cuts large results.
	MaxToolResult int
	// TTL is how long an idle conversation is kept (default 24 hours).
	TTL time.Duration
}

// History keeps each conversation's recent turns in Redis, keyed by user and
// conversation id, so a user reads only their own conversations and a
// conversation survives reconnects. It is safe for concurrent use.
type History struct {
	rdb redis.UniversalClient
	cfg HistoryConfig
}

// NewHistory returns a History over rdb.
func NewHistory(rdb redis.UniversalClient, cfg HistoryConfig) *History {
	if cfg.Prefix == "" {
		cfg.Prefix = "agent:history:"
	}
	if cfg.MaxTurns <= 0 {
		cfg.MaxTurns = 10
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 64 << 10
	}
	if cfg.MaxToolResult <= 0 {
		cfg.MaxToolResult = 4 << 10
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 24 * time.Hour
	}
	return &History{rdb: rdb, cfg: cfg}
}

// ErrInvalidTurn is wrapped for a missing user, conversation id or text.
var ErrInvalidTurn = errors.New("agent: invalid turn")

func checkConversation(user, conv string) error {
	switch {
	case user == "":
		return fmt.Errorf("%w: no user", ErrInvalidTurn)
	case conv == "" || len(conv) > 128:
		return fmt.Errorf("%w: a conversation id must have 1 to 128 characters", ErrInvalidTurn)
	}
	for _, r := range conv {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: the conversation id has a control character", ErrInvalidTurn)
		}
	}
	return nil
}

func (h *History) key(user, conv string) string {
	return h.cfg.Prefix + url.QueryEscape(user) + ":" + url.QueryEscape(conv)
}

// Load returns the conversation's messages, oldest first, within the
// configured bounds. An unknown conversation is empty. Errors: ErrInvalidTurn,
// or the Redis error wrapped.
func (h *History) Load(ctx context.Context, user, conv string) ([]llm.Message, error) {
	if err := checkConversation(user, conv); err != nil {
		return nil, err
	}
	raw, err := h.rdb.LRange(ctx, h.key(user, conv), int64(-h.cfg.MaxTurns), -1).Result()
	if err != nil {
		return nil, fmt.Errorf("agent: load history: %w", err)
	}
	// Newest first, within the byte cap; the newest always stays.
	start, total := len(raw), 0
	for i := len(raw) - 1; i >= 0; i-- {
		total += len(raw[i])
		if total > h.cfg.MaxBytes && i < len(raw)-1 {
			break
		}
		start = i
	}
	var out []llm.Message
	for _, r := range raw[start:] {
		var turn []llm.Message
		if err := json.Unmarshal([]byte(r), &turn); err != nil {
			continue // an unreadable turn is dropped, not fatal
		}
		out = append(out, turn...)
	}
	return out, nil
}

// Append adds one turn (the user's message and every message after it),
// with large tool results cut, trims the conversation to MaxTurns and
// renews its TTL. Errors: ErrInvalidTurn, or the Redis error wrapped.
func (h *History) Append(ctx context.Context, user, conv string, turn []llm.Message) error {
	if err := checkConversation(user, conv); err != nil {
		return err
	}
	compact := make([]llm.Message, len(turn))
	for i, m := range turn {
		c := llm.Message{Role: m.Role, Content: make([]llm.Block, len(m.Content))}
		for j, b := range m.Content {
			if b.ToolResult != nil {
				tr := *b.ToolResult
				tr.Content = string(fit([]byte(tr.Content), h.cfg.MaxToolResult))
				b.ToolResult = &tr
			}
			c.Content[j] = b
		}
		compact[i] = c
	}
	b, err := json.Marshal(compact)
	if err != nil {
		return fmt.Errorf("agent: append history: %w", err)
	}
	key := h.key(user, conv)
	_, err = h.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.RPush(ctx, key, b)
		p.LTrim(ctx, key, int64(-h.cfg.MaxTurns), -1)
		p.Expire(ctx, key, h.cfg.TTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("agent: append history: %w", err)
	}
	return nil
}

// Clear forgets a conversation. Errors: ErrInvalidTurn, or the Redis error.
func (h *History) Clear(ctx context.Context, user, conv string) error {
	if err := checkConversation(user, conv); err != nil {
		return err
	}
	if err := h.rdb.Del(ctx, h.key(user, conv)).Err(); err != nil {
		return fmt.Errorf("agent: clear history: %w", err)
	}
	return nil
}
