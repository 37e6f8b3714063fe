package workload

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ErrBadTime is wrapped by ParseTime's errors.
var ErrBadTime = fmt.Errorf("not a time")

var (
	clockRE = regexp.MustCompile(`^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$`)
	agoRE   = regexp.MustCompile(`^(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)\s+ago$`)
)

// ParseTime reads a point in time as an operator or a model gives it,
// relative to the plan clock now and in the plan's time zone loc:
//
//   - RFC 3339 ("2026-12-03T02:00:00Z"), or "2006-01-02 15:04" / "2006-01-02T15:04" in loc;
//   - a clock time today in loc ("02:00", "2am", "14:30", "2:30pm"); one
//     later than now is yesterday's, so "since 22:00" after midnight means
//     last night;
//   - a duration before now: "-90m", "-2h", "2h ago", "90 minutes ago";
//   - "today HH:MM" or "yesterday HH:MM" (that day, whatever now is);
//   - "now", "today" (midnight in loc), "yesterday" (midnight the day before).
func ParseTime(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	v := strings.ToLower(strings.TrimSpace(s))
	now = now.In(loc)
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	switch v {
	case "":
		return time.Time{}, fmt.Errorf("%w: empty", ErrBadTime)
	case "now":
		return now, nil
	case "today", "midnight":
		return midnight, nil
	case "yesterday":
		return midnight.AddDate(0, 0, -1), nil
	}
	for _, day := range []struct {
		word string
		at   time.Time
	}{{"today ", midnight}, {"yesterday ", midnight.AddDate(0, 0, -1)}} {
		if rest, ok := strings.CutPrefix(v, day.word); ok {
			t, err := ParseTime(rest, now.Add(24*time.Hour), loc) // a clock time, not rolled back
			if err != nil || !clockRE.MatchString(strings.TrimSpace(rest)) {
				return time.Time{}, fmt.Errorf("%w: %q (use %s02:00)", ErrBadTime, s, day.word)
			}
			return day.at.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute), nil
		}
	}
	if t, err := time.Parse(time.RFC3339, strings.ToUpper(v)); err == nil {
		return t.In(loc), nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02t15:04", "2006-01-02 15:04:05", "2006-01-02t15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	if strings.HasPrefix(v, "-") {
		if d, err := time.ParseDuration(v[1:]); err == nil && d >= 0 {
			return now.Add(-d), nil
		}
	}
	if m := agoRE.FindStringSubmatch(v); m != nil {
		n, _ := strconv.ParseFloat(m[1], 64)
		unit := time.Second
		switch m[2][0] {
		case 'm':
			unit = time.Minute
		case 'h':
			unit = time.Hour
		case 'd':
			unit = 24 * time.Hour
		}
		return now.Add(-time.Duration(n * float64(unit))), nil
	}
	if m := clockRE.FindStringSubmatch(v); m != nil {
		h, _ := strconv.Atoi(m[1])
		min := 0
		if m[2] != "" {
			min, _ = strconv.Atoi(m[2])
		}
		switch m[3] {
		case "am":
			if h == 12 {
				h = 0
			}
		case "pm":
			if h < 12 {
				h += 12
			}
		}
		if m[2] == "" && m[3] == "" || h > 23 || min > 59 || m[3] != "" && (h > 23) {
			return time.Time{}, fmt.Errorf("%w: %q (use 02:00, 2am or 14:30)", ErrBadTime, s)
		}
		t := midnight.Add(time.Duration(h)*time.Hour + time.Duration(min)*time.Minute)
		if t.After(now) {
			t = t.AddDate(0, 0, -1)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%w: %q (use RFC 3339, 2026-12-03 02:00, 02:00, 2am, -2h or \"2h ago\")", ErrBadTime, s)
}
