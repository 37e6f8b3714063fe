package runbook

import (
	"slices"
	"testing"
)

func TestMentionCandidates(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"When PAYROLL_LOAD abends, rerun it.", []string{"When", "PAYROLL_LOAD"}},
		{"check CPU1#FIN_DAILY.LOAD_GL now", []string{"CPU1#FIN_DAILY.LOAD_GL", "CPU1", "FIN_DAILY", "LOAD_GL"}},
		{"plain words only here", nil},
		{"Stream FIN_DAILY. Then FIN_DAILY again", []string{"Stream", "FIN_DAILY", "Then"}},
	}
	for _, tt := range tests {
		if got := MentionCandidates(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("MentionCandidates(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
