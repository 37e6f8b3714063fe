// Package alertstore keeps the notifier's delivery claims and dead letters
// in Redis: a claim is a key "<prefix>sent:<channel>:<alert key>" set with
// SET NX and a TTL, so that of two overlapping runs only one sends; dead
// letters are a list "<prefix>dead", newest first, trimmed to a bound. A
// dead letter is taken out of the list for a replay with one LREM, so of
// two replays of the same letter only one gets it.
package alertstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/domain/alert"
)

// Defaults.
const (
	DefaultPrefix  = "notify:"
	DefaultDeadMax = 500
)

// Store is a the notifier's store (notify.Store) over Redis. It is safe for concurrent use.
type Store struct {
	rdb     redis.Cmdable
	prefix  string
	deadMax int64
}

// New returns a Store over rdb with keys under prefix (default
// DefaultPrefix) keeping at most deadMax dead letters (default
// DefaultDeadMax).
func New(rdb redis.Cmdable, prefix string, deadMax int) *Store {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if deadMax <= 0 {
		deadMax = DefaultDeadMax
	}
	return &Store{rdb: rdb, prefix: prefix, deadMax: int64(deadMax)}
}

// Claim reports whether key was unclaimed, claiming it for ttl. It returns
// the Redis error, wrapped.
func (s *Store) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, s.prefix+"sent:"+key, time.Now().UTC().Format(time.RFC3339), ttl).Result()
	if err != nil {
		return false, fmt.Errorf("alertstore: claim %s: %w", key, err)
	}
	return ok, nil
}

// Dead appends d to the dead-letter list and trims it, giving d an ID when
// it has none (a letter put back after a failed replay keeps its own). It
// returns the Redis error, wrapped.
func (s *Store) Dead(ctx context.Context, d alert.DeadLetter) error {
	if d.ID == "" {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return fmt.Errorf("alertstore: dead letter %s: id: %w", d.Key, err)
		}
		d.ID = "dl-" + hex.EncodeToString(b[:])
	}
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("alertstore: encode dead letter %s: %w", d.Key, err)
	}
	pipe := s.rdb.TxPipeline()
	pipe.LPush(ctx, s.prefix+"dead", b)
	pipe.LTrim(ctx, s.prefix+"dead", 0, s.deadMax-1)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("alertstore: dead letter %s: %w", d.Key, err)
	}
	return nil
}

// DeadLetters returns up to n dead letters, newest first. It returns the
// Redis error, wrapped; an undecodable entry is skipped.
func (s *Store) DeadLetters(ctx context.Context, n int) ([]alert.DeadLetter, error) {
	if n <= 0 || int64(n) > s.deadMax {
		n = int(s.deadMax)
	}
	raw, err := s.rdb.LRange(ctx, s.prefix+"dead", 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("alertstore: list dead letters: %w", err)
	}
	out := make([]alert.DeadLetter, 0, len(raw))
	for _, r := range raw {
		var d alert.DeadLetter
		if json.Unmarshal([]byte(r), &d) == nil {
			out = append(out, d)
		}
	}
	return out, nil
}

// Take removes the dead letter id from the list and returns it. It returns
// an error wrapping alert.ErrNoDeadLetter when the list does not hold it
// (unknown, or taken by a concurrent replay), else the Redis error, wrapped.
func (s *Store) Take(ctx context.Context, id string) (alert.DeadLetter, error) {
	raw, err := s.rdb.LRange(ctx, s.prefix+"dead", 0, s.deadMax-1).Result()
	if err != nil {
		return alert.DeadLetter{}, fmt.Errorf("alertstore: take dead letter %s: %w", id, err)
	}
	for _, r := range raw {
		var d alert.DeadLetter
		if json.Unmarshal([]byte(r), &d) != nil || d.ID != id {
			continue
		}
		n, err := s.rdb.LRem(ctx, s.prefix+"dead", 1, r).Result()
		if err != nil {
			return alert.DeadLetter{}, fmt.Errorf("alertstore: take dead letter %s: %w", id, err)
		}
		if n == 0 {
			break // a concurrent Take removed it first
		}
		return d, nil
	}
	return alert.DeadLetter{}, fmt.Errorf("alertstore: take dead letter %s: %w", id, alert.ErrNoDeadLetter)
}
