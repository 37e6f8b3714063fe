// Package proposalstore keeps the agent's action proposals (shared/app/agent)
// in Redis: one string key per proposal, "<prefix><proposal id>", holding the
// proposal as the agent encoded it, with the key's expiry as the proposal's
// retention. A change is a compare-and-set (Swap, one Lua script): it writes
// only while the key still holds the value the caller read, keeping the
// key's remaining expiry, so of two racing changes one wins and the other
// sees that it lost and reads again; a proposal is claimed, confirmed or
// canceled once.
package proposalstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is the key prefix used when New is given "".
const DefaultPrefix = "agent:proposal:"

// Store is the agent's proposal store over Redis. It is safe for concurrent
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

// Create stores value as proposal id for ttl, replacing any value (ids are
// random). It returns the Redis error, wrapped.
func (s *Store) Create(ctx context.Context, id string, value []byte, ttl time.Duration) error {
	if err := s.rdb.Set(ctx, s.prefix+id, value, ttl).Err(); err != nil {
		return fmt.Errorf("proposalstore: create %s: %w", id, err)
	}
	return nil
}

// Get returns proposal id's value and true, or false when there is none (never
// stored, deleted or expired). It returns the Redis error, wrapped.
func (s *Store) Get(ctx context.Context, id string) ([]byte, bool, error) {
	b, err := s.rdb.Get(ctx, s.prefix+id).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("proposalstore: get %s: %w", id, err)
	}
	return b, true, nil
}

// Delete forgets proposal id; an absent one is no error. It returns the
// Redis error, wrapped.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := s.rdb.Del(ctx, s.prefix+id).Err(); err != nil {
		return fmt.Errorf("proposalstore: delete %s: %w", id, err)
	}
	return nil
}

// swap sets KEYS[1] to ARGV[2] if it still holds ARGV[1], keeping its
// remaining expiry (ARGV[3] ms when it has none), and returns 1; else 0.
var swap = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if not cur or cur ~= ARGV[1] then
  return 0
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then
  ttl = tonumber(ARGV[3])
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl)
return 1
`)

// Swap replaces proposal id's value with next if it still holds old, keeping
// the key's remaining expiry (ttl when it has none), and reports whether it
// did: false means the proposal changed, or went, since old was read. It
// returns the Redis error, wrapped.
func (s *Store) Swap(ctx context.Context, id string, old, next []byte, ttl time.Duration) (bool, error) {
	n, err := swap.Run(ctx, s.rdb, []string{s.prefix + id}, old, next, max(ttl.Milliseconds(), 1)).Int()
	if err != nil {
		return false, fmt.Errorf("proposalstore: swap %s: %w", id, err)
	}
	return n == 1, nil
}
