package security

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/internal/testenv"
)

func TestRecordAndRecentRealRedis(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t), DB: 3})
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	l := New(rdb, 5)
	l.prefix = fmt.Sprintf("test:%s:%d:", t.Name(), time.Now().UnixNano())
	t0 := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	for i := 0; i < 8; i++ {
		if err := l.Record(ctx, Event{Time: t0.Add(time.Duration(i) * time.Second), Kind: RefusedToken, Reason: fmt.Sprint("expired ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Record(ctx, Event{Kind: RateLimitHit, User: "alice", Reason: "messages per minute"}); err != nil {
		t.Fatal(err)
	}
	events, counts, err := l.Recent(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if counts[RefusedToken] != 5 {
		t.Errorf("kept %d refused tokens, want 5 (capped)", counts[RefusedToken])
	}
	got := events[RefusedToken]
	if len(got) != 3 || got[0].Reason != "expired 7" || got[2].Reason != "expired 5" {
		t.Errorf("recent refused = %+v, want newest three", got)
	}
	if len(events[RateLimitHit]) != 1 || events[RateLimitHit][0].User != "alice" || events[RateLimitHit][0].Time.IsZero() {
		t.Errorf("rate limit events = %+v", events[RateLimitHit])
	}
	if len(events[FailedSignIn]) != 0 {
		t.Errorf("failed sign-ins = %+v, want none", events[FailedSignIn])
	}
}
