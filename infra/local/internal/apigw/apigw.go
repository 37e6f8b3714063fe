// Package apigw plays API Gateway's HTTP API for the local stack: it matches
// requests to routes by route key, turns them into payload format 2.0 events
// (events.APIGatewayV2HTTPRequest), invokes the route's function and writes
// the function's events.APIGatewayV2HTTPResponse back.
//
// When a route needs a role and the request's bearer token verifies, the
// token's claims go into requestContext.authorizer.jwt as a JWT authorizer
// would put them. Unlike the real authorizer it never refuses a request:
// the functions check tokens themselves, and tests prove they do.
package apigw

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/resync/resync/infra/local/internal/awsid"
	"github.com/resync/resync/infra/local/internal/lambdasvc"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/routes"
)

// MaxBodyBytes is API Gateway's request payload limit.
const MaxBodyBytes = 10 << 20

// Invoker runs a function.
type Invoker interface {
	Invoke(ctx context.Context, function string, payload []byte) (lambdasvc.Result, error)
}

// Verifier checks bearer tokens.
type Verifier interface {
	Verify(ctx context.Context, token string) (auth.Claims, error)
}

// Options configure a Gateway.
type Options struct {
	Routes  []routes.HTTPRoute
	Invoker Invoker
	// Verifier fills the authorizer context; nil leaves it empty.
	Verifier Verifier
	// Timeout is the integration timeout; 0 means API Gateway's 30 s.
	Timeout time.Duration
	Logger  *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Gateway is an http.Handler serving the HTTP API routes.
type Gateway struct {
	routes   []route
	invoker  Invoker
	verifier Verifier
	timeout  time.Duration
	log      *slog.Logger
	now      func() time.Time
}

// New returns a Gateway, or an error for an invalid route table.
func New(opts Options) (*Gateway, error) {
	rs, err := compile(opts.Routes)
	if err != nil {
		return nil, err
	}
	if opts.Invoker == nil {
		return nil, errors.New("apigw: no invoker")
	}
	g := &Gateway{routes: rs, invoker: opts.Invoker, verifier: opts.Verifier, timeout: opts.Timeout, log: opts.Logger, now: opts.Now}
	if g.timeout <= 0 {
		g.timeout = 30 * time.Second
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.now == nil {
		g.now = time.Now
	}
	return g, nil
}

func message(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body, _ := json.Marshal(map[string]string{"message": msg})
	_, _ = w.Write(body)
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := g.now()
	requestID := awsid.Gateway()
	w.Header().Set("Apigw-Requestid", requestID)
	rt, params, ok := find(g.routes, r.Method, r.URL.Path)
	if !ok {
		g.log.Info("no route", "method", r.Method, "path", r.URL.Path, "status", 404, "requestId", requestID)
		message(w, http.StatusNotFound, "Not Found")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		message(w, http.StatusBadRequest, "Bad Request")
		return
	}
	if len(body) > MaxBodyBytes {
		message(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	ev := g.event(r, rt, params, body, requestID, start)
	payload, err := json.Marshal(ev)
	if err != nil {
		message(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), g.timeout)
	defer cancel()
	res, err := g.invoker.Invoke(ctx, rt.Function, payload)
	status := g.respond(w, rt, res, err)
	g.log.Info("request", "method", r.Method, "path", r.URL.Path, "route", rt.Key(), "function", rt.Function,
		"status", status, "durationMs", g.now().Sub(start).Milliseconds(), "requestId", requestID, "lambdaRequestId", res.RequestID)
}

// respond writes the function's answer, or the gateway's error for a failed
// invoke, and returns the status written.
func (g *Gateway) respond(w http.ResponseWriter, rt route, res lambdasvc.Result, err error) int {
	var ie *lambdasvc.InitError
	switch {
	case errors.As(err, &ie):
		msg := "function " + rt.Function + " failed to initialise"
		if ie.Type != "" {
			msg += ": " + ie.Type + ": " + ie.Message
		} else if ie.Exit != "" {
			msg += ": " + ie.Exit
		}
		message(w, http.StatusBadGateway, msg+" (its stderr is in the local stack's log)")
		return http.StatusBadGateway
	case errors.Is(err, lambdasvc.ErrCrashed):
		message(w, http.StatusBadGateway, "Bad Gateway: function "+rt.Function+" crashed")
		return http.StatusBadGateway
	case errors.Is(err, lambdasvc.ErrTimeout):
		message(w, http.StatusGatewayTimeout, "Gateway Timeout: function "+rt.Function+" timed out")
		return http.StatusGatewayTimeout
	case errors.Is(err, lambdasvc.ErrUnknownFunction):
		message(w, http.StatusBadGateway, "function "+rt.Function+" is not running in the local stack (was it built?)")
		return http.StatusBadGateway
	case errors.Is(err, context.DeadlineExceeded):
		message(w, http.StatusServiceUnavailable, "Service Unavailable")
		return http.StatusServiceUnavailable
	case err != nil:
		message(w, http.StatusInternalServerError, "Internal Server Error")
		return http.StatusInternalServerError
	case res.FunctionError != "":
		g.log.Warn("function error", "function", rt.Function, "lambdaRequestId", res.RequestID, "error", string(res.Payload))
		message(w, http.StatusInternalServerError, "Internal Server Error")
		return http.StatusInternalServerError
	}
	return writeResponse(w, res.Payload)
}

// writeResponse writes a payload format 2.0 response. A JSON value without a
// statusCode is the body of a 200 application/json answer, as API Gateway
// infers it.
func writeResponse(w http.ResponseWriter, payload []byte) int {
	var probe map[string]json.RawMessage
	if json.Unmarshal(payload, &probe) != nil || probe["statusCode"] == nil {
		if !json.Valid(payload) {
			message(w, http.StatusInternalServerError, "Internal Server Error")
			return http.StatusInternalServerError
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(payload)
		return http.StatusOK
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(payload, &resp); err != nil || resp.StatusCode < 100 || resp.StatusCode > 599 {
		message(w, http.StatusInternalServerError, "Internal Server Error")
		return http.StatusInternalServerError
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			message(w, http.StatusInternalServerError, "Internal Server Error")
			return http.StatusInternalServerError
		}
		body = b
	}
	h := w.Header()
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		h.Del(k)
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
	return resp.StatusCode
}

func (g *Gateway) event(r *http.Request, rt route, params map[string]string, body []byte, requestID string, now time.Time) events.APIGatewayV2HTTPRequest {
	headers := map[string]string{}
	for k, vs := range r.Header {
		k = strings.ToLower(k)
		if k == "cookie" {
			continue
		}
		headers[k] = strings.Join(vs, ",")
	}
	host := r.Host
	headers["host"] = host
	sourceIP, port := awsid.SourceIP(r), "80"
	if _, p, err := net.SplitHostPort(host); err == nil {
		port = p
	}
	headers["x-forwarded-for"] = sourceIP
	headers["x-forwarded-proto"] = "http"
	headers["x-forwarded-port"] = port
	if len(body) > 0 {
		headers["content-length"] = strconv.Itoa(len(body))
	}

	var cookies []string
	for _, line := range r.Header.Values("Cookie") {
		for c := range strings.SplitSeq(line, ";") {
			if c = strings.TrimSpace(c); c != "" {
				cookies = append(cookies, c)
			}
		}
	}
	var query map[string]string
	if q := r.URL.Query(); len(q) > 0 {
		query = make(map[string]string, len(q))
		for k, vs := range q {
			query[k] = strings.Join(vs, ",")
		}
	}
	domain, _, err := net.SplitHostPort(host)
	if err != nil {
		domain = host
	}
	prefix, _, _ := strings.Cut(domain, ".")

	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              rt.Key(),
		RawPath:               r.URL.EscapedPath(),
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: query,
		PathParameters:        params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     rt.Key(),
			AccountID:    "000000000000",
			Stage:        "$default",
			RequestID:    requestID,
			APIID:        "local",
			DomainName:   domain,
			DomainPrefix: prefix,
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if isText(r.Header.Get("Content-Type"), body) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	if rt.Role != routes.RoleNone && g.verifier != nil {
		if jwt := g.authorizer(r); jwt != nil {
			ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: jwt}
		}
	}
	return ev
}

// authorizer returns the JWT authorizer context for a verified bearer token,
// with claims rendered as API Gateway renders them: strings as they are,
// numbers and booleans as text, arrays as "[a b]".
func (g *Gateway) authorizer(r *http.Request) *events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription {
	token, err := auth.BearerToken(r.Header.Get("Authorization"))
	if err != nil {
		return nil
	}
	c, err := g.verifier.Verify(r.Context(), token)
	if err != nil {
		return nil
	}
	claims := make(map[string]string, len(c.Raw))
	for k, v := range c.Raw {
		claims[k] = claimString(v)
	}
	var scopes []string
	if s, ok := c.Raw["scope"].(string); ok {
		scopes = strings.Fields(s)
	}
	return &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims, Scopes: scopes}
}

func claimString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = claimString(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	default:
		return fmt.Sprint(x)
	}
}

// isText reports whether a body goes into the event as text rather than
// base64: text/*, JSON, XML, JavaScript and form content types, or no
// content type with valid UTF-8.
func isText(contentType string, body []byte) bool {
	if contentType == "" {
		return utf8.Valid(body)
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		mt == "application/json", strings.HasSuffix(mt, "+json"),
		mt == "application/xml", strings.HasSuffix(mt, "+xml"),
		mt == "application/javascript", mt == "application/x-www-form-urlencoded":
		return true
	}
	return false
}
