package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/resync/resync/shared/edge/api"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/routes"
)

// FuzzJobQuery reads arbitrary query strings of GET /api/v1/jobs.
// Properties: a refusal is a 400 problem; an accepted query holds only the
// known parameters' values, upper-cased statuses, and non-negative paging.
func FuzzJobQuery(f *testing.F) {
	for _, q := range []string{"", "status=abend&limit=10&offset=5", "critical=true", "critical=maybe", "limit=-1", "offset=9999999999999999999",
		"name=PAY%40&stream=S1&workstation=CPU1", "bogus=1", "status=%zz", "limit=1&limit=2", "internalStatus=exec;x=1"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/api/v1/jobs", RawQuery: rawQuery}}
		q, err := jobQuery(r)
		if err != nil {
			var p *api.Problem
			if !errors.As(err, &p) || p.Status != http.StatusBadRequest {
				t.Fatalf("jobQuery(%q) error %v is not a 400 problem", rawQuery, err)
			}
			return
		}
		v := r.URL.Query()
		if q.Limit < 0 || q.Offset < 0 {
			t.Fatalf("jobQuery(%q) paging %d/%d", rawQuery, q.Limit, q.Offset)
		}
		if string(q.Status) != strings.ToUpper(v.Get("status")) || string(q.Internal) != strings.ToUpper(v.Get("internalStatus")) ||
			q.Stream != v.Get("stream") || q.Workstation != v.Get("workstation") || q.Name != v.Get("name") {
			t.Fatalf("jobQuery(%q) = %+v, not the query's values", rawQuery, q)
		}
		if (q.Critical != nil) != (v.Get("critical") != "") {
			t.Fatalf("jobQuery(%q) critical %v", rawQuery, q.Critical)
		}
	})
}

// FuzzRoutes sends every status route a fuzzed id and query string, as
// each role. Properties: never a 500, and every answer matches openapi.yaml
// (statuses, problem bodies and the views alike).
func FuzzRoutes(f *testing.F) {
	fx := newFixture(f)
	var paths []string
	for _, rt := range routes.HTTP() {
		if rt.Function == routes.Status {
			paths = append(paths, rt.Path)
		}
	}
	tokens := []string{""}
	for _, role := range []auth.Role{auth.RoleViewer, auth.RoleOperator} {
		tok, _, err := fx.minter.Mint("fuzz-"+string(role), role)
		if err != nil {
			f.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	f.Add(uint8(0), "", "", uint8(1))
	f.Add(uint8(1), "status=ABEND&limit=5", "J1", uint8(1))
	f.Add(uint8(2), "tail=10", "no-such-job", uint8(2))
	f.Add(uint8(3), "depth=99999999999999999999", "../x", uint8(1))
	f.Add(uint8(4), "limit=-3&bogus", "%00", uint8(0))
	param := regexp.MustCompile(`\{[^}]+\}`)
	f.Fuzz(func(t *testing.T, which uint8, rawQuery, id string, role uint8) {
		path := param.ReplaceAllLiteralString(paths[int(which)%len(paths)], url.PathEscape(id))
		if id == "" || strings.ContainsAny(id, "/") {
			path = param.ReplaceAllLiteralString(paths[int(which)%len(paths)], "J1")
		}
		req := httptest.NewRequest("GET", "/", nil)
		req.URL = &url.URL{Path: path, RawPath: "", RawQuery: rawQuery}
		req.RequestURI = req.URL.RequestURI()
		if tok := tokens[int(role)%len(tokens)]; tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		rec := httptest.NewRecorder()
		fx.h.ServeHTTP(rec, req)
		if rec.Code == http.StatusInternalServerError {
			t.Fatalf("GET %s: 500 %s", req.URL.RequestURI(), rec.Body)
		}
		// The validator re-parses the request URI; one that does not parse
		// (a NUL in the query, say) was still answered, just not checked.
		if _, err := url.Parse("http://localhost" + req.URL.RequestURI()); err == nil {
			fx.validate(t, req, rec)
		}
	})
}
