// Package retrieve is Resync's hybrid search over runbook chunks in the
// graph. A question is answered from three ranked lists fused by reciprocal
// rank (RRF, k = 60):
//
//   - vector: the question's embedding against the cosine vector index on
//     Chunk.embedding (db.index.vector.queryNodes);
//   - full text: the question's words, escaped for Lucene, against the
//     full-text index on Chunk.text (db.index.fulltext.queryNodes);
//   - graph: the chunks linked by MENTIONS to the jobs, job streams and
//     workstations the question names, so a runbook about the job asked
//     after ranks up even when its wording differs.
//
// Only chunks of documents whose status is "ingested" are returned. Every
// value reaches Cypher as a parameter; the user's text is never spliced into
// a query.
//
// Errors: ErrInvalid for an empty or too long query, ErrUnavailable when the
// graph or the embedder cannot be reached; wrapped with the operation.
package retrieve

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/resync/resync/shared/adapter/graph"
)

// Errors, tested with errors.Is.
var (
	ErrInvalid     = errors.New("retrieve: invalid query")
	ErrUnavailable = errors.New("retrieve: search unavailable")
)

// Embedder turns texts into vectors of the index's dimension (docs.Hashing,
// *bedrock.Embedder). The query must be embedded like the chunks were.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// Graph runs parameterised reads (*graph.Store).
type Graph interface {
	Read(ctx context.Context, query string, params map[string]any) ([]*neo4j.Record, error)
}

// Limits and defaults.
const (
	DefaultLimit = 5
	MaxLimit     = 20
	MaxQuery     = 2000 // bytes
	// RRFK is the k of reciprocal rank fusion: score = Σ 1/(k + rank).
	RRFK = 60
	// candidates is how deep each list is read before fusion.
	candidates = 50
)

// Result is one chunk found.
type Result struct {
	ChunkID    string  `json:"chunkId"`
	DocumentID string  `json:"documentId"`
	Document   string  `json:"document"` // the document's name
	Section    string  `json:"section"`
	Text       string  `json:"text"`
	Score      float64 `json:"score"` // fused RRF score
	// Mentions are the plan objects named in the question that the chunk
	// is linked to.
	Mentions []string `json:"mentions,omitempty"`
}

// Searcher runs hybrid searches. It is safe for concurrent use.
type Searcher struct {
	graph Graph
	embed Embedder
}

// New returns a Searcher over g embedding queries with e.
func New(g Graph, e Embedder) *Searcher { return &Searcher{graph: g, embed: e} }

// Search returns up to limit (0: DefaultLimit, at most MaxLimit) chunks for
// query, best first. It returns ErrInvalid for an empty or too long query and
// ErrUnavailable (wrapping the cause) when the graph or embedder fails.
func (s *Searcher) Search(ctx context.Context, query string, limit int) ([]Result, error) {
	query = strings.TrimSpace(query)
	switch {
	case query == "":
		return nil, fmt.Errorf("%w: empty", ErrInvalid)
	case len(query) > MaxQuery:
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrInvalid, MaxQuery)
	}
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)

	// A store built while Neo4j was down gets its indexes on first use.
	if r, ok := s.graph.(interface{ Ready(context.Context) error }); ok {
		if err := r.Ready(ctx); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
	}
	vec, err := s.embedQuery(ctx, query)
	if err != nil {
		return nil, err
	}
	var lucene any
	if q := LuceneQuery(query); q != "" {
		lucene = q
	}
	var vecParam any
	if vec != nil {
		vecParam = vec
	}
	// One round trip for the three ranked lists; a list whose input is
	// missing (no words to embed, nothing left for Lucene, no names) is
	// empty, its procedure not called.
	recs, err := s.graph.Read(ctx, `
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
		"vectorIndex": graph.ChunkVectorIndex, "textIndex": graph.ChunkFullTextIndex, "k": int64(candidates),
		"vec": vecParam, "lucene": lucene, "names": Names(query), "ingested": graph.StatusIngested,
	})
	if err != nil {
		return nil, fmt.Errorf("retrieve: search: %w: %w", ErrUnavailable, err)
	}
	var lists [][]string
	mentions := map[string][]string{}
	if len(recs) == 1 {
		v, _ := recs[0].Get("vector")
		t, _ := recs[0].Get("text")
		lists = append(lists, asList(v), asList(t))
		g, _ := recs[0].Get("graph")
		gl, _ := g.([]any)
		ids := make([]string, 0, len(gl))
		for _, e := range gl {
			m, _ := e.(map[string]any)
			id, _ := m["id"].(string)
			ids = append(ids, id)
			mentions[id] = asList(m["named"])
		}
		lists = append(lists, ids)
	}
	fused := Fuse(lists...)
	if len(fused) > limit {
		fused = fused[:limit]
	}
	if len(fused) == 0 {
		return []Result{}, nil
	}
	ids := make([]string, len(fused))
	for i, f := range fused {
		ids[i] = f.ID
	}
	recs, err = s.graph.Read(ctx, `
UNWIND $ids AS id
MATCH (d:Document)-[:HAS_CHUNK]->(c:Chunk {id: id}) WHERE d.status = $ingested
RETURN c.id AS id, c.text AS text, c.section AS section, d.id AS doc, d.name AS name`,
		map[string]any{"ids": ids, "ingested": graph.StatusIngested})
	if err != nil {
		return nil, fmt.Errorf("retrieve: read chunks: %w: %w", ErrUnavailable, err)
	}
	byID := make(map[string]Result, len(recs))
	for _, r := range recs {
		id := str(r, "id")
		byID[id] = Result{ChunkID: id, DocumentID: str(r, "doc"), Document: str(r, "name"),
			Section: str(r, "section"), Text: str(r, "text")}
	}
	out := make([]Result, 0, len(fused))
	for _, f := range fused {
		r, ok := byID[f.ID]
		if !ok { // deleted meanwhile
			continue
		}
		r.Score = f.Score
		r.Mentions = mentions[f.ID]
		out = append(out, r)
	}
	return out, nil
}

// embedQuery returns the query's embedding as the driver wants it, or nil
// when the embedder finds no words in it (a zero vector has no direction).
func (s *Searcher) embedQuery(ctx context.Context, query string) ([]float64, error) {
	if s.embed == nil {
		return nil, nil
	}
	vecs, err := s.embed.Embed(ctx, []string{query})
	if err != nil {
		return nil, fmt.Errorf("retrieve: embed the query: %w: %w", ErrUnavailable, err)
	}
	if len(vecs) != 1 {
		return nil, fmt.Errorf("retrieve: embed the query: %w: %d vectors for one text", ErrUnavailable, len(vecs))
	}
	out := make([]float64, len(vecs[0]))
	zero := true
	for i, v := range vecs[0] {
		out[i] = float64(v)
		if v != 0 {
			zero = false
		}
	}
	if zero {
		return nil, nil
	}
	return out, nil
}

func str(r *neo4j.Record, key string) string {
	v, _ := r.Get(key)
	s, _ := v.(string)
	return s
}

func asList(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Fused is one id with its fused score.
type Fused struct {
	ID    string
	Score float64
}

// Fuse merges ranked lists of ids by reciprocal rank: each id scores
// Σ 1/(RRFK + rank) over the lists it appears in (rank from 1; a repeat
// within one list counts once, at its best rank). The result is sorted by
// score, ties by first appearance.
func Fuse(lists ...[]string) []Fused {
	score := map[string]float64{}
	var order []string
	for _, l := range lists {
		seen := map[string]bool{}
		for i, id := range l {
			if seen[id] || id == "" {
				continue
			}
			seen[id] = true
			if _, ok := score[id]; !ok {
				order = append(order, id)
			}
			score[id] += 1 / float64(RRFK+i+1)
		}
	}
	out := make([]Fused, len(order))
	for i, id := range order {
		out[i] = Fused{ID: id, Score: score[id]}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Score > out[b].Score })
	return out
}

// Names returns the words of a question that may name a job, job stream or
// workstation, as written and upper-cased (plan names are upper case; a
// question may say pay_load).
func Names(query string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(w string) {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	for _, w := range graph.MentionCandidates(query) {
		add(w)
		add(strings.ToUpper(w))
	}
	return out
}

// stopWords are left out of the full-text query: the index's analyzer keeps
// them, and they would match every chunk.
var stopWords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "at": true, "be": true, "by": true,
	"can": true, "do": true, "does": true, "for": true, "from": true, "how": true, "i": true,
	"if": true, "in": true, "is": true, "it": true, "me": true, "my": true, "of": true, "on": true,
	"or": true, "should": true, "the": true, "there": true, "this": true, "to": true, "we": true,
	"what": true, "when": true, "where": true, "which": true, "who": true, "why": true,
	"will": true, "with": true, "you": true, "our": true, "about": true, "not": true, "no": true,
	"runbook": true, "runbooks": true,
}

// LuceneQuery turns free text into a Lucene query that matches any of its
// words: each word is escaped (every Lucene operator character gets a
// backslash, and AND/OR/NOT lose their meaning by being lower-cased), stop
// words are dropped, at most 32 terms are kept. "" when no word is left.
func LuceneQuery(text string) string {
	words := strings.FieldsFunc(text, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("_-#.@/", r))
	})
	var terms []string
	seen := map[string]bool{}
	for _, w := range words {
		w = strings.Trim(w, ".-/")
		lw := strings.ToLower(w)
		if lw == "" || stopWords[lw] || seen[lw] {
			continue
		}
		seen[lw] = true
		terms = append(terms, EscapeLucene(lw))
		if len(terms) == 32 {
			break
		}
	}
	return strings.Join(terms, " ")
}

// EscapeLucene backslash-escapes every character with a meaning in Lucene's
// query syntax, so s is searched for as written.
func EscapeLucene(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`+-&|!(){}[]^"~*?:\/`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
