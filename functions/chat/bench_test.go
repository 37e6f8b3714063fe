package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/resync/resync/shared/adapter/redis/ratelimit"
	"github.com/resync/resync/shared/app/offline"
	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/edge/auth"
)

// timingWire notes when the first delta of each message was posted.
type timingWire struct {
	mu    sync.Mutex
	first map[string]time.Time
	posts map[string]int
}

func (w *timingWire) Post(_ context.Context, _ string, frame any) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	var id string
	switch f := frame.(type) {
	case frames.Delta:
		id = f.ID
		if _, ok := w.first[id]; !ok {
			w.first[id] = time.Now()
		}
	case frames.Ack:
		id = f.ID
	case frames.Tool:
		id = f.ID
	case frames.Final:
		id = f.ID
	case frames.Error:
		panic(fmt.Sprintf("error frame: %+v", f))
	}
	w.posts[id]++
	return nil
}

// BenchmarkChatFirstDelta measures, with the offline model against the
// simulator, the time from a chat frame arriving to its first delta post
// (p50, p99) and the frames posted per answer.
func BenchmarkChatFirstDelta(b *testing.B) {
	f := newFixture(b, offline.New())
	w := &timingWire{first: map[string]time.Time{}, posts: map[string]int{}}
	f.h.post = w
	lim, err := ratelimit.New(f.rdb, ratelimit.Config{Rules: map[ratelimit.Kind]ratelimit.Rule{ratelimit.KindMessage: {Rate: 1 << 20, Period: time.Second, Burst: 1 << 20}}})
	if err != nil {
		b.Fatal(err)
	}
	f.h.limits = lim // the benchmark measures answers, not the per-user limit
	f.connect(b, "c1", "otto", auth.RoleOperator)
	ctx := context.Background()
	questions := []string{"which jobs abended?", "give me a summary of the plan", "which workstations are unlinked?", "show critical jobs"}
	lat := make([]time.Duration, 0, b.N)
	var posts int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := fmt.Sprintf("bench-%d", i)
		body, _ := json.Marshal(map[string]any{"action": "chat", "id": id, "conversationId": id, "text": questions[i%len(questions)]})
		start := time.Now()
		if _, err := f.h.Handle(ctx, wsEvent("chat", "c1", string(body), nil)); err != nil {
			b.Fatal(err)
		}
		w.mu.Lock()
		first, ok := w.first[id]
		posts += w.posts[id]
		w.mu.Unlock()
		if !ok {
			b.Fatalf("no delta for %q", questions[i%len(questions)])
		}
		lat = append(lat, first.Sub(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "first-delta-p50-ms")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "first-delta-p99-ms")
	b.ReportMetric(float64(posts)/float64(b.N), "posts/answer")
}
