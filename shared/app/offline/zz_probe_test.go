package offline

import (
	"os"
	"strings"
	"testing"
)

func TestZZProbe(t *testing.T) {
	data, _ := os.ReadFile("/tmp/probe.txt")
	for _, q := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		got, text, _ := turnOf(t, specs(), userText(q))
		if len(text) > 140 {
			text = text[:140]
		}
		t.Logf("%-55s => %v %q", q, got, text)
	}
}
