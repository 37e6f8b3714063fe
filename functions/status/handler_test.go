package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/adapter/redis/cache"
	"github.com/resync/resync/shared/adapter/redis/monitorstore"
	"github.com/resync/resync/shared/app/impact"
	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/workload"
	"github.com/resync/resync/shared/edge/api"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/metrics"
	"github.com/resync/resync/shared/edge/obs"
	"github.com/resync/resync/shared/edge/setup"
)

//go:embed openapi.yaml
var openapiYAML []byte

var testSecret = []byte("test-secret-test-secret-test-secret!")

type fixture struct {
	h      http.Handler
	sim    *hwasim.Server
	minter *auth.Minter
	clock  *fakeClock
	logs   *syncBuffer
	router routers.Router
	events *monitorstore.Store // what the plan monitor recorded
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	start := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	clk := &fakeClock{now: start}
	sim := hwasim.New(hwasim.Config{Seed: 7, Now: start, TimeZone: "Europe/Rome"})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	hc, err := hwa.New(hwa.Config{BaseURL: srv.URL, Timeout: 2 * time.Second, Retry: hwa.RetryPolicy{Attempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	c, err := cache.New(rdb, cache.Config{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	acfg := auth.Config{Issuer: "resync-local", ClientID: "resync-web"}
	v, err := auth.NewHS256(testSecret, acfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := auth.NewMinter(testSecret, acfg, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := obs.NewLogger(logs, slog.LevelDebug)
	edge := setup.NewEdge(function, v, logger, metrics.New(io.Discard, "Resync", nil), rdb)
	imp := &impact.Service{Flow: hwa.PlanSource{Client: hc}, Jobs: hwa.PlanSource{Client: hc}}
	events := monitorstore.New(rdb)
	h, err := newApp(planview.New(hwa.PlanSource{Client: hc}, c, clk.Now), events, imp, hc, c, edge, logger)
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapiYAML)
	if err != nil {
		t.Fatalf("load openapi.yaml: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is invalid: %v", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{h: h, sim: sim, minter: m, clock: clk, logs: logs, router: router, events: events}
}

func (f *fixture) token(t *testing.T, role auth.Role) string {
	t.Helper()
	tok, _, err := f.minter.Mint("user-"+string(role), role)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// get serves one request and checks the response against openapi.yaml.
func (f *fixture) get(t *testing.T, path, token string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	f.validate(t, req, rec)
	return rec
}

func (f *fixture) validate(t *testing.T, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	u, _ := url.Parse("http://localhost" + req.URL.RequestURI())
	vreq := req.Clone(context.Background())
	vreq.URL = u
	route, params, err := f.router.FindRoute(vreq)
	if err != nil {
		t.Fatalf("%s %s is not in openapi.yaml: %v", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: rec.Code, Header: rec.Header(),
		Body:    io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s → %d does not match openapi.yaml: %v\nbody: %.500s", req.Method, req.URL.RequestURI(), rec.Code, err, rec.Body.String())
	}
}

func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %T: %v: %s", v, err, rec.Body.String())
	}
	return v
}

func TestEveryRouteAgainstTheSimulator(t *testing.T) {
	f := newFixture(t)
	viewer := f.token(t, auth.RoleViewer)

	rec := f.get(t, "/api/v1/plan/summary", viewer)
	if rec.Code != 200 {
		t.Fatalf("summary: %d %s", rec.Code, rec.Body.String())
	}
	sum := decode[planview.Summary](t, rec)

	rec = f.get(t, "/api/v1/plan/info", viewer)
	if rec.Code != 200 {
		t.Fatalf("plan info: %d %s", rec.Code, rec.Body.String())
	}
	if got := decode[planInfo](t, rec); got.TimeZone != "Europe/Rome" {
		t.Errorf("plan info time zone = %q, want the engine's Europe/Rome", got.TimeZone)
	}
	if sum.TotalJobs < 400 || len(sum.Abended) == 0 || len(sum.Unlinked) == 0 || len(sum.LateStreams) == 0 {
		t.Errorf("summary: total=%d abended=%d unlinked=%d late=%d", sum.TotalJobs, len(sum.Abended), len(sum.Unlinked), len(sum.LateStreams))
	}

	// The abended list equals the simulator's abended jobs read by OQL.
	rec = f.get(t, "/api/v1/jobs?internalStatus=abend&limit=500", viewer)
	if rec.Code != 200 {
		t.Fatalf("jobs: %d %s", rec.Code, rec.Body.String())
	}
	list := decode[planview.JobList](t, rec)
	if int(list.Total) != len(sum.Abended) || len(list.Items) != len(sum.Abended) {
		t.Errorf("abended via /jobs: total %d items %d, summary says %d", list.Total, len(list.Items), len(sum.Abended))
	}
	for _, j := range list.Items {
		if j.InternalStatus != workload.InternalAbend {
			t.Errorf("job %s in the ABEND filter is %s", j.Name, j.InternalStatus)
		}
	}

	// Paging: three pages of 10 cover 30 distinct jobs, with the same total.
	seen := map[string]bool{}
	var total int64
	for page := 0; page < 3; page++ {
		rec = f.get(t, "/api/v1/jobs?limit=10&offset="+itoa(page*10), viewer)
		l := decode[planview.JobList](t, rec)
		if page > 0 && l.Total != total {
			t.Errorf("total changed between pages: %d then %d", total, l.Total)
		}
		total = l.Total
		for _, j := range l.Items {
			seen[j.ID] = true
		}
	}
	if len(seen) != 30 {
		t.Errorf("3 pages of 10 gave %d distinct jobs", len(seen))
	}

	// Filters combine.
	rec = f.get(t, "/api/v1/jobs?critical=true&limit=500", viewer)
	crit := decode[planview.JobList](t, rec)
	if crit.Total == 0 {
		t.Error("no critical jobs")
	}
	for _, j := range crit.Items {
		if !j.Critical {
			t.Errorf("non-critical job %s in critical filter", j.Name)
		}
	}
	ab := list.Items[0]
	rec = f.get(t, "/api/v1/jobs?workstation="+url.QueryEscape(ab.Workstation)+"&stream="+url.QueryEscape(ab.Stream)+"&name="+url.QueryEscape(ab.Name[:2]+"*"), viewer)
	if l := decode[planview.JobList](t, rec); l.Total == 0 {
		t.Errorf("workstation+stream+name pattern found nothing for %s", ab.Name)
	}

	// One job, its log, with ETag revalidation.
	rec = f.get(t, "/api/v1/jobs/"+ab.ID, viewer)
	if rec.Code != 200 {
		t.Fatalf("job: %d %s", rec.Code, rec.Body.String())
	}
	d := decode[planview.JobDetail](t, rec)
	if d.Job.ID != ab.ID || d.Job.LastRun == nil || d.Job.LastRun.ReturnCode == 0 {
		t.Errorf("abended job detail: %+v", d.Job)
	}
	etag := rec.Header().Get("ETag")
	if rec := f.get(t, "/api/v1/jobs/"+ab.ID, viewer, "If-None-Match", etag); rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: got %d, want 304", rec.Code)
	}
	rec = f.get(t, "/api/v1/jobs/"+ab.ID+"/impact?depth=2", viewer)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"source":"hwa"`) || !strings.Contains(rec.Body.String(), "not configured") {
		t.Errorf("impact without a graph: %d %s", rec.Code, rec.Body.String())
	}
	rec = f.get(t, "/api/v1/jobs/"+ab.ID+"/why", viewer)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"waiting":false`) {
		t.Errorf("why of an abended job: %d %s", rec.Code, rec.Body.String())
	}
	if rec := f.get(t, "/api/v1/jobs/00000000-0000-4000-8000-000000000000/impact", viewer); rec.Code != 404 {
		t.Errorf("impact of an unknown job: %d", rec.Code)
	}
	rec = f.get(t, "/api/v1/jobs/"+ab.ID+"/log?tail=5", viewer)
	if rec.Code != 200 {
		t.Fatalf("log: %d %s", rec.Code, rec.Body.String())
	}
	if l := decode[planview.Log](t, rec); l.Lines == 0 || l.Lines > 5 || l.RunID != d.Job.LastRun.ID {
		t.Errorf("log tail: %+v", l)
	}

	for _, path := range []string{"/api/v1/jobstreams", "/api/v1/workstations", "/api/v1/critical", "/api/v1/events?limit=5"} {
		if rec := f.get(t, path, viewer); rec.Code != 200 {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Body.String())
		}
	}
	ws := decode[planview.WorkstationList](t, f.get(t, "/api/v1/workstations", viewer))
	if ws.Total < 8 || ws.Items[0].Linked {
		t.Errorf("workstations: total %d, first linked=%v (unlinked first)", ws.Total, ws.Items[0].Linked)
	}
}

func TestErrorsAreProblems(t *testing.T) {
	f := newFixture(t)
	viewer := f.token(t, auth.RoleViewer)
	tests := []struct {
		name, path, token string
		status            int
	}{
		{"no token", "/api/v1/plan/summary", "", 401},
		{"bad token", "/api/v1/jobs", "eyJhbGciOiJIUzI1NiJ9.e30.x", 401},
		{"unknown job", "/api/v1/jobs/00000000-0000-0000-0000-000000000000", viewer, 404},
		{"unknown job log", "/api/v1/jobs/00000000-0000-0000-0000-000000000000/log", viewer, 404},
		{"bad status", "/api/v1/jobs?status=BROKEN", viewer, 400},
		{"bad limit", "/api/v1/jobs?limit=-3", viewer, 400},
		{"unknown parameter", "/api/v1/jobs?colour=red", viewer, 400},
		{"bad critical", "/api/v1/jobs?critical=maybe", viewer, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.get(t, tt.path, tt.token)
			if rec.Code != tt.status {
				t.Fatalf("got %d, want %d: %s", rec.Code, tt.status, rec.Body.String())
			}
			if ct := rec.Header().Get("Content-Type"); ct != api.ProblemContentType {
				t.Errorf("content type %q", ct)
			}
			p := decode[api.Problem](t, rec)
			if p.Status != tt.status || p.Title == "" {
				t.Errorf("problem = %+v", p)
			}
		})
	}
	// Expired token.
	old, err := auth.NewMinter(testSecret, auth.Config{Issuer: "resync-local", ClientID: "resync-web", Now: func() time.Time { return time.Now().Add(-3 * time.Hour) }}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	expired, _, _ := old.Mint("bob", auth.RoleViewer)
	if rec := f.get(t, "/api/v1/jobs", expired); rec.Code != 401 || !strings.Contains(rec.Body.String(), "expired") {
		t.Errorf("expired token: %d %s", rec.Code, rec.Body.String())
	}
	if strings.Contains(f.logs.String(), viewer) || strings.Contains(f.logs.String(), expired) {
		t.Error("a token reached the logs")
	}
}

func TestHWAFaultedServesStaleOr503(t *testing.T) {
	f := newFixture(t)
	viewer := f.token(t, auth.RoleViewer)
	if rec := f.get(t, "/api/v1/plan/summary", viewer); rec.Code != 200 {
		t.Fatalf("summary: %d", rec.Code)
	}
	f.sim.SetFault(hwasim.Fault{Status5xx: 503})
	f.clock.Add(time.Minute) // past the summary's TTL

	rec := f.get(t, "/api/v1/plan/summary", viewer)
	if rec.Code != 200 || rec.Header().Get("X-Resync-Stale") != "true" {
		t.Fatalf("faulted summary: %d stale=%q %s", rec.Code, rec.Header().Get("X-Resync-Stale"), rec.Body.String())
	}
	if s := decode[planview.Summary](t, rec); !s.Stale || s.TotalJobs == 0 {
		t.Errorf("stale summary = stale %v total %d", s.Stale, s.TotalJobs)
	}

	// Nothing cached for workstations: 503 with Retry-After.
	rec = f.get(t, "/api/v1/workstations", viewer)
	if rec.Code != 503 || rec.Header().Get("Retry-After") == "" {
		t.Errorf("faulted, nothing cached: %d Retry-After=%q", rec.Code, rec.Header().Get("Retry-After"))
	}
	f.sim.ClearFault()
	if rec := f.get(t, "/api/v1/workstations", viewer); rec.Code != 200 {
		t.Errorf("after the fault cleared: %d", rec.Code)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
