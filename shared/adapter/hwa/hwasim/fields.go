package hwasim

import (
	"strconv"
	"strings"

	"github.com/resync/resync/shared/adapter/hwa"
)

// The OQL fields of each object: dotted paths into its JSON, names as the
// vendor writes them (matched case-insensitively).

func one(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func sf[T any](get func(*T) string) field[T] {
	return field[T]{kString, func(x *T) []string { return one(get(x)) }}
}

func tf[T any](get func(*T) string) field[T] {
	return field[T]{kTime, func(x *T) []string { return one(get(x)) }}
}

func bf[T any](get func(*T) bool) field[T] {
	return field[T]{kBool, func(x *T) []string { return []string{strconv.FormatBool(get(x))} }}
}

func nf[T any](get func(*T) int64) field[T] {
	return field[T]{kInt, func(x *T) []string { return []string{strconv.FormatInt(get(x), 10)} }}
}

func lower[T any](m map[string]field[T]) fieldSet[T] {
	out := make(fieldSet[T], len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

func runsField(get func(r *hwa.JobRun) string, k kind) field[hwa.JobInPlan] {
	return field[hwa.JobInPlan]{k, func(j *hwa.JobInPlan) []string {
		out := make([]string, 0, len(j.JobRuns))
		for i := range j.JobRuns {
			if v := get(&j.JobRuns[i]); v != "" {
				out = append(out, v)
			}
		}
		return out
	}}
}

func depsField[T any](deps func(*T) []hwa.Dependency, get func(d *hwa.Dependency) string, k kind) field[T] {
	return field[T]{k, func(x *T) []string {
		ds := deps(x)
		out := make([]string, 0, len(ds))
		for i := range ds {
			if v := get(&ds[i]); v != "" {
				out = append(out, v)
			}
		}
		return out
	}}
}

func comp(c *hwa.JobCompositeStatus) hwa.JobCompositeStatus {
	if c == nil {
		return hwa.JobCompositeStatus{}
	}
	return *c
}

func jobFields() fieldSet[hwa.JobInPlan] {
	type J = hwa.JobInPlan
	deps := func(j *J) []hwa.Dependency { return j.Dependencies }
	return lower(map[string]field[J]{
		"id":                               sf(func(j *J) string { return j.ID }),
		"name":                             sf(func(j *J) string { return j.Name }),
		"folder":                           sf(func(j *J) string { return j.Folder }),
		"workstation":                      sf(func(j *J) string { return j.Workstation }),
		"workstationId":                    sf(func(j *J) string { return j.WorkstationID }),
		"jobStreamId":                      sf(func(j *J) string { return j.JobStreamID }),
		"jobStreamName":                    sf(func(j *J) string { return j.JobStreamName }),
		"jobStreamWorkstation":             sf(func(j *J) string { return j.JobStreamWorkstation }),
		"jobStreamWorkstationId":           sf(func(j *J) string { return j.JobStreamWorkstationID }),
		"key":                              sf(func(j *J) string { return j.Key }),
		"flowNodeType":                     sf(func(j *J) string { return j.FlowNodeType }),
		"planId":                           sf(func(j *J) string { return j.PlanID }),
		"timeZone":                         sf(func(j *J) string { return j.TimeZone }),
		"position":                         nf(func(j *J) int64 { return int64(j.Position) }),
		"priority":                         nf(func(j *J) int64 { return int64(j.Priority) }),
		"origPriority":                     nf(func(j *J) int64 { return int64(j.OrigPriority) }),
		"schedTime":                        tf(func(j *J) string { return j.SchedTime }),
		"endTime":                          tf(func(j *J) string { return j.EndTime }),
		"criticalStart":                    tf(func(j *J) string { return j.CriticalStart }),
		"lastRunCommonStatus":              sf(func(j *J) string { return j.LastRunCommonStatus }),
		"lastRunCompositeStatus.status":    sf(func(j *J) string { return comp(j.LastRunCompositeStatus).Status }),
		"lastRunCompositeStatus.substatus": sf(func(j *J) string { return comp(j.LastRunCompositeStatus).Substatus }),
		"lastRunCompositeStatus.error":     bf(func(j *J) bool { return comp(j.LastRunCompositeStatus).Error }),
		"lastRunCompositeStatus.started":   bf(func(j *J) bool { return comp(j.LastRunCompositeStatus).Started }),
		"lastRunCompositeStatus.canceled":  bf(func(j *J) bool { return comp(j.LastRunCompositeStatus).Canceled }),
		"jobOptions.critical":              bf(func(j *J) bool { return j.JobOptions != nil && j.JobOptions.Critical }),
		"jobOptions.noOperation":           bf(func(j *J) bool { return j.JobOptions != nil && j.JobOptions.NoOperation }),
		"jobStatusFlags.jobLate":           bf(func(j *J) bool { return j.JobStatusFlags != nil && j.JobStatusFlags.JobLate }),
		"jobStatusFlags.deadlineHasPassed": bf(func(j *J) bool { return j.JobStatusFlags != nil && j.JobStatusFlags.DeadlineHasPassed }),
		"jobDefinition.name":               sf(func(j *J) string { return j.JobDefinition.Name }),
		"jobruns.id":                       runsField(func(r *hwa.JobRun) string { return r.ID }, kString),
		"jobruns.commonStatus":             runsField(func(r *hwa.JobRun) string { return r.CommonStatus }, kString),
		"jobruns.compositeStatus.status":   runsField(func(r *hwa.JobRun) string { return comp(r.CompositeStatus).Status }, kString),
		"jobruns.compositeStatus.substatus": runsField(func(r *hwa.JobRun) string {
			return comp(r.CompositeStatus).Substatus
		}, kString),
		"jobruns.timeInfo.actualStartTime": runsField(func(r *hwa.JobRun) string {
			if r.TimeInfo == nil {
				return ""
			}
			return r.TimeInfo.ActualStartTime
		}, kTime),
		"jobruns.timeInfo.actualEndTime": runsField(func(r *hwa.JobRun) string {
			if r.TimeInfo == nil {
				return ""
			}
			return r.TimeInfo.ActualEndTime
		}, kTime),
		"jobruns.returnCode": runsField(func(r *hwa.JobRun) string { return strconv.Itoa(int(r.ReturnCode)) }, kInt),
		"jobruns.jobNumber":  runsField(func(r *hwa.JobRun) string { return strconv.Itoa(int(r.JobNumber)) }, kInt),
		"jobruns.lastInRerunChain": runsField(func(r *hwa.JobRun) string {
			return strconv.FormatBool(r.LastInRerunChain)
		}, kBool),
		"dependencies.dependencyType": depsField(deps, func(d *hwa.Dependency) string { return d.DependencyType }, kString),
		"dependencies.jobStreamId":    depsField(deps, func(d *hwa.Dependency) string { return d.JobStreamID }, kString),
		"dependencies.jobStreamName":  depsField(deps, func(d *hwa.Dependency) string { return d.JobStreamName }, kString),
		"dependencies.jobId":          depsField(deps, func(d *hwa.Dependency) string { return d.JobID }, kString),
		"dependencies.jobName":        depsField(deps, func(d *hwa.Dependency) string { return d.JobName }, kString),
		"dependencies.promptName":     depsField(deps, func(d *hwa.Dependency) string { return d.PromptName }, kString),
		"dependencies.critical": depsField(deps, func(d *hwa.Dependency) string {
			return strconv.FormatBool(d.Critical)
		}, kBool),
		"timeRestrictions.deadlineTime": tf(func(j *J) string {
			if j.TimeRestrictions == nil {
				return ""
			}
			return j.TimeRestrictions.DeadlineTime
		}),
	})
}

func streamFields() fieldSet[hwa.JobStreamInPlan] {
	type S = hwa.JobStreamInPlan
	deps := func(s *S) []hwa.Dependency { return s.Dependencies }
	cs := func(s *S) hwa.JobStreamCompositeStatus {
		if s.CompositeStatus == nil {
			return hwa.JobStreamCompositeStatus{}
		}
		return *s.CompositeStatus
	}
	flags := func(s *S) hwa.JobStreamStatusFlags {
		if s.JSStatusFlags == nil {
			return hwa.JobStreamStatusFlags{}
		}
		return *s.JSStatusFlags
	}
	return lower(map[string]field[S]{
		"id":                          sf(func(s *S) string { return s.ID }),
		"name":                        sf(func(s *S) string { return s.Name }),
		"originalJobStreamName":       sf(func(s *S) string { return s.OriginalJobStreamName }),
		"folder":                      sf(func(s *S) string { return s.Folder }),
		"workstation":                 sf(func(s *S) string { return s.Workstation }),
		"workstationId":               sf(func(s *S) string { return s.WorkstationID }),
		"key":                         sf(func(s *S) string { return s.Key }),
		"flowNodeType":                sf(func(s *S) string { return s.FlowNodeType }),
		"planId":                      sf(func(s *S) string { return s.PlanID }),
		"priority":                    nf(func(s *S) int64 { return int64(s.Priority) }),
		"schedTime":                   tf(func(s *S) string { return s.SchedTime }),
		"commonStatus":                sf(func(s *S) string { return s.CommonStatus }),
		"compositeStatus.status":      sf(func(s *S) string { return cs(s).Status }),
		"compositeStatus.substatus":   sf(func(s *S) string { return cs(s).Substatus }),
		"compositeStatus.error":       bf(func(s *S) bool { return cs(s).Error }),
		"jsStatusFlags.lateJobStream": bf(func(s *S) bool { return flags(s).LateJobStream }),
		"jsStatusFlags.released":      bf(func(s *S) bool { return flags(s).Released }),
		"jsStatusFlags.pendingPredecessor": bf(func(s *S) bool {
			return flags(s).PendingPredecessor
		}),
		"dependencies.dependencyType": depsField(deps, func(d *hwa.Dependency) string { return d.DependencyType }, kString),
		"dependencies.jobStreamId":    depsField(deps, func(d *hwa.Dependency) string { return d.JobStreamID }, kString),
		"dependencies.jobStreamName":  depsField(deps, func(d *hwa.Dependency) string { return d.JobStreamName }, kString),
		"timeRestrictions.deadlineTime": tf(func(s *S) string {
			if s.TimeRestrictions == nil {
				return ""
			}
			return s.TimeRestrictions.DeadlineTime
		}),
	})
}

func workstationFields() fieldSet[hwa.WorkstationInPlan] {
	type W = hwa.WorkstationInPlan
	return lower(map[string]field[W]{
		"id":           sf(func(w *W) string { return w.ID }),
		"name":         sf(func(w *W) string { return w.Name }),
		"key":          sf(func(w *W) string { return w.Key }),
		"folder":       sf(func(w *W) string { return w.Folder }),
		"type":         sf(func(w *W) string { return w.Type }),
		"hostType":     sf(func(w *W) string { return w.HostType }),
		"os":           sf(func(w *W) string { return w.OS }),
		"domainName":   sf(func(w *W) string { return w.DomainName }),
		"nodeName":     sf(func(w *W) string { return w.NodeName }),
		"limit":        nf(func(w *W) int64 { return int64(w.Limit) }),
		"fence":        nf(func(w *W) int64 { return int64(w.Fence) }),
		"ignore":       bf(func(w *W) bool { return w.Ignore }),
		"activeStates": {kString, func(w *W) []string { return w.ActiveStates }},
		"activeFlags":  {kString, func(w *W) []string { return w.ActiveFlags }},
	})
}
