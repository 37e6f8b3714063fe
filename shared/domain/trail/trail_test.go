package trail

import "testing"

func TestCSVSafe(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"ok", "ok"},
		{"=SUM(A1:A9)", "'=SUM(A1:A9)"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@cmd", "'@cmd"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"a=b", "a=b"},
	}
	for _, tt := range tests {
		if got := CSVSafe(tt.in); got != tt.want {
			t.Errorf("CSVSafe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestGenesisIsStable pins the genesis of a day: every chain already
// written starts from it, so it must never change.
func TestGenesisIsStable(t *testing.T) {
	const want = "6ea82b8d7e94ff7a9c96487acca6203c141ce5f9993ab279bc424fcd9c2a142e"
	if got := Genesis("2026-12-03"); got != want {
		t.Errorf("Genesis(2026-12-03) = %s, want %s", got, want)
	}
	if Genesis("2026-12-03") == Genesis("2026-12-04") {
		t.Error("two days have the same genesis")
	}
}
