package hwasim

import (
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/domain/workload"
)

// The plan's internal model. The HTTP layer renders it into the wire types of
// package hwa; the engine (engine.go) moves it along the clock.

type workstation struct {
	id, name, folder string
	typ              workload.WorkstationType
	hostType         string // MASTER | MANAGER | WORKSTATION
	os               string
	domain           string
	tz               string // IANA time zone of the agent
	nodeName         string
	linked, running  bool
	limit, fence     int
	ignore           bool
	plan             string // the id of its plan
}

type stream struct {
	id, name, folder string
	index            int
	ws               *workstation
	sched            time.Time
	deadline         time.Time
	jobs             []*job
	deps             []*dep // stream-level predecessors (EXTERNAL_JOBSTREAM)
	priority         int
	origPriority     int
	held             bool // operator hold
	canceled         bool
	modelID          string // the model job stream it is an instance of

	// Derived by the engine on every pass.
	status  workload.StreamStatus
	end     time.Time // when it completed (SUCC/CANCL), else zero
	started bool
	late    bool
}

type job struct {
	id, name, folder string
	index            int // global topological order
	pos              int // position in its stream, from 1
	ws               *workstation
	stream           *stream
	deps             []*dep
	priority         int
	origPriority     int
	critical         bool
	onCriticalPath   bool
	criticalStart    time.Time
	deadline         time.Time
	estimated        time.Duration
	command          string
	defID            string             // the job definition's id
	keyStr           string             // cached key(); names never change after generation
	times            *jobTimes          // cached instants(); set once at generation
	def              *hwa.JobDefinition // cached definition()

	// Definition options (options.go).
	user         string                  // the task's user
	isCommand    bool                    // command is a command line, not a script
	modelID      string                  // the job definition's model id (submissions)
	recovery     workload.RecoveryOption // "" is STOP
	recoveryName string                  // recovery job definition; "" when none
	recoveryID   string                  // its model id
	recoveryOf   *job                    // set on a recovery job instance: the job it recovers
	rcvJobs      map[int]*job            // attempt → recovery job instance launched for it
	autoReruns   int                     // reruns HWA made by the RERUN option
	every        time.Duration           // every-job repeat interval; 0 when not one
	confirm      bool                    // requires confirmation: ends in PEND

	// Fixture switches (see generate.go): each pins the job in one substatus.
	startAt          time.Time // AT time; zero when none
	needInput        bool
	readySuppressed  bool
	userIntervention bool
	launchDelay      time.Duration
	failLaunch       bool
	noOp             bool
	forcedRC         map[int]int           // attempt → return code
	forcedDur        map[int]time.Duration // attempt → duration

	// State.
	heldByOperator bool
	status         workload.InternalStatus
	sub            workload.SubStatus
	readyAt        time.Time
	notBefore      time.Time // last time an action-only condition held the job
	runs           []*run
	confirmed      bool
}

type dep struct {
	id        string
	typ       workload.DependencyType
	job       *job    // INTERNAL / EXTERNAL_JOB predecessor
	stream    *stream // EXTERNAL_JOBSTREAM predecessor
	name      string  // FILE path, RESOURCE name, PROMPT name
	text      string  // PROMPT text
	critical  bool
	released  bool // released by an operator
	condition workload.InternalStatus
	// RESOURCE and PROMPT dependencies (resources.go, prompts.go).
	owner    *job      // the job the dependency belongs to
	res      *resource // RESOURCE: the resource
	quantity int       // RESOURCE: units needed
	prompt   *prompt   // PROMPT: the prompt
}

type run struct {
	id        string
	attempt   int
	number    int
	status    workload.InternalStatus
	sub       workload.SubStatus
	rc        int
	start     time.Time
	end       time.Time
	submitted time.Time
	estimated time.Duration
	rerunType workload.RerunType
	confirmed bool
	dontRun   bool
}

type plan struct {
	id           string // "current", or the previous plan's id (previous.go)
	seed         int64
	rng          *rand.Rand
	start        time.Time // production plan start
	now          time.Time
	workstations []*workstation
	streams      []*stream
	jobs         []*job
	jobByID      map[string]*job
	streamByID   map[string]*stream
	wsByID       map[string]*workstation
	runByID      map[string]*run
	runJob       map[string]*job
	succs        map[*job][]*job   // job → jobs depending on it
	streamSuccs  map[*stream][]any // stream → jobs/streams depending on it
	nextJobNo    int
	resources    []*resource
	resourceByID map[string]*resource
	prompts      []*prompt
	promptByID   map[string]*prompt
	modelStreams map[string]*stream // model id → the instance submissions copy
	modelJobs    map[string]*job    // job definition model id → the job submissions copy
	adHocN       int                // ad-hoc jobs submitted without an alias
	listed       listedJobs         // the jobs the last plan-filtered list selected
}

// listedJobs caches which jobs a list's plan filter selects, for the next
// page of the same list. A plan filter matches names, which never change,
// and jobs are only ever added (submissions), so the selection holds while
// the filter and the number of jobs are the same.
type listedJobs struct {
	filter string
	n      int
	jobs   []*job
}

// newID returns a UUID-shaped id (version 4 layout) drawn from the plan's
// seeded generator, so the same seed and the same history give the same ids.
func (p *plan) newID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], p.rng.Uint64())
	binary.BigEndian.PutUint64(b[8:], p.rng.Uint64())
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	hex.Encode(out[9:13], b[4:6])
	hex.Encode(out[14:18], b[6:8])
	hex.Encode(out[19:23], b[8:10])
	hex.Encode(out[24:], b[10:16])
	out[8], out[13], out[18], out[23] = '-', '-', '-', '-'
	return string(out[:])
}

// hash01 returns a number in [0,1) that depends only on the seed and parts.
func hash01(seed int64, parts ...string) float64 {
	h := fnv.New64a()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seed))
	h.Write(b[:])
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return float64(h.Sum64()>>11) / float64(1<<53)
}

// lastRun returns the job's current run (the last in the rerun chain).
func (j *job) lastRun() *run { return j.runs[len(j.runs)-1] }

// done reports whether the job reached an end state.
func (j *job) done() bool {
	switch j.status {
	case workload.InternalSucc, workload.InternalAbend, workload.InternalFail,
		workload.InternalCancl, workload.InternalSuppr:
		return true
	}
	return false
}

// started reports whether the job's current run was launched.
func (j *job) started() bool { return !j.lastRun().start.IsZero() }

// commonStatus maps an internal job status to the common status
// (README §7.3, inferred mapping): SUCC→SUCCESSFUL, ABEND/FAIL/ERROR→ERROR,
// EXEC/INTRO/WAIT→RUNNING, READY/FENCE→READY, HOLD→WAITING (HELD when put on
// hold by an operator: substatus HOLD_PRIORITY_ZERO), CANCL→CANCELED,
// SUPPR→SUPPRESS, PEND/ABENP/SUCCP→UNDECIDED.
func commonStatus(s workload.InternalStatus, sub workload.SubStatus) workload.CommonStatus {
	switch s {
	case workload.InternalSucc:
		return workload.CommonSuccessful
	case workload.InternalAbend, workload.InternalFail, workload.InternalError:
		return workload.CommonError
	case workload.InternalExec, workload.InternalIntro, workload.InternalWait:
		return workload.CommonRunning
	case workload.InternalReady, workload.InternalFence:
		return workload.CommonReady
	case workload.InternalHold:
		if sub == workload.SubHoldPriorityZero {
			return workload.CommonHeld
		}
		return workload.CommonWaiting
	case workload.InternalCancl:
		return workload.CommonCanceled
	case workload.InternalSuppr:
		return workload.CommonSuppress
	case workload.InternalPend, workload.InternalAbenP, workload.InternalSuccP:
		return workload.CommonUndecided
	}
	return workload.CommonUndecided
}

// streamCommonStatus maps a job stream's internal status to the common status.
func streamCommonStatus(s workload.StreamStatus, held bool) workload.CommonStatus {
	switch s {
	case workload.StreamSucc:
		return workload.CommonSuccessful
	case workload.StreamAbend, workload.StreamFail, workload.StreamError:
		return workload.CommonError
	case workload.StreamExec:
		return workload.CommonRunning
	case workload.StreamReady:
		return workload.CommonReady
	case workload.StreamHold:
		if held {
			return workload.CommonHeld
		}
		return workload.CommonWaiting
	case workload.StreamCancl:
		return workload.CommonCanceled
	case workload.StreamStuck:
		return workload.CommonBlocked
	}
	return workload.CommonUndecided
}
