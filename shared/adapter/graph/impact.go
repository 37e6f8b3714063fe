package graph

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/resync/resync/shared/domain/workload"
)

// MaxDepth bounds every traversal (successors, why-waiting chains, critical
// paths). Larger requested depths are capped to it.
const MaxDepth = 25

// maxFeeds caps the critical jobs OnCriticalPath lists.
const maxFeeds = 50

// Successor is a job downstream of the job asked about.
type Successor struct {
	// Job holds the fields the graph stores: ids, names, key, stream and
	// workstation, the three statuses, critical, late flags, priority and times.
	// Runs and Dependencies are empty.
	Job workload.Job
	// Depth is the fewest dependency hops from the job asked about (1 = a
	// direct successor).
	Depth int
	// CriticalDependency is true when the successor is reached from the job
	// through dependencies flagged critical only (HWA's critical path).
	// Job.Critical says whether the successor itself is a critical job.
	CriticalDependency bool
}

// Successors returns the jobs downstream of jobID (the jobs that depend on it,
// directly or through others) up to depth hops, ordered by depth, then key.
// depth above MaxDepth is capped. It returns ErrInvalid for depth < 1,
// ErrNotFound when the job is not in the graph and ErrUnavailable when Neo4j
// cannot be reached.
func (s *Store) Successors(ctx context.Context, jobID string, depth int) ([]Successor, error) {
	if depth < 1 {
		return nil, fmt.Errorf("graph: successors of %s: %w: depth %d < 1", jobID, ErrInvalid, depth)
	}
	depth = min(depth, MaxDepth)
	if _, err := s.job(ctx, jobID); err != nil {
		return nil, fmt.Errorf("graph: successors of %s: %w", jobID, err)
	}

	dist := map[string]int{jobID: 0}
	critReach := map[string]bool{jobID: true}
	jobs := map[string]workload.Job{}
	frontier := []string{jobID}
	for level := 1; level <= depth && len(frontier) > 0; level++ {
		edges, err := s.edges(ctx, downstreamQuery, frontier)
		if err != nil {
			return nil, fmt.Errorf("graph: successors of %s: level %d: %w", jobID, level, err)
		}
		next := newOrderedSet()
		for _, e := range edges {
			id := e.job.ID
			if _, seen := dist[id]; !seen {
				dist[id] = level
				jobs[id] = e.job
				next.add(id)
			}
			// A job first reached through a non-critical edge may still be
			// on a critical chain found at a later level: revisit it so the
			// mark spreads to its own successors.
			if e.critical && critReach[e.from] && !critReach[id] {
				critReach[id] = true
				next.add(id)
			}
		}
		frontier = next.list
	}

	out := make([]Successor, 0, len(jobs))
	for id, j := range jobs {
		out = append(out, Successor{Job: j, Depth: dist[id], CriticalDependency: critReach[id]})
	}
	slices.SortFunc(out, func(a, b Successor) int {
		return cmp.Or(cmp.Compare(a.Depth, b.Depth), cmp.Compare(a.Job.Key, b.Job.Key), cmp.Compare(a.Job.ID, b.Job.ID))
	})
	return out, nil
}

// Reason says what a blocking predecessor is doing.
type Reason string

// The reasons, most actionable first.
const (
	ReasonAbended   Reason = "abended"   // ABEND, ABENP, FAIL or ERROR: needs a rerun or confirm
	ReasonHeld      Reason = "held"      // held: by an operator, for time, a prompt, a file...
	ReasonLate      Reason = "late"      // late or past its deadline, not finished
	ReasonCancelled Reason = "cancelled" // cancelled without releasing its successors
	ReasonRunning   Reason = "running"   // running now: the chain clears when it ends
	ReasonWaiting   Reason = "waiting"   // not started for another reason (resources, limit, agent)
)

func (r Reason) rank() int {
	return slices.Index([]Reason{ReasonAbended, ReasonHeld, ReasonLate, ReasonCancelled, ReasonRunning, ReasonWaiting}, r)
}

// Blocker is one root cause: the chain of unsatisfied dependencies from the
// job asked about up to a predecessor that waits on nothing upstream.
type Blocker struct {
	Root   workload.Job // the root predecessor (same as the last of Chain)
	Reason Reason
	Detail string // operator-facing sentence (from the root's status and substatus)
	Late   bool   // the root is late, whatever its Reason
	// Chain runs from the job's direct predecessor to Root.
	Chain []workload.Job
	// Critical is true when every dependency on the chain is flagged critical.
	Critical bool
	// Truncated is true when the chain reached MaxDepth: Root may itself wait
	// on something further upstream.
	Truncated bool
}

// WaitAnalysis explains why a job waits.
type WaitAnalysis struct {
	Job     workload.Job
	Waiting bool   // the job is waiting to run (from its status)
	Why     string // the job's own reason (substatus), "" when not waiting
	// Blockers are the root causes upstream, most actionable first; empty
	// when no dependency of the job is unsatisfied.
	Blockers []Blocker
}

// WhyWaiting follows jobID's unsatisfied dependencies upstream (a dependency
// is unsatisfied when HWA has not marked it satisfied and the predecessor has
// not succeeded) to the predecessors that wait on nothing further upstream,
// and says what each of those is doing: abended, held, late, cancelled,
// running or waiting. It returns ErrNotFound when the job is not in the graph
// and ErrUnavailable when Neo4j cannot be reached.
func (s *Store) WhyWaiting(ctx context.Context, jobID string) (WaitAnalysis, error) {
	start, err := s.job(ctx, jobID)
	if err != nil {
		return WaitAnalysis{}, fmt.Errorf("graph: why is %s waiting: %w", jobID, err)
	}
	wa := WaitAnalysis{Job: start}
	wa.Waiting, wa.Why = start.Waiting()

	type visit struct {
		parent   string // the successor through which it was first reached
		critical bool   // every edge from the start to it is critical
		depth    int
	}
	seen := map[string]visit{jobID: {critical: true}}
	jobs := map[string]workload.Job{jobID: start}
	hasBlocker := map[string]bool{}
	frontier := []string{jobID}
	var truncated []string
	for level := 1; len(frontier) > 0; level++ {
		if level > MaxDepth {
			truncated = frontier
			break
		}
		edges, err := s.edges(ctx, upstreamQuery, frontier)
		if err != nil {
			return WaitAnalysis{}, fmt.Errorf("graph: why is %s waiting: level %d: %w", jobID, level, err)
		}
		next := newOrderedSet()
		for _, e := range edges {
			if e.satisfied || e.job.Succeeded() {
				continue
			}
			hasBlocker[e.from] = true
			if _, ok := seen[e.job.ID]; ok {
				continue
			}
			seen[e.job.ID] = visit{parent: e.from, critical: seen[e.from].critical && e.critical, depth: level}
			jobs[e.job.ID] = e.job
			next.add(e.job.ID)
		}
		frontier = next.list
	}

	chain := func(id string) []workload.Job {
		var c []workload.Job
		for cur := id; cur != jobID; cur = seen[cur].parent {
			c = append(c, jobs[cur])
		}
		slices.Reverse(c)
		return c
	}
	now := s.now()
	for id, v := range seen {
		if id == jobID || hasBlocker[id] {
			continue
		}
		root := jobs[id]
		reason, detail := classify(root, now)
		wa.Blockers = append(wa.Blockers, Blocker{
			Root:      root,
			Reason:    reason,
			Detail:    detail,
			Late:      root.IsLate(now),
			Chain:     chain(id),
			Critical:  v.critical,
			Truncated: slices.Contains(truncated, id),
		})
	}
	slices.SortFunc(wa.Blockers, func(a, b Blocker) int {
		return cmp.Or(cmp.Compare(a.Reason.rank(), b.Reason.rank()), cmp.Compare(len(a.Chain), len(b.Chain)),
			cmp.Compare(a.Root.Key, b.Root.Key), cmp.Compare(a.Root.ID, b.Root.ID))
	})
	return wa, nil
}

// classify says what a root predecessor is doing, in operator terms.
func classify(j workload.Job, now time.Time) (Reason, string) {
	status := string(j.Internal)
	if status == "" {
		status = string(j.Common)
	}
	switch {
	case j.Failed():
		return ReasonAbended, fmt.Sprintf("%s ended in %s", name(j), status)
	case j.Held():
		_, why := j.Waiting()
		return ReasonHeld, fmt.Sprintf("%s is held: %s", name(j), why)
	case j.IsLate(now) && !j.Running():
		_, why := j.Waiting()
		return ReasonLate, fmt.Sprintf("%s is late (%s)", name(j), why)
	case j.Internal == workload.InternalCancl || j.Internal == workload.InternalCanclP || j.Common == workload.CommonCanceled:
		return ReasonCancelled, fmt.Sprintf("%s was cancelled", name(j))
	case j.Running():
		return ReasonRunning, fmt.Sprintf("%s is running (%s)", name(j), status)
	}
	_, why := j.Waiting()
	if why == "" {
		why = status
	}
	return ReasonWaiting, fmt.Sprintf("%s has not started: %s", name(j), why)
}

func name(j workload.Job) string {
	return cmp.Or(j.Key, j.Name, j.ID)
}

// CriticalPath says whether a job is on a critical path.
type CriticalPath struct {
	Job workload.Job
	// OnPath is true when the job is critical itself or feeds a critical job
	// through dependencies flagged critical.
	OnPath bool
	// Feeds lists the critical jobs downstream reached through critical
	// dependencies only (at most 50, ordered by key).
	Feeds []workload.Job
}

// OnCriticalPath reports whether jobID is on a critical path (see
// CriticalPath). It returns ErrNotFound when the job is not in the graph and
// ErrUnavailable when Neo4j cannot be reached.
func (s *Store) OnCriticalPath(ctx context.Context, jobID string) (CriticalPath, error) {
	res, err := s.read(ctx, `
MATCH (j:Job {id: $id})
OPTIONAL MATCH (j)<-[:DEPENDS_ON*1..25 {critical: true}]-(c:Job {critical: true})
WITH j, collect(DISTINCT c) AS feeds
RETURN j AS job, feeds`, map[string]any{"id": jobID})
	if err != nil {
		return CriticalPath{}, fmt.Errorf("graph: critical path of %s: %w", jobID, err)
	}
	if len(res.Records) == 0 {
		return CriticalPath{}, fmt.Errorf("graph: critical path of %s: job %w", jobID, ErrNotFound)
	}
	rec := res.Records[0]
	n, _, err := neo4j.GetRecordValue[neo4j.Node](rec, "job")
	if err != nil {
		return CriticalPath{}, fmt.Errorf("graph: critical path of %s: %w", jobID, err)
	}
	cp := CriticalPath{Job: jobFromNode(n)}
	raw, _ := rec.Get("feeds")
	list, _ := raw.([]any)
	for _, v := range list {
		if fn, ok := v.(neo4j.Node); ok {
			cp.Feeds = append(cp.Feeds, jobFromNode(fn))
		}
	}
	slices.SortFunc(cp.Feeds, func(a, b workload.Job) int {
		return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.ID, b.ID))
	})
	if len(cp.Feeds) > maxFeeds {
		cp.Feeds = cp.Feeds[:maxFeeds]
	}
	cp.OnPath = cp.Job.Critical || len(cp.Feeds) > 0
	return cp, nil
}

// job loads one job, or ErrNotFound — ErrNotSynced when it is missing
// because no topology sync has completed yet.
func (s *Store) job(ctx context.Context, id string) (workload.Job, error) {
	res, err := s.read(ctx, "MATCH (j:Job {id: $id}) RETURN j AS job", map[string]any{"id": id})
	if err != nil {
		return workload.Job{}, err
	}
	if len(res.Records) == 0 {
		switch ok, err := s.synced(ctx); {
		case err != nil:
			return workload.Job{}, err
		case !ok:
			return workload.Job{}, fmt.Errorf("job %s: %w", id, ErrNotSynced)
		}
		return workload.Job{}, fmt.Errorf("job %w", ErrNotFound)
	}
	n, _, err := neo4j.GetRecordValue[neo4j.Node](res.Records[0], "job")
	if err != nil {
		return workload.Job{}, fmt.Errorf("decode job: %w", err)
	}
	return jobFromNode(n), nil
}

// Job returns the job as the graph holds it (see Successor.Job for the
// fields). It returns ErrNotFound and ErrUnavailable.
func (s *Store) Job(ctx context.Context, id string) (workload.Job, error) {
	j, err := s.job(ctx, id)
	if err != nil {
		return workload.Job{}, fmt.Errorf("graph: get job %s: %w", id, err)
	}
	return j, nil
}

const (
	downstreamQuery = `MATCH (p:Job)<-[r:DEPENDS_ON]-(n:Job) WHERE p.id IN $ids
RETURN p.id AS from, r.critical AS critical, r.satisfied AS satisfied, n AS job`
	upstreamQuery = `MATCH (n:Job)-[r:DEPENDS_ON]->(p:Job) WHERE n.id IN $ids
RETURN n.id AS from, r.critical AS critical, r.satisfied AS satisfied, p AS job`
)

type edge struct {
	from                string
	critical, satisfied bool
	job                 workload.Job
}

// edges runs one traversal level for the frontier ids.
func (s *Store) edges(ctx context.Context, query string, ids []string) ([]edge, error) {
	res, err := s.read(ctx, query, map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	out := make([]edge, 0, len(res.Records))
	for _, rec := range res.Records {
		from, _, err := neo4j.GetRecordValue[string](rec, "from")
		if err != nil {
			return nil, fmt.Errorf("decode edge: %w", err)
		}
		n, _, err := neo4j.GetRecordValue[neo4j.Node](rec, "job")
		if err != nil {
			return nil, fmt.Errorf("decode edge: %w", err)
		}
		crit, _ := rec.Get("critical")
		sat, _ := rec.Get("satisfied")
		c, _ := crit.(bool)
		st, _ := sat.(bool)
		out = append(out, edge{from: from, critical: c, satisfied: st, job: jobFromNode(n)})
	}
	return out, nil
}

// jobFromNode maps a Job node back to the domain type.
func jobFromNode(n neo4j.Node) workload.Job {
	p := n.Props
	return workload.Job{
		ID:                propStr(p, "id"),
		Name:              propStr(p, "name"),
		Folder:            propStr(p, "folder"),
		Key:               propStr(p, "key"),
		WorkstationID:     propStr(p, "workstationId"),
		Workstation:       propStr(p, "workstation"),
		StreamID:          propStr(p, "streamId"),
		StreamName:        propStr(p, "stream"),
		Common:            workload.CommonStatus(propStr(p, "common")),
		Internal:          workload.InternalStatus(propStr(p, "internal")),
		Sub:               workload.SubStatus(propStr(p, "sub")),
		Critical:          propBool(p, "critical"),
		Late:              propBool(p, "late"),
		DeadlinePassed:    propBool(p, "deadlinePassed"),
		Priority:          int(propInt(p, "priority")),
		SchedTime:         propTime(p, "schedTime"),
		Deadline:          propTime(p, "deadline"),
		CriticalStart:     propTime(p, "criticalStart"),
		EstimatedDuration: time.Duration(propInt(p, "estimatedDurationMs")) * time.Millisecond,
	}
}

func propStr(p map[string]any, k string) string { v, _ := p[k].(string); return v }
func propBool(p map[string]any, k string) bool  { v, _ := p[k].(bool); return v }
func propInt(p map[string]any, k string) int64  { v, _ := p[k].(int64); return v }
func propTime(p map[string]any, k string) time.Time {
	switch v := p[k].(type) {
	case time.Time:
		return v.UTC()
	case neo4j.LocalDateTime:
		return time.Time(v).UTC()
	}
	return time.Time{}
}

// orderedSet keeps insertion order so traversals are deterministic.
type orderedSet struct {
	seen map[string]bool
	list []string
}

func newOrderedSet() *orderedSet { return &orderedSet{seen: map[string]bool{}} }

func (o *orderedSet) add(id string) {
	if !o.seen[id] {
		o.seen[id] = true
		o.list = append(o.list, id)
	}
}
