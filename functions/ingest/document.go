package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/app/docs"
	"github.com/resync/resync/shared/domain/frames"
)

// maxObjectBytes caps what ingest reads of one object.
const maxObjectBytes = docs.MaxBytes

// UploadPrefix is where admin's presigned uploads put objects:
// uploads/<user>/<upload id>/<file name>.
const UploadPrefix = "uploads/"

// objectReader reads an object (*s3.Client).
type objectReader interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// objectKey returns the decoded key of a record.
func objectKey(rec events.S3EventRecord) string {
	if rec.S3.Object.URLDecodedKey != "" {
		return rec.S3.Object.URLDecodedKey
	}
	if k, err := url.QueryUnescape(rec.S3.Object.Key); err == nil {
		return k
	}
	return rec.S3.Object.Key
}

// uploaderOf returns the user of an uploads/<user>/<id>/<name> key.
func uploaderOf(key string) string {
	rest, ok := strings.CutPrefix(key, UploadPrefix)
	if !ok {
		return ""
	}
	seg, _, ok := strings.Cut(rest, "/")
	if !ok {
		return ""
	}
	// admin escapes the user name into the segment (url.PathEscape), so
	// that "a/b" and "a_b" are different uploaders.
	user, err := url.PathUnescape(seg)
	if err != nil {
		return ""
	}
	return user
}

// versionOf is the object version a document records: the S3 version id,
// or the ETag in an unversioned bucket (same content, same version).
func versionOf(rec events.S3EventRecord) string {
	if v := rec.S3.Object.VersionID; v != "" {
		return v
	}
	return "etag:" + strings.Trim(rec.S3.Object.ETag, `"`)
}

// ingestObject claims the object's version, reads, parses, chunks and embeds
// it, and writes it. A document that cannot be read as a supported type
// ends failed with a reason; transient failures are returned for a retry.
func (h *handler) ingestObject(ctx context.Context, rec events.S3EventRecord) (DocumentResult, error) {
	bucket, key := rec.S3.Bucket.Name, objectKey(rec)
	doc := graph.Document{
		ID: graph.DocumentID(bucket, key), Bucket: bucket, Key: key, VersionID: versionOf(rec),
		Name: path.Base(key), Bytes: rec.S3.Object.Size, UploadedBy: uploaderOf(key),
		Sequencer: rec.S3.Object.Sequencer,
	}
	res := DocumentResult{ID: doc.ID, Key: key}
	log := h.log.With("document", doc.ID, "key", key, "version", doc.VersionID)
	ok, err := h.docs.ClaimDocument(ctx, doc)
	if err != nil {
		return res, fmt.Errorf("ingest: %s: %w", key, err)
	}
	if !ok {
		log.InfoContext(ctx, "document version already processed, or superseded by a later change")
		res.Outcome = "unchanged"
		return res, nil
	}
	h.progress(ctx, doc, graph.StatusIngesting, map[string]any{"step": "reading"})

	data, contentType, err := h.read(ctx, rec, bucket, key)
	if err != nil {
		var de *docs.Error
		if errors.As(err, &de) {
			return h.fail(ctx, doc, err)
		}
		return res, err
	}
	doc.Bytes = int64(len(data))
	t, err := docs.Detect(doc.Name, contentType, data[:min(len(data), 512)])
	if err != nil {
		return h.fail(ctx, doc, err)
	}
	doc.ContentType = string(t)
	// A hostile document (a decompression bomb, a header repeated on every
	// row) stops at a limit of h.limits and ends failed with its reason.
	blocks, err := h.limits.Parse(ctx, t, data)
	if err != nil {
		return h.fail(ctx, doc, err)
	}
	pieces := docs.Split(blocks, docs.ChunkOptions{})
	h.progress(ctx, doc, graph.StatusIngesting, map[string]any{"step": "embedding", "chunks": len(pieces)})

	chunks := make([]graph.DocumentChunk, len(pieces))
	for start := 0; start < len(pieces); start += h.embedBatch {
		end := min(start+h.embedBatch, len(pieces))
		texts := make([]string, 0, end-start)
		for _, p := range pieces[start:end] {
			texts = append(texts, embeddingText(p))
		}
		vecs, err := h.embed.Embed(ctx, texts)
		if err != nil {
			return res, fmt.Errorf("ingest: %s: embed chunks %d-%d: %w", key, start, end, err)
		}
		if len(vecs) != len(texts) {
			return res, fmt.Errorf("ingest: %s: embedder returned %d vectors for %d texts", key, len(vecs), len(texts))
		}
		for i, p := range pieces[start:end] {
			chunks[start+i] = graph.DocumentChunk{Ordinal: p.Ordinal, Section: p.Section, Text: p.Text, Embedding: vecs[i]}
		}
		if len(pieces) > 4*h.embedBatch && (start/h.embedBatch)%4 == 3 {
			h.progress(ctx, doc, graph.StatusIngesting, map[string]any{"step": "embedding", "chunks": len(pieces), "embedded": end})
		}
	}
	wr, err := h.docs.WriteDocument(ctx, doc, chunks)
	if errors.Is(err, graph.ErrStale) {
		log.InfoContext(ctx, "document changed while ingesting; this version's write dropped")
		res.Outcome = "stale"
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("ingest: %s: %w", key, err)
	}
	log.InfoContext(ctx, "document ingested", "type", doc.ContentType, "bytes", doc.Bytes, "chunks", wr.Chunks, "mentions", wr.Mentions)
	h.progress(ctx, doc, graph.StatusIngested, map[string]any{"chunks": wr.Chunks, "mentions": wr.Mentions})
	res.Outcome, res.Chunks, res.Mentions = graph.StatusIngested, wr.Chunks, wr.Mentions
	return res, nil
}

// embeddingText is what is embedded for a chunk: its section path, then its text.
func embeddingText(c docs.Chunk) string {
	if c.Section == "" {
		return c.Text
	}
	return c.Section + "\n\n" + c.Text
}

// read gets the object's bytes (at most maxBytes) and declared content type.
// A missing or oversized object is a *docs.Error (the document fails);
// other errors are transient.
func (h *handler) read(ctx context.Context, rec events.S3EventRecord, bucket, key string) ([]byte, string, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if v := rec.S3.Object.VersionID; v != "" {
		in.VersionId = aws.String(v)
	}
	out, err := h.objects.GetObject(ctx, in)
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) {
			return nil, "", &docs.Error{Kind: docs.ErrCorrupt, Reason: "the uploaded object no longer exists", Err: err}
		}
		return nil, "", fmt.Errorf("ingest: get object %s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	if n := aws.ToInt64(out.ContentLength); n > h.maxBytes {
		return nil, "", &docs.Error{Kind: docs.ErrTooLarge, Reason: fmt.Sprintf("the file is larger than %d MB", h.maxBytes>>20)}
	}
	data, err := io.ReadAll(io.LimitReader(out.Body, h.maxBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("ingest: read object %s/%s: %w", bucket, key, err)
	}
	if int64(len(data)) > h.maxBytes {
		return nil, "", &docs.Error{Kind: docs.ErrTooLarge, Reason: fmt.Sprintf("the file is larger than %d MB", h.maxBytes>>20)}
	}
	return data, aws.ToString(out.ContentType), nil
}

// fail records the document as failed with the error's safe reason.
func (h *handler) fail(ctx context.Context, doc graph.Document, cause error) (DocumentResult, error) {
	reason := docs.Reason(cause)
	res := DocumentResult{ID: doc.ID, Key: doc.Key, Outcome: graph.StatusFailed, Reason: reason}
	var limit string
	if de := (*docs.Error)(nil); errors.As(cause, &de) {
		limit = de.Limit
	}
	h.log.InfoContext(ctx, "document failed", "document", doc.ID, "key", doc.Key, "reason", reason, "limit", limit, "err", cause.Error())
	if err := h.docs.MarkDocumentFailed(ctx, doc.ID, doc.VersionID, reason); err != nil {
		if errors.Is(err, graph.ErrStale) {
			res.Outcome = "stale"
			return res, nil
		}
		return res, fmt.Errorf("ingest: %s: %w", doc.Key, err)
	}
	h.progress(ctx, doc, graph.StatusFailed, map[string]any{"reason": reason})
	return res, nil
}

// removeObject deletes the document of a removed object. A versioned
// bucket's ObjectRemoved carries the delete marker's version, not the
// document's, so the document goes whatever version it holds — unless it
// holds a later change than this event's (events out of order).
func (h *handler) removeObject(ctx context.Context, rec events.S3EventRecord) (DocumentResult, error) {
	bucket, key := rec.S3.Bucket.Name, objectKey(rec)
	id := graph.DocumentID(bucket, key)
	gone, err := h.docs.RemoveDocument(ctx, id, rec.S3.Object.Sequencer)
	if err != nil {
		return DocumentResult{}, fmt.Errorf("ingest: delete %s: %w", key, err)
	}
	if !gone {
		h.log.InfoContext(ctx, "object removal changed nothing (no document, or a later upload)", "document", id, "key", key)
	}
	h.log.InfoContext(ctx, "document deleted", "document", id, "key", key)
	h.progress(ctx, graph.Document{ID: id, Key: key, Name: path.Base(key), UploadedBy: uploaderOf(key)}, "deleted", nil)
	return DocumentResult{ID: id, Key: key, Outcome: "deleted"}, nil
}

// progress pushes an ingest event to the uploader's connections.
func (h *handler) progress(ctx context.Context, doc graph.Document, status string, extra map[string]any) {
	if doc.UploadedBy == "" {
		return
	}
	data := map[string]any{"documentId": doc.ID, "name": doc.Name, "status": status}
	for k, v := range extra {
		data[k] = v
	}
	h.notify.Notify(ctx, doc.UploadedBy, frames.Event{Type: frames.TypeEvent, Kind: "ingest", At: h.now().UTC(), Data: data})
}
