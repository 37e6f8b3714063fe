package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// SectionRef names one section of an ingested document: its heading path
// ("" before any heading) and how many chunks it spans.
type SectionRef struct {
	DocumentID string `json:"documentId"`
	Document   string `json:"document"` // the document's name
	Section    string `json:"section"`
	Chunks     int    `json:"chunks"`
}

// SectionText is the text of one section: its chunks in order, joined by
// blank lines.
type SectionText struct {
	SectionRef
	Text string `json:"text"`
}

// Sections lists the sections of the ingested documents, newest document
// first and in document order within each, at most limit (default 200, at
// most 1000). Errors: ErrInvalid, ErrUnavailable.
func (s *Store) Sections(ctx context.Context, limit int) ([]SectionRef, error) {
	if limit <= 0 {
		limit = 200
	}
	if limit > 1000 {
		return nil, fmt.Errorf("graph: list sections: %w: limit %d above 1000", ErrInvalid, limit)
	}
	res, err := s.read(ctx, `
MATCH (d:Document {status: $ingested})-[:HAS_CHUNK]->(c:Chunk)
WITH d, coalesce(c.section, '') AS section, min(c.ordinal) AS first, count(c) AS chunks
ORDER BY d.updatedAt DESC, d.id, first
RETURN d.id AS id, d.name AS name, section, chunks LIMIT $limit`, map[string]any{"ingested": StatusIngested, "limit": int64(limit)})
	if err != nil {
		return nil, fmt.Errorf("graph: list sections: %w", err)
	}
	out := make([]SectionRef, 0, len(res.Records))
	for _, rec := range res.Records {
		out = append(out, sectionRef(rec))
	}
	return out, nil
}

// Section returns the text of section of document documentID. It returns
// ErrNotFound when the document is not ingested or has no such section,
// ErrUnavailable when Neo4j is down.
func (s *Store) Section(ctx context.Context, documentID, section string) (SectionText, error) {
	res, err := s.read(ctx, `
MATCH (d:Document {id: $id, status: $ingested})-[:HAS_CHUNK]->(c:Chunk)
WHERE coalesce(c.section, '') = $section
WITH d, c ORDER BY c.ordinal
RETURN d.id AS id, d.name AS name, $section AS section, count(c) AS chunks, collect(c.text) AS texts`,
		map[string]any{"id": documentID, "section": section, "ingested": StatusIngested})
	if err != nil {
		return SectionText{}, fmt.Errorf("graph: get section %q of %s: %w", section, documentID, err)
	}
	if len(res.Records) == 0 {
		return SectionText{}, fmt.Errorf("graph: get section %q of %s: %w", section, documentID, ErrNotFound)
	}
	rec := res.Records[0]
	v, _ := rec.Get("texts")
	parts, _ := v.([]any)
	texts := make([]string, 0, len(parts))
	for _, p := range parts {
		if t, ok := p.(string); ok {
			texts = append(texts, t)
		}
	}
	return SectionText{SectionRef: sectionRef(rec), Text: strings.Join(texts, "\n\n")}, nil
}

func sectionRef(rec *neo4j.Record) SectionRef {
	str := func(k string) string { v, _ := rec.Get(k); s, _ := v.(string); return s }
	n, _ := rec.Get("chunks")
	chunks, _ := n.(int64)
	return SectionRef{DocumentID: str("id"), Document: str("name"), Section: str("section"), Chunks: int(chunks)}
}
