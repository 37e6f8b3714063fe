package agent

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestFit(t *testing.T) {
	items := make([]map[string]string, 200)
	for i := range items {
		items[i] = map[string]string{"id": fmt.Sprint(i), "name": strings.Repeat("J", 40)}
	}
	list, _ := json.Marshal(map[string]any{"items": items, "total": 200})
	var lines []string
	for i := 1; i <= 500; i++ {
		lines = append(lines, fmt.Sprintf("line %03d: %s", i, strings.Repeat("x", 30)))
	}
	log, _ := json.Marshal(map[string]any{"jobId": "J1", "runId": "R1", "lines": 500, "text": strings.Join(lines, "\n") + "\n"})
	scalar, _ := json.Marshal(strings.Repeat("é", 5000))

	for _, tc := range []struct {
		name  string
		in    []byte
		max   int
		check func(t *testing.T, m map[string]any)
	}{
		{"small stays", []byte(`{"a":1}`), 100, func(t *testing.T, m map[string]any) {
			if _, cut := m[TruncatedKey]; cut {
				t.Error("a small result was marked cut")
			}
		}},
		{"list keeps first items", list, 2048, func(t *testing.T, m map[string]any) {
			it := m["items"].([]any)
			if len(it) == 0 || len(it) >= 200 || it[0].(map[string]any)["id"] != "0" {
				t.Errorf("kept %d items starting %v", len(it), it[0])
			}
			if m["total"].(float64) != 200 {
				t.Errorf("total changed to %v", m["total"])
			}
		}},
		{"log keeps last lines", log, 2048, func(t *testing.T, m map[string]any) {
			text := m["text"].(string)
			if !strings.HasSuffix(text, "line 500: "+strings.Repeat("x", 30)+"\n") || strings.Contains(text, "line 001") {
				t.Errorf("text kept %q...", text[:min(60, len(text))])
			}
		}},
		{"scalar cut as text", scalar, 1024, func(t *testing.T, m map[string]any) {
			if p, _ := m["partial"].(string); p == "" || !strings.HasPrefix(p, `"é`) {
				t.Errorf("partial %q", p)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := fit(tc.in, tc.max)
			if len(out) > tc.max {
				t.Errorf("got %d bytes, want at most %d", len(out), tc.max)
			}
			var m map[string]any
			if err := json.Unmarshal(out, &m); err != nil {
				t.Fatalf("result is not a JSON object: %v: %.200s", err, out)
			}
			if len(tc.in) > tc.max {
				if note, _ := m[TruncatedKey].(string); note == "" {
					t.Errorf("no %s marker", TruncatedKey)
				}
			}
			tc.check(t, m)
		})
	}
}
