package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// webHandler serves the browser client (web/) at / with the CSP the
// deployment sets, and GET /config.json describing the local mode (the dev
// token endpoint instead of Cognito). Every other request — the HTTP API,
// /health, unknown paths — goes to api, so the API Gateway stand-in keeps
// answering them as before. connect lists more origins the page may
// connect to (the documents bucket's presigned uploads).
func webHandler(dir string, connect []string, api http.Handler) http.Handler {
	extra := ""
	for _, c := range connect {
		extra += " " + c
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method != http.MethodGet && r.Method != http.MethodHead) ||
			strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/health" || strings.HasPrefix(r.URL.Path, "/health/") {
			api.ServeHTTP(w, r)
			return
		}
		if r.URL.Path == "/config.json" {
			setWebHeaders(w, r, extra)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			_ = json.NewEncoder(w).Encode(map[string]any{
				"mode":          "local",
				"tokenEndpoint": "/local/token",
				"apiBase":       "",
				"wsUrl":         "ws://" + r.Host + "/ws",
			})
			return
		}
		name := path.Clean(r.URL.Path)
		if name == "/" {
			name = "/index.html"
		}
		file := filepath.Join(dir, filepath.FromSlash(name))
		if st, err := os.Stat(file); err != nil || st.IsDir() {
			api.ServeHTTP(w, r)
			return
		}
		setWebHeaders(w, r, extra)
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFile(w, r, file)
	})
}

// setWebHeaders sets the security headers of the client's pages: no inline
// script or style, connections only to this origin and its WebSocket URL.
func setWebHeaders(w http.ResponseWriter, r *http.Request, connect string) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws://"+r.Host+connect+
		"; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}
