package workload

import (
	"sort"
	"strings"

	"github.com/hbollon/go-edlib"
)

// StatusWord is what one status word an operator or a model types means: a
// common status, an internal status, or (for "failed") a set of statuses.
// One of its fields is set.
type StatusWord struct {
	Common   CommonStatus
	Internal InternalStatus
	// Failed: in error by Job.Failed (ABEND, ABENP, FAIL, ERROR or common
	// ERROR), what "failed" means to an operator.
	Failed bool
	// Label is how an answer names the set: "in error", "abended", "HOLD".
	Label string
}

// Matches reports whether j is in the set the word names.
func (w StatusWord) Matches(j Job) bool {
	switch {
	case w.Failed:
		return j.Failed()
	case w.Internal != "":
		return j.Internal == w.Internal
	case w.Common != "":
		return j.Common == w.Common
	}
	return true
}

// statusSynonyms are the words operators use for statuses, beyond the
// vendor's values themselves. Internal values typed as they are (HOLD,
// EXEC, SUCC) keep their internal meaning.
var statusSynonyms = map[string]StatusWord{
	"failed": {Failed: true, Label: "in error"}, "failure": {Failed: true, Label: "in error"},
	"failures": {Failed: true, Label: "in error"}, "failing": {Failed: true, Label: "in error"},
	"errors": {Failed: true, Label: "in error"}, "errored": {Failed: true, Label: "in error"},
	"abended": {Internal: InternalAbend, Label: "abended"}, "abends": {Internal: InternalAbend, Label: "abended"},
	"abending": {Internal: InternalAbend, Label: "abended"},
	"running":  {Common: CommonRunning, Label: "running"}, "executing": {Common: CommonRunning, Label: "running"},
	"held": {Common: CommonHeld, Label: "held"}, "waiting": {Common: CommonWaiting, Label: "waiting"},
	"pending": {Common: CommonWaiting, Label: "waiting"}, "queued": {Common: CommonWaiting, Label: "waiting"},
	"successful": {Common: CommonSuccessful, Label: "successful"}, "succeeded": {Common: CommonSuccessful, Label: "successful"},
	"success": {Common: CommonSuccessful, Label: "successful"}, "completed": {Common: CommonSuccessful, Label: "successful"},
	"cancelled": {Common: CommonCanceled, Label: "canceled"}, "canceled": {Common: CommonCanceled, Label: "canceled"},
}

// ParseStatus reads one status word in any case: a common status (ERROR,
// RUNNING, HELD …), an internal status (ABEND, EXEC, HOLD, SUCC …) or an
// operator's word for one ("failed", "abended", "running", "on hold" is not
// one word and is the caller's to read). A word that is both a common and an
// internal value (ERROR, READY) is the common one. ok is false for anything
// else: callers suggest with SuggestStatus instead of guessing.
func ParseStatus(s string) (StatusWord, bool) {
	up := strings.ToUpper(strings.TrimSpace(s))
	if up == "" {
		return StatusWord{}, false
	}
	if up == "ERROR" {
		return StatusWord{Failed: true, Label: "in error"}, true
	}
	if c := CommonStatus(up); c.Valid() {
		return StatusWord{Common: c, Label: strings.ToLower(up)}, true
	}
	if i := InternalStatus(up); i.Valid() {
		return StatusWord{Internal: i, Label: up}, true
	}
	if w, ok := statusSynonyms[strings.ToLower(up)]; ok {
		return w, true
	}
	return StatusWord{}, false
}

// StatusWords lists every word ParseStatus knows, lower case.
func StatusWords() []string {
	var out []string
	for _, c := range CommonStatuses() {
		out = append(out, strings.ToLower(string(c)))
	}
	for _, i := range InternalStatuses() {
		out = append(out, strings.ToLower(string(i)))
	}
	for w := range statusSynonyms {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

// SuggestStatus returns the status words closest to a misspelled one (at
// most Damerau-Levenshtein distance 1 for words of up to 5 letters, 2 for
// longer ones), nearest first.
func SuggestStatus(s string) []string {
	return Nearest(strings.ToLower(strings.TrimSpace(s)), StatusWords())
}

// MaxEdits is how far a misspelling may be from the word it stands for: one
// edit (a letter dropped, added, changed or two swapped) for words of up to
// five letters, two for longer ones.
func MaxEdits(word string) int {
	n := len([]rune(word))
	switch {
	case n < 4:
		return 0
	case n <= 5:
		return 1
	}
	return 2
}

// Nearest returns the candidates within MaxEdits(word) of word, nearest
// first (then alphabetically). Comparison ignores case. The distance is
// optimal string alignment (Damerau-Levenshtein without repeated edits of a
// substring), so "abneded" is one edit from "abended".
func Nearest(word string, candidates []string) []string {
	limit := MaxEdits(word)
	if limit == 0 {
		return nil
	}
	w := strings.ToLower(word)
	type hit struct {
		s string
		d int
	}
	var hits []hit
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if lc == w || abs(len(lc)-len(w)) > limit {
			continue
		}
		if d := Distance(w, lc); d <= limit {
			hits = append(hits, hit{c, d})
		}
	}
	sort.Slice(hits, func(a, b int) bool {
		if hits[a].d != hits[b].d {
			return hits[a].d < hits[b].d
		}
		return hits[a].s < hits[b].s
	})
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.s
	}
	return out
}

// Distance is the optimal-string-alignment edit distance between a and b
// (case-sensitive): the measure Nearest and MaxEdits speak of.
func Distance(a, b string) int { return edlib.OSADamerauLevenshteinDistance(a, b) }

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
