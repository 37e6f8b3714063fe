package cache

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/internal/testenv"
)

// BenchmarkGetHit measures the in-process hit path: a value already in the
// local tier, read with the kind and key the status function would use.
func BenchmarkGetHit(b *testing.B) {
	mr := miniBackendB(b)
	c, err := New(mr, Config{})
	if err != nil {
		b.Fatal(err)
	}
	value := []byte(strings.Repeat("x", 2048))
	load := func(context.Context) ([]byte, error) { return value, nil }
	ctx := context.Background()
	if _, err := c.Get(ctx, KindJob, "J000123", load); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r, err := c.Get(ctx, KindJob, "J000123", load)
			if err != nil || r.Tier != TierLocal {
				b.Fatalf("got tier %v, %v; want local hit", r.Tier, err)
			}
		}
	})
}

// BenchmarkGetRedisHit measures a local miss answered by Redis: the real
// server where testenv has one (make bench), else miniredis.
func BenchmarkGetRedisHit(b *testing.B) {
	var rdb redis.UniversalClient
	if addr := os.Getenv(testenv.EnvRedisAddr); addr != "" {
		c := redis.NewClient(&redis.Options{Addr: addr})
		b.Cleanup(func() { c.Close() })
		rdb = c
	} else {
		rdb = miniBackendB(b)
	}
	ns := fmt.Sprintf("bench:%d", time.Now().UnixNano())
	c, err := New(rdb, Config{Namespace: ns})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	b.Cleanup(func() { c.InvalidatePrefix(ctx, ""); rdb.Del(ctx, c.goodKey(key{KindJob, "J000123"})) })
	value := []byte(strings.Repeat("x", 2048))
	load := func(context.Context) ([]byte, error) { return value, nil }
	if _, err := c.Get(ctx, KindJob, "J000123", load); err != nil {
		b.Fatal(err)
	}
	lk := key{KindJob, "J000123"}
	b.ReportAllocs()
	for b.Loop() {
		c.local.Invalidate(lk)
		r, err := c.Get(ctx, KindJob, "J000123", load)
		if err != nil || r.Tier != TierRedis {
			b.Fatalf("got tier %v, %v; want a Redis hit", r.Tier, err)
		}
	}
}
