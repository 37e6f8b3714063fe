package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/resync/resync/shared/domain/llm"
)

// HistoryStore keeps each conversation's turns, as History encodes them,
// keyed by user and conversation id (shared/adapter/redis/historystore).
// Recent returns the last n turns, oldest first (none for an unknown
// conversation); Append adds one, keeps the last keep and renews the
// conversation's expiry to ttl, atomically. An error means the store could
// not be read or written.
type HistoryStore interface {
	Recent(ctx context.Context, user, conv string, n int) ([][]byte, error)
	Append(ctx context.Context, user, conv string, turn []byte, keep int, ttl time.Duration) error
	Clear(ctx context.Context, user, conv string) error
}

// HistoryConfig bounds the conversation history.
type HistoryConfig struct {
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

// History keeps each conversation's recent turns in a HistoryStore, keyed
// by user and conversation id, so a user reads only their own conversations
// and a conversation survives reconnects. It is safe for concurrent use.
type History struct {
	store HistoryStore
	cfg   HistoryConfig
}

// NewHistory returns a History over store.
func NewHistory(store HistoryStore, cfg HistoryConfig) *History {
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
	return &History{store: store, cfg: cfg}
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

// Load returns the conversation's messages, oldest first, within the
// configured bounds. An unknown conversation is empty. Errors: ErrInvalidTurn,
// or the store's error wrapped.
func (h *History) Load(ctx context.Context, user, conv string) ([]llm.Message, error) {
	if err := checkConversation(user, conv); err != nil {
		return nil, err
	}
	raw, err := h.store.Recent(ctx, user, conv, h.cfg.MaxTurns)
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
		if err := json.Unmarshal(r, &turn); err != nil {
			continue // an unreadable turn is dropped, not fatal
		}
		out = append(out, turn...)
	}
	return out, nil
}

// Append adds one turn (the user's message and every message after it),
// with large tool results cut, trims the conversation to MaxTurns and
// renews its TTL. Errors: ErrInvalidTurn, or the store's error wrapped.
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
	if err := h.store.Append(ctx, user, conv, b, h.cfg.MaxTurns, h.cfg.TTL); err != nil {
		return fmt.Errorf("agent: append history: %w", err)
	}
	return nil
}

// Clear forgets a conversation. Errors: ErrInvalidTurn, or the store's error
// wrapped.
func (h *History) Clear(ctx context.Context, user, conv string) error {
	if err := checkConversation(user, conv); err != nil {
		return err
	}
	if err := h.store.Clear(ctx, user, conv); err != nil {
		return fmt.Errorf("agent: clear history: %w", err)
	}
	return nil
}
