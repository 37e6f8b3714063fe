package planview

import (
	"time"

	"github.com/resync/resync/shared/domain/workload"
)

// Meta says how fresh an answer is. AsOf is when HWA was read; Stale is true
// when HWA could not be reached and this is the last good answer.
type Meta struct {
	AsOf  time.Time `json:"asOf"`
	Stale bool      `json:"stale"`
}

// JobView is a job as the API and the agent show it.
type JobView struct {
	ID               string                  `json:"id"`
	Name             string                  `json:"name"`
	Folder           string                  `json:"folder,omitempty"`
	Key              string                  `json:"key,omitempty"`
	Stream           string                  `json:"stream,omitempty"`
	StreamID         string                  `json:"streamId,omitempty"`
	Workstation      string                  `json:"workstation,omitempty"`
	Status           workload.CommonStatus   `json:"status"`
	InternalStatus   workload.InternalStatus `json:"internalStatus"`
	Substatus        workload.SubStatus      `json:"substatus,omitempty"`
	Critical         bool                    `json:"critical"`
	Late             bool                    `json:"late"`
	Priority         int                     `json:"priority"`
	SchedTime        time.Time               `json:"schedTime,omitzero"`
	Deadline         time.Time               `json:"deadline,omitzero"`
	EstimatedSeconds float64                 `json:"estimatedSeconds,omitempty"`
	LastRun          *RunView                `json:"lastRun,omitempty"`
	// RanBefore is set when an earlier run started but the last has not: an
	// every-job waiting for its next run, a rerun waiting to start. Such a
	// job has started, though its last run has not.
	RanBefore bool `json:"ranBefore,omitempty"`
}

// RunView is one run of a job.
type RunView struct {
	ID               string                  `json:"id"`
	Number           int                     `json:"number,omitempty"`
	Status           workload.CommonStatus   `json:"status,omitempty"`
	InternalStatus   workload.InternalStatus `json:"internalStatus,omitempty"`
	ReturnCode       int                     `json:"returnCode"`
	Start            time.Time               `json:"start,omitzero"`
	End              time.Time               `json:"end,omitzero"`
	ElapsedSeconds   float64                 `json:"elapsedSeconds"`
	EstimatedSeconds float64                 `json:"estimatedSeconds,omitempty"`
	Attempt          int                     `json:"attempt,omitempty"`
	RerunType        workload.RerunType      `json:"rerunType,omitempty"`
}

// DependencyView is one predecessor of a job.
type DependencyView struct {
	Type              workload.DependencyType   `json:"type"`
	Status            workload.DependencyStatus `json:"status,omitempty"`
	Satisfied         bool                      `json:"satisfied"`
	Critical          bool                      `json:"critical"`
	JobID             string                    `json:"jobId,omitempty"`
	JobName           string                    `json:"jobName,omitempty"`
	StreamID          string                    `json:"streamId,omitempty"`
	StreamName        string                    `json:"streamName,omitempty"`
	Workstation       string                    `json:"workstation,omitempty"`
	PredecessorStatus workload.InternalStatus   `json:"predecessorStatus,omitempty"`
	Name              string                    `json:"name,omitempty"`
	// Prompt: its id (to reply), text and status; resource: units needed.
	PromptID     string                `json:"promptId,omitempty"`
	Text         string                `json:"text,omitempty"`
	PromptStatus workload.PromptStatus `json:"promptStatus,omitempty"`
	Quantity     int                   `json:"quantity,omitempty"`
}

// Duration compares the last run's duration with the estimate.
type Duration struct {
	ElapsedSeconds   float64 `json:"elapsedSeconds"`
	EstimatedSeconds float64 `json:"estimatedSeconds"`
	// Ratio is elapsed/estimated; above 1 the run is longer than estimated.
	Ratio float64 `json:"ratio"`
	// Verdict is "within estimate", "longer than estimate" or "much longer than estimate".
	Verdict string `json:"verdict"`
}

// Waiting says whether and why a job is not running.
type Waiting struct {
	Waiting bool   `json:"waiting"`
	Reason  string `json:"reason,omitempty"`
	// Blockers are the unsatisfied predecessors.
	Blockers []DependencyView `json:"blockers,omitempty"`
}

// JobDetail is one job with its runs, dependencies and why it waits.
type JobDetail struct {
	Job          JobView          `json:"job"`
	Runs         []RunView        `json:"runs"`
	Duration     *Duration        `json:"duration,omitempty"`
	Dependencies []DependencyView `json:"dependencies"`
	Waiting      Waiting          `json:"waiting"`
	Task         *TaskView        `json:"task,omitempty"` // task.go
	Meta
}

// JobList is one page of jobs.
type JobList struct {
	Items  []JobView `json:"items"`
	Total  int64     `json:"total"`
	Limit  int       `json:"limit"`
	Offset int       `json:"offset"`
	Capped
	Meta
}

// Capped says an answer was read from a bounded selection: HWA selected
// Selected jobs, more than the views read (ScanCap for a filtered list or
// count), so the answer covers the jobs read and not the rest. Zero when
// the answer is complete.
type Capped struct {
	Capped   bool  `json:"capped,omitempty"`
	Selected int64 `json:"selected,omitempty"`
}

// StreamView is a job stream.
type StreamView struct {
	ID          string                `json:"id"`
	Name        string                `json:"name"`
	Folder      string                `json:"folder,omitempty"`
	Workstation string                `json:"workstation,omitempty"`
	Status      workload.CommonStatus `json:"status"`
	Internal    workload.StreamStatus `json:"internalStatus"`
	Late        bool                  `json:"late"`
	SchedTime   time.Time             `json:"schedTime,omitzero"`
	Deadline    time.Time             `json:"deadline,omitzero"`
	Stats       workload.StreamStats  `json:"stats"`
	ModelID     string                `json:"modelId,omitempty"` // what a submission names
}

// StreamList is the job streams of the plan.
type StreamList struct {
	Items []StreamView `json:"items"`
	Total int          `json:"total"`
	Meta
}

// WorkstationView is a workstation.
type WorkstationView struct {
	ID      string                      `json:"id"`
	Name    string                      `json:"name"`
	Type    workload.WorkstationType    `json:"type"`
	OS      string                      `json:"os,omitempty"`
	Linked  bool                        `json:"linked"`
	Running bool                        `json:"running"`
	States  []workload.WorkstationState `json:"states"`
	Limit   int                         `json:"limit"`
	Fence   int                         `json:"fence"`
}

// WorkstationList is the workstations of the plan.
type WorkstationList struct {
	Items []WorkstationView `json:"items"`
	Total int               `json:"total"`
	Meta
}

// CriticalList is the critical jobs of the plan, those at risk first.
type CriticalList struct {
	Items  []CriticalJob `json:"items"`
	AtRisk int           `json:"atRisk"`
	Capped
	Meta
}

// CriticalJob is a critical job and whether it is at risk.
type CriticalJob struct {
	JobView
	AtRisk bool   `json:"atRisk"`
	Risk   string `json:"risk,omitempty"` // why it is at risk
}

// Summary is the plan summary with its freshness; AsOf is the summary's own.
type Summary struct {
	workload.Summary
	Stale bool `json:"stale"`
}

// Log is the tail of a job's log.
type Log struct {
	JobID     string `json:"jobId"`
	RunID     string `json:"runId"`
	Lines     int    `json:"lines"`
	Truncated bool   `json:"truncated"`
	Text      string `json:"text"`
	Meta
}

func seconds(d time.Duration) float64 { return d.Seconds() }

func jobView(j workload.Job, now time.Time) JobView {
	v := JobView{
		ID: j.ID, Name: j.Name, Folder: j.Folder, Key: j.Key,
		Stream: j.StreamName, StreamID: j.StreamID, Workstation: j.Workstation,
		Status: j.Common, InternalStatus: j.Internal, Substatus: j.Sub,
		Critical: j.Critical, Late: j.IsLate(now), Priority: j.Priority,
		SchedTime: j.SchedTime, Deadline: j.Deadline,
		EstimatedSeconds: seconds(j.EstimatedDuration),
	}
	if r, ok := j.LastRun(); ok {
		rv := runView(r)
		v.LastRun = &rv
		if r.Start.IsZero() {
			for _, o := range j.Runs {
				v.RanBefore = v.RanBefore || !o.Start.IsZero()
			}
		}
	}
	return v
}

// started reports whether any run of the job started.
func (v JobView) started() bool { return v.RanBefore || v.LastRun != nil && !v.LastRun.Start.IsZero() }

func runView(r workload.Run) RunView {
	return RunView{
		ID: r.ID, Number: r.Number, Status: r.Common, InternalStatus: r.Internal,
		ReturnCode: r.ReturnCode, Start: r.Start, End: r.End,
		ElapsedSeconds: seconds(r.Elapsed), EstimatedSeconds: seconds(r.Estimated),
		Attempt: r.Attempt, RerunType: r.RerunType,
	}
}

func dependencyView(d workload.Dependency) DependencyView {
	v := DependencyView{
		Type: d.Type, Status: d.Status, Satisfied: d.Satisfied || d.Status == workload.DepSatisfied,
		Critical: d.Critical, JobID: d.JobID, JobName: d.JobName, StreamID: d.StreamID,
		StreamName: d.StreamName, Workstation: d.Workstation,
		PredecessorStatus: d.PredecessorStatus, Name: d.Name,
		Text: d.Text, PromptStatus: d.PromptStatus, Quantity: d.Quantity,
	}
	if d.Type == workload.DepPrompt {
		v.PromptID = d.ID
	}
	return v
}

func streamView(s workload.JobStream, now time.Time) StreamView {
	return StreamView{
		ID: s.ID, Name: s.Name, Folder: s.Folder, Workstation: s.Workstation,
		Status: s.Common, Internal: s.Internal, Late: s.IsLate(now),
		SchedTime: s.SchedTime, Deadline: s.Deadline, Stats: s.Stats, ModelID: s.ModelID,
	}
}

func workstationView(w workload.Workstation) WorkstationView {
	states := w.States
	if states == nil {
		states = []workload.WorkstationState{}
	}
	return WorkstationView{
		ID: w.ID, Name: w.Name, Type: w.Type, OS: w.OS,
		Linked: w.Linked(), Running: w.Running(), States: states,
		Limit: w.Limit, Fence: w.Fence,
	}
}

// durationCheck compares a finished or running run with its estimate.
func durationCheck(r workload.Run, estimate time.Duration, now time.Time) *Duration {
	if estimate <= 0 {
		estimate = r.Estimated
	}
	elapsed := r.Elapsed
	if elapsed == 0 && !r.Start.IsZero() {
		end := r.End
		if end.IsZero() {
			end = now
		}
		elapsed = end.Sub(r.Start)
	}
	if estimate <= 0 || elapsed <= 0 {
		return nil
	}
	d := &Duration{ElapsedSeconds: elapsed.Seconds(), EstimatedSeconds: estimate.Seconds()}
	d.Ratio = float64(elapsed) / float64(estimate)
	switch {
	case d.Ratio <= 1.1:
		d.Verdict = "within estimate"
	case d.Ratio <= 2:
		d.Verdict = "longer than estimate"
	default:
		d.Verdict = "much longer than estimate"
	}
	return d
}
