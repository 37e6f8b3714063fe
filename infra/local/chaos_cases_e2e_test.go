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

	"github.com/coder/websocket"

	"github.com/resync/resync/infra/local/internal/chaos"
	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/adapter/bedrock/bedrocksim"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
)

// The chaos cases that are not one fault on a running stack: a socket kept
// open across a fault, a runbook uploaded while Neo4j is down, and a stack
// started while Neo4j is down.

// socket is a WebSocket connection kept open across a fault.
type socket struct {
	c      *websocket.Conn
	cancel context.CancelFunc
	ctx    context.Context
}

func (e *chaosEnv) dial(token string) (*socket, error) {
	ctx, cancel := context.WithCancel(context.Background())
	u := strings.Replace(e.s.url, "http://", "ws://", 1) + "/ws?token=" + token
	dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
	defer dcancel()
	c, _, err := websocket.Dial(dctx, u, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	c.SetReadLimit(1 << 20)
	return &socket{c: c, cancel: cancel, ctx: ctx}, nil
}

func (s *socket) close() { s.c.CloseNow(); s.cancel() }

// ask sends frame and returns the frame that answers it (final or error,
// skipping the rest), or a synthetic "lost" frame after chatBound.
func (s *socket) ask(frame map[string]any) map[string]any {
	ctx, cancel := context.WithTimeout(s.ctx, chatBound)
	defer cancel()
	b, _ := json.Marshal(frame)
	if err := s.c.Write(ctx, websocket.MessageText, b); err != nil {
		return map[string]any{"type": "lost", "err": err.Error()}
	}
	for {
		_, b, err := s.c.Read(ctx)
		if err != nil {
			return map[string]any{"type": "lost", "err": err.Error()}
		}
		var m map[string]any
		if json.Unmarshal(b, &m) == nil && finalOrError(m) {
			return m
		}
	}
}

type document struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Chunks int    `json:"chunks"`
	Reason string `json:"reason"`
}

// upload puts a runbook into the documents bucket the way the browser does
// and returns its document id.
func (e *chaosEnv) upload(name string, body []byte) (string, error) {
	a := e.req("POST", "/api/v1/documents/upload-url", e.operator, fmt.Sprintf(`{"name":%q,"contentType":"text/markdown","size":%d}`, name, len(body)))
	if a.status != 200 {
		return "", fmt.Errorf("upload-url: %s %.200s", summarise(a), a.body)
	}
	var u struct {
		URL, Method, DocumentID string
		Headers                 map[string]string
	}
	if err := json.Unmarshal(a.body, &u); err != nil {
		return "", err
	}
	req, _ := http.NewRequest(u.Method, u.URL, bytes.NewReader(body))
	for k, v := range u.Headers {
		req.Header.Set(k, v)
	}
	req.ContentLength = int64(len(body))
	resp, err := chaosClient.Do(req)
	if err != nil {
		return "", err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("PUT: %d", resp.StatusCode)
	}
	return u.DocumentID, nil
}

// document returns the operator's document id as the list shows it, and
// the list's answer.
func (e *chaosEnv) document(id string) (document, bool, answer) {
	a := e.req("GET", "/api/v1/documents?mine=true", e.operator, "")
	var l struct{ Documents []document }
	if a.status == 200 && json.Unmarshal(a.body, &l) == nil {
		for _, d := range l.Documents {
			if d.ID == id {
				return d, true, a
			}
		}
	}
	return document{}, false, a
}

// ingestUnderFault uploads a runbook while Neo4j is down: ingest cannot
// claim it, the object event is retried (LOCAL_ASYNC_RETRY, as Lambda's
// asynchronous retries), and once Neo4j returns the document ends
// ingested — or failed with a reason — and is never silently lost.
func (e *chaosEnv) ingestUnderFault(t *testing.T, c chaosCase) chaosRow {
	row := chaosRow{chaosCase: c, pass: true, recovery: -1}
	if err := e.px["neo4j"].Inject(chaos.Down); err != nil {
		t.Fatal(err)
	}
	id, err := e.upload(fmt.Sprintf("chaos-%s.md", e.runID), []byte("# Chaos runbook "+e.runID+"\n\n## When the graph is down\n\nWait for it, then rerun.\n"))
	if err != nil {
		e.clear(c)
		t.Fatalf("upload with Neo4j down: %v", err)
	}
	row.got = append(row.got, "upload accepted")
	t.Cleanup(func() { e.req("DELETE", "/api/v1/documents/"+id, e.operator, "") })
	time.Sleep(8 * time.Second) // the first invoke and the first retry (5 s) fail
	_, _, a := e.document(id)
	row.got = append(row.got, "document list "+summarise(a))
	if a.status != 503 || !strings.HasPrefix(a.header.Get("Content-Type"), "application/problem+json") {
		row.fail(t, "document list with Neo4j down: %s %.200s, want a 503 problem", summarise(a), a.body)
	}
	e.clear(c)
	back := time.Now()
	for {
		d, ok, _ := e.document(id)
		if ok && (d.Status == "ingested" || d.Status == "failed") {
			row.recovery = time.Since(back)
			row.got = append(row.got, fmt.Sprintf("document %s %s", d.Status, d.Reason))
			if d.Status == "failed" && d.Reason == "" {
				row.fail(t, "document failed without a reason")
			}
			break
		}
		if time.Since(back) > recoveryBound {
			row.fail(t, "document %s not ingested nor failed within %s of Neo4j returning (listed: %v, status %q)\n%s", id, recoveryBound, ok, d.Status, e.out.String())
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	return row
}

// coldStart starts a stack of its own while Neo4j is down: every function
// boots, the plan views answer, impact comes from HWA with a note, the deep
// health check says the graph is down; once Neo4j returns, impact comes
// from the graph again and the check is green, without a restart.
func coldStart(t *testing.T, c chaosCase, bin string, sim *hwasim.Server, bed *bedrocksim.Server, px map[string]*chaos.Proxy, neo testenv.Neo4jConfig) chaosRow {
	row := chaosRow{chaosCase: c, pass: true, recovery: -1}
	if err := px["neo4j"].Inject(chaos.Down); err != nil {
		t.Fatal(err)
	}
	defer px["neo4j"].Clear()
	s, out := newStack(t, stackEnv(bin, px, neo, false))
	if strings.Contains(out.String(), "FAILED START") {
		row.fail(t, "a function did not start with Neo4j down:\n%s", out.String())
		return row
	}
	row.got = append(row.got, "every function booted")
	e := &chaosEnv{t: t, s: s, out: out, sim: sim, bed: bed, px: px, hasGraph: true,
		viewer: mint(t, s, "vera", "viewer"), operator: mint(t, s, "otto", "operator"), runID: fmt.Sprintf("cold%d", time.Now().UnixNano())}
	sum := e.req("GET", "/api/v1/plan/summary", e.viewer, "")
	row.got = append(row.got, "summary "+summarise(sum))
	var parsed struct{ Abended []struct{ ID, Name string } }
	if sum.status != 200 || json.Unmarshal(sum.body, &parsed) != nil || len(parsed.Abended) == 0 {
		row.fail(t, "summary with Neo4j down at cold start: %s %.200s", summarise(sum), sum.body)
		return row
	}
	e.jobID, e.jobName = parsed.Abended[0].ID, parsed.Abended[0].Name
	src, note := e.impact()
	row.got = append(row.got, "impact from "+src)
	if src != "hwa" || note == "" {
		row.fail(t, "impact with Neo4j down at cold start: source %q note %q, want HWA's answer with a note", src, note)
	}
	if st, graph := e.deepHealth(); graph == "ok" || st == "ok" {
		row.fail(t, "deep health with Neo4j down at cold start: status %q, neo4j %q; want it degraded and the graph not ok", st, graph)
	} else {
		row.got = append(row.got, fmt.Sprintf("health %s (neo4j %s)", st, graph))
	}
	m := e.ask("which jobs abended?")
	row.got = append(row.got, "chat "+frameSummary(m))
	if m["type"] != "final" {
		row.fail(t, "chat with Neo4j down at cold start: %v, want a final", m)
	}
	if err := px["neo4j"].Clear(); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	for {
		src, _ := e.impact()
		if _, graph := e.deepHealth(); src == "graph" && graph == "ok" {
			row.recovery = time.Since(back)
			break
		}
		if time.Since(back) > recoveryBound {
			row.fail(t, "impact from %q, deep health not green %s after Neo4j returned, want the graph picked up within %s", src, time.Since(back).Round(time.Second), recoveryBound)
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	return row
}

// deepHealth runs the deep health check and returns its status and the
// status of its neo4j check.
func (e *chaosEnv) deepHealth() (string, string) {
	a := e.req("POST", "/local/schedules/health-deep", "", "")
	var res struct {
		Status string
		Checks []struct{ Name, Status string }
	}
	if a.status != 200 || json.Unmarshal(a.body, &res) != nil {
		return fmt.Sprintf("%d", a.status), ""
	}
	for _, c := range res.Checks {
		if c.Name == "neo4j" {
			return res.Status, c.Status
		}
	}
	return res.Status, "absent"
}
