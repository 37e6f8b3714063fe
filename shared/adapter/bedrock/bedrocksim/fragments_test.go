package bedrocksim

import (
	"slices"
	"strings"
	"testing"
)

func TestFragments(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want []string
	}{
		{"", 8, nil},
		{`{"a":1}`, 0, []string{`{"a":1}`}},
		{`{"a":12345}`, 4, []string{`{"a"`, `:123`, `45}`}},
		{`{"é":"ü"}`, 3, []string{`{"é`, `":"`, `ü"`, `}`}},
	}
	for _, tt := range tests {
		got := fragments(tt.in, tt.n)
		if !slices.Equal(got, tt.want) {
			t.Errorf("fragments(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
		if strings.Join(got, "") != tt.in {
			t.Errorf("fragments(%q) do not join back", tt.in)
		}
	}
}
