package testenv

import (
	"bufio"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Simulator builds the hwasim command, starts it on a loopback port with
// args (e.g. "-seed", "3", "-jobs", "100000") and returns its base URL (the
// client's BaseURL, without the API prefix) and the plan time it reports.
// The process is killed when tb ends. Benchmarks run the simulator in its
// own process so that what they measure of their own process (heap, CPU)
// is the client's, not the simulated plan's.
func Simulator(tb testing.TB, args ...string) (baseURL string, planTime time.Time) {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "hwasim")
	build := exec.Command("go", "build", "-o", bin, "github.com/resync/resync/shared/adapter/hwa/hwasim/cmd/hwasim")
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("testenv: build hwasim: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("testenv: start hwasim: %v", err)
	}
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		// hwasim: serving http://127.0.0.1:PORT/twsd/api/v2 (seed 3, plan time 2026-...Z)
		rest, ok := strings.CutPrefix(lines.Text(), "hwasim: serving ")
		if !ok {
			continue
		}
		u, meta, _ := strings.Cut(rest, " ")
		if _, ts, ok := strings.Cut(meta, "plan time "); ok {
			planTime, _ = time.Parse(time.RFC3339, strings.TrimSuffix(ts, ")"))
		}
		go func() { _, _ = io.Copy(io.Discard, stdout) }()
		return strings.TrimSuffix(u, "/twsd/api/v2"), planTime
	}
	tb.Fatalf("testenv: hwasim did not say where it serves: %v", lines.Err())
	return "", time.Time{}
}

// CountBytes returns a transport over next that adds the bytes of every
// response body read to n.
func CountBytes(next http.RoundTripper, n *atomic.Int64) http.RoundTripper {
	return countingTransport{next: next, n: n}
}

type countingTransport struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err == nil {
		resp.Body = countingBody{resp.Body, t.n}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Meter is an http.Handler in front of Next that counts the requests it
// answers and the bytes of their bodies: what a client read from a
// simulator served in the test's process.
type Meter struct {
	Next         http.Handler
	Calls, Bytes atomic.Int64
}

func (m *Meter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.Calls.Add(1)
	m.Next.ServeHTTP(countingWriter{w, &m.Bytes}, r)
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (w countingWriter) Write(b []byte) (int, error) {
	w.n.Add(int64(len(b)))
	return w.ResponseWriter.Write(b)
}
