package cache

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// blackHole accepts connections and swallows what they send: a Redis whose
// packets vanish (a dead route, a full security group).
func blackHole(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go func() { _, _ = io.Copy(io.Discard, c) }()
		}
	}()
	return ln.Addr().String()
}

// slowProxy forwards to upstream and delays every answer by delay: a Redis
// that answers, but late (a saturated node, a failover in progress).
func slowProxy(t *testing.T, upstream string, delay time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", upstream)
				if err != nil {
					return
				}
				defer up.Close()
				go func() { _, _ = io.Copy(up, c) }()
				buf := make([]byte, 32<<10)
				for {
					n, err := up.Read(buf)
					if err != nil {
						return
					}
					time.Sleep(delay)
					if _, err := c.Write(buf[:n]); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// TestRedisFaultsFallThroughToTheOrigin: with Redis slow or black-holed, a
// Get answers from the origin within a few RedisTimeouts (not the client's
// ReadTimeout and retries, nor the caller's whole deadline), keeps the value
// in the in-process tier, skips Redis during the backoff, and when the
// origin fails too says that Redis did not answer either.
func TestRedisFaultsFallThroughToTheOrigin(t *testing.T) {
	mr := miniredis.RunT(t)
	const timeout = 200 * time.Millisecond
	// Coherence on: the catch-up before each Get reads Redis too.
	// Three Redis calls at most on one Get path (catch-up, fresh copy, write).
	const bound = 3*timeout + 400*time.Millisecond
	for _, tc := range []struct {
		name string
		addr string
	}{
		{"slow", slowProxy(t, mr.Addr(), 5*time.Second)},
		{"black hole", blackHole(t)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// As config.Common.Redis builds it: deadlines honoured on the wire.
			rdb := redis.NewClient(&redis.Options{Addr: tc.addr, ContextTimeoutEnabled: true})
			t.Cleanup(func() { rdb.Close() })
			c := newCache(t, backend{rdb: rdb, ns: "faults"}, nil, func(cfg *Config) {
				cfg.RedisTimeout = timeout
				cfg.RedisBackoff = 2 * time.Second
			})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			l := &loader{}
			l.set("v", nil)

			start := time.Now()
			r, err := c.Get(ctx, KindSummary, "plan", l.load)
			took := time.Since(start)
			if err != nil || string(r.Value) != "v" || r.Tier != TierLoad {
				t.Fatalf("Get: got %q tier %v err %v, want the origin's value", r.Value, r.Tier, err)
			}
			if took > bound {
				t.Errorf("Get took %v, want at most %v", took, bound)
			}
			if s := c.Stats(); s.RedisErrors == 0 {
				t.Error("redis errors: got 0, want the timeouts counted")
			}
			if r := mustGet(t, c, KindSummary, "plan", l); r.Tier != TierLocal {
				t.Errorf("second Get: tier %v, want local (the in-process tier holds the origin's value)", r.Tier)
			}

			// Within the backoff a Get does not wait on Redis at all.
			start = time.Now()
			if r := mustGet(t, c, KindJob, "J1", l); r.Tier != TierLoad {
				t.Errorf("Get during the backoff: tier %v, want load", r.Tier)
			}
			if took := time.Since(start); took > timeout/2 {
				t.Errorf("Get during the backoff took %v, want no Redis wait", took)
			}

			// Origin down too: the error names both.
			l.set("", errOrigin)
			_, err = c.Get(ctx, KindJob, "J2", l.load)
			if !errors.Is(err, errOrigin) || !strings.Contains(err.Error(), "Redis did not answer") {
				t.Errorf("origin and Redis down: got %v, want %v saying Redis did not answer either", err, errOrigin)
			}
		})
	}
}

// TestRedisBackoffEnds: after a Redis error Gets skip Redis for
// RedisBackoff, then use it again.
func TestRedisBackoffEnds(t *testing.T) {
	b := miniBackend(t)
	clock := newFakeClock()
	c := newCache(t, b, clock, func(cfg *Config) { cfg.RedisBackoff = 5 * time.Second })
	l := &loader{}
	l.set("v", nil)
	b.mr.SetError("LOADING")
	mustGet(t, c, KindJob, "J1", l)
	if c.redisUp() {
		t.Fatal("after a Redis error: redisUp true, want false during the backoff")
	}
	b.mr.SetError("")
	mustGet(t, c, KindJob, "J2", l)
	if b.mr.Exists("cache:f:job:J2") {
		t.Error("during the backoff the value was written to Redis, want Redis skipped")
	}
	clock.Advance(6 * time.Second)
	mustGet(t, c, KindJob, "J3", l)
	if !b.mr.Exists("cache:f:job:J3") {
		t.Error("after the backoff the value is not in Redis, want Redis used again")
	}
}
