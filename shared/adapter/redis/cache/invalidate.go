package cache

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Invalidation reaches every process. Invalidate and InvalidatePrefix
// clear this process's local tier and Redis, and append the invalidation to
// the Redis stream <namespace>:invalidations. Every Get first catches up on
// that stream when Config.Coherence has passed since it last did (one XREAD,
// usually empty), so another process — a Lambda environment that was frozen
// included — serves the new state within Coherence of an invalidation. The
// stream keeps coherenceRetention of history; a process that has not caught
// up for longer drops its whole local tier instead. A stream rather than
// pub/sub because a subscriber must be connected when the message is
// published, which a frozen Lambda environment is not.
//
// The last good copy is kept on purpose: if the next load fails, the caller
// still gets the older value, flagged Stale with its age, rather than an error.

// Invalidate removes the fresh value of (kind, key) from both tiers and
// appends the invalidation to the stream for other processes. It returns the Redis error,
// if any, after the local tier has been cleared.
func (c *Cache) Invalidate(ctx context.Context, kind Kind, k string) error {
	lk := key{kind: kind, key: k}
	c.epoch.Add(1)
	c.group.Forget(flightKey(kind, k)) // later Gets start a new load
	c.local.Invalidate(lk)
	c.stats.invalidations.Add(1)
	ctx, cancel := c.redisCtx(ctx)
	defer cancel()
	_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Unlink(ctx, c.freshKey(lk))
		p.XAdd(ctx, c.xadd("k\x00"+string(kind)+"\x00"+k))
		return nil
	})
	if err != nil {
		return fmt.Errorf("cache: invalidate %s %q: %w", kind, k, err)
	}
	return nil
}

// InvalidatePrefix removes every fresh value whose name "kind:key" starts with
// prefix, from both tiers, and appends the invalidation to the stream. For example "job:"
// is every job, "job:J1" the jobs whose key starts with J1, "" everything.
// Redis is walked with SCAN (on every master of a cluster). A load already
// running for a matching key still answers its callers but stores nothing.
// It returns the number of Redis keys removed and the first Redis error.
func (c *Cache) InvalidatePrefix(ctx context.Context, prefix string) (int, error) {
	c.epoch.Add(1)
	for k := range c.local.Keys() {
		if hasPrefix(k, prefix) {
			c.local.Invalidate(k)
		}
	}
	c.stats.invalidations.Add(1)
	pattern := c.cfg.Namespace + ":f:" + escapeGlob(prefix) + "*"
	var removed int
	// Each SCAN page and each UNLINK is one Redis call, bounded alone.
	next := func(ctx context.Context, iter *redis.ScanIterator) bool {
		ctx, cancel := c.redisCtx(ctx)
		defer cancel()
		return iter.Next(ctx)
	}
	scan := func(ctx context.Context, rdb redis.Cmdable) error {
		iter := rdb.Scan(ctx, 0, pattern, 500).Iterator()
		batch := make([]string, 0, 500)
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			ctx, cancel := c.redisCtx(ctx)
			defer cancel()
			n, err := rdb.Unlink(ctx, batch...).Result()
			removed += int(n)
			batch = batch[:0]
			return err
		}
		for next(ctx, iter) {
			batch = append(batch, iter.Val())
			if len(batch) == cap(batch) {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := iter.Err(); err != nil {
			return err
		}
		return flush()
	}
	var err error
	if cc, ok := c.rdb.(*redis.ClusterClient); ok {
		// Keys of one batch may live in different slots; unlink them one by one per node.
		err = cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			iter := node.Scan(ctx, 0, pattern, 500).Iterator()
			for next(ctx, iter) {
				uctx, cancel := c.redisCtx(ctx)
				e := node.Unlink(uctx, iter.Val()).Err()
				cancel()
				if e != nil {
					return e
				}
				removed++
			}
			return iter.Err()
		})
	} else {
		err = scan(ctx, c.rdb)
	}
	pctx, cancel := c.redisCtx(ctx)
	pubErr := c.rdb.XAdd(pctx, c.xadd("p\x00"+prefix)).Err()
	cancel()
	if err = errors.Join(err, pubErr); err != nil {
		return removed, fmt.Errorf("cache: invalidate prefix %q: %w", prefix, err)
	}
	return removed, nil
}

// hasPrefix reports whether kind+":"+key starts with prefix, without building
// that string.
func hasPrefix(k key, prefix string) bool {
	kind := string(k.kind)
	if len(prefix) <= len(kind) {
		return strings.HasPrefix(kind, prefix)
	}
	if !strings.HasPrefix(prefix, kind) || prefix[len(kind)] != ':' {
		return false
	}
	return strings.HasPrefix(k.key, prefix[len(kind)+1:])
}

// escapeGlob quotes the characters SCAN MATCH treats specially.
func escapeGlob(s string) string {
	if !strings.ContainsAny(s, `*?[]\^`) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\', '^':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// coherenceRetention is how much invalidation history the stream keeps.
const coherenceRetention = 10 * time.Minute

// coherence is a process's position in the invalidation stream.
type coherence struct {
	mu     sync.Mutex
	lastID string       // the last stream entry applied; "" before the first catch-up
	last   atomic.Int64 // when the last catch-up succeeded, unix nanoseconds
}

// xadd is the XADD of one invalidation, trimming what is older than the
// retention (approximately, which Redis does cheaply).
func (c *Cache) xadd(op string) *redis.XAddArgs {
	minID := strconv.FormatInt(time.Unix(0, c.nowNano()).Add(-coherenceRetention).UnixMilli(), 10) + "-0"
	return &redis.XAddArgs{Stream: c.stream, MinID: minID, Approx: true, Values: []string{"op", op}}
}

// catchUp applies the invalidations other processes appended since the
// last catch-up, at most once per Config.Coherence. Concurrent callers wait
// for the one that reads, so none serves a local copy the stream has
// already invalidated. A Redis error leaves the local tier as it is (it is
// counted, and Gets then skip Redis for RedisBackoff): the entries still
// expire by TTL. The whole catch-up is bounded by Config.RedisTimeout.
func (c *Cache) catchUp(ctx context.Context) {
	if c.cfg.Coherence < 0 || !c.redisUp() {
		return
	}
	every := int64(c.cfg.Coherence)
	if c.nowNano()-c.coh.last.Load() < every {
		return
	}
	c.coh.mu.Lock()
	defer c.coh.mu.Unlock()
	now := c.nowNano()
	last := c.coh.last.Load()
	if now-last < every {
		return // another caller caught up meanwhile
	}
	ctx, cancel := c.redisCtx(context.WithoutCancel(ctx))
	defer cancel()
	if c.coh.lastID == "" || now-last > int64(coherenceRetention) {
		// First catch-up, or history may be gone: start from the stream's end
		// and drop whatever the local tier held.
		xs, err := c.rdb.XRevRangeN(ctx, c.stream, "+", "-", 1).Result()
		if err != nil {
			c.redisFailed()
			return
		}
		if last != 0 || c.coh.lastID != "" {
			c.epoch.Add(1)
			c.local.InvalidateAll()
		}
		c.coh.lastID = "0-0"
		if len(xs) > 0 {
			c.coh.lastID = xs[0].ID
		}
		c.coh.last.Store(now)
		return
	}
	for range maxCatchUpReads {
		res, err := c.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{c.stream, c.coh.lastID}, Count: catchUpBatch, Block: -1}).Result()
		if errors.Is(err, redis.Nil) {
			break
		}
		if err != nil {
			c.redisFailed()
			return
		}
		n := 0
		for _, st := range res {
			for _, m := range st.Messages {
				if op, ok := m.Values["op"].(string); ok {
					c.applyRemote(op)
				}
				c.coh.lastID = m.ID
				n++
			}
		}
		if n < catchUpBatch {
			break
		}
	}
	c.coh.last.Store(now)
}

// Bounds of one catch-up.
const (
	catchUpBatch    = 500
	maxCatchUpReads = 20 // beyond 10,000 entries at once, the rest waits for the next Get
)

func (c *Cache) applyRemote(payload string) {
	op, rest, ok := strings.Cut(payload, "\x00")
	if !ok {
		return
	}
	c.epoch.Add(1)
	switch op {
	case "k":
		kind, k, ok := strings.Cut(rest, "\x00")
		if ok {
			c.local.Invalidate(key{kind: Kind(kind), key: k})
		}
	case "p":
		for k := range c.local.Keys() {
			if hasPrefix(k, rest) {
				c.local.Invalidate(k)
			}
		}
	}
}
