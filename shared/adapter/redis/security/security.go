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
)

// Kind is a kind of security event.
type Kind string

// The kinds recorded.
const (
	RefusedToken  Kind = "refused_token"
	FailedSignIn  Kind = "failed_sign_in"
	RateLimitHit  Kind = "rate_limit"
	ForbiddenRole Kind = "forbidden"
)

// Kinds lists every kind in display order.
func Kinds() []Kind { return []Kind{FailedSignIn, RefusedToken, ForbiddenRole, RateLimitHit} }

// Event is one security event. It never holds a token or a secret.
type Event struct {
	Time     time.Time `json:"time"`
	Kind     Kind      `json:"kind"`
	User     string    `json:"user,omitempty"`   // when known (forbidden, rate limit)
	Reason   string    `json:"reason"`           // e.g. "expired", "invalid signature"
	Route    string    `json:"route,omitempty"`  // route key or WebSocket route
	Source   string    `json:"source,omitempty"` // caller address as API Gateway saw it
	Function string    `json:"function,omitempty"`
}

// Log records and lists events. It is safe for concurrent use.
type Log struct {
	rdb    redis.Cmdable
	prefix string
	keep   int64
}

// DefaultKeep is how many events of each kind are kept.
const DefaultKeep = 500

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
