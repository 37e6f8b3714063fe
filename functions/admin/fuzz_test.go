package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/routes"
)

// FuzzRoutes sends every admin and documents route a fuzzed id, query
// string and JSON body, as each role (upload URLs are presigned against the
// S3 stand-in, documents kept in memory, reviews not configured).
// Properties: never a 500, every error answer a JSON problem, and a 2xx
// only for a role the route allows.
func FuzzRoutes(f *testing.F) {
	fx := newDocFixture(f, &memStore{docs: map[string]graph.Document{}})
	var rts []routes.HTTPRoute
	for _, rt := range routes.HTTP() {
		if rt.Function == routes.Admin {
			rts = append(rts, rt)
		}
	}
	roles := []auth.Role{auth.RoleNone, auth.RoleViewer, auth.RoleOperator, auth.RoleAdmin}
	tokens := map[auth.Role]string{}
	for _, role := range roles[1:] {
		tok, _, err := fx.minter.Mint("fuzz/"+string(role), role)
		if err != nil {
			f.Fatal(err)
		}
		tokens[role] = tok
	}
	f.Add(uint8(0), "", "", "", uint8(3))
	f.Add(uint8(2), "user=alice&from=2026-11-26T00:00:00Z&limit=10&format=csv", "", "", uint8(3))
	f.Add(uint8(1), "", "", `{"prefix":"status:"}`, uint8(3))
	f.Add(uint8(4), "", "", `{"name":"runbook.md","contentType":"text/markdown","size":1200}`, uint8(1))
	f.Add(uint8(4), "", "", `{"name":"../../etc/passwd","contentType":"text/plain","size":1}`, uint8(1))
	f.Add(uint8(5), "limit=0&mine=true", "", "", uint8(1))
	f.Add(uint8(6), "", "doc-0123456789abcdef0123456789abcdef", "", uint8(3))
	f.Add(uint8(8), "", "r1", `{"note":"ok"}`, uint8(3))
	f.Add(uint8(2), "cursor=%ff&to=yesterday", "", "", uint8(3))
	f.Fuzz(func(t *testing.T, which uint8, rawQuery, id, body string, role uint8) {
		rt := rts[int(which)%len(rts)]
		if id == "" {
			id = "x"
		}
		path := strings.ReplaceAll(rt.Path, "{id}", url.PathEscape(id))
		req := httptest.NewRequest(rt.Method, "/", strings.NewReader(body))
		req.URL = &url.URL{Path: strings.ReplaceAll(rt.Path, "{id}", id), RawPath: path, RawQuery: rawQuery}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		r := roles[int(role)%len(roles)]
		if tok := tokens[r]; tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		rec := httptest.NewRecorder()
		fx.h.ServeHTTP(rec, req)
		if rec.Code == http.StatusInternalServerError || rec.Code < 200 || rec.Code > 599 {
			t.Fatalf("%s %s?%s as %q: %d %s", rt.Method, path, rawQuery, r, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s?%s: error answer %d is not JSON: %q", rt.Method, path, rawQuery, rec.Code, rec.Body)
		}
		if rec.Code < 300 && !r.Allows(auth.Role(rt.Role)) {
			t.Fatalf("%s %s as %q answered %d; the route needs %s", rt.Method, path, r, rec.Code, rt.Role)
		}
	})
}
