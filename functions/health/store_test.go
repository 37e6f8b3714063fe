package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/adapter/graph"
)

func newRedis(t testing.TB) (*miniredis.Miniredis, *redis.Client) {
	t.Helper()
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	return m, rdb
}

func report(at time.Time, statuses ...Status) Report {
	names := []string{"hwa", "redis", "neo4j"}
	rep := Report{Status: OverallOK, CheckedAt: at}
	for i, s := range statuses {
		rep.Checks = append(rep.Checks, CheckResult{Name: names[i], Status: s})
		if s == StatusFail {
			rep.Status = OverallDegraded
		}
	}
	return rep
}

func TestStoreTransitions(t *testing.T) {
	_, rdb := newRedis(t)
	s := redisStore{rdb: rdb}
	ctx := context.Background()
	t0 := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)

	if _, err := s.Last(ctx); !errors.Is(err, errNoReport) {
		t.Fatalf("Last on empty store: err = %v, want errNoReport", err)
	}
	steps := []struct {
		rep  Report
		want []string // "check:from->to"
	}{
		{report(t0, StatusOK, StatusOK, StatusSkipped), []string{"overall:unknown->ok", "hwa:unknown->ok", "redis:unknown->ok", "neo4j:unknown->skipped"}},
		{report(t0.Add(5*time.Minute), StatusOK, StatusOK, StatusSkipped), nil},
		{report(t0.Add(10*time.Minute), StatusFail, StatusOK, StatusSkipped), []string{"overall:ok->degraded", "hwa:ok->fail"}},
		{report(t0.Add(15*time.Minute), StatusOK, StatusOK, StatusSkipped), []string{"overall:degraded->ok", "hwa:fail->ok"}},
	}
	total := 0
	for i, st := range steps {
		ts, err := s.Save(ctx, st.rep)
		if err != nil {
			t.Fatalf("step %d: Save: %v", i, err)
		}
		var got []string
		for _, tr := range ts {
			got = append(got, tr.Check+":"+tr.From+"->"+tr.To)
		}
		if len(got) != len(st.want) {
			t.Errorf("step %d: transitions %v, want %v", i, got, st.want)
			continue
		}
		for j := range got {
			if got[j] != st.want[j] {
				t.Errorf("step %d: transitions %v, want %v", i, got, st.want)
				break
			}
		}
		total += len(got)
		last, err := s.Last(ctx)
		if err != nil || !last.CheckedAt.Equal(st.rep.CheckedAt) {
			t.Errorf("step %d: Last = %v, %v; want the report just saved", i, last.CheckedAt, err)
		}
	}
	recorded, err := s.Transitions(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(recorded) != total {
		t.Fatalf("stream holds %d transitions, want %d", len(recorded), total)
	}
	if r := recorded[0]; r.Check != "hwa" || r.From != "fail" || r.To != "ok" {
		t.Errorf("newest transition = %+v, want hwa fail->ok", r)
	}
}

func TestStoreRedisDown(t *testing.T) {
	m, rdb := newRedis(t)
	m.Close()
	s := redisStore{rdb: rdb}
	if _, err := s.Save(context.Background(), report(time.Now(), StatusOK)); err == nil {
		t.Error("Save with Redis down: nil error")
	}
	if _, err := s.Last(context.Background()); err == nil || errors.Is(err, errNoReport) {
		t.Errorf("Last with Redis down: err = %v, want a store error", err)
	}
}

func TestRedisProbe(t *testing.T) {
	m, rdb := newRedis(t)
	p := redisProbe(rdb, time.Second)
	if _, err := p.run(context.Background()); err != nil {
		t.Fatalf("probe against a live Redis: %v", err)
	}
	if keys := m.Keys(); len(keys) != 0 {
		t.Errorf("probe left keys behind: %v", keys)
	}
	m.Close()
	if _, err := p.run(context.Background()); err == nil {
		t.Error("probe against a closed Redis: nil error")
	}
}

// TestStoreRealRedis runs the store against the real Redis of make test
// (SET ... GET needs Redis 6.2 or later).
func TestStoreRealRedis(t *testing.T) {
	addr := testenv.RedisAddr(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	cleanup := func() { rdb.Del(ctx, keyLastDeep, keyTransitions) }
	cleanup()
	t.Cleanup(cleanup)
	s := redisStore{rdb: rdb}
	t0 := time.Now().UTC()
	if _, err := s.Save(ctx, report(t0, StatusOK, StatusOK)); err != nil {
		t.Fatalf("Save: %v", err)
	}
	ts, err := s.Save(ctx, report(t0.Add(time.Minute), StatusOK, StatusFail))
	if err != nil {
		t.Fatalf("Save: %v", err)
	}
	if len(ts) != 2 || ts[1].Check != "redis" || ts[1].To != "fail" {
		t.Errorf("transitions = %+v, want overall and redis to fail", ts)
	}
	if _, err := redisProbe(rdb, time.Second).run(ctx); err != nil {
		t.Errorf("redis probe against the real server: %v", err)
	}
}

// TestNeo4jProbeRealServer runs the Neo4j check against the real Neo4j of
// make test.
func TestNeo4jProbeRealServer(t *testing.T) {
	cfg := testenv.Neo4j(t)
	g, err := graph.Open(context.Background(), graph.Config{URI: cfg.URI, User: cfg.User, Password: cfg.Password})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close(context.Background()) })
	detail, err := neo4jProbe(g, 10*time.Second).run(context.Background())
	if err != nil {
		t.Fatalf("neo4j probe: %v", err)
	}
	if detail == "" {
		t.Error("empty detail")
	}
}
