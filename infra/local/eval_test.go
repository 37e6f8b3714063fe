package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/app/impact"
	"github.com/resync/resync/shared/domain/workload"
)

// The evaluation (make eval): a bank of operator questions (evalbank_test.go)
// asked through the local stack — the real chat binary, the WebSocket
// gateway, the offline model — over plans from several simulator seeds,
// every answer graded against ground truth read from the simulator at that
// moment (never against stored answer text). It prints a table per intent
// and writes a JSON report.

const (
	envEval       = "RESYNC_EVAL"        // "1" runs TestEval
	envEvalReport = "RESYNC_EVAL_REPORT" // where the JSON report goes (default .cache/eval/report.json)
	envEvalGate   = "RESYNC_EVAL_GATE"   // "1": fail below 95 % correct, on any wrong answer or any auditor false alarm
)

// Grades.
const (
	gradeCorrect  = "correct"
	gradePartial  = "partial"
	gradeWrong    = "wrong"
	gradeDeclined = "declined"
)

// evalAnswer is what chat answered one question with.
type evalAnswer struct {
	text      string
	tools     []string // tool names, in order
	proposals int
	err       string   // an error frame's code
	cited     []string // the ids of the jobs the final frame cites
	earlier   []string // the answers to the conversation's earlier turns, in order
}

// truth is the plan as the simulator holds it when a seed's questions run.
type truth struct {
	hc       *hwa.Client
	sim      *hwasim.Server
	jobs     []workload.Job
	byName   map[string]workload.Job
	streams  []workload.JobStream
	wss      []workload.Workstation
	impacts  *impact.Service
	rnd      *rand.Rand
	allNames []string
	// now is the simulator's clock when the plan was read; the plan does
	// not move during a seed (no Clock, no Advance), while the chat
	// function's plan clock is the wall clock (planview's default).
	now time.Time
}

func loadTruth(ctx context.Context, sim *hwasim.Server, hc *hwa.Client, seed int64) (*truth, error) {
	t := &truth{hc: hc, sim: sim, byName: map[string]workload.Job{}, impacts: &impact.Service{Flow: hwa.PlanSource{Client: hc}, Jobs: hwa.PlanSource{Client: hc}},
		rnd: rand.New(rand.NewPCG(uint64(seed), 7)), now: sim.Now()}
	list, err := hc.ListJobs(ctx, hwa.Query{})
	if err != nil {
		return nil, err
	}
	for _, j := range list {
		full, err := hc.Job(ctx, j.ID)
		if err != nil {
			return nil, err
		}
		t.jobs = append(t.jobs, full)
		t.byName[full.Name] = full
		t.allNames = append(t.allNames, full.Name)
	}
	if t.streams, err = hc.ListJobStreams(ctx, hwa.Query{}); err != nil {
		return nil, err
	}
	if t.wss, err = hc.ListWorkstations(ctx, hwa.Query{}); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *truth) where(f func(workload.Job) bool) []workload.Job {
	var out []workload.Job
	for _, j := range t.jobs {
		if f(j) {
			out = append(out, j)
		}
	}
	return out
}

func (t *truth) pick(js []workload.Job) (workload.Job, bool) {
	if len(js) == 0 {
		return workload.Job{}, false
	}
	return js[t.rnd.IntN(len(js))], true
}

func names(js []workload.Job) []string {
	var out []string
	for _, j := range js {
		out = append(out, j.Name)
	}
	return out
}

// mentions counts how many of ns appear in text as whole names.
func mentions(text string, ns []string) int {
	n := 0
	for _, s := range ns {
		if containsName(text, s) {
			n++
		}
	}
	return n
}

// containsName reports whether name appears in text not as part of a longer
// name (PAY_LOAD is not in PAY_LOAD_2).
func containsName(text, name string) bool {
	for i := 0; ; {
		k := strings.Index(text[i:], name)
		if k < 0 {
			return false
		}
		k += i
		end := k + len(name)
		before := k == 0 || !nameByte(text[k-1])
		after := end == len(text) || !nameByte(text[end])
		if before && after {
			return true
		}
		i = k + 1
	}
}

func nameByte(c byte) bool {
	return c == '_' || c == '#' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

// declined reports whether the answer says it did not understand or asks
// back, rather than answering.
func declined(a evalAnswer) bool {
	l := strings.ToLower(a.text)
	for _, p := range []string{"understand", "did you mean", "not sure", "rephrase", "could you ask", "you could ask", "try asking", "which job do you mean", "i can't", "i cannot", "not able to", "only answer", "can only"} {
		if strings.Contains(l, p) {
			return true
		}
	}
	return false
}

// listGrade grades a list answer: every wanted name and no forbidden one is
// correct; some wanted and none forbidden is partial; a decline is
// declined; anything else (a forbidden name, an unrelated list) is wrong.
func listGrade(a evalAnswer, want, forbid []string) string {
	got, bad := mentions(a.text, want), mentions(a.text, forbid)
	switch {
	case bad > 0:
		return gradeWrong
	case len(want) > 0 && got == len(want):
		return gradeCorrect
	case len(want) == 0 && (strings.Contains(strings.ToLower(a.text), "no ") || strings.Contains(strings.ToLower(a.text), "none")):
		return gradeCorrect
	case got > 0:
		return gradePartial
	case declined(a):
		return gradeDeclined
	}
	return gradeWrong
}

// question is one question of the bank, instantiated on a plan.
type question struct {
	intent string
	text   string
	agent  string   // "" (the default agent) or "operator"
	before []string // earlier turns of the same conversation
	grade  func(evalAnswer) string
	// declineOK: declining is the right answer (injection, nonsense).
	declineOK bool
}

// result is one graded answer.
type result struct {
	Seed   int64  `json:"seed"`
	Intent string `json:"intent"`
	Q      string `json:"question"`
	Grade  string `json:"grade"`
	Tools  string `json:"tools"`
	Answer string `json:"answer"`
	Error  string `json:"error,omitempty"` // an error frame's code instead of an answer
	// Findings: what the answer auditor raised on a correct answer (each
	// one a false alarm, since the grader found the answer right).
	Findings []string `json:"auditorFindings,omitempty"`
}

// ask sends the turns of one conversation and returns the last answer.
func ask(t *testing.T, c *wsClient, conv string, q question) evalAnswer {
	turns := append(append([]string(nil), q.before...), q.text)
	var a evalAnswer
	var earlier []string
	for i, text := range turns {
		if i > 0 {
			earlier = append(earlier, a.text)
		}
		id := fmt.Sprintf("%s-%d", conv, i)
		frame := map[string]any{"action": "chat", "id": id, "conversationId": conv, "text": text}
		if q.agent != "" {
			frame["agent"] = q.agent
		}
		c.send(frame)
		fs := c.until(60*time.Second, func(m map[string]any) bool {
			return m["id"] == id && (m["type"] == "final" || m["type"] == "error")
		})
		a = evalAnswer{}
		for _, f := range fs {
			if f["id"] != id {
				continue
			}
			switch f["type"] {
			case "tool":
				n, _ := f["name"].(string)
				a.tools = append(a.tools, n)
			case "proposal":
				a.proposals++
			case "final":
				a.text, _ = f["text"].(string)
				cs, _ := f["citations"].([]any)
				for _, c := range cs {
					if m, ok := c.(map[string]any); ok && m["kind"] == "job" {
						if id, ok := m["id"].(string); ok {
							a.cited = append(a.cited, id)
						}
					}
				}
			case "error":
				a.err, _ = f["code"].(string)
			}
		}
	}
	a.earlier = earlier
	return a
}

func TestEval(t *testing.T) {
	if os.Getenv(envEval) == "" {
		t.Skipf("the evaluation runs with make eval (%s=1)", envEval)
	}
	ctx := context.Background()
	bin := buildFunctions(t, "chat")
	var results []result
	for _, seed := range []int64{101, 202, 303} {
		sim := hwasim.New(hwasim.Config{Seed: seed})
		srv := httptest.NewServer(sim)
		s, _ := newStack(t, map[string]string{envBinDir: bin, "HWA_URL": srv.URL})
		hc, err := hwa.New(hwa.Config{BaseURL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		tr, err := loadTruth(ctx, sim, hc, seed)
		if err != nil {
			t.Fatal(err)
		}
		aud := newEvalAuditor(t, hc)
		qs := bank(tr)
		users, sent := 0, 0
		var c *wsClient
		for i, q := range qs {
			// A fresh user every 15 messages (a follow-up sends two) keeps
			// within the per-user limit of 20 a minute.
			if turns := len(q.before) + 1; c == nil || sent+turns > 15 {
				users, sent = users+1, 0
				if c, _, err = dialWS(t, s, mint(t, s, fmt.Sprintf("eval%d-%d", seed, users), "operator")); err != nil {
					t.Fatal(err)
				}
			}
			sent += len(q.before) + 1
			before := len(sim.Actions())
			a := ask(t, c, fmt.Sprintf("s%d-q%d", seed, i), q)
			g := q.grade(a)
			if executed := len(sim.Actions()) - before; executed > 0 {
				g = gradeWrong // nothing runs without a confirmation
			}
			if q.declineOK && g == gradeDeclined {
				g = gradeCorrect
			}
			r := result{Seed: seed, Intent: q.intent, Q: q.text, Grade: g, Tools: strings.Join(a.tools, ","), Answer: a.text, Error: a.err}
			if g == gradeCorrect {
				r.Findings = aud.check(ctx, t, q.text, a)
			}
			results = append(results, r)
		}
		srv.Close()
	}
	report(t, results)
}

// report prints the table per intent, writes the JSON report and, with the
// gate on, fails below 95 % correct or on any wrong answer.
func report(t *testing.T, results []result) {
	type row struct{ correct, partial, wrong, declined int }
	rows := map[string]*row{}
	var total row
	for _, r := range results {
		x := rows[r.Intent]
		if x == nil {
			x = &row{}
			rows[r.Intent] = x
		}
		for _, p := range []*row{x, &total} {
			switch r.Grade {
			case gradeCorrect:
				p.correct++
			case gradePartial:
				p.partial++
			case gradeWrong:
				p.wrong++
			default:
				p.declined++
			}
		}
	}
	intents := make([]string, 0, len(rows))
	for k := range rows {
		intents = append(intents, k)
	}
	sort.Strings(intents)
	var b strings.Builder
	fmt.Fprintf(&b, "\n| intent | questions | correct | %% correct | partial | wrong | declined |\n|---|---|---|---|---|---|---|\n")
	for _, k := range intents {
		x := rows[k]
		all := x.correct + x.partial + x.wrong + x.declined
		fmt.Fprintf(&b, "| %s | %d | %d | %.0f %% | %d | %d | %d |\n", k, all, x.correct, 100*float64(x.correct)/float64(max(all, 1)), x.partial, x.wrong, x.declined)
	}
	n := len(results)
	pct := 100 * float64(total.correct) / float64(max(n, 1))
	fmt.Fprintf(&b, "| **all %d questions, %d intents** | %d | **%d** | **%.1f %%** | %d | %d | %d |\n", n, len(rows), n, total.correct, pct, total.partial, total.wrong, total.declined)
	var alarms []string
	for _, r := range results {
		for _, f := range r.Findings {
			alarms = append(alarms, fmt.Sprintf("AUDIT [%s] %q: %s", r.Intent, r.Q, f))
		}
	}
	// A table row, so scripts/eval.sh (which keeps rows, WRONG and report
	// lines) shows it.
	fmt.Fprintf(&b, "| auditor false alarms on correct answers: %d | | | | | | |\n", len(alarms))
	t.Log(b.String())
	for _, r := range results {
		if r.Grade == gradeWrong {
			t.Logf("WRONG [%s] %q (tools %s, error %q): %.200q", r.Intent, r.Q, r.Tools, r.Error, r.Answer)
		}
	}
	for _, a := range alarms {
		t.Log(a)
	}
	path := os.Getenv(envEvalReport)
	if path == "" {
		path = filepath.Join("..", "..", ".cache", "eval", "report.json")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
		data, _ := json.MarshalIndent(map[string]any{
			"questions": n, "intents": len(rows), "correct": total.correct, "partial": total.partial,
			"wrong": total.wrong, "declined": total.declined, "correctPercent": pct,
			"auditorFalseAlarms": len(alarms), "results": results,
		}, "", "  ")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Errorf("write the report: %v", err)
		} else {
			t.Logf("report: %s", path)
		}
	}
	if os.Getenv(envEvalGate) != "" && (pct < 95 || total.wrong > 0 || len(alarms) > 0) {
		t.Errorf("the evaluation gate: %.1f %% correct (want ≥ 95), %d wrong (want 0), %d auditor false alarms (want 0)", pct, total.wrong, len(alarms))
	}
}
