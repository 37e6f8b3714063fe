package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/internal/testenv"
)

func miniLimiter(t *testing.T, rules map[Kind]Rule) (*Limiter, *miniredis.Miniredis) {
	t.Helper()
	mr := miniredis.RunT(t)
	mr.SetTime(time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC))
	// No retries, so the Redis-down case fails at once.
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { rdb.Close() })
	l, err := New(rdb, Config{Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	return l, mr
}

func realLimiter(t *testing.T, rules map[Kind]Rule) *Limiter {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
	t.Cleanup(func() { rdb.Close() })
	l, err := New(rdb, Config{Rules: rules, Prefix: fmt.Sprintf("test:%d:", time.Now().UnixNano())})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func allow(t *testing.T, l *Limiter, kind Kind, user string) Decision {
	t.Helper()
	d, err := l.Allow(context.Background(), kind, user)
	if err != nil {
		t.Fatalf("Allow(%s, %s): %v", kind, user, err)
	}
	return d
}

// With the default rules and Redis time standing still, exactly the budget is
// allowed, and the refusal says when the next event fits.
func TestBudgetThenRetryAfter(t *testing.T) {
	tests := []struct {
		kind      Kind
		budget    int
		wantRetry time.Duration
	}{
		{KindMessage, 20, 3 * time.Second},  // 20 a minute: one every 3 s
		{KindAction, 30, 120 * time.Second}, // 30 an hour: one every 2 min
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			l, mr := miniLimiter(t, nil)
			for i := range tt.budget {
				if d := allow(t, l, tt.kind, "alice"); !d.Allowed || d.Remaining != tt.budget-1-i {
					t.Fatalf("event %d: got allowed %v remaining %d, want true %d", i, d.Allowed, d.Remaining, tt.budget-1-i)
				}
			}
			d := allow(t, l, tt.kind, "alice")
			if d.Allowed || d.RetryAfter < tt.wantRetry-time.Millisecond || d.RetryAfter > tt.wantRetry {
				t.Errorf("over budget: got allowed %v retry after %v, want false %v", d.Allowed, d.RetryAfter, tt.wantRetry)
			}
			err := d.Err(tt.kind)
			var le *LimitedError
			if !errors.Is(err, ErrLimited) || !errors.As(err, &le) || le.RetryAfter != d.RetryAfter {
				t.Errorf("Err: got %v, want a *LimitedError with the retry time", err)
			}
			// Other users and other kinds have their own budget.
			if d := allow(t, l, tt.kind, "bob"); !d.Allowed {
				t.Errorf("bob: refused, want allowed")
			}
			mr.SetTime(time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC).Add(tt.wantRetry))
			if d := allow(t, l, tt.kind, "alice"); !d.Allowed {
				t.Errorf("after %v: refused, want allowed", tt.wantRetry)
			}
			if d := allow(t, l, tt.kind, "alice"); d.Allowed {
				t.Errorf("second event after %v: allowed, want refused", tt.wantRetry)
			}
		})
	}
}

func TestKindsAreSeparate(t *testing.T) {
	l, _ := miniLimiter(t, map[Kind]Rule{KindMessage: {Rate: 1, Period: time.Minute}, KindAction: {Rate: 1, Period: time.Hour}})
	if !allow(t, l, KindMessage, "alice").Allowed || !allow(t, l, KindAction, "alice").Allowed {
		t.Errorf("first message and first action: want both allowed")
	}
	if allow(t, l, KindMessage, "alice").Allowed || allow(t, l, KindAction, "alice").Allowed {
		t.Errorf("second message and second action: want both refused")
	}
}

func TestReset(t *testing.T) {
	l, _ := miniLimiter(t, map[Kind]Rule{KindAction: {Rate: 1, Period: time.Hour}})
	allow(t, l, KindAction, "alice")
	if allow(t, l, KindAction, "alice").Allowed {
		t.Fatal("second action allowed, want refused")
	}
	if err := l.Reset(context.Background(), KindAction, "alice"); err != nil {
		t.Fatal(err)
	}
	if !allow(t, l, KindAction, "alice").Allowed {
		t.Error("after Reset: refused, want allowed")
	}
}

func TestErrors(t *testing.T) {
	l, mr := miniLimiter(t, nil)
	if _, err := l.Allow(context.Background(), "upload", "alice"); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("unknown kind: got %v, want ErrUnknownKind", err)
	}
	if _, err := l.Allow(context.Background(), KindMessage, ""); err == nil {
		t.Errorf("empty user: got nil error, want one")
	}
	mr.Close()
	if _, err := l.Allow(context.Background(), KindMessage, "alice"); err == nil {
		t.Errorf("Redis down: got nil error, want one")
	}
	bad := []map[Kind]Rule{
		{KindMessage: {Rate: 0, Period: time.Minute}},
		{KindMessage: {Rate: 1, Period: 0}},
		{KindMessage: {Rate: 1, Period: time.Minute, Burst: -1}},
	}
	for _, rules := range bad {
		if _, err := New(nil, Config{Rules: rules}); err == nil {
			t.Errorf("New(%v): got nil error, want one", rules)
		}
	}
}

func TestLimitedErrorText(t *testing.T) {
	tests := []struct {
		retry time.Duration
		want  string
	}{
		{300 * time.Millisecond, "ratelimit: too many messages; retry in 1s"},
		{3 * time.Second, "ratelimit: too many messages; retry in 3s"},
		{2*time.Minute + time.Millisecond, "ratelimit: too many messages; retry in 121s"},
	}
	for _, tt := range tests {
		if got := (&LimitedError{Kind: KindMessage, RetryAfter: tt.retry}).Error(); got != tt.want {
			t.Errorf("%v: got %q, want %q", tt.retry, got, tt.want)
		}
	}
}

// Against the real server, with real time: a burst of 3, one more a second.
func TestRealRedis(t *testing.T) {
	l := realLimiter(t, map[Kind]Rule{KindMessage: {Rate: 3, Period: 3 * time.Second}})
	for i := range 3 {
		if !allow(t, l, KindMessage, "alice").Allowed {
			t.Fatalf("event %d refused, want allowed", i)
		}
	}
	d := allow(t, l, KindMessage, "alice")
	if d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > time.Second {
		t.Fatalf("fourth event: got allowed %v retry after %v, want refused within 1s", d.Allowed, d.RetryAfter)
	}
	if !allow(t, l, KindMessage, "bob").Allowed {
		t.Errorf("bob refused, want allowed")
	}
	time.Sleep(d.RetryAfter + 10*time.Millisecond)
	if d := allow(t, l, KindMessage, "alice"); !d.Allowed {
		t.Errorf("after waiting RetryAfter: got refused (retry after %v), want allowed", d.RetryAfter)
	}
	if err := l.Reset(context.Background(), KindMessage, "alice"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if !allow(t, l, KindMessage, "alice").Allowed {
			t.Errorf("after Reset, event %d refused, want allowed", i)
		}
	}
}

// User names are escaped in keys: "a/b", "a_b", "a:b" and "a%3Ab" each have
// their own budget.
func TestUsersWithLookAlikeNamesHaveTheirOwnBudget(t *testing.T) {
	l, _ := miniLimiter(t, map[Kind]Rule{KindConfirm: {Rate: 1, Period: time.Minute}})
	for _, u := range []string{"a/b", "a_b", "a:b", "a%3Ab"} {
		if !allow(t, l, KindConfirm, u).Allowed {
			t.Errorf("%q was refused: its budget is shared with another user", u)
		}
	}
}

// Every client frame type has a rule in the default table.
func TestDefaultRulesCoverEveryFrameKind(t *testing.T) {
	rules := DefaultRules()
	for _, k := range []Kind{KindMessage, KindConfirm, KindCancel, KindFeedback, KindAuth, KindPing, KindAction} {
		if r, ok := rules[k]; !ok || r.Rate <= 0 {
			t.Errorf("no rule for %s", k)
		}
	}
}
