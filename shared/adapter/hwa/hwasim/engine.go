package hwasim

import (
	"strconv"
	"time"

	"github.com/resync/resync/shared/domain/workload"
)

// The engine: one pass over the plan in topological order (every dependency
// points to an earlier job or stream) moves each job as far as the clock
// allows — HOLD → READY → EXEC → SUCC or ABEND — with event times computed
// from predecessors' end times, so a long Advance gives the same timestamps
// as many short ones.

// step moves the plan to now (never backwards) and re-derives every job
// stream's status and late flag.
func (p *plan) step(now time.Time) {
	if now.Before(p.now) {
		now = p.now
	}
	p.now = now
	for _, s := range p.streams {
		// By index: a recovery job added by this pass runs in it too. A
		// stream with recovery jobs gets a second pass, for the jobs before
		// them that wait for them (the rerun, CONTINUE successors).
		for pass := 0; pass < 2; pass++ {
			rcv := false
			for i := 0; i < len(s.jobs); i++ {
				p.advanceJob(s.jobs[i], now)
				rcv = rcv || s.jobs[i].recoveryOf != nil
			}
			if !rcv {
				break
			}
		}
		p.deriveStream(s, now)
	}
}

func (p *plan) advanceJob(j *job, now time.Time) {
	for {
		var moved bool
		switch j.status {
		case workload.InternalHold:
			moved = p.tryReady(j, now)
		case workload.InternalReady:
			moved = p.tryLaunch(j, now)
		case workload.InternalExec:
			moved = p.tryFinish(j, now)
		case workload.InternalAbend:
			moved = p.tryRecover(j, now)
		case workload.InternalSucc:
			moved = p.tryRepeat(j)
		}
		if !moved {
			break
		}
	}
	r := j.lastRun()
	r.status, r.sub = j.status, j.sub
	if j.status == workload.InternalCancl && r.end.IsZero() {
		r.end = now
	}
}

// depState reports whether a dependency is satisfied and since when, or
// whether its predecessor ended in a way that blocks it (bad).
func (p *plan) depState(d *dep) (ok bool, at time.Time, bad bool) {
	if d.released {
		return true, time.Time{}, false
	}
	if d.prompt != nil {
		return d.prompt.status == workload.PromptAnsweredYes, d.prompt.replied, false
	}
	switch {
	case d.job != nil:
		pj := d.job
		if d.condition != "" {
			if pj.done() {
				return true, pj.lastRun().end, false
			}
			return false, time.Time{}, false
		}
		switch pj.status {
		case workload.InternalSucc, workload.InternalSuppr, workload.InternalCancl:
			return true, pj.lastRun().end, false
		case workload.InternalAbend, workload.InternalFail:
			if at, ok := p.continued(pj); ok {
				return true, at, false
			}
			return false, time.Time{}, true
		}
		return false, time.Time{}, false
	case d.stream != nil:
		switch d.stream.status {
		case workload.StreamSucc, workload.StreamCancl:
			return true, d.stream.end, false
		}
		return false, time.Time{}, false
	}
	return false, time.Time{}, false // FILE, PROMPT, RESOURCE: until released
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (p *plan) tryReady(j *job, now time.Time) bool {
	s := j.stream
	if j.heldByOperator || j.priority == 0 || s.held {
		j.sub, j.notBefore = workload.SubHoldPriorityZero, now
		return false
	}
	t := s.sched
	for _, d := range s.deps {
		ok, at, _ := p.depState(d)
		if !ok {
			j.sub = workload.SubHoldWaitingForPredecessor
			return false
		}
		t = later(t, at)
	}
	var unexpected, waiting, prompt, file, suppress bool
	for _, d := range j.deps {
		switch d.typ {
		case workload.DepPrompt:
			ok, at, _ := p.depState(d)
			prompt = prompt || !ok
			t = later(t, at)
		case workload.DepFile:
			file = file || !d.released
		case workload.DepResource:
			// checked at launch: a resource holds a READY job
		default:
			ok, at, bad := p.depState(d)
			switch {
			case ok:
				t = later(t, at)
				if d.condition != "" && !d.released && d.job.status != d.condition {
					suppress = true
				}
			case bad:
				unexpected = true
			default:
				waiting = true
			}
		}
	}
	switch {
	case unexpected:
		j.sub = workload.SubHoldUnexpectedPredecessorCond
	case waiting:
		j.sub = workload.SubHoldWaitingForPredecessor
		return false
	case prompt:
		j.sub = workload.SubHoldWaitingForPrompt
		if asked := later(t, j.startAt); !asked.After(now) {
			for _, d := range j.deps {
				if d.prompt != nil && !d.released {
					d.prompt.ask(asked)
				}
			}
		}
	case file:
		j.sub = workload.SubHoldWaitingForFile
	case j.needInput:
		j.sub = workload.SubHoldWaitingForInput
	default:
		j.sub = ""
	}
	if j.sub != "" {
		// Cleared only by an action or a rerun, so never earlier than now.
		j.notBefore = now
		return false
	}
	t = later(later(t, j.startAt), j.notBefore)
	if t.After(now) {
		j.sub = workload.SubHoldWaitingForTime
		return false
	}
	r := j.lastRun()
	switch {
	case suppress:
		j.status, j.sub = workload.InternalSuppr, workload.SubSupprUnsatisfiedDependency
		r.end = t
		return true
	case j.ws.ignore:
		j.status, j.sub = workload.InternalSuppr, workload.SubSupprWorkstationIgnored
		r.end = t
		return true
	case j.noOp:
		j.status, j.sub = workload.InternalSucc, workload.SubSuccDoNotRun
		r.start, r.end, r.dontRun = t, t, true
		return true
	}
	j.status, j.sub, j.readyAt = workload.InternalReady, "", t
	return true
}

func (p *plan) tryLaunch(j *job, now time.Time) bool {
	blocked := workload.SubStatus("")
	for _, d := range j.deps {
		if d.typ == workload.DepResource && d.res == nil && !d.released {
			blocked = workload.SubReadyWaitingForResources // a need of no known resource
		}
	}
	if at, ok := p.resourcesFree(j, j.readyAt); !ok {
		blocked = workload.SubReadyWaitingForResources
	} else {
		j.readyAt = later(j.readyAt, at)
	}
	switch {
	case blocked != "":
	case j.readySuppressed:
		blocked = workload.SubReadySuppressed
	case j.userIntervention:
		blocked = workload.SubReadyWaitingForUserIntervention
	case !j.ws.linked || !j.ws.running:
		blocked = workload.SubReadyWaitingForAgent
	case j.ws.limit == 0:
		blocked = workload.SubReadyWaitingForLimit
	}
	if blocked != "" {
		j.sub = blocked
		j.readyAt = later(j.readyAt, now)
		return false
	}
	r := j.lastRun()
	launch := j.readyAt.Add(j.launchDelay)
	if r.submitted.IsZero() {
		r.submitted = j.readyAt
	}
	if launch.After(now) {
		j.sub = workload.SubReadySubmitted
		return false
	}
	if j.failLaunch && r.attempt == 1 {
		j.status, j.sub = workload.InternalFail, ""
		r.end, r.rc = launch, -1
		return true
	}
	p.nextJobNo++
	r.number = p.nextJobNo
	r.start = launch
	j.status, j.sub = workload.InternalExec, ""
	return true
}

func (p *plan) tryFinish(j *job, now time.Time) bool {
	r := j.lastRun()
	end := r.start.Add(p.duration(j, r.attempt))
	if end.After(now) {
		return false
	}
	r.end = end
	r.rc = p.returnCode(j, r.attempt)
	switch {
	case j.confirm && !r.confirmed:
		// Completed, awaiting confirmation (confirm-succ / confirm-abend).
		j.status, j.sub = workload.InternalPend, ""
		return true
	case r.rc == 0:
		j.status, j.sub = workload.InternalSucc, workload.SubSuccCompleted
	default:
		j.status, j.sub = workload.InternalAbend, ""
	}
	return true
}

// duration is how long attempt of j runs: forced by a fixture, else the
// estimate scaled by a factor in [0.75, 1.25) drawn from seed and job.
func (p *plan) duration(j *job, attempt int) time.Duration {
	if d, ok := j.forcedDur[attempt]; ok {
		return d
	}
	f := 0.75 + 0.5*hash01(p.seed, j.id, "duration", itoa(attempt))
	return max(time.Second, time.Duration(float64(j.estimated)*f).Truncate(time.Second))
}

var abendCodes = []int{1, 2, 4, 8, 12, 16, 127, 255}

// returnCode is the exit code of attempt of j: forced by a fixture, else
// non-zero for about 2% of first runs and 15% of reruns, from seed and job.
func (p *plan) returnCode(j *job, attempt int) int {
	if rc, ok := j.forcedRC[attempt]; ok {
		return rc
	}
	h := hash01(p.seed, j.id, "rc", itoa(attempt))
	limit := 0.02
	if attempt > 1 && j.every == 0 { // an every-job's runs are regular runs
		limit = 0.15
	}
	if h >= limit {
		return 0
	}
	return abendCodes[int(h/limit*float64(len(abendCodes)))%len(abendCodes)]
}

func (p *plan) deriveStream(s *stream, now time.Time) {
	var exec, bad, started bool
	all := true
	var end time.Time
	for _, j := range s.jobs {
		switch j.status {
		case workload.InternalExec:
			exec = true
		case workload.InternalAbend, workload.InternalFail:
			bad = true
		}
		if !j.done() {
			all = false
		} else {
			end = later(end, j.lastRun().end)
		}
		if j.started() {
			started = true
		}
	}
	s.end = time.Time{}
	s.started = started
	switch {
	case s.canceled:
		s.status = workload.StreamCancl
		s.end = end
	case exec:
		s.status = workload.StreamExec
	case bad:
		s.status = workload.StreamAbend
	case all:
		s.status = workload.StreamSucc
		s.end = end
	case s.held:
		s.status = workload.StreamHold
	case started:
		s.status = workload.StreamExec
	case p.streamDepsMet(s) && !s.sched.After(now):
		s.status = workload.StreamReady
	default:
		s.status = workload.StreamHold
	}
	s.late = false
	if !s.deadline.IsZero() && now.After(s.deadline) {
		switch s.status {
		case workload.StreamCancl:
		case workload.StreamSucc:
			s.late = s.end.After(s.deadline)
		default:
			s.late = true
		}
	}
}

func (p *plan) streamDepsMet(s *stream) bool {
	for _, d := range s.deps {
		if ok, _, _ := p.depState(d); !ok {
			return false
		}
	}
	return true
}

// jobLate reports whether j passed its deadline before ending.
func (p *plan) jobLate(j *job) bool {
	if j.deadline.IsZero() || !p.now.After(j.deadline) {
		return false
	}
	if j.done() {
		return j.lastRun().end.After(j.deadline)
	}
	return true
}

func itoa(n int) string { return strconv.Itoa(n) }
