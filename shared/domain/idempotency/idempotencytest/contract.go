package idempotencytest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/resync/resync/shared/domain/idempotency"
)

// RunStoreContract checks that s behaves as idempotency.Store requires; the
// Redis store and this package's fake both pass it. lapse must let d pass for
// the store (a fake clock, miniredis' FastForward, or a real wait). s must
// hold no record under the keys "contract-*".
func RunStoreContract(t *testing.T, s idempotency.Store, lapse func(d time.Duration)) {
	t.Helper()
	ctx := context.Background()
	expires := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	mine := idempotency.Record{Key: "contract-1", Status: idempotency.StatusInProgress, Token: "t1", PayloadHash: "h", ExpiresAt: expires}
	other := mine
	other.Token = "t2"
	done := other
	done.Status, done.Result = idempotency.StatusCompleted, []byte(`{"ok":true}`)

	if _, err := s.Create(ctx, mine, time.Minute); err != nil {
		t.Fatalf("Create: %v", err)
	}
	got, err := s.Create(ctx, other, time.Minute)
	if !errors.Is(err, idempotency.ErrExists) || got.Token != "t1" || got.Status != mine.Status || !got.ExpiresAt.Equal(expires) {
		t.Errorf("second Create: got %+v, %v; want the first record and ErrExists", got, err)
	}
	steps := []struct {
		name string
		call func() error
		want error
	}{
		{"replace with a stale token", func() error { return s.Replace(ctx, other, other, time.Minute) }, idempotency.ErrConflict},
		{"delete with a stale token", func() error { return s.Delete(ctx, other) }, idempotency.ErrConflict},
		{"replace with the token", func() error { return s.Replace(ctx, mine, done, time.Minute) }, nil},
		{"delete with the old token", func() error { return s.Delete(ctx, mine) }, idempotency.ErrConflict},
	}
	for _, st := range steps {
		if err := st.call(); !errors.Is(err, st.want) {
			t.Errorf("%s: got %v, want %v", st.name, err, st.want)
		}
	}
	got, err = s.Create(ctx, mine, time.Minute)
	if !errors.Is(err, idempotency.ErrExists) || got.Status != idempotency.StatusCompleted || string(got.Result) != `{"ok":true}` {
		t.Errorf("Create after Replace: got %+v, %v; want the completed record and ErrExists", got, err)
	}
	if err := s.Delete(ctx, done); err != nil {
		t.Errorf("delete with the new token: got %v, want nil", err)
	}
	if err := s.Delete(ctx, done); !errors.Is(err, idempotency.ErrConflict) {
		t.Errorf("delete what is gone: got %v, want ErrConflict", err)
	}
	if _, err := s.Create(ctx, mine, time.Minute); err != nil {
		t.Errorf("Create after Delete: got %v, want nil", err)
	}

	// A record lapses after its TTL; Replace resets the TTL.
	short := idempotency.Record{Key: "contract-2", Status: idempotency.StatusInProgress, Token: "t3", PayloadHash: "h", ExpiresAt: expires}
	// (Margins are wide so a slow machine's late wake-ups cannot fail it.)
	if _, err := s.Create(ctx, short, 400*time.Millisecond); err != nil {
		t.Fatalf("Create: %v", err)
	}
	lapse(100 * time.Millisecond)
	if err := s.Replace(ctx, short, short, time.Second); err != nil {
		t.Fatalf("Replace before the TTL: %v", err)
	}
	lapse(400 * time.Millisecond) // past the first TTL, within the second
	if _, err := s.Create(ctx, short, time.Minute); !errors.Is(err, idempotency.ErrExists) {
		t.Errorf("Create within the renewed TTL: got %v, want ErrExists", err)
	}
	lapse(700 * time.Millisecond)
	if _, err := s.Create(ctx, short, time.Minute); err != nil {
		t.Errorf("Create after the TTL: got %v, want nil", err)
	}
	missing := short
	missing.Key = "contract-3"
	if err := s.Replace(ctx, missing, missing, time.Minute); !errors.Is(err, idempotency.ErrConflict) {
		t.Errorf("replace a missing record: got %v, want ErrConflict", err)
	}
}
