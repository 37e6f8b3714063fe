package offline

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestPhraseWordsAreKnown reads the grammar's source: every word of a
// phrase(...) literal must be in phraseWords, or the typo corrector could
// turn it into another word and the phrase would never match.
func TestPhraseWordsAreKnown(t *testing.T) {
	call := regexp.MustCompile(`phrase\(([^)]*)\)`)
	lit := regexp.MustCompile(`"([^"]*)"`)
	for _, f := range []string{"parse.go", "names.go", "plan.go", "plan_more.go", "plan_action.go"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			for _, l := range lit.FindAllStringSubmatch(m[1], -1) {
				for _, w := range strings.Fields(l[1]) {
					if w != "§" && !phraseWords[w] {
						t.Errorf("%s: phrase word %q is not in phraseWords", f, w)
					}
				}
			}
		}
	}
}

func TestTyposAreReadAsTheWordMeant(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"which jobs abneded?", "ABEND"},
		{"show abendd jobs", "ABEND"},
		{"list fialed jobs", "ERROR"},
		{"what falied", "ERROR"},
		{"which jobs faild?", "ERROR"},
		{"runing jobs", "RUNNING"},
	} {
		q := parse(tc.text, nil)
		if len(q.filters) != 1 || q.filters[0].status != tc.want && q.filters[0].internal != tc.want {
			t.Errorf("%q: filters %+v (typos %v), want %s", tc.text, q.filters, q.typos, tc.want)
		}
	}
	// A word near two different intents is not guessed.
	if q := parse("list the blah jobs", nil); len(q.filters) != 0 {
		t.Errorf("an unknown word became a filter: %+v", q.filters)
	}
}

func TestStatusNouns(t *testing.T) {
	for text, want := range map[string]string{
		"how many jobs in HOLD":  "HOLD",
		"what's in EXEC":         "EXEC",
		"list SUCC jobs":         "SUCC",
		"jobs in hold status":    "HOLD",
		"number of HOLD jobs":    "HOLD",
		"count of jobs in INTRO": "INTRO",
	} {
		q := parse(text, nil)
		if len(q.filters) != 1 || q.filters[0].internal != want || len(q.jobs) != 0 {
			t.Errorf("%q: filters %+v jobs %v, want internal %s and no job name", text, q.filters, q.jobs, want)
		}
	}
	if q := parse(`status of "HOLD"`, nil); len(q.jobs) != 1 {
		t.Errorf("a quoted HOLD is a job name: jobs %v filters %+v", q.jobs, q.filters)
	}
}

func TestTimeWindows(t *testing.T) {
	for _, tc := range []struct{ text, since, until string }{
		{"what failed in the last hour?", "-1h", ""},
		{"failures in the past 3 hours", "-3h", ""},
		{"failures since 2am", "2am", ""},
		{"jobs that failed since 02:30", "02:30", ""},
		{"anything abend overnight?", "yesterday 20:00", "today 08:00"},
		{"what failed between 1am and 3am", "1am", "3am"},
		{"abends in the last 30 min", "-30m", ""},
		{"what failed 2 hours ago", "-2h", ""},
	} {
		q := parse(tc.text, nil)
		if q.win.since != tc.since || q.win.until != tc.until || q.winUnknown != "" {
			t.Errorf("%q: window %+v unknown %q, want since %q until %q", tc.text, q.win, q.winUnknown, tc.since, tc.until)
		}
	}
	for _, text := range []string{"jobs that failed since the shift started", "what failed recently", "failures this week"} {
		if q := parse(text, nil); q.winUnknown == "" {
			t.Errorf("%q: the time words were not noticed (window %+v)", text, q.win)
		}
	}
}
