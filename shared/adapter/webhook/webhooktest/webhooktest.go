// Package webhooktest provides local incoming webhooks for tests: a
// Receiver plays a Microsoft Teams Workflows or Slack incoming webhook,
// validates every payload against the Adaptive Card and Block Kit schemas
// (schemas/, written from the vendors' published rules) and answers as the
// real service does — 400 for an invalid payload, 2xx for a valid one — or
// with the failures a test scripts (500 first, or always).
package webhooktest

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/resync/resync/shared/domain/alert"
)

//go:embed schemas/*.json
var schemaFiles embed.FS

// Validator checks payloads against the schemas. It is safe for concurrent
// use.
type Validator struct {
	teams, slack *jsonschema.Schema
}

// NewValidator compiles the schemas.
func NewValidator() (*Validator, error) {
	c := jsonschema.NewCompiler()
	for url, file := range map[string]string{
		"http://adaptivecards.io/schemas/adaptive-card.json": "schemas/adaptive-card.schema.json",
		"https://resync.invalid/schemas/teams-message.json":  "schemas/teams-message.schema.json",
		"https://resync.invalid/schemas/slack-message.json":  "schemas/slack-message.schema.json",
	} {
		b, err := schemaFiles.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("webhooktest: %s: %w", file, err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("webhooktest: %s: %w", file, err)
		}
		if err := c.AddResource(url, doc); err != nil {
			return nil, fmt.Errorf("webhooktest: %s: %w", file, err)
		}
	}
	v := &Validator{}
	var err error
	if v.teams, err = c.Compile("https://resync.invalid/schemas/teams-message.json"); err != nil {
		return nil, fmt.Errorf("webhooktest: teams schema: %w", err)
	}
	if v.slack, err = c.Compile("https://resync.invalid/schemas/slack-message.json"); err != nil {
		return nil, fmt.Errorf("webhooktest: slack schema: %w", err)
	}
	return v, nil
}

// MustValidator is NewValidator failing tb on error.
func MustValidator(tb testing.TB) *Validator {
	tb.Helper()
	v, err := NewValidator()
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// Validate checks b, a payload for a channel of kind (alert.Teams or
// alert.Slack), against its schema and the rules a schema cannot state
// (Teams: card version 1.4 or later, 28 KB per message).
func (v *Validator) Validate(kind string, b []byte) error {
	sch := map[string]*jsonschema.Schema{alert.Teams: v.teams, alert.Slack: v.slack}[kind]
	if sch == nil {
		return fmt.Errorf("webhooktest: unknown channel kind %q", kind)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	if err := sch.Validate(doc); err != nil {
		return err
	}
	if kind == alert.Teams {
		var env struct {
			Attachments []struct {
				Content struct {
					Version string `json:"version"`
				} `json:"content"`
			} `json:"attachments"`
		}
		_ = json.Unmarshal(b, &env)
		var major, minor int
		if len(env.Attachments) == 0 {
			return fmt.Errorf("no attachment")
		}
		if _, err := fmt.Sscanf(env.Attachments[0].Content.Version, "%d.%d", &major, &minor); err != nil || major < 1 || (major == 1 && minor < 4) {
			return fmt.Errorf("card version %q is below 1.4", env.Attachments[0].Content.Version)
		}
		if len(b) > 28*1024 {
			return fmt.Errorf("message of %d bytes exceeds the 28 KB webhook limit", len(b))
		}
	}
	return nil
}

// Receiver is a local incoming webhook of one kind. It keeps the valid
// payloads it accepted and the reasons it refused the others.
type Receiver struct {
	*httptest.Server
	Kind     string
	v        *Validator
	mu       sync.Mutex
	bodies   [][]byte
	invalid  []string
	requests int
	failNext int
	failAll  bool
}

// NewReceiver starts a receiver of kind, closed when tb ends.
func NewReceiver(tb testing.TB, kind string) *Receiver {
	tb.Helper()
	r := &Receiver{Kind: kind, v: MustValidator(tb)}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(r.Close)
	return r
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if r.failAll || r.failNext > 0 {
		if r.failNext > 0 {
			r.failNext--
		}
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if req.Method != http.MethodPost || !strings.HasPrefix(req.Header.Get("Content-Type"), "application/json") {
		r.invalid = append(r.invalid, "not a JSON POST")
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if err := r.v.Validate(r.Kind, b); err != nil {
		r.invalid = append(r.invalid, err.Error())
		http.Error(w, "invalid payload", http.StatusBadRequest)
		return
	}
	r.bodies = append(r.bodies, b)
	if r.Kind == alert.Slack {
		_, _ = io.WriteString(w, "ok")
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// FailNext answers the next n requests 500.
func (r *Receiver) FailNext(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failNext = n
}

// FailAlways answers every request 500 while on.
func (r *Receiver) FailAlways(on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failAll = on
}

// Bodies returns the accepted payloads, oldest first.
func (r *Receiver) Bodies() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.bodies...)
}

// Count returns how many accepted payloads contain sub.
func (r *Receiver) Count(sub string) int {
	n := 0
	for _, b := range r.Bodies() {
		if bytes.Contains(b, []byte(sub)) {
			n++
		}
	}
	return n
}

// Invalid returns why payloads were refused.
func (r *Receiver) Invalid() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.invalid...)
}

// Requests returns how many requests arrived, failed ones included.
func (r *Receiver) Requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}
