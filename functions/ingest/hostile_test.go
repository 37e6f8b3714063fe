package main

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/app/docs"
)

// memObjects serves objects from memory (the objectReader seam).
type memObjects map[string][]byte

func (m memObjects) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	data := m[aws.ToString(in.Key)]
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(data)), ContentLength: aws.Int64(int64(len(data)))}, nil
}

// memDocs records what the handler writes (the docStore seam).
type memDocs struct {
	mu      sync.Mutex
	failed  map[string]string // id -> reason
	written map[string]int    // id -> chunks
}

func (m *memDocs) ClaimDocument(context.Context, graph.Document) (bool, error) { return true, nil }

func (m *memDocs) WriteDocument(_ context.Context, d graph.Document, chunks []graph.DocumentChunk) (graph.WriteResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.written[d.ID] = len(chunks)
	return graph.WriteResult{Chunks: len(chunks)}, nil
}

func (m *memDocs) MarkDocumentFailed(_ context.Context, id, _, reason string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failed[id] = reason
	return nil
}

func (m *memDocs) RemoveDocument(context.Context, string, string) (bool, error) { return false, nil }

// s3Created is the ObjectCreated event of one object.
func s3Created(bucket, key string, size int) json.RawMessage {
	ev := events.S3Event{Records: []events.S3EventRecord{{
		EventSource: "aws:s3", EventName: "ObjectCreated:Put",
		S3: events.S3Entity{Bucket: events.S3Bucket{Name: bucket}, Object: events.S3Object{Key: key, Size: int64(size), ETag: "e"}},
	}}}
	raw, _ := json.Marshal(ev)
	return raw
}

// TestHostileDocumentsEndFailed uploads documents that hit each limit and
// requires each to end failed, in the store and in the result, with the
// limit's reason, and nothing written.
func TestHostileDocumentsEndFailed(t *testing.T) {
	var inner, outer bytes.Buffer
	zw := zlib.NewWriter(&inner)
	line := []byte("(" + strings.Repeat("A", 120) + ") Tj T*\n")
	for range (64 << 20) / len(line) {
		_, _ = zw.Write(line)
	}
	_ = zw.Close()
	zw = zlib.NewWriter(&outer)
	_, _ = zw.Write(inner.Bytes())
	_ = zw.Close()
	bomb := pdfOf(fmt.Sprintf("<< /Length %d /Filter [/FlateDecode /FlateDecode] >>\nstream\n%s\nendstream", outer.Len(), outer.Bytes()))

	objects := memObjects{
		"uploads/eve/1/bomb.pdf":   bomb,
		"uploads/eve/2/notes.txt":  append([]byte(strings.Repeat("release notes\n", 60)), "PK\x03\x04\x14\x00\x00\x00"...),
		"uploads/eve/3/rows.csv":   append([]byte(strings.Repeat("h", 4096)+"\n"), bytes.Repeat([]byte("x\n"), 4096)...),
		"uploads/eve/4/slow.md":    []byte("# Title\n\ntext"),
		"uploads/eve/5/fine.md":    []byte("# Runbook\n\nRerun PAYROLL_LOAD."),
		"uploads/eve/6/latin1.txt": append([]byte(strings.Repeat("rerun\n", 100)), "caf\xe9"...),
	}
	store := &memDocs{failed: map[string]string{}, written: map[string]int{}}
	h := newHandler(handlerDeps{objects: objects, docs: store, embed: docs.Hashing{}, notify: &recordingNotifier{},
		limits: docs.Limits{MaxTextBytes: 1 << 20}})
	slow := newHandler(handlerDeps{objects: objects, docs: store, embed: docs.Hashing{}, notify: &recordingNotifier{},
		limits: docs.Limits{MaxTime: time.Nanosecond}})
	tests := []struct {
		key    string
		h      *handler
		reason string // "" when the document must be ingested
	}{
		{"uploads/eve/1/bomb.pdf", h, "expands to more than 32 MiB"},
		{"uploads/eve/2/notes.txt", h, "binary data"},
		{"uploads/eve/3/rows.csv", h, "more than 1 MiB of text"},
		{"uploads/eve/4/slow.md", slow, "took longer than"},
		{"uploads/eve/5/fine.md", h, ""},
		{"uploads/eve/6/latin1.txt", h, "not UTF-8 text"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			res, err := tt.h.Invoke(context.Background(), s3Created("docs", tt.key, len(objects[tt.key])))
			if err != nil || len(res.Documents) != 1 {
				t.Fatalf("Invoke = %+v, %v; want one document", res, err)
			}
			d := res.Documents[0]
			id := graph.DocumentID("docs", tt.key)
			store.mu.Lock()
			stored, failed := store.failed[id]
			_, written := store.written[id]
			store.mu.Unlock()
			if tt.reason == "" {
				if d.Outcome != graph.StatusIngested || failed || !written {
					t.Fatalf("result %+v (failed %v, written %v), want ingested", d, failed, written)
				}
				return
			}
			if d.Outcome != graph.StatusFailed || !strings.Contains(d.Reason, tt.reason) {
				t.Errorf("result %+v, want failed with a reason naming %q", d, tt.reason)
			}
			if !failed || stored != d.Reason || written {
				t.Errorf("store: failed %v with %q, written %v; want failed with %q and nothing written", failed, stored, written, d.Reason)
			}
		})
	}
}

// pdfOf is a one-page PDF whose content stream object is content.
func pdfOf(content string) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		content,
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
