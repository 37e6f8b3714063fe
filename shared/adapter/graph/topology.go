package graph

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"
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
// Every topology node carries engine (Config.Engine), fp (a fingerprint of
// what the plan list said of it when it was last written) and syncGen (the
// generation of the last sync that wrote or swept it). A job or stream node
// also keeps its outgoing dependencies as lists (depIds, depSat, depCrit,
// depType), from which its edges are made.
//
// A sync is incremental. It compares each listed object's fingerprint with
// the node's and writes only the objects that are new or changed, so a sync
// of an unchanged plan writes nothing; the caller fetches details (the
// dependencies HWA leaves out of lists) only for those. A node's edges are
// written with it; one whose other end is not in the graph yet is labelled
// TopologyPending and Commit makes its edges inside Neo4j, in batches, once
// every node of the plan exists, so the sync holds one page at a time and
// never the plan's edges. Removal: Commit
// compares the number of the engine's nodes with what was listed; only when
// the plan lost objects does the caller list again and mark what it sees
// (Seen*), and Commit removes the rest.

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

// ListedJob is a job as a page of the plan's job list shows it: without its
// dependencies, and with Mark, what the list does say about them (HWA's
// dependenciesStats counts, which change when a dependency is added,
// removed or satisfied). A job whose fields and Mark are those the graph
// holds is not changed; only changed jobs have their details fetched.
type ListedJob struct {
	Job  workload.Job
	Mark string
}

// ListedStream is ListedJob for a job stream.
type ListedStream struct {
	Stream workload.JobStream
	Mark   string
}

// Details completes the page entries at the indexes given (in increasing
// order), typically by fetching their dependencies, before they are
// written. It may change nothing else than the dependencies.
type Details func(ctx context.Context, changed []int) error

// SyncOptions adjust one sync.
type SyncOptions struct {
	// Rewrite treats every listed object as changed: details are fetched
	// and nodes and edges written for all (a full re-sync, for example
	// after a change the fingerprints cannot see).
	Rewrite bool
}

// SyncResult counts what one topology sync saw, wrote and removed.
type SyncResult struct {
	// Generation is the generation of the sync; a sync that wrote and
	// removed nothing takes no new one and reports the last.
	Generation int64
	// Workstations, Streams and Jobs count the objects listed (the plan).
	Workstations int
	Streams      int
	Jobs         int
	// Changed* count the nodes written because they were new or changed.
	ChangedWorkstations int
	ChangedStreams      int
	ChangedJobs         int
	// Edges counts the IN_STREAM, RUNS_ON and DEPENDS_ON edges written
	// (those of changed nodes).
	Edges int
	// Dangling counts edges not written because one end is not in the
	// graph (for example a predecessor in another engine's plan).
	Dangling int
	// Swept is true when the plan lost objects and a sweep pass marked the
	// objects still listed.
	Swept bool
	// Removed* count the nodes of earlier syncs that left the plan, and
	// edges of changed nodes that they no longer have (the edges of
	// removed nodes go with them uncounted).
	RemovedWorkstations int
	RemovedStreams      int
	RemovedJobs         int
	RemovedEdges        int
}

// Sweep says which kinds of object the graph holds more of than the sync
// listed, so that the caller must list them again and mark them with
// Seen*; Commit then removes the unmarked ones.
type Sweep struct {
	Workstations, Streams, Jobs bool
}

// Any reports whether any kind needs a sweep.
func (s Sweep) Any() bool { return s.Workstations || s.Streams || s.Jobs }

// UpsertTopology stores a whole plan snapshot and removes what has left the
// plan (see TopologySync). Running it twice with the same snapshot leaves
// the same graph, and the second run writes nothing. It returns ErrInvalid
// for an object without an id and ErrUnavailable when Neo4j cannot be
// reached; a failed sync removes nothing, and the next sync completes the
// picture.
func (s *Store) UpsertTopology(ctx context.Context, snap Snapshot) (SyncResult, error) {
	t, err := s.BeginTopology(ctx, SyncOptions{})
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
	sw := t.NeedsSweep()
	if sw.Workstations {
		if err := t.SeenWorkstations(ctx, idsOf(snap.Workstations, func(w workload.Workstation) string { return w.ID })); err != nil {
			return t.res, err
		}
	}
	if sw.Streams {
		if err := t.SeenStreams(ctx, idsOf(snap.Streams, func(js workload.JobStream) string { return js.ID })); err != nil {
			return t.res, err
		}
	}
	if sw.Jobs {
		if err := t.SeenJobs(ctx, idsOf(snap.Jobs, func(j workload.Job) string { return j.ID })); err != nil {
			return t.res, err
		}
	}
	return t.Commit(ctx)
}

func idsOf[T any](xs []T, id func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

// TopologySync writes one plan snapshot in pages, so a sync can stream pages
// from HWA without holding the plan: each page is compared with the graph
// and its new and changed objects written (in batches of Config.BatchSize);
// Commit makes their edges and removes what left the plan. Pages may come in
// any order, and pages of the list methods may run concurrently (so that
// one page's HWA details overlap another's graph write); NeedsSweep, Seen*
// and Commit come after every page returned. Syncs of one engine must not
// overlap (the schedule runs them one at a time).
type TopologySync struct {
	s       *Store
	opts    SyncOptions
	gen     int64 // the generation this sync writes with
	lastGen int64 // the generation the graph holds
	taken   bool  // gen is stored in the SyncState
	synced  bool  // a sync of the engine has completed before
	// before: the engine's nodes per label when the sync began; fresh: the
	// listed objects that had no node; listed: the objects listed.
	before, fresh, listed map[string]int
	swept                 map[string]bool
	res                   SyncResult
	mu                    sync.Mutex // guards the fields above while pages run concurrently
}

// locked runs f holding t.mu.
func (t *TopologySync) locked(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f()
}

// Labels of the topology (constants spliced into queries, never input).
const (
	labelWorkstation = "Workstation"
	labelStream      = "JobStream"
	labelJob         = "Job"
)

// fpVersion changes when what a fingerprint covers changes, so that the
// next sync rewrites every node.
const fpVersion = "topology/3"

// BeginTopology starts a sync. It reads the engine's sync state and node
// counts and writes nothing. It returns ErrUnavailable when Neo4j cannot be
// reached.
func (s *Store) BeginTopology(ctx context.Context, opts SyncOptions) (*TopologySync, error) {
	res, err := s.read(ctx, `
CALL () { MATCH (n:Workstation) WHERE n.engine = $engine AND n.syncGen IS NOT NULL RETURN count(n) AS ws }
CALL () { MATCH (n:JobStream) WHERE n.engine = $engine AND n.syncGen IS NOT NULL RETURN count(n) AS streams }
CALL () { MATCH (n:Job) WHERE n.engine = $engine AND n.syncGen IS NOT NULL RETURN count(n) AS jobs }
OPTIONAL MATCH (st:SyncState {id: $key})
RETURN ws, streams, jobs, coalesce(st.gen, 0) AS gen, st.completedGen IS NOT NULL AS synced`,
		map[string]any{"key": s.syncKey(), "engine": s.engine})
	if err != nil {
		return nil, fmt.Errorf("graph: begin topology sync: %w", err)
	}
	if len(res.Records) != 1 {
		return nil, fmt.Errorf("graph: begin topology sync: %d state records, want 1", len(res.Records))
	}
	rec := res.Records[0]
	num := func(k string) int64 { v, _ := rec.Get(k); n, _ := v.(int64); return n }
	synced, _ := rec.Get("synced")
	last := num("gen")
	t := &TopologySync{
		s: s, opts: opts, gen: last + 1, lastGen: last,
		before: map[string]int{labelWorkstation: int(num("ws")), labelStream: int(num("streams")), labelJob: int(num("jobs"))},
		fresh:  map[string]int{}, listed: map[string]int{}, swept: map[string]bool{},
		res: SyncResult{Generation: last},
	}
	t.synced, _ = synced.(bool)
	return t, nil
}

func (s *Store) syncKey() string { return "topology:" + s.engine }

// Generation returns the generation this sync writes with.
func (t *TopologySync) Generation() int64 { return t.gen }

// Workstations compares workstations (a complete list page) with the graph
// and writes the new and changed ones. It returns ErrInvalid for a
// workstation without an id.
func (t *TopologySync) Workstations(ctx context.Context, ws []workload.Workstation) error {
	rows := make([]row, 0, len(ws))
	for _, w := range ws {
		if w.ID == "" {
			return fmt.Errorf("graph: sync workstations: %w: workstation %q has no id", ErrInvalid, w.Name)
		}
		rows = append(rows, newRow(w.ID, workstationProps(w), ""))
	}
	n, err := t.page(ctx, labelWorkstation, rows, nil)
	t.locked(func() { t.res.Workstations += len(rows); t.res.ChangedWorkstations += n })
	if err != nil {
		return fmt.Errorf("graph: sync workstations: %w", err)
	}
	return nil
}

// Streams is ListedStreams for streams whose Dependencies are complete.
func (t *TopologySync) Streams(ctx context.Context, ss []workload.JobStream) error {
	page := make([]ListedStream, len(ss))
	for i, js := range ss {
		page[i] = ListedStream{Stream: js, Mark: depMark(js.Dependencies)}
	}
	return t.ListedStreams(ctx, page, nil)
}

// ListedStreams compares a page of the stream list with the graph, calls
// details (when not nil) for the new and changed streams, and writes them
// with their stream dependencies. It returns ErrInvalid for a stream
// without an id and details' error wrapped.
func (t *TopologySync) ListedStreams(ctx context.Context, page []ListedStream, details Details) error {
	n, changed, err := t.comparePage(ctx, labelStream, "stream", len(page), details,
		func(i int) (string, string, map[string]any, string) {
			e := page[i]
			return e.Stream.ID, e.Stream.Name, streamProps(e.Stream), e.Mark
		},
		func(i int) (d deps) {
			js := page[i].Stream
			for _, dep := range js.Dependencies {
				if dep.StreamID != "" && dep.JobID == "" && dep.StreamID != js.ID {
					d.add(dep.StreamID, dep)
				}
			}
			return d
		})
	t.locked(func() { t.res.Streams += n; t.res.ChangedStreams += changed })
	if err != nil {
		return fmt.Errorf("graph: sync streams: %w", err)
	}
	return nil
}

// Jobs is ListedJobs for jobs whose Dependencies are complete.
func (t *TopologySync) Jobs(ctx context.Context, js []workload.Job) error {
	page := make([]ListedJob, len(js))
	for i, j := range js {
		page[i] = ListedJob{Job: j, Mark: depMark(j.Dependencies)}
	}
	return t.ListedJobs(ctx, page, nil)
}

// ListedJobs compares a page of the job list with the graph, calls details
// (when not nil) for the new and changed jobs, and writes them with their
// job dependencies; their stream, workstation and dependency edges are made
// by Commit. It returns ErrInvalid for a job without an id and details'
// error wrapped.
func (t *TopologySync) ListedJobs(ctx context.Context, page []ListedJob, details Details) error {
	n, changed, err := t.comparePage(ctx, labelJob, "job", len(page), details,
		func(i int) (string, string, map[string]any, string) {
			e := page[i]
			return e.Job.ID, e.Job.Name, jobProps(e.Job), e.Mark
		},
		func(i int) (d deps) {
			j := page[i].Job
			for _, dep := range j.Dependencies {
				if dep.JobID != "" && dep.JobID != j.ID {
					d.add(dep.JobID, dep)
				}
			}
			return d
		})
	t.locked(func() { t.res.Jobs += n; t.res.ChangedJobs += changed })
	if err != nil {
		return fmt.Errorf("graph: sync jobs: %w", err)
	}
	return nil
}

// comparePage compares one list page of a kind (label, what in errors): rowOf gives
// the id, name, properties and dependency mark of entry i, depsOf the
// same-kind dependencies of an entry that changed, read after details has
// completed it. It returns how many entries the page had and how many were
// written.
func (t *TopologySync) comparePage(ctx context.Context, label, what string, size int, details Details,
	rowOf func(i int) (id, name string, props map[string]any, mark string), depsOf func(i int) deps) (int, int, error) {
	rows := make([]row, 0, size)
	for i := range size {
		id, name, props, mark := rowOf(i)
		if id == "" {
			return 0, 0, fmt.Errorf("%w: %s %q has no id", ErrInvalid, what, name)
		}
		rows = append(rows, newRow(id, props, mark))
	}
	changed, err := t.page(ctx, label, rows, func(ctx context.Context, changed []int) error {
		if details != nil {
			if err := details(ctx, changed); err != nil {
				return err
			}
		}
		for _, i := range changed {
			rows[i].deps = depsOf(i)
		}
		return nil
	})
	return len(rows), changed, err
}

// row is one object to compare and perhaps write.
type row struct {
	id    string
	props map[string]any
	fp    int64
	deps  deps
}

func newRow(id string, props map[string]any, mark string) row {
	return row{id: id, props: props, fp: fingerprint(props, mark)}
}

// synced reports whether a topology sync of the store's engine has
// completed.
func (s *Store) synced(ctx context.Context) (bool, error) {
	res, err := s.read(ctx, `MATCH (st:SyncState {id: $key}) WHERE st.completedGen IS NOT NULL RETURN st.completedGen AS gen`,
		map[string]any{"key": s.syncKey()})
	if err != nil {
		return false, err
	}
	return len(res.Records) > 0, nil
}

// deps are a node's outgoing dependencies, as parallel lists (Neo4j
// properties hold lists of one type, not maps). Duplicates merge: critical
// if any record is critical, satisfied only if every record is.
type deps struct {
	ids       []string
	sat, crit []bool
	typ       []string
}

func (d *deps) add(to string, dep workload.Dependency) {
	sat := dep.Satisfied || dep.Status == workload.DepSatisfied
	if i := slices.Index(d.ids, to); i >= 0 {
		d.crit[i] = d.crit[i] || dep.Critical
		d.sat[i] = d.sat[i] && sat
		if d.typ[i] == "" {
			d.typ[i] = string(dep.Type)
		}
		return
	}
	d.ids = append(d.ids, to)
	d.sat = append(d.sat, sat)
	d.crit = append(d.crit, dep.Critical)
	d.typ = append(d.typ, string(dep.Type))
}

// page compares rows with the graph and writes the new and changed ones;
// complete (when not nil) fills their deps first. It returns how many were
// written.
func (t *TopologySync) page(ctx context.Context, label string, rows []row, complete Details) (int, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	changed, err := t.changed(ctx, label, rows)
	if err != nil || len(changed) == 0 {
		return 0, err
	}
	if complete != nil {
		if err := complete(ctx, changed); err != nil {
			return 0, err
		}
	}
	if err := t.takeGeneration(ctx); err != nil {
		return 0, err
	}
	pending := label != labelWorkstation
	query := "UNWIND $rows AS row MERGE (a:" + label + " {id: row.id}) " +
		"SET a += row.props, a.engine = $engine, a.syncGen = $gen, a.fp = row.fp"
	switch label {
	case labelJob:
		query += ", a.depIds = row.depIds, a.depSat = row.depSat, a.depCrit = row.depCrit, a.depType = row.depType" + jobEdgesOf + writeTail
	case labelStream:
		query += ", a.depIds = row.depIds, a.depSat = row.depSat, a.depCrit = row.depCrit, a.depType = row.depType" + streamEdgesOf + writeTail
	default:
		query += " RETURN count(a) AS n"
	}
	written := 0
	for start := 0; start < len(changed); start += t.s.batchSize {
		end := min(start+t.s.batchSize, len(changed))
		batch := make([]map[string]any, 0, end-start)
		for _, i := range changed[start:end] {
			r := rows[i]
			m := map[string]any{"id": r.id, "props": r.props, "fp": r.fp}
			if pending {
				m["depIds"], m["depSat"], m["depCrit"], m["depType"] = listOrNil(r.deps.ids), listOrNil(r.deps.sat), listOrNil(r.deps.crit), listOrNil(r.deps.typ)
			}
			batch = append(batch, m)
		}
		res, err := t.s.write(ctx, query, map[string]any{"rows": batch, "engine": t.s.engine, "gen": t.gen})
		if err != nil {
			return written, fmt.Errorf("upsert %s batch %d-%d: %w", label, start, end, err)
		}
		if len(res.Records) > 0 {
			written += t.count(res.Records[0])
		}
	}
	return written, nil
}

// changed returns the indexes of the rows whose node is missing, of another
// engine or has another fingerprint (all rows with Rewrite), counting the
// rows without a node of this engine as fresh (ids are unique across
// engines: a node of another engine with the id is taken over, as MERGE
// by id always did). A row whose id came earlier in the page counts once.
func (t *TopologySync) changed(ctx context.Context, label string, rows []row) ([]int, error) {
	seen := make(map[string]bool, len(rows))
	batch := make([]map[string]any, 0, len(rows))
	for i, r := range rows {
		if seen[r.id] {
			continue
		}
		seen[r.id] = true
		batch = append(batch, map[string]any{"i": int64(i), "id": r.id, "fp": r.fp})
	}
	query := "UNWIND $rows AS row OPTIONAL MATCH (n:" + label + " {id: row.id}) " +
		"WITH row, n WHERE $rewrite OR n IS NULL OR n.fp IS NULL OR n.fp <> row.fp OR n.engine <> $engine " +
		"RETURN row.i AS i, n IS NULL OR n.engine <> $engine AS fresh"
	var out []int
	fresh := 0
	for start := 0; start < len(batch); start += t.s.batchSize {
		end := min(start+t.s.batchSize, len(batch))
		res, err := t.s.read(ctx, query, map[string]any{"rows": batch[start:end], "engine": t.s.engine, "rewrite": t.opts.Rewrite})
		if err != nil {
			return nil, fmt.Errorf("compare %s batch %d-%d: %w", label, start, end, err)
		}
		for _, rec := range res.Records {
			i, _ := rec.Get("i")
			isFresh, _ := rec.Get("fresh")
			n, _ := i.(int64)
			out = append(out, int(n))
			if f, _ := isFresh.(bool); f {
				fresh++
			}
		}
	}
	t.locked(func() { t.listed[label] += len(batch); t.fresh[label] += fresh })
	slices.Sort(out)
	return out, nil
}

// takeGeneration stores this sync's generation before its first write.
func (t *TopologySync) takeGeneration(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.taken {
		return nil
	}
	if _, err := t.s.write(ctx, `MERGE (st:SyncState {id: $key}) SET st.gen = $gen, st.engine = $engine`,
		map[string]any{"key": t.s.syncKey(), "gen": t.gen, "engine": t.s.engine}); err != nil {
		return fmt.Errorf("take generation: %w", err)
	}
	t.taken = true
	t.res.Generation = t.gen
	return nil
}

// NeedsSweep reports, after every page was given, which kinds the graph
// holds objects of that the pages did not list: the engine's nodes when the
// sync began plus the new ones are more than the objects listed.
func (t *TopologySync) NeedsSweep() Sweep {
	t.mu.Lock()
	defer t.mu.Unlock()
	stale := func(label string) bool { return t.before[label]+t.fresh[label] != t.listed[label] }
	return Sweep{Workstations: stale(labelWorkstation), Streams: stale(labelStream), Jobs: stale(labelJob)}
}

// SeenWorkstations marks workstations as still in the plan (a sweep pass,
// after NeedsSweep): once it was called, Commit removes every workstation
// of the engine neither written nor marked by this sync. The same holds for
// SeenStreams and SeenJobs. Errors: ErrUnavailable.
func (t *TopologySync) SeenWorkstations(ctx context.Context, ids []string) error {
	return t.seen(ctx, labelWorkstation, ids)
}

// SeenStreams is SeenWorkstations for job streams.
func (t *TopologySync) SeenStreams(ctx context.Context, ids []string) error {
	return t.seen(ctx, labelStream, ids)
}

// SeenJobs is SeenWorkstations for jobs.
func (t *TopologySync) SeenJobs(ctx context.Context, ids []string) error {
	return t.seen(ctx, labelJob, ids)
}

func (t *TopologySync) seen(ctx context.Context, label string, ids []string) error {
	if err := t.takeGeneration(ctx); err != nil {
		return fmt.Errorf("graph: sync sweep %s: %w", label, err)
	}
	t.locked(func() { t.swept[label] = true; t.res.Swept = true })
	query := "UNWIND $ids AS id MATCH (n:" + label + " {id: id}) WHERE n.engine = $engine SET n.syncGen = $gen RETURN count(n) AS n"
	for start := 0; start < len(ids); start += t.s.batchSize {
		end := min(start+t.s.batchSize, len(ids))
		if _, err := t.s.write(ctx, query, map[string]any{"ids": ids[start:end], "engine": t.s.engine, "gen": t.gen}); err != nil {
			return fmt.Errorf("graph: sync sweep %s batch %d-%d: %w", label, start, end, err)
		}
	}
	return nil
}

// Commit makes the edges of the nodes this sync wrote, removes the nodes
// of every swept kind that the sweep did not mark, and marks the sync
// complete. A sync that wrote nothing and removed nothing writes nothing
// here either. After an error nothing was removed; pending edges are made
// by the next sync.
func (t *TopologySync) Commit(ctx context.Context) (SyncResult, error) {
	for _, step := range []struct{ query, what string }{
		{resolveJobEdges, "job edges"},
		{resolveStreamEdges, "stream edges"},
	} {
		if err := t.resolve(ctx, step.query); err != nil {
			return t.res, fmt.Errorf("graph: sync commit: %s: %w", step.what, err)
		}
	}
	for _, step := range []struct {
		label string
		count *int
	}{
		{labelJob, &t.res.RemovedJobs},
		{labelStream, &t.res.RemovedStreams},
		{labelWorkstation, &t.res.RemovedWorkstations},
	} {
		if !t.swept[step.label] {
			continue
		}
		query := "MATCH (n:" + step.label + ") WHERE n.engine = $engine AND n.syncGen < $gen " +
			"WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS n"
		n, err := t.s.deleteInBatches(ctx, query, t.gen)
		*step.count += n
		if err != nil {
			return t.res, fmt.Errorf("graph: sync commit: remove stale %s nodes: %w", step.label, err)
		}
	}
	// Only now does the graph hold a whole plan: readers tell "not synced
	// yet" from "job not in the plan" by this mark.
	if t.taken || !t.synced {
		if _, err := t.s.write(ctx, `MERGE (st:SyncState {id: $key})
SET st.gen = $gen, st.engine = $engine, st.completedGen = $gen, st.completedAt = datetime()`,
			map[string]any{"key": t.s.syncKey(), "gen": t.gen, "engine": t.s.engine}); err != nil {
			return t.res, fmt.Errorf("graph: sync commit: mark complete: %w", err)
		}
		t.res.Generation = t.gen
	}
	return t.res, nil
}

// Edges are made in the write of their node when the other ends exist
// already (streams and workstations come first, most predecessors too);
// a node with an end still missing is labelled TopologyPending and Commit
// makes its edges again, once every node of the plan is there, counting
// the ends still missing as dangling. edgesOf removes the outgoing edges
// node a no longer has and merges those it has; it leaves edges (written),
// gone (removed) and missing.
const (
	jobEdgesOf = `
WITH a, coalesce(a.depIds, []) AS ids
CALL (a, ids) {
  OPTIONAL MATCH (a)-[old]->(b)
  WHERE (type(old) = 'DEPENDS_ON' AND NOT b.id IN ids)
     OR (type(old) = 'IN_STREAM' AND (a.streamId IS NULL OR b.id <> a.streamId))
     OR (type(old) = 'RUNS_ON' AND (a.workstationId IS NULL OR b.id <> a.workstationId))
  DELETE old
  RETURN count(old) AS gone
}
CALL (a) {
  OPTIONAL MATCH (s:JobStream {id: a.streamId})
  FOREACH (_ IN CASE WHEN s IS NULL THEN [] ELSE [1] END | MERGE (a)-[:IN_STREAM]->(s))
  RETURN count(s) AS ins
}
CALL (a) {
  OPTIONAL MATCH (w:Workstation {id: a.workstationId})
  FOREACH (_ IN CASE WHEN w IS NULL THEN [] ELSE [1] END | MERGE (a)-[:RUNS_ON]->(w))
  RETURN count(w) AS ros
}
CALL (a, ids) {
  UNWIND range(0, size(ids) - 1) AS i
  MATCH (b:Job {id: ids[i]})
  MERGE (a)-[r:DEPENDS_ON]->(b)
  SET r.satisfied = a.depSat[i], r.critical = a.depCrit[i],
      r.type = CASE a.depType[i] WHEN '' THEN null ELSE a.depType[i] END
  RETURN count(r) AS deps
}
WITH a, gone, ins + ros + deps AS edges,
  size(ids) + CASE WHEN a.streamId IS NULL THEN 0 ELSE 1 END + CASE WHEN a.workstationId IS NULL THEN 0 ELSE 1 END
    - ins - ros - deps AS missing`
	streamEdgesOf = `
WITH a, coalesce(a.depIds, []) AS ids
CALL (a, ids) {
  OPTIONAL MATCH (a)-[old:DEPENDS_ON]->(b)
  WHERE NOT b.id IN ids
  DELETE old
  RETURN count(old) AS gone
}
CALL (a, ids) {
  UNWIND range(0, size(ids) - 1) AS i
  MATCH (b:JobStream {id: ids[i]})
  MERGE (a)-[r:DEPENDS_ON]->(b)
  SET r.satisfied = a.depSat[i], r.critical = a.depCrit[i],
      r.type = CASE a.depType[i] WHEN '' THEN null ELSE a.depType[i] END
  RETURN count(r) AS deps
}
WITH a, gone, deps AS edges, size(ids) - deps AS missing`

	// writeTail ends a node write after edgesOf: a node with an end missing
	// is left pending, and its edges are counted when Commit makes them.
	writeTail = `
FOREACH (_ IN CASE WHEN missing > 0 THEN [1] ELSE [] END | SET a:TopologyPending)
RETURN count(a) AS n, sum(CASE WHEN missing > 0 THEN 0 ELSE edges END) AS edges, sum(gone) AS gone, 0 AS dangling`

	// Commit takes at most $limit of the engine's pending nodes per query
	// (scanning the pending label, not Job: a Job scan would pass over
	// every node already done, once per batch) until none is left, so no
	// transaction grows with the plan.
	resolveHead = ` USING SCAN a:TopologyPending WHERE a.engine = $engine
WITH a LIMIT $limit
REMOVE a:TopologyPending`
	resolveTail = `
RETURN count(a) AS n, sum(edges) AS edges, sum(gone) AS gone, sum(missing) AS dangling`

	resolveJobEdges    = "MATCH (a:TopologyPending:Job)" + resolveHead + jobEdgesOf + resolveTail
	resolveStreamEdges = "MATCH (a:TopologyPending:JobStream)" + resolveHead + streamEdgesOf + resolveTail
)

func (t *TopologySync) resolve(ctx context.Context, query string) error {
	for {
		res, err := t.s.write(ctx, query, map[string]any{"engine": t.s.engine, "limit": int64(t.s.batchSize)})
		if err != nil {
			return err
		}
		if len(res.Records) == 0 {
			return nil
		}
		if t.count(res.Records[0]) < t.s.batchSize {
			return nil
		}
	}
}

// count adds a write's edges, removed edges and dangling ends to the result
// and returns its n.
func (t *TopologySync) count(rec *neo4j.Record) int {
	num := func(k string) int { v, _ := rec.Get(k); n, _ := v.(int64); return int(n) }
	t.locked(func() {
		t.res.Edges += num("edges")
		t.res.RemovedEdges += num("gone")
		t.res.Dangling += num("dangling")
	})
	return num("n")
}

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

// depMark summarises complete dependencies for the fingerprint, so that a
// change of any of them makes the object changed.
func depMark(ds []workload.Dependency) string {
	if len(ds) == 0 {
		return ""
	}
	var b []byte
	for _, d := range ds {
		b = append(b, d.Type...)
		b = append(b, 0)
		b = append(b, d.JobID...)
		b = append(b, 0)
		b = append(b, d.StreamID...)
		b = append(b, 0)
		b = strconv.AppendBool(b, d.Satisfied || d.Status == workload.DepSatisfied)
		b = strconv.AppendBool(b, d.Critical)
		b = append(b, 1)
	}
	return string(b)
}

// fingerprint hashes a node's properties (in key order) and mark with
// xxHash64: stable across processes and releases, unlike hash/maphash.
// Strings are written length-prefixed, which is as unambiguous as quoting
// and cheaper: a sync fingerprints every listed object.
func fingerprint(props map[string]any, mark string) int64 {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	buf := make([]byte, 0, 512)
	buf = append(buf, fpVersion...)
	for _, k := range keys {
		buf = append(buf, 0)
		buf = append(buf, k...)
		buf = append(buf, '=')
		switch v := props[k].(type) {
		case nil:
			buf = append(buf, '-')
		case string:
			buf = appendLenString(buf, v)
		case bool:
			buf = strconv.AppendBool(buf, v)
		case int64:
			buf = strconv.AppendInt(buf, v, 10)
		case time.Time:
			buf = v.AppendFormat(buf, time.RFC3339Nano)
		case []string:
			for _, s := range v {
				buf = appendLenString(buf, s)
			}
		default:
			buf = fmt.Append(buf, v)
		}
	}
	buf = append(buf, 0)
	buf = append(buf, mark...)
	return int64(xxhash.Sum64(buf))
}

// appendLenString appends s as its length, a colon and its bytes.
func appendLenString(buf []byte, s string) []byte {
	buf = strconv.AppendInt(buf, int64(len(s)), 10)
	buf = append(buf, ':')
	return append(buf, s...)
}

// listOrNil stores an empty list as an absent property.
func listOrNil[T any](xs []T) any {
	if len(xs) == 0 {
		return nil
	}
	return xs
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
