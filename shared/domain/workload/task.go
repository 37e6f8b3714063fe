package workload

// Task is what a job runs: a command line or a script, as a user. ModelID
// is the job definition's id in the model (what a submission names); empty
// when HWA did not say.
type Task struct {
	Line      string
	IsCommand bool // Line is a command, not a script path
	User      string
	ModelID   string
}

// RecoveryOption is the vendor enum RecoveryOptionV2, verbatim: what HWA
// does when the job abends.
type RecoveryOption string

// The RecoveryOption values.
const (
	RecoveryStop           RecoveryOption = "STOP"
	RecoveryContinue       RecoveryOption = "CONTINUE"
	RecoveryContinuePrompt RecoveryOption = "CONTINUE_PROMPT"
	RecoveryRerun          RecoveryOption = "RERUN"
	RecoveryRerunPrompt    RecoveryOption = "RERUN_PROMPT"
)

// Recovery is a job's recovery: the option and the recovery job that runs
// first when the job abends (Job empty when none).
type Recovery struct {
	Option         RecoveryOption
	Job            string // recovery job name
	JobWorkstation string
}

// Meaning says, for an operator, what happens when a job with this option
// abends ("" for an option HWA does not define).
func (o RecoveryOption) Meaning() string {
	switch o {
	case RecoveryStop, "":
		return "the job stays in ABEND and its successors wait until an operator acts"
	case RecoveryContinue:
		return "its successors go on as if it had succeeded"
	case RecoveryContinuePrompt:
		return "HWA asks a prompt; once answered, its successors go on"
	case RecoveryRerun:
		return "HWA reruns it automatically"
	case RecoveryRerunPrompt:
		return "HWA asks a prompt, then reruns it"
	}
	return ""
}
