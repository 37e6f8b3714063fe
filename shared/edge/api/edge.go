package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/resync/resync/shared/adapter/redis/ratelimit"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/metrics"
	"github.com/resync/resync/shared/edge/obs"
	"github.com/resync/resync/shared/edge/routes"
)

// Authenticator verifies the bearer token of a request for a role
// (*auth.Verifier). Its errors wrap the auth package's sentinels.
type Authenticator interface {
	Request(r *http.Request, need auth.Role) (auth.Claims, error)
}

// Limiter counts one request of a kind for a user (*ratelimit.Limiter).
type Limiter interface {
	Allow(ctx context.Context, kind ratelimit.Kind, user string) (ratelimit.Decision, error)
}

// HandlerFunc answers a request. A returned error is written as a problem
// (see AsProblem) and logged once, by the Edge.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Edge puts what every route needs around its handler: the request id, the
// token check for the route's role, the per-user rate limit of the route's
// kind (ratelimit.ForHTTP; the rule table is ratelimit.DefaultRules), one log
// line per failed request, and EMF metrics for request counts and latency.
// It is safe for concurrent use.
type Edge struct {
	Function string
	Auth     Authenticator
	Log      *slog.Logger
	Metrics  *metrics.Emitter
	// Refused, when set, is told of every refused token (for the security
	// view); it must not block.
	Refused func(ctx context.Context, r *http.Request, err error)
	// Limits, when set, counts every request against its user's budget
	// (the source address's for a route without a token) before the
	// handler runs; nil limits nothing.
	Limits Limiter
	// LimitBudget bounds the limiter's answer (default DefaultLimitBudget):
	// past it the request is let through, as when the limiter fails, so a
	// slow Redis costs each request at most this much.
	LimitBudget time.Duration
	Now         func() time.Time
}

// DefaultLimitBudget is how long a request waits for the rate limiter.
const DefaultLimitBudget = 250 * time.Millisecond

// Handle registers h on mux for rt ("GET /api/v1/jobs/{id}" patterns).
func (e *Edge) Handle(mux *http.ServeMux, rt routes.HTTPRoute, h HandlerFunc) {
	mux.Handle(rt.Method+" "+rt.Path, e.Wrap(rt, h))
}

// Wrap returns h wrapped for rt.
func (e *Edge) Wrap(rt routes.HTTPRoute, h HandlerFunc) http.Handler {
	now := e.Now
	if now == nil {
		now = time.Now
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		ctx := obs.WithRequest(r.Context(), obs.Request{ID: requestID(r), Route: rt.Key()})
		r = r.WithContext(ctx)
		rec.Header().Set("X-Request-Id", requestID(r))

		err := e.serve(rec, r, rt, h)
		if err != nil {
			p := AsProblem(err)
			level := slog.LevelInfo
			if p.Status >= 500 {
				level = slog.LevelError
			}
			if e.Log != nil {
				e.Log.Log(r.Context(), level, "request failed", "status", p.Status, "code", p.Code, "err", err.Error())
			}
			WriteProblem(rec, r, p)
		}
		elapsed := now().Sub(start)
		errCount := 0.0
		if rec.status >= 500 {
			errCount = 1
		}
		e.Metrics.Emit(map[string]string{"Function": e.Function, "Route": rt.Key()},
			metrics.Metric{Name: "Requests", Value: 1, Unit: metrics.Count},
			metrics.Metric{Name: "Errors", Value: errCount, Unit: metrics.Count},
			metrics.Metric{Name: "Latency", Value: float64(elapsed.Microseconds()) / 1000, Unit: metrics.Milliseconds})
	})
}

func (e *Edge) serve(w http.ResponseWriter, r *http.Request, rt routes.HTTPRoute, h HandlerFunc) error {
	user := "ip:" + SourceIP(r)
	if rt.Role != routes.RoleNone {
		if e.Auth == nil {
			return Internal("authentication is not configured")
		}
		claims, err := e.Auth.Request(r, rt.Role)
		if err != nil {
			if e.Refused != nil {
				ctx := r.Context()
				if claims.User() != "" { // a valid token whose role is too low
					ctx = auth.NewContext(ctx, claims)
				}
				e.Refused(ctx, r, err)
			}
			return authProblem(err)
		}
		ctx := auth.NewContext(r.Context(), claims)
		ctx = obs.WithRequest(ctx, obs.Request{User: claims.User()})
		r = r.WithContext(ctx)
		user = "user:" + claims.User()
	}
	if err := e.limit(r, rt, user); err != nil {
		return err
	}
	return h(w, r)
}

// limit counts the request against identity's budget for the route's
// kind. A refusal is a 429 problem with Retry-After; a limiter that cannot
// answer within LimitBudget lets the request through, logged.
func (e *Edge) limit(r *http.Request, rt routes.HTTPRoute, identity string) error {
	if e.Limits == nil {
		return nil
	}
	kind := ratelimit.ForHTTP(rt.Method, rt.Role == routes.RoleNone)
	budget := e.LimitBudget
	if budget <= 0 {
		budget = DefaultLimitBudget
	}
	ctx, cancel := context.WithTimeout(r.Context(), budget)
	defer cancel()
	d, err := e.Limits.Allow(ctx, kind, identity)
	if err != nil {
		if e.Log != nil {
			e.Log.WarnContext(r.Context(), "rate limiter unavailable: request let through", "kind", string(kind), "err", err.Error())
		}
		return nil
	}
	if d.Allowed {
		return nil
	}
	secs := int((d.RetryAfter + time.Second - 1) / time.Second)
	secs = max(secs, 1)
	return &Problem{Status: http.StatusTooManyRequests, Title: "Too many requests", Code: "rate_limited", RetryAfter: secs,
		Detail: "too many requests of this kind (" + string(kind) + "); retry in " + strconv.Itoa(secs) + "s"}
}

// SourceIP is the client's address as API Gateway saw it (the request
// context's sourceIp), else the connection's remote host; never a header
// the client sets.
func SourceIP(r *http.Request) string {
	if rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok && rc.HTTP.SourceIP != "" {
		return rc.HTTP.SourceIP
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// authProblem turns an auth error into a problem without its internal text.
func authProblem(err error) *Problem {
	switch {
	case errors.Is(err, auth.ErrForbidden):
		return Forbidden("your role does not allow this")
	case errors.Is(err, auth.ErrMissing):
		return Unauthorized("a bearer token is required")
	case errors.Is(err, auth.ErrExpired):
		return Unauthorized("the token has expired; sign in again")
	case errors.Is(err, auth.ErrInvalid):
		return Unauthorized("the token is not valid")
	}
	return Internal("the token could not be checked")
}

// requestID returns API Gateway's request id, else the X-Request-Id header,
// else a new random id.
func requestID(r *http.Request) string {
	if rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok && rc.RequestID != "" {
		return rc.RequestID
	}
	if req, ok := obs.RequestFrom(r.Context()); ok && req.ID != "" {
		return req.ID
	}
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 128 {
		return id
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status = code
		s.wrote = true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}
