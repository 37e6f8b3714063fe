package obs

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// With RESYNC_DIAG_EVERY=3, six invokes write two diag lines with their
// counts; unset, the handler is returned unwrapped and nothing is written.
func TestDiagWritesEveryN(t *testing.T) {
	var buf bytes.Buffer
	d := NewDiag(func(string) string { return "3" }, &buf)
	h := Counted(d, func(_ context.Context, in int) (int, error) { return in * 2, nil })
	for i := range 6 {
		if out, _ := h(context.Background(), i); out != i*2 {
			t.Fatalf("handler result %d, want %d", out, i*2)
		}
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("diag lines %q, want 2", lines)
	}
	var last struct {
		Invokes    int `json:"invokes"`
		Goroutines int `json:"goroutines"`
	}
	if err := json.Unmarshal([]byte(lines[1]), &last); err != nil || last.Invokes != 6 || last.Goroutines == 0 {
		t.Errorf("last line %s: %+v %v", lines[1], last, err)
	}
	if NewDiag(func(string) string { return "" }, &buf) != nil {
		t.Error("diagnostics on without RESYNC_DIAG_EVERY")
	}
}
