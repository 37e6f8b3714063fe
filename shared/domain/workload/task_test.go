package workload

import (
	"strings"
	"testing"
)

func TestRecoveryMeaning(t *testing.T) {
	tests := []struct {
		o    RecoveryOption
		want string
	}{
		{"", "stays in ABEND"},
		{RecoveryStop, "stays in ABEND"},
		{RecoveryContinue, "successors go on"},
		{RecoveryRerun, "reruns it"},
		{RecoveryRerunPrompt, "prompt, then reruns"},
		{RecoveryContinuePrompt, "prompt"},
		{"BOGUS", ""},
	}
	for _, tt := range tests {
		got := tt.o.Meaning()
		if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("%q.Meaning() = %q, want it to say %q", tt.o, got, tt.want)
		}
	}
}
