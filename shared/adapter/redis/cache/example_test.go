package cache_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/adapter/redis/cache"
)

func Example() {
	mr, err := miniredis.Run()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()

	c, err := cache.New(rdb, cache.Config{TTL: map[cache.Kind]time.Duration{cache.KindSummary: 15 * time.Second}})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	summary := func(context.Context) ([]byte, error) { return []byte(`{"abended":2}`), nil }

	r, _ := c.Get(ctx, cache.KindSummary, "plan", summary)
	fmt.Println(r.Tier, string(r.Value))
	r, _ = c.Get(ctx, cache.KindSummary, "plan", summary)
	fmt.Println(r.Tier, string(r.Value))

	// After an action the value is invalidated; the origin is down now, so
	// the last good copy is served, flagged stale.
	_ = c.Invalidate(ctx, cache.KindSummary, "plan")
	down := func(context.Context) ([]byte, error) { return nil, errors.New("hwa: connection refused") }
	r, _ = c.Get(ctx, cache.KindSummary, "plan", down)
	fmt.Println(r.Tier, r.Stale, string(r.Value))

	s := c.Stats()
	fmt.Println(s.LocalHits, s.Misses, s.StaleServes, s.Loads)
	// Output:
	// load {"abended":2}
	// local {"abended":2}
	// stale true {"abended":2}
	// 1 2 1 2
}
