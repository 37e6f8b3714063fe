package agent

import (
	"time"

	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/domain/llm"
)

// Tool names: the catalogue of the package comment.
const (
	ToolPlanSummary      = "plan_summary"
	ToolSearchJobs       = "search_jobs"
	ToolGetJob           = "get_job"
	ToolJobLog           = "job_log"
	ToolListJobStreams   = "list_jobstreams"
	ToolListWorkstations = "list_workstations"
	ToolCriticalJobs     = "critical_jobs"
	ToolJobDependencies  = "job_dependencies"
	ToolJobImpact        = "job_impact"
	ToolWhyWaiting       = "why_waiting"
	ToolSearchRunbooks   = "search_runbooks"
	ToolProposeAction    = "propose_action"
	ToolCountJobs        = "count_jobs"
	ToolAttention        = "attention"
	ToolResolveName      = "resolve_name"
	ToolShiftHandover    = "shift_handover"
)

// ShiftHandoverInput is the input of shift_handover.
type ShiftHandoverInput struct {
	Shift string `json:"shift,omitempty" desc:"current (the shift under way, the default) or previous (the last shift that ended)" enum:"current,previous"`
}

// PlanSummaryInput is the input of plan_summary (no fields).
type PlanSummaryInput struct{}

// JobFilter is the filter search_jobs and count_jobs share. Zero fields do
// not filter.
type JobFilter struct {
	Status         string `json:"status,omitempty" desc:"a status in any case: common (ERROR, RUNNING, HELD, WAITING, READY, SUCCESSFUL, CANCELED, BLOCKED), internal (ABEND, EXEC, HOLD, SUCC, FAIL, CANCL, INTRO, WAIT, PEND), or failed (every job in error: ABEND, FAIL, ERROR), abended, running, held, waiting"`
	InternalStatus string `json:"internalStatus,omitempty" desc:"an internal status, e.g. ABEND, EXEC, HOLD, SUCC (same words as status; use one of the two)"`
	Stream         string `json:"stream,omitempty" desc:"job stream name"`
	Workstation    string `json:"workstation,omitempty" desc:"workstation name"`
	Name           string `json:"name,omitempty" desc:"job name pattern; * is a wildcard"`
	Critical       *bool  `json:"critical,omitempty" desc:"only critical (true) or non-critical (false) jobs"`
	Late           *bool  `json:"late,omitempty" desc:"only jobs that are late (past their deadline or flagged late by HWA) (true) or not late (false)"`
	Started        *bool  `json:"started,omitempty" desc:"only jobs that have started, in their last run or an earlier one (true), or that have not started yet (false)"`
	StartedSince   string `json:"startedSince,omitempty" desc:"last run started at or after this time: RFC 3339, 2026-12-03 02:00, 02:00 or 2am (today in the plan's time zone; yesterday when later than now), -2h or '2h ago' (before the plan clock)"`
	StartedUntil   string `json:"startedUntil,omitempty" desc:"last run started before this time (same forms as startedSince)"`
	EndedSince     string `json:"endedSince,omitempty" desc:"last run ended at or after this time (same forms as startedSince); use it for 'failed in the last hour'"`
	EndedUntil     string `json:"endedUntil,omitempty" desc:"last run ended before this time (same forms as startedSince)"`
	ScheduledSince string `json:"scheduledSince,omitempty" desc:"scheduled at or after this time (same forms as startedSince)"`
	ScheduledUntil string `json:"scheduledUntil,omitempty" desc:"scheduled before this time (same forms as startedSince)"`
}

// SearchJobsInput is the input of search_jobs.
type SearchJobsInput struct {
	JobFilter
	Limit int `json:"limit,omitempty" desc:"page size, default 50, at most 500"`
}

// SearchJobsResult is the result of search_jobs: one page of jobs, the
// total that match, whether the page is cut, and the filter as applied
// (times absolute, in the plan's time zone).
type SearchJobsResult struct {
	planview.JobList
	Truncated bool    `json:"truncated"`
	Applied   Applied `json:"applied"`
}

// Applied is a job filter as the tool applied it.
type Applied struct {
	Status   string `json:"status,omitempty"`
	Internal string `json:"internalStatus,omitempty"`
	Failed   bool   `json:"failed,omitempty"`
	Label    string `json:"label,omitempty"` // how an answer names the status set
	// Window describes the time windows, e.g. "ended since 2026-12-03 02:00 UTC".
	Window   string    `json:"window,omitempty"`
	Now      time.Time `json:"now"` // the plan clock
	TimeZone string    `json:"timeZone"`
}

// Groupings of count_jobs.
const (
	GroupStatus         = planview.GroupStatus
	GroupInternalStatus = planview.GroupInternalStatus
	GroupWorkstation    = planview.GroupWorkstation
	GroupStream         = planview.GroupStream
	GroupReturnCode     = planview.GroupReturnCode
)

// CountJobsInput is the input of count_jobs.
type CountJobsInput struct {
	JobFilter
	GroupBy string `json:"groupBy,omitempty" desc:"count per status, internalStatus, workstation, stream or returnCode; empty for one total" enum:"status,internalStatus,workstation,stream,returnCode"`
}

// CountJobsResult is the result of count_jobs.
type CountJobsResult struct {
	planview.Counts
	Applied Applied `json:"applied"`
}

// AttentionInput is the input of attention.
type AttentionInput struct {
	Limit int `json:"limit,omitempty" desc:"how many items, default 50, at most 500"`
}

// ResolveNameInput is the input of resolve_name.
type ResolveNameInput struct {
	Name string `json:"name" desc:"a name as the user typed it: a job (NAME, STREAM.NAME, WS#STREAM.NAME), a job stream or a workstation, any case, possibly misspelled"`
}

// GetJobInput is the input of get_job.
type GetJobInput struct {
	Job string `json:"job" desc:"job id, or job name as NAME, STREAM.NAME or WS#STREAM.NAME"`
}

// JobLogInput is the input of job_log.
type JobLogInput struct {
	Job  string `json:"job" desc:"job id, or job name as NAME, STREAM.NAME or WS#STREAM.NAME"`
	Tail int    `json:"tail,omitempty" desc:"how many last lines, default 100, at most 2000"`
}

// ListJobStreamsInput is the input of list_jobstreams.
type ListJobStreamsInput struct {
	Late bool   `json:"late,omitempty" desc:"only late job streams"`
	Name string `json:"name,omitempty" desc:"only the job streams of this name, any case; * is a wildcard"`
}

// ListWorkstationsInput is the input of list_workstations.
type ListWorkstationsInput struct {
	Unlinked bool   `json:"unlinked,omitempty" desc:"only unlinked workstations"`
	Name     string `json:"name,omitempty" desc:"only the workstations of this name, any case; * is a wildcard"`
}

// CriticalJobsInput is the input of critical_jobs (no fields).
type CriticalJobsInput struct{}

// Directions of job_dependencies.
const (
	DirectionPredecessors = "predecessors"
	DirectionSuccessors   = "successors"
)

// JobDependenciesInput is the input of job_dependencies.
type JobDependenciesInput struct {
	Job       string `json:"job" desc:"job id, or job name as NAME, STREAM.NAME or WS#STREAM.NAME"`
	Direction string `json:"direction" desc:"predecessors (what the job waits for) or successors (what waits for the job)" enum:"predecessors,successors"`
	Depth     int    `json:"depth,omitempty" desc:"levels to follow, default 1, at most 5"`
}

// JobImpactInput is the input of job_impact.
type JobImpactInput struct {
	Job   string `json:"job" desc:"job id, or job name as NAME, STREAM.NAME or WS#STREAM.NAME"`
	Depth int    `json:"depth,omitempty" desc:"levels of successors to follow, default 3, at most 5"`
}

// WhyWaitingInput is the input of why_waiting.
type WhyWaitingInput struct {
	Job string `json:"job" desc:"job id, or job name as NAME, STREAM.NAME or WS#STREAM.NAME"`
}

// SearchRunbooksInput is the input of search_runbooks.
type SearchRunbooksInput struct {
	Query string `json:"query" desc:"what to look up, in the user's words; name the job or job stream when there is one"`
	Limit int    `json:"limit,omitempty" desc:"how many runbook sections, default 5, at most 10"`
}

// RunbookHit is one runbook section search_runbooks found.
type RunbookHit struct {
	DocumentID string  `json:"documentId"`
	Document   string  `json:"document"` // the document's name
	Section    string  `json:"section"`
	Text       string  `json:"text"`
	Score      float64 `json:"score"`
}

// RunbooksResult is the result of search_runbooks.
type RunbooksResult struct {
	Query   string       `json:"query"`
	Results []RunbookHit `json:"results"`
}

// Actions an operator may propose.
const (
	ActionRerun        = "rerun"
	ActionHold         = "hold"
	ActionRelease      = "release"
	ActionCancel       = "cancel"
	ActionKill         = "kill"
	ActionConfirmSucc  = "confirm-succ"
	ActionConfirmAbend = "confirm-abend"
	ActionSubmitStream = "submit_jobstream" // a new instance of a job stream, from its model
	ActionSubmitJob    = "submit_job"       // a job's definition submitted again, into its workstation's JOBS stream
)

// ProposeActionInput is the input of propose_action.
type ProposeActionInput struct {
	Action string `json:"action" desc:"the action to propose; it is executed only when the user confirms it. submit_jobstream adds a new instance of a job stream to the plan; submit_job submits a job's definition again" enum:"rerun,hold,release,cancel,kill,confirm-succ,confirm-abend,submit_jobstream,submit_job"`
	Job    string `json:"job,omitempty" desc:"job id, or job name as NAME, STREAM.NAME or WS#STREAM.NAME (every action but submit_jobstream)"`
	Stream string `json:"stream,omitempty" desc:"job stream name or id, for submit_jobstream"`
}

// JobRef names a job in tool results.
type JobRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Node is a job or job stream met in a dependency walk.
type Node struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Kind        string `json:"kind"` // job | jobstream
	Workstation string `json:"workstation,omitempty"`
	Stream      string `json:"stream,omitempty"`
	Critical    bool   `json:"critical,omitempty"`
}

// DependenciesResult is the result of job_dependencies.
type DependenciesResult struct {
	Job       JobRef `json:"job"`
	Direction string `json:"direction"`
	Nodes     []Node `json:"nodes"`
}

// ImpactResult is the result of job_impact.
type ImpactResult struct {
	Job        JobRef `json:"job"`
	Successors []Node `json:"successors"`
	Critical   int    `json:"critical"`
	Summary    string `json:"summary"`
	// Source is "graph" or "hwa" when the impact service answered; Note
	// says why HWA answered instead of the graph.
	Source         string `json:"source,omitempty"`
	Note           string `json:"note,omitempty"`
	OnCriticalPath bool   `json:"onCriticalPath,omitempty"`
}

// Target is one object a proposal acts on. RunID is the run a rerun
// starts from.
type Target struct {
	Kind        string `json:"kind"` // job | jobstream
	ID          string `json:"id"`
	Name        string `json:"name"`
	RunID       string `json:"runId,omitempty"`
	Stream      string `json:"stream,omitempty"`
	Workstation string `json:"workstation,omitempty"`
	Answer      string `json:"answer,omitempty"`  // a prompt reply: yes | no
	ModelID     string `json:"modelId,omitempty"` // a submission: the model it submits
}

// ProposalResult is the result of propose_action.
type ProposalResult struct {
	ProposalID string        `json:"proposalId"`
	Action     string        `json:"action"`
	Targets    []Target      `json:"targets"`
	Impact     frames.Impact `json:"impact"`
	ExpiresAt  time.Time     `json:"expiresAt"`
}

// Error codes of ErrorResult.
const (
	CodeNotFound    = "not_found"
	CodeAmbiguous   = "ambiguous"
	CodeBadInput    = "bad_input"
	CodeUnavailable = "unavailable"
	CodeRefused     = "refused"
	CodeInternal    = "internal"
)

// Candidate is one job an ambiguous name matched.
type Candidate struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Stream         string `json:"stream,omitempty"`
	Workstation    string `json:"workstation,omitempty"`
	Status         string `json:"status,omitempty"`
	InternalStatus string `json:"internalStatus,omitempty"`
}

// ErrorResult is the content of a tool result with isError set.
type ErrorResult struct {
	Error      string      `json:"error"`
	Code       string      `json:"code"`
	Candidates []Candidate `json:"candidates,omitempty"`
	// Suggestions: for a name not found, the plan objects of that name of
	// another kind (a job stream, a workstation) or the closest names.
	Suggestions []planview.Match `json:"suggestions,omitempty"`
}

// TruncatedKey is the field a cut result gains, saying what was left out.
const TruncatedKey = "resultTruncated"

// Specs returns the tool specifications of the whole catalogue, in
// catalogue order.
func Specs() []llm.ToolSpec {
	return append([]llm.ToolSpec{
		llm.Spec[PlanSummaryInput](ToolPlanSummary, "Summary of the current plan: job counts by status, late and critical jobs, job streams and workstations."),
		llm.Spec[SearchJobsInput](ToolSearchJobs, "Search the jobs of the current plan by status (common or internal, any case, or 'failed'), job stream, workstation, name pattern, critical flag and time windows on the last run's start and end or the scheduled time. The result gives the total that match and whether the list is cut: say both when answering."),
		llm.Spec[GetJobInput](ToolGetJob, "One job of the plan: status, runs with their run ids and return codes, dependencies, and why it waits."),
		llm.Spec[JobLogInput](ToolJobLog, "The last lines of the log of a job's last run."),
		llm.Spec[ListJobStreamsInput](ToolListJobStreams, "The job streams of the plan, late ones first."),
		llm.Spec[ListWorkstationsInput](ToolListWorkstations, "The workstations of the plan, unlinked ones first."),
		llm.Spec[CriticalJobsInput](ToolCriticalJobs, "The critical jobs of the plan, those at risk first."),
		llm.Spec[JobDependenciesInput](ToolJobDependencies, "The predecessors or successors of a job, from HWA."),
		llm.Spec[JobImpactInput](ToolJobImpact, "What a job's failure or delay affects: its successors and how many are critical."),
		llm.Spec[WhyWaitingInput](ToolWhyWaiting, "Why a job waits: the chain of unsatisfied predecessors up to the root cause (abended, held, late, cancelled or running), from the knowledge graph or HWA."),
		llm.Spec[SearchRunbooksInput](ToolSearchRunbooks, "Search the operators' runbooks (uploaded documents) for procedures: what to do when a job abends, how to recover or escalate. Results carry the document and section to cite."),
		llm.Spec[CountJobsInput](ToolCountJobs, "Count the jobs of the current plan matching a filter (the same filters as search_jobs, time windows included), in total or grouped by status, internal status, workstation, job stream or return code, largest group first. Use it for 'how many', 'which workstation has the most failures', 'failures per stream'."),
		llm.Spec[AttentionInput](ToolAttention, "What needs an operator now, ranked: critical jobs in error or at risk, jobs in error, unlinked or stopped workstations, late job streams, runs much longer than their estimate, prompts waiting, jobs held by an operator. Each item says why it is listed and what to look at next. Use it for triage questions such as 'anything to worry about?' or 'all good?'."),
		llm.Spec[ResolveNameInput](ToolResolveName, "Say what a name is in the plan: the jobs, job streams or workstations of exactly that name (case-insensitive), else the closest names as 'did you mean' suggestions. Use it when a name was not found or its kind is unclear; never guess a name the plan does not have."),
		llm.Spec[ShiftHandoverInput](ToolShiftHandover, "The shift handover: since the shift boundary (the plan's time zone), the failures and recoveries, the actions taken with who and which justification, and what is still late or at risk, every line citing its job or audit record. Use it for 'what happened on the night shift?' or 'handover notes'."),
		llm.Spec[ProposeActionInput](ToolProposeAction, "Propose an operator action on a job, or the submission of a job stream (submit_jobstream, with stream) or of a job's definition again (submit_job). It is NOT executed: the user sees the proposal with its impact and must confirm it with a justification."),
	}, conditionSpecs()...)
}
