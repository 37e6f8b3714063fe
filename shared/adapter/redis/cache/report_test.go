package cache

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

func TestReportsAcrossProcesses(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	ctx := context.Background()
	a, err := New(rdb, Config{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(rdb, Config{})
	if err != nil {
		t.Fatal(err)
	}
	load := func(context.Context) ([]byte, error) { return []byte("v"), nil }
	for i := 0; i < 3; i++ {
		if _, err := a.Get(ctx, KindSummary, "plan", load); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Get(ctx, KindSummary, "plan", load); err != nil { // a Redis hit for b
		t.Fatal(err)
	}
	if err := a.Report(ctx, "status", "i-1"); err != nil {
		t.Fatal(err)
	}
	if err := b.Report(ctx, "chat", "i-2"); err != nil {
		t.Fatal(err)
	}
	// A snapshot from a process long gone is dropped.
	if err := rdb.HSet(ctx, ReportKey, "status/old", `{"function":"status","instance":"old","at":"2020-01-01T00:00:00Z","stats":{"localHits":1000}}`).Err(); err != nil {
		t.Fatal(err)
	}
	reps, err := Reports(ctx, rdb, time.Now(), 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 2 || reps[0].Function != "chat" || reps[1].Function != "status" {
		t.Fatalf("reports = %+v", reps)
	}
	sum := Sum(reps)
	if sum.LocalHits != 2 || sum.RedisHits != 1 || sum.Misses != 1 || sum.Loads != 1 {
		t.Errorf("sum = local %d redis %d misses %d loads %d; want 2 1 1 1", sum.LocalHits, sum.RedisHits, sum.Misses, sum.Loads)
	}
	if n, _ := rdb.HLen(ctx, ReportKey).Result(); n != 2 {
		t.Errorf("old snapshot not removed: %d fields", n)
	}
}
