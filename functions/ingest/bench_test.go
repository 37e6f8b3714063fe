package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/app/docs"
)

// BenchmarkTopologySync20k syncs a 20,000-job simulator plan into Neo4j
// through the real HWA client, reporting jobs/s and the peak heap in use
// while it ran (the sync streams pages and keeps only edge id pairs).
func BenchmarkTopologySync20k(b *testing.B) {
	cfg := testenv.Neo4j(b)
	ctx := context.Background()
	engine := fmt.Sprintf("bench-sync-%d", time.Now().UnixNano())
	store, err := graph.Open(ctx, graph.Config{URI: cfg.URI, User: cfg.User, Password: cfg.Password, Engine: engine})
	if err != nil {
		b.Fatal(err)
	}
	if err := store.EnsureSchema(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if s, err := store.BeginTopology(ctx); err == nil {
			_, _ = s.Commit(ctx) // an empty sync removes the engine's plan
		}
		_ = store.Close(ctx)
	})
	sim := hwasim.New(hwasim.Config{Seed: 3, Jobs: 20000})
	srv := httptest.NewServer(sim)
	b.Cleanup(srv.Close)
	hc, err := hwa.New(hwa.Config{BaseURL: srv.URL, Timeout: 30 * time.Second, PageSize: syncPageSize})
	if err != nil {
		b.Fatal(err)
	}
	h := newHandler(handlerDeps{docs: store, topology: store, plan: hwaPlan{hc}, embed: docs.Hashing{}})

	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	var jobs int
	b.ResetTimer()
	for b.Loop() {
		res, err := h.syncTopology(ctx)
		if err != nil {
			b.Fatal(err)
		}
		jobs += res.Jobs
	}
	close(stop)
	b.ReportMetric(float64(jobs)/b.Elapsed().Seconds(), "jobs/s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
}
