// Package compliance builds the report an auditor asks for over a period of
// days: the actions carried out, by user, with their justification and
// ticket; the refused attempts; the security events; the proposals that
// expired unconfirmed; and whether each day's audit chain verifies. It reads
// the durable audit trail (s3audit, through Trail) — not the Redis index,
// which is bounded — and renders the report as CSV (WriteCSV) or as a
// printable HTML page (WriteHTML).
//
// Security events come from the security log, which lives in Redis and
// keeps only the most recent events of each kind; the report says so.
package compliance

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/resync/resync/shared/domain/secevent"
	"github.com/resync/resync/shared/domain/trail"
)

// Trail is the durable audit trail (*s3audit.Trail).
type Trail interface {
	Walk(ctx context.Context, day string, fn func(trail.Entry) error) (trail.Verification, error)
}

// Security is the security log (*security.Log).
type Security interface {
	Recent(ctx context.Context, n int) (map[secevent.Kind][]secevent.Event, map[secevent.Kind]int64, error)
}

// Bounds of a report.
const (
	MaxDays = 31     // days in one period
	MaxRows = 20_000 // rows over every section; past it the report is truncated
)

// ErrInvalid is returned (as a *PeriodError) for a bad or too long period.
var ErrInvalid = errors.New("compliance: invalid period")

// PeriodError says what is wrong with a period; Reason is safe to show.
type PeriodError struct{ Reason string }

func (e *PeriodError) Error() string        { return ErrInvalid.Error() + ": " + e.Reason }
func (e *PeriodError) Is(target error) bool { return target == ErrInvalid }

func invalid(format string, args ...any) error {
	return &PeriodError{Reason: fmt.Sprintf(format, args...)}
}

// Report is the compliance report of the days From to To, inclusive (UTC).
type Report struct {
	From, To    string // YYYY-MM-DD
	GeneratedAt time.Time
	Actions     []trail.Entry // carried out (or attempted and failed), by user then time
	Refused     []trail.Entry // refused attempts, by time
	Expired     []trail.Entry // proposals never confirmed nor canceled before their expiry
	Security    []secevent.Event
	// SecurityNote says where the security events come from and their bound.
	SecurityNote string
	Chains       []trail.Verification // one per day
	ChainsOK     bool                 // every day verifies
	Truncated    bool                 // MaxRows reached: some rows are left out
}

// Period parses and checks a period: from and to are YYYY-MM-DD, from not
// after to, at most MaxDays days, not in the future of now. It returns a
// *PeriodError (errors.Is ErrInvalid) that says what is wrong.
func Period(from, to string, now time.Time) (time.Time, time.Time, error) {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	switch {
	case err1 != nil || err2 != nil:
		return time.Time{}, time.Time{}, invalid("from and to must be days such as 2026-12-01")
	case t.Before(f):
		return time.Time{}, time.Time{}, invalid("from %s is after to %s", from, to)
	case t.Sub(f) >= MaxDays*24*time.Hour:
		return time.Time{}, time.Time{}, invalid("a report covers at most %d days", MaxDays)
	case f.After(now.UTC()):
		return time.Time{}, time.Time{}, invalid("from %s is in the future", from)
	}
	return f, t, nil
}

// Build reads the trail day by day (and the day after the period, when it
// has begun, to see which proposals of the period's last minutes were
// confirmed) and the security log, and returns the report. Errors: ErrInvalid
// (see Period), and the trail's or the security log's, wrapped.
func Build(ctx context.Context, durable Trail, sec Security, from, to string, now time.Time) (Report, error) {
	f, t, err := Period(from, to, now)
	if err != nil {
		return Report{}, err
	}
	now = now.UTC()
	r := Report{From: from, To: to, GeneratedAt: now, ChainsOK: true}
	rows := 0
	add := func(list *[]trail.Entry, e trail.Entry) {
		if rows >= MaxRows {
			r.Truncated = true
			return
		}
		rows++
		*list = append(*list, e)
	}
	var proposals []trail.Entry
	resolved := map[string]bool{}
	end := t.Add(24 * time.Hour)
	for d := f; !d.After(t); d = d.Add(24 * time.Hour) {
		day := d.Format(time.DateOnly)
		v, err := durable.Walk(ctx, day, func(e trail.Entry) error {
			switch kind(e) {
			case kindProposal:
				proposals = append(proposals, e)
			case kindResolves:
				resolved[e.ProposalID] = true
			case kindRefused:
				add(&r.Refused, e)
			case kindAction:
				add(&r.Actions, e)
			}
			return nil
		})
		if err != nil {
			return Report{}, fmt.Errorf("compliance: day %s: %w", day, err)
		}
		r.Chains = append(r.Chains, v)
		r.ChainsOK = r.ChainsOK && v.OK
	}
	if !end.After(now) {
		_, err := durable.Walk(ctx, end.Format(time.DateOnly), func(e trail.Entry) error {
			if kind(e) == kindResolves {
				resolved[e.ProposalID] = true
			}
			return nil
		})
		if err != nil {
			return Report{}, fmt.Errorf("compliance: day after the period: %w", err)
		}
	}
	for _, p := range proposals {
		if !resolved[p.ProposalID] && !p.ExpiresAt.IsZero() && !p.ExpiresAt.After(now) {
			add(&r.Expired, p)
		}
	}
	sort.SliceStable(r.Actions, func(i, j int) bool { return r.Actions[i].User < r.Actions[j].User })

	events, _, err := sec.Recent(ctx, secevent.DefaultKeep)
	if err != nil {
		return Report{}, fmt.Errorf("compliance: security events: %w", err)
	}
	for _, k := range secevent.Kinds() {
		for _, ev := range events[k] {
			if !ev.Time.Before(f) && ev.Time.Before(end) {
				if rows >= MaxRows {
					r.Truncated = true
					break
				}
				rows++
				r.Security = append(r.Security, ev)
			}
		}
	}
	sort.SliceStable(r.Security, func(i, j int) bool { return r.Security[i].Time.Before(r.Security[j].Time) })
	r.SecurityNote = fmt.Sprintf("from the security log in Redis, which keeps the last %d events of each kind; older events of the period are not included", secevent.DefaultKeep)
	return r, nil
}

type entryKind int

const (
	kindOther    entryKind = iota
	kindProposal           // a proposal made
	kindResolves           // a confirm accepted or a cancel: the proposal did not expire
	kindRefused
	kindAction
)

func kind(e trail.Entry) entryKind {
	switch {
	case strings.HasPrefix(e.Result, "refused"):
		return kindRefused
	case strings.HasPrefix(e.Action, "proposal:"):
		if e.Result == "proposed" && e.ProposalID != "" {
			return kindProposal
		}
		return kindOther
	case e.Action == "confirm" && e.Result == "accepted", e.Action == "cancel" && strings.HasSuffix(e.Result, "canceled"):
		if e.ProposalID != "" {
			return kindResolves
		}
		return kindOther
	case e.Action == "confirm", e.Action == "cancel":
		return kindOther // replays
	}
	return kindAction
}
