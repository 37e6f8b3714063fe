package hwa

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"PT0S", 0},
		{"PT1H2M3S", time.Hour + 2*time.Minute + 3*time.Second},
		{"P1DT2H", 26 * time.Hour},
		{"P1D", 24 * time.Hour},
		{"P2W", 14 * 24 * time.Hour},
		{"PT4H20S", 4*time.Hour + 20*time.Second},
		{"PT0.5S", 500 * time.Millisecond},
		{"PT1.123456789S", time.Second + 123456789},
		{"PT0,25S", 250 * time.Millisecond},
		{"PT26H", 26 * time.Hour},
		{"-PT5M", -5 * time.Minute},
		{"PT-1H-30M", -(time.Hour + 30*time.Minute)},
		{"PT-0.5S", -500 * time.Millisecond},
		{"P0Y0M1DT1M", 24*time.Hour + time.Minute},
		{"pt1m", time.Minute},
		{"PT90M", 90 * time.Minute},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err != nil {
			t.Errorf("ParseDuration(%q): unexpected error %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseDurationErrors(t *testing.T) {
	for _, in := range []string{
		"", "P", "PT", "1H", "PT1X", "P1H", "PT1D", "P1Y", "P2M", "PT1H1H", "PT1M1H",
		"P1.5D", "PT1.5H", "PTT1H", "PT1", "P1DT", "PTxS", "PT1e400S", "PT1e10H",
	} {
		_, err := ParseDuration(in)
		if err == nil {
			t.Errorf("ParseDuration(%q): got nil error, want one", in)
			continue
		}
		if !errors.Is(err, ErrDuration) {
			t.Errorf("ParseDuration(%q): error %v does not wrap ErrDuration", in, err)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "PT0S"},
		{time.Hour + 2*time.Minute + 3*time.Second, "PT1H2M3S"},
		{26 * time.Hour, "PT26H"},
		{500 * time.Millisecond, "PT0.5S"},
		{time.Second + 1, "PT1.000000001S"},
		{90 * time.Minute, "PT1H30M"},
		{-(time.Minute + 30*time.Second), "PT-1M-30S"},
		{time.Hour + 5*time.Second, "PT1H5S"},
	}
	for _, tt := range tests {
		if got := FormatDuration(tt.in); got != tt.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDurationRoundTrip(t *testing.T) {
	for _, d := range []time.Duration{
		0, 1, time.Millisecond, 59 * time.Second, 25*time.Hour + 1, -3 * time.Hour,
		time.Duration(math.MaxInt64), time.Duration(math.MinInt64 + 1), 1234567890123,
	} {
		s := FormatDuration(d)
		got, err := ParseDuration(s)
		if err != nil {
			t.Errorf("ParseDuration(FormatDuration(%d) = %q): %v", d, s, err)
			continue
		}
		// float64 seconds keep ~15-16 significant digits; allow a tiny error
		// at the extremes only.
		diff := got - d
		if diff < 0 {
			diff = -diff
		}
		if diff > time.Microsecond {
			t.Errorf("round trip of %d via %q = %d", d, s, got)
		}
	}
}

func FuzzDuration(f *testing.F) {
	for _, s := range []string{"PT1H2M3S", "P1DT2H", "PT0.5S", "-PT5M", "PT-1H-30M", "P2W"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		// Whatever parses must format and parse back to (almost) the same value.
		back, err := ParseDuration(FormatDuration(d))
		if err != nil {
			t.Fatalf("ParseDuration(FormatDuration(%v)) from %q: %v", d, s, err)
		}
		diff := back - d
		if diff < 0 {
			diff = -diff
		}
		if diff > time.Microsecond {
			t.Fatalf("%q: %v formats back to %v", s, d, back)
		}
	})
}
