package cache

import (
	"context"
	"strings"
	"testing"
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
