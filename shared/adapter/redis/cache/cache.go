// Package cache is the two-tier read-through cache that sits between the
// functions and HWA: an in-process tier (otter) in front of a shared Redis tier.
//
// Values are opaque bytes (the JSON the functions serve), so both tiers hold
// exactly the same thing and a value read from Redis needs no re-encoding.
// Each kind of data has its own time to live (Config.TTL).
//
// A Get looks in the local tier, then in Redis, then calls the caller's load
// function. Concurrent misses for the same key in one process make one load
// (singleflight). Every successful load also refreshes a long-lived "last good"
// copy in Redis; when a later load fails, that copy is served marked Stale with
// its age instead of failing, and kept in the local tier for a short while
// (Config.StaleFor) so that an outage of the origin does not make every
// request wait for a failing load. Only when nothing was ever cached does Get
// return the load error.
//
// Redis is a shortcut, never a dependency of an answer: every Redis call is
// bounded by Config.RedisTimeout (the client must honour context deadlines
// on the wire, as go-redis does with Options.ContextTimeoutEnabled), and
// after a Redis error the Gets of this process leave Redis alone for
// Config.RedisBackoff. A Redis that is slow, swallows packets or is down
// therefore costs a Get at most one RedisTimeout before it reads the origin,
// and the value read still fills the in-process tier.
//
// Invalidation (Invalidate, InvalidatePrefix) removes the fresh copies from this
// process's local tier and from Redis. Other processes' local tiers are not
// reached directly: their entries expire by TTL (at most the kind's TTL later).
// When the caller also runs Listen, invalidations published on Redis pub/sub
// are applied to the local tier at once; TTL remains the guarantee, pub/sub is
// best effort (a frozen Lambda environment misses messages).
package cache

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/resync/resync/shared/domain/cached"
)

// The cache's vocabulary lives in the domain (package cached), where its
// readers can name it without importing this adapter; these names stay so
// that callers of this package read as before.
type (
	// Kind names a kind of cached data; each kind has its own TTL
	// (cached.Kind). A Kind must not contain ':'.
	Kind = cached.Kind
	// Tier says where a Result came from (cached.Tier).
	Tier = cached.Tier
	// Result is a cached value (cached.Result). Value is shared with the
	// cache and must not be modified by the caller.
	Result = cached.Result
)

// Kinds used by the functions. Any other Kind works too and gets DefaultTTL
// unless Config.TTL names it.
const (
	KindSummary = cached.KindSummary
	KindList    = cached.KindList
	KindLog     = cached.KindLog
	KindJob     = cached.KindJob
)

// Tiers of a Result.
const (
	TierLocal = cached.TierLocal // the in-process tier
	TierRedis = cached.TierRedis // the shared Redis tier
	TierLoad  = cached.TierLoad  // a fresh call to the load function
	TierStale = cached.TierStale // the last good copy, served because the load failed
)

// Clock tells the time; tests inject a fake one.
type Clock interface {
	Now() time.Time
}

// Defaults used for zero fields of Config.
const (
	DefaultMaxEntries  = 100_000
	DefaultMaxBytes    = 100 << 20
	DefaultTTL         = 30 * time.Second
	DefaultStaleTTL    = 24 * time.Hour
	DefaultStaleFor    = 5 * time.Second
	DefaultLoadTimeout = 10 * time.Second
	DefaultNamespace   = "cache"
	DefaultCoherence   = 250 * time.Millisecond
	// DefaultRedisTimeout bounds one Redis call: a healthy Redis answers in
	// a millisecond, a request must not wait for one that does not.
	DefaultRedisTimeout = 300 * time.Millisecond
	DefaultRedisBackoff = time.Second
)

// DefaultTTLs are the per-kind lifetimes used when Config.TTL is nil.
func DefaultTTLs() map[Kind]time.Duration {
	return map[Kind]time.Duration{
		KindSummary: 15 * time.Second,
		KindList:    30 * time.Second,
		KindLog:     60 * time.Second,
		KindJob:     30 * time.Second,
	}
}

// Config configures a Cache. The zero value is usable: every zero field takes
// its default.
type Config struct {
	// Namespace prefixes every Redis key and the invalidation stream.
	Namespace string
	// TTL is the fresh lifetime per kind, in both tiers. Nil means DefaultTTLs.
	TTL map[Kind]time.Duration
	// DefaultTTL is the lifetime of a kind that TTL does not name.
	DefaultTTL time.Duration
	// StaleTTL is how long the last good copy stays in Redis for stale serving.
	StaleTTL time.Duration
	// StaleFor is how long a stale serve is reused from the local tier before
	// the origin is tried again.
	StaleFor time.Duration
	// MaxEntries and MaxBytes bound the local tier; both hold at once (see New).
	MaxEntries int
	MaxBytes   uint64
	// LoadTimeout bounds one call of a load function. The load runs detached
	// from the caller's cancellation, since other callers may be waiting on it.
	LoadTimeout time.Duration
	// Clock defaults to the system clock.
	Clock Clock
	// Coherence is how often a Get catches up on the invalidations other
	// processes made (one XREAD of the invalidation stream), and so how long
	// another process may serve a value after it was invalidated. Zero
	// means DefaultCoherence; negative turns catching up off.
	Coherence time.Duration
	// RedisTimeout bounds each Redis call (zero: DefaultRedisTimeout). A
	// call that runs out counts as a Redis error: a Get goes on as if Redis
	// held nothing. It holds only if the client honours context deadlines
	// (go-redis: Options.ContextTimeoutEnabled; config.Common.Redis sets it).
	RedisTimeout time.Duration
	// RedisBackoff is how long the Gets of this process skip Redis after a
	// Redis error (zero: DefaultRedisBackoff; negative: never skip), so an
	// outage costs one RedisTimeout per RedisBackoff, not one per call.
	// Invalidations always try Redis.
	RedisBackoff time.Duration
}

// key identifies a cached value locally; a struct so a Get hit allocates nothing.
type key struct {
	kind Kind
	key  string
}

// entry is what the local tier holds; the Redis tier holds its encoding.
type entry struct {
	data      []byte
	storedAt  int64 // unix nanoseconds
	expiresAt int64 // unix nanoseconds
	stale     bool  // a last good copy held locally for StaleFor after a failed load
}

// Cache is a two-tier cache. It is safe for concurrent use.
type Cache struct {
	rdb      redis.UniversalClient
	local    *otter.Cache[key, entry]
	group    singleflight.Group
	clock    Clock // nil means time.Now
	ttl      map[Kind]time.Duration
	cfg      Config
	stream   string // the invalidation stream; see invalidate.go
	coh      coherence
	maxEntry uint64
	epoch    atomic.Uint64 // bumped by every invalidation; see fill
	stats    counters
	// redisDownUntil is when Gets may use Redis again after an error, unix
	// nanoseconds; see redisUp.
	redisDownUntil atomic.Int64
}

// New returns a Cache over rdb configured by cfg. It returns an error when
// cfg holds a negative size or duration.
//
// The local tier is bounded by entries and by bytes at once, with a single
// otter weight bound: an entry weighs the bytes of its key and value, but at
// least MaxBytes/MaxEntries. The total weight is kept at or below MaxBytes, so
// the bytes held never exceed MaxBytes, and since every entry weighs at least
// MaxBytes/MaxEntries there can never be more than MaxEntries of them. (Otter
// takes only one of MaximumSize and MaximumWeight; this floor lets the one bound
// enforce both. Small values therefore hit the entry bound and large values the
// byte bound, as intended; like any otter bound it may be exceeded briefly
// while eviction catches up.) A value heavier than MaxBytes alone is kept in
// Redis only.
func New(rdb redis.UniversalClient, cfg Config) (*Cache, error) {
	if cfg.MaxEntries < 0 || cfg.DefaultTTL < 0 || cfg.StaleTTL < 0 || cfg.StaleFor < 0 || cfg.LoadTimeout < 0 || cfg.RedisTimeout < 0 {
		return nil, errors.New("cache: new: negative size or duration in config")
	}
	if cfg.Namespace == "" {
		cfg.Namespace = DefaultNamespace
	}
	if cfg.MaxEntries == 0 {
		cfg.MaxEntries = DefaultMaxEntries
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.DefaultTTL == 0 {
		cfg.DefaultTTL = DefaultTTL
	}
	if cfg.StaleTTL == 0 {
		cfg.StaleTTL = DefaultStaleTTL
	}
	if cfg.StaleFor == 0 {
		cfg.StaleFor = DefaultStaleFor
	}
	if cfg.LoadTimeout == 0 {
		cfg.LoadTimeout = DefaultLoadTimeout
	}
	if cfg.Coherence == 0 {
		cfg.Coherence = DefaultCoherence
	}
	if cfg.RedisTimeout == 0 {
		cfg.RedisTimeout = DefaultRedisTimeout
	}
	if cfg.RedisBackoff == 0 {
		cfg.RedisBackoff = DefaultRedisBackoff
	}
	ttl := cfg.TTL
	if ttl == nil {
		ttl = DefaultTTLs()
	}
	c := &Cache{
		rdb:    rdb,
		clock:  cfg.Clock,
		ttl:    make(map[Kind]time.Duration, len(ttl)),
		cfg:    cfg,
		stream: cfg.Namespace + ":invalidations",
	}
	for k, d := range ttl {
		if d <= 0 {
			return nil, fmt.Errorf("cache: new: TTL of kind %q is %v, want > 0", k, d)
		}
		c.ttl[k] = d
	}

	floor := (cfg.MaxBytes + uint64(cfg.MaxEntries) - 1) / uint64(cfg.MaxEntries)
	if floor == 0 {
		floor = 1
	}
	c.maxEntry = min(cfg.MaxBytes, math.MaxUint32)
	opts := &otter.Options[key, entry]{
		MaximumWeight: cfg.MaxBytes,
		Weigher: func(k key, e entry) uint32 {
			return uint32(max(entrySize(k, e), floor))
		},
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[key, entry]) time.Duration {
			return time.Duration(e.Value.expiresAt - c.nowNano())
		}),
		OnAtomicDeletion: func(e otter.DeletionEvent[key, entry]) {
			c.stats.bytes.Add(-int64(entrySize(e.Key, e.Value)))
		},
	}
	if cfg.Clock != nil {
		opts.Clock = otterClock{cfg.Clock}
	}
	local, err := otter.New(opts)
	if err != nil {
		return nil, fmt.Errorf("cache: new local tier: %w", err)
	}
	c.local = local
	return c, nil
}

func entrySize(k key, e entry) uint64 {
	return uint64(len(k.kind) + len(k.key) + len(e.data))
}

// otterClock adapts a Clock to otter; it gives no ticks, so expired entries
// are removed on access and during maintenance only.
type otterClock struct{ c Clock }

func (o otterClock) NowNano() int64                      { return o.c.Now().UnixNano() }
func (o otterClock) Tick(time.Duration) <-chan time.Time { return nil }

func (c *Cache) nowNano() int64 {
	if c.clock != nil {
		return c.clock.Now().UnixNano()
	}
	return time.Now().UnixNano()
}

// Close stops the local tier's background clean-up. The Cache still answers
// afterwards (expired entries are then dropped only when read); Close is for
// tests and processes that build and drop caches. It does not close rdb.
func (c *Cache) Close() {
	c.local.StopAllGoroutines()
}

// redisCtx bounds one Redis call by Config.RedisTimeout.
func (c *Cache) redisCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.cfg.RedisTimeout)
}

// redisUp reports whether a Get may use Redis: not within RedisBackoff of
// the last Redis error.
func (c *Cache) redisUp() bool { return c.nowNano() >= c.redisDownUntil.Load() }

// redisFailed counts a Redis error and keeps Gets off Redis for RedisBackoff.
func (c *Cache) redisFailed() {
	c.stats.redisErrors.Add(1)
	if c.cfg.RedisBackoff > 0 {
		c.redisDownUntil.Store(c.nowNano() + int64(c.cfg.RedisBackoff))
	}
}

// TTL returns the fresh lifetime of kind.
func (c *Cache) TTL(kind Kind) time.Duration {
	if d, ok := c.ttl[kind]; ok {
		return d
	}
	return c.cfg.DefaultTTL
}

func (c *Cache) freshKey(k key) string { return c.cfg.Namespace + ":f:" + string(k.kind) + ":" + k.key }
func (c *Cache) goodKey(k key) string  { return c.cfg.Namespace + ":g:" + string(k.kind) + ":" + k.key }

func (e entry) result(tier Tier, now int64) Result {
	return Result{
		Value:    e.data,
		Stale:    tier == TierStale,
		StoredAt: time.Unix(0, e.storedAt),
		Age:      time.Duration(max(now-e.storedAt, 0)),
		Tier:     tier,
	}
}

// Get returns the value of (kind, key), from the local tier, Redis or load, in
// that order. Concurrent misses in this process share one call of load, which
// must not modify the slice it returns. A failed load writes nothing fresh;
// instead the last good copy is returned with Stale set and reused locally for
// Config.StaleFor. Get returns the load error (wrapped) when load fails and
// there is no last good copy, and ctx's error when ctx ends first. Redis
// errors are not returned: the cache then behaves as if Redis held nothing,
// and counts them in Stats; each Redis call waits at most
// Config.RedisTimeout, so a Redis fault never makes Get wait much longer
// than load does.
func (c *Cache) Get(ctx context.Context, kind Kind, k string, load func(context.Context) ([]byte, error)) (Result, error) {
	c.catchUp(ctx)
	lk := key{kind: kind, key: k}
	// GetEntry reads otter's clock once; its snapshot time serves as now, so
	// a hit reads the clock once in all.
	if ent, ok := c.local.GetEntry(lk); ok && ent.SnapshotAtNano < ent.Value.expiresAt {
		e, now := ent.Value, ent.SnapshotAtNano
		if e.stale {
			c.stats.misses.Add(1)
			c.stats.staleServes.Add(1)
			return e.result(TierStale, now), nil
		}
		c.stats.localHits.Add(1)
		return e.result(TierLocal, now), nil
	}
	ch := c.group.DoChan(flightKey(kind, k), func() (any, error) {
		return c.fill(context.WithoutCancel(ctx), lk, load)
	})
	select {
	case <-ctx.Done():
		return Result{}, fmt.Errorf("cache: get %s %q: %w", kind, k, ctx.Err())
	case r := <-ch:
		if r.Shared {
			c.stats.coalesced.Add(1)
		}
		if r.Err != nil {
			c.stats.misses.Add(1)
			return Result{}, r.Err
		}
		res := r.Val.(Result)
		switch res.Tier {
		case TierRedis:
			c.stats.redisHits.Add(1)
		case TierStale:
			c.stats.misses.Add(1)
			c.stats.staleServes.Add(1)
		default:
			c.stats.misses.Add(1)
		}
		// Callers that joined the flight late see the age as of now.
		res.Age = time.Duration(max(c.nowNano()-res.StoredAt.UnixNano(), 0))
		return res, nil
	}
}

func flightKey(kind Kind, k string) string { return string(kind) + "\x00" + k }

// fill runs once per flight: Redis, then load, then write both tiers.
//
// A flight that overlaps an invalidation must not leave what it read behind:
// it notes the invalidation epoch first and, after writing, undoes its writes
// if the epoch moved. Invalidate bumps the epoch before clearing, so either
// the clearing comes after these writes or the check here sees the bump. (A
// load in another process that overlaps an invalidation here can still write
// its older value to Redis; that lasts at most the kind's TTL.)
func (c *Cache) fill(ctx context.Context, lk key, load func(context.Context) ([]byte, error)) (Result, error) {
	epoch := c.epoch.Load()
	fresh := c.freshKey(lk)
	redisTrouble := !c.redisUp() // this flight could not ask Redis for a copy
	if !redisTrouble {
		rctx, cancel := c.redisCtx(ctx)
		raw, err := c.rdb.Get(rctx, fresh).Bytes()
		cancel()
		switch {
		case err == nil:
			e, derr := decode(raw)
			now := c.nowNano()
			if derr == nil && now < e.expiresAt {
				c.putLocal(lk, e)
				if c.epoch.Load() != epoch {
					c.local.Invalidate(lk)
				}
				return e.result(TierRedis, now), nil
			}
			if derr != nil {
				c.stats.redisErrors.Add(1)
			}
		case errors.Is(err, redis.Nil):
		default:
			c.redisFailed()
			redisTrouble = true
		}
	}

	loadCtx, cancel := context.WithTimeout(ctx, c.cfg.LoadTimeout)
	start := c.nowNano()
	data, lerr := load(loadCtx)
	cancel()
	now := c.nowNano()
	c.stats.observeLoad(time.Duration(now - start))
	if lerr != nil {
		c.stats.loadErrors.Add(1)
		if c.redisUp() {
			rctx, cancel := c.redisCtx(ctx)
			raw, err := c.rdb.Get(rctx, c.goodKey(lk)).Bytes()
			cancel()
			if err == nil {
				if e, derr := decode(raw); derr == nil {
					held := e
					held.stale, held.expiresAt = true, now+int64(c.cfg.StaleFor)
					c.putLocal(lk, held)
					if c.epoch.Load() != epoch {
						c.local.Invalidate(lk)
					}
					return e.result(TierStale, now), nil
				}
				c.stats.redisErrors.Add(1)
			} else if !errors.Is(err, redis.Nil) {
				c.redisFailed()
				redisTrouble = true
			}
		} else {
			redisTrouble = true
		}
		if redisTrouble {
			return Result{}, fmt.Errorf("cache: load %s %q (Redis did not answer either, so no last good copy could be read): %w", lk.kind, lk.key, lerr)
		}
		return Result{}, fmt.Errorf("cache: load %s %q: %w", lk.kind, lk.key, lerr)
	}

	ttl := c.TTL(lk.kind)
	e := entry{data: data, storedAt: now, expiresAt: now + int64(ttl)}
	wrote := false // to Redis; a value never written needs no undoing there
	if c.redisUp() {
		enc := encode(e)
		rctx, cancel := c.redisCtx(ctx)
		_, err := c.rdb.Pipelined(rctx, func(p redis.Pipeliner) error {
			p.Set(rctx, fresh, enc, ttl)
			p.Set(rctx, c.goodKey(lk), enc, c.cfg.StaleTTL)
			return nil
		})
		cancel()
		if err != nil {
			c.redisFailed()
		}
		wrote = err == nil
	}
	c.putLocal(lk, e)
	if c.epoch.Load() != epoch {
		c.local.Invalidate(lk)
	}
	if wrote && c.epoch.Load() != epoch {
		rctx, cancel := c.redisCtx(ctx)
		if err := c.rdb.Unlink(rctx, fresh).Err(); err != nil {
			c.redisFailed()
		}
		cancel()
	}
	return e.result(TierLoad, now), nil
}

func (c *Cache) putLocal(lk key, e entry) {
	size := entrySize(lk, e)
	if size > c.maxEntry {
		return
	}
	c.local.Set(lk, e)
	c.stats.bytes.Add(int64(size))
}

// Encoding of a Redis value: version byte, stored-at and expires-at as unix
// nanoseconds (big endian), then the value bytes.
const (
	codecVersion = 1
	headerLen    = 1 + 8 + 8
)

func encode(e entry) []byte {
	b := make([]byte, headerLen+len(e.data))
	b[0] = codecVersion
	binary.BigEndian.PutUint64(b[1:9], uint64(e.storedAt))
	binary.BigEndian.PutUint64(b[9:17], uint64(e.expiresAt))
	copy(b[headerLen:], e.data)
	return b
}

func decode(b []byte) (entry, error) {
	if len(b) < headerLen || b[0] != codecVersion {
		return entry{}, errors.New("cache: decode: not a cache value")
	}
	return entry{
		storedAt:  int64(binary.BigEndian.Uint64(b[1:9])),
		expiresAt: int64(binary.BigEndian.Uint64(b[9:17])),
		data:      b[headerLen:],
	}, nil
}
