package offline

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/resync/resync/shared/domain/workload"
)

// intentSets are the word lists whose misspellings are corrected, each a
// group: a misspelling is corrected only when every nearest word is of one
// group ("abens" is one edit from abend and from abends, both abend words).
var intentSets = []map[string]bool{wordsAbend, wordsFailed, wordsRunning, wordsHeld, wordsWaiting, wordsReady,
	wordsSuccess, wordsCanceled, wordsBlocked, wordsLate, wordsCritical, wordsWS, wordsUnlinked, wordsStreams,
	wordsSummary, wordsLog, wordsImpact, wordsSucc, wordsPred, wordsRunbook, wordsTriage, wordsGroup,
	setOf("jobs", "job", "running", "which", "what", "status", "dependencies", "workstation", "successors", "predecessors"),
	filler, stopWords}

// correctable lists the words of intentSets (at least four letters) and the
// group of each.
var correctable, correctGroup = func() ([]string, map[string]int) {
	group := map[string]int{}
	for i, set := range intentSets {
		for w := range set {
			if _, ok := group[w]; !ok && len(w) >= 4 {
				group[w] = i
			}
		}
	}
	words := make([]string, 0, len(group))
	for w := range group {
		words = append(words, w)
	}
	sort.Strings(words)
	return words, group
}()

// correct rewrites misspelled intent words ("faild", "abneded", "wokstation")
// to the word they stand for, by edit distance (workload.Nearest), and
// returns them as "typed→read". Names, quoted text, short words and words it
// knows are left alone; a misspelling near words of different intents is
// left too, and then counts as not understood.
func correct(toks []token, mem *memory) []string {
	var fixed []string
	for i := range toks {
		t := &toks[i]
		if t.name || t.quoted || vocabulary[t.word] || len(t.word) < 4 || unitPattern.MatchString(t.word) || filler[t.word] {
			continue
		}
		if _, err := strconv.Atoi(t.word); err == nil {
			continue
		}
		near := workload.Nearest(t.word, correctable)
		if len(t.word) == 4 {
			// four letters: "jbos", "whch", "abnd" are typos; "rate" is not "late"
			near = slices.DeleteFunc(near, func(n string) bool { return !insertionOrSwap(t.word, n) })
		}
		if len(near) == 0 {
			continue
		}
		best := workload.Distance(t.word, near[0])
		g := correctGroup[near[0]]
		same := true
		for _, n := range near[1:] {
			if workload.Distance(t.word, n) == best && correctGroup[n] != g {
				same = false
			}
		}
		if !same {
			continue
		}
		fixed = append(fixed, t.word+"→"+near[0])
		t.word, t.raw = near[0], near[0]
	}
	return fixed
}

// internalNouns are internal statuses an operator types as words ("jobs in
// hold", "what's in exec") that the English word lists do not already read.
var internalNouns = setOf("hold", "exec", "succ", "intro", "pend", "fail", "cancl", "susp", "stuck", "wait", "sched", "fence", "extrn", "abenp", "succp")

// statusNouns reads internal status words used as nouns — HOLD, EXEC, SUCC
// typed in capitals, or in lower case after "in" or before "status" — as
// status filters rather than job names, and returns them (upper case). A
// name the conversation knows as a job, a quoted word or a word after "job"
// stays a name.
func statusNouns(toks []token, mem *memory) []string {
	var out []string
	for i := range toks {
		t := &toks[i]
		up := strings.ToUpper(t.raw)
		prev, next := "", ""
		if i > 0 && toks[i-1].clause == t.clause {
			prev = toks[i-1].word
		}
		if i+1 < len(toks) && toks[i+1].clause == t.clause {
			next = toks[i+1].word
		}
		if t.quoted || prev == "job" || prev == "named" || prev == "called" || mem.isJob(t.raw) {
			continue
		}
		if _, verb := verbs[t.word]; verb && (prev == "" || courtesy[prev]) && i+1 < len(toks) && toks[i+1].name {
			continue // "HOLD PAY_LOAD": the verb of an action
		}
		capital := !shouted(toks) && len(up) >= 3 && t.raw == up && (workload.InternalStatus(up).Valid() || workload.CommonStatus(up).Valid())
		noun := !t.name && internalNouns[t.word] && (prev == "in" || prev == "status" || next == "status" || next == "state" || next == "jobs" || next == "ones" || next == "count" || next == "total")
		if !capital && !noun {
			continue
		}
		t.name = false
		switch up {
		case "ABEND", "ABENP":
			t.word = "abend"
		case "ERROR":
			t.word = "error"
		case "READY":
			t.word = "ready"
		default:
			if workload.CommonStatus(up).Valid() && !workload.InternalStatus(up).Valid() {
				t.word = strings.ToLower(up)
				continue
			}
			t.word = "" // read here, not by the English word lists
			out = append(out, up)
		}
	}
	return out
}

// shouted reports whether a question is typed all in capitals, where
// capitals say nothing of names or status nouns.
func shouted(toks []token) bool {
	letters := 0
	for _, t := range toks {
		if t.quoted {
			continue
		}
		for _, r := range t.raw {
			if r >= 'a' && r <= 'z' {
				return false
			}
			if r >= 'A' && r <= 'Z' {
				letters++
			}
		}
	}
	return letters > 0 && len(toks) > 2
}

// Words of triage, grouping and filler.
var (
	wordsTriage      = setOf("worry", "worried", "worrying", "attention", "concern", "concerned", "concerning", "fires", "fire", "urgent", "alarm", "alarms", "alert", "alerts", "priorities", "triage")
	wordsImpactVerbs = setOf("tanks", "dies", "die", "breaks", "crashes", "blows", "bombs", "hit", "down", "stops", "goes", "delayed", "slips", "overruns")
	wordsRan         = setOf("ran", "run", "runs", "started", "executed", "kicked", "launched", "submitted")
	wordsGroup       = setOf("most", "least", "fewest", "per", "breakdown", "grouped", "group", "groups", "distribution", "ranking", "rank", "worst", "busiest")
	// filler words carry no filter: never "not understood".
	filler = setOf("guys", "folks", "team", "quick", "quickly", "really", "actually", "exactly", "btw", "hmm", "umm", "um", "uh",
		"stuff", "things", "thing", "there", "anything", "something", "everything", "nothing", "know", "need", "needs",
		"look", "looks", "looking", "like", "seems", "seem", "currently", "present", "moment", "far", "so", "yet", "ever",
		"kind", "sort", "way", "bit", "lot", "lots", "please", "thanks", "cheers", "mate", "boss", "buddy", "pal", "dude",
		"happened", "happening", "going", "got", "get", "gets", "give", "tell", "say", "said", "see", "seen",
		"want", "wanna", "gonna", "would", "could", "should", "might", "shows", "showing", "shown", "listed",
		"today", "tonight", "now", "right", "please", "jobs", "job", "ones", "those", "these", "they", "them",
		"were", "been", "has", "have", "had", "does", "did", "doing", "done", "shift", "morning", "good", "overall",
		"reason", "reasons", "cause", "causes", "caused", "error", "errors", "also", "plus", "along", "together",
		"state", "states", "status", "statuses", "internal", "common", "code", "codes", "return", "exit", "rc", "rcs",
		"each", "every", "per", "total", "count", "number", "numbers", "much", "many", "more", "less", "fewer",
		"ok", "okay", "fine", "alright", "well", "hey", "yo", "hi", "hello", "morning", "evening", "night",
		"since", "ago", "hour", "hours", "minute", "minutes", "min", "mins", "last", "past", "before", "after",
		"between", "until", "till", "overnight", "yesterday", "midnight", "noon", "am", "pm", "the", "plan", "plans",
		"batch", "production", "prod", "environment", "env", "system", "systems", "scheduler", "hwa", "tws", "workload",
		"right", "currently", "please", "me", "my", "our", "your", "i", "we", "you", "am", "im", "i'm", "ive", "i've",
		"anyone", "anybody", "someone", "somebody", "whatever", "whether", "maybe", "perhaps", "probably",
		"there's", "theres", "here's", "heres", "that's", "thats", "let's", "lets", "gimme", "lemme", "wanna",
		"path", "paths", "chain", "atm", "rn", "tonite", "tmrw", "ur", "pls", "plz", "thx", "asap", "fyi", "imo", "btw", "sat", "sitting", "sits",
		"damage", "throwing", "throws", "producing", "generating", "having", "getting", "boss", "manager", "asking", "asks", "asked", "wants",
		"news", "forever", "ages", "long", "tell", "him", "her", "them", "among", "amongst", "across", "within", "over", "which", "one", "ones", "hrs", "hr", "secs", "sec", "days", "day", "weeks", "update", "updates", "rundown", "lowdown", "picture", "view",
		"blew", "blow", "blown", "exploded", "bombed", "died", "dying", "tanked", "puked", "longer", "expected", "taking", "too", "slow", "slowly", "overrun", "overrunning", "estimate", "estimated", "usual", "normal",
		"quick", "summary", "brief", "briefly", "short", "full", "complete", "entire", "whole", "detailed")
)

// leftovers are the words of a question nothing read: not a name, not a
// word of any intent, not filler.
func leftovers(toks []token) []string {
	var out []string
	for _, t := range toks {
		if t.name || t.word == "" || vocabulary[t.word] || len(t.word) < 3 || unitPattern.MatchString(t.word) || !strings.ContainsFunc(t.word, unicode.IsLetter) {
			continue
		}
		if _, err := strconv.Atoi(t.word); err == nil {
			continue
		}
		out = append(out, t.raw)
	}
	return out
}

// phraseWords are the words of the phrases the grammar reads ("the
// blocker", "running long"): never corrected into another word, never
// "not understood". TestPhraseWordsAreKnown keeps the list complete.
var phraseWords = setOf(
	"available", "exhausted", "free", "no", "out", "ran", "units", "used", // prompts.go
	"a", "abended", "abends", "about", "admin", "affected", "after", "again", "agent", "agents", "all", "along",
	"and", "another", "any", "anything", "api", "are", "aren't", "as", "ask", "at", "back", "before", "begun",
	"blocked", "blocker", "blockers", "blocking", "breaks", "broke", "broken", "by", "can", "catch", "cause",
	"code", "codes", "come", "comes", "command", "conversations", "crashes", "culprit", "day", "depend",
	"depends", "detail", "details", "developer", "did", "dies", "do", "does", "doing", "down", "during", "each",
	"early", "else", "error", "errors", "everything", "execute", "exit", "failed", "fails", "feed", "feeds",
	"fill", "fine", "finish", "fire", "first", "for", "get", "gets", "goes", "going", "good", "green", "hand",
	"hand-over", "handoff", "handover", "hanging", "happen", "happened", "happens", "has", "hasn't", "hasnt",
	"haven't", "havent", "held", "hit", "hold", "holding", "holds", "how", "how's", "hows", "i", "if", "ignore",
	"in", "info", "instructions", "internal", "is", "isn't", "issues", "it", "its", "jailbreak", "job", "jobs",
	"jobstream", "key", "kick", "kicked", "kicking", "knock", "knock-on", "know", "last", "late", "left",
	"link", "linked", "log", "logged", "long", "long-running", "longer", "longest", "look", "looking", "lost",
	"me", "message", "messages", "miss", "mode", "must", "my", "need", "needed", "needs", "night", "not",
	"notes", "now", "number", "of", "off", "ok", "okay", "on", "one", "other", "over", "overrun", "overrunning",
	"plan", "plus", "predecessor", "pretend", "previous", "problems", "prompt", "rc", "reason", "reasons",
	"relies", "rely", "report", "return", "ripple", "risk", "root", "run", "running", "runs", "same", "sat",
	"schedule", "server", "shell", "shift", "should", "sitrep", "sitting", "slow", "slowly", "someone", "start",
	"started", "starting", "state", "status", "still", "stream", "streams", "stuck", "suffer", "suffers",
	"summary", "system", "taking", "tell", "than", "that", "the", "there", "things", "this", "time", "to",
	"too", "triggered", "understand", "unlinked", "up", "update", "upon", "use", "user", "users", "wait",
	"waiting", "waits", "was", "we", "well", "went", "were", "what", "what's", "whats", "when", "where",
	"which", "who", "why", "with", "won't", "wont", "work", "workstation", "workstations", "would", "wrong",
	"ws", "yet", "you", "your",
	// tasks, recovery, submissions (answer_submit.go)
	"automatically", "itself", "line", "option", "recover", "recovery", "rerun", "reruns", "script", "scripts",
)

// bareOK are the words a job list without any filter may have: "list all
// jobs", "show me the jobs of the plan".
var bareOK = setOf("list", "show", "all", "jobs", "job", "plan", "every", "entire", "whole", "give", "me", "current",
	"currently", "today", "tonight", "in", "the", "of", "what", "which", "are", "is", "there", "any", "please", "pls",
	"can", "you", "i", "see", "get", "display", "print", "names", "name", "my", "our", "a", "an", "do", "we", "have",
	"many", "how", "number", "count", "total", "jobs?", "everything", "now", "right", "and", "their", "statuses", "status")

// bareUnread returns the words of a job list with no filter that are not
// words of a plain list: "stuck" in "which jobs are stuck" may have been a
// filter, so the list is not given without it.
func bareUnread(toks []token) []string {
	var out []string
	for _, t := range toks {
		if t.name || t.word == "" || bareOK[t.word] || courtesy[t.word] || len(t.word) < 3 {
			continue
		}
		if _, err := strconv.Atoi(t.word); err == nil {
			continue
		}
		out = append(out, t.raw)
	}
	return out
}

// negated reports whether a question negates something ("not finished",
// "haven't started", "without errors"), which a list filter cannot express
// but the phrases the grammar knows ("not running" of a job, "not late").
func negated(toks []token, words map[string]bool) bool {
	for _, t := range toks {
		if t.name {
			continue
		}
		if t.word == "not" || t.word == "never" || t.word == "without" || t.word == "except" || t.word == "excluding" || strings.HasSuffix(t.word, "n't") || t.word == "nt" {
			return true
		}
	}
	return false
}

// insertionOrSwap reports whether typed is word with one letter dropped or
// added, or two letters swapped: the typos short words are corrected for.
// A changed letter makes another word too often ("rate", "late").
func insertionOrSwap(typed, word string) bool {
	if len(typed) != len(word) {
		return true
	}
	a, b := []byte(typed), []byte(word)
	slices.Sort(a)
	slices.Sort(b)
	return string(a) == string(b)
}

// endState reports whether the filters ask for jobs that ended (failed,
// abended, successful, canceled): "today" then bounds when they ended.
func endState(fs []filter) bool {
	for _, f := range fs {
		switch {
		case f.status == "ERROR", f.status == "SUCCESSFUL", f.status == "CANCELED", f.internal == "ABEND", f.internal == "SUCC", f.internal == "FAIL", f.internal == "CANCL":
		default:
			return false
		}
	}
	return len(fs) > 0
}
