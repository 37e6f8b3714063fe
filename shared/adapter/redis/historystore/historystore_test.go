package historystore

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/internal/testenv"
)

type backend struct {
	rdb    *redis.Client
	prefix string
}

func backends(t *testing.T, test func(t *testing.T, b backend)) {
	t.Run("miniredis", func(t *testing.T) {
		mr := miniredis.RunT(t)
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
		t.Cleanup(func() { rdb.Close() })
		test(t, backend{rdb: rdb, prefix: "h:"})
	})
	t.Run("redis", func(t *testing.T) {
		rdb := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t), PoolSize: 32})
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

func texts(bs [][]byte) string {
	s := make([]string, len(bs))
	for i, b := range bs {
		s[i] = string(b)
	}
	return strings.Join(s, ",")
}

func TestAppendRecentTrimExpire(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := New(b.rdb, b.prefix)
		if got, err := s.Recent(ctx, "alice", "c1", 10); err != nil || len(got) != 0 {
			t.Fatalf("Recent of an unknown conversation = %q, %v; want none", got, err)
		}
		for i := 1; i <= 5; i++ {
			if err := s.Append(ctx, "alice", "c1", []byte(fmt.Sprint("t", i)), 3, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Recent(ctx, "alice", "c1", 10)
		if err != nil || texts(got) != "t3,t4,t5" {
			t.Errorf("Recent(10) = %q, %v; want t3,t4,t5 (the last 3 kept)", texts(got), err)
		}
		if got, _ := s.Recent(ctx, "alice", "c1", 2); texts(got) != "t4,t5" {
			t.Errorf("Recent(2) = %q, want t4,t5", texts(got))
		}
		keys, err := b.rdb.Keys(ctx, b.prefix+"*").Result()
		if err != nil || len(keys) != 1 {
			t.Fatalf("keys %v, %v; want one", keys, err)
		}
		if d := b.rdb.PTTL(ctx, keys[0]).Val(); d <= 59*time.Minute || d > time.Hour {
			t.Errorf("expiry %v, want about an hour", d)
		}
		if err := s.Clear(ctx, "alice", "c1"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Recent(ctx, "alice", "c1", 10); len(got) != 0 {
			t.Errorf("after Clear: %q, want none", texts(got))
		}
	})
}

// TestKeysDoNotCollide: a user or conversation id holding the separator
// cannot reach another user's conversation.
func TestKeysDoNotCollide(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := New(b.rdb, b.prefix)
		if err := s.Append(ctx, "alice", "x:y", []byte("alice's"), 10, time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := s.Append(ctx, "alice:x", "y", []byte("mallory's"), 10, time.Hour); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Recent(ctx, "alice", "x:y", 10); texts(got) != "alice's" {
			t.Errorf("alice's conversation holds %q, want only alice's turn", texts(got))
		}
	})
}

func TestConcurrentAppendsStayTrimmed(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := New(b.rdb, b.prefix)
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Go(func() {
				if err := s.Append(ctx, "bob", "c", []byte(fmt.Sprint(i)), 5, time.Hour); err != nil {
					t.Errorf("Append %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		n, err := b.rdb.LLen(ctx, s.key("bob", "c")).Result()
		if err != nil || n != 5 {
			t.Errorf("list length %d, %v; want 5", n, err)
		}
	})
}

func TestBadArguments(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	s := New(rdb, "")
	ctx := context.Background()
	if _, err := s.Recent(ctx, "u", "c", 0); err == nil {
		t.Error("Recent with n 0: no error")
	}
	if err := s.Append(ctx, "u", "c", []byte("t"), 0, time.Hour); err == nil {
		t.Error("Append with keep 0: no error")
	}
	if len(mr.Keys()) != 0 {
		t.Errorf("keys %v written by refused calls", mr.Keys())
	}
	if err := s.Append(ctx, "u", "c", []byte("t"), 1, time.Hour); err != nil {
		t.Fatal(err)
	}
	if !mr.Exists(DefaultPrefix + "u:c") {
		t.Errorf("keys %v, want %s", mr.Keys(), DefaultPrefix+"u:c")
	}
}

func TestRedisDown(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	s := New(rdb, "")
	mr.Close()
	ctx := context.Background()
	if _, err := s.Recent(ctx, "u", "c", 3); err == nil {
		t.Error("Recent with Redis down: no error")
	}
	if err := s.Append(ctx, "u", "c", []byte("t"), 3, time.Hour); err == nil {
		t.Error("Append with Redis down: no error")
	}
	if err := s.Clear(ctx, "u", "c"); err == nil {
		t.Error("Clear with Redis down: no error")
	}
}
