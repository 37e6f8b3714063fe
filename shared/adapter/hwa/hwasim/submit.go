package hwasim

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/domain/workload"
)

// Submissions (POST), recorded in Actions with Verb "submit" and Target
// "jobstream-model", "job-model" or "adhoc"; read-only callers get 403,
// a body that is not JSON 400 INVALID_BODY, like the actions:
//
//	/plan/jobstream/{model_jobstream_id}/submit  SubmitJobStreamOptionsV2 →
//	    ListResponseV22 {count 1, results [{id, url}]}. A new instance of the
//	    model (jobStreamModelId of a stream in the plan): same name (or the
//	    alias), workstation, folder and jobs, new ids; scheduled at
//	    earliestDate or now; deadline deadlineTime or as far after its start
//	    as the model's; priority from the body or the model's. Dependencies
//	    are copied: those inside the stream point to the copies, the others
//	    to the same objects in the plan; prompts, files and resources start
//	    unreleased.
//	/plan/job/{model_job_id}/submit  SubmitJobOptionsV2 → ResourceResponseV2
//	    of the new job: a copy of the job definition (jobDefinitionModelId of
//	    a job in the plan), without dependencies.
//	/plan/job/submit-ad-hoc-job  SubmitAdHocJobOptionsV2 → ResourceResponseV2:
//	    a job from its task (task.command or task.script, task.userLogin),
//	    named by the alias (else ADHOC_n), on workstationId/workstationKey.
//
// A job goes into jobStreamId, else the workstation's JOBS stream (created
// on first use, as HWA does). A job of the same name already in that stream
// → 409 ACTION_NOT_ALLOWED (give an alias). Unknown model, stream or
// workstation → 404; a body naming dependencies → 400 (not simulated); a
// priority outside 0..101, a bad instant or duration → 400.

const defaultStreamName = "JOBS"

// submitTargets are the Target values of submissions.
var submitTargets = map[string]bool{"jobstream-model": true, "job-model": true, "adhoc": true}

func (s *Server) post(w http.ResponseWriter, r *http.Request, who caller, target, id string) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "use POST")
		return
	}
	s.action(w, r, who, target, id, "submit")
}

// badBody is a submission body the simulator refuses (400).
type badBody struct{ msg string }

func (b *badBody) Error() string { return b.msg }

// missing is an unknown id in a submission (404).
type missing struct{ msg string }

func (m *missing) Error() string { return m.msg }

// doSubmit performs a submission; the checks shared with the actions
// (read-only, content type, JSON) have passed. It returns the status.
func (s *Server) doSubmit(w http.ResponseWriter, base, target, id string, body []byte) int {
	p := s.plan
	var (
		res any
		err error
	)
	switch target {
	case "jobstream-model":
		var o hwa.SubmitJobStreamOptions
		if err = decodeBody(body, &o); err == nil {
			var st *stream
			if st, err = p.submitStream(id, o); err == nil {
				res = hwa.ResourceList{Count: 1, Results: []hwa.ResourceResponse{{ID: st.id, URL: base + "/plan/jobstream/" + st.id}}}
			}
		}
	case "job-model":
		var o hwa.SubmitJobOptions
		if err = decodeBody(body, &o); err == nil {
			var j *job
			if j, err = p.submitModelJob(id, o); err == nil {
				res = hwa.ResourceResponse{ID: j.id, URL: base + "/plan/job/" + j.id}
			}
		}
	case "adhoc":
		var o hwa.SubmitAdHocJobOptions
		if err = decodeBody(body, &o); err == nil {
			var j *job
			if j, err = p.submitAdHoc(o); err == nil {
				res = hwa.ResourceResponse{ID: j.id, URL: base + "/plan/job/" + j.id}
			}
		}
	}
	if err != nil {
		var status int
		code := "ACTION_NOT_ALLOWED"
		switch err.(type) {
		case *badBody:
			status, code = http.StatusBadRequest, "INVALID_BODY"
		case *missing:
			status, code = http.StatusNotFound, "NOT_FOUND"
		default:
			status = http.StatusConflict
		}
		writeError(w, status, code, err.Error())
		return status
	}
	p.step(p.now)
	writeJSON(w, http.StatusOK, res)
	return http.StatusOK
}

// decodeBody reads a submission body, refusing what the simulator does not
// simulate (dependencies) and priorities outside 0..101.
func decodeBody(body []byte, into any) error {
	if len(body) == 0 {
		body = []byte("{}")
	}
	var probe struct {
		Dependencies []json.RawMessage `json:"dependencies"`
		Priority     *int              `json:"priority"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return &badBody{"the body is not a submission options object: " + err.Error()}
	}
	if len(probe.Dependencies) > 0 {
		return &badBody{"dependencies in a submission are not simulated by hwasim"}
	}
	if probe.Priority != nil && (*probe.Priority < 0 || *probe.Priority > 101) {
		return &badBody{"priority must be in [0, 101]"}
	}
	if err := json.Unmarshal(body, into); err != nil {
		return &badBody{"the body is not a submission options object: " + err.Error()}
	}
	return nil
}

func parseInstant(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, &badBody{field + " is not an RFC 3339 instant: " + v}
	}
	return t.UTC(), nil
}

func (p *plan) submitStream(modelID string, o hwa.SubmitJobStreamOptions) (*stream, error) {
	m, ok := p.modelStreams[modelID]
	if !ok {
		return nil, &missing{"no job stream model with id " + modelID}
	}
	earliest, err := parseInstant("earliestDate", o.EarliestDate)
	if err != nil {
		return nil, err
	}
	deadline, err := parseInstant("deadlineTime", o.DeadlineTime)
	if err != nil {
		return nil, err
	}
	sched := later(p.now, earliest).Truncate(time.Second)
	ns := &stream{id: p.newID(), name: m.name, folder: m.folder, index: len(p.streams), ws: m.ws, sched: sched,
		priority: m.origPriority, origPriority: m.origPriority, modelID: m.modelID}
	if o.Alias != "" {
		ns.name = strings.ToUpper(o.Alias)
	}
	if o.Priority > 0 {
		ns.priority = int(o.Priority)
	}
	switch {
	case !deadline.IsZero():
		ns.deadline = deadline
	case !m.deadline.IsZero():
		ns.deadline = sched.Add(m.deadline.Sub(m.sched))
	}
	copies := map[*job]*job{}
	for _, d := range m.deps {
		nd := *d
		nd.id, nd.released = p.newID(), false
		ns.deps = append(ns.deps, &nd)
		p.streamSuccs[d.stream] = append(p.streamSuccs[d.stream], ns)
	}
	p.streams = append(p.streams, ns)
	p.streamByID[ns.id] = ns
	for _, mj := range m.jobs {
		if mj.recoveryOf != nil {
			continue // recovery instances are not part of the model
		}
		nj := p.copyJob(mj, ns, mj.name)
		copies[mj] = nj
		for _, d := range mj.deps {
			nd := *d
			nd.id, nd.released = p.newID(), false
			if c, ok := copies[d.job]; ok && d.job.stream == m {
				nd.job = c
			}
			nj.deps = append(nj.deps, &nd)
			switch {
			case nd.job != nil:
				p.succs[nd.job] = append(p.succs[nd.job], nj)
			case nd.stream != nil:
				p.streamSuccs[nd.stream] = append(p.streamSuccs[nd.stream], nj)
			}
		}
	}
	return ns, nil
}

// copyJob adds a fresh instance of the definition of mj, named name, at the
// end of stream s: HOLD, one run, no dependencies, ready no earlier than now.
func (p *plan) copyJob(mj *job, s *stream, name string) *job {
	nj := &job{
		id: p.newID(), name: name, folder: s.folder, index: len(p.jobs), pos: len(s.jobs) + 1, ws: mj.ws, stream: s,
		priority: s.priority, origPriority: mj.origPriority, estimated: mj.estimated,
		status: workload.InternalHold, command: mj.command, user: mj.user, isCommand: mj.isCommand,
		modelID: mj.modelID, recovery: mj.recovery, recoveryName: mj.recoveryName, recoveryID: mj.recoveryID,
		every: mj.every, confirm: mj.confirm, noOp: mj.noOp, notBefore: p.now,
	}
	if nj.priority == 0 {
		nj.priority = max(mj.origPriority, 1)
	}
	nj.defID = p.newID()
	first := &run{id: p.newID(), attempt: 1, status: workload.InternalHold, estimated: nj.estimated, rerunType: workload.RerunRegular}
	nj.runs = []*run{first}
	p.runByID[first.id] = first
	p.runJob[first.id] = nj
	s.jobs = append(s.jobs, nj)
	p.jobs = append(p.jobs, nj)
	p.jobByID[nj.id] = nj
	return nj
}

// destination resolves where a submitted job goes: the stream named by id,
// else the JOBS stream of the workstation (created when absent).
func (p *plan) destination(o hwa.SubmitJobOptions, deflt *workstation) (*stream, error) {
	if o.JobStreamID != "" {
		st, ok := p.streamByID[o.JobStreamID]
		if !ok {
			return nil, &missing{"no job stream with id " + o.JobStreamID + " in the plan"}
		}
		return st, nil
	}
	ws, err := p.workstationOf(o, deflt)
	if err != nil {
		return nil, err
	}
	if ws == nil {
		return nil, &badBody{"workstationId or workstationKey is required"}
	}
	for _, st := range p.streams {
		if st.name == defaultStreamName && st.ws == ws && !st.canceled {
			return st, nil
		}
	}
	// No model: the JOBS stream holds submitted jobs and is not submitted itself.
	st := &stream{id: p.newID(), name: defaultStreamName, folder: "/", index: len(p.streams), ws: ws,
		sched: p.now.Truncate(time.Second), priority: 10, origPriority: 10}
	p.streams = append(p.streams, st)
	p.streamByID[st.id] = st
	return st, nil
}

// workstationOf is the workstation o names (by id or key), else deflt.
func (p *plan) workstationOf(o hwa.SubmitJobOptions, deflt *workstation) (*workstation, error) {
	switch {
	case o.WorkstationID != "":
		if ws := p.wsByID[o.WorkstationID]; ws != nil {
			return ws, nil
		}
		return nil, &missing{"no workstation with id " + o.WorkstationID + " in the plan"}
	case o.WorkstationKey != "":
		for _, w := range p.workstations {
			if strings.EqualFold(w.name, o.WorkstationKey) {
				return w, nil
			}
		}
		return nil, &missing{"no workstation " + o.WorkstationKey + " in the plan"}
	}
	return deflt, nil
}

// place checks the name is free in st and applies the options a job
// submission overrides.
func (p *plan) place(nj *job, o hwa.SubmitJobOptions) error {
	if o.Priority > 0 {
		nj.priority = int(o.Priority)
	}
	if o.RequiresConfirmation {
		nj.confirm = true
	}
	switch workload.RecoveryOption(o.RecoveryOption) {
	case "":
	case workload.RecoveryStop, workload.RecoveryRerun, workload.RecoveryContinue:
		nj.recovery = workload.RecoveryOption(o.RecoveryOption)
	default:
		return &badBody{"recoveryOption " + o.RecoveryOption + " is not simulated (STOP, RERUN or CONTINUE)"}
	}
	if o.RecoveryJob != "" {
		nj.recoveryName = strings.ToUpper(o.RecoveryJob)
		nj.recoveryID = hashID(p.seed, "jobdef", nj.ws.name, nj.recoveryName)
	}
	return nil
}

func (p *plan) nameTaken(st *stream, name string) error {
	for _, j := range st.jobs {
		if j.name == name {
			return conflictf("job %s is already in job stream %s; give an alias", name, st.key())
		}
	}
	return nil
}

func (p *plan) submitModelJob(modelID string, o hwa.SubmitJobOptions) (*job, error) {
	mj, ok := p.modelJobs[modelID]
	if !ok {
		return nil, &missing{"no job definition with model id " + modelID}
	}
	st, err := p.destination(o, mj.ws)
	if err != nil {
		return nil, err
	}
	name := mj.name
	if o.Alias != "" {
		name = strings.ToUpper(o.Alias)
	}
	if err := p.nameTaken(st, name); err != nil {
		return nil, err
	}
	return p.addSubmitted(mj, st, name, o)
}

func (p *plan) submitAdHoc(o hwa.SubmitAdHocJobOptions) (*job, error) {
	t := hwa.ParseTask(o.Task)
	if t.Command == "" && t.Script == "" {
		return nil, &badBody{"task is required, with command or script (hwasim reads task.command, task.script and task.userLogin)"}
	}
	every := time.Duration(0)
	if o.RepeatInterval != "" {
		d, err := hwa.ParseDuration(o.RepeatInterval)
		if err != nil || d < time.Minute {
			return nil, &badBody{"repeatInterval must be an ISO-8601 duration of at least a minute"}
		}
		every = d
	}
	st, err := p.destination(o.SubmitJobOptions, nil)
	if err != nil {
		return nil, err
	}
	name := strings.ToUpper(o.Alias)
	if name == "" {
		p.adHocN++
		name = "ADHOC_" + itoa(p.adHocN)
	}
	if err := p.nameTaken(st, name); err != nil {
		return nil, err
	}
	line, isCommand := t.Script, false
	if t.Command != "" {
		line, isCommand = t.Command, true
	}
	ws, err := p.workstationOf(o.SubmitJobOptions, st.ws)
	if err != nil {
		return nil, err
	}
	user := t.UserLogin
	if user == "" {
		user = userOf(st, ws)
	}
	tmpl := &job{ws: ws, estimated: time.Minute, command: line, isCommand: isCommand, user: user,
		origPriority: 10, every: every, modelID: hashID(p.seed, "adhoc", ws.name, name)}
	return p.addSubmitted(tmpl, st, name, o.SubmitJobOptions)
}

func (p *plan) addSubmitted(tmpl *job, st *stream, name string, o hwa.SubmitJobOptions) (*job, error) {
	probe := *tmpl
	if err := p.place(&probe, o); err != nil {
		return nil, err
	}
	nj := p.copyJob(&probe, st, name)
	if o.Priority > 0 {
		nj.priority = int(o.Priority)
	}
	if p.modelJobs[nj.modelID] == nil {
		p.modelJobs[nj.modelID] = nj
	}
	return nj, nil
}
