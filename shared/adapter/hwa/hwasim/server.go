package hwasim

import (
	"bytes"
	"crypto/subtle"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	segjson "github.com/segmentio/encoding/json"

	"github.com/resync/resync/shared/adapter/hwa"
)

// Config configures a simulator. The zero value is a usable open server
// (no authentication) over the default plan at the current time.
type Config struct {
	// Seed makes the plan (names, ids, durations, outcomes) reproducible.
	Seed int64
	// Jobs is the number of jobs (default 450, at least 120; measured up to
	// 200,000: BenchmarkGenerate).
	Jobs int
	// Streams is the number of job streams (default max(60, Jobs/10), at least 40).
	Streams int
	// Workstations is the number of workstations (default Jobs/200, at
	// least 12). Beyond the twelve named ones they are agents, FTAs, pools,
	// dynamic pools and extended agents in seven regions, each region with
	// its time zone and a domain per fifty workstations.
	Workstations int
	// Now is the plan's current time when it is generated; the plan started
	// ten hours earlier. Zero means Clock(), or time.Now() when Clock is nil.
	Now time.Time
	// Clock, when set, is the simulator's time: before every request the
	// plan moves to Clock() (never backwards). Advance still works on top.
	Clock func() time.Time
	// Wall is the wall clock a running speed (SetSpeed, /sim/clock) is
	// measured against; nil is time.Now.
	Wall func() time.Time

	// Users maps user names to passwords for HTTP Basic authentication.
	Users map[string]string
	// APIKeys are the bearer tokens accepted (Authorization: Bearer <key>).
	APIKeys []string
	// ReadOnlyUsers and ReadOnlyAPIKeys may read but get 403 on actions.
	ReadOnlyUsers   []string
	ReadOnlyAPIKeys []string
	// With no Users and no APIKeys every request is accepted.

	// TimeZone is the engine's time zone, as GET /engine/info reports it
	// (an IANA name); empty is UTC. The workstations keep their own.
	TimeZone string
}

// Action is one operator action request received (after authentication),
// whatever its outcome.
type Action struct {
	Time     time.Time   // the plan's clock when it arrived
	Method   string      // PUT, or POST for a submission
	Path     string      // URL path
	Query    string      // raw query (e.g. priority=50)
	Target   string      // job | run | jobstream | workstation | jobstream-model | job-model | adhoc
	Verb     string      // rerun, hold, release, cancel, kill, confirm-succ, ..., submit
	TargetID string      // job, run, job stream or workstation id
	User     string      // Basic user name, "apikey#N" (N = index in Config.APIKeys), "" without auth
	Headers  http.Header // all request headers except Authorization
	Body     []byte
	Status   int // HTTP status answered
}

// Request is one HTTP request received, faults included.
type Request struct {
	Method, Path string
	Status       int // 0 when the connection was dropped or the client gave up
}

// Fault is an injected failure; see SetFault.
type Fault struct {
	PathPrefix     string        // only paths starting with it ("" = every path)
	Latency        time.Duration // delay before answering (honours the request context)
	Status5xx      int           // answer this status (e.g. 503; 429 and other 4xx work too) with a JSON error
	Count          int           // only the next Count matching requests (0 = until cleared)
	Rate           float64       // in (0,1): only this fraction, drawn from the seed (0 = all)
	Timeout        bool          // never answer: hang until the client gives up
	DropConnection bool          // close the connection without an answer
	RetryAfter     time.Duration // with Status5xx: also send Retry-After, in whole seconds (rounded up)
}

const maxRequestLog = 10000

// Server is the simulator: an http.Handler serving /twsd/api/v2. It is safe
// for concurrent use.
type Server struct {
	cfg     Config
	jobF    fieldSet[hwa.JobInPlan]
	streamF fieldSet[hwa.JobStreamInPlan]
	wsF     fieldSet[hwa.WorkstationInPlan]
	ops     []specOp // the vendor's operations, for 501 on those not simulated

	mu       sync.Mutex // guards plan, prev, actions, requests
	plan     *plan
	prev     *plan  // the previous plan, generated on first use (previous.go)
	prevID   string // its id
	actions  []Action
	requests []Request

	wall           func() time.Time
	speed          float64   // plan seconds per wall second; 0 = frozen (guarded by mu)
	wallAt, planAt time.Time // where the running clock started (guarded by mu)

	fmu      sync.Mutex // guards fault state
	fault    *Fault
	faultN   int
	faultRng *rand.Rand
}

// New generates the plan described by cfg and returns its simulator.
func New(cfg Config) *Server {
	now := cfg.Now
	if now.IsZero() {
		if cfg.Clock != nil {
			now = cfg.Clock()
		} else {
			now = time.Now()
		}
	}
	now = now.UTC().Truncate(time.Second)
	wall := cfg.Wall
	if wall == nil {
		wall = time.Now
	}
	return &Server{
		wall:     wall,
		cfg:      cfg,
		jobF:     jobFields(),
		streamF:  streamFields(),
		wsF:      workstationFields(),
		ops:      parseSpecOps(),
		plan:     generate(cfg, now),
		prevID:   hashID(cfg.Seed, "previous plan"),
		faultRng: rand.New(rand.NewPCG(uint64(cfg.Seed), 0xfa017)),
	}
}

// Now returns the plan's current time.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.syncClock()
	return s.plan.now
}

// Advance moves the plan's clock forward by d and lets jobs run, end,
// release their successors and streams complete.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.syncClock()
	s.plan.step(s.plan.now.Add(d))
	s.setSpeed(s.speed) // a running clock goes on from the new time
}

func (s *Server) syncClock() {
	if s.cfg.Clock != nil {
		s.plan.step(s.cfg.Clock())
	}
	s.runClock()
}

// Actions returns a copy of the action log, oldest first.
func (s *Server) Actions() []Action {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.actions)
}

// Requests returns a copy of the request log (the last 10,000), oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// SetFault switches a fault on for the requests that follow, replacing any
// previous one.
func (s *Server) SetFault(f Fault) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	s.fault = &f
	s.faultN = f.Count
}

// ClearFault switches fault injection off.
func (s *Server) ClearFault() {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	s.fault = nil
}

// takeFault returns the fault that applies to path, if any, counting it.
func (s *Server) takeFault(path string) (Fault, bool) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	f := s.fault
	if f == nil || !strings.HasPrefix(path, f.PathPrefix) {
		return Fault{}, false
	}
	if f.Rate > 0 && f.Rate < 1 && s.faultRng.Float64() >= f.Rate {
		return Fault{}, false
	}
	if f.Count > 0 {
		s.faultN--
		if s.faultN <= 0 {
			s.fault = nil
		}
	}
	return *f, true
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (s *Server) logRequest(r *http.Request, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) >= maxRequestLog {
		s.requests = slices.Delete(s.requests, 0, len(s.requests)-maxRequestLog+1)
	}
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Status: status})
}

// ServeHTTP serves the simulated API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w}
	defer func() { s.logRequest(r, rec.status) }()
	if f, ok := s.takeFault(r.URL.Path); ok {
		if !s.applyFault(rec, r, f) {
			return
		}
	}
	who, ok := s.authenticate(r)
	if !ok {
		rec.Header().Add("WWW-Authenticate", `Basic realm="twsd"`)
		rec.Header().Add("WWW-Authenticate", `Bearer realm="twsd"`)
		writeError(rec, http.StatusUnauthorized, "NOT_AUTHORIZED", "missing or invalid credentials")
		return
	}
	if strings.HasPrefix(r.URL.Path, "/sim/") {
		s.admin(rec, r, who)
		return
	}
	s.route(rec, r, who)
}

// applyFault applies f and reports whether the request should still be
// served normally afterwards (latency only).
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	if f.Latency > 0 || f.Timeout {
		// Read the body first: net/http notices a client that gives up (and
		// cancels the request context) only once the body has been consumed.
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return false
		}
	}
	switch {
	case f.Timeout:
		<-r.Context().Done()
		return false
	case f.DropConnection:
		if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
			c.Close()
			return false
		}
		// HTTP/2 cannot hijack: abort the stream the sanctioned way.
		panic(http.ErrAbortHandler)
	case f.Status5xx >= 400:
		code := "SERVICE_UNAVAILABLE"
		switch {
		case f.Status5xx == http.StatusTooManyRequests:
			code = "TOO_MANY_REQUESTS"
		case f.Status5xx < 500:
			code = "INJECTED_FAULT"
		}
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
		}
		writeError(w, f.Status5xx, code, "injected fault")
		return false
	}
	return true
}

// caller is who sent a request.
type caller struct {
	name     string // Basic user name, "apikey#N" (N = index in Config.APIKeys, from 0), or "" when auth is off
	readOnly bool
}

// authenticate identifies the caller; false when credentials are required
// and missing or wrong.
func (s *Server) authenticate(r *http.Request) (caller, bool) {
	if len(s.cfg.Users) == 0 && len(s.cfg.APIKeys) == 0 {
		return caller{}, true
	}
	h := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
		for i, k := range s.cfg.APIKeys {
			if subtle.ConstantTimeCompare([]byte(tok), []byte(k)) == 1 {
				return caller{name: "apikey#" + strconv.Itoa(i), readOnly: slices.Contains(s.cfg.ReadOnlyAPIKeys, k)}, true
			}
		}
		return caller{}, false
	}
	if u, p, ok := r.BasicAuth(); ok {
		if want, known := s.cfg.Users[u]; known && subtle.ConstantTimeCompare([]byte(p), []byte(want)) == 1 {
			return caller{name: u, readOnly: slices.Contains(s.cfg.ReadOnlyUsers, u)}, true
		}
	}
	return caller{}, false
}

// apiError is the JSON body of every error answer.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, apiError{Code: code, Message: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	// segmentio/encoding renders what encoding/json renders, faster: the
	// simulator stands for a server, and a 100,000-job plan is listed in
	// 200 pages of 1 MB.
	b, err := segjson.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"code":"INTERNAL_ERROR","message":"encoding failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}
