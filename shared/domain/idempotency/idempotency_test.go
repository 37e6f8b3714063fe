package idempotency_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resync/resync/shared/domain/idempotency"
	"github.com/resync/resync/shared/domain/idempotency/idempotencytest"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

// newClock starts at the real time: some tests give a real context deadline
// computed from the fake clock, which must not already be in the past.
func newClock() *clock { return &clock{now: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// op counts its runs and returns result or err.
type op struct {
	runs   atomic.Int64
	result string
	err    error
}

func (o *op) run(context.Context) ([]byte, error) {
	o.runs.Add(1)
	if o.err != nil {
		return nil, o.err
	}
	return []byte(o.result), nil
}

func setup(t *testing.T) (*idempotency.Guard, *idempotencytest.Store, *clock) {
	t.Helper()
	c := newClock()
	s := idempotencytest.New(c.Now)
	g := idempotency.New(s, idempotency.Config{Expiry: time.Hour, InProgressExpiry: 30 * time.Second, Now: c.Now})
	return g, s, c
}

func TestReplay(t *testing.T) {
	g, s, _ := setup(t)
	o := &op{result: "done"}
	ctx := context.Background()
	for i, wantReplayed := range []bool{false, true, true} {
		out, err := g.Do(ctx, "msg-1", []byte(`{"text":"hi"}`), o.run)
		if err != nil || string(out.Result) != "done" || out.Replayed != wantReplayed {
			t.Errorf("call %d: got %q replayed %v, %v; want \"done\" replayed %v, nil", i, out.Result, out.Replayed, err, wantReplayed)
		}
	}
	if got := o.runs.Load(); got != 1 {
		t.Errorf("runs: got %d, want 1", got)
	}
	r, ok := s.Get("msg-1")
	if !ok || r.Status != idempotency.StatusCompleted || r.PayloadHash != idempotency.Hash([]byte(`{"text":"hi"}`)) {
		t.Errorf("record: got %+v (found %v), want COMPLETED with the payload's hash", r, ok)
	}
}

func TestPayloadMismatch(t *testing.T) {
	tests := []struct {
		name     string
		complete bool
	}{
		{"completed", true},
		{"in progress", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, _, _ := setup(t)
			ctx := context.Background()
			release := make(chan struct{})
			started := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() {
				g.Do(ctx, "k", []byte("a"), func(context.Context) ([]byte, error) {
					close(started)
					if !tt.complete {
						<-release
					}
					return []byte("r"), nil
				})
			})
			<-started
			if tt.complete {
				wg.Wait()
			}
			o := &op{}
			_, err := g.Do(ctx, "k", []byte("b"), o.run)
			if !errors.Is(err, idempotency.ErrPayloadMismatch) {
				t.Errorf("got %v, want ErrPayloadMismatch", err)
			}
			if o.runs.Load() != 0 {
				t.Errorf("the mismatched call ran")
			}
			close(release)
			wg.Wait()
		})
	}
}

func TestInProgress(t *testing.T) {
	g, _, c := setup(t)
	ctx, cancel := context.WithDeadline(context.Background(), c.Now().Add(10*time.Second))
	defer cancel()
	release := make(chan struct{})
	started := make(chan struct{})
	var wg sync.WaitGroup
	var firstErr error
	done := make(chan struct{})
	wg.Go(func() {
		defer close(done)
		_, firstErr = g.Do(ctx, "k", []byte("p"), func(context.Context) ([]byte, error) {
			close(started)
			<-release
			return []byte("r"), nil
		})
	})
	select {
	case <-started:
	case <-done:
		t.Fatalf("the first call ended without running: %v", firstErr)
	}
	o := &op{}
	_, err := g.Do(context.Background(), "k", []byte("p"), o.run)
	var ip *idempotency.InProgressError
	if !errors.Is(err, idempotency.ErrInProgress) || !errors.As(err, &ip) {
		t.Fatalf("got %v, want an *InProgressError", err)
	}
	if want := c.Now().Add(10 * time.Second); !ip.Until.Equal(want) {
		t.Errorf("until: got %v, want the first attempt's deadline %v", ip.Until, want)
	}
	close(release)
	wg.Wait()
	if firstErr != nil || o.runs.Load() != 0 {
		t.Errorf("got first error %v and %d duplicate runs, want nil and 0", firstErr, o.runs.Load())
	}
}

// An attempt that never finished (a timeout or a crash) blocks its key only
// for the invocation's remaining time.
func TestLapsedAttemptIsRetried(t *testing.T) {
	tests := []struct {
		name     string
		deadline time.Duration // 0: no deadline, InProgressExpiry applies
		wait     time.Duration
		wantRun  bool
	}{
		{"before the deadline", 5 * time.Second, 4 * time.Second, false},
		{"at the deadline", 5 * time.Second, 5 * time.Second, true},
		{"no deadline, before the default", 0, 29 * time.Second, false},
		{"no deadline, after the default", 0, 31 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, _, c := setup(t)
			ctx := context.Background()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, c.Now().Add(tt.deadline))
				defer cancel()
			}
			stuck := make(chan struct{})
			started := make(chan struct{})
			var wg sync.WaitGroup
			var stuckErr error
			wg.Go(func() {
				_, stuckErr = g.Do(ctx, "k", []byte("p"), func(context.Context) ([]byte, error) {
					close(started)
					<-stuck // ignores its context, as a hung call would
					return []byte("late"), nil
				})
			})
			<-started
			c.Advance(tt.wait)
			o := &op{result: "retry"}
			out, err := g.Do(context.Background(), "k", []byte("p"), o.run)
			if ran := o.runs.Load() == 1; ran != tt.wantRun {
				t.Errorf("retry ran: got %v, want %v (err %v)", ran, tt.wantRun, err)
			}
			if tt.wantRun && (err != nil || string(out.Result) != "retry") {
				t.Errorf("retry: got %q, %v; want \"retry\", nil", out.Result, err)
			}
			if !tt.wantRun && !errors.Is(err, idempotency.ErrInProgress) {
				t.Errorf("retry: got %v, want ErrInProgress", err)
			}
			close(stuck)
			wg.Wait()
			// The hung attempt lost its record: it must not overwrite the retry's.
			if tt.wantRun && !errors.Is(stuckErr, idempotency.ErrConflict) {
				t.Errorf("hung attempt: got %v, want ErrConflict", stuckErr)
			}
		})
	}
}

func TestFailedRunCanBeRetried(t *testing.T) {
	g, s, _ := setup(t)
	boom := errors.New("hwa refused")
	o := &op{err: boom}
	if _, err := g.Do(context.Background(), "k", []byte("p"), o.run); !errors.Is(err, boom) {
		t.Fatalf("got %v, want %v", err, boom)
	}
	if _, ok := s.Get("k"); ok {
		t.Errorf("record kept after a failed run, want it removed")
	}
	o.err, o.result = nil, "ok"
	if out, err := g.Do(context.Background(), "k", []byte("p"), o.run); err != nil || out.Replayed || string(out.Result) != "ok" {
		t.Errorf("retry: got %+v, %v; want a fresh \"ok\"", out, err)
	}
	if got := o.runs.Load(); got != 2 {
		t.Errorf("runs: got %d, want 2", got)
	}
}

func TestPanicReleasesTheKey(t *testing.T) {
	g, s, _ := setup(t)
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the panic \"boom\" to go on up", p)
			}
		}()
		g.Do(context.Background(), "k", []byte("p"), func(context.Context) ([]byte, error) { panic("boom") })
	}()
	if _, ok := s.Get("k"); ok {
		t.Errorf("record kept after a panic, want it removed")
	}
}

func TestCompletedExpires(t *testing.T) {
	g, _, c := setup(t)
	o := &op{result: "r"}
	g.Do(context.Background(), "k", []byte("p"), o.run)
	c.Advance(59 * time.Minute)
	g.Do(context.Background(), "k", []byte("p"), o.run)
	if got := o.runs.Load(); got != 1 {
		t.Errorf("runs within the expiry: got %d, want 1", got)
	}
	c.Advance(time.Minute)
	out, err := g.Do(context.Background(), "k", []byte("p"), o.run)
	if got := o.runs.Load(); got != 2 || err != nil || out.Replayed {
		t.Errorf("after the expiry: got %d runs, replayed %v, %v; want 2, false, nil", got, out.Replayed, err)
	}
}

func TestFailsClosed(t *testing.T) {
	g, s, _ := setup(t)
	s.SetDown(true)
	o := &op{result: "r"}
	_, err := g.Do(context.Background(), "k", []byte("p"), o.run)
	if !errors.Is(err, idempotency.ErrStore) || !errors.Is(err, idempotencytest.ErrDown) {
		t.Errorf("got %v, want ErrStore wrapping ErrDown", err)
	}
	if o.runs.Load() != 0 {
		t.Errorf("ran with the store down")
	}
}

func TestResultNotSaved(t *testing.T) {
	g, s, _ := setup(t)
	out, err := g.Do(context.Background(), "k", []byte("p"), func(context.Context) ([]byte, error) {
		s.SetDown(true)
		return []byte("r"), nil
	})
	if !errors.Is(err, idempotency.ErrStore) || string(out.Result) != "r" {
		t.Errorf("got %q, %v; want the result \"r\" and ErrStore", out.Result, err)
	}
}

func TestEmptyKey(t *testing.T) {
	g, _, _ := setup(t)
	o := &op{}
	if _, err := g.Do(context.Background(), "", []byte("p"), o.run); err == nil || o.runs.Load() != 0 {
		t.Errorf("empty key: got %v after %d runs, want an error and no run", err, o.runs.Load())
	}
}

func TestContextWithoutTime(t *testing.T) {
	g, _, c := setup(t)
	ctx, cancel := context.WithDeadline(context.Background(), c.Now().Add(-time.Second))
	defer cancel()
	o := &op{}
	if _, err := g.Do(ctx, "k", []byte("p"), o.run); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want DeadlineExceeded", err)
	}
	if o.runs.Load() != 0 {
		t.Errorf("ran without time left")
	}
}

// A record the store still holds after its own time is up (the store's clock
// lags the guard's) is taken over, once.
func TestTakeOverLapsedRecord(t *testing.T) {
	c := newClock()
	storeClock := newClock()
	s := idempotencytest.New(storeClock.Now)
	g := idempotency.New(s, idempotency.Config{Now: c.Now})
	lapsed := idempotency.Record{Key: "k", Status: idempotency.StatusInProgress, PayloadHash: idempotency.Hash([]byte("p")), Token: "old", ExpiresAt: c.Now().Add(time.Second)}
	if _, err := s.Create(context.Background(), lapsed, time.Hour); err != nil {
		t.Fatal(err)
	}
	c.Advance(2 * time.Second)
	o := &op{result: "r"}
	if out, err := g.Do(context.Background(), "k", []byte("p"), o.run); err != nil || string(out.Result) != "r" || o.runs.Load() != 1 {
		t.Errorf("got %q, %v after %d runs; want \"r\", nil after 1", out.Result, err, o.runs.Load())
	}
}

func TestDoWait(t *testing.T) {
	g, _, _ := setup(t)
	release, started := make(chan struct{}), make(chan struct{})
	var runs atomic.Int64
	fn := func(context.Context) ([]byte, error) {
		if runs.Add(1) == 1 {
			close(started)
			<-release
		}
		return []byte("r"), nil
	}
	go g.Do(context.Background(), "k", []byte("p"), fn)
	<-started
	time.AfterFunc(30*time.Millisecond, func() { close(release) })
	out, err := g.DoWait(context.Background(), "k", []byte("p"), 5*time.Millisecond, fn)
	if err != nil || !out.Replayed || string(out.Result) != "r" || runs.Load() != 1 {
		t.Errorf("got %+v, %v after %d runs; want the replayed \"r\" after 1", out, err, runs.Load())
	}

	// Waiting ends with the caller's context (real time here, as the
	// deadline is real).
	g = idempotency.New(idempotencytest.New(nil), idempotency.Config{})
	block, started2 := make(chan struct{}), make(chan struct{})
	defer close(block)
	go g.Do(context.Background(), "k2", []byte("p"), func(context.Context) ([]byte, error) {
		close(started2)
		<-block
		return nil, nil
	})
	<-started2
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	before := runs.Load()
	_, err = g.DoWait(ctx, "k2", []byte("p"), 5*time.Millisecond, fn)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting past the deadline: got %v, want DeadlineExceeded", err)
	}
	if runs.Load() != before {
		t.Errorf("fn ran while another attempt held the key")
	}
}
