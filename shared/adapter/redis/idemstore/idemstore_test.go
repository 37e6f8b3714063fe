package idemstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/domain/idempotency"
	"github.com/resync/resync/shared/domain/idempotency/idempotencytest"
)

type backend struct {
	rdb    *redis.Client
	mr     *miniredis.Miniredis // nil for the real server
	prefix string
}

// lapse lets d pass for Redis: FastForward on miniredis, a real wait otherwise.
func (b backend) lapse(d time.Duration) {
	if b.mr != nil {
		b.mr.FastForward(d)
		return
	}
	time.Sleep(d)
}

func backends(t *testing.T, test func(t *testing.T, b backend)) {
	t.Run("miniredis", func(t *testing.T) {
		mr := miniredis.RunT(t)
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		t.Cleanup(func() { rdb.Close() })
		test(t, backend{rdb: rdb, mr: mr, prefix: "idem:"})
	})
	t.Run("redis", func(t *testing.T) {
		rdb := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
		prefix := fmt.Sprintf("test:%s:%d:", t.Name(), time.Now().UnixNano())
		t.Cleanup(func() {
			ctx := context.Background()
			keys, _ := rdb.Keys(ctx, prefix+"*").Result()
			if len(keys) > 0 {
				rdb.Del(ctx, keys...)
			}
			rdb.Close()
		})
		test(t, backend{rdb: rdb, prefix: prefix})
	})
}

func TestConcurrentDuplicatesRunOnce(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		g := idempotency.New(New(b.rdb, b.prefix), idempotency.Config{})
		var runs atomic.Int64
		fn := func(context.Context) ([]byte, error) {
			runs.Add(1)
			time.Sleep(20 * time.Millisecond)
			return []byte("executed"), nil
		}
		const n = 100
		var ran, replayed, inProgress atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range n {
			wg.Go(func() {
				<-start
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				out, err := g.Do(ctx, "confirm:P1", []byte(`{"proposal":"P1"}`), fn)
				switch {
				case errors.Is(err, idempotency.ErrInProgress):
					inProgress.Add(1)
				case err != nil:
					t.Errorf("Do: %v", err)
				case string(out.Result) != "executed":
					t.Errorf("got result %q, want \"executed\"", out.Result)
				case out.Replayed:
					replayed.Add(1)
				default:
					ran.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		if runs.Load() != 1 || ran.Load() != 1 || ran.Load()+replayed.Load()+inProgress.Load() != n {
			t.Errorf("got %d runs; %d ran, %d replayed, %d in progress; want 1 run and %d answers", runs.Load(), ran.Load(), replayed.Load(), inProgress.Load(), n)
		}
		t.Logf("%d ran, %d replayed, %d in progress", ran.Load(), replayed.Load(), inProgress.Load())
		// After completion every duplicate is a replay.
		out, err := g.Do(context.Background(), "confirm:P1", []byte(`{"proposal":"P1"}`), fn)
		if err != nil || !out.Replayed || runs.Load() != 1 {
			t.Errorf("late duplicate: got %+v, %v with %d runs; want a replay", out, err, runs.Load())
		}
	})
}

func TestPayloadMismatch(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		g := idempotency.New(New(b.rdb, b.prefix), idempotency.Config{})
		ok := func(context.Context) ([]byte, error) { return []byte("r"), nil }
		if _, err := g.Do(context.Background(), "msg-7", []byte("hello"), ok); err != nil {
			t.Fatal(err)
		}
		_, err := g.Do(context.Background(), "msg-7", []byte("goodbye"), ok)
		if !errors.Is(err, idempotency.ErrPayloadMismatch) {
			t.Errorf("got %v, want ErrPayloadMismatch", err)
		}
	})
}

// A crashed attempt (its record taken, never completed) blocks the key for
// the invocation's remaining time only.
func TestLapsedAttemptIsRetried(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		g := idempotency.New(New(b.rdb, b.prefix), idempotency.Config{})
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		crashed, frozen := make(chan struct{}), make(chan struct{})
		t.Cleanup(func() { close(frozen) })
		go g.Do(ctx, "k", []byte("p"), func(context.Context) ([]byte, error) {
			close(crashed)
			<-frozen // the environment froze or died here
			return nil, nil
		})
		<-crashed
		var runs atomic.Int64
		fn := func(context.Context) ([]byte, error) { runs.Add(1); return []byte("r"), nil }
		if _, err := g.Do(context.Background(), "k", []byte("p"), fn); !errors.Is(err, idempotency.ErrInProgress) {
			t.Errorf("during the attempt: got %v, want ErrInProgress", err)
		}
		if ttl := b.rdb.PTTL(context.Background(), b.prefix+"k").Val(); ttl <= 0 || ttl > time.Second {
			t.Errorf("in-progress key TTL: got %v, want (0, 1s] from the context deadline", ttl)
		}
		b.lapse(1100 * time.Millisecond)
		out, err := g.Do(context.Background(), "k", []byte("p"), fn)
		if err != nil || runs.Load() != 1 || out.Replayed {
			t.Errorf("after the deadline: got %+v, %v with %d runs; want a fresh run", out, err, runs.Load())
		}
	})
}

func TestCompletedExpiry(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		g := idempotency.New(New(b.rdb, b.prefix), idempotency.Config{Expiry: 90 * time.Minute})
		g.Do(context.Background(), "k", []byte("p"), func(context.Context) ([]byte, error) { return []byte("r"), nil })
		ttl := b.rdb.PTTL(context.Background(), b.prefix+"k").Val()
		if ttl < 89*time.Minute || ttl > 90*time.Minute {
			t.Errorf("completed key TTL: got %v, want about 90m", ttl)
		}
	})
}

func TestRedisDownNothingRuns(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	mr.Close()
	g := idempotency.New(New(rdb, ""), idempotency.Config{})
	var runs atomic.Int64
	_, err := g.Do(context.Background(), "k", []byte("p"), func(context.Context) ([]byte, error) {
		runs.Add(1)
		return nil, nil
	})
	if !errors.Is(err, idempotency.ErrStore) {
		t.Errorf("got %v, want ErrStore", err)
	}
	if runs.Load() != 0 {
		t.Errorf("ran with Redis down")
	}
}

func TestStoreContract(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		idempotencytest.RunStoreContract(t, New(b.rdb, b.prefix), b.lapse)
	})
}
