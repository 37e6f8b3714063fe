package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHealthFunctionThroughTheStack builds the real functions/health for
// the host and drives it through the stack, with the embedded HWA
// simulator and Redis: liveness, the admin-only deep route, and the
// health-deep schedule checking HWA and Redis for real.
func TestHealthFunctionThroughTheStack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds functions/health; skipped with -short")
	}
	dir := t.TempDir()
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(dir, "health"), "../../functions/health")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build functions/health: %v\n%s", err, out)
	}
	s, out := newStack(t, map[string]string{envBinDir: dir})
	if !strings.Contains(out.String(), "(embedded simulator)") {
		t.Fatalf("the simulator is not embedded:\n%s", out.String())
	}

	resp, body := do(t, "GET", s.url+"/health", "", "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"ok"`) {
		t.Fatalf("GET /health: %d %s", resp.StatusCode, body)
	}

	admin, viewer := mint(t, s, "root", "admin"), mint(t, s, "vera", "viewer")
	for _, tt := range []struct {
		name, token string
		want        int
	}{{"no token", "", 401}, {"viewer", viewer, 403}, {"admin before any check", admin, 404}} {
		resp, body := do(t, "GET", s.url+"/health/deep", tt.token, "")
		if resp.StatusCode != tt.want || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: GET /health/deep: %d %s %s, want %d problem", tt.name, resp.StatusCode, resp.Header.Get("Content-Type"), body, tt.want)
		}
	}

	resp, body = do(t, "POST", s.url+"/local/schedules/health-deep", "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("trigger health-deep: %d %s\n%s", resp.StatusCode, body, out.String())
	}
	var res struct {
		Status string `json:"status"`
		Stored bool   `json:"stored"`
		Checks []struct {
			Name, Status, Detail, Error string
		} `json:"checks"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatalf("deep result %s: %v", body, err)
	}
	got := map[string]string{}
	for _, c := range res.Checks {
		got[c.Name] = c.Status
		if c.Name == "hwa" && !strings.Contains(c.Detail, "simulated") {
			t.Errorf("hwa detail = %q, want the simulator's engine", c.Detail)
		}
	}
	want := map[string]string{"hwa": "ok", "redis": "ok", "neo4j": "skipped", "bedrock": "skipped"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("check %s = %q, want %q (result %s)", k, got[k], v, body)
		}
	}
	if !res.Stored || res.Status != "ok" {
		t.Errorf("result status %q stored %v, want ok and stored", res.Status, res.Stored)
	}

	resp, body = do(t, "GET", s.url+"/health/deep", admin, "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"ageSeconds"`) {
		t.Errorf("GET /health/deep as admin after a check: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(out.String(), admin) {
		t.Error("a token appears in the stack's or the function's output")
	}
}

// TestProductionRefusesUnsafeSettings starts the real health function with
// STAGE=production under the stack, whose HS256 secret and dev token
// endpoint are unsafe there: the function refuses to start, naming every
// problem, and the stack shows it.
func TestProductionRefusesUnsafeSettings(t *testing.T) {
	if testing.Short() {
		t.Skip("builds functions/health; skipped with -short")
	}
	dir := t.TempDir()
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(dir, "health"), "../../functions/health")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build functions/health: %v\n%s", err, out)
	}
	s, out := newStack(t, map[string]string{envBinDir: dir, "STAGE": "production", "HWA_INSECURE_TLS": "true"})
	for _, want := range []string{
		"FAILED START  health",
		"stage: production refuses unsafe configuration",
		"insecure TLS switch HWA_INSECURE_TLS is on",
		"an HS256 signing key is configured",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("start-up output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), string(s.cfg.Secret)) {
		t.Error("the output contains the HS256 secret")
	}
	resp, body := do(t, "GET", s.url+"/health", "", "")
	if resp.StatusCode != 502 || !strings.Contains(string(body), "failed to initialise") {
		t.Errorf("GET /health: %d %s, want 502 naming the failed start", resp.StatusCode, body)
	}
}
