package main

import (
	"fmt"
	"strings"

	"github.com/resync/resync/shared/domain/workload"
)

// submitBank asks what jobs run, what their recovery is, and for job
// stream submissions (proposals), graded on the simulator's job
// definitions: the answer must give the job's own command or script, its
// own recovery option, and one proposal for a submission.
func submitBank(t *truth) []question {
	var qs []question
	withTask := t.where(func(j workload.Job) bool { return j.Task.Line != "" && !strings.Contains(j.Name, "'") })
	taskOf := func(j workload.Job) func(evalAnswer) string {
		return func(a evalAnswer) string {
			switch {
			case strings.Contains(a.text, j.Task.Line) && (j.Task.User == "" || strings.Contains(a.text, j.Task.User)):
				return gradeCorrect
			case containsName(a.text, j.Name) && strings.Contains(a.text, j.Task.Line):
				return gradePartial
			case declined(a):
				return gradeDeclined
			}
			return gradeWrong
		}
	}
	for _, s := range []string{"what does {job} run?", "which script does {job} run", "what command does {job} execute",
		"what user does {job} run as", "what does job {job} run exactly"} {
		if j, ok := t.pick(withTask); ok {
			qs = append(qs, question{intent: "task", text: strings.ReplaceAll(s, "{job}", j.Name), grade: taskOf(j)})
		}
	}
	recoveryOf := func(j workload.Job) func(evalAnswer) string {
		opt := j.Recovery.Option
		if opt == "" {
			opt = workload.RecoveryStop
		}
		others := []string{}
		for _, o := range []workload.RecoveryOption{workload.RecoveryStop, workload.RecoveryRerun, workload.RecoveryContinue} {
			if o != opt {
				others = append(others, "recovery option is "+string(o))
			}
		}
		return func(a evalAnswer) string {
			for _, o := range others {
				if strings.Contains(a.text, o) {
					return gradeWrong
				}
			}
			switch {
			case strings.Contains(a.text, "recovery option is "+string(opt)) && (j.Recovery.Job == "" || strings.Contains(a.text, j.Recovery.Job)):
				return gradeCorrect
			case strings.Contains(a.text, string(opt)):
				return gradePartial
			case declined(a):
				return gradeDeclined
			}
			return gradeWrong
		}
	}
	withRecovery := t.where(func(j workload.Job) bool {
		return (j.Recovery.Option == workload.RecoveryRerun || j.Recovery.Option == workload.RecoveryContinue) && !strings.Contains(j.Name, "'")
	})
	anyJob := t.where(func(j workload.Job) bool { return !strings.Contains(j.Name, "'") })
	for i, s := range []string{"what is the recovery of {job}?", "{job} recovery option?", "does {job} rerun automatically?",
		"how does {job} recover", "what happens if {job} fails?", "whats the recovery for {job}", "what happens if {job} abends"} {
		pool := withRecovery
		if i%2 == 1 {
			pool = anyJob // STOP ones too
		}
		if j, ok := t.pick(pool); ok {
			qs = append(qs, question{intent: "recovery", text: strings.ReplaceAll(s, "{job}", j.Name), grade: recoveryOf(j)})
		}
	}
	propose := func(a evalAnswer) string {
		switch {
		case a.proposals == 1 && strings.Contains(a.text, "job stream"):
			return gradeCorrect
		case declined(a):
			return gradeDeclined
		}
		return gradeWrong
	}
	var normal []string
	for _, s := range t.streams {
		if !strings.HasPrefix(s.Name, "FIX_") {
			normal = append(normal, s.Name)
		}
	}
	for _, s := range []string{"submit stream %s", "please submit the %s jobstream", "can you submit job stream %s", "submit %s again"} {
		if len(normal) == 0 {
			break
		}
		name := normal[t.rnd.IntN(len(normal))]
		qs = append(qs, question{intent: "submit-proposal", agent: "operator", text: fmt.Sprintf(s, name), grade: propose})
	}
	return qs
}
