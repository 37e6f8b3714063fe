package hwa

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	segjson "github.com/segmentio/encoding/json"
)

// APIPrefix is the path of REST API V2 under the server root.
const APIPrefix = "/twsd/api/v2"

// Defaults used by New for zero Config fields.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultMaxResponseBytes = 8 << 20 // 8 MiB
	DefaultPageSize         = 500
	DefaultUserAgent        = "resync-hwa/1"
)

// ErrBadResponse: the server answered 2xx with a body the client cannot read
// (malformed JSON, a paging loop).
var ErrBadResponse = errors.New("bad response")

// ErrConfig is wrapped by New's errors.
var ErrConfig = errors.New("invalid client configuration")

// Config configures a Client. Only BaseURL is required.
type Config struct {
	// BaseURL is the server root, e.g. https://mdm.example.com:31116 (a path
	// prefix of a reverse proxy is kept); the client adds /twsd/api/v2.
	// It must not carry user:password.
	BaseURL string

	// User and Password select Basic auth; APIKey selects a bearer API key
	// (a JWT from the Dynamic Workload Console). Set one or the other.
	User     string
	Password string
	APIKey   string

	// CAFile or CAPEM is a PEM bundle of the CAs to trust for the server's
	// certificate; when set, only these CAs are trusted. InsecureSkipVerify
	// turns verification off (off by default; never use it in production).
	CAFile             string
	CAPEM              []byte
	InsecureSkipVerify bool

	// Timeout bounds each HTTP attempt, body included (default 30 s).
	Timeout time.Duration

	// Retry is the policy for reads (GET). Actions are never retried.
	Retry RetryPolicy

	// MaxResponseBytes caps a JSON response (default 8 MiB); a larger one
	// is an ErrTooLarge error. Job logs are truncated to LogOptions.MaxBytes
	// (default the same) instead.
	MaxResponseBytes int64

	// PageSize is the default limit of list requests (default 500).
	PageSize int

	// UserAgent is sent on every request (default "resync-hwa/1").
	UserAgent string

	// HTTPClient or Transport replaces the client's own transport (tests,
	// proxies, instrumentation). The TLS options above need the client's own
	// transport and are refused together with either.
	HTTPClient *http.Client
	Transport  http.RoundTripper

	// Sleep waits between retries (default: a timer honouring ctx). Jitter
	// returns a random duration in [0, max] (default math/rand/v2). Tests
	// replace both.
	Sleep  func(ctx context.Context, d time.Duration) error
	Jitter func(max time.Duration) time.Duration

	// Observe, when set, is called after every HTTP attempt (metrics, tests),
	// on the calling goroutine; it must be safe for concurrent use when the
	// client is used concurrently.
	Observe func(Call)
}

// RetryPolicy retries reads on 5xx (except 501), 429, 408, timeouts and
// connection errors, with exponential backoff and full jitter: before retry
// n the client sleeps a random time in [0, min(MaxDelay, BaseDelay·2^(n-1))],
// or the server's Retry-After when that is longer (capped at MaxDelay).
type RetryPolicy struct {
	Attempts  int           // total attempts for a read; 0 means 3, 1 disables retries
	BaseDelay time.Duration // default 200 ms
	MaxDelay  time.Duration // default 5 s
}

// Call describes one HTTP attempt, for Config.Observe.
type Call struct {
	Op       string // e.g. "get job 1234"
	Method   string
	Pattern  string // path template under /twsd/api/v2, e.g. /plan/job/{job_id}
	Attempt  int    // 1 for the first attempt
	Status   int    // 0 when no response arrived
	Err      error  // nil on success
	Duration time.Duration
}

// Client talks to HWA REST API V2. It is safe for concurrent use; build one
// per process and reuse it.
type Client struct {
	base     *url.URL // server root + APIPrefix
	hc       *http.Client
	auth     string
	ua       string
	timeout  time.Duration
	retry    RetryPolicy
	maxBytes int64
	pageSize int
	sleep    func(context.Context, time.Duration) error
	jitter   func(time.Duration) time.Duration
	observe  func(Call)
	red      redactor
}

// New returns a Client for cfg. It returns an error wrapping ErrConfig for a
// missing or malformed BaseURL, credentials in the URL, both Basic and bearer
// credentials, an unreadable or empty CA bundle, or TLS options combined with
// an injected HTTPClient or Transport. The error never contains credentials.
func New(cfg Config) (*Client, error) {
	bad := func(format string, args ...any) (*Client, error) {
		return nil, fmt.Errorf("hwa: new client: %s: %w", fmt.Sprintf(format, args...), ErrConfig)
	}
	if cfg.BaseURL == "" {
		return bad("BaseURL is required")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return bad("BaseURL does not parse")
	}
	if u.User != nil {
		return bad("BaseURL must not contain credentials; use User/Password or APIKey")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return bad("BaseURL scheme must be http or https")
	}
	if u.Host == "" {
		return bad("BaseURL has no host")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return bad("BaseURL must not have a query or fragment")
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), APIPrefix) + APIPrefix
	u.RawPath = ""

	c := &Client{
		base:     u,
		ua:       cfg.UserAgent,
		timeout:  cfg.Timeout,
		retry:    cfg.Retry,
		maxBytes: cfg.MaxResponseBytes,
		pageSize: cfg.PageSize,
		sleep:    cfg.Sleep,
		jitter:   cfg.Jitter,
		observe:  cfg.Observe,
	}
	if c.ua == "" {
		c.ua = DefaultUserAgent
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxBytes <= 0 {
		c.maxBytes = DefaultMaxResponseBytes
	}
	if c.pageSize <= 0 {
		c.pageSize = DefaultPageSize
	}
	if c.retry.Attempts <= 0 {
		c.retry.Attempts = 3
	}
	if c.retry.BaseDelay <= 0 {
		c.retry.BaseDelay = 200 * time.Millisecond
	}
	if c.retry.MaxDelay <= 0 {
		c.retry.MaxDelay = 5 * time.Second
	}
	if c.retry.MaxDelay < c.retry.BaseDelay {
		c.retry.MaxDelay = c.retry.BaseDelay
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	if c.jitter == nil {
		c.jitter = func(max time.Duration) time.Duration {
			if max <= 0 {
				return 0
			}
			return rand.N(max + 1)
		}
	}

	switch {
	case cfg.APIKey != "" && (cfg.User != "" || cfg.Password != ""):
		return bad("set either User/Password or APIKey, not both")
	case cfg.APIKey != "":
		c.auth = "Bearer " + cfg.APIKey
		c.red = redactor{cfg.APIKey}
	case cfg.User != "" || cfg.Password != "":
		tok := base64.StdEncoding.EncodeToString([]byte(cfg.User + ":" + cfg.Password))
		c.auth = "Basic " + tok
		c.red = redactor{cfg.Password, tok}
	}

	tlsSet := cfg.CAFile != "" || len(cfg.CAPEM) > 0 || cfg.InsecureSkipVerify
	switch {
	case cfg.HTTPClient != nil:
		if tlsSet || cfg.Transport != nil {
			return bad("CAFile, CAPEM, InsecureSkipVerify and Transport cannot be combined with HTTPClient")
		}
		c.hc = cfg.HTTPClient
	case cfg.Transport != nil:
		if tlsSet {
			return bad("CAFile, CAPEM and InsecureSkipVerify cannot be combined with Transport")
		}
		c.hc = &http.Client{Transport: cfg.Transport, CheckRedirect: noRedirect}
	default:
		tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.InsecureSkipVerify}
		if cfg.CAFile != "" || len(cfg.CAPEM) > 0 {
			pem := cfg.CAPEM
			if cfg.CAFile != "" {
				b, err := os.ReadFile(cfg.CAFile)
				if err != nil {
					return bad("read CA bundle %s: %v", cfg.CAFile, err)
				}
				pem = append(append([]byte{}, pem...), b...)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return bad("CA bundle holds no PEM certificate")
			}
			tc.RootCAs = pool
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = tc
		// Keep a connection per page a list reads ahead (Query.Ahead)
		// and per detail fetched in parallel, instead of the default 2.
		tr.MaxIdleConnsPerHost = idleConnsPerHost
		c.hc = &http.Client{Transport: tr, CheckRedirect: noRedirect}
	}
	return c, nil
}

// noRedirect keeps credentials and action bodies from following a redirect:
// the 3xx is returned to the client, which reports it as an error.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// request is one logical call (possibly several attempts).
type request struct {
	op      string
	method  string
	pattern string // path template, for Observe and the contract test
	path    string // concrete path under the API prefix, segments escaped
	query   url.Values
	body    []byte // actions: JSON body ("{}" when none)
	accept  string
	header  http.Header
}

// pathf builds a concrete path from a template by escaping each argument
// as one path segment, so an id cannot add segments or a query.
func pathf(pattern string, ids ...string) string {
	out := pattern
	for _, id := range ids {
		i := strings.IndexByte(out, '{')
		j := strings.IndexByte(out, '}')
		if i < 0 || j < i {
			break
		}
		out = out[:i] + url.PathEscape(id) + out[j+1:]
	}
	return out
}

func (c *Client) url(r *request) string {
	u := *c.base
	u.RawPath = c.base.EscapedPath() + r.path
	p, err := url.PathUnescape(u.RawPath)
	if err == nil {
		u.Path = p
	}
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	return u.String()
}

// attemptError carries retry information inside an *Error.
type attemptError struct {
	*Error
	retryable  bool
	retryAfter time.Duration
}

// call runs r, retrying reads, and hands each 2xx response to handle (which
// must consume the body within the attempt). handle's *Error results are
// returned as they are; other errors are classified like transport errors.
func (c *Client) call(ctx context.Context, r *request, handle func(*http.Response) error) error {
	if err := ctx.Err(); err != nil {
		return &Error{Op: r.op, Message: err.Error(), Err: err}
	}
	attempts := 1
	if r.method == http.MethodGet {
		attempts = c.retry.Attempts
	}
	for attempt := 1; ; attempt++ {
		ae := c.once(ctx, r, attempt, handle)
		if ae == nil {
			return nil
		}
		if !ae.retryable || attempt >= attempts || ctx.Err() != nil {
			return ae.Error
		}
		ceil := c.retry.BaseDelay << (attempt - 1)
		if ceil > c.retry.MaxDelay || ceil <= 0 {
			ceil = c.retry.MaxDelay
		}
		d := c.jitter(ceil)
		if ae.retryAfter > d {
			d = min(ae.retryAfter, c.retry.MaxDelay)
		}
		if err := c.sleep(ctx, d); err != nil {
			return ae.Error
		}
	}
}

func (c *Client) once(ctx context.Context, r *request, attempt int, handle func(*http.Response) error) (ae *attemptError) {
	start := time.Now()
	status := 0
	defer func() {
		if c.observe != nil {
			call := Call{Op: r.op, Method: r.method, Pattern: r.pattern, Attempt: attempt, Status: status, Duration: time.Since(start)}
			if ae != nil {
				call.Err = ae.Error
			}
			c.observe(call)
		}
	}()
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(actx, r.method, c.url(r), body)
	if err != nil {
		return &attemptError{Error: &Error{Op: r.op, Kind: ErrBadRequest, Message: c.red.clean(err.Error())}}
	}
	req.Header.Set("User-Agent", c.ua)
	req.Header.Set("Accept", r.accept)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	for k, vs := range r.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.transportError(ctx, r, err)
	}
	defer func() {
		// Drain a little so the connection can be reused, then close.
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		resp.Body.Close()
	}()
	status = resp.StatusCode
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.statusError(r, resp)
	}
	if err := handle(resp); err != nil {
		var he *Error
		if errors.As(err, &he) {
			return &attemptError{Error: he}
		}
		return c.transportError(ctx, r, err)
	}
	return nil
}

func (c *Client) statusError(r *request, resp *http.Response) *attemptError {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	code, msg := parseErrorBody(raw)
	kind := kindForStatus(resp.StatusCode)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		kind = ErrBadResponse
		msg = "unexpected redirect"
	}
	e := &Error{Op: r.op, Status: resp.StatusCode, Code: c.red.clean(code), Message: c.red.clean(msg), Kind: kind}
	ae := &attemptError{Error: e}
	switch {
	case resp.StatusCode == http.StatusNotImplemented:
	case resp.StatusCode >= 500, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusRequestTimeout:
		ae.retryable = true
		if s, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && s > 0 {
			ae.retryAfter = time.Duration(s) * time.Second
		}
	}
	return ae
}

// transportError classifies an error with no HTTP status: the caller's
// context ended (not retried), the attempt timed out, or the connection
// failed (both ErrUnavailable, retried for reads).
func (c *Client) transportError(ctx context.Context, r *request, err error) *attemptError {
	if cerr := ctx.Err(); cerr != nil {
		return &attemptError{Error: &Error{Op: r.op, Message: cerr.Error(), Err: cerr}}
	}
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err // url.Error's text repeats the URL; the cause is enough
	}
	msg := cause.Error()
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		msg = "timed out after " + c.timeout.String()
		cause = context.DeadlineExceeded
	}
	return &attemptError{
		Error:     &Error{Op: r.op, Kind: ErrUnavailable, Message: c.red.clean(msg), Err: cause},
		retryable: true,
	}
}

// readBody reads a JSON body, refusing more than the cap.
func (c *Client) readBody(r *request, resp *http.Response) ([]byte, error) {
	if resp.ContentLength > c.maxBytes {
		return nil, &Error{Op: r.op, Status: resp.StatusCode, Kind: ErrTooLarge,
			Message: fmt.Sprintf("%d bytes, cap %d", resp.ContentLength, c.maxBytes)}
	}
	// With a length, read into a buffer of that size (plus one byte to see
	// a body longer than announced): io.ReadAll's doubling cleared and
	// copied a 1 MB page about twice over.
	var b []byte
	if n := resp.ContentLength; n > 0 {
		buf := bytes.NewBuffer(make([]byte, 0, n+bytes.MinRead))
		if _, err := buf.ReadFrom(io.LimitReader(resp.Body, c.maxBytes+1)); err != nil {
			return nil, err
		}
		b = buf.Bytes()
	} else {
		var err error
		if b, err = io.ReadAll(io.LimitReader(resp.Body, c.maxBytes+1)); err != nil {
			return nil, err
		}
	}
	if int64(len(b)) > c.maxBytes {
		return nil, &Error{Op: r.op, Status: resp.StatusCode, Kind: ErrTooLarge,
			Message: fmt.Sprintf("more than %d bytes", c.maxBytes)}
	}
	return b, nil
}

// getJSON runs a GET and decodes its JSON answer into out.
func (c *Client) getJSON(ctx context.Context, r *request, out any) error {
	r.method = http.MethodGet
	r.accept = "application/json"
	return c.call(ctx, r, func(resp *http.Response) error {
		b, err := c.readBody(r, resp)
		if err != nil {
			return err
		}
		return c.decode(r, resp, b, out)
	})
}

func (c *Client) decode(r *request, resp *http.Response, b []byte, out any) error {
	// segmentio/encoding's decoder takes encoding/json's types and tags,
	// passes its tests, and decodes a 500-job page about four times as
	// fast: a sync's listing of a large plan is mostly decoding.
	if err := segjson.Unmarshal(b, out); err != nil {
		return &Error{Op: r.op, Status: resp.StatusCode, Kind: ErrBadResponse, Message: c.red.clean("decode JSON: " + err.Error()), Err: err}
	}
	return nil
}
