package hwa

import (
	"sort"
	"time"

	"github.com/resync/resync/shared/domain/workload"
)

// Conversion from the wire types to the domain model. It is lenient: a time
// or duration in a form it does not know becomes the zero value rather than
// failing a whole list, since HWA's exact formats vary by fix pack (the
// vendor file types them only as strings).

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
}

// ParseTime parses an HWA instant (RFC 3339, with or without fraction; also
// "+0000"-style offsets and no zone, read as UTC). It returns the zero time
// for "" and for text it cannot read.
func ParseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func parseDur(s string) time.Duration {
	if s == "" {
		return 0
	}
	d, err := ParseDuration(s)
	if err != nil {
		return 0
	}
	return d
}

// ConvertJob converts a JobInPlanV2 to a workload.Job. Runs are ordered
// oldest first (by runAttempt when the server numbers them). Status comes
// from lastRunCommonStatus and lastRunCompositeStatus, falling back to the
// last run's when those are absent.
func ConvertJob(j JobInPlan) workload.Job {
	out := workload.Job{
		ID:             j.ID,
		Name:           j.Name,
		Folder:         j.Folder,
		Key:            j.Key,
		WorkstationID:  j.WorkstationID,
		Workstation:    j.Workstation,
		StreamID:       j.JobStreamID,
		StreamName:     j.JobStreamName,
		Common:         workload.CommonStatus(j.LastRunCommonStatus),
		Priority:       int(j.Priority),
		SchedTime:      ParseTime(j.SchedTime),
		CriticalStart:  ParseTime(j.CriticalStart),
		Dependencies:   convertDeps(j.Dependencies),
		Critical:       j.JobOptions != nil && j.JobOptions.Critical,
		Late:           j.JobStatusFlags != nil && j.JobStatusFlags.JobLate,
		DeadlinePassed: j.JobStatusFlags != nil && j.JobStatusFlags.DeadlineHasPassed,
	}
	if s := j.LastRunCompositeStatus; s != nil {
		out.Internal = workload.InternalStatus(s.Status)
		out.Sub = workload.SubStatus(s.Substatus)
	}
	if tr := j.TimeRestrictions; tr != nil {
		out.Deadline = ParseTime(tr.DeadlineTime)
	}
	if jd := j.JobDefinition; jd != nil {
		out.EstimatedDuration = parseDur(jd.EstimatedDuration)
		out.Task, out.Recovery = convertTask(*jd)
	}
	out.RepeatInterval = parseDur(j.RepeatInterval)
	out.RequiresConfirmation = j.JobOptions != nil && j.JobOptions.RequiresConfirmation
	for _, r := range j.JobRuns {
		out.Runs = append(out.Runs, ConvertRun(r))
	}
	numbered := len(out.Runs) > 0
	for _, r := range out.Runs {
		if r.Attempt <= 0 {
			numbered = false
		}
	}
	if numbered {
		sort.SliceStable(out.Runs, func(a, b int) bool { return out.Runs[a].Attempt < out.Runs[b].Attempt })
	}
	if last, ok := out.LastRun(); ok {
		if out.Common == "" {
			out.Common = last.Common
		}
		if out.Internal == "" {
			out.Internal = last.Internal
		}
		if out.EstimatedDuration == 0 {
			out.EstimatedDuration = last.Estimated
		}
	}
	return out
}

// ConvertRun converts a JobRunInstanceV2 to a workload.Run.
func ConvertRun(r JobRun) workload.Run {
	out := workload.Run{
		ID:               r.ID,
		JobID:            r.JobID,
		Number:           int(r.JobNumber),
		Common:           workload.CommonStatus(r.CommonStatus),
		ReturnCode:       int(r.ReturnCode),
		LastInRerunChain: r.LastInRerunChain,
		RerunType:        workload.RerunType(r.RerunType),
		Attempt:          int(r.RunAttempt),
	}
	if s := r.CompositeStatus; s != nil {
		out.Internal = workload.InternalStatus(s.Status)
	}
	if ti := r.TimeInfo; ti != nil {
		out.Start = ParseTime(ti.ActualStartTime)
		out.End = ParseTime(ti.ActualEndTime)
		out.Elapsed = parseDur(ti.ElapsedTime)
		out.Estimated = parseDur(ti.EstimatedDuration)
	}
	if out.Elapsed == 0 && !out.Start.IsZero() && !out.End.IsZero() {
		out.Elapsed = out.End.Sub(out.Start)
	}
	return out
}

func convertDeps(ds []Dependency) []workload.Dependency {
	if len(ds) == 0 {
		return nil
	}
	out := make([]workload.Dependency, 0, len(ds))
	for _, d := range ds {
		out = append(out, ConvertDependency(d))
	}
	return out
}

// ConvertDependency converts a DependencyInPlanV2 (any variant).
func ConvertDependency(d Dependency) workload.Dependency {
	out := workload.Dependency{
		ID:         d.ID,
		Type:       workload.DependencyType(d.DependencyType),
		Status:     workload.DependencyStatus(d.DependencyStatus),
		Satisfied:  d.Satisfied || d.DependencyStatus == string(workload.DepSatisfied),
		Critical:   d.Critical,
		JobID:      d.JobID,
		JobName:    d.JobName,
		StreamID:   d.JobStreamID,
		StreamName: d.JobStreamName,
	}
	out.Workstation = d.JobWorkstationName
	if out.Workstation == "" {
		out.Workstation = d.JobStreamWorkstation
	}
	if d.PredecessorStatus != nil {
		out.PredecessorStatus = workload.InternalStatus(d.PredecessorStatus.Status)
	}
	switch {
	case d.File != "":
		out.Name = d.File
	case d.PromptName != "":
		out.Name = d.PromptName
	default:
		out.Name = d.Name
	}
	out.Text, out.PromptStatus, out.Quantity = d.Text, workload.PromptStatus(d.PromptStatus), int(d.Quantity)
	return out
}

// ConvertJobStream converts a JobStreamInPlanV2 (its embedded jobs are
// converted separately, see Client.JobStream).
func ConvertJobStream(s JobStreamInPlan) workload.JobStream {
	out := workload.JobStream{
		ID:            s.ID,
		Name:          s.Name,
		Folder:        s.Folder,
		Key:           s.Key,
		WorkstationID: s.WorkstationID,
		Workstation:   s.Workstation,
		Common:        workload.CommonStatus(s.CommonStatus),
		Late:          s.JSStatusFlags != nil && s.JSStatusFlags.LateJobStream,
		Priority:      int(s.Priority),
		SchedTime:     ParseTime(s.SchedTime),
		Dependencies:  convertDeps(s.Dependencies),
		ModelID:       s.JobStreamModelID,
	}
	if cs := s.CompositeStatus; cs != nil {
		out.Internal = workload.StreamStatus(cs.Status)
		out.Sub = workload.StreamSubStatus(cs.Substatus)
	}
	if tr := s.TimeRestrictions; tr != nil {
		out.Deadline = ParseTime(tr.DeadlineTime)
	}
	if st := s.JobStreamStats; st != nil {
		out.Stats = workload.StreamStats{
			Jobs:       int(st.NumberOfJob),
			Successful: int(st.NumberOfSuccessfullJob),
			Executing:  int(st.NumberOfExecutingJob),
			Abended:    int(st.NumberOfAbendedJob),
			Failed:     int(st.NumberOfFailedJob),
			NotRunning: int(st.NumberOfNotRunningJob),
			Undecided:  int(st.NumberOfUndecidedJob),
		}
	}
	return out
}

// ConvertWorkstation converts a WorkstationInPlanV2.
func ConvertWorkstation(w WorkstationInPlan) workload.Workstation {
	out := workload.Workstation{
		ID:       w.ID,
		Name:     w.Name,
		Folder:   w.Folder,
		Type:     workload.WorkstationType(w.Type),
		OS:       w.OS,
		Domain:   w.DomainName,
		Limit:    int(w.Limit),
		Fence:    int(w.Fence),
		Ignore:   w.Ignore,
		NodeName: w.NodeName,
		Version:  w.Version,
		TimeZone: w.TimeZone,
	}
	for _, s := range w.ActiveStates {
		out.States = append(out.States, workload.WorkstationState(s))
	}
	return out
}

// ConvertNode converts a FlowNodeInPlanV2.
func ConvertNode(n FlowNode) workload.FlowNode {
	return workload.FlowNode{
		Kind:          workload.NodeKind(n.FlowNodeType),
		ID:            n.ID,
		Name:          n.Name,
		Folder:        n.Folder,
		WorkstationID: n.WorkstationID,
		Workstation:   n.Workstation,
		SchedTime:     ParseTime(n.SchedTime),
		Priority:      int(n.Priority),
		Dependencies:  convertDeps(n.Dependencies),
	}
}
