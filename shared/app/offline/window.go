package offline

import (
	"regexp"
	"strconv"
	"strings"
)

// window is a time window a question puts on a job list, in the forms the
// search_jobs and count_jobs tools read against the plan clock ("-2h",
// "02:00", "yesterday 20:00"), so the model itself needs no clock.
type window struct {
	since, until string
	label        string // how the answer names it: "in the last 2 hours"
}

func (w window) set() bool { return w.since != "" || w.until != "" }

var (
	clockPart = `(\d{1,2}(?::\d{2})?\s*(?:am|pm)|\d{1,2}:\d{2}|[01]\d[0-5]\d|2[0-3][0-5]\d|midnight|noon)`
	unitPart  = `(minutes?|mins?|m|hours?|hrs?|h|days?|d)`
	// "in the last 2 hours", "past hour", "last 30 min", "within the last day"
	lastRE = regexp.MustCompile(`\b(?:in |during |within |over |for )?(?:the )?(?:last|past|previous)\s+(\d+|an?|one|two|three|four|five|six|eight|ten|twelve|few|couple of)?\s*` + unitPart + `\b`)
	agoRE  = regexp.MustCompile(`\b(\d+|an?|one|two|three|four|five|six)\s*` + unitPart + `\s+ago\b`)
	// "between 1am and 3am", "from 22:00 to 02:00"
	betweenRE = regexp.MustCompile(`\b(?:between|from)\s+` + clockPart + `\s+(?:and|to|until|till|-)\s+` + clockPart)
	sinceRE   = regexp.MustCompile(`\b(?:since|after|from)\s+` + clockPart)
	untilRE   = regexp.MustCompile(`\b(?:before|until|till|up to)\s+` + clockPart)
	// Words that speak of time: when one is left unread, the question had a
	// window the model did not understand.
	timeWordRE = regexp.MustCompile(`\b(hours?|hrs?|minutes?|mins?|ago|since|overnight|night|morning|afternoon|evening|yesterday|shift|week|weekend|recent|recently|lately|earlier|\d{1,2}:\d{2}|\d{1,2}\s*(?:am|pm)|midnight|noon|o'clock|oclock)\b`)
	// "night shift handover" speaks of a shift, not of a window on jobs.
	handoverRE = regexp.MustCompile(`\b(?:night|day|morning|evening|late|early)?\s*shift\s+(?:handover|hand-over|hand over|report|summary|notes)\b|\b(?:on|during) (?:the|my|this|last|previous) (?:night |day |late |early )?shift\b|\b(?:last|previous) shift\b`)
)

var greetingRE = regexp.MustCompile(`^ (?:good )?(?:morning|afternoon|evening|night)(?: all| team| folks| guys)? `)

var numberWords = map[string]int{"": 1, "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
	"six": 6, "eight": 8, "ten": 10, "twelve": 12, "few": 3, "couple of": 2}

// readWindow finds the time window of a question (lower case). unknown is
// the time words it could not read ("since the shift started", "recently"):
// the caller declines rather than answer without the window.
func readWindow(text string) (w window, unknown string) {
	s := " " + strings.Join(strings.Fields(strings.NewReplacer("?", " ", "!", " ", ",", " ", ".", " ", "’", "'").Replace(strings.ToLower(text))), " ") + " "
	s = greetingRE.ReplaceAllString(s, " ") // "morning, what's broken?" is a greeting, not a window
	consumed := s
	cut := func(m []int) { consumed = consumed[:m[0]] + strings.Repeat(" ", m[1]-m[0]) + consumed[m[1]:] }
	switch {
	case betweenRE.MatchString(s):
		m := betweenRE.FindStringSubmatchIndex(s)
		a, b := clockForm(s[m[2]:m[3]]), clockForm(s[m[4]:m[5]])
		w = window{since: a, until: b, label: "between " + a + " and " + b}
		cut(m[:2])
	case lastRE.MatchString(s):
		m := lastRE.FindStringSubmatchIndex(s)
		n := 1
		if m[2] >= 0 {
			if v, ok := numberWords[s[m[2]:m[3]]]; ok {
				n = v
			} else {
				n, _ = strconv.Atoi(s[m[2]:m[3]])
			}
		}
		unit := s[m[4]:m[5]]
		w = window{since: "-" + duration(n, unit), label: "in the last " + spoken(n, unit)}
		cut(m[:2])
	case agoRE.MatchString(s):
		m := agoRE.FindStringSubmatchIndex(s)
		n, ok := numberWords[s[m[2]:m[3]]]
		if !ok {
			n, _ = strconv.Atoi(s[m[2]:m[3]])
		}
		unit := s[m[4]:m[5]]
		w = window{since: "-" + duration(n, unit), label: "in the last " + spoken(n, unit)}
		cut(m[:2])
	case sinceRE.MatchString(s):
		m := sinceRE.FindStringSubmatchIndex(s)
		a := clockForm(s[m[2]:m[3]])
		w = window{since: a, label: "since " + a}
		cut(m[:2])
		if u := untilRE.FindStringSubmatchIndex(consumed); u != nil {
			b := clockForm(consumed[u[2]:u[3]])
			w.until, w.label = b, "between "+a+" and "+b
			cut(u[:2])
		}
	case untilRE.MatchString(s):
		m := untilRE.FindStringSubmatchIndex(s)
		b := clockForm(s[m[2]:m[3]])
		w = window{until: b, label: "before " + b}
		cut(m[:2])
	}
	if !w.set() {
		for _, p := range []struct{ phrase, since, until, label string }{
			{" overnight ", "yesterday 20:00", "today 08:00", "overnight (20:00 yesterday to 08:00 today)"},
			{" last night ", "yesterday 20:00", "today 08:00", "last night (20:00 yesterday to 08:00 today)"},
			{" during the night ", "yesterday 20:00", "today 08:00", "overnight (20:00 yesterday to 08:00 today)"},
			{" this morning ", "today 00:00", "today 12:00", "this morning (since midnight, until noon)"},
			{" since midnight ", "today 00:00", "", "since midnight"},
			{" yesterday ", "yesterday", "today", "yesterday"},
			{" in the last hour ", "-1h", "", "in the last hour"},
		} {
			if i := strings.Index(s, p.phrase); i >= 0 {
				w = window{since: p.since, until: p.until, label: p.label}
				consumed = consumed[:i] + strings.Repeat(" ", len(p.phrase)) + consumed[i+len(p.phrase):]
				break
			}
		}
	}
	consumed = handoverRE.ReplaceAllString(consumed, " ")
	if m := timeWordRE.FindString(consumed); m != "" {
		unknown = m
	}
	return w, unknown
}

// clockForm is a clock time as the tools read it: "2am", "14:30",
// "today 00:00" for midnight, "12:00" for noon.
func clockForm(c string) string {
	c = strings.ReplaceAll(c, " ", "")
	if len(c) == 4 && !strings.ContainsAny(c, ":apmidnightnoon") {
		return c[:2] + ":" + c[2:] // "0900": 09:00
	}
	switch c {
	case "midnight":
		return "today 00:00"
	case "noon":
		return "12:00"
	}
	return c
}

func duration(n int, unit string) string {
	switch unit[0] {
	case 'm':
		return strconv.Itoa(n) + "m"
	case 'd':
		return strconv.Itoa(24*n) + "h"
	}
	return strconv.Itoa(n) + "h"
}

func spoken(n int, unit string) string {
	word := "hour"
	switch unit[0] {
	case 'm':
		word = "minute"
	case 'd':
		word = "day"
	}
	if n == 1 {
		return word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
