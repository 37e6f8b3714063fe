package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/app/docs"
)

// The topology sync benchmarks run the simulator as its own process (so the
// heap measured is the sync's, not the simulated plan's) and sync through
// the real HWA client into Neo4j. Each reports seconds per sync, HWA calls
// and megabytes read per sync, and the peak live heap while it ran.
// Issue 14's targets at 100,000 jobs: a full sync <= 60 s with peak heap
// <= 200 MB, an incremental sync (1 % changed) <= 5 s.
var syncSizes = []int{1000, 10000, 100000}

// BenchmarkTopologySyncFull syncs the plan into an empty engine.
func BenchmarkTopologySyncFull(b *testing.B) {
	for _, n := range syncSizes {
		b.Run("jobs="+strconv.Itoa(n), func(b *testing.B) {
			e := newSyncBench(b, n)
			// The plan holds n jobs and the recovery jobs its examples added.
			_, total, err := e.hc.JobPage(context.Background(), hwa.Query{PageSize: 1}, 0)
			if err != nil || total < int64(n) {
				b.Fatalf("plan size = %d, %v; want at least %d jobs", total, err, n)
			}
			var last graph.SyncResult
			i := 0
			e.measure(b, func() {
				h := e.handler(b, fmt.Sprintf("%s-%d", e.engine, i))
				i++
				res, err := h.syncTopology(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				last = res
			})
			if int64(last.ChangedJobs) != total || int64(last.Jobs) != total {
				b.Fatalf("full sync = %+v, want %d jobs written", last, total)
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "jobs/s")
		})
	}
}

// BenchmarkTopologySyncIncremental holds (then releases, alternately) 1 %
// of the jobs between syncs of an engine synced once before the timer, and
// times the sync that follows.
func BenchmarkTopologySyncIncremental(b *testing.B) {
	for _, n := range syncSizes {
		b.Run("jobs="+strconv.Itoa(n), func(b *testing.B) {
			e := newSyncBench(b, n)
			h := e.handler(b, e.engine)
			ctx := context.Background()
			if _, err := h.syncTopology(ctx); err != nil {
				b.Fatal(err)
			}
			// The jobs to change: the first 1 % the simulator lets us hold
			// (not started, not held yet), held now and synced untimed; the
			// first timed sync follows their release.
			var ids []string
			for j, err := range e.hc.Jobs(ctx, hwa.Query{PageSize: syncPageSize}) {
				if err != nil {
					b.Fatal(err)
				}
				if len(ids) == n/100 || j.Priority == 0 {
					continue
				}
				if _, err := e.hc.Hold(ctx, j.ID, hwa.ActionOptions{}); err == nil {
					ids = append(ids, j.ID)
				}
			}
			if len(ids) < n/100 {
				b.Fatalf("only %d jobs could be held, want %d", len(ids), n/100)
			}
			if _, err := h.syncTopology(ctx); err != nil {
				b.Fatal(err)
			}
			changed := 0
			i := 1
			e.measure(b, func() {
				b.StopTimer()
				for _, id := range ids {
					var err error
					if i%2 == 0 {
						_, err = e.hc.Hold(ctx, id, hwa.ActionOptions{})
					} else {
						_, err = e.hc.Release(ctx, id, hwa.ActionOptions{})
					}
					if err != nil {
						b.Fatalf("change job %s: %v", id, err)
					}
				}
				i++
				e.calls.Store(0)
				e.bytes.Store(0)
				b.StartTimer()
				res, err := h.syncTopology(ctx)
				if err != nil {
					b.Fatal(err)
				}
				changed += res.ChangedJobs
			})
			if changed < len(ids)*b.N {
				b.Fatalf("incremental syncs wrote %d jobs, want at least %d", changed, len(ids)*b.N)
			}
			b.ReportMetric(float64(changed)/float64(b.N), "changed/op")
		})
	}
}

// syncBench is one simulator process and the clients a sync uses.
type syncBench struct {
	engine       string
	cfg          testenv.Neo4jConfig
	hc           *hwa.Client
	calls, bytes atomic.Int64
	stores       []*graph.Store
}

func newSyncBench(b *testing.B, jobs int) *syncBench {
	b.Helper()
	e := &syncBench{cfg: testenv.Neo4j(b), engine: fmt.Sprintf("bench-sync-%d-%d", jobs, time.Now().UnixNano())}
	url, _ := testenv.Simulator(b, "-seed", "3", "-jobs", strconv.Itoa(jobs))
	hc, err := hwa.New(hwa.Config{BaseURL: url, Timeout: 60 * time.Second, PageSize: syncPageSize,
		Observe:   func(hwa.Call) { e.calls.Add(1) },
		Transport: testenv.CountBytes(http.DefaultTransport, &e.bytes)})
	if err != nil {
		b.Fatal(err)
	}
	e.hc = hc
	b.Cleanup(func() {
		ctx := context.Background()
		for _, s := range e.stores {
			_, _ = s.UpsertTopology(ctx, graph.Snapshot{}) // an empty plan removes the engine's

			_ = s.Close(ctx)
		}
	})
	return e
}

// handler is ingest's handler syncing into engine.
func (e *syncBench) handler(b *testing.B, engine string) *handler {
	b.Helper()
	ctx := context.Background()
	store, err := graph.Open(ctx, graph.Config{URI: e.cfg.URI, User: e.cfg.User, Password: e.cfg.Password, Engine: engine, RetryTime: 30 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	e.stores = append(e.stores, store)
	if err := store.EnsureSchema(ctx); err != nil {
		b.Fatal(err)
	}
	return newHandler(handlerDeps{docs: store, topology: store, plan: hwaPlan{e.hc}, embed: docs.Hashing{}})
}

// measure runs sync b.N times and reports HWA calls and MB read per sync
// and the peak live heap (runtime/metrics, sampled every 10 ms).
func (e *syncBench) measure(b *testing.B, sync func()) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	e.calls.Store(0)
	e.bytes.Store(0)
	var calls, bytes int64
	// SYNC_CPUPROFILE=dir profiles the timed syncs only, one file per
	// benchmark (the setup of an incremental one is a full sync).
	if dir := os.Getenv("SYNC_CPUPROFILE"); dir != "" {
		f, err := os.Create(filepath.Join(dir, strings.NewReplacer("/", "_", "=", "").Replace(b.Name())+".prof"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	b.ResetTimer()
	for b.Loop() {
		sync()
		calls += e.calls.Load()
		bytes += e.bytes.Load()
		e.calls.Store(0)
		e.bytes.Store(0)
	}
	b.StopTimer()
	close(stop)
	<-done
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/sync")
	b.ReportMetric(float64(calls)/float64(b.N), "hwa-calls/op")
	b.ReportMetric(float64(bytes)/float64(b.N)/(1<<20), "hwa-MB/op")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
}
