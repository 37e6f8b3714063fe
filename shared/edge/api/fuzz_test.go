package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

// fuzzBody is a request body shape like the functions' own: strings,
// numbers, a nested object and a list.
type fuzzBody struct {
	Name   string            `json:"name"`
	Size   int64             `json:"size"`
	Tags   []string          `json:"tags"`
	Labels map[string]string `json:"labels"`
	Nested *struct {
		Note string `json:"note"`
	} `json:"nested"`
}

// FuzzDecodeJSON feeds DecodeJSON, the one decoder of every HTTP body,
// arbitrary bodies and content types. Properties: it never panics; every
// refusal is a 4xx *Problem whose detail does not echo the body beyond a
// field name; an accepted body decodes strictly (no unknown field, no
// trailing data) to the same value a plain decode gives.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"runbook.md","size":1200}`,
		`{"name":"a","tags":["x"],"labels":{"k":"v"},"nested":{"note":"n"}}`,
		`{"name":"a"} {"name":"b"}`,
		`{"unknown":1}`,
		`{"size":"big"}`,
		`{"name":"\ud800"}`,
		``,
		`[`,
		strings.Repeat(`{"nested":`, 100),
	} {
		f.Add(s, "application/json")
	}
	f.Add(`{"name":"a"}`, "text/plain")
	f.Add(`{"name":"a"}`, "")
	f.Fuzz(func(t *testing.T, body, contentType string) {
		r := httptest.NewRequest("POST", "/x", strings.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		var got fuzzBody
		err := DecodeJSON(r, &got)
		if err != nil {
			var p *Problem
			if !errors.As(err, &p) {
				t.Fatalf("error %v is not a *Problem", err)
			}
			if p.Status < 400 || p.Status > 499 {
				t.Fatalf("status %d for a client's body, want 4xx", p.Status)
			}
			if len(body) > 64 && strings.Contains(p.Detail, body) {
				t.Fatalf("problem detail echoes the body: %q", p.Detail)
			}
			return
		}
		if len(body) > MaxBodyBytes {
			t.Fatalf("accepted a %d-byte body (limit %d)", len(body), MaxBodyBytes)
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(body)))
		dec.DisallowUnknownFields()
		var want fuzzBody
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("accepted a body a strict decode refuses: %v", err)
		}
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if !bytes.Equal(g, w) {
			t.Fatalf("decoded %s, a strict decode gives %s", g, w)
		}
	})
}
