package hwa

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrDuration is wrapped by ParseDuration's errors.
var ErrDuration = errors.New("invalid ISO-8601 duration")

// ParseDuration parses an ISO-8601 duration as HWA writes it (Java's
// Duration and Period text): "PT1H2M3S", "P1DT2H", "PT0.5S", "P2W",
// "-PT5M", and Java's per-component signs such as "PT-1H-30M". Days are 24
// hours. Years and months have no fixed length and are accepted only when
// zero ("P0Y0M1D"). The empty string is an error; callers that treat a
// missing duration as zero check for "" first. Errors wrap ErrDuration.
func ParseDuration(s string) (time.Duration, error) {
	orig := s
	bad := func(why string) (time.Duration, error) {
		return 0, fmt.Errorf("hwa: parse duration %q: %s: %w", orig, why, ErrDuration)
	}
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	if len(s) < 2 || (s[0] != 'P' && s[0] != 'p') {
		return bad("must start with P")
	}
	s = s[1:]
	var total float64 // seconds
	inTime := false
	seen := false
	order := "YMWD" // allowed designators, in order, before T
	for len(s) > 0 {
		if s[0] == 'T' || s[0] == 't' {
			if inTime {
				return bad("second T")
			}
			inTime, order = true, "HMS"
			s = s[1:]
			if len(s) == 0 {
				return bad("T without a time part")
			}
			continue
		}
		i := 0
		for i < len(s) && (s[i] == '-' || s[i] == '+' || s[i] == '.' || s[i] == ',' || (s[i] >= '0' && s[i] <= '9')) {
			i++
		}
		if i == 0 || i == len(s) {
			return bad("number without designator")
		}
		num := strings.Replace(s[:i], ",", ".", 1)
		unit := s[i] &^ 0x20 // upper case
		s = s[i+1:]
		k := strings.IndexByte(order, unit)
		if k < 0 {
			return bad(fmt.Sprintf("unexpected designator %q", unit))
		}
		order = order[k+1:]
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			return bad("bad number " + strconv.Quote(num))
		}
		if strings.ContainsAny(num, ".") && !(inTime && unit == 'S') {
			return bad("fraction allowed on seconds only")
		}
		seen = true
		switch {
		case !inTime && (unit == 'Y' || unit == 'M'):
			if v != 0 {
				return bad("years and months have no fixed length")
			}
		case !inTime && unit == 'W':
			total += v * 7 * 86400
		case !inTime && unit == 'D':
			total += v * 86400
		case unit == 'H':
			total += v * 3600
		case unit == 'M':
			total += v * 60
		case unit == 'S':
			total += v
		}
	}
	if !seen {
		return bad("no components")
	}
	if neg {
		total = -total
	}
	if math.Abs(total) > float64(math.MaxInt64)/1e9 {
		return bad("out of range")
	}
	return time.Duration(math.Round(total * 1e9)), nil
}

// FormatDuration writes d the way Java's Duration.toString does, which is
// what HWA sends: "PT0S", "PT1H2M3S", "PT26H", "PT0.5S", "PT-1M-30S".
// Sub-second precision is kept to the nanosecond, trailing zeros dropped.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "PT0S"
	}
	var b strings.Builder
	b.WriteString("PT")
	sign := ""
	// Work on the magnitude in unsigned space so MinInt64 is safe.
	u := uint64(d)
	if d < 0 {
		sign = "-"
		u = uint64(-(d + 1)) + 1
	}
	h := u / uint64(time.Hour)
	u -= h * uint64(time.Hour)
	m := u / uint64(time.Minute)
	u -= m * uint64(time.Minute)
	sec := u / uint64(time.Second)
	ns := u - sec*uint64(time.Second)
	if h > 0 {
		fmt.Fprintf(&b, "%s%dH", sign, h)
	}
	if m > 0 {
		fmt.Fprintf(&b, "%s%dM", sign, m)
	}
	if sec > 0 || ns > 0 {
		fmt.Fprintf(&b, "%s%d", sign, sec)
		if ns > 0 {
			frac := strings.TrimRight(fmt.Sprintf("%09d", ns), "0")
			b.WriteString("." + frac)
		}
		b.WriteString("S")
	}
	return b.String()
}
