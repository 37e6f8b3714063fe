package offline

import (
	"fmt"
	"strings"
	"time"

	"github.com/resync/resync/shared/app/planview"
)

// Tasks, recovery and submissions: "what does JOB run?", "what is JOB's
// recovery?", "what happens if JOB fails?" (its impact and its recovery),
// and "submit stream S" / "submit job JOB" (a proposal).

// Actions of propose_action for submissions (the agent's catalogue).
const (
	actionSubmitStream = "submit_jobstream"
	actionSubmitJob    = "submit_job"
)

// taskAsked reports whether a question asks what a job runs.
func taskAsked(phrase func(...string) bool) bool {
	return phrase("what does § run", "what does it run", "what does § execute", "what does it execute",
		"what does job § run", "what does the job § run", "what does job § execute", "what does the § job run",
		"what command", "which command", "what script", "which script", "command line", "the command of",
		"the script of", "command does", "script does", "run as", "runs as", "running as", "what user", "which user",
		"user does", "what is § running as")
}

// recoveryAsked reports whether a question asks for a job's recovery.
func recoveryAsked(words map[string]bool, phrase func(...string) bool) bool {
	return words["recovery"] || phrase("how does § recover", "how does it recover", "does § recover", "does it recover",
		"rerun automatically", "reruns automatically", "rerun by itself", "rerun itself", "reruns itself")
}

// submitAction reads "submit stream S" (a new instance of the stream) and
// "submit job J" (the job's definition again); a bare "submit S" is a
// stream, as HWA operators submit streams (sbs).
func submitAction(rest map[string]bool) string {
	if rest["job"] && !rest["stream"] && !rest["jobstream"] {
		return actionSubmitJob
	}
	return actionSubmitStream
}

// planSubmitStream proposes the submission of the stream the question
// names.
func (t *turn) planSubmitStream(q question) ([]call, string) {
	name := q.stream
	if name == "" && len(q.jobs) > 0 {
		name = q.jobs[0]
	}
	if name == "" {
		return nil, "Which job stream should I propose to submit? Name it, for example \"submit stream PAYROLL_01\"."
	}
	return []call{t.use(toolProposeAction, map[string]any{"action": actionSubmitStream, "stream": name})}, ""
}

// taskAnswer writes what the job of d runs, or what happens when it abends
// (kindRecovery, and the recovery line of an impact question).
func taskAnswer(d planview.JobDetail, k kind) string {
	j := d.Job
	label := jobLabel(j.Stream, j.Name, j.ID, j.Workstation)
	t := d.Task
	if t == nil {
		if k == kindTask {
			return "HWA does not say what " + label + " runs."
		}
		return "HWA does not give the recovery of " + label + "."
	}
	var b strings.Builder
	if k == kindTask {
		switch {
		case t.Command != "":
			fmt.Fprintf(&b, "%s runs the command `%s`", label, t.Command)
		case t.Script != "":
			fmt.Fprintf(&b, "%s runs the script %s", label, t.Script)
		default:
			fmt.Fprintf(&b, "HWA does not give the command of %s", label)
		}
		if t.User != "" {
			fmt.Fprintf(&b, " as user %s", t.User)
		}
		b.WriteString(".")
		if t.RepeatSeconds > 0 {
			fmt.Fprintf(&b, " It is an every-job: it runs again every %s.", time.Duration(t.RepeatSeconds*float64(time.Second)))
		}
		if t.RequiresConfirmation {
			b.WriteString(" It requires a confirmation when it ends (confirm succ or abend).")
		}
		b.WriteString("\n" + recoveryLine(j.Name, t))
		return b.String()
	}
	if k == kindRecovery {
		b.WriteString(label + ": ")
	}
	b.WriteString(recoveryLine(j.Name, t))
	return b.String()
}

// recoveryLine says what HWA does when the job abends.
func recoveryLine(name string, t *planview.TaskView) string {
	meaning := strings.TrimSuffix(t.RecoveryMeaning, ".")
	if meaning == "" {
		meaning = "HWA gives no more detail"
	}
	s := fmt.Sprintf("If %s abends, its recovery option is %s: %s.", name, t.Recovery, meaning)
	if t.RecoveryJob != "" {
		s += fmt.Sprintf(" Its recovery job %s runs first", t.RecoveryJob)
		if t.RecoveryWorkstation != "" {
			s += " on " + t.RecoveryWorkstation
		}
		s += "."
	} else {
		s += " It has no recovery job."
	}
	return s
}
