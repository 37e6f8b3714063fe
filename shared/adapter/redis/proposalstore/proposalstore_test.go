package proposalstore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/internal/testenv"
)

type backend struct {
	rdb    *redis.Client
	mr     *miniredis.Miniredis // nil for the real server
	prefix string
}

// pttl returns the key's remaining expiry as Redis reports it.
func (b backend) pttl(t *testing.T, id string) time.Duration {
	t.Helper()
	d, err := b.rdb.PTTL(context.Background(), b.prefix+id).Result()
	if err != nil {
		t.Fatal(err)
	}
	return d
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
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
		t.Cleanup(func() { rdb.Close() })
		test(t, backend{rdb: rdb, mr: mr, prefix: "p:"})
	})
	t.Run("redis", func(t *testing.T) {
		rdb := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t), PoolSize: 64})
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

func TestCreateGetDelete(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := New(b.rdb, b.prefix)
		if v, found, err := s.Get(ctx, "p1"); err != nil || found || v != nil {
			t.Fatalf("Get of an absent proposal = %q, %v, %v; want nil, false, nil", v, found, err)
		}
		if err := s.Create(ctx, "p1", []byte(`{"status":"pending"}`), time.Hour); err != nil {
			t.Fatal(err)
		}
		v, found, err := s.Get(ctx, "p1")
		if err != nil || !found || string(v) != `{"status":"pending"}` {
			t.Fatalf("Get = %q, %v, %v; want the stored value", v, found, err)
		}
		if d := b.pttl(t, "p1"); d <= 59*time.Minute || d > time.Hour {
			t.Errorf("expiry %v, want about an hour", d)
		}
		if err := s.Delete(ctx, "p1"); err != nil {
			t.Fatal(err)
		}
		if _, found, err := s.Get(ctx, "p1"); err != nil || found {
			t.Errorf("after Delete: found %v, err %v; want absent", found, err)
		}
		if err := s.Delete(ctx, "p1"); err != nil {
			t.Errorf("Delete of an absent proposal: %v, want nil", err)
		}
	})
}

func TestExpiry(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := New(b.rdb, b.prefix)
		if err := s.Create(ctx, "p1", []byte("v"), 50*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		b.lapse(120 * time.Millisecond)
		if _, found, err := s.Get(ctx, "p1"); err != nil || found {
			t.Errorf("after its retention: found %v, err %v; want absent", found, err)
		}
		if ok, err := s.Swap(ctx, "p1", []byte("v"), []byte("w"), time.Hour); err != nil || ok {
			t.Errorf("Swap of an expired proposal = %v, %v; want false, nil", ok, err)
		}
		if _, found, _ := s.Get(ctx, "p1"); found {
			t.Error("Swap brought an expired proposal back")
		}
	})
}

func TestSwap(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := New(b.rdb, b.prefix)
		if err := s.Create(ctx, "p1", []byte("pending"), time.Hour); err != nil {
			t.Fatal(err)
		}
		b.lapse(1100 * time.Millisecond)
		if ok, err := s.Swap(ctx, "p1", []byte("stale"), []byte("executing"), time.Minute); err != nil || ok {
			t.Fatalf("Swap from a value not held = %v, %v; want false, nil", ok, err)
		}
		if ok, err := s.Swap(ctx, "p1", []byte("pending"), []byte("executing"), time.Minute); err != nil || !ok {
			t.Fatalf("Swap from the value held = %v, %v; want true, nil", ok, err)
		}
		if v, _, _ := s.Get(ctx, "p1"); string(v) != "executing" {
			t.Errorf("value %q after Swap, want executing", v)
		}
		// The remaining retention is kept, not renewed nor replaced by ttl.
		if d := b.pttl(t, "p1"); d <= 58*time.Minute || d > time.Hour-time.Second {
			t.Errorf("expiry %v after Swap, want the remaining retention (under an hour less a second)", d)
		}
		// A key without an expiry gets ttl.
		if err := b.rdb.Persist(ctx, b.prefix+"p1").Err(); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.Swap(ctx, "p1", []byte("executing"), []byte("executed"), time.Minute); err != nil || !ok {
			t.Fatalf("Swap = %v, %v; want true, nil", ok, err)
		}
		if d := b.pttl(t, "p1"); d <= 59*time.Second || d > time.Minute {
			t.Errorf("expiry %v after Swap of a key without one, want ttl (a minute)", d)
		}
	})
}

// TestConcurrentSwapsOneWins races many changes from the same value: one
// wins, every other reports that it lost, and the winner's value stays.
func TestConcurrentSwapsOneWins(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := New(b.rdb, b.prefix)
		if err := s.Create(ctx, "p1", []byte("pending"), time.Hour); err != nil {
			t.Fatal(err)
		}
		const n = 50
		var won atomic.Int64
		var winner atomic.Value
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				next := fmt.Sprintf("claimed by %d", i)
				ok, err := s.Swap(ctx, "p1", []byte("pending"), []byte(next), time.Hour)
				if err != nil {
					t.Errorf("Swap %d: %v", i, err)
					return
				}
				if ok {
					won.Add(1)
					winner.Store(next)
				}
			})
		}
		close(start)
		wg.Wait()
		if got := won.Load(); got != 1 {
			t.Fatalf("%d swaps won, want exactly 1", got)
		}
		if v, _, _ := s.Get(ctx, "p1"); string(v) != winner.Load() {
			t.Errorf("value %q, want the winner's %q", v, winner.Load())
		}
	})
}

func TestRedisDown(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	s := New(rdb, "")
	mr.Close()
	ctx := context.Background()
	if err := s.Create(ctx, "p1", []byte("v"), time.Hour); err == nil {
		t.Error("Create with Redis down: no error")
	}
	if _, found, err := s.Get(ctx, "p1"); err == nil || found {
		t.Errorf("Get with Redis down = found %v, err %v; want an error", found, err)
	}
	if ok, err := s.Swap(ctx, "p1", []byte("v"), []byte("w"), time.Hour); err == nil || ok {
		t.Errorf("Swap with Redis down = %v, %v; want false and an error", ok, err)
	}
	if err := s.Delete(ctx, "p1"); err == nil {
		t.Error("Delete with Redis down: no error")
	}
}

func TestDefaultPrefix(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	if err := New(rdb, "").Create(context.Background(), "p1", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if !mr.Exists(DefaultPrefix + "p1") {
		t.Errorf("keys %v, want %s", mr.Keys(), DefaultPrefix+"p1")
	}
}
