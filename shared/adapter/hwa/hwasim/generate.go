package hwasim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/resync/resync/shared/domain/workload"
)

// Minimums and defaults of the generated plan.
const (
	defaultJobs           = 450
	minJobs               = 120
	minStreams            = 40
	minWorkstations       = 12
	baseWorkstations      = 12  // the named ones below; the fixtures use them
	jobsPerWorkstation    = 200 // default Workstations: Jobs / this (real plans: 100–300)
	workstationsPerDomain = 50
	planLookBack          = 10 * time.Hour // the plan started this long before Now
	planSpan              = 20 * time.Hour // normal streams are scheduled over this span
	fixtureDeadline       = 2 * time.Hour  // fixture streams' deadline after their start
	longRunnerLength      = 14 * time.Hour
)

// QuoteJobName is the name of a job that deliberately contains an apostrophe.
// HWA job names are normally [A-Z0-9_-]; this fixture exists so that clients
// prove their OQL quoting (a name = 'O”NEIL_RECON' filter) cannot be broken.
const QuoteJobName = "O'NEIL_RECON"

// Fixture stream names: each pins its first job in one state (see fixtures).
var fixtures = []struct {
	stream string
	apply  func(g *generator, s *stream)
}{
	{"FIX_HOLD_OPERATOR", func(g *generator, s *stream) {
		j := s.jobs[0]
		j.heldByOperator, j.priority = true, 0
	}},
	{"FIX_WAIT_PROMPT", func(g *generator, s *stream) {
		g.waitPrompt(s.jobs[0], g.newPrompt("CONFIRM_TAPE", "Is the tape mounted on drive 2?", true, g.wsNormal[0]))
	}},
	{"FIX_WAIT_FILE", func(g *generator, s *stream) {
		g.addDep(s.jobs[0], &dep{typ: workload.DepFile, name: "/data/in/bank_statement.csv"})
	}},
	{"FIX_WAIT_INPUT", func(g *generator, s *stream) { s.jobs[0].needInput = true }},
	{"FIX_WAIT_TIME", func(g *generator, s *stream) { s.jobs[0].startAt = g.now.Add(3 * time.Hour) }},
	{"FIX_LONG_RUNNER", func(g *generator, s *stream) {
		s.jobs[0].forcedDur = map[int]time.Duration{1: longRunnerLength}
		s.jobs[0].forcedRC = map[int]int{1: 0}
		// It holds every DB connection while it runs: FIX_WAIT_RESOURCE waits.
		g.needResource(s.jobs[0], g.resourceNamed("DB_CONNECTIONS"), 2)
	}},
	{"FIX_ABEND", func(g *generator, s *stream) {
		s.jobs[0].forcedRC = map[int]int{1: 12, 2: 0}
		s.jobs[0].forcedDur = map[int]time.Duration{1: 4 * time.Minute}
	}},
	{"FIX_FAIL", func(g *generator, s *stream) { s.jobs[0].failLaunch = true }},
	{"FIX_CANCEL", func(g *generator, s *stream) {
		j := s.jobs[0]
		j.status = workload.InternalCancl
		j.runs[0].end = s.sched.Add(time.Minute)
	}},
	{"FIX_WAIT_RESOURCE", func(g *generator, s *stream) {
		g.needResource(s.jobs[0], g.resourceNamed("DB_CONNECTIONS"), 1)
	}},
	{"FIX_READY_SUPPRESSED", func(g *generator, s *stream) { s.jobs[0].readySuppressed = true }},
	{"FIX_READY_SUBMITTED", func(g *generator, s *stream) { s.jobs[0].launchDelay = 48 * time.Hour }},
	{"FIX_WAIT_LIMIT", func(g *generator, s *stream) { s.jobs[0].ws = g.wsLimit0 }},
	{"FIX_WAIT_AGENT", func(g *generator, s *stream) { s.jobs[0].ws = g.wsUnlinked }},
	{"FIX_WAIT_AGENT_STOPPED", func(g *generator, s *stream) { s.jobs[0].ws = g.wsStopped }},
	{"FIX_WAIT_USER", func(g *generator, s *stream) { s.jobs[0].userIntervention = true }},
	{"FIX_SUPPR_COND", func(g *generator, s *stream) {
		s.jobs[0].forcedRC = map[int]int{1: 0}
		// The second job runs only if the first abends; it succeeds, so the
		// second is suppressed.
		for _, d := range s.jobs[1].deps {
			if d.job == s.jobs[0] {
				d.condition = workload.InternalAbend
			}
		}
	}},
	{"FIX_SUPPR_IGNORED", func(g *generator, s *stream) { s.jobs[0].ws = g.wsIgnored }},
	{"FIX_NOOP", func(g *generator, s *stream) { s.jobs[0].noOp = true }},
}

// baseZones are the time zones of the named agents not in UTC.
var baseZones = map[string]string{"FTA_WIN01": "Europe/London", "AGT_AIX01": "America/New_York", "XA_SAP01": "Europe/Berlin"}

// regions of the extra workstations: a name prefix and the agents' zone.
var regions = []struct{ code, tz string }{
	{"EU", "Europe/Berlin"}, {"US", "America/New_York"}, {"UK", "Europe/London"},
	{"BR", "America/Sao_Paulo"}, {"IN", "Asia/Kolkata"}, {"JP", "Asia/Tokyo"}, {"USW", "America/Los_Angeles"},
}

var (
	streamBases = []string{"PAYROLL", "FIN_LOAD", "BILLING", "CRM_SYNC", "DWH_ETL", "HR_FEED",
		"INV_RECON", "GL_CLOSE", "SAP_EXTRACT", "BACKUP", "ORDERS", "RISK_CALC", "CARDS",
		"TREASURY", "LOGISTICS", "MKT_CAMPAIGN", "AUDIT_TRAIL", "CUST_360", "FX_RATES", "CLAIMS"}
	jobSteps = []string{"EXTRACT", "LOAD", "TRANSFORM", "VALIDATE", "REPORT", "ARCHIVE",
		"NOTIFY", "SORT", "MERGE", "CLEANUP", "SPLIT", "RECON", "EXPORT", "INDEX", "AGGR"}
	folders = []string{"/", "/FINANCE/", "/HR/", "/OPS/", "/SALES/", "/DWH/"}
)

type generator struct {
	*plan
	cfg                                        Config
	wsNormal                                   []*workstation
	wsLimit0, wsUnlinked, wsStopped, wsIgnored *workstation
}

// generate builds the plan for cfg at now and runs the engine from the plan's
// start up to now, so every state is the consequence of the same rules the
// clock applies later.
func generate(cfg Config, now time.Time) *plan { return generateAs(cfg, now, planID) }

// generateAs is generate for the plan of the given id.
func generateAs(cfg Config, now time.Time, id string) *plan {
	p := &plan{
		id:           id,
		seed:         cfg.Seed,
		rng:          rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5eed_4a5a)),
		start:        now.Add(-planLookBack).Truncate(time.Minute),
		jobByID:      map[string]*job{},
		streamByID:   map[string]*stream{},
		wsByID:       map[string]*workstation{},
		runByID:      map[string]*run{},
		runJob:       map[string]*job{},
		succs:        map[*job][]*job{},
		streamSuccs:  map[*stream][]any{},
		resourceByID: map[string]*resource{},
		promptByID:   map[string]*prompt{},
		modelStreams: map[string]*stream{},
		modelJobs:    map[string]*job{},
		nextJobNo:    100000 + int(cfg.Seed%1000+1000)%1000*100,
	}
	g := &generator{plan: p, cfg: cfg}
	g.now = now
	g.workstations()
	g.namedResources()
	g.streams()
	g.addResources()
	g.addPrompts()
	g.criticalPaths()
	g.options()
	p.now = p.start
	p.step(now)
	return p
}

func (g *generator) workstations() {
	type spec struct {
		name, typ, host, os string
		linked, running     bool
		limit               int
		ignore              bool
		normal              bool
	}
	specs := []spec{
		{"MDM", "MANAGER", "MASTER", "LINUX", true, true, 50, false, true},
		{"FTA_LNX01", "FTA", "WORKSTATION", "UNIX", true, true, 20, false, true},
		{"FTA_WIN01", "FTA", "WORKSTATION", "WINDOWS", true, true, 20, false, true},
		{"AGT_LNX02", "AGENT", "WORKSTATION", "LINUX", true, true, 30, false, true},
		{"AGT_AIX01", "AGENT", "WORKSTATION", "AIX", true, true, 30, false, true},
		{"XA_SAP01", "X-AGENT", "WORKSTATION", "OTHER", true, true, 10, false, true},
		{"POOL_ETL", "POOL", "WORKSTATION", "LINUX", true, true, 40, false, true},
		{"DPOOL_DWH", "D-POOL", "WORKSTATION", "LINUX", true, true, 40, false, true},
		{"FTA_LNX09", "FTA", "WORKSTATION", "UNIX", false, true, 20, false, false},      // unlinked
		{"AGT_WIN03", "AGENT", "WORKSTATION", "WINDOWS", true, false, 20, false, false}, // stopped
		{"AGT_LNX_NEW", "AGENT", "WORKSTATION", "LINUX", true, true, 0, false, false},   // limit 0
		{"FTA_OLD01", "FTA", "WORKSTATION", "UNIX", true, true, 10, true, false},        // ignored
	}
	n := g.cfg.Workstations
	if n == 0 {
		n = g.cfg.Jobs / jobsPerWorkstation
	}
	n = max(n, minWorkstations)
	for i := len(specs); i < n; i++ {
		// A realistic mix: mostly dynamic agents, some fault-tolerant
		// agents, a pool and a dynamic pool in every ten, an extended agent
		// in every twenty.
		region := regions[(i/10)%len(regions)].code
		var sp spec
		switch i % 20 {
		case 3:
			sp = spec{"POOL", "POOL", "WORKSTATION", "LINUX", true, true, 40, false, true}
		case 13:
			sp = spec{"DPOOL", "D-POOL", "WORKSTATION", "LINUX", true, true, 40, false, true}
		case 7:
			sp = spec{"XA", "X-AGENT", "WORKSTATION", "OTHER", true, true, 10, false, true}
		case 1, 5, 11, 17:
			sp = spec{"FTA", "FTA", "WORKSTATION", "UNIX", true, true, 20, false, true}
		case 9, 15:
			sp = spec{"AGT_WIN", "AGENT", "WORKSTATION", "WINDOWS", true, true, 20, false, true}
		default:
			sp = spec{"AGT_LNX", "AGENT", "WORKSTATION", "LINUX", true, true, 30, false, true}
		}
		sp.name = fmt.Sprintf("%s_%s%04d", region, sp.name, i)
		specs = append(specs, sp)
	}
	for i, s := range specs {
		w := &workstation{
			id: g.newID(), name: s.name, folder: "/", typ: workload.WorkstationType(s.typ),
			hostType: s.host, os: s.os, domain: "MASTERDM", tz: timeZone,
			nodeName: strings.ToLower(strings.ReplaceAll(s.name, "_", "-")) + ".example.internal",
			linked:   s.linked, running: s.running, limit: s.limit, ignore: s.ignore, plan: g.id,
		}
		if z, ok := baseZones[s.name]; ok {
			w.tz = z // agents abroad: the plan has several time zones at any size
		}
		if i >= baseWorkstations {
			// Every fifty extra workstations form a domain of their region.
			r := regions[(i/10)%len(regions)]
			w.tz = r.tz
			w.domain = fmt.Sprintf("DM_%s%02d", r.code, (i-baseWorkstations)/workstationsPerDomain+1)
			if i%50 == 24 {
				w.folder = "/" + r.code + "/"
			}
		}
		g.plan.workstations = append(g.plan.workstations, w)
		g.wsByID[w.id] = w
		if s.normal {
			g.wsNormal = append(g.wsNormal, w)
		}
		switch i {
		case 8:
			g.wsUnlinked = w
		case 9:
			g.wsStopped = w
		case 10:
			g.wsLimit0 = w
		case 11:
			g.wsIgnored = w
		}
	}
}

func (g *generator) streams() {
	nJobs := g.cfg.Jobs
	if nJobs == 0 {
		nJobs = defaultJobs
	}
	nJobs = max(nJobs, minJobs)
	nStreams := g.cfg.Streams
	if nStreams == 0 {
		nStreams = max(60, nJobs/10)
	}
	nStreams = max(nStreams, minStreams)
	const fixtureJobs = 3
	nFix := len(fixtures)
	nNormal := nStreams - nFix
	normalJobs := nJobs - nFix*fixtureJobs
	if normalJobs < nNormal {
		normalJobs = nNormal
	}
	r := g.rng
	idx := 0
	for i := 0; i < nStreams; i++ {
		s := &stream{id: g.newID(), index: i, priority: 10, origPriority: 10}
		var size int
		if i < nFix {
			s.name = fixtures[i].stream
			s.folder = "/OPS/"
			s.ws = g.wsNormal[0]
			s.sched = g.start.Add(time.Duration(i) * 2 * time.Minute)
			s.deadline = s.sched.Add(fixtureDeadline)
			size = fixtureJobs
		} else {
			k := i - nFix
			s.name = fmt.Sprintf("%s_%02d", streamBases[k%len(streamBases)], k/len(streamBases)+1)
			s.folder = folders[k%len(folders)]
			s.ws = g.wsNormal[r.IntN(len(g.wsNormal))]
			frac := float64(k) / float64(nNormal)
			s.sched = g.start.Add(time.Duration(frac * float64(planSpan))).Add(time.Duration(r.IntN(600)) * time.Second).Truncate(time.Second)
			size = normalJobs / nNormal
			if k < normalJobs%nNormal {
				size++
			}
			if k > 0 && r.Float64() < 0.2 {
				// Stream → stream dependency on a recent earlier stream.
				lo := max(nFix, i-15)
				pred := g.plan.streams[lo+r.IntN(i-lo)]
				d := &dep{id: g.newID(), typ: workload.DepExternalJobStream, stream: pred}
				s.deps = append(s.deps, d)
				g.streamSuccs[pred] = append(g.streamSuccs[pred], s)
			}
		}
		g.plan.streams = append(g.plan.streams, s)
		g.streamByID[s.id] = s
		var total time.Duration
		for pos := 1; pos <= size; pos++ {
			j := g.newJob(s, pos, idx, i < nFix)
			idx++
			total += j.estimated
		}
		if i >= nFix {
			slack := time.Duration(float64(total) * (0.9 + r.Float64()*1.5))
			s.deadline = s.sched.Add(slack + 30*time.Minute).Truncate(time.Minute)
		}
		if i == nFix {
			s.jobs[0].name = QuoteJobName
		}
	}
	for i, f := range fixtures {
		f.apply(g, g.plan.streams[i])
	}
}

func (g *generator) newJob(s *stream, pos, idx int, fixture bool) *job {
	r := g.rng
	step := jobSteps[(pos-1+s.index)%len(jobSteps)]
	// Names are distinct across the plan: the streams of one base are
	// numbered (PAYROLL_01, PAYROLL_02, ...) and from the second on their
	// jobs carry the number (PAYROLL_EXTRACT1, PAYROLL02_EXTRACT1, ...).
	prefix, _, _ := strings.Cut(s.name, "_")
	num := s.name[strings.LastIndexByte(s.name, '_')+1:]
	if num != "01" {
		prefix += num
	}
	name := fmt.Sprintf("%s_%s%d", prefix, step, pos)
	if fixture {
		name = fmt.Sprintf("%s_J%d", strings.TrimPrefix(s.name, "FIX_"), pos)
	}
	est := time.Duration(20+r.IntN(12*60)) * time.Second
	if !fixture && r.Float64() < 0.04 {
		est = time.Duration(40+r.IntN(60)) * time.Minute
	}
	if fixture {
		est = time.Duration(60+r.IntN(240)) * time.Second
	}
	ws := s.ws
	if !fixture && r.Float64() < 0.3 {
		ws = g.wsNormal[r.IntN(len(g.wsNormal))]
	}
	j := &job{
		id: g.newID(), name: name, folder: s.folder, index: idx, pos: pos, ws: ws, stream: s,
		priority: 10, origPriority: 10, estimated: est.Truncate(time.Second),
		status:  workload.InternalHold,
		command: fmt.Sprintf("/opt/wa/scripts/%s.sh", strings.ToLower(name)),
	}
	j.defID = g.newID()
	g.setTask(j, step)
	if r.IntN(8) == 0 {
		j.priority, j.origPriority = 50, 50
	}
	first := &run{id: g.newID(), attempt: 1, status: workload.InternalHold, estimated: j.estimated, rerunType: workload.RerunRegular}
	j.runs = []*run{first}
	g.runByID[first.id] = j.runs[0]
	g.runJob[first.id] = j
	// Dependencies inside the stream.
	if pos > 1 {
		roll := r.Float64()
		switch {
		case fixture || roll < 0.55:
			g.addDep(j, &dep{typ: workload.DepInternal, job: s.jobs[pos-2]})
		case roll < 0.85:
			g.addDep(j, &dep{typ: workload.DepInternal, job: s.jobs[r.IntN(pos-1)]})
		}
	}
	// Dependencies across streams (always on earlier, normal streams).
	if !fixture && s.index > len(fixtures) {
		lo := max(len(fixtures), s.index-30)
		if r.Float64() < 0.15 {
			ps := g.plan.streams[lo+r.IntN(s.index-lo)]
			g.addDep(j, &dep{typ: workload.DepExternalJob, job: ps.jobs[r.IntN(len(ps.jobs))]})
		}
		if r.Float64() < 0.04 {
			ps := g.plan.streams[lo+r.IntN(s.index-lo)]
			g.addDep(j, &dep{typ: workload.DepExternalJobStream, stream: ps})
		}
	}
	s.jobs = append(s.jobs, j)
	g.plan.jobs = append(g.plan.jobs, j)
	g.jobByID[j.id] = j
	return j
}

func (g *generator) addDep(j *job, d *dep) {
	d.id = g.newID()
	j.deps = append(j.deps, d)
	switch {
	case d.job != nil:
		g.succs[d.job] = append(g.succs[d.job], j)
	case d.stream != nil:
		g.streamSuccs[d.stream] = append(g.streamSuccs[d.stream], j)
	}
}

// criticalPaths marks some jobs critical (the last job of every 12th normal
// stream, and one fixture's successor) and flags the job dependencies on
// their critical path.
func (g *generator) criticalPaths() {
	nFix := len(fixtures)
	var crit []*job
	for i, s := range g.plan.streams {
		if i >= nFix && (i-nFix)%12 == 3 {
			crit = append(crit, s.jobs[len(s.jobs)-1])
		}
	}
	crit = append(crit, g.plan.streams[5].jobs[2]) // behind FIX_LONG_RUNNER: at risk
	for _, j := range crit {
		j.critical = true
		j.deadline = j.stream.deadline
		j.criticalStart = j.deadline.Add(-j.estimated).Truncate(time.Second)
		seen := map[*job]bool{}
		queue := []*job{j}
		for len(queue) > 0 {
			c := queue[0]
			queue = queue[1:]
			for _, d := range c.deps {
				if d.job != nil {
					d.critical = true
					if !seen[d.job] {
						seen[d.job] = true
						d.job.onCriticalPath = true
						queue = append(queue, d.job)
					}
				}
			}
		}
	}
}
