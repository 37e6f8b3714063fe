package monitorstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/domain/frames"
)

func newStore(t *testing.T) (*Store, *miniredis.Miniredis) {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	return New(rdb), mr
}

func TestView(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	if b, ok, err := s.View(ctx); err != nil || ok || b != nil {
		t.Fatalf("View of an empty store = %q, %v, %v; want nil, false, nil", b, ok, err)
	}
	if err := s.SaveView(ctx, []byte(`{"at":"x"}`)); err != nil {
		t.Fatal(err)
	}
	b, ok, err := s.View(ctx)
	if err != nil || !ok || string(b) != `{"at":"x"}` {
		t.Fatalf("View = %q, %v, %v; want the saved view", b, ok, err)
	}
}

func TestClaimOnce(t *testing.T) {
	ctx := context.Background()
	s, mr := newStore(t)
	for i, want := range []bool{true, false} {
		got, err := s.Claim(ctx, "job_abended:j1:r1")
		if err != nil || got != want {
			t.Errorf("claim %d = %v, %v; want %v", i, got, err, want)
		}
	}
	if ttl := mr.TTL("monitor:sent:job_abended:j1:r1"); ttl != dedupeTTL {
		t.Errorf("TTL of a delivered key = %v, want %v", ttl, dedupeTTL)
	}
}

func TestRecentNewestFirstAndCapped(t *testing.T) {
	ctx := context.Background()
	s, mr := newStore(t)
	s.keep = 3
	for i := range 5 {
		if err := s.Record(ctx, frames.Event{Type: frames.TypeEvent, Kind: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	mr.Lpush("monitor:recent", "not json")
	got, err := s.Recent(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range got {
		kinds = append(kinds, e.Kind)
	}
	if fmt.Sprint(kinds) != "[4 3]" {
		t.Errorf("recent kinds = %v, want [4 3] (newest first, capped at 3 with the foreign value skipped)", kinds)
	}
}

func TestErrorsAreWrapped(t *testing.T) {
	ctx := context.Background()
	s, mr := newStore(t)
	mr.Close()
	if _, _, err := s.View(ctx); err == nil {
		t.Error("View with Redis down: no error")
	}
	if _, err := s.Claim(ctx, "k"); err == nil {
		t.Error("Claim with Redis down: no error")
	}
}
