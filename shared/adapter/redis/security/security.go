// Package security keeps the recent security events an admin reviews:
// refused tokens, failed sign-ins and rate-limit hits. Events live in Redis
// in one capped list per kind (newest first), so every function writes to
// the same view and the admin function reads it.
package security

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/domain/secevent"
)

// The events' vocabulary lives in the domain (package secevent); these
// names stay so that callers of this package read as before.
type (
	// Kind is a kind of security event (secevent.Kind).
	Kind = secevent.Kind
	// Event is one security event (secevent.Event). It never holds a token
	// or a secret.
	Event = secevent.Event
)

// The kinds recorded.
const (
	RefusedToken  = secevent.RefusedToken
	FailedSignIn  = secevent.FailedSignIn
	RateLimitHit  = secevent.RateLimitHit
	ForbiddenRole = secevent.ForbiddenRole
)

// Kinds lists every kind in display order.
func Kinds() []Kind { return secevent.Kinds() }

// Log records and lists events. It is safe for concurrent use.
type Log struct {
	rdb    redis.Cmdable
	prefix string
	keep   int64
}

// DefaultKeep is how many events of each kind are kept (secevent.DefaultKeep).
const DefaultKeep = secevent.DefaultKeep

// New returns a Log in Redis keeping the newest keep events of each kind
// (DefaultKeep when keep <= 0).
func New(rdb redis.Cmdable, keep int) *Log {
	if keep <= 0 {
		keep = DefaultKeep
	}
	return &Log{rdb: rdb, prefix: "security:", keep: int64(keep)}
}

// Record appends e (Time defaults to now). Errors are returned so the caller
// may log them; recording must not fail the request that caused it.
func (l *Log) Record(ctx context.Context, e Event) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC()
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("security: encode event: %w", err)
	}
	key := l.prefix + string(e.Kind)
	pipe := l.rdb.TxPipeline()
	pipe.LPush(ctx, key, b)
	pipe.LTrim(ctx, key, 0, l.keep-1)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("security: record %s: %w", e.Kind, err)
	}
	return nil
}

// Recent returns up to n events of each kind, newest first, with the total
// kept per kind.
func (l *Log) Recent(ctx context.Context, n int) (map[Kind][]Event, map[Kind]int64, error) {
	if n <= 0 || n > int(l.keep) {
		n = int(l.keep)
	}
	events := map[Kind][]Event{}
	counts := map[Kind]int64{}
	pipe := l.rdb.Pipeline()
	ranges := map[Kind]*redis.StringSliceCmd{}
	lens := map[Kind]*redis.IntCmd{}
	for _, k := range Kinds() {
		ranges[k] = pipe.LRange(ctx, l.prefix+string(k), 0, int64(n-1))
		lens[k] = pipe.LLen(ctx, l.prefix+string(k))
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, nil, fmt.Errorf("security: list recent events: %w", err)
	}
	for _, k := range Kinds() {
		events[k] = []Event{}
		for _, raw := range ranges[k].Val() {
			var e Event
			if err := json.Unmarshal([]byte(raw), &e); err != nil {
				continue // a foreign value in our key: skip rather than fail the view
			}
			events[k] = append(events[k], e)
		}
		counts[k] = lens[k].Val()
	}
	return events, counts, nil
}
