// Package handover writes the shift handover: what happened since a shift
// boundary — failures and recoveries, the actions operators took with who
// and which justification, what is still late or at risk, and the prompts
// jobs wait on — with every line citing the job or the audit record it
// comes from. Shifts are
// boundaries of the day in the plan's time zone (SHIFTS="06:00,14:00,22:00").
// The digest is shown by GET /api/v1/handover and posted to the chat
// channels (package notify) once per shift on the shift-handover schedule.
package handover

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DefaultShifts are three eight-hour shifts.
const DefaultShifts = "06:00,14:00,22:00"

// ErrInvalidShifts is returned by ParseShifts.
var ErrInvalidShifts = errors.New("handover: invalid shifts")

// Shifts are the boundaries of the day, in minutes after midnight in Zone.
type Shifts struct {
	starts []int
	zone   *time.Location
}

// ParseShifts reads "HH:MM,HH:MM,..." (at least one boundary, no
// duplicates) in zone (nil: UTC). It returns an error wrapping
// ErrInvalidShifts naming what is wrong.
func ParseShifts(spec string, zone *time.Location) (Shifts, error) {
	if zone == nil {
		zone = time.UTC
	}
	s := Shifts{zone: zone}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		t, err := time.Parse("15:04", part)
		if err != nil {
			return Shifts{}, fmt.Errorf("%w: %q is not HH:MM", ErrInvalidShifts, part)
		}
		m := t.Hour()*60 + t.Minute()
		if slices.Contains(s.starts, m) {
			return Shifts{}, fmt.Errorf("%w: %s twice", ErrInvalidShifts, part)
		}
		s.starts = append(s.starts, m)
	}
	slices.Sort(s.starts)
	return s, nil
}

// Zone is the shifts' time zone.
func (s Shifts) Zone() *time.Location { return s.zone }

// boundaries returns the last n+1 boundaries at or before now, newest
// first (n+1 ≤ 3 days of boundaries).
func (s Shifts) boundaries(now time.Time, n int) []time.Time {
	local := now.In(s.zone)
	var all []time.Time
	for d := -3; d <= 0; d++ {
		day := local.AddDate(0, 0, d)
		for _, m := range s.starts {
			b := time.Date(day.Year(), day.Month(), day.Day(), m/60, m%60, 0, 0, s.zone)
			if !b.After(now) {
				all = append(all, b)
			}
		}
	}
	slices.SortFunc(all, func(a, b time.Time) int { return b.Compare(a) })
	all = slices.CompactFunc(all, func(a, b time.Time) bool { return a.Equal(b) })
	return all[:min(n+1, len(all))]
}

// Current returns the shift under way at now: from its start to now.
func (s Shifts) Current(now time.Time) (from, to time.Time) {
	return s.boundaries(now, 0)[0], now
}

// Previous returns the last shift that has ended by now.
func (s Shifts) Previous(now time.Time) (from, to time.Time) {
	b := s.boundaries(now, 1)
	return b[1], b[0]
}

// Name names the shift from..to in the zone, e.g. "22:00–06:00".
func (s Shifts) Name(from, to time.Time) string {
	return from.In(s.zone).Format("15:04") + "–" + to.In(s.zone).Format("15:04")
}

// FromSettings reads the shifts from their settings — SHIFTS ("" is
// DefaultShifts) in the IANA time zone zoneName ("" is UTC) — with an error
// naming what is wrong. The health and chat functions read them alike.
func FromSettings(spec, zoneName string) (Shifts, error) {
	zone := time.UTC
	if zoneName != "" {
		z, err := time.LoadLocation(zoneName)
		if err != nil {
			return Shifts{}, fmt.Errorf("%w: want an IANA time zone such as Europe/Rome, got %q", ErrInvalidShifts, zoneName)
		}
		zone = z
	}
	if spec == "" {
		spec = DefaultShifts
	}
	return ParseShifts(spec, zone)
}
