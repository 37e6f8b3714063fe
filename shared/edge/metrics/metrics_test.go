package metrics

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestEmitEMF(t *testing.T) {
	var buf bytes.Buffer
	at := time.UnixMilli(1_700_000_000_000)
	e := New(&buf, "Resync", func() time.Time { return at })
	e.Emit(map[string]string{"Function": "status", "Route": "GET /api/v1/jobs"},
		Metric{"Requests", 1, Count}, Metric{"Latency", 12.5, Milliseconds})
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["Function"] != "status" || rec["Latency"] != 12.5 || rec["Requests"] != 1.0 {
		t.Errorf("record = %v", rec)
	}
	aws := rec["_aws"].(map[string]any)
	if aws["Timestamp"] != float64(1_700_000_000_000) {
		t.Errorf("timestamp = %v", aws["Timestamp"])
	}
	d := aws["CloudWatchMetrics"].([]any)[0].(map[string]any)
	if d["Namespace"] != "Resync" {
		t.Errorf("namespace = %v", d["Namespace"])
	}
	dims := d["Dimensions"].([]any)[0].([]any)
	if len(dims) != 2 || dims[0] != "Function" || dims[1] != "Route" {
		t.Errorf("dimensions = %v", dims)
	}
	if ms := d["Metrics"].([]any); len(ms) != 2 || ms[1].(map[string]any)["Unit"] != "Milliseconds" {
		t.Errorf("metrics = %v", ms)
	}
}

func TestConcurrentLinesDoNotInterleave(t *testing.T) {
	var buf bytes.Buffer
	e := New(&buf, "Resync", nil)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.Emit(map[string]string{"Function": "x"}, Metric{"Requests", 1, Count})
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 50 {
		t.Fatalf("%d lines, want 50", len(lines))
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Fatalf("invalid line %q", l)
		}
	}
}

// failingWriter fails every write.
type failingWriter struct{ calls int }

func (w *failingWriter) Write([]byte) (int, error) {
	w.calls++
	return 0, errors.New("stdout closed")
}

// TestNothingEmitted: a nil Emitter, or a record without metrics, writes
// nothing and does not panic; a failing writer does not fail the caller.
func TestNothingEmitted(t *testing.T) {
	dims := map[string]string{"Function": "x"}
	tests := []struct {
		name  string
		emit  func(w io.Writer)
		wantW int // writes the writer should see
	}{
		{"nil emitter", func(io.Writer) { var e *Emitter; e.Emit(dims, Metric{"x", 1, Count}) }, 0},
		{"no metrics", func(w io.Writer) { New(w, "Resync", nil).Emit(dims) }, 0},
		{"failing writer", func(w io.Writer) { New(w, "Resync", nil).Emit(dims, Metric{"x", 1, Count}) }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &failingWriter{}
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("Emit panicked: %v", r)
					}
				}()
				tt.emit(w)
			}()
			if w.calls != tt.wantW {
				t.Errorf("writes = %d, want %d", w.calls, tt.wantW)
			}
		})
	}
}
