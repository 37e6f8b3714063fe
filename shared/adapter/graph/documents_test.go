package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"
)

// testDoc is a document in its own bucket so parallel tests never share ids;
// cleanup removes it.
func testDoc(t *testing.T, s *Store, key string) Document {
	t.Helper()
	bucket := fmt.Sprintf("bucket-%s-%d", t.Name(), time.Now().UnixNano())
	d := Document{ID: DocumentID(bucket, key), Bucket: bucket, Key: key, VersionID: "v1", Name: key, ContentType: "text/markdown", Bytes: 42, UploadedBy: "alice"}
	t.Cleanup(func() { _, _ = s.DeleteDocument(context.Background(), d.ID) })
	return d
}

func vec(dims int, hot int) []float32 {
	v := make([]float32, dims)
	v[hot%dims] = 1
	return v
}

func chunkCount(t *testing.T, s *Store, docID string) (chunks, mentions int) {
	t.Helper()
	res, err := s.read(context.Background(), `
OPTIONAL MATCH (c:Chunk {documentId: $id})
OPTIONAL MATCH (c)-[m:MENTIONS]->()
RETURN count(DISTINCT c) AS c, count(m) AS m`, map[string]any{"id": docID})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := res.Records[0].Get("c")
	m, _ := res.Records[0].Get("m")
	return int(c.(int64)), int(m.(int64))
}

func TestDocumentLifecycle(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	// A plan with a job, a stream and a workstation for MENTIONS.
	p := newTestPlan(fmt.Sprintf("D%d-", time.Now().UnixNano()%1e9))
	if _, err := s.UpsertTopology(ctx, p.snap); err != nil {
		t.Fatal(err)
	}
	p.snap.Jobs[0].Name = fmt.Sprintf("PAYROLL_LOAD_%d", time.Now().UnixNano())
	if _, err := s.UpsertTopology(ctx, p.snap); err != nil {
		t.Fatal(err)
	}
	job := p.snap.Jobs[0]
	d := testDoc(t, s, "uploads/alice/1/runbook.md")

	ok, err := s.ClaimDocument(ctx, d)
	if err != nil || !ok {
		t.Fatalf("ClaimDocument = %v, %v; want true", ok, err)
	}
	got, err := s.Document(ctx, d.ID)
	if err != nil || got.Status != StatusIngesting {
		t.Fatalf("after claim Document = %+v, %v; want ingesting", got, err)
	}
	chunks := []DocumentChunk{
		{Ordinal: 0, Section: "Runbook", Text: "When " + job.Name + " abends, rerun it.", Embedding: vec(s.dims, 1)},
		{Ordinal: 1, Section: "Runbook > Escalation", Text: "Call the DBA; nothing named here.", Embedding: vec(s.dims, 2)},
	}
	res, err := s.WriteDocument(ctx, d, chunks)
	if err != nil {
		t.Fatal(err)
	}
	if res.Chunks != 2 || res.Mentions < 1 {
		t.Errorf("WriteDocument = %+v, want 2 chunks and a mention", res)
	}
	if c, m := chunkCount(t, s, d.ID); c != 2 || m != res.Mentions {
		t.Errorf("graph holds %d chunks, %d mentions; want 2, %d", c, m, res.Mentions)
	}
	// The chunk mentioning the job is linked to it.
	r, err := s.read(ctx, `MATCH (c:Chunk {documentId: $id})-[:MENTIONS]->(j:Job {id: $job}) RETURN c.ordinal AS n`, map[string]any{"id": d.ID, "job": job.ID})
	if err != nil || len(r.Records) != 1 {
		t.Fatalf("MENTIONS of job %s: %d records, %v", job.Name, len(r.Records), err)
	}
	secs, err := s.DocumentSections(ctx, d.ID)
	if err != nil || len(secs) != 2 || secs[0] != (Section{0, "Runbook", chunks[0].Text}) || secs[1] != (Section{1, "Runbook > Escalation", chunks[1].Text}) {
		t.Errorf("DocumentSections = %+v, %v; want the two chunks in order", secs, err)
	}
	if _, err := s.DocumentSections(ctx, "doc-none"); !errors.Is(err, ErrNotFound) {
		t.Errorf("DocumentSections of no document = %v, want ErrNotFound", err)
	}
	got, _ = s.Document(ctx, d.ID)
	if got.Status != StatusIngested || got.Chunks != 2 || got.VersionID != "v1" || got.UploadedBy != "alice" || got.CreatedAt.IsZero() {
		t.Errorf("Document = %+v", got)
	}

	// The same version again: nothing to do.
	if ok, err := s.ClaimDocument(ctx, d); err != nil || ok {
		t.Errorf("second ClaimDocument of v1 = %v, %v; want false", ok, err)
	}

	// A new version replaces the chunks.
	d2 := d
	d2.VersionID = "v2"
	if ok, err := s.ClaimDocument(ctx, d2); err != nil || !ok {
		t.Fatalf("ClaimDocument(v2) = %v, %v", ok, err)
	}
	// A late write of v1 is stale and changes nothing.
	if _, err := s.WriteDocument(ctx, d, chunks); !errors.Is(err, ErrStale) {
		t.Errorf("stale WriteDocument error = %v, want ErrStale", err)
	}
	if _, err := s.WriteDocument(ctx, d2, chunks[1:]); err != nil {
		t.Fatal(err)
	}
	if c, m := chunkCount(t, s, d.ID); c != 1 || m != 0 {
		t.Errorf("after re-upload %d chunks, %d mentions; want 1, 0", c, m)
	}

	// Listing shows it with its status and count.
	list, err := s.Documents(ctx, DocumentFilter{UploadedBy: "alice", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(list, func(x Document) bool { return x.ID == d.ID })
	if i < 0 || list[i].Chunks != 1 || list[i].Status != StatusIngested || list[i].VersionID != "v2" {
		t.Errorf("Documents lacks %s with 1 chunk: %+v", d.ID, list)
	}

	// A failed version leaves no chunk.
	d3 := d
	d3.VersionID = "v3"
	if _, err := s.ClaimDocument(ctx, d3); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkDocumentFailed(ctx, d.ID, "v3", "the file is not a readable PDF"); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Document(ctx, d.ID)
	if c, _ := chunkCount(t, s, d.ID); c != 0 || got.Status != StatusFailed || got.Reason == "" || got.Chunks != 0 {
		t.Errorf("after failure: %d chunks, %+v", c, got)
	}
	if ok, _ := s.ClaimDocument(ctx, d3); ok {
		t.Errorf("a failed version was claimed again")
	}

	// Delete of an old version leaves the newer one; delete of the current removes all.
	if gone, err := s.DeleteDocumentVersion(ctx, d.ID, "v1"); err != nil || gone {
		t.Errorf("DeleteDocumentVersion(v1) = %v, %v; want false", gone, err)
	}
	if gone, err := s.DeleteDocument(ctx, d.ID); err != nil || !gone {
		t.Errorf("DeleteDocument = %v, %v; want true", gone, err)
	}
	if _, err := s.Document(ctx, d.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Document after delete: %v, want ErrNotFound", err)
	}
	if gone, err := s.DeleteDocument(ctx, d.ID); err != nil || gone {
		t.Errorf("second DeleteDocument = %v, %v; want false, nil", gone, err)
	}
	// A write after the delete is stale and resurrects nothing.
	if _, err := s.WriteDocument(ctx, d2, chunks); !errors.Is(err, ErrStale) {
		t.Errorf("WriteDocument after delete = %v, want ErrStale", err)
	}
	if c, _ := chunkCount(t, s, d.ID); c != 0 {
		t.Errorf("%d chunks after delete", c)
	}
}

func TestEventsOutOfOrder(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	d := testDoc(t, s, "k")
	newer := d
	newer.VersionID, newer.Sequencer = "v2", "0055B1"
	if ok, err := s.ClaimDocument(ctx, newer); err != nil || !ok {
		t.Fatalf("claim v2 = %v, %v", ok, err)
	}
	// The older upload's event arrives later: ignored (shorter sequencers are right-padded).
	older := d
	older.VersionID, older.Sequencer = "v1", "0055A"
	if ok, err := s.ClaimDocument(ctx, older); err != nil || ok {
		t.Errorf("claim of an older change = %v, %v; want false", ok, err)
	}
	// A removal older than the document's change leaves it; a newer one removes it.
	if gone, err := s.RemoveDocument(ctx, d.ID, "0055A9"); err != nil || gone {
		t.Errorf("RemoveDocument(older) = %v, %v; want false", gone, err)
	}
	if got, err := s.Document(ctx, d.ID); err != nil || got.VersionID != "v2" {
		t.Errorf("document = %+v, %v; want v2", got, err)
	}
	if gone, err := s.RemoveDocument(ctx, d.ID, "0055C0"); err != nil || !gone {
		t.Errorf("RemoveDocument(newer) = %v, %v; want true", gone, err)
	}
}

func TestWriteDocumentRefusesWrongDimensions(t *testing.T) {
	s := newTestStore(t)
	d := testDoc(t, s, "k")
	if _, err := s.ClaimDocument(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	_, err := s.WriteDocument(context.Background(), d, []DocumentChunk{{Text: "x", Embedding: make([]float32, 3)}})
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("error = %v, want ErrInvalid", err)
	}
}

// BenchmarkWriteDocumentChunks writes chunks=N chunks with their vectors
// (1,024 dimensions) as documents of 500 chunks, one transaction each, as
// ingest does, and reports chunks/s. Issue 14's target: >= 5,000 chunks/s.
func BenchmarkWriteDocumentChunks(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run("chunks="+strconv.Itoa(n), func(b *testing.B) {
			s := newTestStore(b)
			ctx := context.Background()
			const perDoc = 500
			chunks := make([]DocumentChunk, perDoc)
			for i := range chunks {
				chunks[i] = DocumentChunk{Ordinal: i, Section: "Bench > Step", Text: fmt.Sprintf("Step %d: when JOB_%d abends check the log and rerun.", i, i), Embedding: vec(s.dims, i)}
			}
			bucket := fmt.Sprintf("bench-%d", time.Now().UnixNano())
			docs := make([]Document, n/perDoc)
			for i := range docs {
				docs[i] = Document{ID: DocumentID(bucket, strconv.Itoa(i)), Bucket: bucket, Key: strconv.Itoa(i)}
			}
			b.Cleanup(func() {
				for _, d := range docs {
					_, _ = s.DeleteDocument(ctx, d.ID)
				}
			})
			for v := 0; b.Loop(); v++ {
				for _, d := range docs {
					d.VersionID = fmt.Sprintf("v%d", v)
					if _, err := s.ClaimDocument(ctx, d); err != nil {
						b.Fatal(err)
					}
					if _, err := s.WriteDocument(ctx, d, chunks); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "chunks/s")
		})
	}
}
