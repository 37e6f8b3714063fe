package workload

// Resources and prompts: the plan objects besides jobs that hold a job back.
// A job needing a resource waits READY (READY_WAITING_FOR_RESOURCES) until
// enough units are free; a job with a prompt dependency waits HOLD
// (HOLD_WAITING_FOR_PROMPT) until the prompt is answered yes.

// Resource is a resource in the plan: its units, how many are in use and by
// which jobs.
type Resource struct {
	ID          string
	Name        string
	Folder      string
	Workstation string
	Description string
	Quantity    int // units defined
	InUse       int // units held by running jobs
	Available   int // units free
	Holders     []ResourceHolder
}

// ResourceHolder is a job holding units of a resource.
type ResourceHolder struct {
	JobID    string
	JobName  string
	JobKey   string // WS#STREAM.JOB
	StreamID string
	Stream   string
	Quantity int
}

// PromptStatus is the state of a prompt in the plan.
type PromptStatus string

// The prompt states of HWA.
const (
	PromptNotAsked    PromptStatus = "NOT_ASKED"
	PromptAsked       PromptStatus = "ASKED"
	PromptAnsweredYes PromptStatus = "ANSWERED_YES"
	PromptAnsweredNo  PromptStatus = "ANSWERED_NO"
)

// Open reports whether the prompt still waits for a yes: asked and not
// answered, or answered no.
func (s PromptStatus) Open() bool { return s == PromptAsked || s == PromptAnsweredNo }

// Prompt is a prompt of the plan with the jobs it holds back. A global
// prompt (predefined in the database, HWA "Predefined Prompt") may hold
// several jobs; a local one (an ad hoc prompt in a job's definition) holds
// its job.
type Prompt struct {
	ID          string
	Name        string
	Text        string
	Global      bool
	Workstation string
	Number      int
	Status      PromptStatus
	Jobs        []JobRef // the jobs waiting for it
}
