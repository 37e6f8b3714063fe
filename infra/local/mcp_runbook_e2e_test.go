package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/app/agent"
)

// uploadRunbook uploads a runbook as the console does and waits until
// ingest has written it into the graph; it returns the document id.
func uploadRunbook(t *testing.T, s *stack, token, name string, body []byte) string {
	t.Helper()
	resp, b := do(t, "POST", s.url+"/api/v1/documents/upload-url", token,
		fmt.Sprintf(`{"name":%q,"contentType":"text/markdown","size":%d}`, name, len(body)))
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
	req, _ := http.NewRequest(u.Method, u.URL, bytes.NewReader(body))
	for k, v := range u.Headers {
		req.Header.Set(k, v)
	}
	req.ContentLength = int64(len(body))
	put, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, put.Body)
	put.Body.Close()
	if put.StatusCode != 200 {
		t.Fatalf("PUT: %d", put.StatusCode)
	}
	t.Cleanup(func() { do(t, "DELETE", s.url+"/api/v1/documents/"+u.DocumentID, token, "") })
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, b := do(t, "GET", s.url+"/api/v1/documents?mine=true", token, "")
		var l struct {
			Documents []struct {
				ID, Status, Reason string
			} `json:"documents"`
		}
		if resp.StatusCode == 200 && json.Unmarshal(b, &l) == nil {
			for _, d := range l.Documents {
				if d.ID == u.DocumentID && d.Status == "ingested" {
					return u.DocumentID
				}
				if d.ID == u.DocumentID && d.Status == "failed" {
					t.Fatalf("ingest failed: %s", d.Reason)
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ingested within 60s", name)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestMCPRunbookSectionThroughTheStack uploads a runbook through admin,
// lets the real ingest write it into Neo4j, and reads its sections over
// MCP from the real mcp binary: listed by resources/list, read by URI,
// an unknown section not found.
func TestMCPRunbookSectionThroughTheStack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the functions; skipped with -short")
	}
	neo := testenv.Neo4j(t)
	s, _ := newStack(t, map[string]string{
		envBinDir:   buildFunctions(t, "admin", "ingest", "mcp"),
		"NEO4J_URI": neo.URI, "NEO4J_USER": neo.User, "NEO4J_PASSWORD": neo.Password,
	})
	ctx := context.Background()
	otto := mint(t, s, "otto", "operator")
	name := fmt.Sprintf("payroll-%d.md", time.Now().UnixNano())
	doc := uploadRunbook(t, s, otto, name, []byte("# Payroll runbook\n\n## When the load abends\n\nCheck the tablespace, then rerun PAY_LOAD.\n\n## Escalation\n\nCall the DBA on duty.\n"))

	cs := mcpConnect(t, s, mint(t, s, "vic", "viewer"), nil)
	list, err := cs.ListResources(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var uri string
	var mine []string
	for _, r := range list.Resources {
		if strings.HasPrefix(r.URI, "resync://runbook/"+doc+"/") {
			mine = append(mine, r.Title)
			if strings.Contains(r.Title, "When the load abends") {
				uri = r.URI
			}
		}
	}
	if len(mine) != 2 || uri == "" {
		t.Fatalf("the runbook's sections in resources/list: %v, want its two sections", mine)
	}
	res, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Contents) != 1 || !strings.Contains(res.Contents[0].Text, "Check the tablespace, then rerun PAY_LOAD.") || strings.Contains(res.Contents[0].Text, "Call the DBA") {
		t.Errorf("section %s: %+v, want that section's text only", uri, res.Contents)
	}
	if _, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "resync://runbook/" + doc + "/No%20such%20section"}); err == nil {
		t.Error("an unknown section was read")
	}
	// search_runbooks over MCP finds the same runbook, with its document
	// and section to cite (the embedder is the one ingest used).
	found, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: agent.ToolSearchRunbooks, Arguments: map[string]any{"query": "PAY_LOAD abends tablespace"}})
	if err != nil || found.IsError {
		t.Fatalf("search_runbooks over MCP: %v %+v", err, found)
	}
	if text := found.Content[0].(*mcp.TextContent).Text; !strings.Contains(text, name) || !strings.Contains(text, "When the load abends") {
		t.Errorf("search_runbooks over MCP does not cite %s, section When the load abends: %s", name, text)
	}
}
