package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis keys of the health function.
const (
	keyLastDeep    = "resync:health:deep"        // the last deep report, JSON
	keyTransitions = "resync:health:transitions" // stream of state changes, for pushes to chat clients
	transitionsMax = 1000                        // approximate length kept
	lastDeepTTL    = 24 * time.Hour
)

// errNoReport means no deep check has been stored yet.
var errNoReport = errors.New("health: no deep check has run yet")

// Transition is a change of state of one check, or of the overall status
// (Check "overall").
type Transition struct {
	Check string    `json:"check"`
	From  string    `json:"from"` // "unknown" when there was no earlier report
	To    string    `json:"to"`
	At    time.Time `json:"at"`
	Error string    `json:"error,omitempty"`
}

// redisStore keeps the last report and the stream of transitions in Redis.
type redisStore struct{ rdb redis.UniversalClient }

// Save stores rep as the last report, atomically getting the previous one,
// and appends a transition for every check whose status changed. It returns
// the transitions recorded.
func (s redisStore) Save(ctx context.Context, rep Report) ([]Transition, error) {
	body, err := json.Marshal(rep)
	if err != nil {
		return nil, fmt.Errorf("health: encode report: %w", err)
	}
	old, err := s.rdb.SetArgs(ctx, keyLastDeep, body, redis.SetArgs{Get: true, TTL: lastDeepTTL}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("health: store report: %w", err)
	}
	var prev *Report
	if old != "" {
		var p Report
		if json.Unmarshal([]byte(old), &p) == nil {
			prev = &p
		}
	}
	ts := transitions(prev, rep)
	if len(ts) == 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	for _, t := range ts {
		tb, _ := json.Marshal(t)
		pipe.XAdd(ctx, &redis.XAddArgs{
			Stream: keyTransitions, MaxLen: transitionsMax, Approx: true,
			Values: map[string]any{"check": t.Check, "to": t.To, "transition": string(tb)},
		})
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("health: record transitions: %w", err)
	}
	return ts, nil
}

// Last returns the last stored report, or errNoReport.
func (s redisStore) Last(ctx context.Context) (Report, error) {
	b, err := s.rdb.Get(ctx, keyLastDeep).Bytes()
	if errors.Is(err, redis.Nil) {
		return Report{}, errNoReport
	}
	if err != nil {
		return Report{}, fmt.Errorf("health: read report: %w", err)
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return Report{}, fmt.Errorf("health: decode report: %w", err)
	}
	return rep, nil
}

// Transitions returns up to n most recent transitions, newest first.
func (s redisStore) Transitions(ctx context.Context, n int64) ([]Transition, error) {
	msgs, err := s.rdb.XRevRangeN(ctx, keyTransitions, "+", "-", n).Result()
	if err != nil {
		return nil, fmt.Errorf("health: read transitions: %w", err)
	}
	out := make([]Transition, 0, len(msgs))
	for _, m := range msgs {
		var t Transition
		if s, ok := m.Values["transition"].(string); ok && json.Unmarshal([]byte(s), &t) == nil {
			out = append(out, t)
		}
	}
	return out, nil
}

// transitions compares two reports: the overall status and every check.
func transitions(prev *Report, cur Report) []Transition {
	was := map[string]string{}
	if prev != nil {
		was["overall"] = prev.Status
		for _, c := range prev.Checks {
			was[c.Name] = string(c.Status)
		}
	}
	from := func(name string) string {
		if s, ok := was[name]; ok {
			return s
		}
		return "unknown"
	}
	var ts []Transition
	if f := from("overall"); f != cur.Status {
		ts = append(ts, Transition{Check: "overall", From: f, To: cur.Status, At: cur.CheckedAt})
	}
	for _, c := range cur.Checks {
		if f := from(c.Name); f != string(c.Status) {
			ts = append(ts, Transition{Check: c.Name, From: f, To: string(c.Status), At: cur.CheckedAt, Error: c.Error})
		}
	}
	return ts
}
