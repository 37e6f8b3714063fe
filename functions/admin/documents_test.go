package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/internal/s3local"
	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/adapter/redis/cache"
	"github.com/resync/resync/shared/adapter/redis/security"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/metrics"
	"github.com/resync/resync/shared/edge/obs"
	"github.com/resync/resync/shared/edge/setup"
)

// docFixture is admin with the documents API over the S3 stand-in (through
// the real SDK presigner) and, where given, the real Neo4j of make test.
type docFixture struct {
	*fixture
	s3     *s3local.Server
	bucket string
	store  *graph.Store
	clock  *fakeClock
	mu     sync.Mutex
	events []events.S3EventRecord
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// memStore is a documentStore for tests without Neo4j.
type memStore struct{ docs map[string]graph.Document }

func (m *memStore) Documents(context.Context, graph.DocumentFilter) ([]graph.Document, error) {
	var out []graph.Document
	for _, d := range m.docs {
		out = append(out, d)
	}
	return out, nil
}

func (m *memStore) Document(_ context.Context, id string) (graph.Document, error) {
	d, ok := m.docs[id]
	if !ok {
		return d, graph.ErrNotFound
	}
	return d, nil
}

func (m *memStore) DocumentSections(_ context.Context, id string) ([]graph.Section, error) {
	d, ok := m.docs[id]
	if !ok {
		return nil, graph.ErrNotFound
	}
	return []graph.Section{{Ordinal: 0, Section: d.Name, Text: "text of " + d.Name}}, nil
}

func (m *memStore) DeleteDocument(_ context.Context, id string) (bool, error) {
	_, ok := m.docs[id]
	delete(m.docs, id)
	return ok, nil
}

func newDocFixture(t testing.TB, store documentStore) *docFixture {
	t.Helper()
	f := &docFixture{bucket: fmt.Sprintf("admin-docs-%d", time.Now().UnixNano()), clock: &fakeClock{now: time.Now()}}
	var err error
	f.s3, err = s3local.Start(s3local.Config{Buckets: []string{f.bucket}, Now: f.clock.Now, Notify: func(_ context.Context, ev events.S3Event) {
		f.mu.Lock()
		f.events = append(f.events, ev.Records...)
		f.mu.Unlock()
	}}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.s3.Close)

	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	acfg := auth.Config{Issuer: "resync-local", ClientID: "resync-web"}
	v, _ := auth.NewHS256(secret, acfg)
	m, _ := auth.NewMinter(secret, acfg, time.Hour)
	c, _ := cache.New(rdb, cache.Config{})
	al := audit.New(rdb, audit.Config{})
	client := f.s3.Client()
	n := 0
	api := &documentsAPI{
		bucket: f.bucket, presign: s3.NewPresignClient(client, func(o *s3.PresignOptions) {
			// Sign with the stand-in's clock so expiry is testable.
			o.Presigner = clockedPresigner{v4.NewSigner(), f.clock}
		}),
		objects: client, store: store, audit: al, now: f.clock.Now,
		newID: func() string { n++; return "upload-" + strconv.Itoa(n) },
	}
	edge := setup.NewEdge(function, v, obs.NewLogger(io.Discard, slog.LevelDebug), metrics.New(io.Discard, "Resync", nil), rdb)
	h, err := newHandler(deps{cache: c, redis: rdb, audit: al, security: security.New(rdb, 0), docs: api}, edge)
	if err != nil {
		t.Fatal(err)
	}
	f.fixture = &fixture{h: h, rdb: rdb, cache: c, audit: al, minter: m}
	return f
}

// clockedPresigner signs with the test clock's time.
type clockedPresigner struct {
	next  s3.HTTPPresignerV4
	clock *fakeClock
}

func (p clockedPresigner) PresignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) (string, http.Header, error) {
	return p.next.PresignHTTP(ctx, creds, r, payloadHash, service, region, p.clock.Now(), optFns...)
}

func (f *docFixture) uploadURL(t *testing.T, token, body string) (uploadURL, int, string) {
	t.Helper()
	rec := f.do(t, "POST", "/api/v1/documents/upload-url", token, body)
	var u uploadURL
	if rec.Code == 200 {
		if err := json.Unmarshal(rec.Body.Bytes(), &u); err != nil {
			t.Fatal(err)
		}
	}
	return u, rec.Code, rec.Body.String()
}

func putFile(t *testing.T, u uploadURL, contentType string, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(u.Method, u.URL, bytes.NewReader(body))
	for k, v := range u.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", contentType)
	req.ContentLength = int64(len(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestUploadURLValidation(t *testing.T) {
	f := newDocFixture(t, &memStore{docs: map[string]graph.Document{}})
	op := f.token(t, "otto", auth.RoleOperator)
	tests := []struct {
		name, body string
		wantCode   int
		wantIn     string
	}{
		{"ok", `{"name":"payroll.md","contentType":"text/markdown","size":100}`, 200, ""},
		{"too large", `{"name":"big.pdf","contentType":"application/pdf","size":20971521}`, 400, "size must be"},
		{"empty", `{"name":"e.txt","contentType":"text/plain","size":0}`, 400, "size must be"},
		{"wrong type", `{"name":"x.exe","contentType":"application/x-msdownload","size":10}`, 400, "contentType must be one of"},
		{"no type, unknown extension", `{"name":"notes","contentType":"","size":10}`, 400, "contentType must be one of"},
		{"browser's csv type", `{"name":"rows.csv","contentType":"application/vnd.ms-excel","size":10}`, 200, `"Content-Type":"text/csv"`},
		{"name disagrees with type", `{"name":"x.md","contentType":"application/pdf","size":10}`, 400, "is text/markdown"},
		{"path in name", `{"name":"../../etc/passwd.txt","contentType":"text/plain","size":10}`, 400, "without folders"},
		{"no name", `{"contentType":"text/plain","size":10}`, 400, "name is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, code, body := f.uploadURL(t, op, tt.body)
			if code != tt.wantCode || !strings.Contains(body, tt.wantIn) {
				t.Fatalf("status %d %s, want %d containing %q", code, body, tt.wantCode, tt.wantIn)
			}
			if code == 200 && tt.name == "ok" && (u.Key != "uploads/otto/upload-1/payroll.md" || u.Method != "PUT" || u.Headers["Content-Type"] != "text/markdown" ||
				u.Headers["Content-Length"] != "100" || u.DocumentID != graph.DocumentID(f.bucket, u.Key) || !strings.Contains(u.URL, "X-Amz-Expires=900")) {
				t.Errorf("upload URL = %+v", u)
			}
		})
	}
	viewer := f.token(t, "vera", auth.RoleViewer)
	if _, code, _ := f.uploadURL(t, viewer, tests[0].body); code != 403 {
		t.Errorf("viewer got %d, want 403", code)
	}
	// The issue is audited.
	entries, err := f.audit.List(context.Background(), audit.Filter{Action: "document:upload-url"})
	if err != nil || len(entries.Entries) != 2 || entries.Entries[0].User != "otto" {
		t.Errorf("audit = %+v, %v", entries, err)
	}
}

// TestPresignedUploadConditions uploads through the URL admin returns, with
// the real SDK's presigner and the S3 stand-in's signature check.
func TestPresignedUploadConditions(t *testing.T) {
	f := newDocFixture(t, &memStore{docs: map[string]graph.Document{}})
	op := f.token(t, "otto", auth.RoleOperator)
	body := []byte("# Runbook\n\nRerun it.\n")
	req := fmt.Sprintf(`{"name":"r.md","contentType":"text/markdown","size":%d}`, len(body))
	tests := []struct {
		name        string
		contentType string
		send        []byte
		wait        time.Duration
		want        int
	}{
		{"as agreed", "text/markdown", body, 0, 200},
		{"larger than agreed", "text/markdown", append(bytes.Clone(body), []byte("more")...), 0, 403},
		{"other content type", "application/pdf", body, 0, 403},
		{"after 15 minutes", "text/markdown", body, 16 * time.Minute, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, code, msg := f.uploadURL(t, op, req)
			if code != 200 {
				t.Fatalf("upload-url: %d %s", code, msg)
			}
			f.clock.Add(tt.wait)
			if code, msg := putFile(t, u, tt.contentType, tt.send); code != tt.want {
				t.Errorf("PUT status %d %s, want %d", code, msg, tt.want)
			}
		})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	created := 0
	for _, ev := range f.events {
		if strings.HasPrefix(ev.EventName, "ObjectCreated:") {
			created++
		}
	}
	if created != 1 {
		t.Errorf("%d ObjectCreated events, want 1 (only the accepted upload)", created)
	}
}

// TestDocumentsListAndDelete runs against the real Neo4j: a document the
// graph holds is listed, an operator may not delete another's, its uploader
// may; the object goes from S3 (ObjectRemoved is delivered) and the document
// and its chunks from the graph; a second delete is a no-op.
func TestDocumentsListAndDelete(t *testing.T) {
	cfg := testenv.Neo4j(t)
	ctx := context.Background()
	store, err := graph.Open(ctx, graph.Config{URI: cfg.URI, User: cfg.User, Password: cfg.Password})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close(context.Background()) })
	if err := store.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	f := newDocFixture(t, store)
	otto, olga, ada := f.token(t, "otto", auth.RoleOperator), f.token(t, "olga", auth.RoleOperator), f.token(t, "ada", auth.RoleAdmin)

	key := "uploads/otto/u1/runbook.md"
	if _, err := f.s3.Client().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key), Body: strings.NewReader("# R\n\nx\n")}); err != nil {
		t.Fatal(err)
	}
	d := graph.Document{ID: graph.DocumentID(f.bucket, key), Bucket: f.bucket, Key: key, VersionID: "v1", Name: "runbook.md", UploadedBy: "otto"}
	t.Cleanup(func() { store.DeleteDocument(context.Background(), d.ID) })
	if _, err := store.ClaimDocument(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, err := store.WriteDocument(ctx, d, []graph.DocumentChunk{{Text: "x", Embedding: make([]float32, graph.DefaultEmbeddingDimensions)}}); err != nil {
		t.Fatal(err)
	}

	rec := f.do(t, "GET", "/api/v1/documents?mine=true", otto, "")
	var list documentList
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &list) != nil {
		t.Fatalf("list: %d %s", rec.Code, rec.Body.String())
	}
	i := slices.IndexFunc(list.Documents, func(x graph.Document) bool { return x.ID == d.ID })
	if !list.Available || i < 0 || list.Documents[i].Status != graph.StatusIngested || list.Documents[i].Chunks != 1 {
		t.Errorf("list lacks %s ingested with 1 chunk: %s", d.ID, rec.Body.String())
	}
	if rec := f.do(t, "GET", "/api/v1/documents?limit=0", otto, ""); rec.Code != 400 {
		t.Errorf("limit=0: %d", rec.Code)
	}

	// Any operator reads a runbook's sections (a citation opens them); a viewer does not.
	rec = f.do(t, "GET", "/api/v1/documents/"+d.ID+"/sections", olga, "")
	var text documentText
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &text) != nil || text.Document.ID != d.ID || len(text.Sections) != 1 || text.Sections[0].Text != "x" {
		t.Errorf("sections: %d %s", rec.Code, rec.Body.String())
	}
	for _, tc := range []struct {
		path, token string
		status      int
	}{
		{"/api/v1/documents/" + d.ID + "/sections", f.token(t, "vic", auth.RoleViewer), 403},
		{"/api/v1/documents/doc-00000000000000000000000000000000/sections", olga, 404},
		{"/api/v1/documents/not-an-id/sections", olga, 404},
		{"/api/v1/documents/" + d.ID + "/sections?page=2", olga, 400},
	} {
		if rec := f.do(t, "GET", tc.path, tc.token, ""); rec.Code != tc.status {
			t.Errorf("GET %s: %d, want %d: %s", tc.path, rec.Code, tc.status, rec.Body.String())
		}
	}

	if rec := f.do(t, "DELETE", "/api/v1/documents/"+d.ID, olga, ""); rec.Code != 403 {
		t.Errorf("another operator's delete: %d %s", rec.Code, rec.Body.String())
	}
	if rec := f.do(t, "DELETE", "/api/v1/documents/"+d.ID, otto, ""); rec.Code != 204 {
		t.Fatalf("uploader's delete: %d %s", rec.Code, rec.Body.String())
	}
	if _, err := store.Document(ctx, d.ID); err == nil {
		t.Error("document still in the graph after delete")
	}
	if _, err := f.s3.Client().HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key)}); err == nil {
		t.Error("object still in S3 after delete")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mu.Lock()
		removed := slices.ContainsFunc(f.events, func(e events.S3EventRecord) bool {
			return strings.HasPrefix(e.EventName, "ObjectRemoved:") && e.S3.Object.URLDecodedKey == key
		})
		f.mu.Unlock()
		if removed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no ObjectRemoved event for the deleted document")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if rec := f.do(t, "DELETE", "/api/v1/documents/"+d.ID, ada, ""); rec.Code != 204 {
		t.Errorf("second delete: %d, want 204 (idempotent)", rec.Code)
	}
	if rec := f.do(t, "DELETE", "/api/v1/documents/not-an-id", ada, ""); rec.Code != 404 {
		t.Errorf("malformed id: %d, want 404", rec.Code)
	}
}

func TestDocumentsNotConfigured(t *testing.T) {
	f := newFixture(t)
	op := f.token(t, "otto", auth.RoleOperator)
	for _, rt := range []struct{ method, path, body string }{
		{"POST", "/api/v1/documents/upload-url", `{"name":"a.md","contentType":"text/markdown","size":1}`},
		{"DELETE", "/api/v1/documents/doc-00000000000000000000000000000000", ""},
		{"GET", "/api/v1/documents/doc-00000000000000000000000000000000/sections", ""},
	} {
		if rec := f.do(t, rt.method, rt.path, op, rt.body); rec.Code != 503 || !strings.Contains(rec.Body.String(), "DOCUMENTS_BUCKET") {
			t.Errorf("%s %s without documents: %d %s", rt.method, rt.path, rec.Code, rec.Body.String())
		}
	}
	// The list says it is not available rather than failing.
	rec := f.do(t, "GET", "/api/v1/documents", op, "")
	var l documentList
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &l) != nil || l.Available || l.Documents == nil || l.Note == "" {
		t.Errorf("list without documents: %d %s", rec.Code, rec.Body.String())
	}
	// Bad requests are still bad requests.
	if rec := f.do(t, "POST", "/api/v1/documents/upload-url", op, `{"kind":"summary"}`); rec.Code != 400 {
		t.Errorf("invalid upload request without documents: %d", rec.Code)
	}
}

// Users whose names differ only in characters a folding scheme would
// replace get different key segments, and each segment is one segment.
func TestKeySegmentEscapesInsteadOfFolding(t *testing.T) {
	users := []string{"a/b", "a_b", `a\b`, "a%2Fb", "a\x00b", ".", "..", "%2E", "otto", "jörg"}
	seen := map[string]string{}
	for _, u := range users {
		s := keySegment(u)
		if other, dup := seen[s]; dup {
			t.Errorf("keySegment(%q) = keySegment(%q) = %q", u, other, s)
		}
		seen[s] = u
		if strings.ContainsAny(s, `/\`) || s == "." || s == ".." {
			t.Errorf("keySegment(%q) = %q is not one safe segment", u, s)
		}
		if back, err := url.PathUnescape(s); err != nil || back != u {
			t.Errorf("keySegment(%q) = %q does not reverse: %q, %v", u, s, back, err)
		}
	}
	if keySegment("otto") != "otto" {
		t.Errorf("plain names must keep their keys: %q", keySegment("otto"))
	}
}
