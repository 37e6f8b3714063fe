// Package idempotencytest provides an in-memory idempotency.Store for tests
// that behaves like the Redis one: atomic operations, records that lapse after
// their TTL by an injected clock, and a switch that makes it fail like an
// unreachable server.
package idempotencytest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/resync/resync/shared/domain/idempotency"
)

// ErrDown is returned by every method while the store is set down.
var ErrDown = errors.New("idempotencytest: store down")

// Store is an in-memory idempotency.Store. It is safe for concurrent use.
type Store struct {
	now func() time.Time

	mu   sync.Mutex
	recs map[string]item
	down bool
}

type item struct {
	rec     idempotency.Record
	expires time.Time
}

// New returns an empty Store that tells time with now (time.Now if nil).
func New(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{now: now, recs: make(map[string]item)}
}

// SetDown makes every method fail with ErrDown (down) or work again.
func (s *Store) SetDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// Get returns the live record under key, if any.
func (s *Store) Get(key string) (idempotency.Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.live(key)
	return it.rec, ok
}

// live returns key's item unless its TTL has passed; s.mu must be held.
func (s *Store) live(key string) (item, bool) {
	it, ok := s.recs[key]
	if !ok || !s.now().Before(it.expires) {
		delete(s.recs, key)
		return item{}, false
	}
	return it, true
}

// Create implements idempotency.Store.
func (s *Store) Create(_ context.Context, r idempotency.Record, ttl time.Duration) (idempotency.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return idempotency.Record{}, ErrDown
	}
	if it, ok := s.live(r.Key); ok {
		return it.rec, idempotency.ErrExists
	}
	s.recs[r.Key] = item{rec: r, expires: s.now().Add(ttl)}
	return idempotency.Record{}, nil
}

// Replace implements idempotency.Store.
func (s *Store) Replace(_ context.Context, old, r idempotency.Record, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return ErrDown
	}
	if old.Key != r.Key {
		return fmt.Errorf("idempotencytest: replace %q with a record for %q", old.Key, r.Key)
	}
	if it, ok := s.live(old.Key); !ok || it.rec.Token != old.Token {
		return idempotency.ErrConflict
	}
	s.recs[r.Key] = item{rec: r, expires: s.now().Add(ttl)}
	return nil
}

// Delete implements idempotency.Store.
func (s *Store) Delete(_ context.Context, old idempotency.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return ErrDown
	}
	if it, ok := s.live(old.Key); !ok || it.rec.Token != old.Token {
		return idempotency.ErrConflict
	}
	delete(s.recs, old.Key)
	return nil
}
