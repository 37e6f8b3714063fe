package offline

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
	wordsFailed   = setOf("failed", "failing", "fail", "fails", "failure", "failures", "error", "errors", "errored", "erroring", "broken", "crashed", "crash", "crashes", "borked", "tanked", "bombed", "died", "blew", "exploded", "puked", "fell", "fall", "falls")
	wordsRunning  = setOf("running", "executing", "active", "progress")
	wordsHeld     = setOf("held", "holding", "paused")
	wordsWaiting  = setOf("waiting", "pending", "queued", "wait")
	wordsReady    = setOf("ready")
	wordsSuccess  = setOf("successful", "succeeded", "success", "succ", "completed", "complete", "finished", "done")
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
	wordsWhyWait  = setOf("kicked", "kick", "begun", "began", "begin", "waiting", "wait", "waits", "held", "hold", "stuck", "blocked", "blocking", "pending", "late", "slow", "starting", "start", "started", "running", "run", "delayed", "queued")
	wordsWhyFail  = setOf("borked", "tanked", "tanks", "bombed", "bombs", "died", "blew", "blows", "exploded", "dies", "crashes", "breaks", "fell", "falls", "fail", "failed", "fails", "failing", "failure", "abend", "abended", "abends", "crash", "crashed", "error", "errored", "errors", "broke", "broken", "wrong", "rc", "cancelled", "canceled", "killed")
	wordsDetail   = setOf("status", "state", "details", "detail", "info", "information", "describe", "doing", "runs", "history", "duration", "long", "progress", "code", "rc", "happened", "happen", "look", "tell", "about", "show", "when", "is", "did", "was", "has")
	wordsRunbook  = setOf("runbook", "runbooks", "playbook", "playbooks", "procedure", "procedures", "sop", "sops", "documentation", "docs", "doc", "guide", "guidance", "manual", "wiki", "kb")
	wordsGreeting = setOf("hi", "hello", "hey", "thanks", "thank", "thx", "cheers", "morning", "evening", "afternoon", "bye", "goodbye")
	wordsHelp     = setOf("help", "commands", "capabilities", "usage", "examples")
	wordsCount    = setOf("many", "count", "number")
	wordsPronoun  = setOf("it", "its", "it's", "that", "this", "same", "one")
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
		"submit": "submit", "sbs": "submit",
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
		wordsPronoun, wordsBulk, outcomeSucc, outcomeAbend, courtesy, wordsTriage, wordsGroup, wordsRan, wordsImpactVerbs, filler, phraseWords,
		wordsPrompt, wordsResource, replyVerbs} {
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
