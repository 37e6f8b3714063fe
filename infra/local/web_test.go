package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWebHandler(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "js"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"index.html": "<!doctype html>index", "js/main.js": "export {}"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(299)
		_, _ = w.Write([]byte("api " + r.Method + " " + r.URL.Path))
	})
	h := webHandler(dir, []string{"http://127.0.0.1:9999"}, api)
	tests := []struct {
		method, path string
		wantStatus   int
		wantBody     string
		wantCSP      bool
	}{
		{"GET", "/", 200, "index", true},
		{"GET", "/js/main.js", 200, "export {}", true},
		{"HEAD", "/js/main.js", 200, "", true},
		{"GET", "/config.json", 200, `"mode":"local"`, true},
		{"GET", "/api/v1/plan/summary", 299, "api GET /api/v1/plan/summary", false},
		{"GET", "/health", 299, "api GET /health", false},
		{"GET", "/health/deep", 299, "api GET /health/deep", false},
		{"POST", "/index.html", 299, "api POST /index.html", false},
		{"GET", "/no-such-file", 299, "api GET /no-such-file", false},
		{"GET", "/js", 299, "api GET /js", false}, // a directory is not served
		{"GET", "/../go.mod", 299, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, nil)
			r.Host = "127.0.0.1:8080"
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if got := w.Code; got != tt.wantStatus {
				t.Errorf("status = %d, want %d (%s)", got, tt.wantStatus, w.Body.String())
			}
			if !strings.Contains(w.Body.String(), tt.wantBody) {
				t.Errorf("body = %q, want it to contain %q", w.Body.String(), tt.wantBody)
			}
			csp := w.Header().Get("Content-Security-Policy")
			if got := csp != ""; got != tt.wantCSP {
				t.Fatalf("CSP present = %v, want %v", got, tt.wantCSP)
			}
			if tt.wantCSP {
				for _, want := range []string{"default-src 'self'", "connect-src 'self' ws://127.0.0.1:8080 http://127.0.0.1:9999;", "object-src 'none'"} {
					if !strings.Contains(csp, want) {
						t.Errorf("CSP %q misses %q", csp, want)
					}
				}
				if strings.Contains(csp, "unsafe-inline") {
					t.Errorf("CSP %q allows inline code", csp)
				}
			}
		})
	}
}

// TestWebClientHasNoInlineCode checks what the CSP would refuse: no inline
// script or style in the pages, no style attributes or event handler
// attributes in the HTML, and no innerHTML of unsanitised text in the modules.
func TestWebClientHasNoInlineCode(t *testing.T) {
	root := "../../web"
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, "vendor") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		s := string(b)
		switch filepath.Ext(path) {
		case ".html":
			low := strings.ToLower(s)
			for i := 0; ; {
				j := strings.Index(low[i:], "<script")
				if j < 0 {
					break
				}
				tag := low[i+j : i+j+strings.Index(low[i+j:], ">")]
				if !strings.Contains(tag, " src=") {
					t.Errorf("%s: inline <script>", path)
				}
				i += j + 1
			}
			for _, bad := range []string{"<style", " style=", " onclick=", " onload=", " onsubmit=", "javascript:"} {
				if strings.Contains(low, bad) {
					t.Errorf("%s contains %q", path, bad)
				}
			}
		case ".js":
			for _, line := range strings.Split(s, "\n") {
				if strings.Contains(line, "innerHTML =") && !strings.Contains(line, "render(") {
					t.Errorf("%s: innerHTML of something not sanitised: %s", path, strings.TrimSpace(line))
				}
				if strings.Contains(line, ".style.") || strings.Contains(line, "eval(") || strings.Contains(line, "new Function") {
					t.Errorf("%s: %s", path, strings.TrimSpace(line))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
