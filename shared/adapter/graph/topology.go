package graph

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/resync/resync/shared/domain/workload"
)

// The plan topology in the graph:
//
//	(:Workstation {id})
//	(:JobStream {id})-[:DEPENDS_ON {satisfied, critical}]->(:JobStream)
//	(:Job {id})-[:IN_STREAM]->(:JobStream)
//	(:Job)-[:RUNS_ON]->(:Workstation)
//	(:Job)-[:DEPENDS_ON {satisfied, critical, type}]->(:Job)   successor -> predecessor
//
// Every topology node and edge carries engine (Config.Engine) and syncGen, the
// generation of the sync that last wrote it; a sync removes the engine's
// nodes and edges it did not write.

// Snapshot is the plan topology to store: the domain objects as the HWA
// client returns them. Edges come from the objects themselves: a job's
// stream (StreamID) and workstation (WorkstationID), a job's Dependencies
// that name a predecessor job (JobID), and a stream's Dependencies that name
// a predecessor stream (StreamID, no JobID). Other dependency kinds (files,
// resources, prompts, a job waiting on a whole stream) are not modelled.
type Snapshot struct {
	Workstations []workload.Workstation
	Streams      []workload.JobStream
	Jobs         []workload.Job
}

// SyncResult counts what one topology sync wrote and removed.
type SyncResult struct {
	Generation   int64 // this sync's generation (1 for the engine's first)
	Workstations int   // nodes written
	Streams      int
	Jobs         int
	Edges        int // IN_STREAM, RUNS_ON and DEPENDS_ON edges written
	// Dangling counts edges not written because one end is not in the
	// snapshot (for example a predecessor in another engine's plan).
	Dangling int
	// Removed counts nodes and edges of earlier syncs that left the plan.
	RemovedWorkstations int
	RemovedStreams      int
	RemovedJobs         int
	RemovedEdges        int
}

// UpsertTopology stores a whole plan snapshot and removes what has left the
// plan, in batched writes (see TopologySync). Running it twice with the same
// snapshot leaves the same graph. It returns ErrInvalid for an object without
// an id and ErrUnavailable when Neo4j cannot be reached; a failed sync
// removes nothing, and the next sync completes the picture.
func (s *Store) UpsertTopology(ctx context.Context, snap Snapshot) (SyncResult, error) {
	t, err := s.BeginTopology(ctx)
	if err != nil {
		return SyncResult{}, err
	}
	if err := t.Workstations(ctx, snap.Workstations); err != nil {
		return t.res, err
	}
	if err := t.Streams(ctx, snap.Streams); err != nil {
		return t.res, err
	}
	if err := t.Jobs(ctx, snap.Jobs); err != nil {
		return t.res, err
	}
	return t.Commit(ctx)
}

// TopologySync writes one plan snapshot in pieces, so a sync can stream pages
// from HWA without holding the plan: nodes are written as they come (in
// batches of Config.BatchSize), their edges are kept as id pairs and written
// by Commit, which then removes what the sync did not write. Pieces may come
// in any order. A TopologySync is used by one goroutine; syncs of one engine
// should not overlap (the schedule runs them one at a time).
type TopologySync struct {
	s          *Store
	gen        int64
	inStream   []map[string]any // {from, to}
	runsOn     []map[string]any
	jobDeps    map[[2]string]depEdge
	streamDeps map[[2]string]depEdge
	res        SyncResult
}

type depEdge struct {
	satisfied, critical bool
	typ                 string
}

// BeginTopology starts a sync: it takes the engine's next generation number.
func (s *Store) BeginTopology(ctx context.Context) (*TopologySync, error) {
	res, err := s.write(ctx, `
MERGE (st:SyncState {id: $key})
ON CREATE SET st.gen = 0, st.engine = $engine
SET st.gen = st.gen + 1
RETURN st.gen AS gen`, map[string]any{"key": "topology:" + s.engine, "engine": s.engine})
	if err != nil {
		return nil, fmt.Errorf("graph: begin topology sync: %w", err)
	}
	gen, _ := res.Records[0].Get("gen")
	g, ok := gen.(int64)
	if !ok {
		return nil, fmt.Errorf("graph: begin topology sync: generation is %T, want int64", gen)
	}
	return &TopologySync{
		s:          s,
		gen:        g,
		jobDeps:    map[[2]string]depEdge{},
		streamDeps: map[[2]string]depEdge{},
		res:        SyncResult{Generation: g},
	}, nil
}

// Generation returns this sync's generation number.
func (t *TopologySync) Generation() int64 { return t.gen }

// Workstations writes workstation nodes.
func (t *TopologySync) Workstations(ctx context.Context, ws []workload.Workstation) error {
	rows := make([]map[string]any, 0, len(ws))
	for _, w := range ws {
		if w.ID == "" {
			return fmt.Errorf("graph: sync workstations: %w: workstation %q has no id", ErrInvalid, w.Name)
		}
		rows = append(rows, map[string]any{"id": w.ID, "props": workstationProps(w)})
	}
	n, err := t.upsertNodes(ctx, "Workstation", rows)
	t.res.Workstations += n
	if err != nil {
		return fmt.Errorf("graph: sync workstations: %w", err)
	}
	return nil
}

// Streams writes job stream nodes and keeps their stream dependencies for Commit.
func (t *TopologySync) Streams(ctx context.Context, ss []workload.JobStream) error {
	rows := make([]map[string]any, 0, len(ss))
	for _, js := range ss {
		if js.ID == "" {
			return fmt.Errorf("graph: sync streams: %w: stream %q has no id", ErrInvalid, js.Name)
		}
		rows = append(rows, map[string]any{"id": js.ID, "props": streamProps(js)})
		for _, d := range js.Dependencies {
			if d.StreamID == "" || d.JobID != "" || d.StreamID == js.ID {
				continue
			}
			addDep(t.streamDeps, js.ID, d.StreamID, d)
		}
	}
	n, err := t.upsertNodes(ctx, "JobStream", rows)
	t.res.Streams += n
	if err != nil {
		return fmt.Errorf("graph: sync streams: %w", err)
	}
	return nil
}

// Jobs writes job nodes and keeps their stream, workstation and dependency
// edges for Commit.
func (t *TopologySync) Jobs(ctx context.Context, js []workload.Job) error {
	rows := make([]map[string]any, 0, len(js))
	for _, j := range js {
		if j.ID == "" {
			return fmt.Errorf("graph: sync jobs: %w: job %q has no id", ErrInvalid, j.Name)
		}
		rows = append(rows, map[string]any{"id": j.ID, "props": jobProps(j)})
		if j.StreamID != "" {
			t.inStream = append(t.inStream, map[string]any{"from": j.ID, "to": j.StreamID})
		}
		if j.WorkstationID != "" {
			t.runsOn = append(t.runsOn, map[string]any{"from": j.ID, "to": j.WorkstationID})
		}
		for _, d := range j.Dependencies {
			if d.JobID == "" || d.JobID == j.ID {
				continue
			}
			addDep(t.jobDeps, j.ID, d.JobID, d)
		}
	}
	n, err := t.upsertNodes(ctx, "Job", rows)
	t.res.Jobs += n
	if err != nil {
		return fmt.Errorf("graph: sync jobs: %w", err)
	}
	return nil
}

// addDep records one dependency edge; duplicates merge (critical if any
// record is critical, satisfied only if every record is).
func addDep(m map[[2]string]depEdge, from, to string, d workload.Dependency) {
	e := depEdge{
		satisfied: d.Satisfied || d.Status == workload.DepSatisfied,
		critical:  d.Critical,
		typ:       string(d.Type),
	}
	k := [2]string{from, to}
	if old, ok := m[k]; ok {
		e.critical = e.critical || old.critical
		e.satisfied = e.satisfied && old.satisfied
		if e.typ == "" {
			e.typ = old.typ
		}
	}
	m[k] = e
}

// Commit writes the kept edges and removes the engine's nodes and edges that
// this sync did not write. After an error nothing was removed.
func (t *TopologySync) Commit(ctx context.Context) (SyncResult, error) {
	if err := t.writeEdges(ctx, inStreamQuery, t.inStream); err != nil {
		return t.res, fmt.Errorf("graph: sync commit: IN_STREAM edges: %w", err)
	}
	if err := t.writeEdges(ctx, runsOnQuery, t.runsOn); err != nil {
		return t.res, fmt.Errorf("graph: sync commit: RUNS_ON edges: %w", err)
	}
	if err := t.writeEdges(ctx, jobDepQuery, depRows(t.jobDeps)); err != nil {
		return t.res, fmt.Errorf("graph: sync commit: job DEPENDS_ON edges: %w", err)
	}
	if err := t.writeEdges(ctx, streamDepQuery, depRows(t.streamDeps)); err != nil {
		return t.res, fmt.Errorf("graph: sync commit: stream DEPENDS_ON edges: %w", err)
	}
	t.inStream, t.runsOn, t.jobDeps, t.streamDeps = nil, nil, nil, nil

	for _, step := range []struct {
		query string
		count *int
		what  string
	}{
		{staleJobs, &t.res.RemovedJobs, "jobs"},
		{staleStreams, &t.res.RemovedStreams, "streams"},
		{staleWorkstations, &t.res.RemovedWorkstations, "workstations"},
		{staleJobEdges, &t.res.RemovedEdges, "job edges"},
		{staleStreamEdges, &t.res.RemovedEdges, "stream edges"},
	} {
		n, err := t.s.deleteInBatches(ctx, step.query, t.gen)
		*step.count += n
		if err != nil {
			return t.res, fmt.Errorf("graph: sync commit: remove stale %s: %w", step.what, err)
		}
	}
	// Only now does the graph hold a whole plan: readers tell "not synced
	// yet" from "job not in the plan" by this mark.
	if _, err := t.s.write(ctx, `MATCH (st:SyncState {id: $key}) SET st.completedGen = $gen, st.completedAt = datetime()`,
		map[string]any{"key": "topology:" + t.s.engine, "gen": t.gen}); err != nil {
		return t.res, fmt.Errorf("graph: sync commit: mark complete: %w", err)
	}
	return t.res, nil
}

// synced reports whether a topology sync of the store's engine has
// completed.
func (s *Store) synced(ctx context.Context) (bool, error) {
	res, err := s.read(ctx, `MATCH (st:SyncState {id: $key}) WHERE st.completedGen IS NOT NULL RETURN st.completedGen AS gen`,
		map[string]any{"key": "topology:" + s.engine})
	if err != nil {
		return false, err
	}
	return len(res.Records) > 0, nil
}

// upsertNodes MERGEs nodes of one label by id in batches. The label is one of
// the package's constants, never input.
func (t *TopologySync) upsertNodes(ctx context.Context, label string, rows []map[string]any) (int, error) {
	query := "UNWIND $rows AS row MERGE (n:" + label + " {id: row.id}) " +
		"SET n += row.props, n.engine = $engine, n.syncGen = $gen RETURN count(n) AS n"
	written := 0
	for start := 0; start < len(rows); start += t.s.batchSize {
		end := min(start+t.s.batchSize, len(rows))
		res, err := t.s.write(ctx, query, map[string]any{"rows": rows[start:end], "engine": t.s.engine, "gen": t.gen})
		if err != nil {
			return written, fmt.Errorf("upsert %s batch %d-%d: %w", label, start, end, err)
		}
		written += countOf(res.Records)
	}
	return written, nil
}

const (
	inStreamQuery = `UNWIND $rows AS row
MATCH (a:Job {id: row.from}) MATCH (b:JobStream {id: row.to})
MERGE (a)-[r:IN_STREAM]->(b)
SET r.syncGen = $gen
RETURN count(r) AS n`
	runsOnQuery = `UNWIND $rows AS row
MATCH (a:Job {id: row.from}) MATCH (b:Workstation {id: row.to})
MERGE (a)-[r:RUNS_ON]->(b)
SET r.syncGen = $gen
RETURN count(r) AS n`
	jobDepQuery = `UNWIND $rows AS row
MATCH (a:Job {id: row.from}) MATCH (b:Job {id: row.to})
MERGE (a)-[r:DEPENDS_ON]->(b)
SET r.satisfied = row.satisfied, r.critical = row.critical, r.type = row.type, r.syncGen = $gen
RETURN count(r) AS n`
	streamDepQuery = `UNWIND $rows AS row
MATCH (a:JobStream {id: row.from}) MATCH (b:JobStream {id: row.to})
MERGE (a)-[r:DEPENDS_ON]->(b)
SET r.satisfied = row.satisfied, r.critical = row.critical, r.type = row.type, r.syncGen = $gen
RETURN count(r) AS n`
)

// writeEdges runs an edge query over rows in batches and counts the edges
// written and the rows whose ends were missing.
func (t *TopologySync) writeEdges(ctx context.Context, query string, rows []map[string]any) error {
	for start := 0; start < len(rows); start += t.s.batchSize {
		end := min(start+t.s.batchSize, len(rows))
		res, err := t.s.write(ctx, query, map[string]any{"rows": rows[start:end], "gen": t.gen})
		if err != nil {
			return fmt.Errorf("batch %d-%d: %w", start, end, err)
		}
		n := countOf(res.Records)
		t.res.Edges += n
		t.res.Dangling += (end - start) - n
	}
	return nil
}

func depRows(m map[[2]string]depEdge) []map[string]any {
	rows := make([]map[string]any, 0, len(m))
	for k, e := range m {
		rows = append(rows, map[string]any{
			"from": k[0], "to": k[1], "satisfied": e.satisfied, "critical": e.critical, "type": strOrNil(e.typ),
		})
	}
	return rows
}

// Stale removal: each query deletes at most $limit of the engine's objects
// from generations before $gen and returns how many; deleteInBatches repeats
// it until none is left, so no transaction grows with the plan.
const (
	staleJobs = `MATCH (n:Job) WHERE n.engine = $engine AND n.syncGen < $gen
WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS n`
	staleStreams = `MATCH (n:JobStream) WHERE n.engine = $engine AND n.syncGen < $gen
WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS n`
	staleWorkstations = `MATCH (n:Workstation) WHERE n.engine = $engine AND n.syncGen < $gen
WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS n`
	staleJobEdges = `MATCH (a:Job)-[r:IN_STREAM|RUNS_ON|DEPENDS_ON]->() WHERE a.engine = $engine AND r.syncGen < $gen
WITH r LIMIT $limit DELETE r RETURN count(*) AS n`
	staleStreamEdges = `MATCH (a:JobStream)-[r:DEPENDS_ON]->() WHERE a.engine = $engine AND r.syncGen < $gen
WITH r LIMIT $limit DELETE r RETURN count(*) AS n`
)

func (s *Store) deleteInBatches(ctx context.Context, query string, gen int64) (int, error) {
	total := 0
	for {
		res, err := s.write(ctx, query, map[string]any{"engine": s.engine, "gen": gen, "limit": int64(s.batchSize)})
		if err != nil {
			return total, err
		}
		n := countOf(res.Records)
		total += n
		if n < s.batchSize {
			return total, nil
		}
	}
}

func countOf(recs []*neo4j.Record) int {
	if len(recs) == 0 {
		return 0
	}
	v, _ := recs[0].Get("n")
	n, _ := v.(int64)
	return int(n)
}

func workstationProps(w workload.Workstation) map[string]any {
	states := make([]string, len(w.States))
	for i, st := range w.States {
		states[i] = string(st)
	}
	return map[string]any{
		"name":     strOrNil(w.Name),
		"folder":   strOrNil(w.Folder),
		"type":     strOrNil(string(w.Type)),
		"os":       strOrNil(w.OS),
		"domain":   strOrNil(w.Domain),
		"states":   states,
		"linked":   w.Linked(),
		"running":  w.Running(),
		"limit":    int64(w.Limit),
		"fence":    int64(w.Fence),
		"ignore":   w.Ignore,
		"nodeName": strOrNil(w.NodeName),
		"version":  strOrNil(w.Version),
		"timeZone": strOrNil(w.TimeZone),
	}
}

func streamProps(js workload.JobStream) map[string]any {
	return map[string]any{
		"name":          strOrNil(js.Name),
		"folder":        strOrNil(js.Folder),
		"key":           strOrNil(js.Key),
		"workstationId": strOrNil(js.WorkstationID),
		"workstation":   strOrNil(js.Workstation),
		"common":        strOrNil(string(js.Common)),
		"internal":      strOrNil(string(js.Internal)),
		"sub":           strOrNil(string(js.Sub)),
		"late":          js.Late,
		"priority":      int64(js.Priority),
		"schedTime":     timeOrNil(js.SchedTime),
		"deadline":      timeOrNil(js.Deadline),
	}
}

func jobProps(j workload.Job) map[string]any {
	return map[string]any{
		"name":                strOrNil(j.Name),
		"folder":              strOrNil(j.Folder),
		"key":                 strOrNil(j.Key),
		"workstationId":       strOrNil(j.WorkstationID),
		"workstation":         strOrNil(j.Workstation),
		"streamId":            strOrNil(j.StreamID),
		"stream":              strOrNil(j.StreamName),
		"common":              strOrNil(string(j.Common)),
		"internal":            strOrNil(string(j.Internal)),
		"sub":                 strOrNil(string(j.Sub)),
		"critical":            j.Critical,
		"late":                j.Late,
		"deadlinePassed":      j.DeadlinePassed,
		"priority":            int64(j.Priority),
		"schedTime":           timeOrNil(j.SchedTime),
		"deadline":            timeOrNil(j.Deadline),
		"criticalStart":       timeOrNil(j.CriticalStart),
		"estimatedDurationMs": j.EstimatedDuration.Milliseconds(),
	}
}

// strOrNil stores empty strings as absent properties (SET += removes them).
func strOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}
