package offline

import (
	"strings"
	"unicode"
)

// tokenize splits text into tokens, keeping quoted parts as names and
// marking clause boundaries.
func tokenize(text string) []token {
	s := strings.NewReplacer("“", `"`, "”", `"`, "‘", "'", "’", "'", "`", `"`, "«", `"`, "»", `"`).Replace(text)
	var toks []token
	clause := 0
	// A question typed in capitals ("WHICH JOBS FAILED OVERNIGHT?") has no
	// names by case: only by shape (PAY_LOAD, JOB1, STREAM.JOB).
	shouting := strings.ToUpper(s) == s && len(strings.Fields(s)) > 2
	add := func(raw string, quoted bool) {
		if raw == "" {
			return
		}
		t := token{raw: raw, word: strings.ToLower(raw), clause: clause, quoted: quoted}
		t.name = quoted || nameLike(raw)
		if t.name && shouting && !quoted && !strings.ContainsAny(raw, "_#.0123456789") {
			t.name = false
		}
		toks = append(toks, t)
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				i++
				continue
			}
			add(strings.Join(strings.Fields(s[i+1:i+1+j]), "_"), true)
			i += j + 2
		case c == '\'' && (i == 0 || s[i-1] == ' ' || s[i-1] == '('):
			if k := closingQuote(s, i); k > 0 {
				add(strings.Join(strings.Fields(s[i+1:k]), "_"), true)
				i = k + 1
				continue
			}
			i++
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.IndexByte("?!;,:()[]{}", c) >= 0:
			if strings.IndexByte("?!;,:", c) >= 0 {
				clause++
			}
			i++
		default:
			j := i
			for j < len(s) && strings.IndexByte(" \t\n\r\"?!;,:()[]{}", s[j]) < 0 {
				j++
			}
			raw := s[i:j]
			i = j
			end := false
			for strings.HasSuffix(raw, ".") {
				raw, end = raw[:len(raw)-1], true
			}
			raw = strings.TrimLeft(raw, "'.-")
			raw = strings.TrimRight(raw, "'-")
			if strings.HasSuffix(strings.ToLower(raw), "'s") {
				raw = raw[:len(raw)-2]
			}
			add(raw, false)
			if end {
				clause++
			}
		}
	}
	return toks
}

// closingQuote finds the quote closing the single quote at i: one followed
// by the end, a space or punctuation, with something in between.
func closingQuote(s string, i int) int {
	for k := i + 1; k < len(s); k++ {
		if s[k] != '\'' {
			continue
		}
		if k == i+1 {
			return -1
		}
		if k+1 == len(s) || strings.IndexByte(" \t\n?!.,;:)", s[k+1]) >= 0 {
			return k
		}
	}
	return -1
}

// nameLike reports whether a word as typed looks like an HWA name or id
// rather than English: it has an underscore, '#', a letter next to digits,
// a STREAM.JOB dot, or it is written in capitals.
func nameLike(raw string) bool {
	if uuidPattern.MatchString(raw) {
		return true
	}
	if len(raw) < 2 || unitPattern.MatchString(strings.ToLower(raw)) {
		return false
	}
	lower := strings.ToLower(raw)
	if vocabulary[lower] || acronyms[lower] {
		return false
	}
	if strings.Contains(raw, "#") || strings.Contains(raw, ".") {
		for _, p := range strings.FieldsFunc(raw, func(r rune) bool { return r == '#' || r == '.' }) {
			if !namePartPatten.MatchString(p) {
				return false
			}
		}
		return true
	}
	if !namePartPatten.MatchString(raw) {
		return false
	}
	if strings.ContainsAny(raw, "_*@") {
		return true
	}
	letters, digits, upper := 0, 0, 0
	for _, r := range raw {
		switch {
		case unicode.IsDigit(r):
			digits++
		case unicode.IsLetter(r):
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	if letters > 0 && digits > 0 {
		return true
	}
	return letters >= 2 && upper == letters
}

// acronyms are capitalised words that are not names.
var acronyms = setOf("hwa", "id", "ids", "rc", "utc", "ok", "sla", "eta", "fyi", "asap", "api", "ws",
	"fta", "jcl", "cpu", "tws", "iwa", "it", "i", "a", "q", "pls", "plz", "thx", "sop", "kb", "now", "status", "summary")

// stopWords are English words that are never names even after "job".
var stopWords = setOf(
	"a", "an", "the", "this", "that", "these", "those", "it", "its", "it's", "is", "are", "was", "were",
	"be", "been", "being", "do", "does", "did", "has", "have", "had", "of", "in", "on", "at", "for",
	"to", "from", "by", "with", "and", "or", "not", "no", "me", "my", "i", "you", "your", "we", "our",
	"us", "they", "them", "their", "what", "what's", "whats", "which", "who", "why", "how", "how's",
	"when", "where", "there", "here", "all", "any", "each", "every", "some", "many", "much", "more",
	"most", "please", "pls", "can", "could", "would", "will", "should", "shall", "may", "might",
	"must", "show", "list", "give", "tell", "get", "find", "see", "check", "about", "now", "right",
	"currently", "current", "today", "tonight", "latest", "last", "first", "next", "previous",
	"same", "other", "one", "ones", "job", "jobs", "stream", "streams", "jobstream", "jobstreams",
	"workstation", "workstations", "plan", "so", "also", "just", "only", "than", "then", "if",
	"else", "up", "out", "over", "into", "as", "like", "ok", "okay", "thanks", "thank", "hi",
	"hello", "hey", "yes", "named", "called", "again", "still", "yet", "lines", "line", "top",
	"name", "names", "id", "whole", "entire", "new", "old", "big", "main", "my", "mine", "his", "her",
	"him", "she", "he", "don't", "doesn't", "isn't", "aren't", "won't", "can't", "didn't",
	"time", "track", "queue", "general", "total", "detail", "short", "particular", "case", "fact",
)

// joinKnownNames merges runs of words that spell a name the conversation
// knows ("pay load" for PAY_LOAD) into one name token.
func joinKnownNames(toks []token, mem *memory) []token {
	if mem == nil || mem.empty() {
		return toks
	}
	var out []token
	for i := 0; i < len(toks); {
		merged := false
		for n := 4; n >= 1; n-- {
			if i+n > len(toks) {
				continue
			}
			ok := true
			var b strings.Builder
			for _, t := range toks[i : i+n] {
				if t.clause != toks[i].clause || (stopWords[t.word] && n == 1) {
					ok = false
					break
				}
				b.WriteString(t.raw)
			}
			if !ok {
				continue
			}
			if n == 1 && toks[i].name {
				break
			}
			if n == 1 && vocabulary[toks[i].word] {
				break
			}
			if canon, ok := mem.lookup(b.String()); ok {
				out = append(out, token{raw: canon, word: strings.ToLower(canon), name: true, clause: toks[i].clause})
				i += n
				merged = true
				break
			}
		}
		if !merged {
			out = append(out, toks[i])
			i++
		}
	}
	return out
}

// promoteNames takes the word after "job", "stream" or "workstation" (or
// before "job") as a name even in lower case: "the job payroll".
func promoteNames(toks []token) {
	ok := func(t token) bool {
		return !t.name && !vocabulary[t.word] && len(t.word) >= 2 && namePartPatten.MatchString(t.raw) && !unitPattern.MatchString(t.word)
	}
	for i := range toks {
		if !ok(toks[i]) {
			continue
		}
		if i > 0 && toks[i-1].clause == toks[i].clause {
			switch toks[i-1].word {
			case "job", "stream", "jobstream", "workstation", "named", "called", "ws", "cpu", "agent", "in", "on":
				toks[i].name = true
				continue
			}
		}
		if i+1 < len(toks) && toks[i+1].clause == toks[i].clause {
			switch toks[i+1].word {
			case "job", "stream", "jobstream", "workstation", "agent":
				toks[i].name = true
			}
		}
	}
}

// typeNames says of each name whether it is a job, a stream or a
// workstation, from the words around it and what the conversation knows.
func typeNames(toks []token, mem *memory) {
	for i := range toks {
		t := &toks[i]
		if !t.name {
			continue
		}
		prev, next := "", ""
		if i > 0 && toks[i-1].clause == t.clause && !toks[i-1].name {
			prev = toks[i-1].word
		}
		if i+1 < len(toks) && toks[i+1].clause == t.clause && !toks[i+1].name {
			next = toks[i+1].word
		}
		prev2 := ""
		if i > 1 && toks[i-2].clause == t.clause {
			prev2 = toks[i-2].word
		}
		switch {
		case strings.ContainsAny(t.raw, ".#") || uuidPattern.MatchString(t.raw) || mem.isJobID(t.raw):
			t.hint = typeJob
		case prev == "stream" || prev == "jobstream" || prev == "streams" || next == "stream" || next == "jobstream":
			t.hint = typeStream
		case wordsWS[prev] || next == "workstation" || next == "agent" || next == "ws" || next == "cpu" || next == "workstations":
			t.hint = typeWorkstation
		case prev == "job" || prev == "named" || prev == "called" || next == "job" || (prev == "of" && prev2 == "log"):
			t.hint = typeJob
		case mem.isJob(t.raw):
			t.hint = typeJob
		case mem.isStream(t.raw) && !mem.isWorkstation(t.raw):
			t.hint = typeStream
		case mem.isWorkstation(t.raw) && !mem.isStream(t.raw):
			t.hint = typeWorkstation
		case prev == "in" || prev == "within" || prev == "inside" || prev == "from":
			t.hint = typeIn
		case prev == "on" || prev == "at":
			t.hint = typeOn
		case (prev == "and" || prev == "or") && i > 1 && toks[i-2].name && toks[i-2].clause == t.clause && toks[i-2].hint != typeUnknown && toks[i-2].hint != typeJob:
			t.hint = toks[i-2].hint // "on MDM and FTA1": FTA1 is a workstation too
		}
	}
}

// canonical is a stream or workstation name as HWA spells it: the
// conversation's spelling when known, else upper case.
func canonical(raw string, mem *memory) string {
	if c, ok := mem.lookup(raw); ok {
		return c
	}
	return strings.ToUpper(raw)
}

// jobRefText is a job reference as the tools take it: an id as typed, a
// known job's spelling, or the upper-cased NAME / STREAM.NAME / WS#STREAM.NAME.
func jobRefText(raw string, mem *memory) string {
	if uuidPattern.MatchString(raw) || mem.isJobID(raw) {
		return raw
	}
	if c, ok := mem.lookup(raw); ok {
		return c
	}
	return strings.ToUpper(raw)
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
