package testenv

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB that records Skipf and Fatalf instead of ending
// the test, so the skip-or-fail decision itself can be checked. Like the real
// ones, both stop the calling goroutine, so run must be used.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run calls f with the recorder on its own goroutine and waits for it.
func (r *recorder) run(f func(tb testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
}

func TestHelpersSkipOrFailWhenServerMissing(t *testing.T) {
	tests := []struct {
		name       string
		services   string
		call       func(tb testing.TB)
		wantSkip   bool
		wantFail   bool
		wantInText string
	}{
		{"redis plain go test skips", "", func(tb testing.TB) { RedisAddr(tb) }, true, false, EnvRedisAddr},
		{"redis make test fails", "required", func(tb testing.TB) { RedisAddr(tb) }, false, true, EnvRedisAddr},
		{"neo4j plain go test skips", "", func(tb testing.TB) { Neo4j(tb) }, true, false, EnvNeo4jURI},
		{"neo4j make test fails", "required", func(tb testing.TB) { Neo4j(tb) }, false, true, EnvNeo4jURI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvServices, tt.services)
			t.Setenv(EnvRedisAddr, "")
			t.Setenv(EnvNeo4jURI, "")
			r := &recorder{TB: t}
			r.run(tt.call)
			if got := r.skipped != ""; got != tt.wantSkip {
				t.Errorf("skipped = %v (%q), want %v", got, r.skipped, tt.wantSkip)
			}
			if got := r.failed != ""; got != tt.wantFail {
				t.Errorf("failed = %v (%q), want %v", got, r.failed, tt.wantFail)
			}
			if msg := r.skipped + r.failed; !strings.Contains(msg, tt.wantInText) {
				t.Errorf("message %q does not name %s", msg, tt.wantInText)
			}
		})
	}
}

func TestNeo4jDefaultsUser(t *testing.T) {
	t.Setenv(EnvNeo4jURI, "bolt://127.0.0.1:7687")
	t.Setenv(EnvNeo4jUser, "")
	t.Setenv(EnvNeo4jPassword, "secret123")
	got := Neo4j(t)
	want := Neo4jConfig{URI: "bolt://127.0.0.1:7687", User: "neo4j", Password: "secret123"}
	if got != want {
		t.Errorf("Neo4j() = %+v, want %+v", got, want)
	}
}
