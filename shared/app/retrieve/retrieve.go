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

	"github.com/resync/resync/shared/domain/runbook"
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
	index runbook.Index
	embed Embedder
}

// New returns a Searcher over the chunks of x (*graph.Store) embedding
// queries with e.
func New(x runbook.Index, e Embedder) *Searcher { return &Searcher{index: x, embed: e} }

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

	vec, err := s.embedQuery(ctx, query)
	if err != nil {
		return nil, err
	}
	// The three ranked lists (each bounded to candidates, queried at
	// once by the index); a list whose input is missing (no words to
	// embed, nothing left for Lucene, no names) is empty. They are fused
	// here, not in Cypher.
	ranked, err := s.index.Rank(ctx, runbook.Query{Vector: vec, Lucene: LuceneQuery(query), Names: Names(query), K: candidates})
	if err != nil {
		return nil, fmt.Errorf("retrieve: search: %w: %w", ErrUnavailable, err)
	}
	mentions := make(map[string][]string, len(ranked.Graph))
	ids := make([]string, 0, len(ranked.Graph))
	for _, m := range ranked.Graph {
		ids = append(ids, m.ChunkID)
		mentions[m.ChunkID] = m.Names
	}
	fused := Fuse(ranked.Vector, ranked.Text, ids)
	if len(fused) > limit {
		fused = fused[:limit]
	}
	if len(fused) == 0 {
		return []Result{}, nil
	}
	ids = make([]string, len(fused))
	for i, f := range fused {
		ids[i] = f.ID
	}
	passages, err := s.index.Passages(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("retrieve: read chunks: %w: %w", ErrUnavailable, err)
	}
	byID := make(map[string]runbook.Passage, len(passages))
	for _, p := range passages {
		byID[p.ChunkID] = p
	}
	out := make([]Result, 0, len(fused))
	for _, f := range fused {
		p, ok := byID[f.ID]
		if !ok { // deleted meanwhile
			continue
		}
		out = append(out, Result{ChunkID: p.ChunkID, DocumentID: p.DocumentID, Document: p.Document,
			Section: p.Section, Text: p.Text, Score: f.Score, Mentions: mentions[f.ID]})
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
	for _, w := range runbook.MentionCandidates(query) {
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
