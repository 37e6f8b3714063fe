package offline

import (
	"regexp"
	"strconv"
	"strings"
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
	kindRefuse                   // secrets, instructions, other users' data: refused
	kindHandover                 // the shift handover digest
	kindCount                    // jobs counted, in total or per group ("which workstation has the most failures")
	kindPrompts                  // the prompts waiting for a reply (prompts.go)
	kindResources                // the resources, or one of them
	kindReplyPrompt              // propose a reply to a prompt
	kindTask                     // what a job runs: its command or script and user (answer_submit.go)
	kindRecovery                 // what HWA does when a job abends: its recovery option and job
)

// jobKind reports whether k is about one named job.
func (k kind) jobKind() bool {
	switch k {
	case kindJob, kindWaiting, kindWhy, kindLog, kindPredecessors, kindSuccessors, kindImpact, kindAction, kindTask, kindRecovery:
		return true
	}
	return false
}

// listKind reports whether k lists things of the plan.
func (k kind) listKind() bool {
	switch k {
	case kindSummary, kindJobs, kindLate, kindCritical, kindWorkstations, kindStreams, kindCount:
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
	text          string
	kind          kind
	explicit      bool // words of the question chose the kind (not a default)
	filters       []filter
	stream        string
	workstation   string
	jobs          []string // job references: NAME, STREAM.NAME, WS#STREAM.NAME or an id
	pattern       string   // a job name pattern with * or @ wildcards
	long          bool     // running jobs that take longer than their estimate
	ordinal       int      // "the second one": 1-based index into the jobs last shown; -1 the last
	root          bool     // "the root cause", "the blocker": what the job last shown waits on
	also          []kind   // other things asked about the same job ("status and log of X")
	lateJobs      bool     // "late jobs" (not streams): with a stream or workstation, the jobs there
	pronoun       bool     // "it", "its", "that job": the job of the conversation
	action        string   // propose_action's action ("" with kindAction: unclear)
	verb          string   // the action as the user said it, for messages
	verbWord      string   // the word of the verb as typed (lower case)
	bulk          bool     // an action on "all"/"every" job, or on a status
	unlinked      bool     // workstations that are unlinked or down
	tail          int      // log lines asked for
	limit         int      // list size asked for
	count         bool     // "how many"
	win           window   // a time window on the jobs ("in the last hour", "since 2am")
	winUnknown    string   // time words the window reader could not read ("since the shift started")
	groupBy       string   // count_jobs grouping: workstation, stream, status, returnCode
	least         bool     // the smallest group is asked for ("which stream fails least")
	explain       bool     // a job list and why ("which jobs failed and why?")
	unknown       []string // words it did not understand
	typos         []string // words it read as others ("faild" as "failed")
	onTime        bool     // jobs that are not late
	previousShift bool     // the handover of the shift that ended, not the one under way
	inherits      bool     // "how many?", "why did they fail": the filters of the list before, when there is one
	notStarted    bool     // jobs that have not started yet
	negated       bool     // a list with a negation it cannot apply ("streams that have not finished")
	broken        bool     // "what's broken": jobs in error and workstations down
	moreWS        []string // further workstations ("on MDM and FTA1")
	moreStreams   []string // further job streams
	failuresRead  bool     // a window on "what happened": read as the failures of the window
	bareUnread    []string // words of a job list with no filter that may have meant one ("which jobs are stuck")
	promptRef     string   // the prompt named: a name or a word of it ("the tape prompt")
	reply         string   // reply_prompt's answer: yes, no, "" unclear
	resource      string   // the resource named
	busy          bool     // only resources exhausted or with jobs waiting
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
	quoted bool   // typed in quotes: a name, whatever it spells
	hint   nameType
	clause int // index of the clause (split on ? ! ; , and sentence ends)
}

var (
	uuidPattern    = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	unitPattern    = regexp.MustCompile(`^[0-9]+(st|nd|rd|th|h|hr|hrs|m|min|mins|s|sec|secs|d|k|kb|mb|gb|am|pm)?$`)
	namePartPatten = regexp.MustCompile(`^[A-Za-z0-9_\-@*]+$`)
)

// secrets reports whether the question asks for what is never shown — the
// assistant's instructions, credentials, other users' data — or tries to
// change its rules.
func (q *question) secrets(words map[string]bool, phrase func(...string) bool) bool {
	lower := strings.ToLower(q.text)
	if commandRE.MatchString(q.text) {
		return true // `kubectl delete ns prod`: a command in backticks, never a name (HWA names have no spaces)
	}
	for _, cmd := range []string{"curl ", "wget ", "| sh", "|sh", "| bash", "rm -rf", "sudo ", "chmod ", "; drop ", "powershell", "cmd.exe",
		"kubectl ", "docker ", "ssh ", "scp ", "systemctl ", "shutdown ", "reboot", "drop table", "delete from"} {
		if strings.Contains(lower, cmd) {
			return true
		}
	}
	return words["password"] || words["passwords"] || words["credential"] || words["credentials"] || words["secret"] || words["secrets"] ||
		words["token"] || words["tokens"] || words["apikey"] || words["rm"] || words["sudo"] || words["conversations"] || words["chats"] || phrase("api key", "system prompt", "your prompt", "your instructions",
		"previous instructions", "ignore all", "ignore your", "ignore the", "admin mode", "developer mode", "jailbreak", "pretend you",
		"you are now", "other users", "another user", "someone else", "conversations of", "shell command", "run a command",
		"execute a command")
}

// commandRE matches text in backticks with a space in it: a command line.
var commandRE = regexp.MustCompile("`[^`]*\\s[^`]*`")

// addFilter adds a status filter once.
func (q *question) addFilter(f filter) {
	for _, g := range q.filters {
		if g == f {
			return
		}
	}
	q.filters = append(q.filters, f)
}

// grouping reads a count per group ("which workstation has the most
// failures", "failures per stream", "jobs by status") into q.groupBy.
func (q *question) grouping(words map[string]bool, has func(map[string]bool) bool, phrase func(...string) bool) bool {
	grouped := has(wordsGroup) || words["top"] || words["common"] || words["commonest"] || words["frequent"] || words["often"] || phrase("by workstation", "by agent", "by ws", "by server", "by stream", "by jobstream",
		"by job stream", "by status", "by state", "by internal status", "by internal state", "by return code", "by rc", "by exit code", "for each", "of each", "on each", "in each")
	if !grouped {
		return false
	}
	switch {
	case phrase("return code", "return codes", "exit code", "exit codes") || words["rc"] || words["rcs"]:
		q.groupBy = "returnCode"
	case has(wordsWS) || words["where"]:
		q.groupBy = "workstation"
	case has(wordsStreams):
		q.groupBy = "stream"
	case words["status"] || words["statuses"] || words["state"] || words["states"]:
		q.groupBy = "status"
		if words["internal"] {
			q.groupBy = "internalStatus"
		}
	default:
		return false
	}
	q.least = words["least"] || words["fewest"]
	return true
}

// listKind decides a question about the plan rather than one job.
func (q *question) listKind(words map[string]bool, has func(map[string]bool) bool, phrase func(...string) bool) {
	q.explicit = true
	wsWords := has(wordsWS)
	switch {
	case has(wordsHelp) || phrase("what can you do", "what do you understand", "what can i ask", "who are you", "how do i use", "how to use", "how does this work", "how do you work"):
		q.kind = kindHelp
	case q.grouping(words, has, phrase):
		q.kind = kindCount
	case has(wordsTriage) || phrase("all good", "all ok", "all okay", "everything ok", "everything okay", "everything fine", "all fine",
		"everything is fine", "everything is ok", "everything is okay", "everything is good", "all is well", "all is fine",
		"anything wrong", "anything broken", "what broken", "whats broken", "what is broken", "need me", "needs me",
		"should i know", "should i look", "look at first", "on fire", "any issues", "any problems", "how are we",
		"how we doing", "how are things", "how's it looking", "hows it looking", "how is it looking", "plan looking",
		"status report", "sitrep", "status update", "are we good", "we good", "are we ok", "are we okay", "are we fine",
		"where are we", "all green", "catch me up", "fill me in", "what did i miss", "update me", "what needs", "needs doing", "where do i start", "what should i look", "anything to do"):
		if phrase("what broken", "whats broken", "what is broken", "anything broken", "is broken", "are broken") {
			q.kind, q.broken = kindJobs, true // the jobs in error and the workstations down
			return
		}
		if len(q.filters) == 0 {
			q.kind = kindSummary
			return
		}
		q.kind = kindJobs
	case q.count && !wsWords && !has(wordsStreams) && !has(wordsLate) && !has(wordsCritical):
		q.kind = kindCount
	case wsWords && len(q.filters) > 0 && !has(wordsUnlinked) && !words["job"] && !words["jobs"] && q.workstation == "":
		// "top 5 failing workstations": jobs in error counted per workstation.
		q.kind, q.groupBy = kindCount, "workstation"
	case has(wordsStreams) && len(q.filters) > 0 && q.stream == "" && !has(wordsLate) && !words["job"] && !words["jobs"]:
		q.kind, q.groupBy = kindCount, "stream"
	case (wsWords || has(wordsUnlinked)) && !words["job"] && !words["jobs"]:
		q.kind = kindWorkstations
		q.unlinked = has(wordsUnlinked) && !phrase("not down", "linked workstations", "linked agents", "are linked", "is linked", "which linked")
		if words["linked"] && !words["unlinked"] && !words["not"] && !has(setOf("down", "offline", "disconnected", "unreachable", "dead", "unavailable")) {
			q.unlinked = false // "which workstations are linked?": all of them, each with its state
		}
		if phrase("not linked", "isn't linked", "aren't linked", "not running", "unlinked", "lost link") {
			q.unlinked = true
		}
	case has(wordsCritical) || phrase("at risk"):
		q.kind = kindCritical
	case has(wordsLate):
		q.kind = kindLate
		q.lateJobs = (words["jobs"] || words["job"]) && !phrase("job stream", "job streams")
	case len(q.filters) > 0 || q.pattern != "":
		q.kind = kindJobs
	case q.stream == "" && (has(wordsStreams) && !words["job"] && !words["jobs"] || phrase("job streams", "job stream")):
		q.kind = kindStreams
	case q.stream != "" && !words["jobs"] && len(q.filters) == 0 && !phrase("what about", "how about", "and about") && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(q.text)), "and "):
		q.kind = kindStreams // "status of stream S"
	case has(wordsSummary) || phrase("how is the plan", "how the plan", "how are things", "how is it going", "going on", "what's up", "whats up", "the plan", "any problems", "anything wrong"):
		q.kind = kindSummary
	case words["jobs"] || words["job"]:
		q.kind = kindJobs
	default:
		q.kind, q.explicit = kindHelp, false
	}
}

// parse understands text, using what the conversation knows to recognise
// the names it mentions.
func parse(text string, mem *memory) question {
	q := question{text: text}
	toks := tokenize(text)
	toks = joinKnownNames(toks, mem)
	q.typos = correct(toks, mem)
	internals := statusNouns(toks, mem)
	promoteNames(toks)
	typeNames(toks, mem)
	q.win, q.winUnknown = readWindow(text)

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
	q.pronoun = q.root || q.ordinal != 0 || words["it"] || words["its"] || words["it's"] || phrase("that job", "this job", "the job", "same job", "that one", "this one", "the same")

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
			if q.stream != "" {
				q.moreStreams = appendUnique(q.moreStreams, canonical(t.raw, mem))
				continue
			}
			q.stream = canonical(t.raw, mem)
		case typeWorkstation:
			if q.workstation != "" {
				q.moreWS = appendUnique(q.moreWS, canonical(t.raw, mem))
				continue
			}
			q.workstation = canonical(t.raw, mem)
		case typeJob, typeUnknown:
			q.jobs = appendUnique(q.jobs, jobRefText(t.raw, mem))
		default:
			loose = append(loose, t)
		}
	}
	q.status(words, phrase)
	for _, in := range internals {
		q.addFilter(filter{label: "in internal status " + in, internal: in})
	}
	if phrase("running long", "long running", "long-running", "longer than", "taking too long", "too long", "taking long", "run long", "runs long", "overrunning", "overrun", "running over", "longest running", "slow jobs", "running slow", "running slowly") {
		q.long = true
		q.filters = []filter{{label: "running", status: "RUNNING"}}
	}

	// Decide what is asked, most specific first.
	switch {
	case q.secrets(words, phrase):
		q.kind, q.explicit = kindRefuse, true
	case q.condition(toks, words, phrase):
	case len(q.jobs) == 0 && !q.win.set() && phrase("handover", "hand over", "hand-over", "handoff", "hand off", "shift report", "shift summary",
		"shift notes", "on the night shift", "on the day shift", "on the late shift", "on the early shift", "during the shift", "during my shift",
		"during this shift", "on this shift", "on my shift", "last shift", "previous shift", "during the night shift"):
		q.kind, q.explicit = kindHandover, true
		q.previousShift = phrase("last shift", "previous shift", "on the night shift", "during the night shift")
	case phrase("how do i use", "how to use", "how do you work", "how does this work", "how do i ask"):
		q.kind, q.explicit = kindHelp, true
	case has(wordsRunbook) || phrase("how do i", "how do we", "how to", "how can i", "how should i", "what to do", "what should i do", "what do i do", "what should we do", "what do we do", "how should we"):
		q.kind, q.explicit = kindRunbook, true
	case q.findAction(toks, words):
		q.kind, q.explicit = kindAction, true
	case has(wordsLog) && !phrase("log in", "log on", "logged in"):
		q.kind, q.explicit = kindLog, true
	case taskAsked(phrase):
		q.kind, q.explicit = kindTask, true
	case recoveryAsked(words, phrase):
		q.kind, q.explicit = kindRecovery, true
	case has(wordsImpact) || phrase("what happens if", "what happens when", "what if", "what would happen", "if § fails", "if § dies",
		"if § abends", "if § is late", "if § breaks", "if § crashes", "if § goes down", "what else goes down", "else goes down", "what else breaks",
		"what else fails", "who else", "what else is affected", "knock on", "knock-on", "ripple", "gets hit", "get hit", "hit if", "goes down if",
		"is hit", "are hit", "suffers", "would suffer", "else is hit") ||
		words["if"] && (len(q.jobs) > 0 || q.pronoun) && (has(wordsWhyFail) || has(wordsFailed) || has(wordsLate) || has(wordsImpactVerbs)) && !words["why"]:
		q.kind, q.explicit = kindImpact, true
		if phrase("what happens if", "what happens when", "what would happen") && (has(wordsWhyFail) || has(wordsFailed) || has(wordsAbend)) {
			q.also = append(q.also, kindRecovery) // "what happens if X fails": its recovery too
		}
	case has(wordsSucc) || phrase("is § blocking", "§ blocking", "§ holding up", "is § holding up", "waits for §", "needs §", "need §", "depends on §", "depend on §", "waiting on §", "waits on §", "waiting for §", "wait for §", "depends on it", "depend on it", "waiting on it", "waiting for it", "after §", "triggered by §", "depends upon §", "depend upon §"):
		q.kind, q.explicit = kindSuccessors, true
	case has(wordsPred) || phrase("depend on", "depends on", "rely on", "relies on", "needed by", "need before", "needs before", "feeds §",
		"feed §", "comes before", "come before", "runs before", "run before", "before § can", "before it can", "must finish before", "has to finish before"):
		q.kind, q.explicit = kindPredecessors, true
	case words["why"] && has(wordsWhyFail):
		q.kind, q.explicit = kindWhy, true
	case (words["why"] && has(wordsWhyWait)) || phrase("wait for", "waiting for", "waits for", "waiting on", "waits on", "blocked by", "held up", "what is blocking", "what's blocking", "whats blocking", "blocking it", "blocking §", "holding up", "holding back",
		"holding it up", "holding § up", "holds it up", "holds § up", "stuck on", "is stuck", "§ stuck", "sitting there", "sat there", "hanging", "wont start", "won't start",
		"wont kick off", "won't kick off", "not kicking off", "not starting", "hasnt started", "hasn't started", "hasnt kicked off", "hasn't kicked off", "yet to start"):
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
	case q.pronoun && (has(wordsDetail) || len(q.filters) > 0) && !has(wordsGroup) && !q.count && !has(wordsTriage) &&
		!phrase("everything fine", "everything ok", "everything okay", "all good", "is everything", "are we", "everything is fine",
			"everything is ok", "everything is okay", "everything is good", "all is well", "all is fine") && !(words["which"] && (has(wordsWS) || has(wordsStreams))):
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
	if q.kind.jobKind() && len(q.jobs) == 0 && !(q.kind == kindAction && (has(wordsBulk) || words["jobs"])) {
		// "check the log on ABEND_J1": with no other name, a loose one is the job
		// (but "hold all jobs on MDM" names a workstation, not a job).
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
				if q.workstation != "" {
					q.moreWS = appendUnique(q.moreWS, canonical(t.raw, mem))
				} else {
					q.workstation = canonical(t.raw, mem)
				}
			default:
				if q.stream != "" {
					q.moreStreams = appendUnique(q.moreStreams, canonical(t.raw, mem))
				} else {
					q.stream = canonical(t.raw, mem)
				}
			}
		}
	}
	if q.kind == kindWhy && len(q.jobs) == 0 && (words["they"] || words["them"] || words["those"] || words["ones"] || words["jobs"] || words["which"] || phrase("what failed", "what abended")) {
		// "which jobs failed and why?": the list, and why each failed.
		q.kind, q.explain = kindJobs, true
		q.pronoun = false
		if len(q.filters) == 0 || !has(wordsAbend) && words["fail"] && (words["they"] || words["them"] || words["those"]) {
			// "why did they fail": the list of the conversation, else the failed jobs.
			q.filters = []filter{{label: "in error", status: "ERROR"}}
			q.inherits = words["they"] || words["them"] || words["those"] || words["ones"]
		}
	}
	if q.kind == kindJobs && len(q.filters) > 0 && phrase("what was the error", "what were the errors", "the error message", "error messages", "and why", "tell me why", "with the reason", "with reasons", "and the reason", "and the cause") {
		q.explain = true
	}
	if w := strings.Trim(strings.ToLower(strings.TrimSpace(text)), "?!. "); w == "why" || w == "how come" || w == "reason" || w == "cause" || w == "and why" || w == "why so" {
		q.kind, q.explicit, q.pronoun = kindWhy, true, true // "why?" after "status of X"
	}
	if q.win.set() && (q.kind == kindSummary || q.kind == kindHelp) {
		if has(wordsRan) {
			q.kind, q.explicit = kindJobs, true // "what ran after midnight"
		} else {
			// "what blew up overnight", "any issues since 2am": the failures
			// of the window (the answer says it read it so).
			q.kind, q.explicit, q.failuresRead = kindJobs, true, true
			q.filters = []filter{{label: "in error", status: "ERROR"}}
		}
	}
	if !q.win.set() && (words["today"] || words["tonight"] || words["tonite"]) && (q.kind == kindJobs || q.kind == kindCount) && endState(q.filters) {
		// "what failed today": since midnight on the plan clock, said in the answer.
		q.win = window{since: "today", label: "today (since midnight)"}
	}
	if (q.kind == kindJobs || q.kind == kindCount || q.kind == kindHelp || q.kind == kindWaiting && len(q.jobs) == 0 && !q.pronoun) &&
		phrase("not started", "haven't started", "havent started", "hasn't started", "hasnt started", "not kicked off", "haven't kicked off",
			"havent kicked off", "yet to start", "left to run", "still to run", "not run yet", "haven't run", "havent run", "not yet started", "not yet run",
			"yet to run", "not begun", "haven't begun") {
		// "which jobs haven't kicked off yet": the jobs with no started run.
		q.notStarted = true
		if q.kind != kindCount {
			q.kind = kindJobs
		}
		q.explicit = true
	}
	if q.kind == kindJobs && phrase("on time", "not late", "on schedule") {
		q.onTime = true // "which jobs are on time?"
	}
	if q.kind == kindJobs && len(q.filters) == 0 && q.stream == "" && q.workstation == "" && q.pattern == "" && !q.win.set() && !q.long && !q.onTime && !q.notStarted {
		q.bareUnread = bareUnread(toks)
	}
	q.unknown = leftovers(toks)
	if q.kind.listKind() && q.kind != kindWorkstations && !q.onTime && !q.notStarted && negated(toks, words) {
		q.negated = true
	}
	if q.kind == kindHelp && !q.explicit && len(q.jobs) == 0 && (q.workstation != "") != (q.stream != "") && (has(wordsDetail) || words["news"] || words["update"] || words["updates"]) && !has(wordsRan) {
		// "any news on ORDERS_SORT9": the name is the subject, whatever its kind
		// (get_job says when it is a stream or a workstation).
		q.jobs = []string{q.workstation + q.stream}
		q.workstation, q.stream = "", ""
		q.kind, q.explicit = kindJob, true
	}
	if q.kind == kindCount && len(q.filters) == 0 && q.stream == "" && q.workstation == "" && q.groupBy == "" && !q.win.set() &&
		len(leftovers(toks)) == 0 && !words["jobs"] && !words["job"] && !words["plan"] && !words["total"] {
		q.inherits = true // "how many?", "how many of them": the list before
	}
	if q.kind == kindHelp && !q.explicit && len(q.jobs) == 0 && q.stream == "" && q.workstation == "" && len(toks) <= 5 &&
		(words["rc"] || phrase("return code", "exit code", "the status", "the state", "the error")) {
		q.kind, q.explicit, q.pronoun = kindJob, true, true // "whats the rc": of the job of the conversation
	}
	if q.kind == kindHelp && !q.explicit && (q.workstation != "" || q.stream != "") && len(q.jobs) == 0 && has(wordsRan) {
		q.kind, q.explicit = kindJobs, true // "what runs on DPOOL_DWH"
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
	add := q.addFilter
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
		case "submit":
			verb = submitAction(rest)
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
