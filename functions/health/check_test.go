package main

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
)

func TestCheckerRun(t *testing.T) {
	var (
		mu       sync.Mutex
		failures []string
	)
	c := &checker{
		now: time.Now,
		failed: func(_ context.Context, name string, err error) {
			mu.Lock()
			defer mu.Unlock()
			failures = append(failures, name)
		},
		probes: []probe{
			{name: "good", timeout: time.Second, run: func(context.Context) (string, error) { return "fine", nil }},
			{name: "slow", timeout: 50 * time.Millisecond, run: func(ctx context.Context) (string, error) {
				<-ctx.Done()
				return "", ctx.Err()
			}},
			{name: "hwa", timeout: time.Second, run: func(context.Context) (string, error) {
				return "", &hwa.Error{Op: "get engine info", Status: 401, Kind: hwa.ErrUnauthorized, Message: "user twsuser at 10.0.0.5"}
			}},
			{name: "broken", timeout: time.Second, run: func(context.Context) (string, error) {
				return "", errors.New("dial tcp 10.1.2.3:6379: connection refused")
			}},
			{name: "panics", timeout: time.Second, run: func(context.Context) (string, error) { panic("boom") }},
			skipped("neo4j", "NEO4J_URI is not set"),
		},
	}
	start := time.Now()
	rep := c.run(context.Background())
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("checks took %v; they should run concurrently under their own timeouts", d)
	}
	if rep.Status != OverallDegraded {
		t.Errorf("overall = %q, want degraded", rep.Status)
	}
	want := []CheckResult{
		{Name: "good", Status: StatusOK, Detail: "fine"},
		{Name: "slow", Status: StatusFail, Error: "timed out after 50ms"},
		{Name: "hwa", Status: StatusFail, Error: "HWA answered: unauthorized (HTTP 401)"},
		{Name: "broken", Status: StatusFail, Error: "failed; see the function log"},
		{Name: "panics", Status: StatusFail, Error: "failed; see the function log"},
		{Name: "neo4j", Status: StatusSkipped, Detail: "NEO4J_URI is not set"},
	}
	if len(rep.Checks) != len(want) {
		t.Fatalf("checks = %d, want %d", len(rep.Checks), len(want))
	}
	for i, w := range want {
		got := rep.Checks[i]
		got.LatencyMS = 0
		if got != w {
			t.Errorf("check %d = %+v, want %+v", i, got, w)
		}
	}
	if len(failures) != 4 {
		t.Errorf("failure callbacks = %v, want 4", failures)
	}
}

func TestCheckerAllOK(t *testing.T) {
	c := &checker{now: time.Now, probes: []probe{
		{name: "a", timeout: time.Second, run: func(context.Context) (string, error) { return "", nil }},
		skipped("b", "off"),
	}}
	if rep := c.run(context.Background()); rep.Status != OverallOK {
		t.Errorf("overall = %q, want ok (skipped checks do not degrade)", rep.Status)
	}
}
