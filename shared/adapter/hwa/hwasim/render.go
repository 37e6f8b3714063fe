package hwasim

import (
	"fmt"
	"strings"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/domain/workload"
)

// Rendering of the internal model into the wire types of package hwa.

const (
	apiPrefix = "/twsd/api/v2"
	planID    = "current"
	engineID  = "a3f1c2d4-0b5e-4c6f-8a7b-9c0d1e2f3a4b"
	timeZone  = "UTC"
)

func instant(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// isoDuration formats d as an ISO-8601 duration (PT1H2M3S; PT0S for zero).
func isoDuration(d time.Duration) string {
	if d <= 0 {
		return "PT0S"
	}
	d = d.Truncate(time.Second)
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	var b strings.Builder
	b.WriteString("PT")
	if h > 0 {
		fmt.Fprintf(&b, "%dH", h)
	}
	if m > 0 {
		fmt.Fprintf(&b, "%dM", m)
	}
	if s > 0 || (h == 0 && m == 0) {
		fmt.Fprintf(&b, "%dS", s)
	}
	return b.String()
}

func (j *job) key() string {
	if j.keyStr == "" {
		j.keyStr = j.ws.name + "#" + j.stream.name + "." + j.name
	}
	return j.keyStr
}

// jobTimes are a job's fixed instants, formatted once.
type jobTimes struct{ sched, deadline, criticalStart, startAt string }

func (j *job) instants() *jobTimes {
	if j.times == nil {
		j.times = &jobTimes{sched: instant(j.stream.sched), deadline: instant(j.deadline),
			criticalStart: instant(j.criticalStart), startAt: instant(j.startAt)}
	}
	return j.times
}

// jobParts holds the nested objects of a rendered job, allocated together.
type jobParts struct {
	flags hwa.JobStatusFlags
	opts  hwa.JobOptions
	comp  hwa.JobCompositeStatus
	tr    hwa.TimeRestrictions
}

// definition is the job's JobDefinitionInPlanV2, built once (it never
// changes) and shared by every rendering.
func (j *job) definition() *hwa.JobDefinition {
	if j.def == nil {
		j.def = &hwa.JobDefinition{
			ID: j.defID, Name: j.name, Folder: j.folder, Workstation: j.ws.name,
			Description:          "Step " + itoa(j.pos) + " of " + j.stream.name,
			EstimatedDuration:    isoDuration(j.estimated),
			RecoveryOption:       string(workload.RecoveryStop),
			JobDefinitionModelID: j.modelID,
			Task:                 j.taskJSON(),
			IsCommand:            j.isCommand,
			UserLogins:           []string{j.user},
		}
		if j.recovery != "" {
			j.def.RecoveryOption = string(j.recovery)
		}
		if j.recoveryName != "" {
			j.def.RecoveryJobID = j.recoveryID
			j.def.RecoveryJobName = j.recoveryName
			j.def.RecoveryJobWorkstation = j.ws.name
		}
		if j.recoveryOf != nil {
			j.def.Description = "Recovery of " + j.recoveryOf.name
		}
	}
	return j.def
}

func (s *stream) key() string { return s.ws.name + "#" + s.name }

func (p *plan) runWire(j *job, r *run, last bool) hwa.JobRun {
	w := hwa.JobRun{
		ID: r.id, Name: j.name, JobID: j.id, JobKey: j.key(), ActualWorkstation: j.ws.name,
		JobNumber: int32(r.number),
		CompositeStatus: &hwa.JobCompositeStatus{
			Status: string(r.status), Substatus: string(r.sub),
			Canceled: r.status == workload.InternalCancl,
			Error:    r.status == workload.InternalAbend || r.status == workload.InternalFail,
			Started:  !r.start.IsZero(),
			DontRun:  r.dontRun,
		},
		CommonStatus:     string(commonStatus(r.status, r.sub)),
		ReturnCode:       int32(r.rc),
		RerunJob:         r.attempt > 1,
		RerunType:        string(r.rerunType),
		SubmittedTime:    instant(r.submitted),
		LastInRerunChain: last,
		RunAttempt:       int32(r.attempt),
	}
	ti := &hwa.TimeInfo{EstimatedDuration: isoDuration(r.estimated), ActualStartTime: instant(r.start), ActualEndTime: instant(r.end)}
	switch {
	case !r.start.IsZero() && !r.end.IsZero():
		ti.ElapsedTime = isoDuration(r.end.Sub(r.start))
	case !r.start.IsZero():
		ti.ElapsedTime = isoDuration(p.now.Sub(r.start))
	}
	w.TimeInfo = ti
	return w
}

func (p *plan) depWire(d *dep) hwa.Dependency {
	ok, _, _ := p.depState(d)
	w := hwa.Dependency{DependencyType: string(d.typ), ID: d.id, Satisfied: ok, Mandatory: true, Critical: d.critical}
	w.DependencyStatus = string(workload.DepUnsatisfied)
	if ok {
		w.DependencyStatus = string(workload.DepSatisfied)
	}
	switch {
	case d.job != nil:
		pj := d.job
		w.JobID, w.JobName, w.JobWorkstationName = pj.id, pj.name, pj.ws.name
		w.JobStreamID, w.JobStreamName, w.JobStreamWorkstation = pj.stream.id, pj.stream.name, pj.stream.ws.name
		r := pj.lastRun()
		w.PredecessorStatus = &hwa.JobCompositeStatus{
			Status: string(pj.status), Substatus: string(pj.sub),
			Canceled: pj.status == workload.InternalCancl,
			Error:    pj.status == workload.InternalAbend || pj.status == workload.InternalFail,
			Started:  !r.start.IsZero(),
			DontRun:  r.dontRun,
		}
	case d.stream != nil:
		ps := d.stream
		w.JobStreamID, w.JobStreamName, w.JobStreamWorkstation = ps.id, ps.name, ps.ws.name
		w.PredecessorStatus = &hwa.JobCompositeStatus{
			Status:   string(ps.status),
			Canceled: ps.canceled,
			Error:    ps.status == workload.StreamAbend,
			Started:  ps.started,
		}
	case d.prompt != nil:
		pr := d.prompt
		w.ID, w.PromptName, w.Text, w.PromptStatus, w.PromptType = pr.id, pr.name, pr.text, string(pr.status), pr.promptType()
		w.Number, w.Workstation = int32(pr.number), pr.ws.name
	case d.typ == workload.DepPrompt:
		w.PromptName = d.name
	case d.res != nil:
		w.Name, w.Workstation, w.Quantity = d.name, d.res.ws.name, int32(d.quantity)
		w.QuantityHeld = int32(d.owner.holds(d.res))
		avail := int32(max(0, d.res.quantity-d.res.inUse()))
		w.Available = &avail
	case d.typ == workload.DepResource:
		w.Name = d.name
	case d.typ == workload.DepFile:
		w.File = d.name // written as the vendor's FileInPlanV2 {"name": ...}
	}
	return w
}

func depStats(p *plan, deps []*dep) *hwa.DependenciesStats {
	st := &hwa.DependenciesStats{NumberOfDependencies: int32(len(deps))}
	for _, d := range deps {
		switch d.typ {
		case workload.DepInternal, workload.DepExternalJob:
			st.NumberOfJobDependencies++
		case workload.DepExternalJobStream:
			st.NumberOfJobStreamDependencies++
		}
		if ok, _, _ := p.depState(d); !ok {
			st.NumberOfUnresolvedDependencies++
		}
	}
	return st
}

// jobWire renders j. full adds the dependencies, which a query
// (GET /plan/job) does not fill (vendor spec).
func (p *plan) jobWire(j *job, full bool) hwa.JobInPlan { return p.renderJob(j, full, true) }

// renderJob is jobWire; without runs it leaves out the runs and the
// dependency counts, the costly parts, for a filter that reads neither.
func (p *plan) renderJob(j *job, full, runs bool) hwa.JobInPlan {
	var w hwa.JobInPlan
	p.renderJobInto(&w, new(jobParts), j, full, runs)
	return w
}

// renderJobInto is renderJob writing into w, its nested objects in parts:
// a filter reuses both for every job it tests.
func (p *plan) renderJobInto(w *hwa.JobInPlan, parts *jobParts, j *job, full, runs bool) {
	r := j.lastRun()
	late := p.jobLate(j)
	ts := j.instants()
	*parts = jobParts{
		flags: hwa.JobStatusFlags{
			JobStreamCancelled: j.stream.canceled, JobLate: late, DeadlineHasPassed: late,
			UserRerunAgain: r.attempt > 1, Restarted: r.attempt > 1,
		},
		opts: hwa.JobOptions{NoOperation: j.noOp, Critical: j.critical, RequiresConfirmation: j.confirm, Every: j.every > 0},
		comp: hwa.JobCompositeStatus{
			Status: string(j.status), Substatus: string(j.sub),
			Canceled: j.status == workload.InternalCancl,
			Error:    j.status == workload.InternalAbend || j.status == workload.InternalFail,
			Started:  !r.start.IsZero(),
			DontRun:  r.dontRun,
		},
		tr: hwa.TimeRestrictions{
			StartTime: ts.startAt, DeadlineTime: ts.deadline,
			TimeDependent:     !j.startAt.IsZero(),
			DeadlineSatisfied: !late,
		},
	}
	*w = hwa.JobInPlan{
		FlowNodeType: "JOB", EngineID: engineID, ID: j.id, PlanID: p.id, Folder: j.folder, Name: j.name,
		WorkstationID: j.ws.id, Workstation: j.ws.name,
		JobStreamID: j.stream.id, JobStreamName: j.stream.name,
		JobStreamWorkstationID: j.stream.ws.id, JobStreamWorkstation: j.stream.ws.name,
		Position: int32(j.pos), Key: j.key(),
		JobStatusFlags:         &parts.flags,
		JobOptions:             &parts.opts,
		LastRunCompositeStatus: &parts.comp,
		LastRunCommonStatus:    string(commonStatus(j.status, j.sub)),
		JobDefinition:          j.definition(),
		Priority:               int32(j.priority), OrigPriority: int32(j.origPriority),
		SchedTime: ts.sched, TimeZone: j.stream.ws.tz,
		EndTime:          instant(r.end),
		CriticalStart:    ts.criticalStart,
		TimeRestrictions: &parts.tr,
	}
	if j.every > 0 {
		w.RepeatInterval = isoDuration(j.every)
	}
	if !runs {
		return
	}
	for i, rr := range j.runs {
		w.JobRuns = append(w.JobRuns, p.runWire(j, rr, i == len(j.runs)-1))
	}
	w.DependenciesStats = depStats(p, j.deps)
	if full {
		for _, d := range j.deps {
			w.Dependencies = append(w.Dependencies, p.depWire(d))
		}
	}
}

func (p *plan) streamStats(s *stream) *hwa.JobStreamStats {
	st := &hwa.JobStreamStats{NumberOfJob: int32(len(s.jobs))}
	for _, j := range s.jobs {
		switch j.status {
		case workload.InternalSucc:
			st.NumberOfSuccessfullJob++
		case workload.InternalExec:
			st.NumberOfExecutingJob++
		case workload.InternalAbend:
			st.NumberOfAbendedJob++
		case workload.InternalFail:
			st.NumberOfFailedJob++
		case workload.InternalHold, workload.InternalReady:
			st.NumberOfNotRunningJob++
		}
	}
	return st
}

// streamWire renders s; full adds its dependencies and its jobs.
func (p *plan) streamWire(s *stream, full bool) hwa.JobStreamInPlan {
	var sub string
	if s.status == workload.StreamHold && !s.held {
		for _, j := range s.jobs {
			if j.sub == workload.SubReadyWaitingForUserIntervention {
				sub = string(workload.StreamSubWaitingForUserIntervention)
			}
		}
	}
	w := hwa.JobStreamInPlan{
		FlowNodeType: "JOBSTREAM", ID: s.id, PlanID: p.id, Folder: s.folder, Name: s.name,
		OriginalJobStreamName: s.name, WorkstationID: s.ws.id, Workstation: s.ws.name, Key: s.key(),
		JobStreamModelID: s.modelID,
		SchedTime:        instant(s.sched), TimeZone: s.ws.tz,
		JSStatusFlags: &hwa.JobStreamStatusFlags{
			Released:           s.status != workload.StreamHold,
			LateJobStream:      s.late,
			PendingPredecessor: !p.streamDepsMet(s),
		},
		CompositeStatus: &hwa.JobStreamCompositeStatus{
			Status: string(s.status), Substatus: sub, Canceled: s.canceled,
			Started: s.started, Error: s.status == workload.StreamAbend,
		},
		CommonStatus:      string(streamCommonStatus(s.status, s.held)),
		Priority:          int32(s.priority),
		JobStreamStats:    p.streamStats(s),
		DependenciesStats: depStats(p, s.deps),
		Limit:             -1,
		TimeRestrictions: &hwa.TimeRestrictions{
			DeadlineTime:      instant(s.deadline),
			DeadlineSatisfied: !s.late,
		},
	}
	if full {
		for _, d := range s.deps {
			w.Dependencies = append(w.Dependencies, p.depWire(d))
		}
		for _, j := range s.jobs {
			w.Jobs = append(w.Jobs, p.jobWire(j, false))
		}
	}
	return w
}

func (w *workstation) states() []string {
	var st []string
	if w.hostType == "MASTER" {
		st = append(st, "MASTER")
	}
	if w.linked {
		st = append(st, "LINKED")
		switch w.typ {
		case workload.WSFTA, workload.WSManager:
			st = append(st, "FULLY_LINKED", "DIRECTLY_LINKED", "TCP_IP_LINKED")
		case workload.WSXAgent:
			st = append(st, "EXTENDED_LINKED")
		case workload.WSAgent, workload.WSPool, workload.WSDPool:
			st = append(st, "BROKER")
		}
	}
	if w.running {
		st = append(st, "RUNNING", "JOBMAN_UP", "WRITER_UP", "IS_INITED")
		if w.linked {
			st = append(st, "ONLINE")
		}
	}
	if st == nil {
		st = []string{}
	}
	return st
}

func (w *workstation) wire() hwa.WorkstationInPlan {
	flags := []string{"AUTO_LINK", "FULL_STATUS"}
	if w.typ == workload.WSFTA || w.typ == workload.WSManager {
		flags = append(flags, "TCP_IP_LINK")
	}
	return hwa.WorkstationInPlan{
		ID: w.id, PlanID: w.plan, Folder: w.folder, Name: w.name, Key: w.name,
		Description:  string(w.typ) + " workstation " + w.name,
		ActiveStates: w.states(), ActiveFlags: flags,
		Type: string(w.typ), HostType: w.hostType, OS: w.os, TimeZone: w.tz,
		NodeName: w.nodeName, TCPPort: 31111, DomainName: w.domain,
		Limit: int32(w.limit), Fence: int32(w.fence), Version: "10.2.5", Ignore: w.ignore,
	}
}

func jobNode(p *plan, j *job) hwa.FlowNode {
	n := hwa.FlowNode{
		ID: j.id, Name: j.name, Folder: j.folder, WorkstationID: j.ws.id, Workstation: j.ws.name,
		SchedTime: instant(j.stream.sched), FlowNodeType: "JOB", Priority: int32(j.priority), PlanID: p.id,
	}
	for _, d := range j.deps {
		n.Dependencies = append(n.Dependencies, p.depWire(d))
	}
	return n
}

func streamNode(p *plan, s *stream) hwa.FlowNode {
	n := hwa.FlowNode{
		ID: s.id, Name: s.name, Folder: s.folder, WorkstationID: s.ws.id, Workstation: s.ws.name,
		SchedTime: instant(s.sched), FlowNodeType: "JOBSTREAM", Priority: int32(s.priority), PlanID: p.id,
		OriginalJobStreamName: s.name,
	}
	for _, d := range s.deps {
		n.Dependencies = append(n.Dependencies, p.depWire(d))
	}
	return n
}
