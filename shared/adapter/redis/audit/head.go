package audit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Head is a hint, kept in Redis, of the last sequence number each day's
// durable chain reached, so that a writer starts there instead of listing
// the day (s3audit.Hint). It is only a hint: the durable store's conditional
// writes decide, a stale or lost hint costs a retry or a listing, never a
// record. It is safe for concurrent use.
type Head struct {
	rdb    redis.Cmdable
	prefix string
}

// DefaultHeadPrefix starts the keys of Head, one per day.
const DefaultHeadPrefix = "audit:head:"

// headTTL keeps a day's hint a little past the day.
const headTTL = 48 * time.Hour

// NewHead returns the hint over rdb; prefix defaults to DefaultHeadPrefix.
func NewHead(rdb redis.Cmdable, prefix string) *Head {
	if prefix == "" {
		prefix = DefaultHeadPrefix
	}
	return &Head{rdb: rdb, prefix: prefix}
}

// advance sets the hint to seq unless it is already higher.
var advance = redis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
return 0`)

// Last returns the last sequence number recorded for day (YYYY-MM-DD), or 0
// when there is no hint. It returns the Redis error, wrapped.
func (h *Head) Last(ctx context.Context, day string) (int64, error) {
	s, err := h.rdb.Get(ctx, h.prefix+day).Result()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("audit: head of %s: %w", day, err)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, nil // a garbled hint is no hint
	}
	return n, nil
}

// Advance records that day's chain reached seq. It returns the Redis error,
// wrapped.
func (h *Head) Advance(ctx context.Context, day string, seq int64) error {
	if err := advance.Run(ctx, h.rdb, []string{h.prefix + day}, seq, int(headTTL/time.Second)).Err(); err != nil {
		return fmt.Errorf("audit: advance head of %s to %d: %w", day, seq, err)
	}
	return nil
}
