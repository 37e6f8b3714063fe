package memory

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/resync/resync/shared/domain/workload"
)

// This file reads an answer the way the Auditor needs it: without quoted
// logs and examples, cut into sentences, each with the names it gives,
// the statuses it asserts and whether it asserts anything at all.

var (
	fence   = regexp.MustCompile("(?s)```.*?(```|$)")
	logLine = regexp.MustCompile(`(?im)^\s*(line\s+\d+\s*:|\d+\s*[:|]\s).*$`)
)

// withoutQuotedLogs drops code blocks and quoted log lines ("line 46: ...",
// "46 | ..."): their upper-case words are the program's, not plan names.
func withoutQuotedLogs(answer string) string {
	return logLine.ReplaceAllString(fence.ReplaceAllString(answer, ""), "")
}

// closers maps an opening quote to the quotes that close it.
var closers = map[rune]string{
	'"': `"`, '“': `”"`, '„': `“”`, '«': `»`, '`': "`", '\'': `'’`, '‘': `’'`,
}

// maxQuote bounds a quotation, in bytes; a longer one is not taken for one.
const maxQuote = 300

// exampleLead is what introduces a quoted example: "for example", "e.g.",
// "ask", "try", "say", a word or two before the quote.
var exampleLead = regexp.MustCompile(`(?i)\b(example|examples|instance|e\.g|eg|such as|like|ask|asking|try|say|type|enter|write)\b\W*(\w+\W+){0,2}$`)

// unquotedExample is a name given as an example without quotes.
var unquotedExample = regexp.MustCompile(`(?i)\b(for example|for instance|e\.g\.?)[\s,:]+[A-Za-z0-9_.'’]+`)

// withoutExamples removes what the answer quotes rather than asserts. A
// quotation of more than one word ("why is PAYROLL_LOAD waiting?", a log
// message) is dropped: it is an example or someone else's words. A quoted
// single name is kept without its quotes ("PAY_LOAD" abended is a claim)
// unless an example lead-in comes before it (for example "PAY_LOAD"); a
// name after "for example" or "e.g." is dropped too. Apostrophes inside a
// word (O'NEIL_RECON, PAY_LOAD's) are not quotes.
//
// A list introduced by a line such as "You can ask:" or "For example:" is
// a list of examples and is dropped whole.
func withoutExamples(text string) string {
	text = withoutExampleLists(text)
	var b strings.Builder
	last := 0
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		end, ok := quoteEnd(text, i, r, size)
		if !ok {
			i += size
			continue
		}
		inner := strings.TrimSpace(text[i+size : end])
		_, csize := utf8.DecodeRuneInString(text[end:])
		b.WriteString(text[last:i])
		switch {
		case strings.IndexFunc(inner, unicode.IsSpace) >= 0, exampleLead.MatchString(lineBefore(text, i)):
			b.WriteString(" ")
		default:
			b.WriteString(inner)
		}
		i = end + csize
		last = i
	}
	b.WriteString(text[last:])
	return unquotedExample.ReplaceAllString(b.String(), " ")
}

var (
	exampleIntro = regexp.MustCompile(`(?i)\b(ask|asking|example|examples|e\.g|eg|try|such as|like|questions?)\b[^:]*:\s*$`)
	listItem     = regexp.MustCompile(`^\s*([-*•]|\d+[.)])\s+`)
)

// withoutExampleLists drops the items of a list whose introducing line
// ends with "ask:", "for example:", "try:" and the like.
func withoutExampleLists(text string) string {
	lines := strings.Split(text, "\n")
	out := lines[:0]
	examples := false
	for _, l := range lines {
		switch {
		case examples && listItem.MatchString(l):
			continue
		case exampleIntro.MatchString(l):
			examples = true
		case strings.TrimSpace(l) != "":
			examples = false
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// quoteEnd returns where the quotation opened by r at i closes, if r opens
// one: a matching closer on the same line, within maxQuote. A single quote
// opens only after a non-word and before a non-space, and closes only
// after a non-space and before a non-word.
func quoteEnd(text string, i int, r rune, size int) (int, bool) {
	cl, ok := closers[r]
	if !ok {
		return 0, false
	}
	single := r == '\'' || r == '‘'
	if single {
		prev, _ := utf8.DecodeLastRuneInString(text[:i])
		next, _ := utf8.DecodeRuneInString(text[i+size:])
		if i > 0 && isWord(prev) || next == utf8.RuneError || unicode.IsSpace(next) {
			return 0, false
		}
	}
	for j := i + size; j < len(text) && j-i <= maxQuote; {
		c, csize := utf8.DecodeRuneInString(text[j:])
		if c == '\n' {
			return 0, false
		}
		if strings.ContainsRune(cl, c) {
			if !single {
				return j, j > i+size
			}
			prev, _ := utf8.DecodeLastRuneInString(text[:j])
			next, _ := utf8.DecodeRuneInString(text[j+csize:])
			if !unicode.IsSpace(prev) && (j+csize == len(text) || !isWord(next)) {
				return j, true
			}
		}
		j += csize
	}
	return 0, false
}

func isWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// lineBefore is the text of i's line before i.
func lineBefore(text string, i int) string {
	return text[strings.LastIndexByte(text[:i], '\n')+1 : i]
}

// sentence is one sentence or list line of an answer.
type sentence struct {
	text     string
	question bool // it ends with "?": it asks, it does not assert
	suggests bool // a question offering a name ("did you mean X?")
	example  bool // it explains or gives examples ("JOB is a job name (PAY_LOAD, ...)")
	hedged   bool // negated, conditional, past, planned or about another object
	claims   []claim
	runs     []string // run ids it names, lower case
}

// exampleSentence is a sentence that shows what names look like rather
// than naming plan objects: the assistant's help text.
var exampleSentence = regexp.MustCompile(`(?i)\b(for example|for instance|eg|such as|is a (job|stream|job stream|workstation) name|(job|stream|workstation) names? (like|such as|look like|are))\b`)

var (
	abbreviations = strings.NewReplacer("e.g.", "eg", "i.e.", "ie", "E.g.", "eg", "I.e.", "ie")
	wordRE        = regexp.MustCompile(`[A-Za-z0-9_]+`)
	runRE         = regexp.MustCompile(`(?i)\brun(?:\s+id)?\s*[:#]?\s*([a-z0-9][a-z0-9-]*[0-9][a-z0-9-]*)\b`)
)

// splitSentences cuts text at line ends, semicolons and sentence ends.
func splitSentences(text string) []sentence {
	text = abbreviations.Replace(text)
	var out []sentence
	start := 0
	for i := 0; i <= len(text); i++ {
		end := i == len(text)
		if !end {
			switch c := text[i]; c {
			case '\n', ';':
				end = true
			case '.', '!', '?':
				end = i+1 == len(text) || text[i+1] == ' ' || text[i+1] == '\n' || text[i+1] == '\t'
			}
		}
		if !end {
			continue
		}
		stop := min(i+1, len(text))
		if s := strings.TrimSpace(text[start:stop]); s != "" {
			out = append(out, readSentence(s))
		}
		start = stop
	}
	return out
}

// hedges are the words that make a sentence something other than a plain
// statement of a job's current status: negation, condition, past,
// future, proposals and actions, and references to another object (a
// predecessor's status is not the job's).
var hedges = wordSet(`not no never none nothing nor without
		if when whenever whether unless once until till while whereas because since after before than unlike instead
		was were had previously earlier yesterday formerly
		will would should could can may might shall must expected expect expects likely probably maybe perhaps
		propose proposes proposed proposal proposing suggest suggests suggested recommend recommended
		confirm confirmation rerun rerunning resubmit mark marked set
		its their predecessor predecessors successor successors dependency dependencies depends depend upstream downstream waits
		other others another like eg ie example instance`)

func wordSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

func readSentence(s string) sentence {
	out := sentence{text: s, question: strings.HasSuffix(s, "?")}
	lower := strings.ToLower(s)
	out.suggests = out.question && strings.Contains(lower, "mean")
	out.example = exampleSentence.MatchString(s)
	out.hedged = strings.Contains(lower, "n't") || strings.Contains(lower, "n’t")
	for _, loc := range wordRE.FindAllStringIndex(s, -1) {
		w := s[loc[0]:loc[1]]
		lw := strings.ToLower(w)
		if hedges[lw] {
			out.hedged = true
		}
		if loc[0] > 0 && s[loc[0]-1] == '-' || loc[1] < len(s) && s[loc[1]] == '-' {
			continue // long-running, re-run: part of a compound word
		}
		if c, ok := claimOf(w); ok {
			out.claims = append(out.claims, c)
		}
	}
	for _, m := range runRE.FindAllStringSubmatch(s, -1) {
		out.runs = append(out.runs, strings.ToLower(m[1]))
	}
	return out
}

// status is a set of plan statuses.
type status struct {
	common   []workload.CommonStatus
	internal []workload.InternalStatus
}

// agrees: the job's common or internal status is in the set.
func (s status) agrees(j PlanJob) bool {
	return slices.Contains(s.common, j.Status) || slices.Contains(s.internal, j.Internal)
}

// overlaps: the two sets share a status.
func (s status) overlaps(o status) bool {
	return slices.ContainsFunc(s.common, func(c workload.CommonStatus) bool { return slices.Contains(o.common, c) }) ||
		slices.ContainsFunc(s.internal, func(c workload.InternalStatus) bool { return slices.Contains(o.internal, c) })
}

// claim is a status word of an answer and the plan statuses that agree.
type claim struct {
	word string
	status
}

var (
	succeeded = status{common: []workload.CommonStatus{workload.CommonSuccessful}, internal: []workload.InternalStatus{workload.InternalSucc, workload.InternalSuccP}}
	completed = status{common: []workload.CommonStatus{workload.CommonSuccessful, workload.CommonCompleted}, internal: []workload.InternalStatus{workload.InternalSucc, workload.InternalSuccP}}
	abended   = status{common: []workload.CommonStatus{workload.CommonError}, internal: []workload.InternalStatus{workload.InternalAbend, workload.InternalAbenP}}
	failed    = status{common: []workload.CommonStatus{workload.CommonError}, internal: []workload.InternalStatus{workload.InternalAbend, workload.InternalAbenP, workload.InternalFail, workload.InternalError}}
	running   = status{common: []workload.CommonStatus{workload.CommonRunning}, internal: []workload.InternalStatus{workload.InternalExec, workload.InternalStarted}}
	held      = status{common: []workload.CommonStatus{workload.CommonHeld, workload.CommonWaiting}, internal: []workload.InternalStatus{workload.InternalHold}}
	canceled  = status{common: []workload.CommonStatus{workload.CommonCanceled}, internal: []workload.InternalStatus{workload.InternalCancl, workload.InternalCanclP}}
	ready     = status{common: []workload.CommonStatus{workload.CommonReady, workload.CommonReadyPrevWSNonRep, workload.CommonWaiting}, internal: []workload.InternalStatus{workload.InternalReady, workload.InternalHold}}
)

// claims are the status words in any case; upperClaims the status codes,
// only in capitals (HOLD is a code, hold a verb).
var (
	claims = map[string]status{
		"abended": abended, "failed": failed, "running": running,
		"successful": succeeded, "succeeded": succeeded, "completed": completed,
		"held": held, "cancelled": canceled, "canceled": canceled,
	}
	upperClaims = map[string]status{
		"ABEND": abended, "ERROR": failed, "FAIL": failed,
		"SUCC": succeeded, "SUCCESSFUL": succeeded,
		"EXEC": running, "RUNNING": running,
		"HOLD": held, "HELD": held,
		"CANCL": canceled, "CANCELED": canceled, "CANCELLED": canceled,
		"READY": ready,
	}
)

func claimOf(w string) (claim, bool) {
	if s, ok := upperClaims[w]; ok {
		return claim{word: w, status: s}, true
	}
	if s, ok := claims[strings.ToLower(w)]; ok {
		return claim{word: strings.ToLower(w), status: s}, true
	}
	return claim{}, false
}

var (
	proposalRE = regexp.MustCompile(`(?i)\bpropos(e|es|ed|al|ing)\b|\bconfirm to (execute|proceed|run|apply)\b|\bshall i\b|\b(do you want|would you like) me to\b|\b(awaiting|pending|needs?) (your )?confirmation\b|\b(once|if|when) you confirm\b`)
	outcomes   = []struct {
		re *regexp.Regexp
		status
	}{
		{regexp.MustCompile(`(?i)\bconfirm[- _]?succ|\b(mark|confirm)\w*\b.{0,40}\b(successful|succ|succeeded|complete)`), completed},
		{regexp.MustCompile(`(?i)\bconfirm[- _]?abend|\bkill\b|\b(mark|confirm)\w*\b.{0,40}\b(abend|abended|failed)`), failed},
		{regexp.MustCompile(`(?i)\bhold\b|\bput\b.{0,40}\bon hold\b`), held},
		{regexp.MustCompile(`(?i)\bcancel\b`), canceled},
		{regexp.MustCompile(`(?i)\bre-?run\b|\bresubmit\b|\brelease\b`), status{common: append(append([]workload.CommonStatus{}, running.common...), ready.common...), internal: append(append([]workload.InternalStatus{}, running.internal...), ready.internal...)}},
	}
)

// proposedOutcomes: when the answer proposes an action, the statuses the
// actions it names would bring. An answer that proposes confirm-succ for
// a job may call it successful anywhere without contradicting the plan.
func proposedOutcomes(text string) []status {
	if !proposalRE.MatchString(text) {
		return nil
	}
	var out []status
	for _, o := range outcomes {
		if o.re.MatchString(text) {
			out = append(out, o.status)
		}
	}
	return out
}

// nameTokens returns the job-like names of s, each once, in order:
// capitals, digits and underscores, starting with a capital, with an
// underscore or a digit (PAY_LOAD, JOB00042), not touching lower-case
// letters. An apostrophe between two name characters belongs to the name
// (O'NEIL_RECON, O’NEIL_RECON), returned with a plain apostrophe.
func nameTokens(s string) []string {
	var out []string
	rs := []rune(s)
	nameRune := func(r rune) bool { return r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' }
	for i := 0; i < len(rs); {
		if !isWord(rs[i]) {
			i++
			continue
		}
		j, ok := i, true
		for j < len(rs) {
			r := rs[j]
			if (r == '\'' || r == '’') && j > i && nameRune(rs[j-1]) && j+1 < len(rs) && nameRune(rs[j+1]) {
				j++
				continue
			}
			if !isWord(r) {
				break
			}
			ok = ok && nameRune(r)
			j++
		}
		tok := normalizeName(string(rs[i:j]))
		i = j
		if !ok || tok[0] < 'A' || tok[0] > 'Z' || strings.HasSuffix(tok, "_") || !strings.ContainsAny(tok, "_0123456789") || slices.Contains(out, tok) {
			continue
		}
		out = append(out, tok)
	}
	return out
}

// normalizeName makes typographic apostrophes plain.
func normalizeName(s string) string { return strings.ReplaceAll(s, "’", "'") }

// vocabulary is what looks like a name and is not one.
var vocabulary = map[string]bool{
	"HWA": true, "HTTP": true, "HTTP2": true, "UTC": true, "ID": true, "RC": true,
	"V1": true, "V2": true, "S3": true, "EC2": true, "UTF8": true, "SHA256": true, "IPV4": true, "IPV6": true, "ISO8601": true,
}

var returnCode = regexp.MustCompile(`^RC[0-9]+$`)

// ignoredToken: HWA vocabulary that looks like a name.
func ignoredToken(tok string) bool {
	return vocabulary[tok] || returnCode.MatchString(tok) ||
		workload.CommonStatus(tok).Valid() || workload.InternalStatus(tok).Valid()
}
