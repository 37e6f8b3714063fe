package graph

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"golang.org/x/sync/errgroup"

	"github.com/resync/resync/shared/domain/runbook"
)

// Rank runs the three ranked lists of a hybrid search: vector similarity on
// the chunk embedding index, full-text score on the chunk text index and
// the chunks linked by MENTIONS to the named jobs, streams and
// workstations. Each list is its own bounded query (top K of its index),
// and the three run at once, each in its own read transaction, so a search
// costs its slowest list rather than the sum of the three; the caller fuses
// them. A list whose input is missing is empty and its query is not sent.
// Only chunks of ingested documents are ranked, and only ids (and the names
// a chunk mentions) come back, never a chunk's text. A store built while
// Neo4j was down gets its indexes first. Errors wrap ErrUnavailable when
// Neo4j cannot be reached.
func (s *Store) Rank(ctx context.Context, q runbook.Query) (runbook.Ranking, error) {
	if err := s.Ready(ctx); err != nil {
		return runbook.Ranking{}, err
	}
	var out runbook.Ranking
	g, gctx := errgroup.WithContext(ctx)
	// idList runs one index query returning chunk ids, best first, into dst.
	idList := func(what string, dst *[]string, query string, params map[string]any) {
		params["ingested"] = StatusIngested
		g.Go(func() error {
			recs, err := s.Read(gctx, query+`
MATCH (d:Document {id: node.documentId}) WHERE d.status = $ingested
RETURN node.id AS id ORDER BY score DESC`, params)
			if err != nil {
				return fmt.Errorf("%s list: %w", what, err)
			}
			*dst = chunkIDs(recs)
			return nil
		})
	}
	if q.Vector != nil {
		idList("vector", &out.Vector, `CALL db.index.vector.queryNodes($index, $k, $vec) YIELD node, score`,
			map[string]any{"index": ChunkVectorIndex, "k": int64(q.K), "vec": q.Vector})
	}
	if q.Lucene != "" {
		idList("full-text", &out.Text, `CALL db.index.fulltext.queryNodes($index, $q, {limit: $k}) YIELD node, score`,
			map[string]any{"index": ChunkFullTextIndex, "k": int64(q.K), "q": q.Lucene})
	}
	if len(q.Names) > 0 {
		g.Go(func() error {
			recs, err := s.Read(gctx, `
CALL () {
  MATCH (n:Job) WHERE n.name IN $names RETURN n
  UNION MATCH (n:JobStream) WHERE n.name IN $names RETURN n
  UNION MATCH (n:Workstation) WHERE n.name IN $names RETURN n
}
MATCH (c:Chunk)-[:MENTIONS]->(n)
MATCH (d:Document {id: c.documentId}) WHERE d.status = $ingested
WITH c, collect(DISTINCT n.name) AS named
ORDER BY size(named) DESC, c.documentId, c.ordinal LIMIT $k
RETURN c.id AS id, named`, map[string]any{"k": int64(q.K), "names": q.Names, "ingested": StatusIngested})
			if err != nil {
				return fmt.Errorf("graph list: %w", err)
			}
			for _, r := range recs {
				named, _ := r.Get("named")
				out.Graph = append(out.Graph, runbook.Mention{ChunkID: recString(r, "id"), Names: stringList(named)})
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return runbook.Ranking{}, fmt.Errorf("graph: rank chunks: %w", err)
	}
	return out, nil
}

// chunkIDs returns the id column of recs, in order.
func chunkIDs(recs []*neo4j.Record) []string {
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		if id := recString(r, "id"); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// Passages returns the chunks of ids that still belong to an ingested
// document, with the document's id and name, in no particular order.
func (s *Store) Passages(ctx context.Context, ids []string) ([]runbook.Passage, error) {
	if len(ids) == 0 {
		return []runbook.Passage{}, nil
	}
	recs, err := s.Read(ctx, `
UNWIND $ids AS id
MATCH (d:Document)-[:HAS_CHUNK]->(c:Chunk {id: id}) WHERE d.status = $ingested
RETURN c.id AS id, c.text AS text, c.section AS section, d.id AS doc, d.name AS name`,
		map[string]any{"ids": ids, "ingested": StatusIngested})
	if err != nil {
		return nil, fmt.Errorf("graph: read chunks: %w", err)
	}
	out := make([]runbook.Passage, 0, len(recs))
	for _, r := range recs {
		out = append(out, runbook.Passage{ChunkID: recString(r, "id"), DocumentID: recString(r, "doc"),
			Document: recString(r, "name"), Section: recString(r, "section"), Text: recString(r, "text")})
	}
	return out, nil
}

// stringList returns the string elements of a list value.
func stringList(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func recString(r *neo4j.Record, key string) string {
	v, _ := r.Get(key)
	s, _ := v.(string)
	return s
}
