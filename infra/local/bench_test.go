package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resync/resync/infra/local/internal/lambdasvc"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	sharedconfig "github.com/resync/resync/shared/edge/config"
	"github.com/resync/resync/shared/edge/routes"
)

// benchStack starts the stack with the real status function against a
// simulator the benchmark can count requests on.
// benchRateLimits lifts the per-user HTTP limits for the benchmarks and the
// leak check, which send thousands of requests as one user.
const benchRateLimits = "http-read=10000000/1m:1000000,http-write=10000000/1m:1000000"

func benchStack(b *testing.B) (*stack, *hwasim.Server, string) {
	b.Helper()
	dir := b.TempDir()
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(dir, "status"), "../../functions/status")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build status: %v\n%s", err, out)
	}
	sim := hwasim.New(hwasim.Config{Seed: 3})
	srv := httptest.NewServer(sim)
	b.Cleanup(srv.Close)
	vars := map[string]string{envAddr: "127.0.0.1:0", envBinDir: dir, envSchedules: "off", "PATH": os.Getenv("PATH"), "HWA_URL": srv.URL, envConcurrency: "8",
		// Thousands of requests by one user: past the per-user HTTP limits.
		sharedconfig.EnvRateLimits: benchRateLimits}
	cfg, err := loadConfig(func(k string) string { return vars[k] }, routes.Functions())
	if err != nil {
		b.Fatal(err)
	}
	out := &syncBuffer{}
	s, err := startStack(context.Background(), cfg, out, out, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close(context.Background()) })
	tok, _, err := s.minter.Mint("bench", "viewer")
	if err != nil {
		b.Fatal(err)
	}
	return s, sim, tok
}

func get(client *http.Client, url, token string) (int, error) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// BenchmarkStackRoutes measures the summary and a job list through the local
// stack (API Gateway stand-in → Lambda stand-in → the real status binary →
// cache → simulator) at 1, 10 and 100 concurrent clients, reporting p50,
// p99 and requests per second. The cache is warm: this is the hit path.
func BenchmarkStackRoutes(b *testing.B) {
	s, _, tok := benchStack(b)
	for _, route := range []struct{ name, path string }{
		{"summary", "/api/v1/plan/summary"},
		{"jobs", "/api/v1/jobs?status=ERROR&limit=50"},
	} {
		for _, clients := range []int{1, 10, 100} {
			b.Run(fmt.Sprintf("%s/clients=%d", route.name, clients), func(b *testing.B) {
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
				if code, err := get(client, s.url+route.path, tok); err != nil || code != 200 {
					b.Fatalf("warm-up: %d %v", code, err)
				}
				lat := make([]time.Duration, b.N)
				var wg sync.WaitGroup
				next := make(chan int, b.N)
				for i := 0; i < b.N; i++ {
					next <- i
				}
				close(next)
				b.ResetTimer()
				start := time.Now()
				for c := 0; c < clients; c++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := range next {
							t0 := time.Now()
							code, err := get(client, s.url+route.path, tok)
							lat[i] = time.Since(t0)
							if err != nil || code != 200 {
								b.Errorf("GET %s: %d %v", route.path, code, err)
								return
							}
						}
					}()
				}
				wg.Wait()
				elapsed := time.Since(start)
				b.StopTimer()
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
			})
		}
	}
}

// BenchmarkColdStampede sends 1,000 concurrent identical requests for a job
// list nobody has asked for yet and reports how many HWA calls they caused
// (one per function process at most, thanks to the cache's single flight
// and the shared Redis tier).
func BenchmarkColdStampede(b *testing.B) {
	s, sim, tok := benchStack(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1000, MaxConnsPerHost: 1000}}
	if code, err := get(client, s.url+"/api/v1/plan/summary", tok); err != nil || code != 200 { // start the processes
		b.Fatalf("warm-up: %d %v", code, err)
	}
	var calls int
	for i := 0; i < b.N; i++ {
		path := fmt.Sprintf("/api/v1/jobs?limit=%d", 20+i%400) // a new cache key each round
		before := countJobCalls(sim)
		var wg sync.WaitGroup
		for c := 0; c < 1000; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if code, err := get(client, s.url+path, tok); err != nil || code != 200 {
					b.Errorf("GET %s: %d %v", path, code, err)
				}
			}()
		}
		wg.Wait()
		calls += countJobCalls(sim) - before
	}
	b.ReportMetric(float64(calls)/float64(b.N), "hwa-calls/1000-requests")
}

func countJobCalls(sim *hwasim.Server) int {
	n := 0
	for _, r := range sim.Requests() {
		if strings.HasSuffix(r.Path, "/plan/job") {
			n++
		}
	}
	return n
}

// BenchmarkInit reports each function binary's init time: process start to
// its first "next" call on the Runtime API, as the Lambda stand-in measures
// it on a cold invoke.
func BenchmarkInit(b *testing.B) {
	dir := b.TempDir()
	for _, fn := range routes.Functions() {
		if _, err := os.Stat("../../functions/" + fn + "/main.go"); err != nil {
			continue
		}
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(dir, fn), "../../functions/"+fn)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("build %s: %v\n%s", fn, err, out)
		}
	}
	sim := httptest.NewServer(hwasim.New(hwasim.Config{Seed: 1}))
	b.Cleanup(sim.Close)
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		sharedconfig.EnvHWAURL + "=" + sim.URL,
		sharedconfig.EnvRedisURL + "=redis://127.0.0.1:1",
		sharedconfig.EnvAuthIssuer + "=resync-local", sharedconfig.EnvAuthClientID + "=resync-web",
		sharedconfig.EnvAuthHS256 + "=bench-secret-bench-secret-bench-secret",
		sharedconfig.EnvWSEndpoint + "=http://127.0.0.1:9",
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=bench", "AWS_SECRET_ACCESS_KEY=bench", "AWS_EC2_METADATA_DISABLED=true",
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		fn := e.Name()
		b.Run(fn, func(b *testing.B) {
			var total time.Duration
			for i := 0; i < b.N; i++ {
				svc := lambdasvc.New(lambdasvc.Options{})
				if err := svc.Register(lambdasvc.Function{Name: fn, Path: filepath.Join(dir, fn), Env: env, Concurrency: 1}); err != nil {
					b.Fatal(err)
				}
				res, err := svc.Invoke(context.Background(), fn, []byte(`{"version":"2.0","routeKey":"GET /health","rawPath":"/health","requestContext":{"http":{"method":"GET","path":"/health"}}}`))
				svc.Close(time.Second)
				if err != nil {
					b.Skipf("invoke %s: %v (its init needs settings this benchmark does not give)", fn, err)
				}
				total += res.InitDuration
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "init-ms")
		})
	}
}
