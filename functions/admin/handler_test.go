package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/adapter/redis/cache"
	"github.com/resync/resync/shared/adapter/redis/security"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/metrics"
	"github.com/resync/resync/shared/edge/obs"
	"github.com/resync/resync/shared/edge/setup"
)

var secret = []byte("admin-test-secret-admin-test-secret")

type fixture struct {
	h      http.Handler
	rdb    *redis.Client
	cache  *cache.Cache
	audit  *audit.Log
	minter *auth.Minter
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	acfg := auth.Config{Issuer: "resync-local", ClientID: "resync-web"}
	v, err := auth.NewHS256(secret, acfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := auth.NewMinter(secret, acfg, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cache.New(rdb, cache.Config{})
	if err != nil {
		t.Fatal(err)
	}
	al := audit.New(rdb, audit.Config{})
	edge := setup.NewEdge(function, v, obs.NewLogger(io.Discard, slog.LevelDebug), metrics.New(io.Discard, "Resync", nil), rdb)
	h, err := newHandler(deps{cache: c, redis: rdb, audit: al, security: security.New(rdb, 0)}, edge)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{h: h, rdb: rdb, cache: c, audit: al, minter: m}
}

func (f *fixture) token(t *testing.T, user string, role auth.Role) string {
	t.Helper()
	tok, _, err := f.minter.Mint(user, role)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (f *fixture) do(t *testing.T, method, path, token, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

func TestAuthOnEveryRoute(t *testing.T) {
	f := newFixture(t)
	viewer := f.token(t, "vera", auth.RoleViewer)
	operator := f.token(t, "otto", auth.RoleOperator)
	for _, rt := range []struct{ method, path, body string }{
		{"GET", "/api/v1/admin/cache", ""},
		{"POST", "/api/v1/admin/cache/invalidate", `{"all":true}`},
		{"GET", "/api/v1/admin/audit", ""},
		{"GET", "/api/v1/admin/security", ""},
	} {
		if rec := f.do(t, rt.method, rt.path, "", rt.body); rec.Code != 401 {
			t.Errorf("%s %s without token: %d", rt.method, rt.path, rec.Code)
		}
		for _, tok := range []string{viewer, operator} {
			if rec := f.do(t, rt.method, rt.path, tok, rt.body); rec.Code != 403 {
				t.Errorf("%s %s as non-admin: %d", rt.method, rt.path, rec.Code)
			}
		}
	}
	// The refusals show up in the security view, with the user when known.
	admin := f.token(t, "ada", auth.RoleAdmin)
	rec := f.do(t, "GET", "/api/v1/admin/security?limit=20", admin, "")
	if rec.Code != 200 {
		t.Fatalf("security: %d %s", rec.Code, rec.Body.String())
	}
	var v securityView
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if v.Totals[security.RefusedToken] != 4 || v.Totals[security.ForbiddenRole] != 8 {
		t.Errorf("totals = %v, want 4 refused tokens and 8 forbidden", v.Totals)
	}
	users := map[string]bool{}
	for _, e := range v.Events[security.ForbiddenRole] {
		users[e.User] = true
	}
	if !users["vera"] || !users["otto"] {
		t.Errorf("forbidden events do not name the users: %+v", v.Events[security.ForbiddenRole])
	}
	if strings.Contains(rec.Body.String(), viewer) {
		t.Error("a token is in the security view")
	}
}

func TestCacheStatsAndInvalidate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.token(t, "ada", auth.RoleAdmin)
	// Another process (say status) used its cache and published its stats.
	other, err := cache.New(f.rdb, cache.Config{})
	if err != nil {
		t.Fatal(err)
	}
	load := func(context.Context) ([]byte, error) { return []byte(`{"x":1}`), nil }
	for i := 0; i < 4; i++ {
		if _, err := other.Get(ctx, cache.KindSummary, "plan", load); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := other.Get(ctx, cache.KindJob, "j1", load); err != nil {
		t.Fatal(err)
	}
	if err := other.Report(ctx, "status", "i-1"); err != nil {
		t.Fatal(err)
	}
	rec := f.do(t, "GET", "/api/v1/admin/cache", admin, "")
	if rec.Code != 200 {
		t.Fatalf("cache: %d %s", rec.Code, rec.Body.String())
	}
	var v cacheView
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if v.Local.Hits != 3 || v.Misses != 2 || len(v.Instances) != 1 || v.Entries != 2 || v.Bytes == 0 || v.HitRate != 0.6 {
		t.Errorf("cache view = %+v", v)
	}

	tests := []struct {
		body   string
		status int
	}{
		{`{"kind":"summary"}`, 200},
		{`{"prefix":"job:"}`, 200},
		{`{"all":true}`, 200},
		{`{}`, 400},
		{`{"kind":"a","prefix":"b"}`, 400},
		{`{"kind":"sum*"}`, 400},
		{`{"kind":`, 400},
		{`{"colour":"red"}`, 400},
	}
	for _, tt := range tests {
		if rec := f.do(t, "POST", "/api/v1/admin/cache/invalidate", admin, tt.body); rec.Code != tt.status {
			t.Errorf("invalidate %s: %d, want %d: %s", tt.body, rec.Code, tt.status, rec.Body.String())
		}
	}
	if n, _ := f.rdb.Exists(ctx, "cache:f:summary:plan", "cache:f:job:j1").Result(); n != 0 {
		t.Errorf("%d fresh keys survived invalidation", n)
	}
	// Each invalidation is audited: accepted before it runs, its outcome after.
	page, err := f.audit.List(ctx, audit.Filter{Action: "cache:invalidate"})
	if err != nil || len(page.Entries) != 6 || page.Entries[0].User != "ada" || page.Entries[1].Result != "accepted" || !strings.HasPrefix(page.Entries[0].Result, "removed") {
		t.Errorf("audit = %+v, %v", page.Entries, err)
	}
}

func TestAuditFiltersPagingAndCSV(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.token(t, "ada", auth.RoleAdmin)
	for i, e := range []audit.Entry{
		{User: "otto", Action: "proposal", Targets: []string{"PAY_LOAD"}},
		{User: "otto", Action: "confirm", Targets: []string{"PAY_LOAD"}, Justification: "INC-42 rerun after fix"},
		{User: "otto", Action: "execute:rerun", Targets: []string{"PAY_LOAD"}, Result: "ok"},
		{User: "mia", Action: "execute:hold", Targets: []string{"=cmd|' /C calc'!A0"}, Result: "ok"},
	} {
		if _, err := f.audit.Append(ctx, e); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	rec := f.do(t, "GET", "/api/v1/admin/audit?user=otto&limit=2", admin, "")
	if rec.Code != 200 {
		t.Fatalf("audit: %d %s", rec.Code, rec.Body.String())
	}
	var page audit.Page
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 2 || page.Next == "" || page.Entries[0].Action != "execute:rerun" {
		t.Fatalf("page 1 = %+v", page)
	}
	rec = f.do(t, "GET", "/api/v1/admin/audit?user=otto&limit=2&cursor="+page.Next, admin, "")
	json.Unmarshal(rec.Body.Bytes(), &page)
	if len(page.Entries) != 1 || page.Entries[0].Action != "proposal" {
		t.Errorf("page 2 = %+v", page)
	}
	rec = f.do(t, "GET", "/api/v1/admin/audit?action=execute:", admin, "")
	json.Unmarshal(rec.Body.Bytes(), &page)
	if len(page.Entries) != 2 {
		t.Errorf("executions = %+v", page.Entries)
	}

	rec = f.do(t, "GET", "/api/v1/admin/audit?outcome=ok&user=mia", admin, "")
	json.Unmarshal(rec.Body.Bytes(), &page)
	if len(page.Entries) != 1 || page.Entries[0].Action != "execute:hold" {
		t.Errorf("mia's ok entries = %+v", page.Entries)
	}
	rec = f.do(t, "GET", "/api/v1/admin/audit?outcome=ok&format=csv", admin, "")
	if b := rec.Body.String(); rec.Code != 200 || strings.Count(b, "\n") != 3 || strings.Contains(b, "INC-42") {
		t.Errorf("csv of the ok entries: %d %s", rec.Code, b)
	}

	rec = f.do(t, "GET", "/api/v1/admin/audit?format=csv", admin, "")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	body := rec.Body.String()
	if strings.Count(body, "\n") != 5 || !strings.Contains(body, "INC-42 rerun after fix") {
		t.Errorf("csv = %s", body)
	}
	if strings.Contains(body, ",=cmd") {
		t.Error("a formula reached the CSV undefused")
	}
	for _, q := range []string{"from=yesterday", "limit=0", "format=xml", "colour=red", "outcome=failed:+HWA"} {
		if rec := f.do(t, "GET", "/api/v1/admin/audit?"+q, admin, ""); rec.Code != 400 {
			t.Errorf("?%s: %d, want 400", q, rec.Code)
		}
	}
}

func TestSampleEvents(t *testing.T) {
	f := newFixture(t)
	want := map[string]int{
		"get-cache.json":             200,
		"post-cache-invalidate.json": 200,
		"get-audit.json":             200,
		"get-audit-csv.json":         200,
		"get-security.json":          200,
		"get-cache-viewer.json":      403,
		// Without document storage configured (this fixture) the list says
		// so and upload URLs are 503; documents_test.go covers them configured.
		"get-documents.json":             200,
		"post-documents-upload-url.json": 503,
	}
	repl := strings.NewReplacer("{{ADMIN_TOKEN}}", f.token(t, "ada", auth.RoleAdmin), "{{VIEWER_TOKEN}}", f.token(t, "vera", auth.RoleViewer),
		"{{OPERATOR_TOKEN}}", f.token(t, "otto", auth.RoleOperator))
	proxy := httpadapter.NewV2(f.h)
	files, _ := filepath.Glob("../../events/admin/*.json")
	if len(files) != len(want) {
		t.Errorf("%d event files, %d expectations", len(files), len(want))
	}
	for _, file := range files {
		name := filepath.Base(file)
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal([]byte(repl.Replace(string(raw))), &ev); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		resp, err := proxy.ProxyWithContext(context.Background(), ev)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if status, ok := want[name]; !ok || resp.StatusCode != status {
			t.Errorf("%s: status %d, want %d (listed: %v): %.300s", name, resp.StatusCode, status, ok, resp.Body)
		}
	}
}
