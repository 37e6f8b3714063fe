package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/resync/resync/shared/domain/runbook"
)

// Documents in the graph:
//
//	(:Document {id, bucket, key, versionId, name, contentType, status, reason,
//	            chunks, bytes, uploadedBy, createdAt, updatedAt})
//	  -[:HAS_CHUNK]->(:Chunk {id, documentId, ordinal, text, section, embedding})
//	(:Chunk)-[:MENTIONS]->(:Job|:JobStream|:Workstation)
//
// A document's id is DocumentID(bucket, key): a re-upload of the same key
// replaces the document. Its chunks are written in one transaction with the
// document, so a reader sees all of a version's chunks or none.

// Document statuses.
const (
	StatusPending   = "pending"
	StatusIngesting = "ingesting"
	StatusIngested  = "ingested"
	StatusFailed    = "failed"
)

// ErrStale means a document write lost to a newer version or a delete.
var ErrStale = errors.New("document changed meanwhile")

// Document is one uploaded file.
type Document struct {
	ID          string    `json:"id"`
	Bucket      string    `json:"bucket"`
	Key         string    `json:"key"`
	VersionID   string    `json:"versionId"` // S3 version id, or "etag:<etag>" in an unversioned bucket
	Name        string    `json:"name"`
	ContentType string    `json:"contentType"`
	Status      string    `json:"status"`
	Reason      string    `json:"reason,omitempty"`
	Chunks      int       `json:"chunks"`
	Bytes       int64     `json:"bytes"`
	UploadedBy  string    `json:"uploadedBy,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	// Sequencer is the S3 event sequencer of the object change this
	// version came from (optional); a claim or removal carrying an older
	// sequencer than the stored one is ignored, so events delivered out of
	// order cannot bring back an older version.
	Sequencer string `json:"-"`
}

// sequencerKey makes S3 sequencers comparable as strings: upper-case and
// right-padded with zeros (as S3's documentation says to compare them).
func sequencerKey(seq string) string {
	if seq == "" {
		return ""
	}
	seq = strings.ToUpper(seq)
	if len(seq) < 64 {
		seq += strings.Repeat("0", 64-len(seq))
	}
	return seq
}

// DocumentChunk is one chunk to store with its embedding.
type DocumentChunk struct {
	Ordinal   int
	Section   string
	Text      string
	Embedding []float32
}

// DocumentID is the stable id of the object bucket/key.
func DocumentID(bucket, key string) string {
	sum := sha256.Sum256([]byte(bucket + "\x00" + key))
	return "doc-" + hex.EncodeToString(sum[:16])
}

// ChunkID is the id of a document's chunk.
func ChunkID(documentID string, ordinal int) string {
	return fmt.Sprintf("%s-%05d", documentID, ordinal)
}

// ClaimDocument records that d (its ID, bucket, key and version set) is
// being ingested and reports whether the caller should go on. It returns
// false when this very version is already ingested or failed (a redelivered
// event), so each version is processed once, and when d.Sequencer is older
// than the change the document already holds (an event out of order). The previous version's chunks
// stay until WriteDocument replaces them. Errors: ErrInvalid, ErrUnavailable.
func (s *Store) ClaimDocument(ctx context.Context, d Document) (bool, error) {
	if d.ID == "" || d.VersionID == "" {
		return false, fmt.Errorf("graph: claim document: %w: id and version are required", ErrInvalid)
	}
	res, err := s.write(ctx, `
MERGE (d:Document {id: $id})
ON CREATE SET d.createdAt = $now, d.status = $pending
WITH d, (d.versionId = $version AND d.status IN [$ingested, $failed])
  OR ($seq <> '' AND d.sequencer IS NOT NULL AND d.sequencer > $seq) AS done
FOREACH (_ IN CASE WHEN done THEN [] ELSE [1] END |
  SET d += $props, d.status = $ingesting, d.reason = null, d.updatedAt = $now,
      d.sequencer = CASE WHEN $seq = '' THEN d.sequencer ELSE $seq END)
RETURN done`, map[string]any{
		"id": d.ID, "version": d.VersionID, "now": s.now().UTC(), "props": documentProps(d), "seq": sequencerKey(d.Sequencer),
		"pending": StatusPending, "ingesting": StatusIngesting, "ingested": StatusIngested, "failed": StatusFailed,
	})
	if err != nil {
		return false, fmt.Errorf("graph: claim document %s: %w", d.ID, err)
	}
	done, _ := res.Records[0].Get("done")
	b, _ := done.(bool)
	return !b, nil
}

// WriteResult counts what WriteDocument stored.
type WriteResult struct {
	Chunks   int
	Mentions int // MENTIONS edges to jobs, streams and workstations
}

// WriteDocument stores the chunks of the claimed version d.VersionID of
// document d.ID in one transaction: it removes the document's previous
// chunks, creates the new ones (in UNWIND batches), links each chunk to the
// jobs, job streams and workstations whose names it contains, and marks the
// document ingested. It returns ErrStale (and writes nothing) when the
// document was deleted or a newer version claimed it meanwhile, ErrInvalid
// for an embedding of the wrong size, ErrUnavailable when Neo4j is down.
func (s *Store) WriteDocument(ctx context.Context, d Document, chunks []DocumentChunk) (WriteResult, error) {
	for i, c := range chunks {
		if len(c.Embedding) != s.dims {
			return WriteResult{}, fmt.Errorf("graph: write document %s: %w: chunk %d has %d dimensions, want %d", d.ID, ErrInvalid, i, len(c.Embedding), s.dims)
		}
	}
	// Rows are built per batch, so a large document's vectors are held
	// twice (float32 and the driver's float64: Bolt has only 64-bit
	// floats, and the driver packs []float64 without reflection) one batch
	// at a time.
	rowsOf := func(batch []DocumentChunk) []map[string]any {
		rows := make([]map[string]any, len(batch))
		for i, c := range batch {
			emb := make([]float64, len(c.Embedding))
			for j, v := range c.Embedding {
				emb[j] = float64(v)
			}
			rows[i] = map[string]any{
				"id": ChunkID(d.ID, c.Ordinal), "ordinal": int64(c.Ordinal), "text": c.Text,
				"section": c.Section, "embedding": emb, "names": runbook.MentionCandidates(c.Text),
			}
		}
		return rows
	}
	session := s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeWrite, DatabaseName: s.database})
	defer session.Close(context.WithoutCancel(ctx))
	out, err := session.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		var res WriteResult
		now := s.now().UTC()
		r, err := tx.Run(ctx, `
MATCH (d:Document {id: $id}) WHERE d.versionId = $version
OPTIONAL MATCH (d)-[:HAS_CHUNK]->(c:Chunk)
DETACH DELETE c
RETURN count(DISTINCT d) AS n`, map[string]any{"id": d.ID, "version": d.VersionID})
		if err != nil {
			return res, err
		}
		rec, err := r.Single(ctx)
		if err != nil {
			return res, err
		}
		if n, _ := rec.Get("n"); n != int64(1) {
			return res, ErrStale
		}
		// The chunks are new (the previous version's were deleted above),
		// so they are CREATEd, not MERGEd. The vector is stored with
		// db.create.setNodeVectorProperty, as a float32 array: half the
		// bytes of SET's float64 list in the store and the transaction log,
		// and half the decoding when the commit feeds the vector index.
		batch := min(s.batchSize, maxChunkBatch)
		for start := 0; start < len(chunks); start += batch {
			end := min(start+batch, len(chunks))
			r, err := tx.Run(ctx, `
MATCH (d:Document {id: $id})
UNWIND $rows AS row
CREATE (d)-[:HAS_CHUNK]->(c:Chunk {id: row.id, documentId: $id, ordinal: row.ordinal, text: row.text, section: row.section})
WITH c, row
CALL db.create.setNodeVectorProperty(c, 'embedding', row.embedding)
CALL (c, row) {
  UNWIND row.names AS name
  CALL (name) {
    MATCH (n:Job {name: name}) RETURN n
    UNION MATCH (n:JobStream {name: name}) RETURN n
    UNION MATCH (n:Workstation {name: name}) RETURN n
  }
  MERGE (c)-[:MENTIONS]->(n)
  RETURN count(*) AS m
}
RETURN count(c) AS chunks, sum(m) AS mentions`, map[string]any{"id": d.ID, "rows": rowsOf(chunks[start:end])})
			if err != nil {
				return res, err
			}
			rec, err := r.Single(ctx)
			if err != nil {
				return res, err
			}
			c, _ := rec.Get("chunks")
			m, _ := rec.Get("mentions")
			cn, _ := c.(int64)
			mn, _ := m.(int64)
			res.Chunks += int(cn)
			res.Mentions += int(mn)
		}
		props := documentProps(d)
		_, err = tx.Run(ctx, `
MATCH (d:Document {id: $id})
SET d += $props, d.status = $status, d.reason = null, d.chunks = $chunks, d.updatedAt = $now`,
			map[string]any{"id": d.ID, "props": props, "status": StatusIngested, "chunks": int64(len(chunks)), "now": now})
		return res, err
	})
	if err != nil {
		if errors.Is(err, ErrStale) {
			return WriteResult{}, fmt.Errorf("graph: write document %s version %s: %w", d.ID, d.VersionID, ErrStale)
		}
		return WriteResult{}, fmt.Errorf("graph: write document %s: %w", d.ID, translate(err))
	}
	return out.(WriteResult), nil
}

// maxChunkBatch bounds the chunks of one UNWIND write: a document of up to
// 500 chunks (ingest's usual size) is one statement, about 4.6 MB of
// parameters at 1,024 dimensions.
const maxChunkBatch = 500

// MarkDocumentFailed marks version of document id failed with reason (a
// sentence safe to show) and removes its chunks, in one transaction. It
// returns ErrStale when the document is gone or another version claimed it.
func (s *Store) MarkDocumentFailed(ctx context.Context, id, version, reason string) error {
	res, err := s.write(ctx, `
MATCH (d:Document {id: $id}) WHERE d.versionId = $version
OPTIONAL MATCH (d)-[:HAS_CHUNK]->(c:Chunk)
DETACH DELETE c
WITH DISTINCT d
SET d.status = $failed, d.reason = $reason, d.chunks = 0, d.updatedAt = $now
RETURN count(d) AS n`, map[string]any{"id": id, "version": version, "failed": StatusFailed, "reason": reason, "now": s.now().UTC()})
	if err != nil {
		return fmt.Errorf("graph: mark document %s failed: %w", id, err)
	}
	if countOf(res.Records) != 1 {
		return fmt.Errorf("graph: mark document %s failed: %w", id, ErrStale)
	}
	return nil
}

// DeleteDocument removes a document and its chunks. Deleting a document
// that is not there is not an error; the result says whether one was.
func (s *Store) DeleteDocument(ctx context.Context, id string) (bool, error) {
	res, err := s.write(ctx, `
MATCH (d:Document {id: $id})
OPTIONAL MATCH (d)-[:HAS_CHUNK]->(c:Chunk)
DETACH DELETE c
WITH DISTINCT d
DETACH DELETE d
RETURN count(*) AS n`, map[string]any{"id": id})
	if err != nil {
		return false, fmt.Errorf("graph: delete document %s: %w", id, err)
	}
	return countOf(res.Records) > 0, nil
}

// RemoveDocument removes a document on an object-removed event whose S3
// sequencer is seq: unless the document holds a later change (a re-upload
// whose event came first). An empty seq removes it unconditionally. The
// result says whether a document was removed.
func (s *Store) RemoveDocument(ctx context.Context, id, seq string) (bool, error) {
	res, err := s.write(ctx, `
MATCH (d:Document {id: $id}) WHERE $seq = '' OR d.sequencer IS NULL OR d.sequencer < $seq
OPTIONAL MATCH (d)-[:HAS_CHUNK]->(c:Chunk)
DETACH DELETE c
WITH DISTINCT d
DETACH DELETE d
RETURN count(*) AS n`, map[string]any{"id": id, "seq": sequencerKey(seq)})
	if err != nil {
		return false, fmt.Errorf("graph: remove document %s: %w", id, err)
	}
	return countOf(res.Records) > 0, nil
}

// DeleteDocumentVersion removes a document only while it still holds
// version (empty: any), so a late ObjectRemoved of an old version does not
// delete a newer upload of the same key.
func (s *Store) DeleteDocumentVersion(ctx context.Context, id, version string) (bool, error) {
	if version == "" {
		return s.DeleteDocument(ctx, id)
	}
	res, err := s.write(ctx, `
MATCH (d:Document {id: $id}) WHERE d.versionId = $version
OPTIONAL MATCH (d)-[:HAS_CHUNK]->(c:Chunk)
DETACH DELETE c
WITH DISTINCT d
DETACH DELETE d
RETURN count(*) AS n`, map[string]any{"id": id, "version": version})
	if err != nil {
		return false, fmt.Errorf("graph: delete document %s: %w", id, err)
	}
	return countOf(res.Records) > 0, nil
}

// DocumentFilter selects documents to list.
type DocumentFilter struct {
	UploadedBy string // empty: everyone's
	Limit      int    // default 100, at most 1000
}

// Documents lists documents, newest first, with their status and the number
// of chunks the graph holds for each.
func (s *Store) Documents(ctx context.Context, f DocumentFilter) ([]Document, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	if f.Limit > 1000 {
		return nil, fmt.Errorf("graph: list documents: %w: limit %d above 1000", ErrInvalid, f.Limit)
	}
	res, err := s.read(ctx, `
MATCH (d:Document) WHERE $user = '' OR d.uploadedBy = $user
WITH d ORDER BY d.updatedAt DESC, d.id LIMIT $limit
RETURN d, COUNT { (d)-[:HAS_CHUNK]->(:Chunk) } AS chunks`, map[string]any{"user": f.UploadedBy, "limit": int64(f.Limit)})
	if err != nil {
		return nil, fmt.Errorf("graph: list documents: %w", err)
	}
	out := make([]Document, 0, len(res.Records))
	for _, rec := range res.Records {
		out = append(out, documentFromRecord(rec))
	}
	return out, nil
}

// Document returns one document with its chunk count. It returns ErrNotFound
// when there is none with that id.
func (s *Store) Document(ctx context.Context, id string) (Document, error) {
	res, err := s.read(ctx, `
MATCH (d:Document {id: $id})
RETURN d, COUNT { (d)-[:HAS_CHUNK]->(:Chunk) } AS chunks`, map[string]any{"id": id})
	if err != nil {
		return Document{}, fmt.Errorf("graph: get document %s: %w", id, err)
	}
	if len(res.Records) == 0 {
		return Document{}, fmt.Errorf("graph: get document %s: %w", id, ErrNotFound)
	}
	return documentFromRecord(res.Records[0]), nil
}

// MaxSections bounds the chunks DocumentSections returns.
const MaxSections = 2000

// Section is one chunk of a document as a reader sees it: its place, the
// heading path it falls under and its text (no embedding).
type Section struct {
	Ordinal int    `json:"ordinal"`
	Section string `json:"section"`
	Text    string `json:"text"`
}

// DocumentSections returns the chunks of document id in their order (at
// most MaxSections). It returns ErrNotFound when there is no such
// document, and the driver's error, wrapped.
func (s *Store) DocumentSections(ctx context.Context, id string) ([]Section, error) {
	res, err := s.read(ctx, `
MATCH (d:Document {id: $id})
OPTIONAL MATCH (d)-[:HAS_CHUNK]->(c:Chunk)
WITH d, c ORDER BY c.ordinal
RETURN d.id AS id, [x IN collect(c) | {ordinal: x.ordinal, section: x.section, text: x.text}][0..$max] AS chunks`,
		map[string]any{"id": id, "max": int64(MaxSections)})
	if err != nil {
		return nil, fmt.Errorf("graph: document %s sections: %w", id, err)
	}
	if len(res.Records) == 0 {
		return nil, fmt.Errorf("graph: document %s sections: %w", id, ErrNotFound)
	}
	raw, _ := res.Records[0].Get("chunks")
	list, _ := raw.([]any)
	out := make([]Section, 0, len(list))
	for _, x := range list {
		m, _ := x.(map[string]any)
		out = append(out, Section{Ordinal: int(propInt(m, "ordinal")), Section: propStr(m, "section"), Text: propStr(m, "text")})
	}
	return out, nil
}

func documentFromRecord(rec *neo4j.Record) Document {
	v, _ := rec.Get("d")
	n, _ := v.(neo4j.Node)
	p := n.Props
	c, _ := rec.Get("chunks")
	chunks, _ := c.(int64)
	return Document{
		ID: propStr(p, "id"), Bucket: propStr(p, "bucket"), Key: propStr(p, "key"),
		VersionID: propStr(p, "versionId"), Name: propStr(p, "name"), ContentType: propStr(p, "contentType"),
		Status: propStr(p, "status"), Reason: propStr(p, "reason"), Chunks: int(chunks),
		Bytes: propInt(p, "bytes"), UploadedBy: propStr(p, "uploadedBy"),
		CreatedAt: propTime(p, "createdAt"), UpdatedAt: propTime(p, "updatedAt"),
	}
}

// documentProps are the properties a claim or write sets; empty strings
// are left out so they do not erase what an earlier step stored.
func documentProps(d Document) map[string]any {
	p := map[string]any{"bucket": d.Bucket, "key": d.Key, "versionId": d.VersionID, "bytes": d.Bytes}
	for k, v := range map[string]string{"name": d.Name, "contentType": d.ContentType, "uploadedBy": d.UploadedBy} {
		if v != "" {
			p[k] = v
		}
	}
	return p
}
