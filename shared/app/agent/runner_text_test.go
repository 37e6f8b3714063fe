package agent

import "testing"

func TestQuotedLines(t *testing.T) {
	for _, tt := range []struct {
		text string
		n    int
		want string
	}{
		{"see line 46", 100, "46"},
		{"lines 40-46 and line 50, again lines 40 to 46", 100, "40-46,50"},
		{"lines 1-100 (the whole file)", 100, ""},
		{"line 120", 100, ""},
		{"lines 9-3", 100, ""},
		{"no numbers", 100, ""},
	} {
		if got := quotedLines(tt.text, tt.n); got != tt.want {
			t.Errorf("quotedLines(%q, %d) = %q, want %q", tt.text, tt.n, got, tt.want)
		}
	}
}

func TestOneLineCutsOnARuneBoundary(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want string
	}{
		{"a  b\n c", 10, "a b c"},
		{"abcdef", 3, "abc…"},
		{"ab€cd", 3, "ab…"}, // € is 3 bytes: the cut backs off to its start
		{"ab€cd", 5, "ab€…"},
	} {
		if got := oneLine(tt.in, tt.max); got != tt.want {
			t.Errorf("oneLine(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}
