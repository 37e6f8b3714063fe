// Package notify decides which alerts go to which chat channel (Microsoft
// Teams, Slack) and delivers each alert once per channel.
//
// An Alert comes from the plan monitor's events (FromEvent), from the audit
// of executed actions (FromAction) or from the shift handover. Rules (a JSON
// file like agents.json, see rules.go) route it by severity, kind, job
// stream and workstation. Delivery is exactly-once per channel across
// overlapping runs: before sending, the Notifier claims the key
// "<channel>:<alert key>" in its Store (Redis SET NX with a TTL), and only
// the run that claimed it sends. A send is retried with exponential backoff
// while its error is transient; an alert that still cannot be delivered is
// written to the Store's bounded dead-letter list and its claim is kept, so
// it is never sent twice — the dead letter is the record of what was lost.
// Replay (replay.go) sends a dead letter once more: it takes the letter out
// of the list first, so one replay of many sends it, and puts it back when
// the channel refuses it again.
//
// The package decides; it does no I/O itself. Sender (package webhook) posts
// the payload, Store (package redis/alertstore) keeps claims and dead
// letters.
package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/resync/resync/shared/domain/alert"
)

// The alert vocabulary, from the domain.
type (
	Alert   = alert.Alert
	Fact    = alert.Fact
	Section = alert.Section
	Line    = alert.Line
	Action  = alert.Action
	// DeadLetter is alert.DeadLetter.
	DeadLetter = alert.DeadLetter
)

// Severities and channel kinds, from the domain.
const (
	Info     = alert.Info
	Warning  = alert.Warning
	Critical = alert.Critical
	Teams    = alert.Teams
	Slack    = alert.Slack
)

// severityRank orders severities; an unknown severity ranks as Info.
func severityRank(s string) int {
	switch s {
	case Critical:
		return 2
	case Warning:
		return 1
	default:
		return 0
	}
}

// Channel is one destination with its routing rules.
type Channel struct {
	alert.Destination
	Rules []Rule
}

// Sender posts an alert to a destination (*webhook.Sender). An error
// wrapping ErrPermanent is not retried.
type Sender interface {
	Send(ctx context.Context, d alert.Destination, a Alert) error
}

// ErrPermanent is alert.ErrPermanent.
var ErrPermanent = alert.ErrPermanent

// Store keeps delivery claims and dead letters (*alertstore.Store).
type Store interface {
	// Claim reports whether key was not claimed yet, claiming it for ttl.
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Dead records a dead letter.
	Dead(ctx context.Context, d DeadLetter) error
}

// Defaults of a Notifier.
const (
	DefaultAttempts = 4
	DefaultBackoff  = 500 * time.Millisecond
	DefaultClaimTTL = 72 * time.Hour
)

// Notifier routes and delivers alerts. It is safe for concurrent use and
// never written after construction.
type Notifier struct {
	Channels []Channel
	Sender   Sender
	Store    Store
	// Console is the web console's origin (CONSOLE_URL), which makes alert
	// links absolute; empty leaves them as they are.
	Console string
	// Attempts per channel (default DefaultAttempts); the wait before
	// attempt n+1 is Backoff·2ⁿ⁻¹ (default DefaultBackoff).
	Attempts int
	Backoff  time.Duration
	ClaimTTL time.Duration
	// Sleep waits d or until ctx is done (tests make it instant).
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
}

// Report is what one Notify call did.
type Report struct {
	Sent      int `json:"sent"`      // (alert, channel) pairs delivered
	Duplicate int `json:"duplicate"` // pairs already claimed by another run
	Dead      int `json:"dead"`      // pairs written to the dead-letter list
}

// Notify delivers each alert to every channel whose rules match it, once
// per channel. It returns the Store's errors (then the alert was not sent
// on that channel) joined; a delivery that failed is a dead letter, not an
// error, unless the dead letter could not be written either.
func (n *Notifier) Notify(ctx context.Context, alerts []Alert) (Report, error) {
	var rep Report
	var errs []error
	for _, a := range alerts {
		a = n.absolute(a)
		for _, ch := range n.Channels {
			if !Match(ch.Rules, a) {
				continue
			}
			fresh, err := n.Store.Claim(ctx, ch.ID+":"+a.Key, n.claimTTL())
			if err != nil {
				errs = append(errs, fmt.Errorf("notify: claim %s on %s: %w", a.Key, ch.ID, err))
				continue
			}
			if !fresh {
				rep.Duplicate++
				continue
			}
			attempts, err := n.send(ctx, ch.Destination, a)
			if err == nil {
				rep.Sent++
				continue
			}
			rep.Dead++
			d := DeadLetter{Channel: ch.ID, Key: a.Key, Kind: a.Kind, Title: a.Title, Attempts: attempts,
				Error: err.Error(), At: n.now().UTC(), Alert: a}
			if derr := n.Store.Dead(context.WithoutCancel(ctx), d); derr != nil {
				errs = append(errs, fmt.Errorf("notify: dead-letter %s on %s: %w (delivery: %w)", a.Key, ch.ID, derr, err))
			}
		}
	}
	return rep, errors.Join(errs...)
}

// send tries ch up to Attempts times and returns the attempts made and the
// last error.
func (n *Notifier) send(ctx context.Context, ch alert.Destination, a Alert) (int, error) {
	attempts := n.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	wait := n.Backoff
	if wait <= 0 {
		wait = DefaultBackoff
	}
	var err error
	for i := 1; ; i++ {
		if err = n.Sender.Send(ctx, ch, a); err == nil {
			return i, nil
		}
		if errors.Is(err, ErrPermanent) || i == attempts || ctx.Err() != nil {
			return i, err
		}
		if serr := n.sleep(ctx, wait); serr != nil {
			return i, err
		}
		wait *= 2
	}
}

func (n *Notifier) sleep(ctx context.Context, d time.Duration) error {
	if n.Sleep != nil {
		return n.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (n *Notifier) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
}

func (n *Notifier) claimTTL() time.Duration {
	if n.ClaimTTL > 0 {
		return n.ClaimTTL
	}
	return DefaultClaimTTL
}

// absolute makes the alert's links absolute with the console origin.
func (n *Notifier) absolute(a Alert) Alert {
	a.Link = n.URL(a.Link)
	if len(a.Sections) > 0 {
		secs := make([]Section, len(a.Sections))
		for i, s := range a.Sections {
			lines := make([]Line, len(s.Lines))
			for j, l := range s.Lines {
				l.Link = n.URL(l.Link)
				lines[j] = l
			}
			secs[i] = Section{Title: s.Title, Lines: lines}
		}
		a.Sections = secs
	}
	return a
}

// URL returns the console address of path: path itself when it is absolute
// or no console origin is configured.
func (n *Notifier) URL(path string) string {
	if path == "" || n.Console == "" || !strings.HasPrefix(path, "/") {
		return path
	}
	return strings.TrimRight(n.Console, "/") + path
}
