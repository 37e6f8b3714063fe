// Package runbook holds what Resync knows about runbook passages, free of
// any store: the three ranked lists a hybrid search fuses, the passage a
// search returns, and the rule for which words of a text may name a plan
// object (MentionCandidates), shared by ingestion (which links chunks to the
// jobs they mention) and search (which ranks the chunks linked to the names
// a question gives).
package runbook

import (
	"context"
	"strings"
	"unicode"
)

// Query is one hybrid search as the index runs it: each list is skipped when
// its input is missing (no vector, no Lucene text, no names).
type Query struct {
	// Vector is the question's embedding; nil skips the vector list.
	Vector []float64
	// Lucene is an escaped full-text query; "" skips the text list.
	Lucene string
	// Names are the plan object names the question may give.
	Names []string
	// K is how deep each list is read.
	K int
}

// Mention is a chunk linked to plan objects named in the question.
type Mention struct {
	ChunkID string
	Names   []string
}

// Ranking is the three ranked lists of a Query, best first, over chunks of
// ingested documents only.
type Ranking struct {
	Vector []string // chunk ids by vector similarity
	Text   []string // chunk ids by full-text score
	Graph  []Mention
}

// Passage is one chunk with its document.
type Passage struct {
	ChunkID    string
	DocumentID string
	Document   string // the document's name
	Section    string
	Text       string
}

// Index is a store that ranks and reads chunks (the graph adapter).
type Index interface {
	Rank(ctx context.Context, q Query) (Ranking, error)
	// Passages returns the passages of ids that still belong to an
	// ingested document, in no particular order.
	Passages(ctx context.Context, ids []string) ([]Passage, error)
}

// MentionCandidates returns the words of text that may name a job, job
// stream or workstation: runs of letters, digits and _ - @ # . (HWA object
// names), as written and with their # and . separated parts (WS#STREAM.JOB),
// deduplicated, at most 256. Matching is exact against the names in the
// graph, so ordinary words only link to an object of that very name.
func MentionCandidates(text string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(w string) {
		w = strings.Trim(w, ".-")
		if len(w) < 2 || seen[w] || len(out) >= 256 {
			return
		}
		hasUpperOrDigit := false
		for _, r := range w {
			if unicode.IsUpper(r) || unicode.IsDigit(r) || r == '_' {
				hasUpperOrDigit = true
				break
			}
		}
		if !hasUpperOrDigit { // plan names are upper case; skip plain lower-case words
			return
		}
		seen[w] = true
		out = append(out, w)
	}
	for _, w := range strings.FieldsFunc(text, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("_-@#.", r))
	}) {
		add(w)
		if strings.ContainsAny(w, "#.") {
			for _, part := range strings.FieldsFunc(w, func(r rune) bool { return r == '#' || r == '.' }) {
				add(part)
			}
		}
	}
	return out
}
