// Package quota is the vocabulary of the per-user rate limits: what is
// limited (Kind), the answer to one request (Decision) and the error a
// refusal becomes (LimitedError, matching ErrLimited). The limiter that
// counts lives in shared/adapter/redis/ratelimit; the services that ask it
// (shared/app/agent, functions/chat) need only these names. It needs only
// the standard library.
package quota

import (
	"errors"
	"fmt"
	"time"
)

// Kind names what is being limited.
type Kind string

// Kinds the chat function limits: one per client frame type, and the
// operator actions that reach HWA.
const (
	KindMessage  Kind = "message"  // new chat messages (a replayed id is not counted)
	KindConfirm  Kind = "confirm"  // confirm frames, refused ones included
	KindCancel   Kind = "cancel"   // cancel frames
	KindFeedback Kind = "feedback" // feedback frames
	KindAuth     Kind = "auth"     // auth frames (re-authentication)
	KindPing     Kind = "ping"     // ping frames
	KindAction   Kind = "action"   // confirmed operator actions sent to HWA
)

// Decision is the answer to one request for an event of a kind.
type Decision struct {
	Allowed    bool
	Remaining  int           // events still allowed right now
	RetryAfter time.Duration // when refused: wait this long before trying again
	ResetAfter time.Duration // when the budget is whole again
	Limit      string        // the rule, e.g. "20 req/m (burst 20)"
}

// ErrLimited is matched by the error of a refused Decision.
var ErrLimited = errors.New("ratelimit: limit reached")

// LimitedError tells a user when they may try again; it matches ErrLimited.
type LimitedError struct {
	Kind       Kind
	RetryAfter time.Duration
}

func (e *LimitedError) Error() string {
	secs := (e.RetryAfter + time.Second - 1) / time.Second // rounded up: never "retry in 0s"
	return fmt.Sprintf("ratelimit: too many %ss; retry in %ds", e.Kind, max(secs, 1))
}

// Is makes errors.Is(err, ErrLimited) true.
func (e *LimitedError) Is(target error) bool { return target == ErrLimited }

// Err returns nil for an allowed decision and a *LimitedError otherwise.
func (d Decision) Err(kind Kind) error {
	if d.Allowed {
		return nil
	}
	return &LimitedError{Kind: kind, RetryAfter: d.RetryAfter}
}
