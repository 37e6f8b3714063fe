package main

import (
	"context"
	"fmt"
	"iter"

	"golang.org/x/sync/errgroup"

	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/domain/workload"
)

// planSource reads the plan from HWA (hwaPlan over *hwa.Client).
type planSource interface {
	Workstations(ctx context.Context) ([]workload.Workstation, error)
	Streams(ctx context.Context) iter.Seq2[workload.JobStream, error]
	Stream(ctx context.Context, id string) (workload.JobStream, error)
	// Jobs yields the plan's jobs and whether each has job dependencies
	// (the list does not carry them; Job fetches them).
	Jobs(ctx context.Context) iter.Seq2[listedJob, error]
	Job(ctx context.Context, id string) (workload.Job, error)
}

// listedJob is a job from the plan list and whether it has dependencies.
type listedJob struct {
	job     workload.Job
	hasDeps bool
}

// hwaPlan adapts *hwa.Client to planSource.
type hwaPlan struct{ c *hwa.Client }

// syncPageSize is the page size of the plan lists in a sync.
const syncPageSize = 500

func (p hwaPlan) Workstations(ctx context.Context) ([]workload.Workstation, error) {
	return p.c.ListWorkstations(ctx, hwa.Query{PageSize: syncPageSize})
}

func (p hwaPlan) Streams(ctx context.Context) iter.Seq2[workload.JobStream, error] {
	return p.c.JobStreams(ctx, hwa.Query{PageSize: syncPageSize})
}

func (p hwaPlan) Stream(ctx context.Context, id string) (workload.JobStream, error) {
	s, _, err := p.c.JobStream(ctx, id)
	return s, err
}

func (p hwaPlan) Jobs(ctx context.Context) iter.Seq2[listedJob, error] {
	return func(yield func(listedJob, error) bool) {
		for j, err := range p.c.JobsInPlan(ctx, hwa.Query{PageSize: syncPageSize}) {
			lj := listedJob{job: hwa.ConvertJob(j)}
			// Without stats, fetch the details to be sure.
			lj.hasDeps = j.DependenciesStats == nil || j.DependenciesStats.NumberOfJobDependencies > 0
			if !yield(lj, err) || err != nil {
				return
			}
		}
	}
}

func (p hwaPlan) Job(ctx context.Context, id string) (workload.Job, error) { return p.c.Job(ctx, id) }

// syncTopology copies the plan into the graph in bounded memory: it streams
// the job and stream lists page by page, fetches the details (which carry
// the dependencies the lists leave out) of each stream and of each job that
// has job dependencies with at most fetchParallel calls in flight, and hands
// the graph batches of topologyBuffer objects; the graph keeps only the edge
// id pairs until Commit, which removes what left the plan. On error nothing
// is removed and the next sync completes the picture.
func (h *handler) syncTopology(ctx context.Context) (graph.SyncResult, error) {
	start := h.now()
	sync, err := h.topology.BeginTopology(ctx)
	if err != nil {
		return graph.SyncResult{}, fmt.Errorf("ingest: topology sync: %w", err)
	}
	ws, err := h.plan.Workstations(ctx)
	if err != nil {
		return graph.SyncResult{}, fmt.Errorf("ingest: topology sync: workstations: %w", err)
	}
	if err := sync.Workstations(ctx, ws); err != nil {
		return graph.SyncResult{}, fmt.Errorf("ingest: topology sync: %w", err)
	}

	// Streams, each with its details for the stream dependencies.
	var streams []workload.JobStream
	flushStreams := func() error {
		if err := h.details(ctx, len(streams), func(ctx context.Context, i int) error {
			full, err := h.plan.Stream(ctx, streams[i].ID)
			if err != nil {
				return fmt.Errorf("stream %s: %w", streams[i].ID, err)
			}
			streams[i].Dependencies = full.Dependencies
			return nil
		}); err != nil {
			return err
		}
		err := sync.Streams(ctx, streams)
		streams = streams[:0]
		return err
	}
	for s, err := range h.plan.Streams(ctx) {
		if err != nil {
			return graph.SyncResult{}, fmt.Errorf("ingest: topology sync: streams: %w", err)
		}
		if streams = append(streams, s); len(streams) == h.topologyBuffer {
			if err := flushStreams(); err != nil {
				return graph.SyncResult{}, fmt.Errorf("ingest: topology sync: %w", err)
			}
		}
	}
	if err := flushStreams(); err != nil {
		return graph.SyncResult{}, fmt.Errorf("ingest: topology sync: %w", err)
	}

	// Jobs; the details only of those with job dependencies.
	var jobs []listedJob
	flushJobs := func() error {
		if err := h.details(ctx, len(jobs), func(ctx context.Context, i int) error {
			if !jobs[i].hasDeps {
				return nil
			}
			full, err := h.plan.Job(ctx, jobs[i].job.ID)
			if err != nil {
				return fmt.Errorf("job %s: %w", jobs[i].job.ID, err)
			}
			jobs[i].job.Dependencies = full.Dependencies
			return nil
		}); err != nil {
			return err
		}
		batch := make([]workload.Job, len(jobs))
		for i, j := range jobs {
			batch[i] = j.job
		}
		jobs = jobs[:0]
		return sync.Jobs(ctx, batch)
	}
	for j, err := range h.plan.Jobs(ctx) {
		if err != nil {
			return graph.SyncResult{}, fmt.Errorf("ingest: topology sync: jobs: %w", err)
		}
		if jobs = append(jobs, j); len(jobs) == h.topologyBuffer {
			if err := flushJobs(); err != nil {
				return graph.SyncResult{}, fmt.Errorf("ingest: topology sync: %w", err)
			}
		}
	}
	if err := flushJobs(); err != nil {
		return graph.SyncResult{}, fmt.Errorf("ingest: topology sync: %w", err)
	}
	res, err := sync.Commit(ctx)
	if err != nil {
		return res, fmt.Errorf("ingest: topology sync: %w", err)
	}
	h.log.InfoContext(ctx, "topology synced", "generation", res.Generation, "workstations", res.Workstations,
		"streams", res.Streams, "jobs", res.Jobs, "edges", res.Edges, "dangling", res.Dangling,
		"removedJobs", res.RemovedJobs, "removedStreams", res.RemovedStreams, "removedWorkstations", res.RemovedWorkstations,
		"removedEdges", res.RemovedEdges, "seconds", h.now().Sub(start).Seconds())
	return res, nil
}

// details runs fetch(i) for i in [0, n) with at most fetchParallel in flight.
func (h *handler) details(ctx context.Context, n int, fetch func(ctx context.Context, i int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(h.fetchParallel)
	for i := range n {
		g.Go(func() error { return fetch(ctx, i) })
	}
	return g.Wait()
}
