package idempotencytest

import (
	"sync"
	"testing"
	"time"
)

func TestStoreContract(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	lapse := func(d time.Duration) {
		mu.Lock()
		now = now.Add(d)
		mu.Unlock()
	}
	RunStoreContract(t, New(clock), lapse)
}
