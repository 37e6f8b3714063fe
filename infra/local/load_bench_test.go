package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/edge/routes"
)

// loadResult is what one chat load run measured.
type loadResult struct {
	messages   int             // chat messages sent
	answered   int             // ... that got a final or an error
	unanswered int             // ... that got neither before the deadline
	errors     int             // ... answered with an error frame
	lost       int             // frames missing or out of order (no ack, no delta before final, deltas ≠ final)
	firstDelta []time.Duration // send → first delta, per answered message
	elapsed    time.Duration
}

// chatLoad connects clients WebSocket clients to the stack, each as its own
// user (so the per-user rate limits of the rule table hold), and has each
// send perMsg chat messages one after the other, reading every frame. A
// message is answered by a final (or an error); a lost frame is an answer
// without its ack, a final without any delta before it, or a final whose
// text is not the deltas put together.
func chatLoad(ctx context.Context, s *stack, clients, perMsg int, questions []string) (loadResult, error) {
	var (
		mu  sync.Mutex
		res loadResult
		wg  sync.WaitGroup
	)
	tokens := make([]string, clients)
	for i := range tokens {
		tok, _, err := s.minter.Mint(fmt.Sprintf("load%04d", i), "viewer")
		if err != nil {
			return res, err
		}
		tokens[i] = tok
	}
	conns := make([]*websocket.Conn, clients)
	for i := range conns {
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		c, _, err := websocket.Dial(dctx, strings.Replace(s.url, "http://", "ws://", 1)+"/ws?token="+tokens[i], nil)
		cancel()
		if err != nil {
			for _, c := range conns[:i] {
				c.CloseNow()
			}
			return res, fmt.Errorf("client %d: connect: %w", i, err)
		}
		c.SetReadLimit(1 << 20)
		conns[i] = c
	}
	defer func() {
		for _, c := range conns {
			c.CloseNow()
		}
	}()
	var failedConn atomic.Int64
	start := time.Now()
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range perMsg {
				id := fmt.Sprintf("c%d-m%d", i, m)
				frame, _ := json.Marshal(map[string]any{"action": "chat", "id": id, "conversationId": fmt.Sprintf("load-%d", i), "text": questions[(i+m)%len(questions)]})
				t0 := time.Now()
				wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				err := c.Write(wctx, websocket.MessageText, frame)
				cancel()
				mu.Lock()
				res.messages++
				mu.Unlock()
				if err != nil {
					failedConn.Add(1)
					mu.Lock()
					res.unanswered += perMsg - m
					res.messages += perMsg - m - 1
					mu.Unlock()
					return
				}
				var (
					acked      bool
					first      time.Duration
					deltas     strings.Builder
					done, fail bool
					lost       int
				)
				rctx, cancel := context.WithTimeout(ctx, 120*time.Second)
				for !done {
					_, b, err := c.Read(rctx)
					if err != nil {
						break
					}
					var f map[string]any
					if json.Unmarshal(b, &f) != nil || f["id"] != id {
						continue // an event push, or a frame of no message
					}
					switch f["type"] {
					case "ack":
						acked = true
					case "delta":
						if first == 0 {
							first = time.Since(t0)
						}
						txt, _ := f["text"].(string)
						deltas.WriteString(txt)
					case "final":
						done = true
						txt, _ := f["text"].(string)
						if first == 0 || strings.TrimSpace(deltas.String()) != strings.TrimSpace(txt) {
							lost++
						}
					case "error":
						done, fail = true, true
					}
				}
				cancel()
				if !acked && done {
					lost++
				}
				mu.Lock()
				res.lost += lost
				switch {
				case !done:
					res.unanswered++
				case fail:
					res.answered++
					res.errors++
				default:
					res.answered++
					res.firstDelta = append(res.firstDelta, first)
				}
				mu.Unlock()
				if !done {
					return // the connection is in an unknown state
				}
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res, nil
}

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// loadStack starts the stack with the real chat function (offline model)
// against a simulator.
func loadStack(tb testing.TB, concurrency string) *stack {
	tb.Helper()
	dir := tb.TempDir()
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(dir, "chat"), "../../functions/chat")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("build chat: %v\n%s", err, out)
	}
	sim := hwasim.New(hwasim.Config{Seed: 5})
	srv := httptest.NewServer(sim)
	tb.Cleanup(srv.Close)
	vars := map[string]string{envAddr: "127.0.0.1:0", envBinDir: dir, envSchedules: "off", "PATH": os.Getenv("PATH"),
		"HWA_URL": srv.URL, envConcurrency: concurrency}
	cfg, err := loadConfig(func(k string) string { return vars[k] }, routes.Functions())
	if err != nil {
		tb.Fatal(err)
	}
	out := &syncBuffer{}
	s, err := startStack(context.Background(), cfg, out, out, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close(context.Background()) })
	return s
}

var loadQuestions = []string{
	"which jobs abended?",
	"what is running right now",
	"show me the late job streams",
	"are any workstations unlinked?",
	"give me the plan summary",
}

// TestChatLoadShort is the short version of BenchmarkChatLoad that make
// test runs: 20 clients × 3 messages, every message answered, no frame lost.
func TestChatLoadShort(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the chat function; skipped with -short")
	}
	s := loadStack(t, "4")
	res, err := chatLoad(context.Background(), s, 20, 3, loadQuestions)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("20 clients × 3 messages: %d answered (%d errors), %d unanswered, %d lost frames, first delta p50 %s p99 %s, in %s",
		res.answered, res.errors, res.unanswered, res.lost, percentile(res.firstDelta, 50), percentile(res.firstDelta, 99), res.elapsed.Round(time.Millisecond))
	if res.messages != 60 || res.unanswered != 0 || res.lost != 0 || res.errors != 0 {
		t.Errorf("messages %d, unanswered %d, lost %d, errors %d; want 60, 0, 0, 0", res.messages, res.unanswered, res.lost, res.errors)
	}
}

// BenchmarkChatLoad is issue 10's load run: 500 concurrent WebSocket
// clients through the local stack, each sending 5 chat messages, reporting
// lost frames and unanswered messages (both must be 0) and the first-delta
// p50 and p99. Each iteration is one whole run (use -benchtime 1x).
func BenchmarkChatLoad(b *testing.B) {
	s := loadStack(b, "8")
	for b.Loop() {
		res, err := chatLoad(context.Background(), s, 500, 5, loadQuestions)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.lost), "lost-frames")
		b.ReportMetric(float64(res.unanswered), "unanswered")
		b.ReportMetric(float64(res.errors), "error-answers")
		b.ReportMetric(float64(percentile(res.firstDelta, 50).Milliseconds()), "first-delta-p50-ms")
		b.ReportMetric(float64(percentile(res.firstDelta, 99).Milliseconds()), "first-delta-p99-ms")
		b.ReportMetric(float64(res.messages)/res.elapsed.Seconds(), "messages/s")
		if res.lost != 0 || res.unanswered != 0 {
			b.Errorf("lost %d frames, %d messages unanswered (of %d)", res.lost, res.unanswered, res.messages)
		}
	}
}
