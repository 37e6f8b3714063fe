package graph

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/resync/resync/shared/domain/topology"
	"github.com/resync/resync/shared/domain/workload"
)

// MaxDepth bounds every traversal (successors, why-waiting chains, critical
// paths). Larger requested depths are capped to it.
const MaxDepth = workload.MaxDepth

// maxFeeds caps the critical jobs OnCriticalPath lists.
const maxFeeds = 50

// The traversal rules live in the domain (workload.Downstream,
// workload.WhyWaiting, workload.Classify); the graph supplies the edges, one
// Cypher query per level. These names keep the store's answers in the
// domain's types.
type (
	// Successor is a job downstream of the job asked about.
	Successor = workload.Reached
	// Reason says what a blocking predecessor is doing.
	Reason = workload.Reason
	// Blocker is one root cause of a wait.
	Blocker = workload.Blocker
	// WaitAnalysis explains why a job waits.
	WaitAnalysis = workload.WaitAnalysis
)

// The reasons of workload.Classify.
const (
	ReasonAbended   = workload.ReasonAbended
	ReasonHeld      = workload.ReasonHeld
	ReasonLate      = workload.ReasonLate
	ReasonCancelled = workload.ReasonCancelled
	ReasonRunning   = workload.ReasonRunning
	ReasonWaiting   = workload.ReasonWaiting
)

// levels reads one traversal level per call with query (downstreamQuery or
// upstreamQuery): the store's side of workload.SuccessorReader and
// workload.PredecessorReader.
type levels struct {
	s     *Store
	query string
}

func (l levels) Successors(ctx context.Context, ids []string) ([]workload.Edge, error) {
	return l.s.edges(ctx, l.query, ids)
}

func (l levels) Predecessors(ctx context.Context, ids []string) ([]workload.Edge, error) {
	return l.s.edges(ctx, l.query, ids)
}

// Successors returns the jobs downstream of jobID (the jobs that depend on it,
// directly or through others) up to depth hops, ordered by depth, then key
// (workload.Downstream). depth above MaxDepth is capped. It returns
// ErrInvalid for depth < 1, ErrNotFound when the job is not in the graph,
// ErrNotSynced before the first topology sync and ErrUnavailable when Neo4j
// cannot be reached.
func (s *Store) Successors(ctx context.Context, jobID string, depth int) ([]Successor, error) {
	if depth < 1 {
		return nil, fmt.Errorf("graph: successors of %s: %w: depth %d < 1", jobID, ErrInvalid, depth)
	}
	if _, err := s.job(ctx, jobID); err != nil {
		return nil, fmt.Errorf("graph: successors of %s: %w", jobID, err)
	}
	out, err := workload.Downstream(ctx, levels{s, downstreamQuery}, jobID, depth)
	if err != nil {
		return nil, fmt.Errorf("graph: successors of %s: %w", jobID, err)
	}
	return out, nil
}

// WhyWaiting explains why jobID waits (workload.WhyWaiting over the
// graph's dependencies). It returns ErrNotFound when the job is not in the
// graph, ErrNotSynced before the first topology sync and ErrUnavailable
// when Neo4j cannot be reached.
func (s *Store) WhyWaiting(ctx context.Context, jobID string) (WaitAnalysis, error) {
	start, err := s.job(ctx, jobID)
	if err != nil {
		return WaitAnalysis{}, fmt.Errorf("graph: why is %s waiting: %w", jobID, err)
	}
	wa, err := workload.WhyWaiting(ctx, levels{s, upstreamQuery}, start, s.now())
	if err != nil {
		return WaitAnalysis{}, fmt.Errorf("graph: why is %s waiting: %w", jobID, err)
	}
	return wa, nil
}

// CriticalPath says whether a job is on a critical path (the domain's
// topology.CriticalPath).
type CriticalPath = topology.CriticalPath

// OnCriticalPath reports whether jobID is on a critical path (see
// CriticalPath). It walks the critical dependencies downstream breadth
// first, one indexed query per level, visiting each job once and at most
// MaxDepth levels (a variable-length Cypher pattern would enumerate every
// path instead, which grows with the plan). It returns ErrNotFound when the
// job is not in the graph, ErrNotSynced before the first sync and
// ErrUnavailable when Neo4j cannot be reached.
func (s *Store) OnCriticalPath(ctx context.Context, jobID string) (CriticalPath, error) {
	start, err := s.job(ctx, jobID)
	if err != nil {
		return CriticalPath{}, fmt.Errorf("graph: critical path of %s: %w", jobID, err)
	}
	cp := CriticalPath{Job: start}
	seen := map[string]bool{jobID: true}
	frontier := []string{jobID}
	for level := 1; level <= MaxDepth && len(frontier) > 0; level++ {
		edges, err := s.edges(ctx, criticalDownstreamQuery, frontier)
		if err != nil {
			return CriticalPath{}, fmt.Errorf("graph: critical path of %s: level %d: %w", jobID, level, err)
		}
		frontier = frontier[:0:0]
		for _, e := range edges {
			if seen[e.Job.ID] {
				continue
			}
			seen[e.Job.ID] = true
			frontier = append(frontier, e.Job.ID)
			if e.Job.Critical {
				cp.Feeds = append(cp.Feeds, e.Job)
			}
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
	criticalDownstreamQuery = `MATCH (p:Job)<-[r:DEPENDS_ON]-(n:Job) WHERE p.id IN $ids AND r.critical = true
RETURN p.id AS from, r.critical AS critical, r.satisfied AS satisfied, n AS job`
)

// edges runs one traversal level for the frontier ids.
func (s *Store) edges(ctx context.Context, query string, ids []string) ([]workload.Edge, error) {
	res, err := s.read(ctx, query, map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	out := make([]workload.Edge, 0, len(res.Records))
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
		out = append(out, workload.Edge{From: from, Critical: c, Satisfied: st, Job: jobFromNode(n)})
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
