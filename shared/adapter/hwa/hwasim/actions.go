package hwasim

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/domain/workload"
)

// Actions by id. Each changes the plan as HWA does, then the engine makes a
// pass at the current time (a released job may start at once). An action
// that does not apply to the object's state answers 409 ACTION_NOT_ALLOWED
// and changes nothing:
//
//	rerun (run id)   the job's last run, job ended (SUCC, ABEND, FAIL, CANCL,
//	                 SUPPR): adds a run (RERUN, attempt+1), the job goes READY
//	                 at once, ignoring its dependencies
//	hold             job not started (HOLD, READY): HOLD / HOLD_PRIORITY_ZERO,
//	                 priority 0
//	release          job not started: undoes hold; the job returns to READY or
//	                 to HOLD waiting for what it still waits for
//	cancel           job not started: CANCL (successors see it as satisfied)
//	kill             job running (EXEC): ABEND, return code -1
//	confirm-succ     job not canceled: SUCC / SUCC_COMPLETED
//	confirm-abend    job not canceled: ABEND
//	release-all-dependencies   any job: every dependency (and AT time, input
//	                 wait) released; a no-op on a started job
//	update-priority  ?priority=0..101 (required): 0 holds, >0 releases a hold
//	jobstream hold/release/cancel   stream not ended
//	workstation link/unlink         always (idempotent)
//	prompt reply (prompt id)       asked or answered no: {"answer": true|false};
//	                 a yes releases the jobs waiting for it (prompts.go)

var (
	jobVerbs = map[string]bool{"hold": true, "release": true, "cancel": true, "kill": true,
		"confirm-succ": true, "confirm-abend": true, "release-all-dependencies": true, "update-priority": true}
	streamVerbs = map[string]bool{"hold": true, "release": true, "cancel": true}
	wsVerbs     = map[string]bool{"link": true, "unlink": true}
)

// conflict is an action that does not apply to the object's current state.
type conflict struct{ msg string }

func (c *conflict) Error() string { return c.msg }

func conflictf(format string, a ...any) error { return &conflict{fmt.Sprintf(format, a...)} }

func (s *Server) action(w http.ResponseWriter, r *http.Request, who caller, target, id, verb string) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	hdr := r.Header.Clone()
	hdr.Del("Authorization")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.syncClock()
	rec := Action{
		Time: s.plan.now, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Target: target, Verb: verb, TargetID: id, User: who.name, Headers: hdr, Body: body,
	}
	status := s.doAction(w, r, who, target, id, verb, body)
	rec.Status = status
	s.actions = append(s.actions, rec)
}

// doAction performs the action and writes the answer; it returns the status.
func (s *Server) doAction(w http.ResponseWriter, r *http.Request, who caller, target, id, verb string, body []byte) int {
	fail := func(status int, code, msg string) int {
		writeError(w, status, code, msg)
		return status
	}
	if who.readOnly {
		return fail(http.StatusForbidden, "NOT_ALLOWED", "this user may not run actions")
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return fail(http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "actions need Content-Type: application/json")
	}
	if len(body) > 0 && !json.Valid(body) {
		return fail(http.StatusBadRequest, "INVALID_BODY", "the body is not valid JSON")
	}
	p := s.plan
	var (
		res    any
		actErr error
	)
	base := "http://" + r.Host + apiPrefix
	if r.TLS != nil {
		base = "https://" + r.Host + apiPrefix
	}
	if submitTargets[target] {
		return s.doSubmit(w, base, target, id, body)
	}
	switch target {
	case "run":
		rn, ok := p.runByID[id]
		if !ok {
			return fail(http.StatusNotFound, "NOT_FOUND", "no job run with id "+id+" in the plan")
		}
		var details hwa.RerunDetails
		if len(body) > 0 {
			if err := json.Unmarshal(body, &details); err != nil {
				return fail(http.StatusBadRequest, "INVALID_BODY", "the body is not a RerunDetailsV2")
			}
		}
		j := p.runJob[id]
		var nr *run
		nr, actErr = p.rerun(j, rn, details)
		if actErr == nil {
			res = hwa.ResourceResponse{ID: nr.id, URL: base + "/plan/job/" + j.id}
		}
	case "job":
		j, ok := p.jobByID[id]
		if !ok {
			return fail(http.StatusNotFound, "NOT_FOUND", "no job with id "+id+" in the plan")
		}
		if verb == "update-priority" {
			prio, err := strconv.Atoi(r.URL.Query().Get("priority"))
			if err != nil || prio < 0 || prio > 101 {
				return fail(http.StatusBadRequest, "INVALID_PARAMETER", "priority must be an integer in [0, 101]")
			}
			actErr = p.updatePriority(j, prio)
		} else {
			actErr = p.jobAction(j, verb)
		}
		if verb == "release-all-dependencies" {
			res = hwa.ActionResourceResponse{ID: j.id, URL: base + "/plan/job/" + j.id, Message: "dependencies released"}
		} else {
			res = hwa.ResourceResponse{ID: j.id, URL: base + "/plan/job/" + j.id}
		}
	case "jobstream":
		st, ok := p.streamByID[id]
		if !ok {
			return fail(http.StatusNotFound, "NOT_FOUND", "no job stream with id "+id+" in the plan")
		}
		actErr = p.streamAction(st, verb)
		res = hwa.ResourceResponse{ID: st.id, URL: base + "/plan/jobstream/" + st.id}
	case "prompt":
		status, code, msg, err := p.replyAction(id, body)
		if status != 0 {
			return fail(status, code, msg)
		}
		actErr = err
		res = hwa.ResourceResponse{ID: id, URL: base + "/plan/prompt/" + id}
	case "workstation":
		ws, ok := p.wsByID[id]
		if !ok {
			return fail(http.StatusNotFound, "NOT_FOUND", "no workstation with id "+id+" in the plan")
		}
		ws.linked = verb == "link"
		res = hwa.ResourceResponse{ID: ws.id, URL: base + "/plan/workstation/" + ws.id}
	}
	if actErr != nil {
		return fail(http.StatusConflict, "ACTION_NOT_ALLOWED", actErr.Error())
	}
	p.step(p.now)
	writeJSON(w, http.StatusOK, res)
	return http.StatusOK
}

func (p *plan) rerun(j *job, rn *run, d hwa.RerunDetails) (*run, error) {
	if rn != j.lastRun() {
		return nil, conflictf("run %s is not the last in its rerun chain", rn.id)
	}
	if !j.done() {
		return nil, conflictf("job %s is %s; only an ended job can be rerun", j.key(), j.status)
	}
	nr := &run{
		id: p.newID(), attempt: rn.attempt + 1, status: workload.InternalReady,
		estimated: j.estimated, rerunType: workload.RerunRerun,
	}
	j.runs = append(j.runs, nr)
	p.runByID[nr.id] = nr
	p.runJob[nr.id] = j
	if d.Priority > 0 {
		j.priority = int(d.Priority)
	}
	j.heldByOperator = false
	j.status, j.sub, j.readyAt = workload.InternalReady, "", p.now
	return nr, nil
}

func (p *plan) jobAction(j *job, verb string) error {
	notStarted := j.status == workload.InternalHold || j.status == workload.InternalReady
	if notStarted {
		// Whatever this action frees, the job cannot start before now.
		j.notBefore = p.now
	}
	switch verb {
	case "hold":
		if !notStarted {
			return conflictf("job %s is %s; only a job not yet started can be held", j.key(), j.status)
		}
		j.heldByOperator, j.priority = true, 0
		j.status, j.sub = workload.InternalHold, workload.SubHoldPriorityZero
	case "release":
		if !notStarted {
			return conflictf("job %s is %s; only a job not yet started can be released", j.key(), j.status)
		}
		p.releaseHold(j)
	case "cancel":
		if !notStarted {
			return conflictf("job %s is %s; only a job not yet started can be canceled (kill a running one)", j.key(), j.status)
		}
		j.status, j.sub = workload.InternalCancl, ""
		j.lastRun().end = p.now
	case "kill":
		if j.status != workload.InternalExec {
			return conflictf("job %s is %s; only a running job can be killed", j.key(), j.status)
		}
		r := j.lastRun()
		r.end, r.rc = p.now, -1
		j.status, j.sub = workload.InternalAbend, ""
	case "confirm-succ", "confirm-abend":
		if j.status == workload.InternalCancl {
			return conflictf("job %s is canceled", j.key())
		}
		r := j.lastRun()
		if r.end.IsZero() {
			r.end = p.now
		}
		r.confirmed = true
		j.heldByOperator = false
		if verb == "confirm-succ" {
			j.status, j.sub = workload.InternalSucc, workload.SubSuccCompleted
		} else {
			j.status, j.sub = workload.InternalAbend, ""
		}
	case "release-all-dependencies":
		for _, d := range j.deps {
			d.released = true
		}
		j.startAt, j.needInput = time.Time{}, false
	}
	return nil
}

// releaseHold undoes an operator hold; the engine then puts the job back
// where its dependencies say.
func (p *plan) releaseHold(j *job) {
	if j.heldByOperator || j.priority == 0 {
		j.heldByOperator = false
		j.priority = max(j.origPriority, 1)
	}
	if j.status == workload.InternalHold {
		j.sub = ""
	}
}

func (p *plan) updatePriority(j *job, prio int) error {
	if prio == 0 {
		if err := p.jobAction(j, "hold"); err != nil {
			return err
		}
		return nil
	}
	j.priority = prio
	j.notBefore = p.now
	if j.heldByOperator {
		j.heldByOperator = false
	}
	return nil
}

func (p *plan) streamAction(s *stream, verb string) error {
	ended := s.status == workload.StreamSucc || s.status == workload.StreamCancl
	if ended {
		return conflictf("job stream %s is %s", s.key(), s.status)
	}
	switch verb {
	case "hold":
		s.held, s.priority = true, 0
		for _, j := range s.jobs {
			if j.status == workload.InternalReady {
				j.status = workload.InternalHold
			}
		}
	case "release":
		s.held, s.priority = false, s.origPriority
	case "cancel":
		s.canceled = true
		for _, j := range s.jobs {
			if j.status == workload.InternalHold || j.status == workload.InternalReady {
				j.status, j.sub = workload.InternalCancl, ""
				j.lastRun().end = p.now
			}
		}
	}
	return nil
}
