package hwa

import (
	"bytes"
	"encoding/json"
)

// Wire types: the JSON shapes of HWA REST API V2 (vendor schema names in the
// comments). Field names are the vendor's, verbatim; only the fields Resync
// reads or the simulator writes are declared. Times are RFC 3339 strings and
// durations ISO-8601 strings on the wire; see ParseDuration.

// Page is the paginated envelope {count, results, next, previous}
// (PaginatedResponseV216, V217, V219).
type Page[T any] struct {
	Count    int64  `json:"count"`
	Results  []T    `json:"results"`
	Next     string `json:"next,omitempty"`
	Previous string `json:"previous,omitempty"`
}

// FlowNodeList is ListResponseV21, the answer of predecessors and successors.
type FlowNodeList struct {
	Count   int64      `json:"count"`
	Results []FlowNode `json:"results"`
}

// FlowNode is FlowNodeInPlanV2: a job or job stream in a dependency walk.
type FlowNode struct {
	ID            string       `json:"id"`
	Name          string       `json:"name"`
	Folder        string       `json:"folder,omitempty"`
	WorkstationID string       `json:"workstationId,omitempty"`
	Workstation   string       `json:"workstation,omitempty"`
	SchedTime     string       `json:"schedTime,omitempty"`
	FlowNodeType  string       `json:"flowNodeType"` // JOB | JOBSTREAM
	Priority      int32        `json:"priority,omitempty"`
	PlanID        string       `json:"planId,omitempty"`
	Dependencies  []Dependency `json:"dependencies,omitempty"`
	// OriginalJobStreamName is set on JOBSTREAM nodes: JobStreamInPlanV2,
	// the variant they match, requires it.
	OriginalJobStreamName string `json:"originalJobStreamName,omitempty"`
}

// JobInPlan is JobInPlanV2.
type JobInPlan struct {
	FlowNodeType           string              `json:"flowNodeType"`
	EngineID               string              `json:"engineId,omitempty"`
	ID                     string              `json:"id"`
	PlanID                 string              `json:"planId,omitempty"`
	Folder                 string              `json:"folder,omitempty"`
	Name                   string              `json:"name"`
	WorkstationID          string              `json:"workstationId,omitempty"`
	Workstation            string              `json:"workstation,omitempty"`
	JobStreamID            string              `json:"jobStreamId,omitempty"`
	JobStreamName          string              `json:"jobStreamName,omitempty"`
	JobStreamWorkstationID string              `json:"jobStreamWorkstationId,omitempty"`
	JobStreamWorkstation   string              `json:"jobStreamWorkstation,omitempty"`
	Position               int32               `json:"position,omitempty"`
	Key                    string              `json:"key,omitempty"`
	JobStatusFlags         *JobStatusFlags     `json:"jobStatusFlags,omitempty"`
	JobOptions             *JobOptions         `json:"jobOptions,omitempty"`
	LastRunCompositeStatus *JobCompositeStatus `json:"lastRunCompositeStatus,omitempty"`
	LastRunCommonStatus    string              `json:"lastRunCommonStatus,omitempty"`
	JobDefinition          *JobDefinition      `json:"jobDefinition,omitempty"`
	Priority               int32               `json:"priority"`
	OrigPriority           int32               `json:"origPriority,omitempty"`
	JobRuns                []JobRun            `json:"jobruns,omitempty"`
	SchedTime              string              `json:"schedTime,omitempty"`
	TimeZone               string              `json:"timeZone,omitempty"`
	TimeRestrictions       *TimeRestrictions   `json:"timeRestrictions,omitempty"`
	Dependencies           []Dependency        `json:"dependencies,omitempty"`
	DependenciesStats      *DependenciesStats  `json:"dependenciesStats,omitempty"`
	EndTime                string              `json:"endTime,omitempty"`
	CriticalStart          string              `json:"criticalStart,omitempty"`
	RepeatInterval         string              `json:"repeatInterval,omitempty"` // every-jobs, ISO-8601
}

// JobStatusFlags is JobInPlanStatusFlags.
type JobStatusFlags struct {
	JobStreamCancelled bool `json:"jobStreamCancelled"`
	JobLate            bool `json:"jobLate"`
	UserRerunAgain     bool `json:"userRerunAgain"`
	Restarted          bool `json:"restarted"`
	DeadlineHasPassed  bool `json:"deadlineHasPassed"`
}

// JobOptions is JobInPlanOptions.
type JobOptions struct {
	NoOperation          bool `json:"noOperation"`
	Critical             bool `json:"critical"`
	RequiresConfirmation bool `json:"requiresConfirmation"`
	Every                bool `json:"every"`
}

// JobCompositeStatus is JobInPlanCompositeStatusV2.
type JobCompositeStatus struct {
	Canceled      bool   `json:"canceled"`
	Status        string `json:"status,omitempty"`    // JobInPlanStatus
	Substatus     string `json:"substatus,omitempty"` // JobInPlanSubStatus
	Error         bool   `json:"error"`
	Started       bool   `json:"started"`
	CancelPending bool   `json:"cancelPending"`
	DontRun       bool   `json:"dontRun"`
}

// JobDefinition is JobDefinitionInPlanV2 (the fields Resync reads).
type JobDefinition struct {
	ID                string `json:"id,omitempty"`
	Name              string `json:"name,omitempty"`
	Folder            string `json:"folder,omitempty"`
	Workstation       string `json:"workstation,omitempty"`
	Description       string `json:"description,omitempty"`
	EstimatedDuration string `json:"estimatedDuration,omitempty"` // ISO-8601 duration
	RecoveryOption    string `json:"recoveryOption,omitempty"`
	// Submission and task fields (see submit.go): the model definition a
	// job can be submitted again from, the task (a free-form object in the
	// vendor file; ParseTask reads it), and the recovery job.
	JobDefinitionModelID   string          `json:"jobDefinitionModelId,omitempty"`
	Task                   json.RawMessage `json:"task,omitempty"`
	IsCommand              bool            `json:"isCommand,omitempty"`
	UserLogins             []string        `json:"userLogins,omitempty"`
	RecoveryJobID          string          `json:"recoveryJobId,omitempty"`
	RecoveryJobName        string          `json:"recoveryJobName,omitempty"`
	RecoveryJobWorkstation string          `json:"recoveryJobWorkstation,omitempty"`
}

// JobRun is JobRunInstanceV2, one run of a job.
type JobRun struct {
	ID                string              `json:"id"`
	Name              string              `json:"name,omitempty"`
	JobID             string              `json:"jobId,omitempty"`
	JobKey            string              `json:"jobKey,omitempty"`
	ActualWorkstation string              `json:"actualWorkstation,omitempty"`
	JobNumber         int32               `json:"jobNumber,omitempty"`
	CompositeStatus   *JobCompositeStatus `json:"compositeStatus,omitempty"`
	CommonStatus      string              `json:"commonStatus,omitempty"`
	ReturnCode        int32               `json:"returnCode"`
	RerunJob          bool                `json:"rerunJob"`
	RerunType         string              `json:"rerunType,omitempty"`
	TimeInfo          *TimeInfo           `json:"timeInfo,omitempty"`
	SubmittedTime     string              `json:"submittedTime,omitempty"`
	LastInRerunChain  bool                `json:"lastInRerunChain"`
	RunAttempt        int32               `json:"runAttempt,omitempty"`
}

// TimeInfo is TimeInfoV2.
type TimeInfo struct {
	EstimatedDuration string `json:"estimatedDuration,omitempty"`
	ActualStartTime   string `json:"actualStartTime,omitempty"`
	ElapsedTime       string `json:"elapsedTime,omitempty"`
	ActualEndTime     string `json:"actualEndTime,omitempty"`
}

// TimeRestrictions is TimeRestrictionsInPlanV2 (the fields Resync reads).
type TimeRestrictions struct {
	StartTime         string `json:"startTime,omitempty"`
	DeadlineTime      string `json:"deadlineTime,omitempty"`
	LatestStartTime   string `json:"latestStartTime,omitempty"`
	MaxDuration       string `json:"maxDuration,omitempty"`
	TimeDependent     bool   `json:"timeDependent"`
	DeadlineSatisfied bool   `json:"deadlineSatisfied"`
}

// Dependency is DependencyInPlanV2 with the fields of the job, job-stream,
// file, resource and prompt variants (polymorphic on dependencyType).
type Dependency struct {
	DependencyType       string              `json:"dependencyType"`
	ID                   string              `json:"id,omitempty"`
	DependencyStatus     string              `json:"dependencyStatus,omitempty"`
	Satisfied            bool                `json:"satisfied"`
	Mandatory            bool                `json:"mandatory,omitempty"`
	Critical             bool                `json:"critical,omitempty"`
	JobStreamID          string              `json:"jobStreamId,omitempty"`
	JobStreamName        string              `json:"jobStreamName,omitempty"`
	JobStreamWorkstation string              `json:"jobStreamWorkstation,omitempty"`
	JobID                string              `json:"jobId,omitempty"`
	JobName              string              `json:"jobName,omitempty"`
	JobWorkstationName   string              `json:"jobWorkstationName,omitempty"`
	PredecessorStatus    *JobCompositeStatus `json:"predecessorStatus,omitempty"`
	File                 string              `json:"file,omitempty"`
	Name                 string              `json:"name,omitempty"`
	PromptName           string              `json:"promptName,omitempty"`
	// Prompt and resource variants (PromptDependencyInPlanV2,
	// ResourceDependencyInPlanV2); see resources.go.
	Text         string `json:"text,omitempty"`
	PromptStatus string `json:"promptStatus,omitempty"`
	PromptType   string `json:"promptType,omitempty"`
	Number       int32  `json:"number,omitempty"`
	Workstation  string `json:"workstation,omitempty"`
	Quantity     int32  `json:"quantity,omitempty"`
	QuantityHeld int32  `json:"quantityHeld,omitempty"`
	Available    *int32 `json:"available,omitempty"`
}

// DependenciesStats is DependenciesStatsV2.
type DependenciesStats struct {
	NumberOfDependencies           int32 `json:"numberOfDependencies"`
	NumberOfJobDependencies        int32 `json:"numberOfJobDependencies"`
	NumberOfJobStreamDependencies  int32 `json:"numberOfJobStreamDependencies"`
	NumberOfUnresolvedDependencies int32 `json:"numberOfUnresolvedDependencies"`
}

// JobStreamInPlan is JobStreamInPlanV2.
type JobStreamInPlan struct {
	FlowNodeType          string                    `json:"flowNodeType"`
	ID                    string                    `json:"id"`
	PlanID                string                    `json:"planId,omitempty"`
	Folder                string                    `json:"folder,omitempty"`
	Name                  string                    `json:"name"`
	OriginalJobStreamName string                    `json:"originalJobStreamName"`
	WorkstationID         string                    `json:"workstationId,omitempty"`
	Workstation           string                    `json:"workstation,omitempty"`
	Key                   string                    `json:"key,omitempty"`
	SchedTime             string                    `json:"schedTime,omitempty"`
	TimeZone              string                    `json:"timeZone,omitempty"`
	JSStatusFlags         *JobStreamStatusFlags     `json:"jsStatusFlags,omitempty"`
	CompositeStatus       *JobStreamCompositeStatus `json:"compositeStatus,omitempty"`
	CommonStatus          string                    `json:"commonStatus,omitempty"`
	Priority              int32                     `json:"priority"`
	JobStreamStats        *JobStreamStats           `json:"jobStreamStats,omitempty"`
	Dependencies          []Dependency              `json:"dependencies,omitempty"`
	DependenciesStats     *DependenciesStats        `json:"dependenciesStats,omitempty"`
	TimeRestrictions      *TimeRestrictions         `json:"timeRestrictions,omitempty"`
	Limit                 int32                     `json:"limit,omitempty"`
	Jobs                  []JobInPlan               `json:"jobs,omitempty"`
	JobStreamModelID      string                    `json:"jobStreamModelId,omitempty"` // what a submission names
}

// JobStreamStatusFlags is JobStreamInPlanStatusFlags.
type JobStreamStatusFlags struct {
	Released           bool `json:"released"`
	LateJobStream      bool `json:"lateJobStream"`
	PendingPredecessor bool `json:"pendingPredecessor"`
}

// JobStreamCompositeStatus is JobStreamInPlanCompositeStatusV2.
type JobStreamCompositeStatus struct {
	CancelPending bool   `json:"cancelPending"`
	Canceled      bool   `json:"canceled"`
	Started       bool   `json:"started"`
	Error         bool   `json:"error"`
	DontRun       bool   `json:"dontRun"`
	Status        string `json:"status,omitempty"`    // JobStreamInPlanStatus
	Substatus     string `json:"substatus,omitempty"` // JobStreamInPlanSubStatus
}

// JobStreamStats is JobStreamStatsV2.
type JobStreamStats struct {
	NumberOfJob            int32 `json:"numberOfJob"`
	NumberOfSuccessfullJob int32 `json:"numberOfSuccessfullJob"`
	NumberOfNotRunningJob  int32 `json:"numberOfNotRunningJob"`
	NumberOfExecutingJob   int32 `json:"numberOfExecutingJob"`
	NumberOfAbendedJob     int32 `json:"numberOfAbendedJob"`
	NumberOfFailedJob      int32 `json:"numberOfFailedJob"`
	NumberOfUndecidedJob   int32 `json:"numberOfUndecidedJob"`
}

// WorkstationInPlan is WorkstationInPlanV2.
type WorkstationInPlan struct {
	ID           string   `json:"id"`
	PlanID       string   `json:"planId,omitempty"`
	Folder       string   `json:"folder,omitempty"`
	Name         string   `json:"name"`
	Key          string   `json:"key,omitempty"`
	Description  string   `json:"description,omitempty"`
	ActiveStates []string `json:"activeStates"`
	ActiveFlags  []string `json:"activeFlags,omitempty"`
	Type         string   `json:"type,omitempty"`
	HostType     string   `json:"hostType,omitempty"`
	OS           string   `json:"os,omitempty"`
	TimeZone     string   `json:"timeZone,omitempty"`
	NodeName     string   `json:"nodeName,omitempty"`
	TCPPort      int32    `json:"tcpPort,omitempty"`
	DomainName   string   `json:"domainName,omitempty"`
	Limit        int32    `json:"limit"`
	Fence        int32    `json:"fence"`
	Version      string   `json:"version,omitempty"`
	Ignore       bool     `json:"ignore"`
}

// GroupedCount is GroupedCountResponse.
type GroupedCount struct {
	Count        int64            `json:"count"`
	GroupedCount map[string]int64 `json:"groupedCount,omitempty"`
}

// Issues is IssuesResponseV2.
type Issues struct {
	Issues []Issue `json:"issues"`
}

// Issue is one entry of IssuesResponseV2.
type Issue struct {
	ID           string `json:"id"`
	IssueMessage string `json:"issueMessage"`
	IssueType    string `json:"issueType"`
}

// EngineInfo is EngineInfoV2.
type EngineInfo struct {
	DisplayVersion string         `json:"displayVersion"`
	FullVersion    string         `json:"fullVersion"`
	Capabilities   map[string]any `json:"capabilities,omitempty"`
	ReferenceID    string         `json:"referenceId,omitempty"`
	LicenseType    string         `json:"licenseType,omitempty"`
	Locale         string         `json:"locale,omitempty"`
	Timezone       string         `json:"timezone,omitempty"`
}

// ResourceResponse is ResourceResponseV2, the answer of an action by id.
type ResourceResponse struct {
	ID  string `json:"id"`
	URL string `json:"url,omitempty"`
}

// ActionResourceResponse is ActionResourceResponseV2.
type ActionResourceResponse struct {
	ID      string `json:"id"`
	URL     string `json:"url,omitempty"`
	Message string `json:"message,omitempty"`
	IsError bool   `json:"isError"`
	// Error duplicates IsError in the vendor schema (both are declared);
	// the client treats either as a failure.
	Error bool `json:"error,omitempty"`
}

// RerunDetails is RerunDetailsV2 (the optional body of a rerun).
type RerunDetails struct {
	Priority  int32             `json:"priority,omitempty"`
	StartTime string            `json:"startTime,omitempty"`
	Asap      bool              `json:"asap,omitempty"`
	Variables map[string]string `json:"variables,omitempty"`
	StepName  string            `json:"stepName,omitempty"`
}

// Conditions is ConditionsV2 (the optional body of confirm-succ/abend).
type Conditions struct {
	Conditions []string `json:"conditions,omitempty"`
}

// FileInPlan is FileInPlanV2, the file of a FILE dependency (the fields
// Resync reads).
type FileInPlan struct {
	Name        string `json:"name,omitempty"`
	Workstation string `json:"workstation,omitempty"`
	Qualifier   string `json:"qualifier,omitempty"`
}

// dependencyFields is Dependency without its JSON methods.
type dependencyFields Dependency

// MarshalJSON writes a Dependency with "file" as the vendor's object
// (FileInPlanV2 {"name": File}); every other field is as declared.
func (d Dependency) MarshalJSON() ([]byte, error) {
	var w struct {
		dependencyFields
		File *FileInPlan `json:"file,omitempty"` // shadows dependencyFields.File
	}
	w.dependencyFields = dependencyFields(d)
	if d.File != "" {
		w.File = &FileInPlan{Name: d.File}
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads a Dependency whose "file" is either the vendor's
// FileInPlanV2 object (File is its name) or a plain string.
func (d *Dependency) UnmarshalJSON(b []byte) error {
	var w struct {
		dependencyFields
		File json.RawMessage `json:"file,omitempty"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*d = Dependency(w.dependencyFields)
	d.File = ""
	raw := bytes.TrimSpace(w.File)
	switch {
	case len(raw) == 0 || string(raw) == "null":
	case raw[0] == '"':
		if err := json.Unmarshal(raw, &d.File); err != nil {
			return err
		}
	default:
		var f FileInPlan
		if err := json.Unmarshal(raw, &f); err != nil {
			return err
		}
		d.File = f.Name
	}
	return nil
}
