package notify

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/resync/resync/shared/domain/alert"
)

// Take for memStore: dead letters get their ID as their index when none.
func (m *memStore) Take(_ context.Context, id string) (DeadLetter, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, d := range m.dead {
		if d.ID == id {
			m.dead = append(m.dead[:i], m.dead[i+1:]...)
			return d, nil
		}
	}
	return DeadLetter{}, fmt.Errorf("mem: %s: %w", id, ErrNoDeadLetter)
}

func deadNotifier(t *testing.T, fails int) (*Notifier, *memStore, *scripted) {
	t.Helper()
	store := &memStore{}
	snd := &scripted{fails: map[string]int{"slack": fails}, err: errors.New("status 500")}
	n := &Notifier{Channels: []Channel{{Destination: alert.Destination{ID: "slack", Kind: Slack, URL: "https://s"}, Rules: []Rule{{}}}},
		Sender: snd, Store: store, Attempts: 2, Sleep: func(context.Context, time.Duration) error { return nil }}
	a := Alert{Key: "event:job_abended:J1", Kind: "job_abended", Severity: Critical, Title: "Job abended: PAY"}
	rep, err := n.Notify(context.Background(), []Alert{a})
	if err != nil || rep.Dead != 1 {
		t.Fatalf("Notify = %+v, %v; want one dead letter", rep, err)
	}
	store.dead[0].ID = "dl-1"
	return n, store, snd
}

func TestReplaySendsOnceAndKeepsTheClaim(t *testing.T) {
	n, store, snd := deadNotifier(t, 2) // both attempts of the first delivery fail
	ctx := context.Background()
	got, err := n.Replay(ctx, store, "dl-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Channel != "slack" || got.Key != "event:job_abended:J1" || got.Attempts != 1 {
		t.Errorf("Replay = %+v", got)
	}
	if len(snd.sent) != 1 || len(store.dead) != 0 {
		t.Errorf("sent %v, dead %+v; want one send and no dead letter", snd.sent, store.dead)
	}
	if _, err := n.Replay(ctx, store, "dl-1"); !errors.Is(err, ErrNoDeadLetter) {
		t.Errorf("second replay: %v, want ErrNoDeadLetter", err)
	}
	// The claim still holds: the monitor seeing the alert again sends nothing.
	rep, err := n.Notify(ctx, []Alert{{Key: "event:job_abended:J1", Kind: "job_abended", Severity: Critical}})
	if err != nil || rep.Duplicate != 1 || len(snd.sent) != 1 {
		t.Errorf("Notify after the replay = %+v, %v, sent %v", rep, err, snd.sent)
	}
}

func TestFailedReplayGoesBack(t *testing.T) {
	n, store, snd := deadNotifier(t, 4) // the delivery and the replay fail
	_, err := n.Replay(context.Background(), store, "dl-1")
	if !errors.Is(err, ErrReplayFailed) {
		t.Fatalf("Replay = %v, want ErrReplayFailed", err)
	}
	if len(store.dead) != 1 || store.dead[0].ID != "dl-1" || store.dead[0].Replays != 1 || store.dead[0].Attempts != 4 {
		t.Errorf("dead letter after a failed replay: %+v", store.dead)
	}
	if len(snd.sent) != 0 {
		t.Errorf("sent %v", snd.sent)
	}
	// Its channel gone, it stays a dead letter.
	n.Channels = nil
	if _, err := n.Replay(context.Background(), store, "dl-1"); !errors.Is(err, ErrNoChannel) || len(store.dead) != 1 {
		t.Errorf("replay without its channel: %v, dead %d", err, len(store.dead))
	}
}
