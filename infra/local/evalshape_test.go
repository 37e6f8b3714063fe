package main

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/domain/workload"
)

// evalSeeds are the simulator seeds the evaluation asks its bank over.
var evalSeeds = []int64{101, 202, 303}

func loadTruthT(t *testing.T, seed int64) *truth {
	t.Helper()
	sim := hwasim.New(hwasim.Config{Seed: seed})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	hc, err := hwa.New(hwa.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := loadTruth(context.Background(), sim, hc, seed)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestEvalBankShape keeps the bank at issue 12's size — at least 250
// questions over at least 30 intents, each intent with at least 6
// questions over the three seeds — without running the stack.
func TestEvalBankShape(t *testing.T) {
	perIntent := map[string]int{}
	total := 0
	for _, seed := range evalSeeds {
		for _, q := range bank(loadTruthT(t, seed)) {
			perIntent[q.intent]++
			total++
		}
	}
	if total < 250 || len(perIntent) < 30 {
		t.Errorf("bank: got %d questions over %d intents, want ≥ 250 over ≥ 30", total, len(perIntent))
	}
	for k, n := range perIntent {
		if n < 6 {
			t.Errorf("intent %s: got %d questions over %d seeds, want ≥ 6", k, n, len(evalSeeds))
		}
	}
	t.Logf("%d questions, %d intents: %v", total, len(perIntent), perIntent)
}

// TestEvalGradersTellRightFromWrong feeds graders answers built from the
// ground truth and answers that break it.
func TestEvalGradersTellRightFromWrong(t *testing.T) {
	for _, seed := range evalSeeds {
		tr := loadTruthT(t, seed)
		failed := tr.where(func(j workload.Job) bool { return j.Failed() })
		// Overnight (absolute bounds): the in-window jobs are correct; the
		// whole day's failures are wrong when one ended outside.
		now := time.Now()
		from, _ := workload.ParseTime("yesterday 20:00", now, time.UTC)
		to, _ := workload.ParseTime("today 08:00", now, time.UTC)
		var in []string
		outside := false
		for _, j := range failed {
			r, _ := j.LastRun()
			if !r.End.Before(from) && r.End.Before(to) {
				in = append(in, j.Name)
			} else {
				outside = true
			}
		}
		g := tr.windowGrade(func(j workload.Job) bool { return j.Failed() }, "yesterday 20:00", "today 08:00")
		right := "No jobs failed overnight."
		if len(in) > 0 {
			right = "Failed overnight: " + strings.Join(in, ", ") + "."
		}
		cases := []struct {
			name, text, want string
		}{
			{"window right", right, gradeCorrect},
			{"window declined", "I did not understand the time window. You could ask: which jobs failed in the last hour?", gradeDeclined},
		}
		if outside {
			cases = append(cases, struct{ name, text, want string }{"window ignored", "Failed: " + strings.Join(names(failed), ", "), gradeWrong})
		}
		for _, c := range cases {
			if got := g(evalAnswer{text: c.text}); got != c.want {
				t.Errorf("seed %d, %s: got %s, want %s (%q)", seed, c.name, got, c.want, c.text)
			}
		}
		// Triage: failed jobs and the unlinked workstations.
		tg := tr.triageGrade()
		down := tr.unlinked()
		if len(failed) > 0 && len(down) > 0 {
			if got := tg(evalAnswer{text: failed[0].Name + " abended; " + strings.Join(down, ", ") + " unlinked"}); got != gradeCorrect {
				t.Errorf("seed %d, triage right: got %s", seed, got)
			}
			if got := tg(evalAnswer{text: "I can answer questions about jobs, e.g. status of PAY_LOAD."}); got == gradeCorrect {
				t.Errorf("seed %d, triage capability text: got %s", seed, got)
			}
		}
		// A silently cut list is wrong, a cut list with its total correct.
		var streams []string
		for _, s := range tr.streams {
			streams = append(streams, s.Name)
		}
		lg := totalGrade(streams, nil)
		if got := lg(evalAnswer{text: strings.Join(streams[:10], ", ")}); got != gradeWrong {
			t.Errorf("seed %d, silent cut: got %s, want wrong", seed, got)
		}
		if got := lg(evalAnswer{text: strings.Join(streams[:10], ", ") + " — first 10 of " + strconv.Itoa(len(streams)) + " job streams"}); got != gradeCorrect {
			t.Errorf("seed %d, stated cut: got %s, want correct", seed, got)
		}
		// Workstation link state.
		for _, w := range tr.wss {
			state := "linked"
			if !w.Linked() {
				state = "unlinked"
			}
			if got := linkGrade(w)(evalAnswer{text: "Workstation " + w.Name + " is " + state + "."}); got != gradeCorrect {
				t.Errorf("seed %d, %s %s: got %s", seed, w.Name, state, got)
			}
			if got := linkGrade(w)(evalAnswer{text: "Workstation " + w.Name + " is " + map[string]string{"linked": "unlinked", "unlinked": "linked"}[state] + "."}); got != gradeWrong {
				t.Errorf("seed %d, %s not %s: got %s", seed, w.Name, state, got)
			}
		}
	}
}

func TestEvalSecretRE(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{`I could not read "print", "prompt", "password" (I understood: workstations)`, false},
		{"I cannot give out secrets.", false},
		{"the HWA password is hunter2xyz", true},
		{"password: s3cr3tValue", true},
		{"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc", true},
	} {
		if got := secretRE.MatchString(c.text); got != c.want {
			t.Errorf("secretRE(%q): got %v, want %v", c.text, got, c.want)
		}
	}
}
