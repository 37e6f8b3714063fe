package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/internal/testenv"
)

// TestDocumentsThroughTheStack uploads a runbook the way the browser does —
// an upload URL from admin, a PUT to the S3 stand-in — and watches ingest
// (invoked by the stand-in's object event) make it ingested; then deletes it
// through admin. Real binaries, real Neo4j.
func TestDocumentsThroughTheStack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the functions; skipped with -short")
	}
	neo := testenv.Neo4j(t)
	s, out := newStack(t, map[string]string{
		envBinDir:        buildFunctions(t, "admin", "ingest"),
		"NEO4J_URI":      neo.URI,
		"NEO4J_USER":     neo.User,
		"NEO4J_PASSWORD": neo.Password,
	})
	if !strings.Contains(out.String(), "s3            http://127.0.0.1:") {
		t.Errorf("banner does not show the S3 stand-in:\n%s", out.String())
	}
	otto := mint(t, s, "otto", "operator")

	runbook := []byte("# Payroll runbook\n\n## When the load abends\n\nCheck the tablespace, then rerun the job.\n")
	resp, b := do(t, "POST", s.url+"/api/v1/documents/upload-url", otto,
		fmt.Sprintf(`{"name":"payroll.md","contentType":"text/markdown","size":%d}`, len(runbook)))
	if resp.StatusCode != 200 {
		t.Fatalf("upload-url: %d %s", resp.StatusCode, b)
	}
	var u struct {
		URL        string            `json:"url"`
		Method     string            `json:"method"`
		Headers    map[string]string `json:"headers"`
		DocumentID string            `json:"documentId"`
	}
	if err := json.Unmarshal(b, &u); err != nil {
		t.Fatal(err)
	}
	put := func(body []byte) int {
		req, _ := http.NewRequest(u.Method, u.URL, bytes.NewReader(body))
		for k, v := range u.Headers {
			req.Header.Set(k, v)
		}
		req.ContentLength = int64(len(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := put(append(bytes.Clone(runbook), '!')); code != 403 {
		t.Errorf("PUT of another size: %d, want 403", code)
	}
	if code := put(runbook); code != 200 {
		t.Fatalf("PUT: %d", code)
	}
	t.Cleanup(func() { do(t, "DELETE", s.url+"/api/v1/documents/"+u.DocumentID, otto, "") })

	type doc struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Chunks int    `json:"chunks"`
		Reason string `json:"reason"`
	}
	find := func() (doc, bool) {
		resp, b := do(t, "GET", s.url+"/api/v1/documents?mine=true", otto, "")
		if resp.StatusCode != 200 {
			t.Fatalf("list: %d %s", resp.StatusCode, b)
		}
		var l struct {
			Documents []doc `json:"documents"`
		}
		_ = json.Unmarshal(b, &l)
		for _, d := range l.Documents {
			if d.ID == u.DocumentID {
				return d, true
			}
		}
		return doc{}, false
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		d, ok := find()
		if ok && d.Status == "ingested" {
			if d.Chunks != 1 {
				t.Errorf("ingested with %d chunks, want 1", d.Chunks)
			}
			break
		}
		if ok && d.Status == "failed" {
			t.Fatalf("ingest failed: %s", d.Reason)
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ingested within 60s (last %+v, found %v)\n%s", d, ok, out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}

	if resp, b := do(t, "DELETE", s.url+"/api/v1/documents/"+u.DocumentID, otto, ""); resp.StatusCode != 204 {
		t.Fatalf("delete: %d %s", resp.StatusCode, b)
	}
	if _, ok := find(); ok {
		t.Error("document still listed after delete")
	}
}
