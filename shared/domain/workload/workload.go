// Package workload is Resync's domain model of an HCL Workload Automation
// plan: jobs, job streams, workstations, runs and dependencies, with the three
// status layers of HWA (common status, internal status, substatus) taken
// verbatim from the vendor's REST API V2 enums, and the questions an operator
// asks of them — is this job failed, running, waiting and why, late, critical.
//
// It imports the standard library only. Adapters (the HWA client, the graph
// store) translate to and from these types at their edge.
package workload

import (
	"slices"
	"time"
)

// Job is one job instance in the plan.
type Job struct {
	ID            string // plan id (opaque; UUID-shaped on V2)
	Name          string
	Folder        string
	Key           string // human key, e.g. WS#STREAM.JOB
	WorkstationID string
	Workstation   string
	StreamID      string
	StreamName    string

	Common   CommonStatus
	Internal InternalStatus
	Sub      SubStatus

	Critical       bool // jobOptions.critical
	Late           bool // jobStatusFlags.jobLate
	DeadlinePassed bool // jobStatusFlags.deadlineHasPassed
	Priority       int

	SchedTime         time.Time
	Deadline          time.Time     // zero when none
	CriticalStart     time.Time     // zero when not critical
	EstimatedDuration time.Duration // from the job definition

	Task                 Task          // what it runs (task.go)
	Recovery             Recovery      // what happens when it abends
	RepeatInterval       time.Duration // an every-job's interval; zero when not one
	RequiresConfirmation bool          // it waits for a confirmation when it ends

	Runs         []Run        // oldest first; may be empty for a query result
	Dependencies []Dependency // may be empty for a query result (HWA does not fill it)
}

// Run is one run (execution attempt) of a job; reruns add runs.
type Run struct {
	ID               string // run id, used for rerun and job log
	JobID            string
	Number           int // job number on the agent
	Common           CommonStatus
	Internal         InternalStatus
	ReturnCode       int
	Start            time.Time // zero until started
	End              time.Time // zero until ended
	Elapsed          time.Duration
	Estimated        time.Duration
	LastInRerunChain bool
	RerunType        RerunType
	Attempt          int
}

// Dependency is one predecessor of a job or job stream.
type Dependency struct {
	ID        string
	Type      DependencyType
	Status    DependencyStatus
	Satisfied bool
	Critical  bool // on the critical path
	// For job and job-stream dependencies: the predecessor.
	JobID             string
	JobName           string
	StreamID          string
	StreamName        string
	Workstation       string
	PredecessorStatus InternalStatus
	// For other kinds: a name (file path, resource, prompt name).
	Name string
	// For a prompt: its text and state; for a resource: the units needed.
	Text         string
	PromptStatus PromptStatus
	Quantity     int
}

// JobStream is one job stream instance in the plan.
type JobStream struct {
	ID            string
	Name          string
	Folder        string
	Key           string
	WorkstationID string
	Workstation   string
	Common        CommonStatus
	Internal      StreamStatus
	Sub           StreamSubStatus
	Late          bool // jsStatusFlags.lateJobStream
	Priority      int
	SchedTime     time.Time
	Deadline      time.Time
	Stats         StreamStats
	Dependencies  []Dependency
	ModelID       string // the job stream's id in the model: what a submission names
}

// StreamStats are a job stream's job counters (JobStreamStatsV2).
type StreamStats struct {
	Jobs       int `json:"jobs"`
	Successful int `json:"successful"`
	Executing  int `json:"executing"`
	Abended    int `json:"abended"`
	Failed     int `json:"failed"`
	NotRunning int `json:"notRunning"`
	Undecided  int `json:"undecided"`
}

// Workstation is one workstation in the plan.
type Workstation struct {
	ID       string
	Name     string
	Folder   string
	Type     WorkstationType
	OS       string
	Domain   string
	States   []WorkstationState // activeStates
	Limit    int
	Fence    int
	Ignore   bool
	NodeName string
	Version  string
	TimeZone string
}

// LastRun returns the run with LastInRerunChain set, else the newest run,
// and false when the job has not run.
func (j Job) LastRun() (Run, bool) {
	for i := len(j.Runs) - 1; i >= 0; i-- {
		if j.Runs[i].LastInRerunChain {
			return j.Runs[i], true
		}
	}
	if len(j.Runs) == 0 {
		return Run{}, false
	}
	return j.Runs[len(j.Runs)-1], true
}

// Abended reports whether the job ended abnormally (internal ABEND or ABENP).
func (j Job) Abended() bool {
	return j.Internal == InternalAbend || j.Internal == InternalAbenP
}

// Failed reports whether the job is in error: it abended, could not be
// launched (FAIL), or HWA reports it in ERROR.
func (j Job) Failed() bool {
	switch j.Internal {
	case InternalAbend, InternalAbenP, InternalFail, InternalError:
		return true
	}
	return j.Common == CommonError
}

// RunningStatuses are the internal statuses of a job executing on its
// agent (Job.Running also counts the common status RUNNING); DoneStatuses
// those of a job in an end state (Job.Done). Adapters select by them (the
// HWA adapter's OQL), so the rule has one list.
var (
	RunningStatuses = []InternalStatus{InternalExec, InternalIntro, InternalWait, InternalStarted}
	DoneStatuses    = []InternalStatus{InternalSucc, InternalAbend, InternalFail, InternalCancl, InternalError, InternalComplt, InternalEnd, InternalSuppr}
)

// Running reports whether the job is executing on its agent.
func (j Job) Running() bool {
	return slices.Contains(RunningStatuses, j.Internal) || j.Common == CommonRunning
}

// Succeeded reports whether the job completed successfully.
func (j Job) Succeeded() bool {
	return j.Internal == InternalSucc || j.Common == CommonSuccessful
}

// Held reports whether the job is held, by an operator or by dependencies.
func (j Job) Held() bool {
	return j.Internal == InternalHold || j.Common == CommonHeld
}

// Done reports whether the job reached an end state (success, error, cancel).
func (j Job) Done() bool {
	return slices.Contains(DoneStatuses, j.Internal)
}

// Waiting reports whether the job is waiting to run and, when it is, an
// operator-facing reason taken from its substatus (or the internal status
// when HWA gave no substatus).
func (j Job) Waiting() (bool, string) {
	switch j.Internal {
	case InternalHold, InternalReady, InternalFence, InternalPendPred, InternalArrving, InternalNonRepPred, InternalSusp:
	default:
		if j.Common != CommonWaiting && j.Common != CommonReady && j.Common != CommonHeld {
			return false, ""
		}
	}
	if r := j.Sub.Reason(); r != "" {
		return true, r
	}
	switch j.Internal {
	case InternalHold:
		return true, "waiting for its dependencies to be resolved"
	case InternalReady:
		return true, "ready to launch"
	case InternalFence:
		return true, "its priority is below the workstation fence"
	case InternalPendPred:
		return true, "a predecessor is pending"
	case InternalSusp:
		return true, "suspended"
	}
	return true, "waiting"
}

// IsLate reports whether the job is late at now: HWA flagged it late or past
// its deadline, or it has a deadline that passed before it finished.
func (j Job) IsLate(now time.Time) bool {
	if j.Late || j.DeadlinePassed {
		return true
	}
	return !j.Deadline.IsZero() && now.After(j.Deadline) && !j.Done()
}

// AtRisk reports whether a critical job is at risk at now: it failed, is late,
// or has not started although its critical start time has passed.
func (j Job) AtRisk(now time.Time) bool {
	if !j.Critical || j.Succeeded() {
		return false
	}
	if j.Failed() || j.IsLate(now) {
		return true
	}
	return !j.CriticalStart.IsZero() && now.After(j.CriticalStart) && !j.Running()
}

// UnsatisfiedDependencies returns the dependencies not yet satisfied.
func (j Job) UnsatisfiedDependencies() []Dependency {
	var out []Dependency
	for _, d := range j.Dependencies {
		if !d.Satisfied && d.Status != DepSatisfied {
			out = append(out, d)
		}
	}
	return out
}

// Linked reports whether the workstation is linked to its manager.
func (w Workstation) Linked() bool {
	for _, s := range w.States {
		switch s {
		case StateLinked, StateFullyLinked, StateDirectlyLinked, StateHostLinked, StateExtendedLinked, StateTCPIPLinked, StateMaster:
			return true
		}
	}
	return false
}

// Running reports whether the workstation's agent runs jobs (batchman/jobman up).
func (w Workstation) Running() bool {
	for _, s := range w.States {
		switch s {
		case StateRunning, StateJobmanUp, StateInstalledAndRun, StateOnline:
			return true
		}
	}
	return false
}

// Failed reports whether the job stream ended in error or is stuck.
func (s JobStream) Failed() bool {
	switch s.Internal {
	case StreamAbend, StreamStuck, StreamError, StreamFail:
		return true
	}
	return s.Common == CommonError || s.Common == CommonBlocked
}

// Completed reports whether the job stream completed successfully.
func (s JobStream) Completed() bool {
	return s.Internal == StreamSucc || s.Common == CommonSuccessful
}

// IsLate reports whether the stream is late at now (HWA's flag, or past its
// deadline without completing).
func (s JobStream) IsLate(now time.Time) bool {
	if s.Late {
		return true
	}
	return !s.Deadline.IsZero() && now.After(s.Deadline) && !s.Completed()
}
