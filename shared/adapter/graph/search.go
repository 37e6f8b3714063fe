package graph

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/resync/resync/shared/domain/runbook"
)

// Rank runs the three ranked lists of a hybrid search in one round trip:
// vector similarity on the chunk embedding index, full-text score on the
// chunk text index and the chunks linked by MENTIONS to the named jobs,
// streams and workstations. A list whose input is missing is empty and its
// procedure is not called. Only chunks of ingested documents are ranked.
// A store built while Neo4j was down gets its indexes first. Errors wrap
// ErrUnavailable when Neo4j cannot be reached.
func (s *Store) Rank(ctx context.Context, q runbook.Query) (runbook.Ranking, error) {
	if err := s.Ready(ctx); err != nil {
		return runbook.Ranking{}, err
	}
	var vec, lucene any
	if q.Vector != nil {
		vec = q.Vector
	}
	if q.Lucene != "" {
		lucene = q.Lucene
	}
	names := q.Names
	if names == nil {
		names = []string{}
	}
	recs, err := s.Read(ctx, `
CALL () {
  WITH $vec AS v WHERE v IS NOT NULL
  CALL db.index.vector.queryNodes($vectorIndex, $k, v) YIELD node, score
  MATCH (d:Document {id: node.documentId}) WHERE d.status = $ingested
  WITH node, score ORDER BY score DESC
  RETURN collect(node.id) AS vector
}
CALL () {
  WITH $lucene AS q WHERE q IS NOT NULL
  CALL db.index.fulltext.queryNodes($textIndex, q, {limit: $k}) YIELD node, score
  MATCH (d:Document {id: node.documentId}) WHERE d.status = $ingested
  WITH node, score ORDER BY score DESC
  RETURN collect(node.id) AS text
}
CALL () {
  CALL () {
    MATCH (n:Job) WHERE n.name IN $names RETURN n
    UNION MATCH (n:JobStream) WHERE n.name IN $names RETURN n
    UNION MATCH (n:Workstation) WHERE n.name IN $names RETURN n
  }
  MATCH (c:Chunk)-[:MENTIONS]->(n)
  MATCH (d:Document {id: c.documentId}) WHERE d.status = $ingested
  WITH c, collect(DISTINCT n.name) AS named
  ORDER BY size(named) DESC, c.documentId, c.ordinal LIMIT $k
  RETURN collect({id: c.id, named: named}) AS graph
}
RETURN vector, text, graph`, map[string]any{
		"vectorIndex": ChunkVectorIndex, "textIndex": ChunkFullTextIndex, "k": int64(q.K),
		"vec": vec, "lucene": lucene, "names": names, "ingested": StatusIngested,
	})
	if err != nil {
		return runbook.Ranking{}, fmt.Errorf("graph: rank chunks: %w", err)
	}
	var out runbook.Ranking
	if len(recs) != 1 {
		return out, nil
	}
	v, _ := recs[0].Get("vector")
	t, _ := recs[0].Get("text")
	out.Vector, out.Text = stringList(v), stringList(t)
	g, _ := recs[0].Get("graph")
	gl, _ := g.([]any)
	for _, e := range gl {
		m, _ := e.(map[string]any)
		id, _ := m["id"].(string)
		out.Graph = append(out.Graph, runbook.Mention{ChunkID: id, Names: stringList(m["named"])})
	}
	return out, nil
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
