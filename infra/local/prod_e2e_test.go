package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/resync/resync/internal/testenv"
)

// envProdE2E turns TestProductionParity on; scripts/test.d/40-prod-e2e.sh
// sets it so the scenario runs once, as its own phase of make test.
const envProdE2E = "RESYNC_PROD_E2E"

// TestProductionParity runs the stack in its production-parity mode — every
// function with the prod template's variables, STAGE=prod, secrets from
// the Secrets Manager stand-in, Redis over TLS with AUTH, RS256 tokens from
// the local OIDC issuer, Bedrock's wire protocol — and walks one operator's
// scenario through it, then a viewer's.
func TestProductionParity(t *testing.T) {
	if os.Getenv(envProdE2E) == "" {
		t.Skipf("the production-parity scenario runs as its own phase of make test (scripts/test.d/40-prod-e2e.sh); set %s=1 to run it here", envProdE2E)
	}
	neo := testenv.Neo4j(t)
	s, out := newStack(t, map[string]string{
		envProd:          "1",
		envBinDir:        buildFunctions(t, "chat", "status", "admin", "ingest", "health", "mcp"),
		"NEO4J_URI":      neo.URI,
		"NEO4J_USER":     neo.User,
		"NEO4J_PASSWORD": neo.Password,
	})
	banner := out.String()
	if strings.Contains(banner, "FAILED START") || strings.Contains(banner, "NOT HONOURED") || strings.Contains(banner, "not built") {
		t.Fatalf("the stack did not start every function with the prod template's environment:\n%s", banner)
	}
	if !strings.Contains(banner, "stage production") {
		t.Fatalf("stage is not production:\n%s", banner)
	}
	t.Logf("banner:\n%s", banner)

	// Tokens: RS256 from the issuer, Cognito-shaped; HS256 refused.
	otto := mint(t, s, "otto", "operator")
	vera := mint(t, s, "vera", "viewer")
	head, _, _ := strings.Cut(otto, ".")
	hb, _ := base64.RawURLEncoding.DecodeString(head)
	if !strings.Contains(string(hb), `"RS256"`) || !strings.Contains(string(hb), `"kid"`) {
		t.Errorf("token header %s, want RS256 with a kid", hb)
	}
	hs, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": s.prod.issuer.URL(), "client_id": localClientID, "token_use": "access", "username": "mallory",
		"cognito:groups": []string{"admin"}, "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString([]byte("a-secret-of-at-least-thirty-two-bytes"))
	if resp, b := do(t, "GET", s.url+"/api/v1/plan/summary", hs, ""); resp.StatusCode != 401 {
		t.Errorf("HS256 token: %d %s, want 401", resp.StatusCode, b)
	}

	// Plan summary.
	resp, b := do(t, "GET", s.url+"/api/v1/plan/summary", otto, "")
	var sum struct {
		TotalJobs int `json:"totalJobs"`
		Abended   []struct{ ID, Name string }
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &sum) != nil || sum.TotalJobs == 0 || len(sum.Abended) == 0 {
		t.Fatalf("summary: %d %.300s", resp.StatusCode, b)
	}

	// Topology sync and the deep health check.
	if resp, b := do(t, "POST", s.url+"/local/schedules/topology-sync", "", ""); resp.StatusCode != 200 || !strings.Contains(string(b), `"Jobs":`) {
		t.Fatalf("topology sync: %d %s", resp.StatusCode, b)
	}
	resp, b = do(t, "POST", s.url+"/local/schedules/health-deep", "", "")
	var health struct {
		Status string `json:"status"`
		Checks []struct{ Name, Status, Detail string }
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &health) != nil || health.Status != "ok" || len(health.Checks) != 4 {
		t.Fatalf("deep health: %d %s", resp.StatusCode, b)
	}
	for _, c := range health.Checks {
		if c.Status != "ok" {
			t.Errorf("health check %s: %s (%s)", c.Name, c.Status, c.Detail)
		}
	}

	// Chat through Bedrock's wire protocol: a question with a tool call.
	op, _, err := dialWS(t, s, otto)
	if err != nil {
		t.Fatalf("operator connect: %v\n%s", err, out.String())
	}
	op.send(map[string]any{"action": "chat", "id": "q1", "conversationId": "prod", "text": "which jobs abended?"})
	fs := op.until(60*time.Second, func(m map[string]any) bool { return m["type"] == "final" || m["type"] == "error" })
	if len(ofType(fs, "tool")) == 0 || fs[len(fs)-1]["type"] != "final" {
		t.Fatalf("chat frames: %v", fs)
	}
	if final, _ := fs[len(fs)-1]["text"].(string); !strings.Contains(final, sum.Abended[0].Name) {
		t.Errorf("the answer misses abended job %s: %s", sum.Abended[0].Name, final)
	}

	// Propose and confirm a rerun; the new run reaches HWA exactly once.
	victim := sum.Abended[0]
	op.send(map[string]any{"action": "chat", "id": "q2", "conversationId": "prod", "agent": "operator", "text": "rerun " + victim.Name})
	fs = op.until(60*time.Second, func(m map[string]any) bool { return m["type"] == "final" || m["type"] == "error" })
	props := ofType(fs, "proposal")
	if len(props) != 1 {
		t.Fatalf("no proposal: %v", fs)
	}
	pid := props[0]["proposalId"].(string)
	viewer, _, err := dialWS(t, s, vera)
	if err != nil {
		t.Fatal(err)
	}
	viewer.send(map[string]any{"action": "confirm", "proposalId": pid, "justification": "a viewer trying"})
	if fs := viewer.until(20*time.Second, func(m map[string]any) bool { return m["type"] == "error" || m["type"] == "event" }); fs[len(fs)-1]["code"] != "forbidden" {
		t.Errorf("viewer confirm: %v, want forbidden", fs[len(fs)-1])
	}
	reruns := func() int {
		n := 0
		for _, a := range s.sim.Actions() {
			if a.Verb == "rerun" && a.Status < 300 {
				n++
			}
		}
		return n
	}
	op.send(map[string]any{"action": "confirm", "proposalId": pid, "justification": "Supplier re-sent the file (INC-9)", "ticket": "INC-9"})
	fs = op.until(60*time.Second, func(m map[string]any) bool { return m["kind"] == "action_outcome" || m["type"] == "error" })
	if fs[len(fs)-1]["kind"] != "action_outcome" || reruns() != 1 {
		t.Fatalf("confirm: %v; reruns in HWA %d, want 1", fs[len(fs)-1], reruns())
	}
	resp, b = do(t, "GET", s.url+"/api/v1/jobs/"+victim.ID, otto, "")
	var detail struct {
		Runs []json.RawMessage `json:"runs"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &detail) != nil || len(detail.Runs) < 2 {
		t.Errorf("job %s after the rerun: %d, %d runs, want the new run listed", victim.Name, resp.StatusCode, len(detail.Runs))
	}

	// A runbook: upload, ingested, then cited by chat.
	runbook := []byte(fmt.Sprintf("# %s runbook\n\n## When %s abends\n\nCheck the tablespace of the payroll schema, then rerun the job.\n", victim.Name, victim.Name))
	if resp, b := do(t, "POST", s.url+"/api/v1/documents/upload-url", vera, `{"name":"x.md","contentType":"text/markdown","size":10}`); resp.StatusCode != 403 {
		t.Errorf("viewer upload-url: %d %s, want 403", resp.StatusCode, b)
	}
	resp, b = do(t, "POST", s.url+"/api/v1/documents/upload-url", otto, fmt.Sprintf(`{"name":"runbook.md","contentType":"text/markdown","size":%d}`, len(runbook)))
	var u struct {
		URL        string            `json:"url"`
		Method     string            `json:"method"`
		Headers    map[string]string `json:"headers"`
		DocumentID string            `json:"documentId"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &u) != nil {
		t.Fatalf("upload-url: %d %s", resp.StatusCode, b)
	}
	req, _ := http.NewRequest(u.Method, u.URL, bytes.NewReader(runbook))
	for k, v := range u.Headers {
		req.Header.Set(k, v)
	}
	req.ContentLength = int64(len(runbook))
	put, err := http.DefaultClient.Do(req)
	if err != nil || put.StatusCode != 200 {
		t.Fatalf("PUT runbook: %v %v", err, put)
	}
	io.Copy(io.Discard, put.Body)
	put.Body.Close()
	t.Cleanup(func() { do(t, "DELETE", s.url+"/api/v1/documents/"+u.DocumentID, otto, "") })
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, b := do(t, "GET", s.url+"/api/v1/documents?mine=true", otto, "")
		if resp.StatusCode == 200 && strings.Contains(string(b), `"status":"ingested"`) && strings.Contains(string(b), u.DocumentID) {
			break
		}
		if strings.Contains(string(b), `"status":"failed"`) {
			t.Fatalf("ingest failed: %s", b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the runbook was not ingested within 90 s: %s", b)
		}
		time.Sleep(300 * time.Millisecond)
	}
	op.send(map[string]any{"action": "chat", "id": "q3", "conversationId": "prod", "text": "what to do when " + victim.Name + " abends"})
	fs = op.until(60*time.Second, func(m map[string]any) bool { return m["type"] == "final" || m["type"] == "error" })
	final := fs[len(fs)-1]
	cites, _ := json.Marshal(final["citations"])
	if final["type"] != "final" || !strings.Contains(string(cites), u.DocumentID) {
		t.Errorf("the runbook is not cited: %v", final)
	}

	// The viewer cannot reach admin routes.
	if resp, b := do(t, "GET", s.url+"/api/v1/admin/audit", vera, ""); resp.StatusCode != 403 {
		t.Errorf("viewer audit: %d %s, want 403", resp.StatusCode, b)
	}
}
