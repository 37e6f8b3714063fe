// Package ratelimit limits what each user may do per period, with the generic
// cell rate algorithm (GCRA) run inside Redis by redis_rate, so every function
// instance shares one budget per user. The rules (for example chat messages
// per minute and confirmed actions per hour) are configuration.
//
// A refusal says when to retry. Allow returns an error only when Redis cannot
// answer; whether to let the request through then is the caller's decision
// (chat messages may fail open, actions should fail closed).
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/domain/quota"
)

// The limiter's vocabulary lives in the domain (package quota); these names
// stay so that callers of this package read as before.
type (
	// Kind names what is being limited (quota.Kind).
	Kind = quota.Kind
	// Decision is the answer to one Allow (quota.Decision).
	Decision = quota.Decision
	// LimitedError tells a user when they may try again; it matches
	// ErrLimited (quota.LimitedError).
	LimitedError = quota.LimitedError
)

// Kinds the chat function limits: one per client frame type, and the
// operator actions that reach HWA (quota's).
const (
	KindMessage  = quota.KindMessage
	KindConfirm  = quota.KindConfirm
	KindCancel   = quota.KindCancel
	KindFeedback = quota.KindFeedback
	KindAuth     = quota.KindAuth
	KindPing     = quota.KindPing
	KindAction   = quota.KindAction

	// The HTTP routes, by what they do (ForHTTP maps a route to its kind).
	KindHTTPRead      Kind = "http-read"      // GET routes, per user
	KindHTTPWrite     Kind = "http-write"     // POST, PUT, PATCH and DELETE routes, per user
	KindHTTPAnonymous Kind = "http-anonymous" // routes without a token (GET /health), per source address
)

// ForHTTP returns the kind an HTTP request of method counts against:
// anonymous for a route that needs no token, else read for GET and HEAD
// and write for everything else. Every HTTP route has one.
func ForHTTP(method string, anonymous bool) Kind {
	switch {
	case anonymous:
		return KindHTTPAnonymous
	case method == "GET" || method == "HEAD":
		return KindHTTPRead
	}
	return KindHTTPWrite
}

// ErrLimited is matched by the error of a refused Decision (quota.ErrLimited).
var ErrLimited = quota.ErrLimited

// Rule allows Rate events per Period, with bursts of up to Burst events
// (Burst defaults to Rate).
type Rule struct {
	Rate   int
	Period time.Duration
	Burst  int
}

// DefaultRules is the one rule table, per user:
//
//	kind      rate          burst  why
//	message   20 a minute   20     each runs the model
//	confirm   20 a minute   20     a refused confirm is still audited (≤ 2.3 KB)
//	cancel    20 a minute   20     each is audited
//	feedback  20 a minute   20     each is stored in Redis and the graph
//	auth      10 a minute   10     each verifies a token; the client renews about hourly
//	ping      12 a minute   12     the client pings every 4 minutes
//	action    30 an hour    30     confirmed actions that reach HWA
//
//	http-read       600 a minute  200  every GET route; the web client's views poll a few routes every 15-30 s
//	http-write       60 a minute   30  every POST and DELETE route (cache invalidation, reviews, upload URLs, deletes)
//	http-anonymous  600 a minute  200  routes without a token (GET /health), per source address
//
// Every frame is counted before it reads or writes anything else, so what one
// user can make the service store is bounded by this table. Every HTTP route
// is counted by the shared edge (shared/edge/api) right after its token is
// verified and before its handler runs; a refusal is a 429 problem with
// Retry-After. When Redis cannot answer, HTTP requests are let through
// (logged): the route then fails or succeeds on its own dependencies, and
// API Gateway's stage throttle still bounds the whole API.
func DefaultRules() map[Kind]Rule {
	return map[Kind]Rule{
		KindMessage:  {Rate: 20, Period: time.Minute},
		KindConfirm:  {Rate: 20, Period: time.Minute},
		KindCancel:   {Rate: 20, Period: time.Minute},
		KindFeedback: {Rate: 20, Period: time.Minute},
		KindAuth:     {Rate: 10, Period: time.Minute},
		KindPing:     {Rate: 12, Period: time.Minute},
		KindAction:   {Rate: 30, Period: time.Hour},

		KindHTTPRead:      {Rate: 600, Period: time.Minute, Burst: 200},
		KindHTTPWrite:     {Rate: 60, Period: time.Minute, Burst: 30},
		KindHTTPAnonymous: {Rate: 600, Period: time.Minute, Burst: 200},
	}
}

// ParseRules reads rule overrides such as "http-read=6000/1m,confirm=5/1m:2"
// (kind=rate/period, optionally :burst) onto DefaultRules, for the local
// stack's load tests (RATE_LIMITS). It returns an error naming every
// malformed entry or unknown kind.
func ParseRules(s string) (map[Kind]Rule, error) {
	rules := DefaultRules()
	var bad []string
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		k, spec, ok := strings.Cut(entry, "=")
		rate, rest, ok2 := strings.Cut(spec, "/")
		period, burst, hasBurst := strings.Cut(rest, ":")
		r := Rule{}
		var err1, err2, err3 error
		r.Rate, err1 = strconv.Atoi(rate)
		r.Period, err2 = time.ParseDuration(period)
		if hasBurst {
			r.Burst, err3 = strconv.Atoi(burst)
		}
		if _, known := rules[Kind(k)]; !ok || !ok2 || !known || err1 != nil || err2 != nil || err3 != nil || r.Rate <= 0 || r.Period <= 0 || r.Burst < 0 {
			bad = append(bad, strconv.Quote(entry))
			continue
		}
		rules[Kind(k)] = r
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("ratelimit: parse rules: want kind=rate/period[:burst] with a known kind, got %s", strings.Join(bad, ", "))
	}
	return rules, nil
}

// Config configures a Limiter.
type Config struct {
	// Rules per kind; nil means DefaultRules.
	Rules map[Kind]Rule
	// Prefix starts every key, after redis_rate's own "rate:"; default "resync:".
	Prefix string
}

// Limiter enforces per-user rules. It is safe for concurrent use.
type Limiter struct {
	rl     *redis_rate.Limiter
	limits map[Kind]redis_rate.Limit
	prefix string
}

// New returns a Limiter over rdb. It returns an error for a rule with a
// non-positive rate or period.
func New(rdb redis.UniversalClient, cfg Config) (*Limiter, error) {
	rules := cfg.Rules
	if rules == nil {
		rules = DefaultRules()
	}
	l := &Limiter{rl: redis_rate.NewLimiter(rdb), limits: make(map[Kind]redis_rate.Limit, len(rules)), prefix: cfg.Prefix}
	if l.prefix == "" {
		l.prefix = "resync:"
	}
	for k, r := range rules {
		if r.Rate <= 0 || r.Period <= 0 || r.Burst < 0 {
			return nil, fmt.Errorf("ratelimit: new: rule %q: rate %d per %v, burst %d: want positive rate and period", k, r.Rate, r.Period, r.Burst)
		}
		if r.Burst == 0 {
			r.Burst = r.Rate
		}
		l.limits[k] = redis_rate.Limit{Rate: r.Rate, Period: r.Period, Burst: r.Burst}
	}
	return l, nil
}

// ErrUnknownKind is returned by Allow for a kind without a rule.
var ErrUnknownKind = errors.New("ratelimit: no rule for this kind")

// key escapes the user name (url.QueryEscape is reversible and escapes ":"),
// so no two users share a budget.
func (l *Limiter) key(kind Kind, user string) string {
	return l.prefix + string(kind) + ":" + url.QueryEscape(user)
}

// Allow counts one event of kind for user and says whether it is allowed. A
// refused event uses no budget. It returns ErrUnknownKind for a kind without
// a rule and the Redis error (wrapped) when Redis cannot answer.
func (l *Limiter) Allow(ctx context.Context, kind Kind, user string) (Decision, error) {
	limit, ok := l.limits[kind]
	if !ok {
		return Decision{}, fmt.Errorf("ratelimit: allow %s for %q: %w", kind, user, ErrUnknownKind)
	}
	if user == "" || strings.ContainsAny(user, "\x00") {
		return Decision{}, fmt.Errorf("ratelimit: allow %s: invalid user %q", kind, user)
	}
	res, err := l.rl.Allow(ctx, l.key(kind, user), limit)
	if err != nil {
		return Decision{}, fmt.Errorf("ratelimit: allow %s for %q: %w", kind, user, err)
	}
	d := Decision{
		Allowed:    res.Allowed > 0,
		Remaining:  res.Remaining,
		ResetAfter: max(res.ResetAfter, 0),
		Limit:      limit.String(),
	}
	if !d.Allowed {
		d.RetryAfter = max(res.RetryAfter, 0)
	}
	return d, nil
}

// Reset forgets user's past events of kind (for an admin, or tests).
func (l *Limiter) Reset(ctx context.Context, kind Kind, user string) error {
	if err := l.rl.Reset(ctx, l.key(kind, user)); err != nil {
		return fmt.Errorf("ratelimit: reset %s for %q: %w", kind, user, err)
	}
	return nil
}
