package setup

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/adapter/redis/security"
	"github.com/resync/resync/shared/edge/api"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/metrics"
)

// Edge returns the api.Edge for the function's routes: its verifier, logger
// and metrics, with every refused token recorded in the security log and
// every request counted by the per-user rate limits.
func (b *Base) Edge() *api.Edge {
	var rdb redis.Cmdable
	if b.Redis != nil {
		rdb = b.Redis
	}
	e := NewEdge(b.Function, b.Verifier, b.Log, b.Metrics, rdb)
	if b.Limits != nil {
		e.Limits = b.Limits
	}
	return e
}

// NewEdge is Edge for parts built elsewhere (tests). A nil rdb records no
// security events.
func NewEdge(function string, v api.Authenticator, log *slog.Logger, emf *metrics.Emitter, rdb redis.Cmdable) *api.Edge {
	e := &api.Edge{Function: function, Auth: v, Log: log, Metrics: emf}
	if rdb != nil {
		e.Refused = recordRefusal(security.New(rdb, 0), function, log)
	}
	return e
}

// Refusal names why a token was refused, without the token.
func Refusal(err error) string {
	switch {
	case errors.Is(err, auth.ErrMissing):
		return "missing token"
	case errors.Is(err, auth.ErrExpired):
		return "expired token"
	case errors.Is(err, auth.ErrForbidden):
		return "role too low"
	}
	return "invalid token"
}

func recordRefusal(sec *security.Log, function string, log *slog.Logger) func(ctx context.Context, r *http.Request, err error) {
	return func(ctx context.Context, r *http.Request, err error) {
		kind := security.RefusedToken
		if errors.Is(err, auth.ErrForbidden) {
			kind = security.ForbiddenRole
		}
		user := ""
		if c, ok := auth.FromContext(ctx); ok {
			user = c.User()
		}
		// The gateway's own record of the peer, never X-Forwarded-For, which
		// the client writes.
		src := api.SourceIP(r)
		if err := sec.Record(ctx, security.Event{Kind: kind, User: user, Reason: Refusal(err), Route: r.Method + " " + r.URL.Path, Source: src, Function: function}); err != nil {
			log.WarnContext(ctx, "recording a security event failed", "err", err.Error())
		}
	}
}
