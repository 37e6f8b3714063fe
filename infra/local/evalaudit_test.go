package main

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/redis/cache"
	"github.com/resync/resync/shared/app/memory"
	"github.com/resync/resync/shared/app/planview"
)

// evalAuditor runs the answer auditor (shared/app/memory) of the deployed
// stack over the eval's answers, reading the same simulator through its own
// plan view: every finding on an answer the grader judged correct is a
// false alarm the review queue would show an operator.
type evalAuditor struct {
	aud *memory.Auditor
}

// newEvalAuditor builds an Auditor over a plan view of hc, cached in a
// miniredis of the test's own.
func newEvalAuditor(t *testing.T, hc *hwa.Client) *evalAuditor {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	c, err := cache.New(rdb, cache.Config{})
	if err != nil {
		t.Fatalf("eval auditor: cache: %v", err)
	}
	plan := planview.New(hwa.PlanSource{Client: hc}, c, nil)
	return &evalAuditor{aud: &memory.Auditor{Plan: memory.PlanView{Plan: plan, Conditions: hwa.PlanSource{Client: hc}}}}
}

// check audits one answer as given now and returns its findings as text; a
// failure to read the plan is a test error, not a finding.
func (e *evalAuditor) check(ctx context.Context, t *testing.T, question string, a evalAnswer) []string {
	t.Helper()
	fs, err := e.aud.Check(ctx, time.Now(), question, a.text, a.cited)
	if err != nil {
		t.Errorf("eval auditor: check %q: %v", question, err)
		return nil
	}
	var out []string
	for _, f := range fs {
		out = append(out, f.Reason+": "+f.Detail)
	}
	return out
}
