// Package historystore keeps the agent's conversation history
// (shared/app/agent's History) in Redis: one list per conversation,
// "<prefix><user>:<conversation id>" with both parts query-escaped (so no
// user can name another's key), each element one turn as the agent encoded
// it, oldest first. Append pushes, trims to the turns kept and renews the
// expiry in one MULTI/EXEC, so concurrent appends never leave a list longer
// than asked or without an expiry.
package historystore

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is the key prefix used when New is given "".
const DefaultPrefix = "agent:history:"

// Store is the agent's history store over Redis. It is safe for concurrent
// use.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
}

// New returns a Store using rdb, with keys starting with prefix.
func New(rdb redis.UniversalClient, prefix string) *Store {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &Store{rdb: rdb, prefix: prefix}
}

func (s *Store) key(user, conv string) string {
	return s.prefix + url.QueryEscape(user) + ":" + url.QueryEscape(conv)
}

// Recent returns the conversation's last n turns (n > 0), oldest first; an
// unknown conversation has none. It returns the Redis error, wrapped.
func (s *Store) Recent(ctx context.Context, user, conv string, n int) ([][]byte, error) {
	if n <= 0 {
		return nil, fmt.Errorf("historystore: recent turns: n is %d, want more than 0", n)
	}
	raw, err := s.rdb.LRange(ctx, s.key(user, conv), int64(-n), -1).Result()
	if err != nil {
		return nil, fmt.Errorf("historystore: recent turns: %w", err)
	}
	out := make([][]byte, len(raw))
	for i, r := range raw {
		out[i] = []byte(r)
	}
	return out, nil
}

// Append adds turn to the conversation, keeps only its last keep turns
// (keep > 0) and makes it expire ttl from now. It returns the Redis error,
// wrapped.
func (s *Store) Append(ctx context.Context, user, conv string, turn []byte, keep int, ttl time.Duration) error {
	if keep <= 0 {
		return fmt.Errorf("historystore: append turn: keep is %d, want more than 0", keep)
	}
	key := s.key(user, conv)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.RPush(ctx, key, turn)
		p.LTrim(ctx, key, int64(-keep), -1)
		p.Expire(ctx, key, ttl)
		return nil
	})
	if err != nil {
		return fmt.Errorf("historystore: append turn: %w", err)
	}
	return nil
}

// Clear forgets the conversation. It returns the Redis error, wrapped.
func (s *Store) Clear(ctx context.Context, user, conv string) error {
	if err := s.rdb.Del(ctx, s.key(user, conv)).Err(); err != nil {
		return fmt.Errorf("historystore: clear: %w", err)
	}
	return nil
}
