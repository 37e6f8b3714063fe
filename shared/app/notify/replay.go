package notify

import (
	"context"
	"errors"
	"fmt"

	"github.com/resync/resync/shared/domain/alert"
)

// DeadLetters gives dead letters back for a replay (*alertstore.Store).
type DeadLetters interface {
	// Take removes a dead letter from the list and returns it; of two
	// concurrent takes only one gets it (the other: ErrNoDeadLetter).
	Take(ctx context.Context, id string) (DeadLetter, error)
	// Dead records a dead letter (one put back keeps its ID).
	Dead(ctx context.Context, d DeadLetter) error
}

// Errors of Replay.
var (
	// ErrNoDeadLetter is alert.ErrNoDeadLetter: unknown, or already
	// replayed.
	ErrNoDeadLetter = alert.ErrNoDeadLetter
	// ErrNoChannel means the dead letter's channel is not configured any
	// more (its webhook was removed): it stays a dead letter.
	ErrNoChannel = errors.New("notify: the dead letter's channel is not configured")
	// ErrReplayFailed means the replay was not delivered either: the dead
	// letter is back in the list with the new error.
	ErrReplayFailed = errors.New("notify: replay not delivered")
)

// Replayed is what a successful replay did.
type Replayed struct {
	ID       string `json:"id"`
	Channel  string `json:"channel"`
	Key      string `json:"key"`
	Attempts int    `json:"attempts"`
}

// Replay sends the dead letter id once more to its channel, with the
// notifier's retries. It takes the letter out of store first, so a letter
// is sent by one replay only, however many run at once; the alert's
// delivery claim is left as it is, so the monitor never sends it again
// either. A letter that still cannot be delivered goes back to the list
// (Replays counted, the new error kept) and Replay returns an error
// wrapping ErrReplayFailed; ErrNoDeadLetter and ErrNoChannel as above.
func (n *Notifier) Replay(ctx context.Context, store DeadLetters, id string) (Replayed, error) {
	d, err := store.Take(ctx, id)
	if err != nil {
		return Replayed{}, fmt.Errorf("notify: replay %s: %w", id, err)
	}
	putBack := func(cause error) error {
		if perr := store.Dead(context.WithoutCancel(ctx), d); perr != nil {
			return fmt.Errorf("notify: replay %s: %w; putting it back failed too, so it is lost: %w", id, cause, perr)
		}
		return fmt.Errorf("notify: replay %s: %w", id, cause)
	}
	var ch *Channel
	for i := range n.Channels {
		if n.Channels[i].ID == d.Channel {
			ch = &n.Channels[i]
		}
	}
	if ch == nil {
		return Replayed{}, putBack(ErrNoChannel)
	}
	attempts, err := n.send(ctx, ch.Destination, d.Alert)
	if err != nil {
		d.Attempts += attempts
		d.Replays++
		d.Error = err.Error()
		d.At = n.now().UTC()
		return Replayed{}, putBack(fmt.Errorf("%w: %w", ErrReplayFailed, err))
	}
	return Replayed{ID: d.ID, Channel: d.Channel, Key: d.Key, Attempts: attempts}, nil
}
