package main

import (
	"encoding/json"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/edge/routes"
)

// buildFunctions builds functions/<name> for the host into a temporary
// directory, the way scripts/dev.sh does, and returns the directory.
func buildFunctions(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(dir, n), "../../functions/"+n)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build functions/%s: %v\n%s", n, err, out)
		}
	}
	return dir
}

type problem struct {
	Status int    `json:"status"`
	Title  string `json:"title"`
	Code   string `json:"code"`
}

// TestHTTPRoutesThroughTheStack drives every HTTP route of status, admin
// and health through the real function binaries behind the stack's API
// Gateway and Lambda stand-ins, against a simulator the test can fault.
func TestHTTPRoutesThroughTheStack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the functions; skipped with -short")
	}
	sim := hwasim.New(hwasim.Config{Seed: 11})
	hwaSrv := httptest.NewServer(sim)
	defer hwaSrv.Close()
	s, out := newStack(t, map[string]string{
		envBinDir:    buildFunctions(t, "status", "admin", "health", "chat", "mcp"),
		"HWA_URL":    hwaSrv.URL,
		"CACHE_TTLS": "summary=1s",
		envPassEnv:   "CACHE_TTLS",
	})
	viewer, operator, admin := mint(t, s, "vera", "viewer"), mint(t, s, "otto", "operator"), mint(t, s, "ada", "admin")

	// Every route answers through its function: no token → 401 on /api
	// routes; viewer → 403 on admin routes; the right role → not 401/403.
	for _, rt := range routes.HTTP() {
		path := strings.ReplaceAll(rt.Path, "{id}", "00000000-0000-4000-8000-000000000000")
		body := ""
		if rt.Method == "POST" {
			body = `{"kind":"summary"}`
		}
		if rt.Role != routes.RoleNone {
			if resp, b := do(t, rt.Method, s.url+path, "", body); resp.StatusCode != 401 {
				t.Errorf("%s without a token: %d %s", rt.Key(), resp.StatusCode, b)
			}
		}
		if rt.Role == routes.RoleAdmin {
			if resp, b := do(t, rt.Method, s.url+path, viewer, body); resp.StatusCode != 403 {
				t.Errorf("%s as viewer: %d %s", rt.Key(), resp.StatusCode, b)
			}
		}
		tok := map[routes.Role]string{routes.RoleNone: "", routes.RoleViewer: viewer, routes.RoleOperator: operator, routes.RoleAdmin: admin}[rt.Role]
		resp, b := do(t, rt.Method, s.url+path, tok, body)
		if resp.StatusCode == 401 || resp.StatusCode == 403 || resp.StatusCode >= 500 {
			t.Errorf("%s with role %q: %d %s", rt.Key(), rt.Role, resp.StatusCode, b)
		}
	}

	// Summary and one abended job, as the README shows.
	resp, b := do(t, "GET", s.url+"/api/v1/plan/summary", viewer, "")
	if resp.StatusCode != 200 {
		t.Fatalf("summary: %d %s", resp.StatusCode, b)
	}
	var sum struct {
		TotalJobs int `json:"totalJobs"`
		Abended   []struct{ ID, Name string }
		Stale     bool `json:"stale"`
	}
	if err := json.Unmarshal(b, &sum); err != nil || sum.TotalJobs == 0 || len(sum.Abended) == 0 || sum.Stale {
		t.Fatalf("summary %s: %v", b, err)
	}
	if resp, b := do(t, "GET", s.url+"/api/v1/jobs/"+sum.Abended[0].ID, viewer, ""); resp.StatusCode != 200 || !strings.Contains(string(b), sum.Abended[0].Name) {
		t.Errorf("job %s: %d %s", sum.Abended[0].ID, resp.StatusCode, b)
	}

	// Unknown job → 404 problem detail.
	resp, b = do(t, "GET", s.url+"/api/v1/jobs/00000000-0000-4000-8000-000000000000", viewer, "")
	var p problem
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" || json.Unmarshal(b, &p) != nil || p.Status != 404 {
		t.Errorf("unknown job: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}

	// HWA faulted: the cached summary is served, flagged stale, once its TTL
	// has passed; a view never cached is a 503 problem.
	sim.SetFault(hwasim.Fault{Status5xx: 503})
	time.Sleep(1500 * time.Millisecond) // past the summary's fresh TTL (CACHE_TTLS=summary=1s)
	resp, b = do(t, "GET", s.url+"/api/v1/plan/summary", viewer, "")
	if resp.StatusCode != 200 || resp.Header.Get("X-Resync-Stale") != "true" || !strings.Contains(string(b), `"stale":true`) {
		t.Errorf("faulted summary: %d stale=%q %.200s", resp.StatusCode, resp.Header.Get("X-Resync-Stale"), b)
	}
	resp, b = do(t, "GET", s.url+"/api/v1/jobs?internalStatus=EXEC&limit=7", viewer, "")
	if resp.StatusCode != 503 || json.Unmarshal(b, &p) != nil || p.Status != 503 {
		t.Errorf("faulted, nothing cached: %d %s", resp.StatusCode, b)
	}
	sim.ClearFault()

	// No token, secret or password reaches any function's logs.
	logs := out.String()
	for _, secret := range []string{viewer, operator, admin} {
		if strings.Contains(logs, secret) {
			t.Fatal("a bearer token appears in the stack's logs")
		}
	}
	if !strings.Contains(logs, `"function":"status"`) {
		t.Errorf("the status function's JSON logs are not in the stack output")
	}
}

// TestFailedSignInsReachTheSecurityView: a refused dev sign-in is listed by
// the admin function's security view.
func TestFailedSignInsReachTheSecurityView(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the functions; skipped with -short")
	}
	s, _ := newStack(t, map[string]string{envBinDir: buildFunctions(t, "admin")})
	if resp, _ := do(t, "POST", s.url+"/local/token", "", `{"user":"mallory","role":"root"}`); resp.StatusCode != 400 {
		t.Fatalf("bad role: %d", resp.StatusCode)
	}
	admin := mint(t, s, "ada", "admin")
	resp, body := do(t, "GET", s.url+"/api/v1/admin/security", admin, "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"failed_sign_in"`) || !strings.Contains(string(body), "mallory") {
		t.Errorf("security view: %d %s", resp.StatusCode, body)
	}
}
