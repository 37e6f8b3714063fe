package cache

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Invalidation reaches this process's local tier and Redis. Other processes'
// local tiers keep their copy until it expires by TTL (at most TTL(kind)),
// unless they run Listen, which applies the invalidations published here.
// The last good copy is kept on purpose: if the next load fails, the caller
// still gets the older value, flagged Stale with its age, rather than an error.

// Invalidate removes the fresh value of (kind, key) from both tiers and
// publishes the invalidation for other processes. It returns the Redis error,
// if any, after the local tier has been cleared.
func (c *Cache) Invalidate(ctx context.Context, kind Kind, k string) error {
	lk := key{kind: kind, key: k}
	c.epoch.Add(1)
	c.group.Forget(flightKey(kind, k)) // later Gets start a new load
	c.local.Invalidate(lk)
	c.stats.invalidations.Add(1)
	_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Unlink(ctx, c.freshKey(lk))
		p.Publish(ctx, c.channel, "k\x00"+string(kind)+"\x00"+k)
		return nil
	})
	if err != nil {
		return fmt.Errorf("cache: invalidate %s %q: %w", kind, k, err)
	}
	return nil
}

// InvalidatePrefix removes every fresh value whose name "kind:key" starts with
// prefix, from both tiers, and publishes the invalidation. For example "job:"
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
	scan := func(ctx context.Context, rdb redis.Cmdable) error {
		iter := rdb.Scan(ctx, 0, pattern, 500).Iterator()
		batch := make([]string, 0, 500)
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			n, err := rdb.Unlink(ctx, batch...).Result()
			removed += int(n)
			batch = batch[:0]
			return err
		}
		for iter.Next(ctx) {
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
			for iter.Next(ctx) {
				if e := node.Unlink(ctx, iter.Val()).Err(); e != nil {
					return e
				}
				removed++
			}
			return iter.Err()
		})
	} else {
		err = scan(ctx, c.rdb)
	}
	pubErr := c.rdb.Publish(ctx, c.channel, "p\x00"+prefix).Err()
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

// Listen subscribes to the invalidations other processes publish and applies
// them to this process's local tier until ctx ends. It is optional and best
// effort: run it in a goroutine of a long-lived process; in Lambda, local
// entries still expire by TTL whatever is missed while the environment is
// frozen. It returns nil when ctx ends, or the subscription error.
func (c *Cache) Listen(ctx context.Context) error {
	sub := c.rdb.Subscribe(ctx, c.channel)
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("cache: listen: subscribe %s: %w", c.channel, err)
	}
	msgs := sub.Channel()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-msgs:
			if !ok {
				return nil
			}
			c.applyRemote(m.Payload)
		}
	}
}

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
