package hwa

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testServer is an httptest server that counts hits and records requests.
type testServer struct {
	*httptest.Server
	hits atomic.Int64
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	Method string
	Path   string // escaped path
	Query  url.Values
	Header http.Header
	Body   string
}

func (s *testServer) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.reqs...)
}

func newTestServer(t *testing.T, h http.HandlerFunc) *testServer {
	t.Helper()
	s := &testServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, recorded{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Header: r.Header.Clone(), Body: string(b)})
		s.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// sleeps records the client's retry sleeps instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// newClient returns a client for url with no real sleeping and a
// deterministic jitter (always the ceiling).
func newClient(t *testing.T, url string, mod func(*Config)) (*Client, *sleeps) {
	t.Helper()
	sl := &sleeps{}
	cfg := Config{
		BaseURL:  url,
		User:     "twsuser",
		Password: "s3cret-pass",
		Sleep:    sl.sleep,
		Jitter:   func(max time.Duration) time.Duration { return max },
		Timeout:  5 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, sl
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func TestNewConfigErrors(t *testing.T) {
	dir := t.TempDir()
	badPEM := filepath.Join(dir, "bad.pem")
	if err := os.WriteFile(badPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no base url", Config{}},
		{"bad scheme", Config{BaseURL: "ftp://mdm:31116"}},
		{"no host", Config{BaseURL: "https://"}},
		{"query", Config{BaseURL: "https://mdm:31116/?x=1"}},
		{"credentials in url", Config{BaseURL: "https://twsuser:s3cret-pass@mdm:31116"}},
		{"basic and bearer", Config{BaseURL: "https://mdm", User: "u", Password: "s3cret-pass", APIKey: "key-123"}},
		{"missing CA file", Config{BaseURL: "https://mdm", CAFile: filepath.Join(dir, "none.pem")}},
		{"CA file without certificates", Config{BaseURL: "https://mdm", CAFile: badPEM}},
		{"CA PEM without certificates", Config{BaseURL: "https://mdm", CAPEM: []byte("junk")}},
		{"TLS with HTTPClient", Config{BaseURL: "https://mdm", InsecureSkipVerify: true, HTTPClient: http.DefaultClient}},
		{"Transport with HTTPClient", Config{BaseURL: "https://mdm", Transport: http.DefaultTransport, HTTPClient: http.DefaultClient}},
		{"TLS with Transport", Config{BaseURL: "https://mdm", CAPEM: []byte("x"), Transport: http.DefaultTransport}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if err == nil {
				t.Fatalf("New = %v, nil error; want an error", c)
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("error %v does not wrap ErrConfig", err)
			}
			if strings.Contains(err.Error(), "s3cret-pass") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

func TestBaseURLForms(t *testing.T) {
	tests := []struct {
		suffix string
		want   string
	}{
		{"", "/twsd/api/v2/engine/info"},
		{"/", "/twsd/api/v2/engine/info"},
		{"/twsd/api/v2", "/twsd/api/v2/engine/info"},
		{"/twsd/api/v2/", "/twsd/api/v2/engine/info"},
		{"/proxy/hwa", "/proxy/hwa/twsd/api/v2/engine/info"},
	}
	for _, tt := range tests {
		t.Run(tt.suffix, func(t *testing.T) {
			var got string
			s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				got = r.URL.Path
				writeJSON(w, 200, EngineInfo{DisplayVersion: "10.2.5"})
			})
			c, _ := newClient(t, s.URL+tt.suffix, nil)
			if _, err := c.EngineInfo(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("path = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAuthAndUserAgent(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"basic", nil, "Basic dHdzdXNlcjpzM2NyZXQtcGFzcw=="},
		{"bearer", func(c *Config) { c.User, c.Password, c.APIKey = "", "", "eyJhbGciOi.key.sig" }, "Bearer eyJhbGciOi.key.sig"},
		{"none", func(c *Config) { c.User, c.Password = "", "" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, EngineInfo{}) })
			c, _ := newClient(t, s.URL, func(c *Config) {
				if tt.mod != nil {
					tt.mod(c)
				}
				c.UserAgent = "resync-test/9"
			})
			if _, err := c.EngineInfo(context.Background()); err != nil {
				t.Fatal(err)
			}
			h := s.requests()[0].Header
			if got := h.Get("Authorization"); got != tt.want {
				t.Errorf("Authorization = %q, want %q", got, tt.want)
			}
			if got := h.Get("User-Agent"); got != "resync-test/9" {
				t.Errorf("User-Agent = %q, want resync-test/9", got)
			}
			if got := h.Get("Accept"); got != "application/json" {
				t.Errorf("Accept = %q, want application/json", got)
			}
		})
	}
}

func TestReadRetries(t *testing.T) {
	tests := []struct {
		status   int
		wantHits int64
		wantKind error
	}{
		{500, 3, ErrUnavailable},
		{502, 3, ErrUnavailable},
		{503, 3, ErrUnavailable},
		{504, 3, ErrUnavailable},
		{429, 3, ErrUnavailable},
		{501, 1, ErrUnavailable},
		{400, 1, ErrBadFilter},
		{401, 1, ErrUnauthorized},
		{403, 1, ErrForbidden},
		{404, 1, ErrNotFound},
		{409, 1, ErrConflict},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, tt.status, map[string]string{"code": "X_CODE", "message": "nope"})
			})
			c, sl := newClient(t, s.URL, nil)
			_, err := c.Job(context.Background(), "J1")
			if !errors.Is(err, tt.wantKind) {
				t.Fatalf("err = %v, want kind %v", err, tt.wantKind)
			}
			if got := s.hits.Load(); got != tt.wantHits {
				t.Errorf("server hits = %d, want %d", got, tt.wantHits)
			}
			if got, want := len(sl.all()), int(tt.wantHits-1); got != want {
				t.Errorf("sleeps = %d, want %d", got, want)
			}
			var he *Error
			if !errors.As(err, &he) || he.Status != tt.status || he.Code != "X_CODE" || he.Message != "nope" {
				t.Errorf("error = %#v, want status %d code X_CODE message nope", he, tt.status)
			}
			if !strings.HasPrefix(err.Error(), "hwa: get job J1: ") {
				t.Errorf("error text %q does not start with the operation", err)
			}
		})
	}
}

func TestReadRetrySucceedsWithBackoff(t *testing.T) {
	s := newTestServer(t, nil)
	s.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.hits.Add(1) < 4 {
			writeJSON(w, 503, nil)
			return
		}
		writeJSON(w, 200, JobInPlan{ID: "J1", Name: "PAYROLL"})
	})
	c, sl := newClient(t, s.URL, func(c *Config) {
		c.Retry = RetryPolicy{Attempts: 5, BaseDelay: 100 * time.Millisecond, MaxDelay: 250 * time.Millisecond}
	})
	j, err := c.Job(context.Background(), "J1")
	if err != nil {
		t.Fatal(err)
	}
	if j.Name != "PAYROLL" {
		t.Errorf("name = %q", j.Name)
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 250 * time.Millisecond}
	if got := sl.all(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sleeps = %v, want %v (exponential, capped)", got, want)
	}
}

func TestRetryFullJitterAndRetryAfter(t *testing.T) {
	var ceilings []time.Duration
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3")
		writeJSON(w, 429, nil)
	})
	c, sl := newClient(t, s.URL, func(c *Config) {
		c.Retry = RetryPolicy{Attempts: 3, BaseDelay: time.Second, MaxDelay: 10 * time.Second}
		c.Jitter = func(max time.Duration) time.Duration { ceilings = append(ceilings, max); return max / 10 }
	})
	_, err := c.EngineInfo(context.Background())
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	if want := []time.Duration{time.Second, 2 * time.Second}; fmt.Sprint(ceilings) != fmt.Sprint(want) {
		t.Errorf("jitter ceilings = %v, want %v", ceilings, want)
	}
	// Jitter chose 0.1 s and 0.2 s; Retry-After (3 s) is longer and wins.
	if want := []time.Duration{3 * time.Second, 3 * time.Second}; fmt.Sprint(sl.all()) != fmt.Sprint(want) {
		t.Errorf("sleeps = %v, want %v", sl.all(), want)
	}
}

func TestDefaultJitterWithinCeiling(t *testing.T) {
	c, err := New(Config{BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		if d := c.jitter(time.Second); d < 0 || d > time.Second {
			t.Fatalf("jitter = %v, want within [0, 1s]", d)
		}
	}
}

// dropper closes the connection without an answer for the first n requests.
func dropper(t *testing.T, n int64, ok http.HandlerFunc) *testServer {
	s := newTestServer(t, nil)
	s.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.hits.Add(1) <= n {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		ok(w, r)
	})
	return s
}

func TestReadRetriesConnectionErrorsAndTimeouts(t *testing.T) {
	t.Run("dropped connection", func(t *testing.T) {
		s := dropper(t, 2, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, EngineInfo{DisplayVersion: "v"}) })
		c, _ := newClient(t, s.URL, nil)
		info, err := c.EngineInfo(context.Background())
		if err != nil || info.DisplayVersion != "v" {
			t.Fatalf("EngineInfo = %v, %v", info, err)
		}
		if got := s.hits.Load(); got != 3 {
			t.Errorf("hits = %d, want 3", got)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		s := newTestServer(t, nil)
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		s.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if s.hits.Add(1) == 1 {
				select {
				case <-r.Context().Done():
				case <-release:
				}
				return
			}
			writeJSON(w, 200, EngineInfo{DisplayVersion: "v"})
		})
		c, _ := newClient(t, s.URL, func(c *Config) { c.Timeout = 100 * time.Millisecond })
		if _, err := c.EngineInfo(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := s.hits.Load(); got != 2 {
			t.Errorf("hits = %d, want 2", got)
		}
	})
	t.Run("timeout exhausts retries", func(t *testing.T) {
		s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		c, _ := newClient(t, s.URL, func(c *Config) { c.Timeout = 50 * time.Millisecond })
		_, err := c.EngineInfo(context.Background())
		if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want ErrUnavailable and DeadlineExceeded", err)
		}
		if got := s.hits.Load(); got != 3 {
			t.Errorf("hits = %d, want 3", got)
		}
	})
}

func TestCallerCancellationIsNotRetried(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done()
	})
	c, _ := newClient(t, s.URL, nil)
	_, err := c.EngineInfo(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if errors.Is(err, ErrUnavailable) {
		t.Errorf("a cancelled call should not be reported as ErrUnavailable: %v", err)
	}
	if got := s.hits.Load(); got != 1 {
		t.Errorf("hits = %d, want 1", got)
	}
	// An already cancelled context sends nothing.
	if _, err := c.EngineInfo(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("second call err = %v", err)
	}
	if got := s.hits.Load(); got != 1 {
		t.Errorf("hits after cancelled call = %d, want 1", got)
	}
}

func TestErrorBodies(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		wantKind    error
		wantCode    string
		wantMsg     string
	}{
		{"json code message", 400, "application/json", `{"code":"OQL_FILTER_SYNTAX_ERROR","message":"unexpected token 'key.name'"}`,
			ErrBadFilter, "OQL_FILTER_SYNTAX_ERROR", "unexpected token 'key.name'"},
		{"plain text with code", 400, "text/plain", "OQL_FILTER_SYNTAX_ERROR: bad filter", ErrBadFilter, "OQL_FILTER_SYNTAX_ERROR", "OQL_FILTER_SYNTAX_ERROR: bad filter"},
		{"v1 messages", 404, "application/json", `{"messages":["AWSJCO005E The object was not found."]}`, ErrNotFound, "AWSJCO005E", "AWSJCO005E The object was not found."},
		{"errorCode variant", 409, "application/json", `{"errorCode":"ALREADY_PRESENT","errorMessage":"job exists"}`, ErrConflict, "ALREADY_PRESENT", "job exists"},
		{"html page", 502, "text/html", "<html><body>Bad gateway</body></html>", ErrUnavailable, "", ""},
		{"empty", 403, "", "", ErrForbidden, "", ""},
		{"unsupported media type", 415, "text/plain", "Unsupported Media Type", ErrBadRequest, "", "Unsupported Media Type"},
		{"long message trimmed", 400, "text/plain", strings.Repeat("x", 2000), ErrBadFilter, "", strings.Repeat("x", maxMessage) + "…"},
		{"control chars", 400, "text/plain", "line1\nline2\r\n", ErrBadFilter, "", "line1 line2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			c, _ := newClient(t, s.URL, func(c *Config) { c.Retry.Attempts = 1 })
			_, err := c.ListJobs(context.Background(), Query{})
			var he *Error
			if !errors.As(err, &he) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if !errors.Is(err, tt.wantKind) || he.Status != tt.status || he.Code != tt.wantCode || he.Message != tt.wantMsg {
				t.Errorf("got kind %v status %d code %q msg %q\nwant kind %v status %d code %q msg %q",
					he.Kind, he.Status, he.Code, he.Message, tt.wantKind, tt.status, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

func TestErrorsNeverLeakCredentials(t *testing.T) {
	// A hostile or careless server echoes the request's credentials back.
	echo := func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		writeJSON(w, 401, map[string]string{"code": "BAD_AUTH", "message": "rejected " + r.Header.Get("Authorization") + " user " + u + " password " + p})
	}
	for _, tt := range []struct {
		name    string
		mod     func(*Config)
		secrets []string
	}{
		{"basic", nil, []string{"s3cret-pass", "dHdzdXNlcjpzM2NyZXQtcGFzcw=="}},
		{"bearer", func(c *Config) { c.User, c.Password, c.APIKey = "", "", "eyJhbGciOi.key.sig" }, []string{"eyJhbGciOi.key.sig"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, echo)
			c, _ := newClient(t, s.URL, tt.mod)
			_, err := c.Hold(context.Background(), "J1", ActionOptions{})
			if !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("err = %v", err)
			}
			for _, sec := range tt.secrets {
				if strings.Contains(err.Error(), sec) {
					t.Errorf("error leaks %q: %v", sec, err)
				}
			}
		})
	}
	// Transport errors carry no URL credentials either (there are none to
	// carry: New refuses them), and name the operation.
	c, _ := newClient(t, "http://127.0.0.1:1", func(c *Config) { c.Retry.Attempts = 1 })
	_, err := c.Job(context.Background(), "J9")
	if !errors.Is(err, ErrUnavailable) || strings.Contains(err.Error(), "s3cret") || !strings.HasPrefix(err.Error(), "hwa: get job J9: unavailable") {
		t.Errorf("connection refused error = %v", err)
	}
}

func TestResponseSizeCap(t *testing.T) {
	big := `{"id":"J1","name":"` + strings.Repeat("A", 4096) + `"}`
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"content length", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, big)
		}},
		{"chunked", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			for i := 0; i < len(big); i += 512 {
				io.WriteString(w, big[i:min(i+512, len(big))])
				w.(http.Flusher).Flush()
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, tt.handler)
			c, _ := newClient(t, s.URL, func(c *Config) { c.MaxResponseBytes = 1024 })
			_, err := c.Job(context.Background(), "J1")
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("err = %v, want ErrTooLarge", err)
			}
			if got := s.hits.Load(); got != 1 {
				t.Errorf("hits = %d, want 1 (a too-large answer is not retried)", got)
			}
		})
	}
	t.Run("under the cap", func(t *testing.T) {
		s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, big) })
		c, _ := newClient(t, s.URL, func(c *Config) { c.MaxResponseBytes = int64(len(big)) })
		if _, err := c.Job(context.Background(), "J1"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestBadJSONIsBadResponse(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"id": [`) })
	c, _ := newClient(t, s.URL, nil)
	_, err := c.Job(context.Background(), "J1")
	if !errors.Is(err, ErrBadResponse) {
		t.Fatalf("err = %v, want ErrBadResponse", err)
	}
	if got := s.hits.Load(); got != 1 {
		t.Errorf("hits = %d, want 1", got)
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	other := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, EngineInfo{}) })
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	})
	c, _ := newClient(t, s.URL, nil)
	_, err := c.EngineInfo(context.Background())
	if !errors.Is(err, ErrBadResponse) {
		t.Fatalf("err = %v, want ErrBadResponse", err)
	}
	if other.hits.Load() != 0 {
		t.Errorf("the redirect target was called with our credentials")
	}
}

func TestIDsAreOnePathSegment(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, JobInPlan{}) })
	c, _ := newClient(t, s.URL, nil)
	if _, err := c.Job(context.Background(), "MDM;JOBS;A/B?x=1#f"); err != nil {
		t.Fatal(err)
	}
	if got, want := s.requests()[0].Path, "/twsd/api/v2/plan/job/MDM%3BJOBS%3BA%2FB%3Fx=1%23f"; got != want {
		t.Errorf("path = %s, want %s", got, want)
	}
	if len(s.requests()[0].Query) != 0 {
		t.Errorf("query = %v, want none", s.requests()[0].Query)
	}
	// An empty id is refused before any request.
	for _, call := range []func() error{
		func() error { _, err := c.Job(context.Background(), " "); return err },
		func() error { _, err := c.Hold(context.Background(), "", ActionOptions{}); return err },
		func() error { _, err := c.Rerun(context.Background(), "", RerunDetails{}, ActionOptions{}); return err },
		func() error { _, err := c.JobLog(context.Background(), "", LogOptions{}); return err },
	} {
		if err := call(); !errors.Is(err, ErrBadRequest) {
			t.Errorf("empty id: err = %v, want ErrBadRequest", err)
		}
	}
	if got := s.hits.Load(); got != 1 {
		t.Errorf("hits = %d, want 1", got)
	}
}

func TestTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, EngineInfo{DisplayVersion: "tls"})
	}))
	t.Cleanup(srv.Close)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		cfg    Config
		wantOK bool
	}{
		{"CA PEM", Config{CAPEM: caPEM}, true},
		{"CA file", Config{CAFile: caFile}, true},
		{"system roots only", Config{}, false},
		{"insecure switch", Config{InsecureSkipVerify: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.BaseURL = srv.URL
			cfg.Retry.Attempts = 1
			c, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			info, err := c.EngineInfo(context.Background())
			if tt.wantOK {
				if err != nil || info.DisplayVersion != "tls" {
					t.Fatalf("EngineInfo = %+v, %v", info, err)
				}
				return
			}
			if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "certificate") {
				t.Fatalf("err = %v, want an ErrUnavailable certificate error", err)
			}
		})
	}
}

func TestObserveSeesEveryAttempt(t *testing.T) {
	s := newTestServer(t, nil)
	s.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.hits.Add(1) == 1 {
			writeJSON(w, 500, nil)
			return
		}
		writeJSON(w, 200, JobInPlan{})
	})
	var calls []Call
	c, _ := newClient(t, s.URL, func(c *Config) { c.Observe = func(call Call) { calls = append(calls, call) } })
	if _, err := c.Job(context.Background(), "J1"); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 {
		t.Fatalf("calls = %+v, want 2", calls)
	}
	for i, call := range calls {
		if call.Method != "GET" || call.Pattern != "/plan/job/{job_id}" || call.Attempt != i+1 || call.Op != "get job J1" {
			t.Errorf("call %d = %+v", i, call)
		}
	}
	if calls[0].Status != 500 || calls[0].Err == nil || calls[1].Status != 200 || calls[1].Err != nil {
		t.Errorf("statuses = %d %v, %d %v", calls[0].Status, calls[0].Err, calls[1].Status, calls[1].Err)
	}
}
