package bedrock_test

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/resync/resync/shared/adapter/bedrock"
	"github.com/resync/resync/shared/adapter/bedrock/bedrocksim"
	"github.com/resync/resync/shared/domain/llm"
)

// newEmbedder returns an Embedder on the stand-in, behind a handler that
// records the most calls it saw in flight at once.
func newEmbedder(t *testing.T, cfg bedrock.EmbedderConfig) (*bedrocksim.Server, *bedrock.Embedder, *atomic.Int64, *sleeps) {
	t.Helper()
	sim := bedrocksim.New()
	sim.Credentials("AKIDBEDROCKTEST", "bedrock-test-secret")
	var inFlight, peak atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(2 * time.Millisecond) // let concurrent calls overlap
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	client, err := bedrock.NewClient(t.Context(), "us-east-1", srv.URL,
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDBEDROCKTEST", "bedrock-test-secret", "")),
		config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}))
	if err != nil {
		t.Fatal(err)
	}
	sl := &sleeps{}
	cfg.Retry.Sleep = sl.sleep
	e, err := bedrock.NewEmbedder(client, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sim, e, &peak, sl
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func TestEmbed(t *testing.T) {
	var usage []llm.Usage
	var mu sync.Mutex
	sim, e, peak, _ := newEmbedder(t, bedrock.EmbedderConfig{Dimensions: 256, Concurrency: 3, OnUsage: func(u llm.Usage, model string) {
		mu.Lock()
		defer mu.Unlock()
		if model != bedrock.TitanEmbedV2 {
			t.Errorf("usage model = %q", model)
		}
		usage = append(usage, u)
	}})
	texts := make([]string, 10)
	for i := range texts {
		texts[i] = fmt.Sprintf("Runbook section %d: when FIN_LOAD abends, rerun it after checking the mount.", i)
	}
	texts[7] = texts[2] // a repeated text gets the same vector

	got, err := e.Embed(t.Context(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(texts) {
		t.Fatalf("got %d vectors, want %d", len(got), len(texts))
	}
	for i, v := range got {
		if len(v) != 256 {
			t.Errorf("vector %d has %d dimensions, want 256", i, len(v))
		}
		if n := norm(v); math.Abs(n-1) > 1e-4 {
			t.Errorf("vector %d norm = %v, want 1", i, n)
		}
	}
	if !slices.Equal(got[2], got[7]) {
		t.Error("equal texts gave different vectors")
	}
	if slices.Equal(got[0], got[1]) {
		t.Error("different texts gave equal vectors")
	}
	if want := bedrocksim.Embedding(texts[4], 256, true); !slices.Equal(got[4], want) {
		t.Error("vector 4 is not the stand-in's vector for text 4 (order lost?)")
	}

	again, err := e.Embed(t.Context(), texts[:3])
	if err != nil {
		t.Fatal(err)
	}
	for i := range again {
		if !slices.Equal(again[i], got[i]) {
			t.Errorf("vector %d changed between calls", i)
		}
	}

	reqs := sim.Embeddings()
	if len(reqs) != 13 {
		t.Fatalf("stand-in got %d calls, want 13 (one text per call)", len(reqs))
	}
	for _, r := range reqs {
		if r.ModelID != bedrock.TitanEmbedV2 || r.Dimensions != 256 || r.Normalize == nil || !*r.Normalize {
			t.Errorf("request = %+v", r)
		}
	}
	if p := peak.Load(); p > 3 || p < 2 {
		t.Errorf("peak concurrency = %d, want 2..3 (bounded by 3)", p)
	}
	if len(usage) != 2 || usage[0].InputTokens == 0 || usage[0].OutputTokens != 0 {
		t.Errorf("usage = %+v, want one record per Embed with input tokens", usage)
	}
}

func TestEmbedUnnormalized(t *testing.T) {
	_, e, _, _ := newEmbedder(t, bedrock.EmbedderConfig{Unnormalized: true})
	got, err := e.Embed(t.Context(), []string{"alpha beta gamma delta"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got[0]) != 1024 || e.Dimensions() != 1024 {
		t.Errorf("dimensions = %d, want the default 1024", len(got[0]))
	}
	if n := norm(got[0]); math.Abs(n-1) < 1e-3 {
		t.Errorf("norm = %v: the vector was normalised", n)
	}
}

func TestEmbedRetriesThrottling(t *testing.T) {
	sim, e, _, sl := newEmbedder(t, bedrock.EmbedderConfig{Dimensions: 512, Concurrency: 1, Retry: bedrock.Retry{Attempts: 3}})
	sim.Fail(bedrocksim.Throttling, 2)
	got, err := e.Embed(t.Context(), []string{"one", "two"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[0]) != 512 || len(sl.got()) != 2 || sim.Calls() != 4 {
		t.Errorf("vectors %d, sleeps %v, calls %d: want 2, two sleeps, 4 calls", len(got), sl.got(), sim.Calls())
	}
}

func TestEmbedErrors(t *testing.T) {
	tests := []struct {
		name  string
		fault *bedrocksim.Fault
		texts []string
		want  error
		calls int
	}{
		{"blank text refused before any call", nil, []string{"fine", " "}, llm.ErrInvalid, 0},
		{"throttled beyond attempts", &bedrocksim.Throttling, []string{"a"}, llm.ErrThrottled, 2},
		{"validation not retried", &bedrocksim.Validation, []string{"a"}, llm.ErrInvalid, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, e, _, _ := newEmbedder(t, bedrock.EmbedderConfig{Concurrency: 1, Retry: bedrock.Retry{Attempts: 2}})
			if tt.fault != nil {
				sim.Fail(*tt.fault, 10)
			}
			_, err := e.Embed(t.Context(), tt.texts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if sim.Calls() != tt.calls {
				t.Errorf("calls = %d, want %d", sim.Calls(), tt.calls)
			}
		})
	}
}

func TestEmbedFirstFailureStopsTheRest(t *testing.T) {
	sim, e, _, _ := newEmbedder(t, bedrock.EmbedderConfig{Concurrency: 1, Retry: bedrock.Retry{Attempts: 1}})
	sim.Fail(bedrocksim.Validation, 1)
	texts := make([]string, 20)
	for i := range texts {
		texts[i] = fmt.Sprint("text ", i)
	}
	_, err := e.Embed(t.Context(), texts)
	if !errors.Is(err, llm.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	if sim.Calls() > 2 {
		t.Errorf("calls = %d: the batch went on after the first failure", sim.Calls())
	}
}

func TestNewEmbedderRefusesBadConfig(t *testing.T) {
	_, client := newClient(t)
	for _, d := range []int{1, 300, 2048} {
		if _, err := bedrock.NewEmbedder(client, bedrock.EmbedderConfig{Dimensions: d}); err == nil {
			t.Errorf("dimensions %d: got no error", d)
		}
	}
	if _, err := bedrock.NewEmbedder(nil, bedrock.EmbedderConfig{}); err == nil {
		t.Error("nil client: got no error")
	}
}
