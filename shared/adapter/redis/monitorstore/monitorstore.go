// Package monitorstore keeps what the plan monitor (shared/app/monitor)
// remembers between runs, in Redis: the last view of the plan (the monitor's
// JSON, stored as given), the keys of the alerts already delivered (one SET
// NX key each, kept two days, so concurrent runs deliver each once), and the
// latest events (a capped list, newest first) that GET /api/v1/events lists.
package monitorstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/domain/frames"
)

// Limits of the store.
const (
	DefaultKeep = 200            // recent events listed
	dedupeTTL   = 48 * time.Hour // a delivered key is remembered this long
)

// Store is the monitor's memory in Redis. It is safe for concurrent use.
type Store struct {
	rdb    redis.Cmdable
	prefix string
	keep   int64
}

// New returns a Store over rdb, its keys starting "monitor:".
func New(rdb redis.Cmdable) *Store {
	return &Store{rdb: rdb, prefix: "monitor:", keep: DefaultKeep}
}

// View returns the last saved view and true, or false when none was saved.
// It returns the Redis error, wrapped.
func (s *Store) View(ctx context.Context) ([]byte, bool, error) {
	b, err := s.rdb.Get(ctx, s.prefix+"last").Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("monitorstore: read last view: %w", err)
	}
	return b, true, nil
}

// SaveView stores view as the last view. It returns the Redis error, wrapped.
func (s *Store) SaveView(ctx context.Context, view []byte) error {
	if err := s.rdb.Set(ctx, s.prefix+"last", view, 0).Err(); err != nil {
		return fmt.Errorf("monitorstore: save view: %w", err)
	}
	return nil
}

// Claim reports whether key is new, marking it delivered; concurrent runs
// claim each key once. It returns the Redis error, wrapped.
func (s *Store) Claim(ctx context.Context, key string) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, s.prefix+"sent:"+key, 1, dedupeTTL).Result()
	if err != nil {
		return false, fmt.Errorf("monitorstore: claim %s: %w", key, err)
	}
	return ok, nil
}

// Record appends e to the recent events. It returns the Redis error, wrapped.
func (s *Store) Record(ctx context.Context, e frames.Event) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("monitorstore: encode event: %w", err)
	}
	pipe := s.rdb.TxPipeline()
	pipe.LPush(ctx, s.prefix+"recent", b)
	pipe.LTrim(ctx, s.prefix+"recent", 0, s.keep-1)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("monitorstore: record event: %w", err)
	}
	return nil
}

// Recent returns up to n recent events, newest first (all that are kept when
// n is not positive). A value that is not an event is skipped. It returns
// the Redis error, wrapped.
func (s *Store) Recent(ctx context.Context, n int) ([]frames.Event, error) {
	if n <= 0 || n > int(s.keep) {
		n = int(s.keep)
	}
	raw, err := s.rdb.LRange(ctx, s.prefix+"recent", 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("monitorstore: list events: %w", err)
	}
	out := make([]frames.Event, 0, len(raw))
	for _, r := range raw {
		var e frames.Event
		if json.Unmarshal([]byte(r), &e) == nil {
			out = append(out, e)
		}
	}
	return out, nil
}
