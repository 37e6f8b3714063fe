package hwasim

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSpecOpsAreTheVendorOperations: specOps holds exactly the operations
// of the vendor file, no more and no fewer.
func TestSpecOpsAreTheVendorOperations(t *testing.T) {
	path := os.Getenv("RESYNC_HWA_OPENAPI")
	if path == "" {
		path = filepath.Join("..", "..", "..", "..", "..", "shared", "hwa", "openapi-v2.json")
	}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("vendor OpenAPI file %s not found (set RESYNC_HWA_OPENAPI)", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var want []string
	for p, item := range doc.Paths {
		for m := range item {
			switch m {
			case "get", "put", "post", "delete", "patch":
				want = append(want, strings.ToUpper(m)+" "+strings.TrimPrefix(p, apiPrefix))
			}
		}
	}
	got := slices.Clone(specOps)
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("specOps has %d operations, the vendor file %d; they differ", len(got), len(want))
	}
}

func TestUnsimulatedOperationsAnswer501(t *testing.T) {
	s := New(Config{Seed: 1, Now: time.Date(2026, 11, 26, 16, 0, 0, 0, time.UTC)})
	job := s.plan.jobs[0].id
	tests := []struct {
		method, path string
		status       int
		code         string
	}{
		{"PUT", "/plan/job/" + job + "/action/cancel-pending", 501, "NOT_IMPLEMENTED"},
		{"PUT", "/plan/job/" + job + "/action/add-dependencies", 501, "NOT_IMPLEMENTED"},
		{"PUT", "/plan/workstation/W1/action/start", 501, "NOT_IMPLEMENTED"},
		{"PUT", "/plan/resource/R1/action/update-quantity", 501, "NOT_IMPLEMENTED"},
		{"GET", "/plan/resource/no-such-id", 404, "NOT_FOUND"}, // simulated
		{"PUT", "/plan/prompt/no-such-id/action/reply", 404, "NOT_FOUND"},
		{"GET", "/plan/job/joblog", 501, "NOT_IMPLEMENTED"},
		{"PATCH", "/plan/job/" + job, 501, "NOT_IMPLEMENTED"},
		{"GET", "/model/jobdefinition", 501, "NOT_IMPLEMENTED"},
		{"PUT", "/plan/job/no-such-id/action/hold", 404, "NOT_FOUND"}, // simulated: an unknown id stays 404
		{"GET", "/plan/job/no-such-id", 404, "NOT_FOUND"},
		{"GET", "/plan/nothing", 404, "NOT_FOUND"}, // not in the vendor file
		{"PUT", "/plan/job/" + job + "/action/explode", 404, "NOT_FOUND"},
		{"POST", "/plan/job", 405, "METHOD_NOT_ALLOWED"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(tt.method, apiPrefix+tt.path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		s.ServeHTTP(rec, req)
		var e apiError
		_ = json.Unmarshal(rec.Body.Bytes(), &e)
		if rec.Code != tt.status || e.Code != tt.code {
			t.Errorf("%s %s = %d %s, want %d %s", tt.method, tt.path, rec.Code, rec.Body.String(), tt.status, tt.code)
		}
		if tt.status == http.StatusNotImplemented && !strings.Contains(e.Message, "not simulated") {
			t.Errorf("%s %s: message %q does not say it is not simulated", tt.method, tt.path, e.Message)
		}
	}
}
