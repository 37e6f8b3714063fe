package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/edge/obs"
	"github.com/resync/resync/shared/edge/routes"
)

// diagEvery is how often the functions write a diag line in the leak runs.
const diagEvery = 250

// leakSample is one reading of a function process.
type leakSample struct {
	invokes    int
	rssKB      int
	goroutines int
	liveKB     int // the live heap the last GC marked
}

// leakStack starts the stack with fns built, one process per function (so
// one process takes every invoke) and diagnostics every diagEvery invokes.
func leakStack(tb testing.TB, fns ...string) (*stack, *syncBuffer) {
	tb.Helper()
	dir := tb.TempDir()
	for _, fn := range fns {
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(dir, fn), "../../functions/"+fn)
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("build %s: %v\n%s", fn, err, out)
		}
	}
	sim := hwasim.New(hwasim.Config{Seed: 6})
	srv := httptest.NewServer(sim)
	tb.Cleanup(srv.Close)
	vars := map[string]string{envAddr: "127.0.0.1:0", envBinDir: dir, envSchedules: "off", "PATH": os.Getenv("PATH"),
		"HWA_URL": srv.URL, envConcurrency: "1", obs.EnvDiagEvery: strconv.Itoa(diagEvery), envPassEnv: obs.EnvDiagEvery,
		// Thousands of requests by one user: past the per-user HTTP limits.
		"RATE_LIMITS": benchRateLimits}
	cfg, err := loadConfig(func(k string) string { return vars[k] }, routes.Functions())
	if err != nil {
		tb.Fatal(err)
	}
	out := &syncBuffer{}
	s, err := startStack(context.Background(), cfg, out, out, slog.New(slog.NewTextHandler(out, nil)))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close(context.Background()) })
	return s, out
}

var (
	pidLine  = regexp.MustCompile(`process=([a-z]+)#1 pid=(\d+)`)
	diagLine = regexp.MustCompile(`^\[([a-z]+)#1\] (\{.*"message":"diag".*\})$`)
)

// pidOf returns the process id of fn's one process from the stack's log.
func pidOf(out *syncBuffer, fn string) int {
	pid := 0
	for _, m := range pidLine.FindAllStringSubmatch(out.String(), -1) {
		if m[1] == fn {
			pid, _ = strconv.Atoi(m[2])
		}
	}
	return pid
}

// goroutinesOf returns fn's last reported goroutine count and live heap.
func goroutinesOf(out *syncBuffer, fn string) (goroutines, liveKB int) {
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := diagLine.FindStringSubmatch(sc.Text())
		if m == nil || m[1] != fn {
			continue
		}
		var d struct {
			Goroutines int   `json:"goroutines"`
			Live       int64 `json:"heapLiveBytes"`
		}
		if json.Unmarshal([]byte(m[2]), &d) == nil {
			goroutines, liveKB = d.Goroutines, int(d.Live>>10)
		}
	}
	return goroutines, liveKB
}

// rssKB reads a process's resident set from /proc.
func rssKB(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

// slope is the least-squares slope of y over x, per 1,000 x.
func slope(samples []leakSample, y func(leakSample) float64) float64 {
	n := float64(len(samples))
	if n < 2 {
		return 0
	}
	var sx, sy, sxy, sxx float64
	for _, s := range samples {
		x := float64(s.invokes)
		sx, sy, sxy, sxx = sx+x, sy+y(s), sxy+x*y(s), sxx+x*x
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d * 1000
}

// invoker is one warm invoke of a function, through the stack the way its
// users reach it.
type invoker func(i int) error

func leakInvokers(tb testing.TB, s *stack) map[string]invoker {
	viewer, _, _ := s.minter.Mint("leak-viewer", "viewer")
	admin, _, _ := s.minter.Mint("leak-admin", "admin")
	client := &http.Client{Timeout: 30 * time.Second}
	get := func(path, tok string) invoker {
		return func(int) error {
			code, err := get(client, s.url+path, tok)
			if err == nil && code != 200 {
				err = fmt.Errorf("GET %s: %d", path, code)
			}
			return err
		}
	}
	var conn *websocket.Conn
	return map[string]invoker{
		routes.Status: get("/api/v1/plan/summary", viewer),
		routes.Admin:  get("/api/v1/admin/cache", admin),
		routes.Health: func(int) error {
			res, err := s.sched.Trigger(context.Background(), "plan-monitor")
			if err == nil && res.FunctionError != "" {
				err = fmt.Errorf("plan-monitor: %s", res.Payload)
			}
			return err
		},
		// Chat: a ping per invoke, ten per user (under the ping limit), a
		// new connection per user, so $connect and $disconnect run too.
		routes.Chat: func(i int) error {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if i%10 == 0 {
				if conn != nil {
					conn.Close(websocket.StatusNormalClosure, "")
				}
				tok, _, _ := s.minter.Mint(fmt.Sprintf("leak%05d", i/10), "viewer")
				c, _, err := websocket.Dial(ctx, strings.Replace(s.url, "http://", "ws://", 1)+"/ws?token="+tok, nil)
				if err != nil {
					return err
				}
				conn = c
			}
			if err := conn.Write(ctx, websocket.MessageText, []byte(`{"action":"ping"}`)); err != nil {
				return err
			}
			for {
				_, b, err := conn.Read(ctx)
				if err != nil {
					return err
				}
				if strings.Contains(string(b), `"pong"`) {
					return nil
				}
			}
		},
	}
}

// leakRun invokes fn n times and samples its process every diagEvery.
func leakRun(s *stack, out *syncBuffer, fn string, call invoker, n int) ([]leakSample, error) {
	pid := pidOf(out, fn)
	if pid == 0 {
		return nil, fmt.Errorf("%s: no process id in the stack's log", fn)
	}
	var samples []leakSample
	for i := range n {
		if err := call(i); err != nil {
			return samples, fmt.Errorf("%s invoke %d: %w", fn, i, err)
		}
		if (i+1)%diagEvery == 0 {
			time.Sleep(20 * time.Millisecond) // the diag line crosses the pipe
			g, live := goroutinesOf(out, fn)
			samples = append(samples, leakSample{invokes: i + 1, rssKB: rssKB(pid), goroutines: g, liveKB: live})
		}
	}
	if now := pidOf(out, fn); now != pid {
		return samples, fmt.Errorf("%s: its process was replaced during the run (pid %d → %d)", fn, pid, now)
	}
	return samples, nil
}

// BenchmarkLeak is issue 10's leak check: each function process's resident
// memory and goroutine count over 10,000 warm invokes (LEAK_INVOKES to
// change), reported as slopes per 1,000 invokes after a warm-up of 1,000;
// flat is the goal. Each iteration is one whole run (use -benchtime 1x).
func BenchmarkLeak(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("LEAK_INVOKES")); err == nil && v > 0 {
		n = v
	}
	fns := []string{routes.Status, routes.Admin, routes.Health, routes.Chat}
	s, out := leakStack(b, fns...)
	calls := leakInvokers(b, s)
	for b.Loop() {
		for _, fn := range fns {
			samples, err := leakRun(s, out, fn, calls[fn], n)
			if err != nil {
				b.Fatal(err)
			}
			warm := samples[min(len(samples), 1000/diagEvery):]
			rs := slope(warm, func(s leakSample) float64 { return float64(s.rssKB) })
			gs := slope(warm, func(s leakSample) float64 { return float64(s.goroutines) })
			ls := slope(warm, func(s leakSample) float64 { return float64(s.liveKB) })
			first, last := warm[0], warm[len(warm)-1]
			b.ReportMetric(rs, fn+"-rss-KB/1k-invokes")
			b.ReportMetric(ls, fn+"-live-heap-KB/1k-invokes")
			b.ReportMetric(gs, fn+"-goroutines/1k-invokes")
			b.Logf("%-7s %6d invokes: RSS %6d → %6d KB (slope %+.1f KB per 1k), live heap %5d → %5d KB (slope %+.1f KB per 1k), goroutines %3d → %3d (slope %+.2f per 1k)",
				fn, n, first.rssKB, last.rssKB, rs, first.liveKB, last.liveKB, ls, first.goroutines, last.goroutines, gs)
		}
	}
}

// TestLeakCheckShort is the short version make test runs: 1,500 warm
// invokes of status and of chat; the goroutine count after the warm-up
// does not grow (a leaked goroutine per request would add hundreds).
func TestLeakCheckShort(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the functions; skipped with -short")
	}
	s, out := leakStack(t, routes.Status, routes.Chat)
	calls := leakInvokers(t, s)
	for _, fn := range []string{routes.Status, routes.Chat} {
		samples, err := leakRun(s, out, fn, calls[fn], 1500)
		if err != nil {
			t.Fatal(err)
		}
		if len(samples) < 6 || samples[0].goroutines == 0 {
			t.Fatalf("%s: samples %+v; want six with goroutine counts", fn, samples)
		}
		warm, last := samples[1], samples[len(samples)-1]
		t.Logf("%s: goroutines %d after %d invokes, %d after %d; RSS %d → %d KB",
			fn, warm.goroutines, warm.invokes, last.goroutines, last.invokes, warm.rssKB, last.rssKB)
		if last.goroutines > warm.goroutines+3 {
			t.Errorf("%s: goroutines grew from %d to %d over %d warm invokes", fn, warm.goroutines, last.goroutines, last.invokes-warm.invokes)
		}
	}
}
