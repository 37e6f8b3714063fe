package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/edge/auth"
)

// TestSampleEvents runs every events/status/*.json through the function's
// Lambda entry point (the API Gateway v2 adapter around the handler).
// Placeholders {{VIEWER_TOKEN}}, {{OPERATOR_TOKEN}}, {{ADMIN_TOKEN}} and
// {{JOB_ID}} are filled from the test's simulator and minter.
func TestSampleEvents(t *testing.T) {
	want := map[string]int{
		"get-summary.json":             200,
		"get-jobs-abended.json":        200,
		"get-jobs-critical-page2.json": 200,
		"get-job.json":                 200,
		"get-job-log.json":             200,
		"get-job-unknown.json":         404,
		"get-jobstreams.json":          200,
		"get-workstations.json":        200,
		"get-critical.json":            200,
		"get-events.json":              200,
		"get-summary-no-token.json":    401,
	}
	f := newFixture(t)
	abended := decode[planview.JobList](t, f.get(t, "/api/v1/jobs?internalStatus=ABEND", f.token(t, auth.RoleViewer)))
	if len(abended.Items) == 0 {
		t.Fatal("the simulator has no abended job")
	}
	repl := strings.NewReplacer(
		"{{VIEWER_TOKEN}}", f.token(t, auth.RoleViewer),
		"{{OPERATOR_TOKEN}}", f.token(t, auth.RoleOperator),
		"{{ADMIN_TOKEN}}", f.token(t, auth.RoleAdmin),
		"{{JOB_ID}}", abended.Items[0].ID,
	)
	proxy := httpadapter.NewV2(f.h)
	files, err := filepath.Glob("../../events/status/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample events: %v", err)
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			status, ok := want[name]
			if !ok {
				t.Fatalf("no expectation for %s: add it to this test", name)
			}
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal([]byte(repl.Replace(string(raw))), &ev); err != nil {
				t.Fatalf("decode: %v", err)
			}
			resp, err := proxy.ProxyWithContext(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, resp.Body)
			}
			if !json.Valid([]byte(resp.Body)) {
				t.Errorf("body is not JSON: %.200s", resp.Body)
			}
			if resp.Headers["X-Request-Id"] != ev.RequestContext.RequestID {
				t.Errorf("X-Request-Id %q, want API Gateway's %q", resp.Headers["X-Request-Id"], ev.RequestContext.RequestID)
			}
		})
	}
	if len(files) != len(want) {
		t.Errorf("%d event files, %d expectations", len(files), len(want))
	}
}
