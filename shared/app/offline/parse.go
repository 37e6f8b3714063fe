package offline

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// kind is what a question asks for.
type kind int

const (
	kindHelp         kind = iota // not understood: answer with the help text
	kindGreeting                 // hello, thanks
	kindSummary                  // the plan summary
	kindJobs                     // a job list filtered by status, stream, workstation
	kindLate                     // late job streams
	kindCritical                 // critical jobs, at risk first
	kindWorkstations             // workstations (unlinked ones with q.unlinked)
	kindStreams                  // job streams
	kindJob                      // one job's status and details
	kindWaiting                  // why a job waits
	kindWhy                      // why a job failed: its details and log
	kindLog                      // a job's log
	kindPredecessors             // what a job depends on
	kindSuccessors               // what depends on a job
	kindImpact                   // what a job's failure affects
	kindAction                   // propose an action on a job
	kindRunbook                  // look up the runbooks
)

// jobKind reports whether k is about one named job.
func (k kind) jobKind() bool {
	switch k {
	case kindJob, kindWaiting, kindWhy, kindLog, kindPredecessors, kindSuccessors, kindImpact, kindAction:
		return true
	}
	return false
}

// listKind reports whether k lists things of the plan.
func (k kind) listKind() bool {
	switch k {
	case kindSummary, kindJobs, kindLate, kindCritical, kindWorkstations, kindStreams:
		return true
	}
	return false
}

// filter is one status a job list asks for.
type filter struct {
	label    string // how the answer names it: "abended", "in error", ...
	status   string // common status
	internal string // internal status
}

// question is what the model understood of the user's text.
type question struct {
	text        string
	kind        kind
	explicit    bool // words of the question chose the kind (not a default)
	filters     []filter
	stream      string
	workstation string
	jobs        []string // job references: NAME, STREAM.NAME, WS#STREAM.NAME or an id
	pattern     string   // a job name pattern with * or @ wildcards
	long        bool     // running jobs that take longer than their estimate
	ordinal     int      // "the second one": 1-based index into the jobs last shown; -1 the last
	root        bool     // "the root cause", "the blocker": what the job last shown waits on
	also        []kind   // other things asked about the same job ("status and log of X")
	lateJobs    bool     // "late jobs" (not streams): with a stream or workstation, the jobs there
	pronoun     bool     // "it", "its", "that job": the job of the conversation
	action      string   // propose_action's action ("" with kindAction: unclear)
	verb        string   // the action as the user said it, for messages
	verbWord    string   // the word of the verb as typed (lower case)
	bulk        bool     // an action on "all"/"every" job, or on a status
	unlinked    bool     // workstations that are unlinked or down
	tail        int      // log lines asked for
	limit       int      // list size asked for
	count       bool     // "how many"
}

// nameType says what a name in a question designates.
type nameType int

const (
	typeUnknown nameType = iota
	typeJob
	typeStream
	typeWorkstation
	typeIn // after "in": a stream unless known otherwise
	typeOn // after "on": a workstation unless known otherwise
)

// token is one word of a question.
type token struct {
	raw    string // as typed, trimmed of punctuation
	word   string // lower case
	name   bool   // an HWA name (or something quoted)
	hint   nameType
	clause int // index of the clause (split on ? ! ; , and sentence ends)
}

var (
	uuidPattern    = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	unitPattern    = regexp.MustCompile(`^[0-9]+(st|nd|rd|th|h|hr|hrs|m|min|mins|s|sec|secs|d|k|kb|mb|gb|am|pm)?$`)
	namePartPatten = regexp.MustCompile(`^[A-Za-z0-9_\-@*]+$`)
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
		t := token{raw: raw, word: strings.ToLower(raw), clause: clause}
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

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// Word lists of the intents. A word in any of them is never taken as a name.
var (
	wordsAbend    = setOf("abend", "abended", "abends", "abending", "abnormal", "abnormally")
	wordsFailed   = setOf("failed", "failing", "fail", "fails", "failure", "failures", "error", "errors", "errored", "erroring", "broken", "crashed", "crash", "crashes")
	wordsRunning  = setOf("running", "executing", "active", "progress")
	wordsHeld     = setOf("held", "holding", "paused")
	wordsWaiting  = setOf("waiting", "pending", "queued", "wait")
	wordsReady    = setOf("ready")
	wordsSuccess  = setOf("successful", "succeeded", "success", "succ", "completed", "complete", "finished", "done", "ended")
	wordsCanceled = setOf("canceled", "cancelled")
	wordsBlocked  = setOf("blocked")
	wordsLate     = setOf("late", "overdue", "delayed", "behind", "deadline", "deadlines", "tardy")
	wordsCritical = setOf("critical", "risk", "risky", "sla", "slas", "endangered", "jeopardy")
	wordsWS       = setOf("workstation", "workstations", "agent", "agents", "cpu", "cpus", "ws", "machine", "machines", "server", "servers", "host", "hosts", "node", "nodes", "fta", "ftas", "engine", "engines")
	wordsUnlinked = setOf("unlinked", "down", "offline", "disconnected", "unreachable", "stopped", "dead", "unavailable", "linked", "link", "links", "unlink")
	wordsStreams  = setOf("stream", "streams", "jobstream", "jobstreams", "schedule", "schedules")
	wordsSummary  = setOf("summary", "summarize", "summarise", "overview", "overall", "dashboard", "health", "healthy", "situation", "report", "problems", "problem", "issues", "wrong", "going", "happening", "recap", "snapshot", "status", "state")
	wordsLog      = setOf("log", "logs", "joblog", "stdlist", "output", "stdout", "stderr", "trace", "tail", "messages", "message", "listing", "spool")
	wordsImpact   = setOf("impact", "impacts", "impacted", "affect", "affects", "affected", "affecting", "break", "breaks", "consequence", "consequences", "blast", "radius", "hurt", "harm")
	wordsSucc     = setOf("successor", "successors", "downstream", "dependents", "dependants", "children", "child")
	wordsPred     = setOf("predecessor", "predecessors", "dependency", "dependencies", "deps", "dep", "upstream", "prerequisite", "prerequisites", "prereqs", "parents", "parent", "depend", "depends", "requires", "require")
	wordsWhyWait  = setOf("waiting", "wait", "waits", "held", "hold", "stuck", "blocked", "blocking", "pending", "late", "slow", "starting", "start", "started", "running", "run", "delayed", "queued")
	wordsWhyFail  = setOf("fail", "failed", "fails", "failing", "failure", "abend", "abended", "abends", "crash", "crashed", "error", "errored", "errors", "broke", "broken", "wrong", "rc", "cancelled", "canceled", "killed")
	wordsDetail   = setOf("status", "state", "details", "detail", "info", "information", "describe", "doing", "runs", "history", "duration", "long", "progress", "code", "rc", "happened", "happen", "look", "tell", "about", "show", "when", "is", "did", "was", "has")
	wordsRunbook  = setOf("runbook", "runbooks", "playbook", "playbooks", "procedure", "procedures", "sop", "sops", "documentation", "docs", "doc", "guide", "guidance", "manual", "wiki", "kb")
	wordsGreeting = setOf("hi", "hello", "hey", "thanks", "thank", "thx", "cheers", "morning", "evening", "afternoon", "bye", "goodbye")
	wordsHelp     = setOf("help", "commands", "capabilities", "usage", "examples")
	wordsCount    = setOf("many", "count", "number")
	wordsPronoun  = setOf("it", "its", "it's", "that", "this", "same", "him", "one")
	wordsBulk     = setOf("all", "every", "each", "them", "these", "those", "everything")
)

// Action verbs, their propose_action actions and the outcomes of a confirm.
var (
	verbs = map[string]string{
		"rerun": "rerun", "re-run": "rerun", "restart": "rerun", "resubmit": "rerun", "retry": "rerun", "rerunning": "rerun",
		"hold": "hold", "pause": "hold", "suspend": "hold",
		"release": "release", "unhold": "release", "resume": "release",
		"cancel": "cancel",
		"kill":   "kill", "terminate": "kill", "abort": "kill", "stop": "kill",
		"confirm": "confirm", "mark": "confirm", "set": "confirm", "force": "confirm", "flag": "confirm",
		"run": "run", "put": "put",
	}
	outcomeSucc  = setOf("succ", "success", "successful", "succeeded", "ok", "complete", "completed", "done", "good", "successfully")
	outcomeAbend = setOf("abend", "abended", "abnormal", "failed", "fail", "failure", "error", "errored", "bad", "abend")
	// courtesy words may come before the verb of an imperative clause.
	courtesy = setOf("please", "pls", "plz", "kindly", "can", "could", "would", "will", "you", "u", "i", "we",
		"want", "wanna", "need", "needs", "to", "like", "d", "i'd", "we'd", "let's", "lets", "let", "us", "me",
		"go", "ahead", "and", "then", "ok", "okay", "now", "also", "so", "yes", "yeah", "just", "should",
		"must", "hey", "hi", "try", "shall", "do", "quickly", "immediately")
)

// vocabulary is every word the intents use: never a name.
var vocabulary = func() map[string]bool {
	all := map[string]bool{}
	for _, set := range []map[string]bool{stopWords, wordsAbend, wordsFailed, wordsRunning, wordsHeld,
		wordsWaiting, wordsReady, wordsSuccess, wordsCanceled, wordsBlocked, wordsLate, wordsCritical,
		wordsWS, wordsUnlinked, wordsStreams, wordsSummary, wordsLog, wordsImpact, wordsSucc, wordsPred,
		wordsWhyWait, wordsWhyFail, wordsDetail, wordsRunbook, wordsGreeting, wordsHelp, wordsCount,
		wordsPronoun, wordsBulk, outcomeSucc, outcomeAbend, courtesy} {
		for w := range set {
			all[w] = true
		}
	}
	for w := range verbs {
		all[w] = true
	}
	for _, w := range []string{"again", "lines", "line", "tail", "mean", "about", "via", "anything",
		"something", "everything", "nothing", "why", "how", "what", "which", "whats", "where",
		"who", "when", "today", "tonight", "yesterday", "tomorrow", "currently", "right", "now",
		"happens", "happen", "happened", "goes", "go", "gone", "went", "wrong", "if", "else"} {
		all[w] = true
	}
	return all
}()

// parse understands text, using what the conversation knows to recognise
// the names it mentions.
func parse(text string, mem *memory) question {
	q := question{text: text}
	toks := tokenize(text)
	toks = joinKnownNames(toks, mem)
	promoteNames(toks)
	typeNames(toks, mem)

	words := map[string]bool{}
	var seq []string // the words, with every name as "§"
	for _, t := range toks {
		if t.name {
			seq = append(seq, "§")
			continue
		}
		words[t.word] = true
		seq = append(seq, t.word)
	}
	norm := " " + strings.Join(seq, " ") + " "
	has := func(set map[string]bool) bool {
		for w := range words {
			if set[w] {
				return true
			}
		}
		return false
	}
	phrase := func(ps ...string) bool {
		for _, p := range ps {
			if strings.Contains(norm, " "+p+" ") {
				return true
			}
		}
		return false
	}

	// Numbers: "last 50 lines", "top 10".
	for i, t := range toks {
		n, err := strconv.Atoi(t.word)
		if err != nil || n <= 0 {
			continue
		}
		next := ""
		if i+1 < len(toks) {
			next = toks[i+1].word
		}
		prev := ""
		if i > 0 {
			prev = toks[i-1].word
		}
		switch {
		case next == "lines" || next == "line" || prev == "tail":
			q.tail = n
		case prev == "top" || prev == "first" || next == "jobs" || prev == "limit":
			q.limit = n
		}
	}
	q.count = (words["how"] && words["many"]) || words["count"] || phrase("number of")

	// "the second one", "the last job": a job of the list last shown.
	ordinals := map[string]int{"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5, "5th": 5, "last": -1}
	for i, t := range toks {
		n, ok := ordinals[t.word]
		if !ok || t.name || i == 0 || toks[i-1].word != "the" {
			continue
		}
		if i+1 < len(toks) && toks[i+1].clause == t.clause {
			if next := toks[i+1].word; next != "one" && next != "job" {
				continue
			}
		}
		q.ordinal = n
	}

	q.root = phrase("root cause", "the root", "the blocker", "the blockers", "the blocking job", "the culprit", "its predecessor", "the predecessor", "its blocker", "its root cause")

	// References to the job of the conversation.
	q.pronoun = q.root || q.ordinal != 0 || words["it"] || words["its"] || words["it's"] || phrase("that job", "this job", "the job", "same job", "that one", "this one", "the same", "him")

	// Names: jobs, streams, workstations.
	var loose []token // names typed only by "in" or "on"
	for _, t := range toks {
		if !t.name {
			continue
		}
		if strings.ContainsAny(t.raw, "*@") && t.hint != typeStream && t.hint != typeWorkstation {
			q.pattern = strings.ToUpper(t.raw) // "jobs named PAY*"
			continue
		}
		switch t.hint {
		case typeStream:
			q.stream = canonical(t.raw, mem)
		case typeWorkstation:
			q.workstation = canonical(t.raw, mem)
		case typeJob, typeUnknown:
			q.jobs = appendUnique(q.jobs, jobRefText(t.raw, mem))
		default:
			loose = append(loose, t)
		}
	}
	q.status(words, phrase)
	if phrase("running long", "long running", "long-running", "longer than", "taking too long", "too long", "taking long", "run long", "runs long", "overrunning", "overrun", "running over", "longest running", "slow jobs", "running slow", "running slowly") {
		q.long = true
		q.filters = []filter{{label: "running", status: "RUNNING"}}
	}

	// Decide what is asked, most specific first.
	switch {
	case has(wordsRunbook) || phrase("how do i", "how do we", "how to", "how can i", "how should i", "what to do", "what should i do", "what do i do", "what should we do", "what do we do", "how should we"):
		q.kind, q.explicit = kindRunbook, true
	case q.findAction(toks, words):
		q.kind, q.explicit = kindAction, true
	case has(wordsLog) && !phrase("log in", "log on", "logged in"):
		q.kind, q.explicit = kindLog, true
	case has(wordsImpact) || phrase("what happens if", "what happens when", "what if", "what would happen"):
		q.kind, q.explicit = kindImpact, true
	case has(wordsSucc) || phrase("depends on §", "depend on §", "waiting on §", "waits on §", "waiting for §", "wait for §", "depends on it", "depend on it", "waiting on it", "waiting for it", "after §", "triggered by §", "depends upon §", "depend upon §"):
		q.kind, q.explicit = kindSuccessors, true
	case has(wordsPred) || phrase("depend on", "depends on", "rely on", "relies on", "needed by"):
		q.kind, q.explicit = kindPredecessors, true
	case words["why"] && has(wordsWhyFail):
		q.kind, q.explicit = kindWhy, true
	case (words["why"] && has(wordsWhyWait)) || phrase("wait for", "waiting for", "waits for", "waiting on", "waits on", "blocked by", "held up", "what is blocking", "what's blocking", "whats blocking", "blocking it", "blocking §", "holding up", "holding back"):
		q.kind, q.explicit = kindWaiting, true
	case phrase("what went wrong", "what happened", "root cause", "what broke", "what is wrong", "what's wrong", "whats wrong", "went wrong"):
		if len(q.jobs) > 0 || q.pronoun {
			q.kind, q.explicit = kindWhy, true
		} else {
			q.kind, q.explicit = kindSummary, true
		}
	case len(q.jobs) > 0:
		// "what about X?" continues the previous question; "status of X" asks.
		q.kind, q.explicit = kindJob, (has(wordsDetail) || len(q.filters) > 0) && !phrase("what about", "how about", "and about")
	case q.pronoun && (has(wordsDetail) || len(q.filters) > 0):
		q.kind, q.explicit = kindJob, true
	default:
		q.listKind(words, has, phrase)
	}
	if q.kind.jobKind() && q.kind != kindAction && (phrase("and", "plus", "as well as", "along with", "with its", "with the") || strings.Contains(text, ",") || strings.Contains(text, "&")) {
		// "status and log of X", "deps, impact of X": each thing asked.
		extra := []struct {
			k  kind
			on bool
		}{
			{kindJob, phrase("status", "state", "details", "detail", "info")},
			{kindLog, has(wordsLog) && !phrase("log in", "log on")},
			{kindPredecessors, has(wordsPred)},
			{kindSuccessors, has(wordsSucc)},
			{kindImpact, has(wordsImpact)},
			{kindWhy, words["why"] && has(wordsWhyFail)},
		}
		for _, e := range extra {
			if e.on && e.k != q.kind {
				q.also = append(q.also, e.k)
			}
		}
	}
	if q.kind.jobKind() && len(q.jobs) == 0 {
		// "check the log on ABEND_J1": with no other name, a loose one is the job.
		var rest []token
		for _, t := range loose {
			if mem.isStream(t.raw) || mem.isWorkstation(t.raw) {
				rest = append(rest, t)
				continue
			}
			q.jobs = appendUnique(q.jobs, jobRefText(t.raw, mem))
		}
		loose = rest
	}
	if q.kind == kindAction && len(q.jobs) == 0 && !q.pronoun {
		// "rerun all failed jobs": the status words other than the verb's own.
		rest := map[string]bool{}
		for w := range words {
			if w != q.verbWord && !(strings.HasPrefix(q.action, "confirm") && (outcomeSucc[w] || outcomeAbend[w])) {
				rest[w] = true
			}
		}
		var other question
		other.status(rest, func(ps ...string) bool { return q.verbWord != "put" && phrase(ps...) })
		q.bulk = has(wordsBulk) || len(other.filters) > 0
	}
	if q.kind.jobKind() || q.kind == kindRunbook {
		// "log of ABEND_J1 in FIX_ABEND": a loose name qualifies the job.
		for _, t := range loose {
			if t.hint == typeIn && q.stream == "" {
				q.stream = canonical(t.raw, mem)
			} else if t.hint == typeOn && q.workstation == "" {
				q.workstation = canonical(t.raw, mem)
			}
		}
	} else {
		for _, t := range loose {
			switch {
			case mem.isWorkstation(t.raw) || (t.hint == typeOn && !mem.isStream(t.raw)):
				q.workstation = canonical(t.raw, mem)
			default:
				q.stream = canonical(t.raw, mem)
			}
		}
	}
	// Left as kindHelp and not explicit, "and in stream X?" or "what about
	// it?" is a follow-up that turn.question completes.
	if q.kind == kindHelp && !q.explicit && has(wordsGreeting) {
		q.kind = kindGreeting
	}
	return q
}

// status reads the status filters of a job list.
func (q *question) status(words map[string]bool, phrase func(...string) bool) {
	add := func(f filter) {
		for _, g := range q.filters {
			if g == f {
				return
			}
		}
		q.filters = append(q.filters, f)
	}
	in := func(set map[string]bool) bool {
		for w := range set {
			if words[w] {
				return true
			}
		}
		return false
	}
	if in(wordsAbend) {
		add(filter{label: "abended", internal: "ABEND"})
	}
	if in(wordsFailed) || phrase("in error", "not ok", "went wrong") {
		if !in(wordsAbend) || words["failed"] || words["error"] || words["errors"] || words["failing"] {
			add(filter{label: "in error", status: "ERROR"})
		}
	}
	if in(wordsRunning) && !phrase("not running", "isn't running", "not run", "run again") {
		add(filter{label: "running", status: "RUNNING"})
	}
	if in(wordsHeld) || phrase("on hold") {
		add(filter{label: "held", status: "HELD"})
	}
	if in(wordsWaiting) {
		add(filter{label: "waiting", status: "WAITING"})
	}
	if in(wordsReady) {
		add(filter{label: "ready", status: "READY"})
	}
	if in(wordsSuccess) {
		add(filter{label: "successful", status: "SUCCESSFUL"})
	}
	if in(wordsCanceled) {
		add(filter{label: "canceled", status: "CANCELED"})
	}
	if in(wordsBlocked) && !phrase("blocked by") {
		add(filter{label: "blocked", status: "BLOCKED"})
	}
}

// listKind decides a question about the plan rather than one job.
func (q *question) listKind(words map[string]bool, has func(map[string]bool) bool, phrase func(...string) bool) {
	q.explicit = true
	wsWords := has(wordsWS)
	switch {
	case has(wordsHelp) || phrase("what can you do", "what do you understand", "what can i ask", "who are you"):
		q.kind = kindHelp
	case (wsWords || has(wordsUnlinked)) && !words["job"] && !words["jobs"]:
		q.kind = kindWorkstations
		q.unlinked = has(wordsUnlinked) && !phrase("not down", "linked workstations", "linked agents")
		if phrase("not linked", "isn't linked", "aren't linked", "not running", "unlinked", "lost link") {
			q.unlinked = true
		}
	case has(wordsCritical) || phrase("at risk"):
		q.kind = kindCritical
	case has(wordsLate):
		q.kind = kindLate
		q.lateJobs = words["jobs"] || words["job"]
	case len(q.filters) > 0 || q.pattern != "":
		q.kind = kindJobs
	case q.stream == "" && (has(wordsStreams) && !words["job"] && !words["jobs"] || phrase("job streams", "job stream")):
		q.kind = kindStreams
	case q.stream != "" && !words["jobs"] && (has(wordsSummary) || has(wordsDetail)) && !phrase("what about", "how about"):
		q.kind = kindStreams // "status of stream S"
	case has(wordsSummary) || phrase("how is the plan", "how the plan", "how are things", "how is it going", "going on", "what's up", "whats up", "the plan", "any problems", "anything wrong"):
		q.kind = kindSummary
	case words["jobs"] || words["job"]:
		q.kind = kindJobs
	default:
		q.kind, q.explicit = kindHelp, false
	}
}

// findAction recognises an imperative action: a verb at the start of a
// clause (after courtesy words such as "please" or "can you").
func (q *question) findAction(toks []token, words map[string]bool) bool {
	for i, t := range toks {
		if t.name {
			continue
		}
		verb, ok := verbs[t.word]
		if !ok {
			continue
		}
		opening := true
		for j := i - 1; j >= 0 && toks[j].clause == t.clause; j-- {
			if toks[j].name || !courtesy[toks[j].word] {
				opening = false
				break
			}
		}
		if !opening {
			continue
		}
		rest := map[string]bool{}
		named, others := false, false
		for _, u := range toks[i+1:] {
			if u.clause != t.clause {
				others = true
				continue
			}
			named = named || u.name
			if !u.name {
				rest[u.word] = true
			}
		}
		// "hold on, which jobs failed?", "stop, what is running?": an
		// interjection, not an action, when another clause asks something.
		if !named && others && !rest["it"] && !rest["that"] && !rest["this"] && !rest["them"] && !rest["all"] && !rest["the"] && !rest["every"] {
			continue
		}
		switch verb {
		case "run":
			if !rest["again"] {
				continue
			}
			verb = "rerun"
		case "put":
			if !rest["hold"] {
				continue
			}
			verb = "hold"
		case "confirm":
			succ, abend := false, false
			for w := range rest {
				succ = succ || outcomeSucc[w]
				abend = abend || outcomeAbend[w]
			}
			switch {
			case succ && !abend:
				verb = "confirm-succ"
			case abend && !succ:
				verb = "confirm-abend"
			case t.word != "confirm":
				continue // "set", "mark" without an outcome is not an action
			default:
				verb = "" // confirm, but as what?
			}
		}
		q.action, q.verb, q.verbWord = verb, t.word, t.word
		if verb == "hold" && t.word == "put" {
			q.verb = "hold"
		}
		if verb == "rerun" && t.word == "run" {
			q.verb = "rerun"
		}
		return true
	}
	return false
}

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
