// Package idemstore keeps idempotency records in Redis (7.0 or later).
//
// A record is one string key, "<prefix><idempotency key>", holding the
// attempt's token, a space, and the record as JSON; the key's own expiry is
// the record's lifetime (the attempt's remaining time while in progress, the
// replay window once completed), so no field-level expiry (HEXPIRE) is needed.
// Create is one SET NX GET with PX; Replace and Delete are Lua scripts that
// act only while the stored token is the caller's.
package idemstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/domain/idempotency"
)

// DefaultPrefix is the key prefix used when New is given "".
const DefaultPrefix = "idem:"

// Store is an idempotency.Store over Redis. It is safe for concurrent use.
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

func encode(r idempotency.Record) ([]byte, error) {
	if r.Token == "" || bytes.ContainsRune([]byte(r.Token), ' ') {
		return nil, fmt.Errorf("idemstore: record %q: token must be non-empty without spaces", r.Key)
	}
	j, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("idemstore: encode record %q: %w", r.Key, err)
	}
	return append([]byte(r.Token+" "), j...), nil
}

func decode(b []byte) (idempotency.Record, error) {
	_, j, ok := bytes.Cut(b, []byte(" "))
	var r idempotency.Record
	if !ok {
		return r, errors.New("idemstore: decode record: no token")
	}
	if err := json.Unmarshal(j, &r); err != nil {
		return r, fmt.Errorf("idemstore: decode record: %w", err)
	}
	return r, nil
}

// Create implements idempotency.Store with SET key value NX GET PX ttl.
func (s *Store) Create(ctx context.Context, r idempotency.Record, ttl time.Duration) (idempotency.Record, error) {
	val, err := encode(r)
	if err != nil {
		return idempotency.Record{}, err
	}
	old, err := s.rdb.SetArgs(ctx, s.prefix+r.Key, val, redis.SetArgs{Mode: "NX", Get: true, TTL: ttl}).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return idempotency.Record{}, nil
	case err != nil:
		return idempotency.Record{}, fmt.Errorf("idemstore: create %q: %w", r.Key, err)
	}
	existing, err := decode(old)
	if err != nil {
		return idempotency.Record{}, fmt.Errorf("idemstore: create %q: %w", r.Key, err)
	}
	return existing, idempotency.ErrExists
}

// swap replaces (ARGV[2] non-empty, for ARGV[3] ms) or deletes KEYS[1] if its
// value still starts with the token ARGV[1] and a space.
var swap = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
local want = ARGV[1] .. ' '
if not cur or string.sub(cur, 1, string.len(want)) ~= want then
  return 0
end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 1
`)

// Replace implements idempotency.Store.
func (s *Store) Replace(ctx context.Context, old, r idempotency.Record, ttl time.Duration) error {
	if old.Key != r.Key {
		return fmt.Errorf("idemstore: replace %q with a record for %q", old.Key, r.Key)
	}
	val, err := encode(r)
	if err != nil {
		return err
	}
	ms := max(ttl.Milliseconds(), 1)
	return s.run(ctx, "replace", old, string(val), ms)
}

// Delete implements idempotency.Store.
func (s *Store) Delete(ctx context.Context, old idempotency.Record) error {
	return s.run(ctx, "delete", old, "", 0)
}

func (s *Store) run(ctx context.Context, op string, old idempotency.Record, val string, ms int64) error {
	n, err := swap.Run(ctx, s.rdb, []string{s.prefix + old.Key}, old.Token, val, ms).Int()
	if err != nil {
		return fmt.Errorf("idemstore: %s %q: %w", op, old.Key, err)
	}
	if n == 0 {
		return fmt.Errorf("idemstore: %s %q: %w", op, old.Key, idempotency.ErrConflict)
	}
	return nil
}
