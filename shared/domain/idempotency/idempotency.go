// Package idempotency makes an operation run at most once per idempotency key,
// in the manner of Powertools for AWS Lambda: the first caller takes an
// INPROGRESS record, runs the operation and turns the record into COMPLETED
// with the result; duplicates get the stored result replayed.
//
// The protocol lives here and needs only the standard library; the records are
// kept by a Store (the Redis one is package idemstore (shared/adapter/redis/idemstore)). Rules:
//
//   - A record is taken atomically; a concurrent duplicate gets ErrInProgress
//     (callers may wait and try again) and never runs the operation.
//   - The payload's SHA-256 is stored with the record; the same key with a
//     different payload is ErrPayloadMismatch.
//   - An INPROGRESS record lasts for the invocation's remaining time (from the
//     context's deadline), so an attempt that timed out or crashed can be
//     retried once that time has passed.
//   - A failed operation removes its record, so it may be retried at once.
//   - COMPLETED records last Config.Expiry.
//   - It fails closed: when the store cannot be reached, the operation is not
//     run and the error wraps ErrStore.
package idempotency

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Status is the state of a record.
type Status string

// Record states.
const (
	StatusInProgress Status = "INPROGRESS"
	StatusCompleted  Status = "COMPLETED"
)

// Record is what a Store keeps under an idempotency key.
type Record struct {
	Key         string    `json:"key"`
	Status      Status    `json:"status"`
	PayloadHash string    `json:"payloadHash"`
	Result      []byte    `json:"result,omitempty"`
	Token       string    `json:"token"`     // unique per attempt; stores compare it to replace or delete
	ExpiresAt   time.Time `json:"expiresAt"` // INPROGRESS: the attempt's deadline; COMPLETED: end of the replay window
}

// Expired reports whether r no longer counts at time now.
func (r Record) Expired(now time.Time) bool { return !now.Before(r.ExpiresAt) }

// Errors returned by Do, to be tested with errors.Is.
var (
	// ErrInProgress: another attempt with the same key is running.
	ErrInProgress = errors.New("idempotency: an operation with this key is in progress")
	// ErrPayloadMismatch: the key was used before with a different payload.
	ErrPayloadMismatch = errors.New("idempotency: key reused with a different payload")
	// ErrStore: the store failed; the operation was not run, or (when Do also
	// returns a result) it ran but its result could not be saved.
	ErrStore = errors.New("idempotency: store unavailable")
)

// Errors a Store returns.
var (
	// ErrExists: Create found a record under the key (returned with it).
	ErrExists = errors.New("idempotency: record exists")
	// ErrConflict: Replace or Delete found the record changed or gone.
	ErrConflict = errors.New("idempotency: record changed")
)

// InProgressError is the error for a duplicate of a running attempt; it
// matches ErrInProgress and tells when the running attempt's time is up.
type InProgressError struct {
	Key   string
	Until time.Time
}

func (e *InProgressError) Error() string {
	return fmt.Sprintf("idempotency: key %q is in progress until %s", e.Key, e.Until.Format(time.RFC3339Nano))
}

// Is makes errors.Is(err, ErrInProgress) true.
func (e *InProgressError) Is(target error) bool { return target == ErrInProgress }

// Store keeps records. Implementations must make each method atomic.
type Store interface {
	// Create stores r for ttl unless a record exists under r.Key; then it
	// returns that record and ErrExists.
	Create(ctx context.Context, r Record, ttl time.Duration) (Record, error)
	// Replace stores r (same key) for ttl if the stored record still has
	// old's token; else ErrConflict.
	Replace(ctx context.Context, old, r Record, ttl time.Duration) error
	// Delete removes old if the stored record still has its token; else ErrConflict.
	Delete(ctx context.Context, old Record) error
}

// Defaults for zero fields of Config.
const (
	DefaultExpiry           = time.Hour
	DefaultInProgressExpiry = time.Minute
)

// Config configures a Guard.
type Config struct {
	// Expiry is how long a completed result is replayed. Default one hour.
	Expiry time.Duration
	// InProgressExpiry bounds an attempt whose context has no deadline.
	// Default one minute.
	InProgressExpiry time.Duration
	// Now and NewToken are the clock and the attempt-token source; defaults
	// time.Now and 128 random bits.
	Now      func() time.Time
	NewToken func() (string, error)
}

// Guard runs operations at most once per key. It is safe for concurrent use.
type Guard struct {
	store Store
	cfg   Config
}

// New returns a Guard keeping its records in store.
func New(store Store, cfg Config) *Guard {
	if cfg.Expiry <= 0 {
		cfg.Expiry = DefaultExpiry
	}
	if cfg.InProgressExpiry <= 0 {
		cfg.InProgressExpiry = DefaultInProgressExpiry
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewToken == nil {
		cfg.NewToken = randomToken
	}
	return &Guard{store: store, cfg: cfg}
}

func randomToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// Hash returns the hex SHA-256 of payload, as stored in records.
func Hash(payload []byte) string {
	sum := sha256.Sum256(payload)
	return hex.EncodeToString(sum[:])
}

// Outcome is the result of Do.
type Outcome struct {
	Result   []byte
	Replayed bool // true when Result is a stored result and fn did not run
}

// Do runs fn once for key: the first call runs it and stores its result,
// later calls with the same key and payload get that result replayed until
// Config.Expiry has passed.
//
// Do returns, without running fn: ErrPayloadMismatch when key was used with
// another payload; an *InProgressError (errors.Is ErrInProgress) while another
// attempt runs; an error wrapping ErrStore when the store fails (fail closed);
// ctx's error when ctx has no time left; an error for an empty key.
// When fn fails, its record is removed and its error returned, wrapped (a
// panic in fn also removes the record, then carries on up). When
// fn succeeds but its result cannot be stored (the store failed, or the
// attempt outlived its lease and lost the record: ErrConflict), Do returns the
// result together with an error wrapping ErrStore.
func (g *Guard) Do(ctx context.Context, key string, payload []byte, fn func(context.Context) ([]byte, error)) (Outcome, error) {
	if key == "" {
		return Outcome{}, errors.New("idempotency: empty key")
	}
	if err := ctx.Err(); err != nil {
		return Outcome{}, fmt.Errorf("idempotency: %s: %w", key, err)
	}
	now := g.cfg.Now()
	lease := g.cfg.InProgressExpiry
	if d, ok := ctx.Deadline(); ok {
		lease = d.Sub(now)
		if lease <= 0 {
			return Outcome{}, fmt.Errorf("idempotency: %s: %w", key, context.DeadlineExceeded)
		}
	}
	token, err := g.cfg.NewToken()
	if err != nil {
		return Outcome{}, fmt.Errorf("idempotency: %s: new token: %w", key, err)
	}
	rec := Record{
		Key:         key,
		Status:      StatusInProgress,
		PayloadHash: Hash(payload),
		Token:       token,
		ExpiresAt:   now.Add(lease),
	}
	if out, done, err := g.take(ctx, rec, lease, now); done || err != nil {
		return out, err
	}

	result, err := g.run(ctx, rec, fn)
	if err != nil {
		derr := g.release(ctx, rec)
		if derr != nil && !errors.Is(derr, ErrConflict) {
			return Outcome{}, fmt.Errorf("idempotency: %s: run: %w (and releasing the record: %w: %w)", key, err, ErrStore, derr)
		}
		return Outcome{}, fmt.Errorf("idempotency: %s: run: %w", key, err)
	}
	done := rec
	done.Status = StatusCompleted
	done.Result = result
	done.ExpiresAt = g.cfg.Now().Add(g.cfg.Expiry)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := g.store.Replace(sctx, rec, done, g.cfg.Expiry); err != nil {
		return Outcome{Result: result}, fmt.Errorf("idempotency: %s: save result: %w: %w", key, ErrStore, err)
	}
	return Outcome{Result: result}, nil
}

// run calls fn; if fn panics, the record is released before the panic goes
// on up, so that a retry need not wait for the lease to end.
func (g *Guard) run(ctx context.Context, rec Record, fn func(context.Context) ([]byte, error)) ([]byte, error) {
	defer func() {
		if p := recover(); p != nil {
			_ = g.release(ctx, rec) // the panic is what the caller must see
			panic(p)
		}
	}()
	return fn(ctx)
}

// release frees rec's key for a retry; if it fails the record still lapses
// at the end of its lease. It uses a context that outlives a cancelled ctx.
func (g *Guard) release(ctx context.Context, rec Record) error {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return g.store.Delete(dctx, rec)
}

// take claims the key with rec. done is true when the outcome is decided
// without running fn (a replay); err is set when fn must not run.
func (g *Guard) take(ctx context.Context, rec Record, lease time.Duration, now time.Time) (Outcome, bool, error) {
	existing, err := g.store.Create(ctx, rec, lease)
	switch {
	case err == nil:
		return Outcome{}, false, nil
	case !errors.Is(err, ErrExists):
		return Outcome{}, false, fmt.Errorf("idempotency: %s: take record: %w: %w", rec.Key, ErrStore, err)
	}
	if existing.Expired(now) {
		// A lapsed record the store has not dropped yet (clocks differ):
		// take it over, unless someone else just did.
		err := g.store.Replace(ctx, existing, rec, lease)
		switch {
		case err == nil:
			return Outcome{}, false, nil
		case errors.Is(err, ErrConflict):
			return Outcome{}, false, &InProgressError{Key: rec.Key, Until: rec.ExpiresAt}
		default:
			return Outcome{}, false, fmt.Errorf("idempotency: %s: take over lapsed record: %w: %w", rec.Key, ErrStore, err)
		}
	}
	if existing.PayloadHash != rec.PayloadHash {
		return Outcome{}, false, fmt.Errorf("idempotency: %s: %w", rec.Key, ErrPayloadMismatch)
	}
	switch existing.Status {
	case StatusCompleted:
		return Outcome{Result: existing.Result, Replayed: true}, true, nil
	case StatusInProgress:
		return Outcome{}, false, &InProgressError{Key: rec.Key, Until: existing.ExpiresAt}
	}
	return Outcome{}, false, fmt.Errorf("idempotency: %s: record has unknown status %q: %w", rec.Key, existing.Status, ErrStore)
}

// DoWait is Do for callers that would rather wait than get ErrInProgress:
// while another attempt holds the key it checks again every interval, until
// that attempt completes (its result is replayed), fails or lapses (fn then
// runs here), or ctx ends (ctx's error, wrapped). Other outcomes are Do's.
func (g *Guard) DoWait(ctx context.Context, key string, payload []byte, interval time.Duration, fn func(context.Context) ([]byte, error)) (Outcome, error) {
	if interval <= 0 {
		interval = 100 * time.Millisecond
	}
	for {
		out, err := g.Do(ctx, key, payload, fn)
		if !errors.Is(err, ErrInProgress) {
			return out, err
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return Outcome{}, fmt.Errorf("idempotency: %s: waiting for the attempt in progress: %w", key, ctx.Err())
		case <-t.C:
		}
	}
}
