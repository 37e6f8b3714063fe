package alertstore

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/domain/alert"
)

func newStore(t *testing.T, max int) *Store {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	return New(rdb, "", max)
}

func TestClaimIsOnce(t *testing.T) {
	s := newStore(t, 0)
	ctx := context.Background()
	for i, want := range []bool{true, false} {
		got, err := s.Claim(ctx, "ops-teams:event:x", time.Hour)
		if err != nil || got != want {
			t.Errorf("claim %d = %v, %v; want %v", i, got, err, want)
		}
	}
}

func TestDeadLettersAreListedAndTakenOnce(t *testing.T) {
	s := newStore(t, 3)
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c", "d"} {
		if err := s.Dead(ctx, alert.DeadLetter{Channel: "ops-slack", Key: k, Attempts: 4, Error: "status 500"}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.DeadLetters(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].Key != "d" || list[2].Key != "b" {
		t.Fatalf("list (bound 3, newest first): %+v", list)
	}
	ids := map[string]bool{}
	for _, d := range list {
		if d.ID == "" || ids[d.ID] {
			t.Errorf("dead letter %s: id %q missing or repeated", d.Key, d.ID)
		}
		ids[d.ID] = true
	}
	// Eight concurrent takes of one letter: exactly one gets it.
	var wg sync.WaitGroup
	var mu sync.Mutex
	got, missing := 0, 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := s.Take(ctx, list[1].ID)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && d.Key == "c":
				got++
			case errors.Is(err, alert.ErrNoDeadLetter):
				missing++
			default:
				t.Errorf("take: %+v, %v", d, err)
			}
		}()
	}
	wg.Wait()
	if got != 1 || missing != 7 {
		t.Errorf("takes: %d got it, %d did not; want 1 and 7", got, missing)
	}
	// Put back (a failed replay) it keeps its id.
	taken := list[1]
	taken.Replays++
	if err := s.Dead(ctx, taken); err != nil {
		t.Fatal(err)
	}
	list, _ = s.DeadLetters(ctx, 0)
	if len(list) != 3 || list[0].ID != taken.ID || list[0].Replays != 1 {
		t.Errorf("after the put-back: %+v", list)
	}
	if _, err := s.Take(ctx, "dl-unknown"); !errors.Is(err, alert.ErrNoDeadLetter) {
		t.Errorf("take of an unknown id: %v", err)
	}
}
