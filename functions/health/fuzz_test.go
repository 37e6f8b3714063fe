package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/resync/resync/shared/edge/auth"
)

// FuzzInvoke feeds arbitrary events to health: schedules, API Gateway HTTP
// requests and anything else. Properties: it never panics; an HTTP answer is
// never a 500 (a failing dependency is a 503), and an error answer is a JSON
// problem; whatever it returns marshals to JSON for the runtime.
func FuzzInvoke(f *testing.F) {
	fx := newFixture(f)
	tok, _, err := fx.minter.Mint("alice", auth.RoleOperator)
	if err != nil {
		f.Fatal(err)
	}
	samples, _ := filepath.Glob(filepath.Join(eventsDir, "*.json"))
	for _, p := range samples {
		if raw, err := os.ReadFile(p); err == nil {
			f.Add(raw)
		}
	}
	deep, _ := json.Marshal(events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "GET /health/deep", RawPath: "/health/deep",
		Headers:        map[string]string{"authorization": "Bearer " + tok},
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/health/deep"}}})
	f.Add(deep)
	f.Add([]byte(`{"version":"2.0","routeKey":"GET /health","rawPath":"/health","rawQueryString":"a=%zz&&b","requestContext":{"http":{"method":"GET"}}}`))
	f.Add([]byte(`{"source":"aws.events","detail-type":"Scheduled Event","resources":["arn:aws:events:eu-west-1:1:rule/unknown"]}`))
	f.Add([]byte(`{"version":"2.0","routeKey":"$default","rawPath":"/../../x","body":"e30=","isBase64Encoded":true}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, err := fx.h.Invoke(context.Background(), raw)
		if err != nil {
			return
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("answer %T does not marshal: %v", out, err)
		}
		resp, ok := out.(events.APIGatewayV2HTTPResponse)
		if !ok {
			return
		}
		if resp.StatusCode == http.StatusInternalServerError || resp.StatusCode < 200 || resp.StatusCode > 599 {
			t.Fatalf("HTTP answer %d %s", resp.StatusCode, resp.Body)
		}
		if resp.StatusCode >= 400 && resp.Body != "" && !json.Valid([]byte(resp.Body)) {
			t.Fatalf("error answer %d is not JSON: %q", resp.StatusCode, resp.Body)
		}
	})
}

// fuzzRequest is a request from fuzzed parts, as net/http would hand it to
// the mux (a fuzzed method or path that a server would refuse is still a
// fair question for the handler).
func fuzzRequest(method, path, query, token, body string) *http.Request {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	r := &http.Request{Method: method, URL: &url.URL{Path: path, RawQuery: query}, Header: http.Header{},
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Host: "example.com", RequestURI: path}
	r.Header.Set("Content-Type", "application/json")
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r.WithContext(context.Background())
}

// checkAnswer asserts what every HTTP answer must be: not a 500, and an
// error answer a JSON problem.
func checkAnswer(t *testing.T, r *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code == http.StatusInternalServerError || rec.Code < 200 || rec.Code > 599 {
		t.Fatalf("%s %s?%s: answer %d %s", r.Method, r.URL.Path, r.URL.RawQuery, rec.Code, rec.Body)
	}
	if rec.Code >= 400 && rec.Body.Len() > 0 && !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("%s %s?%s: error answer %d is not JSON: %q", r.Method, r.URL.Path, r.URL.RawQuery, rec.Code, rec.Body)
	}
}

// FuzzHTTP sends requests of fuzzed method, path, query and body, with and
// without a token, to the health routes.
func FuzzHTTP(f *testing.F) {
	fx := newFixture(f)
	tok, _, err := fx.minter.Mint("alice", auth.RoleOperator)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("GET", "/health", "", "", true)
	f.Add("GET", "/health/deep", "verbose=1", "", true)
	f.Add("POST", "/health/deep", "", "{}", false)
	f.Add("GET", "/health/../health", "%zz", "", true)
	f.Fuzz(func(t *testing.T, method, path, query, body string, withToken bool) {
		token := ""
		if withToken {
			token = tok
		}
		r := fuzzRequest(method, path, query, token, body)
		rec := httptest.NewRecorder()
		fx.h.mux.ServeHTTP(rec, r)
		checkAnswer(t, r, rec)
	})
}
