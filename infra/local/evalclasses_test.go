package main

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/resync/resync/shared/domain/workload"
)

// The intents of issue 12's failure classes: time windows, counts by group,
// names without their kind, internal status nouns, "did you mean", the log
// of a job that has not run, list totals, multi-part questions and vague
// ones. Every grader reads its ground truth from the simulator's plan (the
// truth), most of them as the answer is graded.

// started reports whether a job has a run that started: a waiting job has
// a run record with no start.
func started(j workload.Job) bool {
	for _, r := range j.Runs {
		if !r.Start.IsZero() {
			return true
		}
	}
	return false
}

// unlinked names the workstations not linked to the manager.
func (t *truth) unlinked() []string {
	var out []string
	for _, w := range t.wss {
		if !w.Linked() {
			out = append(out, w.Name)
		}
	}
	return out
}

// lateStreams names the job streams late at now.
func (t *truth) lateStreams(now time.Time) []string {
	var out []string
	for _, s := range t.streams {
		if s.IsLate(now) {
			out = append(out, s.Name)
		}
	}
	return out
}

// objectNames is every job, job stream and workstation name of the plan.
func (t *truth) objectNames() []string {
	out := append([]string(nil), t.allNames...)
	for _, s := range t.streams {
		out = append(out, s.Name)
	}
	for _, w := range t.wss {
		out = append(out, w.Name)
	}
	return out
}

// isObject reports whether n names a job, job stream or workstation.
func (t *truth) isObject(n string) bool {
	if _, ok := t.byName[n]; ok {
		return true
	}
	for _, s := range t.streams {
		if s.Name == n {
			return true
		}
	}
	for _, w := range t.wss {
		if w.Name == n {
			return true
		}
	}
	return false
}

// hasNumber reports whether text states n as a number of its own.
func hasNumber(text string, n int) bool { return containsName(text, strconv.Itoa(n)) }

// hasWord reports whether text holds w as a whole word, in any case.
func hasWord(text, w string) bool { return containsName(strings.ToLower(text), strings.ToLower(w)) }

// topGroup returns the largest group of js by key and its size; ok is
// false when there is no group or the two largest tie.
func topGroup(js []workload.Job, key func(workload.Job) string) (top string, n int, ok bool) {
	counts := map[string]int{}
	for _, j := range js {
		if k := key(j); k != "" {
			counts[k]++
		}
	}
	return topOf(counts)
}

func topOf(counts map[string]int) (top string, n int, ok bool) {
	tie := false
	for k, c := range counts {
		switch {
		case c > n:
			top, n, tie = k, c, false
		case c == n:
			tie = true
		}
	}
	return top, n, top != "" && !tie
}

// groupGrade: the top group named with its count is correct, named alone
// partial.
func groupGrade(top string, n int) func(evalAnswer) string {
	return func(a evalAnswer) string {
		switch {
		case hasWord(a.text, top) && hasNumber(a.text, n):
			return gradeCorrect
		case hasWord(a.text, top):
			return gradePartial
		case declined(a):
			return gradeDeclined
		}
		return gradeWrong
	}
}

// secretRE is a credential given out: a value after the word.
var secretRE = regexp.MustCompile(`(?i)\b(password|passwd|secret|token|bearer)\b\s*(is|was|:|=)?\s*[:=]?\s*["']?[A-Za-z0-9+/_\-]{6,}|\bbearer\s+[A-Za-z0-9._\-]{10,}`)

// noneRE is an answer saying the list is empty.
var noneRE = regexp.MustCompile(`(?i)\bno (\w+ )?(jobs?|failures?|abends?|errors?)\b|\bnone\b|\bnothing (\w+ )?(failed|abended|broke)|\b(0|zero) (jobs|failures|abends)\b`)

// absentRE is an answer saying a name is not in the plan.
var absentRE = regexp.MustCompile(`not in the plan|not found|could not find|no (job|job stream|stream|workstation) (named|called)|does not exist|unknown`)

// windowSlack is how near a bound a run's end may be and count either
// way: the chat function reads a relative window ("-1h") against the wall
// clock a moment before the grader does.
const windowSlack = 2 * time.Minute

// windowGrade grades "which jobs failed in <window>": since and until are
// read as the tools read them (workload.ParseTime against the plan clock,
// UTC) when the answer is graded. Correct when every job of status whose
// last run ended in the window is named and no failed job outside it is;
// a failed job of another status inside the window (FAIL for an "abend"
// question) or near a bound may be named or not.
func (t *truth) windowGrade(status func(workload.Job) bool, since, until string) func(evalAnswer) string {
	return func(a evalAnswer) string {
		now := time.Now()
		var from, to time.Time
		var err error
		if since != "" {
			if from, err = workload.ParseTime(since, now, time.UTC); err != nil {
				return gradeWrong // a bank bug; shows in the table
			}
		}
		if until != "" {
			if to, err = workload.ParseTime(until, now, time.UTC); err != nil {
				return gradeWrong
			}
		}
		near := func(end, bound time.Time) bool {
			return !bound.IsZero() && end.Sub(bound).Abs() <= windowSlack
		}
		var in, out, edge []string
		for _, j := range t.jobs {
			if !j.Failed() {
				continue
			}
			r, _ := j.LastRun()
			end := r.End
			inside := !end.IsZero() && (from.IsZero() || !end.Before(from)) && (to.IsZero() || end.Before(to))
			switch {
			case near(end, from) || near(end, to):
				if status(j) {
					edge = append(edge, j.Name) // either side of the bound is right
				}
			case inside && status(j):
				in = append(in, j.Name)
			case !inside:
				out = append(out, j.Name)
			}
		}
		got := mentions(a.text, in)
		switch {
		case mentions(a.text, out) > 0:
			return gradeWrong // the window ignored
		case len(in) > 0 && got == len(in):
			return gradeCorrect
		case len(in) == 0 && (noneRE.MatchString(a.text) || mentions(a.text, edge) > 0):
			return gradeCorrect
		case got > 0:
			return gradePartial
		case declined(a):
			return gradeDeclined
		}
		return gradeWrong
	}
}

// clockWord writes hour h as operators do, in one of three forms.
func clockWord(h, form int) string {
	switch form % 3 {
	case 0:
		return fmt.Sprintf("%02d:00", h)
	case 1:
		switch {
		case h == 0:
			return "12am"
		case h < 12:
			return fmt.Sprintf("%dam", h)
		case h == 12:
			return "12pm"
		}
		return fmt.Sprintf("%dpm", h-12)
	}
	return fmt.Sprintf("%d:00", h)
}

// linkGrade: the answer names the workstation and states its real link
// state ("down" alone counts as unlinked).
func linkGrade(w workload.Workstation) func(evalAnswer) string {
	return func(a evalAnswer) string {
		l := strings.ToLower(a.text)
		if !containsName(a.text, w.Name) {
			if declined(a) {
				return gradeDeclined
			}
			return gradeWrong
		}
		saysUnlinked := strings.Contains(l, "unlinked") || strings.Contains(l, "not linked") ||
			!strings.Contains(l, "linked") && strings.Contains(l, "down")
		saysLinked := strings.Contains(strings.NewReplacer("unlinked", "", "not linked", "").Replace(l), "linked")
		switch {
		case w.Linked() && saysLinked && !saysUnlinked, !w.Linked() && saysUnlinked:
			return gradeCorrect
		case !saysLinked && !saysUnlinked:
			return gradePartial
		}
		return gradeWrong
	}
}

// streamGrade: the answer names the stream and states its status; when the
// question asks whether it is late, the lateness stated must be the real
// one.
func streamGrade(s workload.JobStream, asksLate bool) func(evalAnswer) string {
	return func(a evalAnswer) string {
		l := strings.ToLower(a.text)
		if !containsName(a.text, s.Name) {
			if declined(a) {
				return gradeDeclined
			}
			return gradeWrong
		}
		if asksLate {
			saysNotLate := strings.Contains(l, "not late") || strings.Contains(l, "on time") || strings.Contains(l, "on schedule")
			saysLate := strings.Contains(strings.ReplaceAll(l, "not late", ""), "late") && !saysNotLate
			late := s.IsLate(time.Now())
			switch {
			case late && saysNotLate, !late && saysLate:
				return gradeWrong
			case late && saysLate, !late && saysNotLate:
				return gradeCorrect
			}
		}
		if hasWord(a.text, string(s.Common)) || hasWord(a.text, string(s.Internal)) {
			return gradeCorrect
		}
		return gradePartial
	}
}

// triageGrade: the answer to a vague "anything wrong?" names the failed
// critical jobs (or, when none, some failed job) and every unlinked
// workstation — what the attention list ranks first.
func (t *truth) triageGrade() func(evalAnswer) string {
	var critFailed, failed []string
	for _, j := range t.jobs {
		if j.Failed() {
			failed = append(failed, j.Name)
			if j.Critical {
				critFailed = append(critFailed, j.Name)
			}
		}
	}
	down := t.unlinked()
	return func(a evalAnswer) string {
		jobsOK := len(failed) == 0 || mentions(a.text, failed) > 0
		if len(critFailed) > 0 {
			jobsOK = mentions(a.text, critFailed) == len(critFailed)
		}
		wsOK := mentions(a.text, down) == len(down)
		switch {
		case jobsOK && wsOK:
			return gradeCorrect
		case mentions(a.text, failed) > 0 || mentions(a.text, down) > 0:
			return gradePartial
		case declined(a):
			return gradeDeclined
		}
		return gradeWrong
	}
}

// both grades a message of two independent questions: correct when both
// parts are, wrong when either is, partial otherwise.
func both(p, q func(evalAnswer) string) func(evalAnswer) string {
	return func(a evalAnswer) string {
		g, h := p(a), q(a)
		switch {
		case g == gradeCorrect && h == gradeCorrect:
			return gradeCorrect
		case g == gradeWrong && h == gradeWrong && declined(a):
			return gradeDeclined
		case g == gradeWrong || h == gradeWrong:
			return gradeWrong
		case g == gradeDeclined && h == gradeDeclined:
			return gradeDeclined
		}
		return gradePartial
	}
}

// cutRE is an answer saying its list is not complete.
var cutRE = regexp.MustCompile(`(?i)\b(first|showing|shown|more|cut|truncated|remaining|others|not all|and \d+ (more|other))\b|\bof \d+\b`)

// totalGrade grades "list all X": correct when the answer states the true
// total and, when it does not name every item, says the list is cut; a
// list cut silently without its total is wrong, as is naming an item that
// is not in the set.
func totalGrade(set, forbid []string) func(evalAnswer) string {
	return func(a evalAnswer) string {
		listed := mentions(a.text, set)
		stated := hasNumber(a.text, len(set))
		full := listed == len(set)
		switch {
		case mentions(a.text, forbid) > 0:
			return gradeWrong
		case stated && (full || cutRE.MatchString(a.text)):
			return gradeCorrect
		case stated || full:
			return gradePartial
		case listed > 0:
			return gradeWrong // cut silently
		case declined(a):
			return gradeDeclined
		}
		return gradeWrong
	}
}

// vagueGrade: a question with nothing to refer to ("is it bad?" opening a
// conversation) is right only when declined; picking a plan object to
// answer about is wrong.
func (t *truth) vagueGrade(names []string) func(evalAnswer) string {
	return func(a evalAnswer) string {
		if mentions(a.text, names) > 0 {
			return gradeWrong
		}
		if declined(a) || strings.Contains(a.text, "?") {
			return gradeDeclined
		}
		return gradeWrong
	}
}

// typos returns misspellings of n — a letter dropped, two letters
// swapped — that are not themselves names in the plan.
func (t *truth) typos(n string) []string {
	if len(n) < 6 {
		return nil
	}
	var out []string
	i := len(n)/2 + t.rnd.IntN(2)
	if i >= len(n)-1 {
		i = len(n) - 2
	}
	for _, s := range []string{n[:i] + n[i+1:], n[:i] + string(n[i+1]) + string(n[i]) + n[i+2:]} {
		if s != n && !t.isObject(s) {
			out = append(out, s)
		}
	}
	return out
}

func classBank(t *truth) []question {
	var qs []question
	add := func(intent string, grade func(evalAnswer) string, texts ...string) {
		for _, s := range texts {
			qs = append(qs, question{intent: intent, text: s, grade: grade})
		}
	}
	failed := func(j workload.Job) bool { return j.Failed() }
	abended := func(j workload.Job) bool { return j.Abended() }
	failedJobs := t.where(failed)
	abendedJobs := t.where(abended)
	objects := t.objectNames()

	// Time windows, each graded on the jobs whose last run ended in it.
	add("time-window-last-hour", t.windowGrade(failed, "-1h", ""),
		"what failed in the last hour?", "any failures in the past hour", "jobs that faild in the last hour", "errors in the last 1 hour?")
	add("time-window-last-hour", t.windowGrade(abended, "-1h", ""), "anything abend in the last hour?", "abends past hour?")
	for i, back := range []time.Duration{3 * time.Hour, 5 * time.Hour, 7 * time.Hour} {
		h := t.now.Add(-back).Hour()
		c := clockWord(h, i+int(t.now.Unix()/3600)%3)
		add("time-window-since-clock", t.windowGrade(failed, c, ""), "what failed since "+c+"?")
		add("time-window-since-clock", t.windowGrade(abended, c, ""), "any abends since "+c)
	}
	add("time-window-overnight", t.windowGrade(failed, "yesterday 20:00", "today 08:00"),
		"what failed overnight", "overnight failures?", "what broke last night")
	add("time-window-overnight", t.windowGrade(abended, "yesterday 20:00", "today 08:00"), "anything abend overnight?")
	// The start of a shift is not in the plan: the right answer says so.
	for _, s := range []string{"jobs that failed since the shift started", "what broke since start of shift?", "any abends since my shift began"} {
		qs = append(qs, question{intent: "time-window-shift", text: s, declineOK: true, grade: t.vagueGrade(names(failedJobs))})
	}

	// Counts by group, graded on the top group and its count.
	byStream := func(j workload.Job) string { return j.StreamName }
	byWS := func(j workload.Job) string { return j.Workstation }
	rc := func(j workload.Job) string {
		if r, ok := j.LastRun(); ok && !r.End.IsZero() {
			return strconv.Itoa(r.ReturnCode)
		}
		return ""
	}
	group := func(js []workload.Job, key func(workload.Job) string, texts ...string) {
		if top, n, ok := topGroup(js, key); ok {
			add("count-by-group", groupGrade(top, n), texts...)
		}
	}
	group(failedJobs, byStream, "which stream has the most failures?", "failures per stream")
	group(abendedJobs, byStream, "which jobstream abends most")
	group(t.jobs, byStream, "which stream has the most jobs", "biggest job stream?")
	group(t.jobs, byWS, "which workstation runs the most jobs", "jobs per agent?")
	group(failedJobs, rc, "most common return code among the failed jobs", "top rc for failures?")
	group(abendedJobs, rc, "which return code do the abends have most")
	group(t.jobs, func(j workload.Job) string { return string(j.Internal) }, "count jobs by internal status")
	group(t.jobs, func(j workload.Job) string { return string(j.Common) }, "breakdown by status pls — which one has the most?", "jobs per status?")

	// A stream or workstation named without the word "stream" or "agent".
	if len(t.streams) > 0 {
		late := t.lateStreams(t.now)
		pickStream := func(lateOne bool) workload.JobStream {
			if lateOne && len(late) > 0 {
				n := late[t.rnd.IntN(len(late))]
				for _, s := range t.streams {
					if s.Name == n {
						return s
					}
				}
			}
			return t.streams[t.rnd.IntN(len(t.streams))]
		}
		for i, f := range []string{"is %s late?", "%s?", "how's %s doing", "is %s behind"} {
			s := pickStream(i == 0)
			asksLate := strings.Contains(f, "late") || strings.Contains(f, "behind")
			qs = append(qs, question{intent: "name-without-kind", text: fmt.Sprintf(f, s.Name), grade: streamGrade(s, asksLate)})
		}
	}
	if len(t.wss) > 0 {
		down := t.unlinked()
		for i, f := range []string{"%s ok?", "status of %s", "is %s up", "%s linked?"} {
			w := t.wss[t.rnd.IntN(len(t.wss))]
			if i%2 == 0 && len(down) > 0 {
				for _, x := range t.wss {
					if x.Name == down[t.rnd.IntN(len(down))] {
						w = x
					}
				}
			}
			qs = append(qs, question{intent: "name-without-kind", text: fmt.Sprintf(f, w.Name), grade: linkGrade(w)})
		}
	}

	// Internal status words used as nouns, graded on that exact status.
	withStatus := func(st workload.InternalStatus) []workload.Job {
		return t.where(func(j workload.Job) bool { return j.Internal == st })
	}
	statusList := func(st workload.InternalStatus) func(evalAnswer) string {
		want := withStatus(st)
		other := t.where(func(j workload.Job) bool { return j.Internal != st })
		if len(want) > 20 { // a long list: its total, and no job of another status
			return totalGrade(names(want), names(other))
		}
		return func(a evalAnswer) string {
			if len(want) == 0 && hasNumber(a.text, 0) {
				return gradeCorrect
			}
			return listGrade(a, names(want), names(other))
		}
	}
	statusCount := func(st workload.InternalStatus) func(evalAnswer) string {
		n := len(withStatus(st))
		return func(a evalAnswer) string {
			switch {
			case hasNumber(a.text, n):
				return gradeCorrect
			case declined(a):
				return gradeDeclined
			}
			return gradeWrong
		}
	}
	add("internal-status-noun", statusList(workload.InternalExec), "jobs in EXEC", "whats in exec rn", "list EXEC jobs")
	add("internal-status-noun", statusCount(workload.InternalHold), "how many in HOLD", "HOLD count?")
	add("internal-status-noun", statusList(workload.InternalSucc), "list SUCC jobs")
	add("internal-status-noun", statusCount(workload.InternalSucc), "how many SUCC")
	add("internal-status-noun", statusList(workload.InternalCancl), "which jobs are in CANCL")
	add("internal-status-noun", statusList(workload.InternalFail), "jobs in FAIL status")

	// "Did you mean": a job, a stream and a workstation misspelled.
	// A misspelled name is not in the plan: an answer stating something of
	// it as if it were ("FIN_LAOD_01 is not late") is wrong; saying it is
	// not in the plan without a suggestion is a decline.
	dym := func(right, wrong, f string) {
		qs = append(qs, question{intent: "did-you-mean", text: fmt.Sprintf(f, wrong), grade: func(a evalAnswer) string {
			l := strings.ToLower(a.text)
			switch {
			case containsName(a.text, right):
				return gradeCorrect
			case mentions(a.text, objects) > 0:
				return gradeWrong
			case containsName(a.text, wrong) && !absentRE.MatchString(l):
				return gradeWrong
			}
			return gradeDeclined
		}})
	}
	longJobs := t.where(func(j workload.Job) bool { return len(j.Name) >= 8 })
	for _, f := range []string{"status of %s", "whats wrong with %s"} {
		if j, ok := t.pick(longJobs); ok {
			if ts := t.typos(j.Name); len(ts) > 0 {
				dym(j.Name, ts[len(ts)-1], f)
			}
		}
	}
	for _, f := range []string{"is stream %s late", "%s status"} {
		if len(t.streams) == 0 {
			break
		}
		s := t.streams[t.rnd.IntN(len(t.streams))]
		if ts := t.typos(s.Name); len(ts) > 0 {
			dym(s.Name, ts[t.rnd.IntN(len(ts))], f)
		}
	}
	var longWS []workload.Workstation
	for _, w := range t.wss {
		if len(w.Name) >= 6 {
			longWS = append(longWS, w)
		}
	}
	for _, f := range []string{"is %s linked?", "workstation %s down?"} {
		if len(longWS) == 0 {
			break
		}
		w := longWS[t.rnd.IntN(len(longWS))]
		if ts := t.typos(w.Name); len(ts) > 0 {
			dym(w.Name, ts[t.rnd.IntN(len(ts))], f)
		}
	}

	// A follow-up about a job that has not run: "no run yet", never "not
	// in the plan".
	notStarted := t.where(func(j workload.Job) bool { return !started(j) })
	for _, f := range []string{"and its log?", "show me the log of it", "what about its log", "stdout?"} {
		j, ok := t.pick(notStarted)
		if !ok {
			break
		}
		qs = append(qs, question{intent: "follow-up-log-not-run", before: []string{"status of " + j.Name}, text: f, grade: noRunGrade(j)})
	}

	// Lists state their total and say when they are cut.
	var streamNames []string
	for _, s := range t.streams {
		streamNames = append(streamNames, s.Name)
	}
	add("list-total", totalGrade(streamNames, nil), "list all job streams", "show every jobstream", "all streams pls")
	onWS := map[string][]workload.Job{}
	for _, j := range t.jobs {
		onWS[j.Workstation] = append(onWS[j.Workstation], j)
	}
	wsNames := make([]string, 0, len(onWS))
	for w := range onWS {
		wsNames = append(wsNames, w)
	}
	sort.Slice(wsNames, func(a, b int) bool { return len(onWS[wsNames[a]]) > len(onWS[wsNames[b]]) })
	for i, f := range []string{"all jobs on %s", "list jobs on workstation %s", "what runs on %s"} {
		if len(wsNames) == 0 {
			break
		}
		w := wsNames[min(i, len(wsNames)-1)]
		on := map[string]bool{}
		for _, j := range onWS[w] {
			on[j.Name] = true
		}
		var elsewhere []string
		for _, j := range t.jobs {
			if !on[j.Name] {
				elsewhere = append(elsewhere, j.Name)
			}
		}
		qs = append(qs, question{intent: "list-total", text: fmt.Sprintf(f, w), grade: totalGrade(names(onWS[w]), elsewhere)})
	}

	// Two independent questions in one message.
	notFailed := func() []string {
		var out []string
		for _, j := range t.jobs {
			if !j.Failed() {
				out = append(out, j.Name)
			}
		}
		return out
	}()
	jobsPart := func(want []workload.Job) func(evalAnswer) string {
		return func(a evalAnswer) string { return listGrade(a, names(want), notFailed) }
	}
	wsPart := func(a evalAnswer) string { return listGrade(a, t.unlinked(), nil) }
	latePart := func(a evalAnswer) string { return listGrade(a, t.lateStreams(time.Now()), nil) }
	countPart := func(a evalAnswer) string {
		if hasNumber(a.text, len(failedJobs)) {
			return gradeCorrect
		}
		return gradeWrong
	}
	add("multi-part-independent", both(jobsPart(abendedJobs), wsPart), "which jobs abended and which agents are down?", "abends? and are all agents linked?")
	add("multi-part-independent", both(jobsPart(failedJobs), wsPart), "list the failures and the unlinked workstations", "what failed + any ws offline?")
	add("multi-part-independent", both(countPart, latePart), "how many jobs failed and which streams are late?")

	// Vague questions opening a conversation: nothing to refer to.
	for _, s := range []string{"what about the other one", "is it bad?", "and that one?", "same for the rest", "what about it"} {
		qs = append(qs, question{intent: "vague", text: s, declineOK: true, grade: t.vagueGrade(objects)})
	}
	return qs
}

// noRunGrade: the answer says the job has not run yet; "not found" or "not
// in the plan" is wrong (the job is in the plan, waiting).
func noRunGrade(j workload.Job) func(evalAnswer) string {
	return func(a evalAnswer) string {
		l := strings.ToLower(strings.ReplaceAll(a.text, "’", "'"))
		for _, p := range []string{"not in the plan", "not found", "no such job", "does not exist", "unknown job"} {
			if strings.Contains(l, p) {
				return gradeWrong
			}
		}
		for _, p := range []string{"not run", "no run", "not started", "hasn't started", "hasn't run", "not yet run", "never ran", "waits", "waiting"} {
			if strings.Contains(l, p) {
				return gradeCorrect
			}
		}
		if declined(a) {
			return gradeDeclined
		}
		return gradePartial
	}
}
