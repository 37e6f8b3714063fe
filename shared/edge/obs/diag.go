package obs

import (
	"context"
	"encoding/json"
	"io"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
)

// EnvDiagEvery turns on the process diagnostics: "500" writes one "diag"
// line (invokes, goroutines, heap in use, live heap after the last GC)
// every 500 invokes. The local
// stack's leak benchmark reads them; unset, nothing is counted or written.
const EnvDiagEvery = "RESYNC_DIAG_EVERY"

// Diag counts invokes and writes a diagnostics line every so many. A nil
// *Diag does nothing. It is safe for concurrent use.
type Diag struct {
	every int64
	n     atomic.Int64
	mu    sync.Mutex
	out   io.Writer
}

// NewDiag returns the diagnostics EnvDiagEvery asks for, or nil.
func NewDiag(getenv func(string) string, out io.Writer) *Diag {
	every, err := strconv.ParseInt(getenv(EnvDiagEvery), 10, 64)
	if err != nil || every <= 0 {
		return nil
	}
	return &Diag{every: every, out: out}
}

// Counted wraps a Lambda handler so that d counts its invokes.
func Counted[In, Out any](d *Diag, f func(context.Context, In) (Out, error)) func(context.Context, In) (Out, error) {
	if d == nil {
		return f
	}
	return func(ctx context.Context, in In) (Out, error) {
		out, err := f(ctx, in)
		d.tick()
		return out, err
	}
}

func (d *Diag) tick() {
	n := d.n.Add(1)
	if n%d.every != 0 {
		return
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	// The live heap as the last GC marked it: unlike HeapInuse it holds no
	// garbage, so it grows only with what the process keeps.
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	var liveBytes uint64
	if live[0].Value.Kind() == metrics.KindUint64 {
		liveBytes = live[0].Value.Uint64()
	}
	line, _ := json.Marshal(map[string]any{
		"level": "INFO", "message": "diag", "invokes": n,
		"goroutines": runtime.NumGoroutine(), "heapInuseBytes": ms.HeapInuse, "heapLiveBytes": liveBytes,
	})
	d.mu.Lock()
	defer d.mu.Unlock()
	_, _ = d.out.Write(append(line, '\n'))
}
