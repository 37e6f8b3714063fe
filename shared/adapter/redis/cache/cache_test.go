package cache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/internal/testenv"
)

// fakeClock is a settable Clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// backend is a Redis for the tests: miniredis or the real server.
type backend struct {
	rdb redis.UniversalClient
	mr  *miniredis.Miniredis // nil for the real server
	ns  string               // a namespace unique to the test
}

// forward moves Redis time on where the server allows it (miniredis).
func (b backend) forward(d time.Duration) {
	if b.mr != nil {
		b.mr.FastForward(d)
	}
}

func miniBackend(t *testing.T) backend {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	return backend{rdb: rdb, mr: mr, ns: "cache"}
}

func miniBackendB(b *testing.B) redis.UniversalClient {
	b.Helper()
	mr := miniredis.RunT(b)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	b.Cleanup(func() { rdb.Close() })
	return rdb
}

func realBackend(t *testing.T) backend {
	t.Helper()
	addr := testenv.RedisAddr(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	ns := fmt.Sprintf("test:%s:%d", t.Name(), time.Now().UnixNano())
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, escapeGlob(ns)+":*", 500).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		rdb.Close()
	})
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("ping real Redis at %s: %v", addr, err)
	}
	return backend{rdb: rdb, ns: ns}
}

func newCache(t *testing.T, b backend, clock Clock, mod func(*Config)) *Cache {
	t.Helper()
	cfg := Config{Namespace: b.ns, Clock: clock}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(b.rdb, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// loader counts its calls and returns the value or error it is set to.
type loader struct {
	calls atomic.Int64
	mu    sync.Mutex
	val   []byte
	err   error
	delay time.Duration
}

func (l *loader) set(val string, err error) {
	l.mu.Lock()
	l.val, l.err = []byte(val), err
	l.mu.Unlock()
}

func (l *loader) load(ctx context.Context) ([]byte, error) {
	l.calls.Add(1)
	if l.delay > 0 {
		select {
		case <-time.After(l.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.val, l.err
}

var errOrigin = errors.New("origin down")

func mustGet(t *testing.T, c *Cache, kind Kind, k string, l *loader) Result {
	t.Helper()
	r, err := c.Get(context.Background(), kind, k, l.load)
	if err != nil {
		t.Fatalf("Get(%s, %s): %v", kind, k, err)
	}
	return r
}

// backends runs a test against miniredis and, where present, the real server.
func backends(t *testing.T, test func(t *testing.T, b backend)) {
	t.Run("miniredis", func(t *testing.T) { test(t, miniBackend(t)) })
	t.Run("redis", func(t *testing.T) { test(t, realBackend(t)) })
}

func TestGetTiers(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		clock := newFakeClock()
		a := newCache(t, b, clock, nil)
		other := newCache(t, b, clock, nil) // a second process sharing Redis
		l := &loader{}
		l.set(`{"n":1}`, nil)

		steps := []struct {
			c     *Cache
			tier  Tier
			calls int64
		}{
			{a, TierLoad, 1},
			{a, TierLocal, 1},
			{other, TierRedis, 1},
			{other, TierLocal, 1},
		}
		for i, s := range steps {
			clock.Advance(time.Second)
			r := mustGet(t, s.c, KindSummary, "plan", l)
			if r.Tier != s.tier || string(r.Value) != `{"n":1}` || r.Stale {
				t.Errorf("step %d: got tier %v value %s stale %v, want %v {\"n\":1} false", i, r.Tier, r.Value, r.Stale, s.tier)
			}
			if got := l.calls.Load(); got != s.calls {
				t.Errorf("step %d: got %d loads, want %d", i, got, s.calls)
			}
			if want := time.Duration(i) * time.Second; r.Age != want {
				t.Errorf("step %d: got age %v, want %v", i, r.Age, want)
			}
		}
		sa := a.Stats()
		if sa.LocalHits != 1 || sa.Misses != 1 || sa.Loads != 1 || sa.Entries != 1 {
			t.Errorf("stats of a: got %+v, want 1 local hit, 1 miss, 1 load, 1 entry", sa)
		}
		if so := other.Stats(); so.RedisHits != 1 || so.LocalHits != 1 || so.Loads != 0 {
			t.Errorf("stats of other: got %+v, want 1 redis hit, 1 local hit, 0 loads", so)
		}
		if want := int64(len("summary") + len("plan") + len(`{"n":1}`)); sa.Bytes != want {
			t.Errorf("bytes: got %d, want %d", sa.Bytes, want)
		}
	})
}

func TestConcurrentMissesMakeOneLoad(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		c := newCache(t, b, nil, nil)
		l := &loader{delay: 50 * time.Millisecond}
		l.set("v", nil)
		const n = 1000
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				<-start
				r, err := c.Get(context.Background(), KindJob, "J1", l.load)
				if err != nil || string(r.Value) != "v" {
					errs <- fmt.Errorf("got %q, %v", r.Value, err)
				}
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if got := l.calls.Load(); got != 1 {
			t.Errorf("loads: got %d, want 1", got)
		}
		s := c.Stats()
		if s.LocalHits+s.Misses+s.RedisHits != n {
			t.Errorf("outcomes: got %d local + %d redis + %d misses, want %d in all", s.LocalHits, s.RedisHits, s.Misses, n)
		}
	})
}

func TestStaleOnLoadError(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		clock := newFakeClock()
		c := newCache(t, b, clock, nil)
		l := &loader{}

		// Nothing cached yet: the load error comes back.
		l.set("", errOrigin)
		if _, err := c.Get(context.Background(), KindList, "jobs", l.load); !errors.Is(err, errOrigin) {
			t.Fatalf("Get with nothing cached: got %v, want %v", err, errOrigin)
		}

		l.set("good", nil)
		mustGet(t, c, KindList, "jobs", l)

		// Past the TTL the origin fails: the last good copy is served, flagged.
		l.set("", errOrigin)
		clock.Advance(45 * time.Second)
		b.forward(45 * time.Second)
		r := mustGet(t, c, KindList, "jobs", l)
		if !r.Stale || r.Tier != TierStale || string(r.Value) != "good" || r.Age != 45*time.Second {
			t.Errorf("got stale %v tier %v value %q age %v, want true stale \"good\" 45s", r.Stale, r.Tier, r.Value, r.Age)
		}
		// Within StaleFor the stale copy is served from the local tier without
		// trying the origin; after it the origin is tried again.
		before := l.calls.Load()
		clock.Advance(DefaultStaleFor - time.Second)
		r = mustGet(t, c, KindList, "jobs", l)
		if got := l.calls.Load() - before; got != 0 || !r.Stale || r.Age != 49*time.Second {
			t.Errorf("within StaleFor: got %d loads, stale %v, age %v; want 0, true, 49s", got, r.Stale, r.Age)
		}
		clock.Advance(time.Second)
		r = mustGet(t, c, KindList, "jobs", l)
		if got := l.calls.Load() - before; got != 1 || !r.Stale {
			t.Errorf("after StaleFor: got %d loads, stale %v; want 1, true", got, r.Stale)
		}
		// The origin is back: fresh again once StaleFor has passed.
		l.set("better", nil)
		clock.Advance(DefaultStaleFor)
		r = mustGet(t, c, KindList, "jobs", l)
		if r.Stale || string(r.Value) != "better" || r.Age != 0 {
			t.Errorf("after recovery: got stale %v value %q age %v, want false \"better\" 0", r.Stale, r.Value, r.Age)
		}
		s := c.Stats()
		if s.StaleServes != 3 || s.LoadErrors != 3 || s.Loads != 5 {
			t.Errorf("got %d stale serves, %d load errors, %d loads; want 3, 3, 5", s.StaleServes, s.LoadErrors, s.Loads)
		}
	})
}

func TestTTLPerKind(t *testing.T) {
	ttl := map[Kind]time.Duration{KindSummary: 15 * time.Second, KindList: 30 * time.Second, KindLog: 60 * time.Second}
	tests := []struct {
		kind    Kind
		elapsed time.Duration
		want    Tier
	}{
		{KindSummary, 14 * time.Second, TierLocal},
		{KindSummary, 15 * time.Second, TierLoad},
		{KindList, 29 * time.Second, TierLocal},
		{KindList, 31 * time.Second, TierLoad},
		{KindLog, 59 * time.Second, TierLocal},
		{KindLog, 61 * time.Second, TierLoad},
		{"other", 9 * time.Second, TierLocal}, // DefaultTTL
		{"other", 10 * time.Second, TierLoad},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%v", tt.kind, tt.elapsed), func(t *testing.T) {
			b := miniBackend(t)
			clock := newFakeClock()
			c := newCache(t, b, clock, func(cfg *Config) { cfg.TTL = ttl; cfg.DefaultTTL = 10 * time.Second })
			l := &loader{}
			l.set("v", nil)
			mustGet(t, c, tt.kind, "k", l)
			if got, want := b.mr.TTL(c.freshKey(key{tt.kind, "k"})), c.TTL(tt.kind); got != want {
				t.Errorf("Redis TTL: got %v, want %v", got, want)
			}
			clock.Advance(tt.elapsed)
			b.forward(tt.elapsed)
			if got := mustGet(t, c, tt.kind, "k", l).Tier; got != tt.want {
				t.Errorf("got tier %v, want %v", got, tt.want)
			}
		})
	}
}

// A value in Redis older than its TTL (by the value's own expiry) is not
// served as fresh, even when Redis has not dropped it yet.
func TestRedisValuePastExpiryIsReloaded(t *testing.T) {
	b := miniBackend(t)
	clock := newFakeClock()
	a := newCache(t, b, clock, nil)
	l := &loader{}
	l.set("v1", nil)
	mustGet(t, a, KindJob, "J1", l)
	clock.Advance(31 * time.Second) // Redis time not moved
	other := newCache(t, b, clock, nil)
	l.set("v2", nil)
	if r := mustGet(t, other, KindJob, "J1", l); r.Tier != TierLoad || string(r.Value) != "v2" {
		t.Errorf("got tier %v value %q, want load \"v2\"", r.Tier, r.Value)
	}
}

func TestBounds(t *testing.T) {
	tests := []struct {
		name                 string
		maxEntries           int
		maxBytes             uint64
		valueSize, inserts   int
		wantEntries          int
		wantBytes            int64
		wantRecentlyInserted bool
	}{
		// 1000-byte values, 10 kB: the byte bound holds about 9 of them.
		{"bytes", 1000, 10_000, 1000, 100, 10, 10_000, true},
		// 1-byte values, 10 entries: the entry bound holds.
		{"entries", 10, 1 << 20, 1, 100, 10, 10 * 20, true},
		// a value larger than the whole tier stays in Redis only.
		{"oversize", 10, 1000, 2000, 3, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := miniBackend(t)
			c := newCache(t, b, nil, func(cfg *Config) { cfg.MaxEntries = tt.maxEntries; cfg.MaxBytes = tt.maxBytes })
			l := &loader{}
			l.set(strings.Repeat("x", tt.valueSize), nil)
			for i := range tt.inserts {
				mustGet(t, c, KindJob, fmt.Sprintf("J%03d", i), l)
			}
			c.local.CleanUp()
			s := c.Stats()
			if s.Entries > tt.wantEntries {
				t.Errorf("entries: got %d, want at most %d", s.Entries, tt.wantEntries)
			}
			if s.Bytes > tt.wantBytes || s.Bytes > int64(tt.maxBytes) {
				t.Errorf("bytes: got %d, want at most %d", s.Bytes, min(tt.wantBytes, int64(tt.maxBytes)))
			}
			var sum int64
			for k, e := range c.local.All() {
				sum += int64(entrySize(k, e))
			}
			if sum != s.Bytes {
				t.Errorf("bytes counter: got %d, want %d (sum over entries)", s.Bytes, sum)
			}
			if s.Entries == 0 && tt.wantRecentlyInserted {
				t.Errorf("entries: got 0, want some")
			}
			// Every value is still in Redis.
			if r := mustGet(t, c, KindJob, "J000", l); r.Tier == TierLoad {
				t.Errorf("J000: got tier %v, want local or redis", r.Tier)
			}
		})
	}
}

func TestInvalidate(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		clock := newFakeClock()
		c := newCache(t, b, clock, nil)
		other := newCache(t, b, clock, nil)
		l := &loader{}
		l.set("v1", nil)
		mustGet(t, c, KindJob, "J1", l)
		mustGet(t, other, KindJob, "J1", l)

		l.set("v2", nil)
		if err := c.Invalidate(ctx, KindJob, "J1"); err != nil {
			t.Fatalf("Invalidate: %v", err)
		}
		if r := mustGet(t, c, KindJob, "J1", l); r.Tier != TierLoad || string(r.Value) != "v2" {
			t.Errorf("after Invalidate: got tier %v value %q, want load \"v2\"", r.Tier, r.Value)
		}
		// Within Coherence the other process may still serve its copy ...
		if r := mustGet(t, other, KindJob, "J1", l); r.Tier != TierLocal || string(r.Value) != "v1" {
			t.Errorf("other process within Coherence: got tier %v value %q, want local \"v1\"", r.Tier, r.Value)
		}
		// ... and once Coherence has passed it has caught up.
		clock.Advance(DefaultCoherence + time.Millisecond)
		if r := mustGet(t, other, KindJob, "J1", l); string(r.Value) != "v2" || r.Tier == TierLocal {
			t.Errorf("other process after Coherence: got tier %v value %q, want \"v2\" from Redis", r.Tier, r.Value)
		}
	})
}

// Two processes (two Caches on one Redis, on the real clock): after one
// invalidates a key and a prefix, the other serves neither old value once
// Coherence has passed, without any subscription running.
func TestCoherenceAcrossProcesses(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c := newCache(t, b, nil, nil)
		other := newCache(t, b, nil, nil)
		l := &loader{}
		l.set("v1", nil)
		mustGet(t, other, KindJob, "J1", l)
		mustGet(t, other, KindLog, "J1", l)
		l.set("v2", nil)
		start := time.Now()
		if err := c.Invalidate(ctx, KindJob, "J1"); err != nil {
			t.Fatalf("Invalidate: %v", err)
		}
		if _, err := c.InvalidatePrefix(ctx, "log:"); err != nil {
			t.Fatalf("InvalidatePrefix: %v", err)
		}
		for _, kind := range []Kind{KindJob, KindLog} {
			for {
				r := mustGet(t, other, kind, "J1", l)
				if string(r.Value) == "v2" {
					break
				}
				if time.Since(start) > time.Second {
					t.Fatalf("%s J1: other process still serves %q %s after the invalidation; the bound is 1 s", kind, r.Value, time.Since(start))
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		t.Logf("other process served the new values %s after the invalidation", time.Since(start).Round(time.Millisecond))
	})
}

// A process that has not caught up for longer than the stream's retention
// (a Lambda environment frozen for a while) cannot trust what it missed:
// it drops its whole local tier.
func TestCatchUpAfterRetentionDropsTheLocalTier(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		clock := newFakeClock()
		c := newCache(t, b, clock, func(cfg *Config) { cfg.TTL = map[Kind]time.Duration{KindJob: time.Hour} })
		l := &loader{}
		l.set("v1", nil)
		mustGet(t, c, KindJob, "J1", l)
		clock.Advance(coherenceRetention + time.Second)
		if r := mustGet(t, c, KindJob, "J1", l); r.Tier == TierLocal {
			t.Errorf("after %s without a catch-up the local copy was served", coherenceRetention)
		}
	})
}

// With Redis down a Get still serves from the local tier (nothing to catch
// up on is not a reason to fail) and the error is counted.
func TestCatchUpWithRedisDown(t *testing.T) {
	mb := miniBackend(t)
	clock := newFakeClock()
	c := newCache(t, mb, clock, nil)
	l := &loader{}
	l.set("v1", nil)
	mustGet(t, c, KindJob, "J1", l)
	mb.mr.Close()
	clock.Advance(DefaultCoherence + time.Millisecond)
	if r := mustGet(t, c, KindJob, "J1", l); r.Tier != TierLocal || string(r.Value) != "v1" {
		t.Errorf("Redis down: got tier %v value %q, want the local copy", r.Tier, r.Value)
	}
	if c.Stats().RedisErrors == 0 {
		t.Error("the failed catch-up was not counted")
	}
}

func TestInvalidatePrefix(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c := newCache(t, b, nil, nil)
		l := &loader{}
		l.set("v", nil)
		names := []key{{KindJob, "J1"}, {KindJob, "J2"}, {KindJob, "K*1"}, {KindLog, "J1"}, {KindList, "jobs?status=ABEND"}}
		for _, k := range names {
			mustGet(t, c, k.kind, k.key, l)
		}
		tests := []struct {
			prefix      string
			wantRemoved int
			gone        []key
		}{
			{"job:J", 2, []key{{KindJob, "J1"}, {KindJob, "J2"}}},
			{"job:K*", 1, []key{{KindJob, "K*1"}}}, // glob characters are literal
			{"li", 1, []key{{KindList, "jobs?status=ABEND"}}},
			{"", 1, []key{{KindLog, "J1"}}},
		}
		for _, tt := range tests {
			n, err := c.InvalidatePrefix(ctx, tt.prefix)
			if err != nil || n != tt.wantRemoved {
				t.Errorf("InvalidatePrefix(%q): got %d, %v, want %d, nil", tt.prefix, n, err, tt.wantRemoved)
			}
			for _, k := range tt.gone {
				if _, ok := c.local.GetIfPresent(k); ok {
					t.Errorf("after %q: %v still in the local tier", tt.prefix, k)
				}
				if n := b.rdb.Exists(ctx, c.freshKey(k)).Val(); n != 0 {
					t.Errorf("after %q: %v still in Redis", tt.prefix, k)
				}
				if n := b.rdb.Exists(ctx, c.goodKey(k)).Val(); n != 1 {
					t.Errorf("after %q: last good copy of %v gone, want it kept", tt.prefix, k)
				}
			}
		}
	})
}

func TestRedisDownStillLoads(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { rdb.Close() })
	c := newCache(t, backend{rdb: rdb, ns: "cache"}, nil, nil)
	mr.Close()
	l := &loader{}
	l.set("v", nil)
	if r := mustGet(t, c, KindJob, "J1", l); r.Tier != TierLoad {
		t.Errorf("got tier %v, want load", r.Tier)
	}
	if r := mustGet(t, c, KindJob, "J1", l); r.Tier != TierLocal {
		t.Errorf("second Get: got tier %v, want local", r.Tier)
	}
	if s := c.Stats(); s.RedisErrors == 0 {
		t.Errorf("redis errors: got 0, want > 0")
	}
	l.set("", errOrigin)
	if _, err := c.Get(context.Background(), KindJob, "J2", l.load); !errors.Is(err, errOrigin) {
		t.Errorf("Redis and origin down: got %v, want %v", err, errOrigin)
	}
}

func TestCallerCancelDoesNotCancelSharedLoad(t *testing.T) {
	b := miniBackend(t)
	c := newCache(t, b, nil, nil)
	l := &loader{delay: 100 * time.Millisecond}
	l.set("v", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	var patientErr error
	wg.Go(func() {
		_, patientErr = c.Get(context.Background(), KindJob, "J1", l.load)
	})
	if _, err := c.Get(ctx, KindJob, "J1", l.load); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("impatient caller: got %v, want deadline exceeded", err)
	}
	wg.Wait()
	if patientErr != nil {
		t.Errorf("patient caller: got %v, want nil", patientErr)
	}
	if got := l.calls.Load(); got != 1 {
		t.Errorf("loads: got %d, want 1", got)
	}
}

func TestLoadLatencyStats(t *testing.T) {
	b := miniBackend(t)
	clock := newFakeClock()
	c := newCache(t, b, clock, nil)
	for i, d := range []time.Duration{3 * time.Millisecond, 3 * time.Millisecond, 40 * time.Millisecond, 20 * time.Second} {
		_, err := c.Get(context.Background(), KindJob, fmt.Sprint(i), func(context.Context) ([]byte, error) {
			clock.Advance(d)
			return []byte("v"), nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	s := c.Stats()
	if s.Loads != 4 || s.LoadTime != 20046*time.Millisecond {
		t.Errorf("got %d loads in %v, want 4 in 20.046s", s.Loads, s.LoadTime)
	}
	if s.LoadP50 != 5*time.Millisecond || s.LoadP99 != 10*time.Second {
		t.Errorf("got p50 %v p99 %v, want 5ms and 10s (last bound)", s.LoadP50, s.LoadP99)
	}
}

func TestHasPrefix(t *testing.T) {
	tests := []struct {
		k      key
		prefix string
		want   bool
	}{
		{key{"job", "J1"}, "", true},
		{key{"job", "J1"}, "jo", true},
		{key{"job", "J1"}, "job", true},
		{key{"job", "J1"}, "job:", true},
		{key{"job", "J1"}, "job:J", true},
		{key{"job", "J1"}, "job:J1", true},
		{key{"job", "J1"}, "job:J12", false},
		{key{"job", "J1"}, "jobs", false},
		{key{"jobstream", "S"}, "job:", false},
		{key{"job", "J1"}, "log:", false},
	}
	for _, tt := range tests {
		if got := hasPrefix(tt.k, tt.prefix); got != tt.want {
			t.Errorf("hasPrefix(%v, %q): got %v, want %v", tt.k, tt.prefix, got, tt.want)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []Config{
		{MaxEntries: -1},
		{DefaultTTL: -time.Second},
		{TTL: map[Kind]time.Duration{KindJob: 0}},
	}
	for _, cfg := range tests {
		if _, err := New(nil, cfg); err == nil {
			t.Errorf("New(%+v): got nil error, want one", cfg)
		}
	}
}

// A load that started before an invalidation must not leave its (older)
// value behind, and Gets after the invalidation do not wait on it.
func TestInvalidateDuringLoad(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c := newCache(t, b, nil, nil)
		release, started := make(chan struct{}), make(chan struct{})
		var calls atomic.Int64
		load := func(context.Context) ([]byte, error) {
			if calls.Add(1) == 1 {
				close(started)
				<-release
				return []byte("before"), nil
			}
			return []byte("after"), nil
		}
		done := make(chan Result, 1)
		go func() {
			r, _ := c.Get(ctx, KindJob, "J1", load)
			done <- r
		}()
		<-started
		if err := c.Invalidate(ctx, KindJob, "J1"); err != nil {
			t.Fatal(err)
		}
		r, err := c.Get(ctx, KindJob, "J1", load)
		if err != nil || string(r.Value) != "after" {
			t.Errorf("Get after the invalidation: got %q, %v; want \"after\" from a new load", r.Value, err)
		}
		close(release)
		if r := <-done; string(r.Value) != "before" {
			t.Errorf("the caller of the old load: got %q, want \"before\"", r.Value)
		}
		for i := range 2 {
			if r, err := c.Get(ctx, KindJob, "J1", load); err != nil || string(r.Value) != "after" {
				t.Errorf("Get %d after both loads: got %q (%v), %v; want \"after\"", i, r.Value, r.Tier, err)
			}
		}
	})
}
