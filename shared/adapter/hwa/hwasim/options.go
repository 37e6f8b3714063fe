package hwasim

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash/fnv"
	"strings"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/domain/workload"
)

// Job definition options: the task (command or script, user), the recovery
// option with its recovery job, every-jobs and confirm-required jobs. They
// are drawn from hashes of the seed and the job's name, never from the
// plan's generator, so adding them left every name, id and outcome of the
// plan as it was.
//
// Recovery, as the engine applies it when a job ends in ABEND:
//
//	recovery job   a new job instance NAME_RCV in the same stream, on the
//	               same workstation, ready at the abend (run type RECOVERY)
//	STOP           the job stays ABEND; successors wait (HOLD, unexpected
//	               predecessor condition)
//	CONTINUE       successors go on as if it had succeeded, once its
//	               recovery job (if any) ended
//	RERUN          once its recovery job succeeded (or at once when none),
//	               HWA reruns it, once (run type RECOVERY_RERUN); a rerun
//	               that abends again stays ABEND
//
// An every-job (repeatInterval) that succeeds gets a new run (RERUN_EVERY)
// waiting for its next start, every interval after the previous start,
// while that start is before the plan's end (24 h after its start). A
// confirm-required job that completes goes to PEND until confirm-succ or
// confirm-abend.

// RecoveryJobs is how many recovery-job instances the pinned examples add
// to every plan when their jobs abend, on top of Config.Jobs: a plan of the
// default size lists 450 + RecoveryJobs jobs once the examples have run
// (within minutes of the plan's start).
const RecoveryJobs = 2

const (
	planLength     = 24 * time.Hour
	recoverySuffix = "_RCV"
	maxAutoReruns  = 1
	shareRerun     = 0.08 // of normal jobs: RERUN
	shareContinue  = 0.06 // CONTINUE
	shareEvery     = 0.02 // of jobs without successors: every-jobs
	shareConfirm   = 0.01 // confirm-required
)

// commandSteps run a command line; the other steps run a script.
var commandSteps = map[string]string{
	"CLEANUP": "find /data/tmp/%s -mtime +7 -delete",
	"NOTIFY":  "mailx -s '%s done' ops@example.internal",
	"INDEX":   "sqlplus -s @/opt/wa/sql/%s_index.sql",
	"ARCHIVE": "tar czf /archive/%s.tgz /data/out/%s",
}

// hashID returns a UUID-shaped id that depends only on the seed and parts
// (a model id: the same for every instance of one definition).
func hashID(seed int64, parts ...string) string {
	var b [16]byte
	for half := range 2 {
		h := fnv.New64a()
		binary.Write(h, binary.BigEndian, seed)
		h.Write([]byte{byte(half)})
		for _, p := range parts {
			h.Write([]byte(p))
			h.Write([]byte{0})
		}
		binary.BigEndian.PutUint64(b[half*8:], h.Sum64())
	}
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	s := hex.EncodeToString(b[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// userOf is the service user a job of stream s runs as.
func userOf(s *stream, ws *workstation) string {
	base, _, _ := strings.Cut(s.name, "_")
	u := "svc_" + strings.ToLower(base)
	if ws.os == "WINDOWS" {
		return `WADOM\` + u
	}
	return u
}

// setTask gives j its task: a command for the steps of commandSteps, else
// the script of its name, run by its stream's service user.
func (p *plan) setTask(j *job, step string) {
	j.user = userOf(j.stream, j.ws)
	j.modelID = hashID(p.seed, "jobdef", j.ws.name, j.name)
	if f, ok := commandSteps[step]; ok {
		j.command, j.isCommand = strings.ReplaceAll(f, "%s", strings.ToLower(j.name)), true
	} else if j.ws.os == "WINDOWS" {
		j.command = `C:\wa\scripts\` + strings.ToLower(j.name) + ".cmd"
	}
	if p.modelJobs[j.modelID] == nil {
		p.modelJobs[j.modelID] = j
	}
}

// options draws the recovery, every and confirm options of the normal jobs
// (random recovery options come without a recovery job, so the plan keeps
// Config.Jobs jobs plus the examples' two) and pins four examples, each on
// the first job without dependencies of a normal stream without
// dependencies (so it runs whatever else abends), from the second normal
// stream on: a RERUN with a recovery job whose first run abends (rc 8;
// the recovery job runs, then the rerun succeeds), a CONTINUE with a
// recovery job whose run abends (rc 4; successors go on), a
// confirm-required job (it ends in PEND) and an hourly every-job (a job
// nothing depends on).
func (g *generator) options() {
	nFix := len(fixtures)
	for i, s := range g.plan.streams {
		s.modelID = hashID(g.seed, "jobstream", s.ws.name, s.name)
		if g.modelStreams[s.modelID] == nil {
			g.modelStreams[s.modelID] = s
		}
		if i < nFix {
			continue
		}
		for _, j := range s.jobs {
			if j.critical || j.onCriticalPath {
				continue
			}
			h := hash01(g.seed, j.name, "recovery")
			switch {
			case h < shareRerun:
				j.recovery = workload.RecoveryRerun
			case h < shareRerun+shareContinue:
				j.recovery = workload.RecoveryContinue
			}
			if len(g.succs[j]) == 0 && hash01(g.seed, j.name, "every") < shareEvery {
				j.every = time.Duration(1+int(hash01(g.seed, j.name, "interval")*3)) * time.Hour
			}
			if hash01(g.seed, j.name, "confirm") < shareConfirm {
				j.confirm = true
			}
		}
	}
	examples := []func(j *job) bool{
		func(j *job) bool {
			j.recovery, j.forcedRC = workload.RecoveryRerun, map[int]int{1: 8, 2: 0}
			g.setRecoveryJob(j)
			return true
		},
		func(j *job) bool {
			j.recovery, j.forcedRC = workload.RecoveryContinue, map[int]int{1: 4}
			g.setRecoveryJob(j)
			return true
		},
		func(j *job) bool {
			j.recovery, j.confirm, j.forcedRC = "", true, map[int]int{1: 0}
			return true
		},
		func(j *job) bool {
			if len(g.succs[j]) > 0 {
				return false
			}
			j.recovery, j.confirm, j.every = "", false, time.Hour
			return true
		},
	}
	for i := nFix + 1; i < len(g.plan.streams) && len(examples) > 0; i++ {
		s := g.plan.streams[i]
		if len(s.deps) > 0 {
			continue
		}
		for _, j := range s.jobs {
			if len(j.deps) == 0 && !j.critical && !j.onCriticalPath && examples[0](j) {
				examples = examples[1:]
				break
			}
		}
	}
}

// setRecoveryJob gives j a recovery job definition, NAME_RCV.
func (p *plan) setRecoveryJob(j *job) {
	j.recoveryName = j.name + recoverySuffix
	j.recoveryID = hashID(p.seed, "jobdef", j.ws.name, j.recoveryName)
}

// continued reports whether successors of the abended job j may go on (its
// option is CONTINUE and its recovery job, if any, ended) and since when.
func (p *plan) continued(j *job) (time.Time, bool) {
	if j.recovery != workload.RecoveryContinue {
		return time.Time{}, false
	}
	at := j.lastRun().end
	if j.recoveryName != "" {
		rj := j.rcvJobs[j.lastRun().attempt]
		if rj == nil || !rj.done() {
			return time.Time{}, false
		}
		at = later(at, rj.lastRun().end)
	}
	return at, true
}

// tryRecover applies j's recovery after an abend: it launches the recovery
// job once per attempt and, for RERUN, reruns j once that job succeeded.
func (p *plan) tryRecover(j *job, now time.Time) bool {
	if j.recovery == "" || j.recovery == workload.RecoveryStop {
		return false
	}
	r := j.lastRun()
	at := r.end
	if j.recoveryName != "" {
		rj := j.rcvJobs[r.attempt]
		if rj == nil {
			p.addRecoveryJob(j, r)
			return false
		}
		if !rj.done() {
			return false
		}
		if rj.status != workload.InternalSucc {
			return false // the recovery failed: the job stays ABEND
		}
		at = later(at, rj.lastRun().end)
	}
	if j.recovery != workload.RecoveryRerun || j.autoReruns >= maxAutoReruns || at.After(now) {
		return false
	}
	j.autoReruns++
	nr := &run{id: p.newID(), attempt: r.attempt + 1, status: workload.InternalReady,
		estimated: j.estimated, rerunType: workload.RerunRecoveryRerun}
	j.runs = append(j.runs, nr)
	p.runByID[nr.id] = nr
	p.runJob[nr.id] = j
	j.status, j.sub, j.readyAt = workload.InternalReady, "", at
	return true
}

// addRecoveryJob adds the instance of j's recovery job for run r to j's
// stream, ready when r ended.
func (p *plan) addRecoveryJob(j *job, r *run) {
	s := j.stream
	est := time.Duration(30+int(hash01(p.seed, j.name, "recovery duration")*90)) * time.Second
	rj := &job{
		id: p.newID(), name: j.recoveryName, folder: j.folder, index: j.index, pos: len(s.jobs) + 1,
		ws: j.ws, stream: s, priority: j.priority, origPriority: j.origPriority, estimated: est,
		status:  workload.InternalHold,
		command: "/opt/wa/recovery/" + strings.ToLower(j.name) + "_recover.sh",
		user:    j.user, recoveryOf: j, notBefore: r.end,
	}
	rj.defID = p.newID()
	rj.modelID = j.recoveryID
	first := &run{id: p.newID(), attempt: 1, status: workload.InternalHold, estimated: est, rerunType: workload.RerunRecovery}
	rj.runs = []*run{first}
	p.runByID[first.id] = first
	p.runJob[first.id] = rj
	if j.rcvJobs == nil {
		j.rcvJobs = map[int]*job{}
	}
	j.rcvJobs[r.attempt] = rj
	s.jobs = append(s.jobs, rj)
	p.jobs = append(p.jobs, rj)
	p.jobByID[rj.id] = rj
}

// tryRepeat gives a succeeded every-job its next run, waiting for its start.
func (p *plan) tryRepeat(j *job) bool {
	if j.every <= 0 {
		return false
	}
	r := j.lastRun()
	next := r.start.Add(j.every)
	if r.start.IsZero() || !next.Before(p.start.Add(planLength)) {
		return false
	}
	nr := &run{id: p.newID(), attempt: r.attempt + 1, status: workload.InternalHold,
		estimated: j.estimated, rerunType: workload.RerunEvery}
	j.runs = append(j.runs, nr)
	p.runByID[nr.id] = nr
	p.runJob[nr.id] = j
	j.status, j.sub = workload.InternalHold, ""
	j.startAt, j.notBefore = next, r.end
	j.times = nil // startAt changed
	return true
}

// taskJSON is the task object of j's definition, in the simulator's shape
// (the vendor leaves it to the task type): taskType, command or script,
// userLogin — what hwa.ParseTask reads.
func (j *job) taskJSON() json.RawMessage {
	t := hwa.Task{Type: taskType(j.ws), UserLogin: j.user}
	if j.isCommand {
		t.Command = j.command
	} else {
		t.Script = j.command
	}
	b, _ := json.Marshal(t) // a struct of strings always encodes
	return b
}

func taskType(ws *workstation) string {
	switch ws.os {
	case "WINDOWS":
		return "WINDOWS"
	case "OTHER":
		return "OTHER"
	}
	return "UNIX"
}
