// Package obs sets up Resync's structured logs: JSON through log/slog, with
// the Lambda request id, the route and the user added from the context, and
// secrets kept out — attributes whose key names a token, secret, password,
// cookie or authorization header are redacted, and so are values that look
// like JWTs, wherever they appear.
package obs

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Redacted replaces a secret value in the logs.
const Redacted = "[redacted]"

// Request is what a log line says about the request it belongs to.
type Request struct {
	ID    string // API Gateway or Lambda request id
	Route string // route key, e.g. "GET /health/deep", or a schedule name
	User  string // the caller's user name, never their token
}

type requestKey struct{}

// WithRequest returns a copy of ctx whose log records carry r's non-empty
// fields. Fields of an earlier WithRequest are kept unless r replaces them.
func WithRequest(ctx context.Context, r Request) context.Context {
	if prev, ok := ctx.Value(requestKey{}).(Request); ok {
		if r.ID == "" {
			r.ID = prev.ID
		}
		if r.Route == "" {
			r.Route = prev.Route
		}
		if r.User == "" {
			r.User = prev.User
		}
	}
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request stored by WithRequest.
func RequestFrom(ctx context.Context) (Request, bool) {
	r, ok := ctx.Value(requestKey{}).(Request)
	return r, ok
}

// ParseLevel returns the slog level named by s (debug, info, warn, error;
// case-insensitive), and Info for anything else.
func ParseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.TrimSpace(s))); err != nil {
		return slog.LevelInfo
	}
	return l
}

// NewLogger returns a JSON logger writing to w at level, in the key layout
// of Lambda's JSON logs (timestamp, level, message), with request fields and
// redaction as described in the package comment.
func NewLogger(w io.Writer, level slog.Leveler) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: replace})
	return slog.New(&handler{next: h})
}

type handler struct{ next slog.Handler }

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	r, _ := RequestFrom(ctx)
	if r.ID == "" {
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			r.ID = lc.AwsRequestID
		}
	}
	if r.ID != "" {
		rec.AddAttrs(slog.String("requestId", r.ID))
	}
	if r.Route != "" {
		rec.AddAttrs(slog.String("route", r.Route))
	}
	if r.User != "" {
		rec.AddAttrs(slog.String("user", r.User))
	}
	return h.next.Handle(ctx, rec)
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	return &handler{next: h.next.WithAttrs(as)}
}

func (h *handler) WithGroup(name string) slog.Handler { return &handler{next: h.next.WithGroup(name)} }

var secretKeyWords = []string{"token", "secret", "password", "passwd", "authorization", "cookie", "apikey", "api_key", "credential"}

// jwtLike matches a compact JWS anywhere in a string.
var jwtLike = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)

// IsSecretKey reports whether an attribute key names a secret.
func IsSecretKey(key string) bool {
	k := strings.ToLower(key)
	for _, w := range secretKeyWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// Scrub returns s with every JWT-looking substring redacted.
func Scrub(s string) string { return jwtLike.ReplaceAllString(s, Redacted) }

func replace(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 {
		switch a.Key {
		case slog.TimeKey:
			a.Key = "timestamp"
		case slog.MessageKey:
			a.Key = "message"
			a.Value = slog.StringValue(Scrub(a.Value.String()))
			return a
		}
	}
	if IsSecretKey(a.Key) {
		return slog.String(a.Key, Redacted)
	}
	switch a.Value.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(Scrub(a.Value.String()))
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			a.Value = slog.StringValue(Scrub(err.Error()))
		}
	}
	return a
}
