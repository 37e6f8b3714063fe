package workload

import (
	"errors"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	now := time.Date(2026, 12, 3, 3, 30, 0, 0, loc) // 03:30 in the plan's zone
	at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, loc) }
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"now", now},
		{"today", at(3, 0, 0)},
		{"yesterday", at(2, 0, 0)},
		{"02:00", at(3, 2, 0)},
		{"2am", at(3, 2, 0)},
		{"22:00", at(2, 22, 0)}, // later than now: last night
		{"10pm", at(2, 22, 0)},
		{"12am", at(3, 0, 0)},
		{"yesterday 20:00", at(2, 20, 0)},
		{"today 08:00", at(3, 8, 0)}, // later than now, but today was asked
		{"-2h", now.Add(-2 * time.Hour)},
		{"-90m", now.Add(-90 * time.Minute)},
		{"2h ago", now.Add(-2 * time.Hour)},
		{"45 minutes ago", now.Add(-45 * time.Minute)},
		{"2026-12-01 14:30", at(1, 14, 30)},
		{"2026-12-01T13:30:00Z", time.Date(2026, 12, 1, 13, 30, 0, 0, time.UTC)},
	} {
		got, err := ParseTime(tc.in, now, loc)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "2", "25:00", "soon", "the shift start", "today 99:00", "-x"} {
		if _, err := ParseTime(bad, now, loc); !errors.Is(err, ErrBadTime) {
			t.Errorf("ParseTime(%q): err %v, want ErrBadTime", bad, err)
		}
	}
}

func TestParseStatusAnyCase(t *testing.T) {
	for in, want := range map[string]StatusWord{
		"abend": {Internal: InternalAbend}, "ABEND": {Internal: InternalAbend}, "Abended": {Internal: InternalAbend},
		"exec": {Internal: InternalExec}, "HOLD": {Internal: InternalHold}, "held": {Common: CommonHeld},
		"error": {Failed: true}, "Failed": {Failed: true}, "running": {Common: CommonRunning}, "SUCC": {Internal: InternalSucc},
		"successful": {Common: CommonSuccessful}, "cancelled": {Common: CommonCanceled},
	} {
		got, ok := ParseStatus(in)
		got.Label = ""
		if !ok || got != want {
			t.Errorf("ParseStatus(%q) = %+v, %v; want %+v", in, got, ok, want)
		}
	}
	if _, ok := ParseStatus("broken-ish"); ok {
		t.Error("an unknown word parsed as a status")
	}
	if got := SuggestStatus("abneded"); len(got) == 0 || got[0] != "abended" {
		t.Errorf("SuggestStatus(abneded) = %v, want abended first", got)
	}
	if got := SuggestStatus("faild"); len(got) == 0 || got[0] != "fail" && got[0] != "failed" {
		t.Errorf("SuggestStatus(faild) = %v", got)
	}
	if got := Nearest("abc", []string{"abd"}); got != nil {
		t.Errorf("a three-letter word matched %v: too short to correct", got)
	}
}
