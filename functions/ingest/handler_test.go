package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/resync/resync/internal/s3local"
	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/adapter/bedrock"
	"github.com/resync/resync/shared/adapter/bedrock/bedrocksim"
	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/app/docs"
	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/domain/workload"
)

// recordingNotifier keeps the pushed events per user.
type recordingNotifier struct {
	mu  sync.Mutex
	got map[string][]frames.Event
}

func (r *recordingNotifier) Notify(_ context.Context, user string, ev frames.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.got == nil {
		r.got = map[string][]frames.Event{}
	}
	r.got[user] = append(r.got[user], ev)
}

func (r *recordingNotifier) statuses(user string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, ev := range r.got[user] {
		out = append(out, fmt.Sprint(ev.Data["status"]))
	}
	return out
}

// fixture is ingest wired to the real Neo4j of make test, the HWA simulator
// and the S3 stand-in, whose object events run the handler.
type fixture struct {
	h       *handler
	store   *graph.Store
	s3      *s3local.Server
	client  *s3.Client
	bucket  string
	notify  *recordingNotifier
	results chan Result
	errs    chan error
	plan    *hwa.Client
	simURL  string
	driver  neo4j.DriverWithContext
}

// query runs a read of the test's own on the graph.
func (f *fixture) query(t *testing.T, q string, params map[string]any) []map[string]any {
	t.Helper()
	res, err := neo4j.ExecuteQuery(context.Background(), f.driver, q, params, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]any, len(res.Records))
	for i, r := range res.Records {
		out[i] = r.AsMap()
	}
	return out
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	cfg := testenv.Neo4j(t)
	ctx := context.Background()
	engine := fmt.Sprintf("ingest-%s-%d", t.Name(), time.Now().UnixNano())
	store, err := graph.Open(ctx, graph.Config{URI: cfg.URI, User: cfg.User, Password: cfg.Password, Engine: engine})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	sim := hwasim.New(hwasim.Config{Seed: 11})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	hc, err := hwa.New(hwa.Config{BaseURL: srv.URL, Timeout: 5 * time.Second, Retry: hwa.RetryPolicy{Attempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	driver, err := neo4j.NewDriverWithContext(cfg.URI, neo4j.BasicAuth(cfg.User, cfg.Password, ""))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{
		driver: driver,
		store:  store, notify: &recordingNotifier{}, plan: hc, simURL: srv.URL,
		bucket:  fmt.Sprintf("docs-%d", time.Now().UnixNano()),
		results: make(chan Result, 16), errs: make(chan error, 16),
	}
	f.s3, err = s3local.Start(s3local.Config{Buckets: []string{f.bucket}, Notify: func(ctx context.Context, ev events.S3Event) {
		raw, _ := json.Marshal(ev)
		res, err := f.h.Invoke(ctx, raw)
		if err != nil {
			f.errs <- err
			return
		}
		f.results <- res
	}}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.client = f.s3.Client()
	f.h = newHandler(handlerDeps{
		objects: f.client, docs: store, topology: store, plan: hwaPlan{hc},
		embed: docs.Hashing{}, notify: f.notify,
	})
	t.Cleanup(func() {
		f.s3.Close()
		ctx := context.Background()
		f.query(t, `MATCH (d:Document {bucket: $b}) OPTIONAL MATCH (d)-[:HAS_CHUNK]->(c) DETACH DELETE c, d`, map[string]any{"b": f.bucket})
		// An empty plan removes the engine's topology.
		_, _ = store.UpsertTopology(ctx, graph.Snapshot{})
		_ = store.Close(ctx)
		_ = driver.Close(ctx)
	})
	return f
}

func (f *fixture) put(t *testing.T, key, contentType string, body []byte) {
	t.Helper()
	_, err := f.client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(f.bucket), Key: aws.String(key), Body: bytes.NewReader(body), ContentType: aws.String(contentType),
	})
	if err != nil {
		t.Fatal(err)
	}
}

// next waits for the handler's answer to the next object event.
func (f *fixture) next(t *testing.T) DocumentResult {
	t.Helper()
	select {
	case res := <-f.results:
		if len(res.Documents) != 1 {
			t.Fatalf("result %+v, want one document", res)
		}
		return res.Documents[0]
	case err := <-f.errs:
		t.Fatalf("ingest failed: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("no ingest result within 60s")
	}
	return DocumentResult{}
}

func (f *fixture) chunks(t *testing.T, id string) (texts []string, mentioned []string) {
	t.Helper()
	res := f.query(t, `
MATCH (:Document {id: $id})-[:HAS_CHUNK]->(c:Chunk)
OPTIONAL MATCH (c)-[:MENTIONS]->(n)
WITH c, collect(n.name) AS names
RETURN c.ordinal AS o, c.text AS text, names ORDER BY o`, map[string]any{"id": id})
	for _, r := range res {
		texts = append(texts, r["text"].(string))
		for _, n := range r["names"].([]any) {
			mentioned = append(mentioned, n.(string))
		}
	}
	return texts, mentioned
}

// syncPlan runs the topology sync and returns a simulator job.
func (f *fixture) syncPlan(t *testing.T) workload.Job {
	t.Helper()
	ctx := context.Background()
	if _, err := f.h.syncTopology(ctx); err != nil {
		t.Fatal(err)
	}
	jobs, err := f.plan.ListJobs(ctx, hwa.Query{MaxResults: 50})
	if err != nil || len(jobs) == 0 {
		t.Fatalf("ListJobs: %d, %v", len(jobs), err)
	}
	for _, j := range jobs {
		if !strings.ContainsAny(j.Name, "'") {
			return j
		}
	}
	return jobs[0]
}

func TestRunbookIngestReplaceDelete(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	job := f.syncPlan(t)

	key := "uploads/alice/3f1c/payroll runbook.md"
	runbook := fmt.Sprintf("# Payroll runbook\n\n## When %s abends\n\nCheck the job log for RC 12, fix the tablespace, then rerun %s.\n\n## Escalation\n\nCall the DBA on duty.\n", job.Name, job.Name)
	f.put(t, key, "text/markdown", []byte(runbook))
	res := f.next(t)
	id := graph.DocumentID(f.bucket, key)
	if res.Outcome != graph.StatusIngested || res.ID != id || res.Chunks != 2 || res.Mentions < 1 {
		t.Fatalf("result = %+v, want ingested with 2 chunks and a mention", res)
	}
	texts, mentioned := f.chunks(t, id)
	if len(texts) != 2 || !strings.Contains(texts[0], "fix the tablespace") {
		t.Errorf("chunks = %q", texts)
	}
	if !contains(mentioned, job.Name) {
		t.Errorf("chunks mention %q, want %s", mentioned, job.Name)
	}
	d, err := f.store.Document(ctx, id)
	if err != nil || d.Status != graph.StatusIngested || d.UploadedBy != "alice" || d.Name != "payroll runbook.md" || d.ContentType != "text/markdown" || d.Chunks != 2 {
		t.Errorf("document = %+v, %v", d, err)
	}
	if got := f.notify.statuses("alice"); len(got) < 2 || got[0] != "ingesting" || got[len(got)-1] != "ingested" {
		t.Errorf("pushed statuses %q, want ingesting ... ingested", got)
	}

	// Redelivery of the same event: nothing happens.
	f.s3Redeliver(t, key, d.VersionID)
	if res := f.next(t); res.Outcome != "unchanged" {
		t.Errorf("redelivered event outcome %q, want unchanged", res.Outcome)
	}

	// A re-upload of the key replaces the chunks.
	f.put(t, key, "text/markdown", []byte("# Payroll runbook\n\nOnly one paragraph now, about tape drives.\n"))
	if res := f.next(t); res.Outcome != graph.StatusIngested || res.Chunks != 1 {
		t.Fatalf("re-upload result = %+v", res)
	}
	texts, mentioned = f.chunks(t, id)
	if len(texts) != 1 || !strings.Contains(texts[0], "tape drives") || len(mentioned) != 0 {
		t.Errorf("after re-upload chunks %q mentions %q", texts, mentioned)
	}

	// Delete: the object event removes the document and its chunks.
	if _, err := f.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key)}); err != nil {
		t.Fatal(err)
	}
	if res := f.next(t); res.Outcome != "deleted" {
		t.Errorf("delete outcome %q", res.Outcome)
	}
	if _, err := f.store.Document(ctx, id); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("document after delete: %v", err)
	}
	if texts, _ := f.chunks(t, id); len(texts) != 0 {
		t.Errorf("%d chunks left after delete", len(texts))
	}
}

// s3Redeliver runs an ObjectCreated event for the current version again.
func (f *fixture) s3Redeliver(t *testing.T, key, version string) {
	t.Helper()
	ev := events.S3Event{Records: []events.S3EventRecord{{EventSource: "aws:s3", EventName: "ObjectCreated:Put",
		S3: events.S3Entity{Bucket: events.S3Bucket{Name: f.bucket}, Object: events.S3Object{Key: s3local.EncodeKey(key), VersionID: version}}}}}
	raw, _ := json.Marshal(ev)
	res, err := f.h.Invoke(context.Background(), raw)
	if err != nil {
		f.errs <- err
		return
	}
	f.results <- res
}

func TestBadDocumentsFail(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tests := []struct {
		key, contentType string
		body             []byte
		reason           string
	}{
		{"uploads/bob/1/corrupt.pdf", "application/pdf", []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage garbage\n%%EOF\n"), "PDF"},
		{"uploads/bob/2/fake.pdf", "application/pdf", []byte("this is not a pdf"), "%PDF-"},
		{"uploads/bob/3/image.md", "text/markdown", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"), "not UTF-8 text"},
		{"uploads/bob/4/broken.json", "application/json", []byte(`{"jobs": [`), "JSON"},
		{"uploads/bob/5/empty.txt", "text/plain", []byte("\n\n  \n"), "no text"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			f.put(t, tt.key, tt.contentType, tt.body)
			res := f.next(t)
			if res.Outcome != graph.StatusFailed || !strings.Contains(res.Reason, tt.reason) {
				t.Errorf("result = %+v, want failed with a reason naming %q", res, tt.reason)
			}
			id := graph.DocumentID(f.bucket, tt.key)
			d, err := f.store.Document(ctx, id)
			if err != nil || d.Status != graph.StatusFailed || d.Reason == "" || d.Chunks != 0 {
				t.Errorf("document = %+v, %v", d, err)
			}
			if texts, _ := f.chunks(t, id); len(texts) != 0 {
				t.Errorf("failed document has %d chunks", len(texts))
			}
		})
	}
	if got := f.notify.statuses("bob"); len(got) == 0 || got[len(got)-1] != graph.StatusFailed {
		t.Errorf("bob was pushed %q, want ending failed", got)
	}
}

func TestTooLargeObjectFails(t *testing.T) {
	f := newFixture(t)
	f.h = newHandler(handlerDeps{objects: f.client, docs: f.store, topology: f.store, plan: hwaPlan{f.plan}, embed: docs.Hashing{}, notify: f.notify, maxBytes: 1024})
	f.put(t, "uploads/carol/1/big.txt", "text/plain", bytes.Repeat([]byte("words "), 400))
	if res := f.next(t); res.Outcome != graph.StatusFailed || !strings.Contains(res.Reason, "larger than") {
		t.Errorf("result = %+v, want failed as too large", res)
	}
}

func TestTopologySyncFromSimulator(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.h = newHandler(handlerDeps{objects: f.client, docs: f.store, topology: f.store, plan: hwaPlan{f.plan}, embed: docs.Hashing{}, notify: f.notify, topologyBuffer: 64, fetchParallel: 4})
	res, err := f.h.syncTopology(ctx)
	if err != nil {
		t.Fatal(err)
	}
	jobs, _ := f.plan.ListJobs(ctx, hwa.Query{})
	streams, _ := f.plan.ListJobStreams(ctx, hwa.Query{})
	ws, _ := f.plan.ListWorkstations(ctx, hwa.Query{})
	if res.Jobs != len(jobs) || res.Streams != len(streams) || res.Workstations != len(ws) {
		t.Errorf("synced %d jobs, %d streams, %d workstations; simulator has %d, %d, %d", res.Jobs, res.Streams, res.Workstations, len(jobs), len(streams), len(ws))
	}
	// Every job dependency the simulator reports on a job is an edge in the graph.
	var want int
	for _, j := range jobs[:20] {
		full, err := f.plan.Job(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range full.Dependencies {
			if d.JobID != "" && d.JobID != j.ID {
				want++
			}
		}
	}
	ids := make([]any, 20)
	for i, j := range jobs[:20] {
		ids[i] = j.ID
	}
	rows := f.query(t, `MATCH (j:Job)-[:DEPENDS_ON]->(:Job) WHERE j.id IN $ids RETURN count(*) AS n`, map[string]any{"ids": ids})
	if got := int(rows[0]["n"].(int64)); got != want || want == 0 {
		t.Errorf("graph has %d job dependency edges for the first 20 jobs, simulator %d", got, want)
	}
	if res.ChangedJobs != res.Jobs || res.Edges == 0 {
		t.Errorf("first sync = %+v, want every job written with its edges", res)
	}
	// Incremental: a second sync of the unchanged plan reads the lists,
	// fetches no details and writes nothing.
	var calls []string
	var mu sync.Mutex
	counted, err := hwa.New(hwa.Config{BaseURL: f.simURL, Timeout: 5 * time.Second, Retry: hwa.RetryPolicy{Attempts: 1},
		Observe: func(c hwa.Call) { mu.Lock(); calls = append(calls, c.Pattern); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	f.h = newHandler(handlerDeps{objects: f.client, docs: f.store, topology: f.store, plan: hwaPlan{counted}, embed: docs.Hashing{}, notify: f.notify, topologyBuffer: 64, fetchParallel: 4})
	again, err := f.h.syncTopology(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantAgain := graph.SyncResult{Generation: res.Generation, Workstations: res.Workstations, Streams: res.Streams, Jobs: res.Jobs}
	if again != wantAgain {
		t.Errorf("second sync = %+v, want %+v (nothing written)", again, wantAgain)
	}
	for _, p := range calls {
		if p != "/plan/job" && p != "/plan/jobstream" && p != "/plan/workstation" {
			t.Errorf("second sync called %s; want only the list paths", p)
			break
		}
	}

	// One job held: one job written, its details fetched once.
	var held string
	for _, j := range jobs {
		if j.Priority == 0 {
			continue // held already
		}
		if _, err := f.plan.Hold(ctx, j.ID, hwa.ActionOptions{}); err == nil {
			held = j.ID
			break
		}
	}
	if held == "" {
		t.Fatal("no job of the plan could be held")
	}
	calls = nil
	third, err := f.h.syncTopology(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if third.ChangedJobs != 1 || third.ChangedStreams > 1 || third.Generation != res.Generation+1 {
		t.Errorf("sync after a hold = %+v, want one job written in generation %d", third, res.Generation+1)
	}
	if got, err := f.store.Job(ctx, held); err != nil || got.Internal != workload.InternalHold || got.Priority != 0 {
		t.Errorf("held job in the graph = %+v, %v; want it held", got, err)
	}
}

// TestSampleEvents runs every events/ingest/*.json through the handler: the
// ObjectCreated sample with its object in the S3 stand-in, the
// ObjectRemoved sample, and the topology-sync schedule.
func TestSampleEvents(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	files, err := filepath.Glob("../../events/ingest/*.json")
	if err != nil || len(files) < 3 {
		t.Fatalf("sample events: %v, %d files", err, len(files))
	}
	for _, file := range files {
		if strings.HasSuffix(file, ".expect.json") {
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			// Point the sample at this test's bucket and put its object there.
			raw = bytes.ReplaceAll(raw, []byte(`"resync-documents"`), []byte(`"`+f.bucket+`"`))
			var ev events.S3Event
			_ = json.Unmarshal(raw, &ev)
			if len(ev.Records) == 1 && strings.HasPrefix(ev.Records[0].EventName, "ObjectCreated:") {
				key := ev.Records[0].S3.Object.URLDecodedKey
				f.put(t, key, "text/markdown", []byte("# Sample runbook\n\nRerun the payroll stream after the database is back.\n"))
				<-f.results // the stand-in's own event for the put
			}
			res, err := f.h.Invoke(ctx, raw)
			if err != nil {
				t.Fatalf("Invoke(%s): %v", filepath.Base(file), err)
			}
			switch {
			case strings.Contains(file, "created"):
				if len(res.Documents) != 1 || res.Documents[0].Outcome != "unchanged" && res.Documents[0].Outcome != graph.StatusIngested {
					t.Errorf("result %+v", res)
				}
				// The sample has no version id: ingest keyed it by the ETag and ingested it once.
				d, err := f.store.Document(ctx, res.Documents[0].ID)
				if err != nil || d.Status != graph.StatusIngested || d.Chunks == 0 {
					t.Errorf("document %+v, %v", d, err)
				}
			case strings.Contains(file, "removed"):
				if len(res.Documents) != 1 || res.Documents[0].Outcome != "deleted" {
					t.Errorf("result %+v", res)
				}
				if _, err := f.store.Document(ctx, res.Documents[0].ID); !errors.Is(err, graph.ErrNotFound) {
					t.Errorf("document after removal: %v", err)
				}
			case strings.Contains(file, "topology-sync"):
				if res.Topology == nil || res.Topology.Jobs == 0 {
					t.Errorf("result %+v, want a topology sync", res)
				}
			default:
				t.Errorf("no check for sample %s", file)
			}
		})
	}
}

func TestUnknownEvents(t *testing.T) {
	h := newHandler(handlerDeps{})
	tests := []struct {
		name, event string
		wantErr     bool
	}{
		{"not json", `nope`, true},
		{"unknown shape", `{"hello": "world"}`, true},
		{"other schedule", `{"source":"aws.events","detail-type":"Scheduled Event","resources":["arn:aws:events:r:1:rule/resync-prod-health-deep"]}`, false},
		{"folder placeholder", `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"uploads/alice/","size":0}}}]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := h.Invoke(context.Background(), json.RawMessage(tt.event))
			if (err != nil) != tt.wantErr {
				t.Errorf("Invoke error = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && (res.Ignored == "" && len(res.Documents) != 0 || res.Topology != nil) {
				t.Errorf("result %+v, want nothing done", res)
			}
		})
	}
}

func TestUploaderAndVersion(t *testing.T) {
	tests := []struct {
		key, user string
	}{
		{"uploads/alice/123/x.md", "alice"},
		{"uploads/alice", ""},
		{"elsewhere/alice/1/x.md", ""},
		// admin escapes the user name (keySegment): reversed, not folded.
		{"uploads/a%2Fb/1/x.md", "a/b"},
		{"uploads/a_b/1/x.md", "a_b"},
		{"uploads/%2E%2E/1/x.md", ".."},
		{"uploads/a%zz/1/x.md", ""},
	}
	for _, tt := range tests {
		if got := uploaderOf(tt.key); got != tt.user {
			t.Errorf("uploaderOf(%q) = %q, want %q", tt.key, got, tt.user)
		}
	}
	rec := events.S3EventRecord{S3: events.S3Entity{Object: events.S3Object{ETag: `"abc"`}}}
	if got := versionOf(rec); got != "etag:abc" {
		t.Errorf("versionOf(no version) = %q", got)
	}
	rec.S3.Object.VersionID = "v9"
	if got := versionOf(rec); got != "v9" {
		t.Errorf("versionOf = %q", got)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestIngestWithTitanStandIn embeds through the Bedrock adapter (Titan v2
// via InvokeModel, real SDK, SigV4) against the Bedrock stand-in, as ingest
// does when BEDROCK_REGION and the embedding model are configured, and
// checks the stored vectors are the model's.
func TestIngestWithTitanStandIn(t *testing.T) {
	f := newFixture(t)
	sim := bedrocksim.New()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	awsCfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")}
	e, err := newEmbedder(awsCfg, settings{embedModel: bedrock.TitanEmbedV2, bedrockRegion: "eu-west-1", bedrockEndpoint: srv.URL}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := e.(*bedrock.Embedder); !ok {
		t.Fatalf("embedder is %T, want *bedrock.Embedder", e)
	}
	f.h = newHandler(handlerDeps{objects: f.client, docs: f.store, topology: f.store, plan: hwaPlan{f.plan}, embed: e, notify: f.notify})
	key := "uploads/dora/9/db.md"
	f.put(t, key, "text/markdown", []byte("# Database\n\n## Restart\n\nRestart the listener, then rerun the load.\n"))
	if res := f.next(t); res.Outcome != graph.StatusIngested || res.Chunks != 1 {
		t.Fatalf("result = %+v", res)
	}
	rows := f.query(t, `MATCH (c:Chunk {documentId: $id}) RETURN c.embedding AS e`, map[string]any{"id": graph.DocumentID(f.bucket, key)})
	if len(rows) != 1 {
		t.Fatalf("%d chunks", len(rows))
	}
	got := rows[0]["e"].([]any)
	want := bedrocksim.Embedding("Database > Restart\n\nRestart the listener, then rerun the load.", 1024, true)
	if len(got) != len(want) {
		t.Fatalf("stored %d dims, want %d", len(got), len(want))
	}
	for i := range want {
		if d := got[i].(float64) - float64(want[i]); d > 1e-6 || d < -1e-6 {
			t.Fatalf("dim %d = %v, want the model's %v", i, got[i], want[i])
		}
	}
}

func TestLoadSettingsReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"nothing", nil, []string{"NEO4J_URI is not set"}},
		{"no password", map[string]string{"NEO4J_URI": "bolt://x"}, []string{"NEO4J_PASSWORD"}},
		{"model without region", map[string]string{"NEO4J_URI": "bolt://x", "NEO4J_PASSWORD": "p", "BEDROCK_EMBED_MODEL_ID": "m"}, []string{"BEDROCK_REGION is not"}},
		{"ok", map[string]string{"NEO4J_URI": "bolt://x", "NEO4J_SECRET_ARN": "arn:aws:secretsmanager:r:1:secret:neo4j"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := loadSettings(func(k string) string { return tt.env[k] })
			if len(tt.want) == 0 {
				if err != nil || s.neo4jURI == "" {
					t.Errorf("loadSettings = %+v, %v", s, err)
				}
				return
			}
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v does not mention %q", err, w)
				}
			}
		})
	}
}

func TestPushNotifier(t *testing.T) {
	p := &fakePoster{}
	n := pushNotifier{poster: p, log: slog.New(slog.DiscardHandler)}
	n.Notify(context.Background(), "alice", frames.Event{Type: frames.TypeEvent, Kind: "ingest", Data: map[string]any{"status": "ingested"}})
	p.err = errors.New("redis down")
	n.Notify(context.Background(), "alice", frames.Event{Type: frames.TypeEvent, Kind: "ingest"}) // logged, not fatal
	if len(p.got) != 2 || p.got[0].user != "alice" {
		t.Fatalf("posted %+v", p.got)
	}
	raw, _ := json.Marshal(p.got[0].frame)
	if !strings.Contains(string(raw), `"type":"event"`) || !strings.Contains(string(raw), `"kind":"ingest"`) || !strings.Contains(string(raw), `"status":"ingested"`) {
		t.Errorf("frame %s", raw)
	}
}

type fakePoster struct {
	err error
	got []struct {
		user  string
		frame any
	}
}

func (p *fakePoster) ToUser(_ context.Context, user string, frame any) (int, error) {
	p.got = append(p.got, struct {
		user  string
		frame any
	}{user, frame})
	return 1, p.err
}
