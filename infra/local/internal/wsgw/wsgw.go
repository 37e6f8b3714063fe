// Package wsgw plays API Gateway's WebSocket API for the local stack: a
// WebSocket endpoint that turns the connection's life into proxy events
// (events.APIGatewayWebsocketProxyRequest) for the route's function, and the
// @connections management API the functions post frames through.
//
// As API Gateway does:
//   - $connect is invoked before the upgrade; a non-2xx statusCode from the
//     function refuses it with that status and no upgrade (the function
//     decides, the gateway never checks tokens);
//   - each text frame is routed on the route selection expression
//     $request.body.action: a JSON object whose "action" is a route key goes
//     to that route, anything else to $default; the event's body is the frame
//     text;
//   - the function's synchronous answer is not sent to the client (no route
//     responses); a failed invoke sends {"message":"Internal server error",
//     "connectionId":..., "requestId":...} and a route timeout (29 s)
//     {"message":"Endpoint request timed out", ...} — the function keeps
//     running and may still post;
//   - $disconnect is invoked, best effort, once the socket is closed by
//     either side, with disconnectStatusCode and disconnectReason;
//   - a message over the frame limit (32 KB) closes the connection with 1009,
//     a binary frame with 1003, and the idle timeout (10 min) and the
//     connection lifetime (2 h) with 1001 "Going away". The limit applies
//     to whole messages (browsers send one frame per message; a client that
//     fragments a message API Gateway would accept up to 128 KB is refused
//     here). Only messages from the client reset the idle timer — not
//     posts, nor protocol pings — so a client that stays up here stays up in
//     AWS;
//   - POST /@connections/{id} sends the body as one text frame, GET describes
//     the connection, DELETE closes it; an unknown or closed connection is
//     410 GoneException, a body over 128 KB 413 PayloadTooLargeException.
//
// The management API accepts any SigV4 signature but requires the
// Authorization header, so an unsigned client fails here as it would in AWS.
package wsgw

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coder/websocket"

	"github.com/resync/resync/infra/local/internal/awsid"
	"github.com/resync/resync/infra/local/internal/lambdasvc"
	"github.com/resync/resync/shared/edge/routes"
)

// Limits of API Gateway's WebSocket API.
const (
	DefaultMaxFrameBytes = 32 << 10
	DefaultMaxPostBytes  = 128 << 10
	DefaultIdleTimeout   = 10 * time.Minute
	DefaultMaxLifetime   = 2 * time.Hour
	DefaultRouteTimeout  = 29 * time.Second
)

// Route keys API Gateway predefines.
const (
	RouteConnect    = "$connect"
	RouteDisconnect = "$disconnect"
	RouteDefault    = "$default"
)

// Invoker runs a function.
type Invoker interface {
	Invoke(ctx context.Context, function string, payload []byte) (lambdasvc.Result, error)
}

// Options configure a Gateway.
type Options struct {
	Routes  []routes.WebSocketRoute
	Invoker Invoker
	// Stage is requestContext.stage.
	Stage string
	// IdleTimeout closes a connection that received no message for that
	// long; 0 means 10 min.
	IdleTimeout time.Duration
	// MaxLifetime closes every connection after that long; 0 means 2 h.
	MaxLifetime time.Duration
	// RouteTimeout is the integration timeout; 0 means 29 s.
	RouteTimeout time.Duration
	// MaxFrameBytes is the largest message a client may send; 0 means 32 KB.
	MaxFrameBytes int64
	// MaxPostBytes is the largest body of POST @connections; 0 means 128 KB.
	MaxPostBytes int64
	Logger       *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Gateway serves the WebSocket endpoint (ServeHTTP) and the management API
// (Connections). Close ends every connection.
type Gateway struct {
	routes  map[string]string // route key -> function
	invoker Invoker
	opts    Options
	log     *slog.Logger
	now     func() time.Time

	ctx    context.Context // ends on Close; bounds background invokes
	cancel context.CancelFunc
	wg     sync.WaitGroup // connections and their invokes

	mu     sync.Mutex
	conns  map[string]*conn
	closed bool
}

// New returns a Gateway, or an error for an invalid route table.
func New(opts Options) (*Gateway, error) {
	if opts.Invoker == nil {
		return nil, errors.New("wsgw: no invoker")
	}
	rs := make(map[string]string, len(opts.Routes))
	for _, r := range opts.Routes {
		if r.Key == "" || r.Function == "" {
			return nil, fmt.Errorf("wsgw: route %q: want a key and a function", r.Key)
		}
		if _, dup := rs[r.Key]; dup {
			return nil, fmt.Errorf("wsgw: route %q: duplicate", r.Key)
		}
		rs[r.Key] = r.Function
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.MaxLifetime <= 0 {
		opts.MaxLifetime = DefaultMaxLifetime
	}
	if opts.RouteTimeout <= 0 {
		opts.RouteTimeout = DefaultRouteTimeout
	}
	if opts.MaxFrameBytes <= 0 {
		opts.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if opts.MaxPostBytes <= 0 {
		opts.MaxPostBytes = DefaultMaxPostBytes
	}
	if opts.Stage == "" {
		opts.Stage = "local"
	}
	g := &Gateway{routes: rs, invoker: opts.Invoker, opts: opts, log: opts.Logger, now: opts.Now, conns: map[string]*conn{}}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.now == nil {
		g.now = time.Now
	}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	return g, nil
}

// conn is one open connection.
type conn struct {
	ready       chan struct{} // closed once ws is set, or the upgrade failed (ws nil)
	id          string
	ws          *websocket.Conn
	connectedAt time.Time
	sourceIP    string
	userAgent   string
	domain      string

	mu         sync.Mutex
	lastActive time.Time
	closeCode  websocket.StatusCode // set by the gateway when it closes
	closeMsg   string
	closing    bool
}

func (c *conn) touch(t time.Time) {
	c.mu.Lock()
	c.lastActive = t
	c.mu.Unlock()
}

// close starts the close handshake with code, once; it does not wait.
func (c *conn) close(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing, c.closeCode, c.closeMsg = true, code, reason
	c.mu.Unlock()
	go func() { _ = c.ws.Close(code, reason) }()
}

// Close closes every connection with 1001 "Going away", waits (up to ctx)
// for their $disconnect invokes, then gives up on invokes still running.
func (g *Gateway) Close(ctx context.Context) {
	g.mu.Lock()
	g.closed = true
	conns := make([]*conn, 0, len(g.conns))
	for _, c := range g.conns {
		conns = append(conns, c)
	}
	g.mu.Unlock()
	for _, c := range conns {
		<-c.ready
		if c.ws != nil {
			c.close(websocket.StatusGoingAway, "Going away")
		}
	}
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	g.cancel()
}

// lookup returns the open connection with id, or nil when it is unknown,
// closing, or its upgrade failed. A connection being upgraded is waited for.
func (g *Gateway) lookup(id string) *conn {
	g.mu.Lock()
	c := g.conns[id]
	g.mu.Unlock()
	if c == nil {
		return nil
	}
	select {
	case <-c.ready:
	case <-time.After(10 * time.Second):
		return nil
	}
	if c.ws == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return nil
	}
	return c
}

// Open returns how many connections are open.
func (g *Gateway) Open() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns)
}

// ServeHTTP serves the WebSocket endpoint: $connect, then the connection.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		message(w, http.StatusUpgradeRequired, "this is the WebSocket endpoint: connect with a WebSocket client (ws://.../ws?token=...)")
		return
	}
	g.mu.Lock()
	closed := g.closed
	g.mu.Unlock()
	if closed {
		message(w, http.StatusServiceUnavailable, "Service Unavailable: the local stack is shutting down")
		return
	}
	start := g.now()
	c := &conn{ready: make(chan struct{}), id: awsid.Gateway(), connectedAt: start, lastActive: start, sourceIP: awsid.SourceIP(r), userAgent: r.UserAgent(), domain: domainOf(r.Host)}
	fn, ok := g.routes[RouteConnect]
	var sub []string
	if ok {
		ev := g.event(c, RouteConnect, "CONNECT", awsid.Gateway(), start)
		ev.Headers, ev.MultiValueHeaders = headers(r)
		ev.QueryStringParameters, ev.MultiValueQueryStringParameters = query(r)
		payload, err := json.Marshal(ev)
		if err != nil {
			message(w, http.StatusInternalServerError, "Internal server error")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), g.opts.RouteTimeout)
		res, err := g.invoker.Invoke(ctx, fn, payload)
		cancel()
		status, resp := g.connectOutcome(fn, res, err)
		g.log.Info("websocket $connect", "connectionId", c.id, "function", fn, "status", status,
			"durationMs", g.now().Sub(start).Milliseconds(), "requestId", ev.RequestContext.RequestID, "lambdaRequestId", res.RequestID)
		if status < 200 || status > 299 {
			for k, v := range resp.Headers {
				w.Header().Set(k, v)
			}
			if resp.Body == "" {
				message(w, status, http.StatusText(status))
				return
			}
			w.WriteHeader(status)
			_, _ = w.Write([]byte(resp.Body))
			return
		}
		if p := resp.Headers[http.CanonicalHeaderKey("Sec-WebSocket-Protocol")]; p != "" {
			sub = []string{strings.TrimSpace(p)}
		}
	}
	// API Gateway checks no Origin: any page may connect.
	// List the connection before the 101 goes out, so a post that follows
	// the client's first sight of it finds it (waiting for ready).
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		message(w, http.StatusServiceUnavailable, "Service Unavailable: the local stack is shutting down")
		return
	}
	g.conns[c.id] = c
	g.wg.Add(1)
	g.mu.Unlock()
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: sub, InsecureSkipVerify: true})
	if err != nil {
		g.log.Warn("websocket upgrade failed", "connectionId", c.id, "err", err)
		g.mu.Lock()
		delete(g.conns, c.id)
		g.mu.Unlock()
		close(c.ready)
		g.wg.Done()
		return
	}
	ws.SetReadLimit(g.opts.MaxFrameBytes)
	c.ws = ws
	close(c.ready)
	g.serve(c)
}

// connectOutcome maps the $connect invoke to the status of the upgrade and
// the function's response.
func (g *Gateway) connectOutcome(fn string, res lambdasvc.Result, err error) (int, connectResponse) {
	var ie *lambdasvc.InitError
	switch {
	case errors.Is(err, lambdasvc.ErrUnknownFunction):
		return http.StatusServiceUnavailable, connectResponse{Body: mustJSON(map[string]string{
			"message": "function " + fn + " is not built, so the WebSocket API is off: run scripts/dev.sh (or go build ./functions/" + fn + " into the local stack's bin dir) and restart",
		})}
	case errors.As(err, &ie):
		return http.StatusBadGateway, connectResponse{Body: mustJSON(map[string]string{
			"message": "function " + fn + " failed to initialise (its stderr is in the local stack's log)",
		})}
	case errors.Is(err, lambdasvc.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, connectResponse{}
	case err != nil:
		return http.StatusBadGateway, connectResponse{}
	case res.FunctionError != "":
		g.log.Warn("function error", "function", fn, "route", RouteConnect, "lambdaRequestId", res.RequestID, "error", string(res.Payload))
		return http.StatusInternalServerError, connectResponse{}
	}
	var resp connectResponse
	if err := json.Unmarshal(res.Payload, &resp); err != nil {
		// null or a non-object: no statusCode, as a handler returning nothing.
		return http.StatusOK, connectResponse{}
	}
	canon := make(map[string]string, len(resp.Headers))
	for k, v := range resp.Headers {
		canon[http.CanonicalHeaderKey(k)] = v
	}
	resp.Headers = canon
	if resp.StatusCode == 0 {
		return http.StatusOK, resp
	}
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return http.StatusInternalServerError, connectResponse{}
	}
	return resp.StatusCode, resp
}

// connectResponse is the part of a proxy response $connect uses.
type connectResponse struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

// serve reads the connection's messages until it closes, then invokes
// $disconnect.
func (g *Gateway) serve(c *conn) {
	defer g.wg.Done()
	idle := time.AfterFunc(g.opts.IdleTimeout, func() { c.close(websocket.StatusGoingAway, "Going away") })
	life := time.AfterFunc(g.opts.MaxLifetime, func() { c.close(websocket.StatusGoingAway, "Going away") })
	defer idle.Stop()
	defer life.Stop()
	var readErr error
	for {
		typ, data, err := c.ws.Read(g.ctx)
		if err != nil {
			readErr = err
			break
		}
		now := g.now()
		c.touch(now)
		idle.Reset(g.opts.IdleTimeout)
		if typ != websocket.MessageText {
			// API Gateway does not take binary frames from clients.
			c.close(websocket.StatusUnsupportedData, "Binary frames are not supported")
			continue
		}
		key := g.selectRoute(data)
		fn, ok := g.routes[key]
		if !ok {
			if fn, ok = g.routes[RouteDefault]; ok {
				key = RouteDefault
			}
		}
		requestID := awsid.Gateway()
		if !ok {
			g.reply(c, "Forbidden", requestID)
			continue
		}
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			g.message(c, key, fn, string(data), requestID, now)
		}()
	}
	g.mu.Lock()
	delete(g.conns, c.id)
	g.mu.Unlock()
	code, reason := g.disconnectStatus(c, readErr)
	_ = c.ws.CloseNow()
	g.log.Info("websocket closed", "connectionId", c.id, "code", int(code), "reason", reason)
	if fn, ok := g.routes[RouteDisconnect]; ok {
		g.disconnect(c, fn, code, reason)
	}
}

// disconnectStatus is the close code and reason $disconnect reports: the
// gateway's own when it closed the connection, else the client's.
func (g *Gateway) disconnectStatus(c *conn, readErr error) (websocket.StatusCode, string) {
	c.mu.Lock()
	code, reason, closing := c.closeCode, c.closeMsg, c.closing
	c.mu.Unlock()
	switch {
	case errors.Is(readErr, websocket.ErrMessageTooBig):
		return websocket.StatusMessageTooBig, "Message too big"
	case closing:
		return code, reason
	}
	var ce websocket.CloseError
	if errors.As(readErr, &ce) {
		return ce.Code, ce.Reason
	}
	return websocket.StatusAbnormalClosure, "Connection closed abnormally"
}

// selectRoute evaluates $request.body.action on a frame.
func (g *Gateway) selectRoute(data []byte) string {
	var body struct {
		Action any `json:"action"`
	}
	if json.Unmarshal(data, &body) != nil {
		return RouteDefault
	}
	action, ok := body.Action.(string)
	if !ok || action == "" || action == RouteConnect || action == RouteDisconnect {
		return RouteDefault
	}
	return action
}

// message invokes a message route and reports a failed invoke to the
// client as API Gateway does. The function's answer is not sent. After the
// route timeout the client gets API Gateway's timeout frame, but the invoke
// goes on — also while it waits for a free process, which in AWS would
// simply be another sandbox — as the function keeps running in AWS.
func (g *Gateway) message(c *conn, key, fn, body, requestID string, at time.Time) {
	ev := g.event(c, key, "MESSAGE", requestID, at)
	ev.RequestContext.MessageID = awsid.Gateway()
	ev.Body = body
	payload, err := json.Marshal(ev)
	if err != nil {
		g.reply(c, "Internal server error", requestID)
		return
	}
	type outcome struct {
		res lambdasvc.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := g.invoker.Invoke(g.ctx, fn, payload)
		done <- outcome{res, err}
	}()
	timer := time.NewTimer(g.opts.RouteTimeout)
	defer timer.Stop()
	var out outcome
	timedOut := false
	select {
	case out = <-done:
	case <-timer.C:
		timedOut = true
		g.reply(c, "Endpoint request timed out", requestID)
		out = <-done
	}
	status := "ok"
	switch {
	case timedOut:
		status = "route timed out (the function went on)"
		if out.err != nil || out.res.FunctionError != "" {
			status += "; then failed"
		}
	case out.err != nil:
		status = "failed: " + out.err.Error()
		g.reply(c, "Internal server error", requestID)
	case out.res.FunctionError != "":
		status = "function error"
		g.log.Warn("function error", "function", fn, "route", key, "lambdaRequestId", out.res.RequestID, "error", string(out.res.Payload))
		g.reply(c, "Internal server error", requestID)
	}
	g.log.Info("websocket message", "connectionId", c.id, "route", key, "function", fn, "status", status,
		"durationMs", g.now().Sub(at).Milliseconds(), "requestId", requestID, "lambdaRequestId", out.res.RequestID)
}

// reply sends API Gateway's own error frame to the client, spaced as API
// Gateway writes it: {"message": "Internal server error", "connectionId":"...", "requestId":"..."}.
func (g *Gateway) reply(c *conn, msg, requestID string) {
	b := `{"message": ` + mustJSON(msg) + `, "connectionId":` + mustJSON(c.id) + `, "requestId":` + mustJSON(requestID) + `}`
	ctx, cancel := context.WithTimeout(g.ctx, 5*time.Second)
	defer cancel()
	_ = c.ws.Write(ctx, websocket.MessageText, []byte(b))
}

// disconnect invokes $disconnect, best effort.
func (g *Gateway) disconnect(c *conn, fn string, code websocket.StatusCode, reason string) {
	now := g.now()
	ev := g.event(c, RouteDisconnect, "DISCONNECT", awsid.Gateway(), now)
	ev.RequestContext.DisconnectStatusCode = int64(code)
	ev.RequestContext.DisconnectReason = &reason
	payload, err := json.Marshal(ev)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(g.ctx, g.opts.RouteTimeout)
	defer cancel()
	res, err := g.invoker.Invoke(ctx, fn, payload)
	if err == nil && res.FunctionError != "" {
		err = errors.New(string(res.Payload))
	}
	if err != nil {
		g.log.Warn("websocket $disconnect failed", "connectionId", c.id, "function", fn, "err", err)
		return
	}
	g.log.Info("websocket $disconnect", "connectionId", c.id, "function", fn, "durationMs", g.now().Sub(now).Milliseconds(), "lambdaRequestId", res.RequestID)
}

// event returns the proxy event common to every route.
func (g *Gateway) event(c *conn, key, eventType, requestID string, at time.Time) events.APIGatewayWebsocketProxyRequest {
	return events.APIGatewayWebsocketProxyRequest{
		RequestContext: events.APIGatewayWebsocketProxyRequestContext{
			RouteKey:          key,
			EventType:         eventType,
			MessageDirection:  "IN",
			ExtendedRequestID: requestID,
			RequestID:         requestID,
			RequestTime:       at.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch:  at.UnixMilli(),
			ConnectedAt:       c.connectedAt.UnixMilli(),
			ConnectionID:      c.id,
			DomainName:        c.domain,
			Stage:             g.opts.Stage,
			APIID:             "local",
			Identity:          events.APIGatewayRequestIdentity{SourceIP: c.sourceIP, UserAgent: c.userAgent},
		},
		IsBase64Encoded: false,
	}
}

func headers(r *http.Request) (map[string]string, map[string][]string) {
	single := map[string]string{}
	multi := map[string][]string{}
	for k, vs := range r.Header {
		// API Gateway's $connect event keeps the header names as sent;
		// Go canonicalises them, which is what clients usually send, but
		// for the WebSocket ones browsers send (Sec-WebSocket-Key, not
		// Sec-Websocket-Key).
		if strings.HasPrefix(k, "Sec-Websocket-") {
			k = "Sec-WebSocket-" + strings.TrimPrefix(k, "Sec-Websocket-")
		}
		single[k] = vs[len(vs)-1]
		multi[k] = append([]string(nil), vs...)
	}
	port := "80"
	if _, p, err := net.SplitHostPort(r.Host); err == nil {
		port = p
	}
	for k, v := range map[string]string{"Host": r.Host, "X-Forwarded-For": awsid.SourceIP(r), "X-Forwarded-Port": port, "X-Forwarded-Proto": "http"} {
		single[k], multi[k] = v, []string{v}
	}
	return single, multi
}

func query(r *http.Request) (map[string]string, map[string][]string) {
	q := r.URL.Query()
	if len(q) == 0 {
		return nil, nil
	}
	single := make(map[string]string, len(q))
	multi := make(map[string][]string, len(q))
	for k, vs := range q {
		single[k] = vs[len(vs)-1]
		multi[k] = vs
	}
	return single, multi
}

// domainOf is the host of a Host header, without the port.
func domainOf(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func message(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(mustJSON(map[string]string{"message": msg})))
}
