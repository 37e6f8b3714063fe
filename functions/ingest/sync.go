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
	// Streams and Jobs yield the plan lists with, for each object, what the
	// list says about its dependencies (graph's Mark) and whether it has
	// any the graph models (the list does not carry them; Stream and Job
	// fetch them).
	Streams(ctx context.Context) iter.Seq2[listedStream, error]
	Stream(ctx context.Context, id string) (workload.JobStream, error)
	Jobs(ctx context.Context) iter.Seq2[listedJob, error]
	Job(ctx context.Context, id string) (workload.Job, error)
}

// listedJob is a job from the plan list and whether it has job dependencies.
type listedJob struct {
	graph.ListedJob
	hasDeps bool
}

// listedStream is a job stream from the plan list and whether it has
// stream dependencies.
type listedStream struct {
	graph.ListedStream
	hasDeps bool
}

// hwaPlan adapts *hwa.Client to planSource.
type hwaPlan struct{ c *hwa.Client }

// syncPageSize is the page size of the plan lists in a sync, and
// syncPagesAhead how many of their pages are read in parallel: listing is
// most of an incremental sync (the lists carry no modification time, so
// every job is listed to find the few that changed), and HWA serves pages
// in parallel.
const (
	syncPageSize   = 500
	syncPagesAhead = 4
)

// syncQuery is the query of a sync's plan lists.
func syncQuery() hwa.Query { return hwa.Query{PageSize: syncPageSize, Ahead: syncPagesAhead} }

func (p hwaPlan) Workstations(ctx context.Context) ([]workload.Workstation, error) {
	return p.c.ListWorkstations(ctx, syncQuery())
}

func (p hwaPlan) Streams(ctx context.Context) iter.Seq2[listedStream, error] {
	return func(yield func(listedStream, error) bool) {
		for s, err := range p.c.JobStreamsInPlan(ctx, syncQuery()) {
			ls := listedStream{ListedStream: graph.ListedStream{Stream: hwa.ConvertJobStream(s), Mark: depsMark(s.DependenciesStats)}}
			// Without stats, fetch the details to be sure.
			ls.hasDeps = s.DependenciesStats == nil || s.DependenciesStats.NumberOfJobStreamDependencies > 0
			if !yield(ls, err) || err != nil {
				return
			}
		}
	}
}

func (p hwaPlan) Stream(ctx context.Context, id string) (workload.JobStream, error) {
	s, _, err := p.c.JobStream(ctx, id)
	return s, err
}

func (p hwaPlan) Jobs(ctx context.Context) iter.Seq2[listedJob, error] {
	return func(yield func(listedJob, error) bool) {
		for j, err := range p.c.JobsInPlan(ctx, syncQuery()) {
			lj := listedJob{ListedJob: graph.ListedJob{Job: hwa.ConvertJob(j), Mark: depsMark(j.DependenciesStats)}}
			lj.hasDeps = j.DependenciesStats == nil || j.DependenciesStats.NumberOfJobDependencies > 0
			if !yield(lj, err) || err != nil {
				return
			}
		}
	}
}

func (p hwaPlan) Job(ctx context.Context, id string) (workload.Job, error) { return p.c.Job(ctx, id) }

// depsMark is what a list says about an object's dependencies: HWA's
// dependenciesStats counts, which change when a dependency is added,
// removed or resolved. Without stats every sync sees the object as it was
// and its dependency edges follow only a Rewrite sync.
func depsMark(st *hwa.DependenciesStats) string {
	if st == nil {
		return "no stats"
	}
	return fmt.Sprintf("%d/%d/%d/%d", st.NumberOfDependencies, st.NumberOfJobDependencies,
		st.NumberOfJobStreamDependencies, st.NumberOfUnresolvedDependencies)
}

// syncTopology copies the plan into the graph incrementally and in bounded
// memory: it streams the workstation, stream and job lists page by page;
// the graph compares each page with what it holds, and only for the new
// and changed objects are the details (which carry the dependencies the
// lists leave out) fetched, with at most fetchParallel calls in flight, and
// written. A sync of an unchanged plan reads the lists and writes nothing.
// When the plan lost objects (the graph holds more than was listed) the
// lists are read a second time to mark what is still there, and Commit
// removes the rest. On error nothing is removed and the next sync completes
// the picture.
func (h *handler) syncTopology(ctx context.Context) (graph.SyncResult, error) {
	start := h.now()
	sync, err := h.topology.BeginTopology(ctx, graph.SyncOptions{})
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

	// Streams, the changed ones with their details for the stream dependencies.
	err = eachPage(ctx, h.plan.Streams(ctx), h.topologyBuffer, pagesInFlight, func(ctx context.Context, page []listedStream) error {
		entries := make([]graph.ListedStream, len(page))
		for i, s := range page {
			entries[i] = s.ListedStream
		}
		return sync.ListedStreams(ctx, entries, func(ctx context.Context, changed []int) error {
			return h.details(ctx, changed, func(ctx context.Context, i int) error {
				if !page[i].hasDeps {
					return nil
				}
				full, err := h.plan.Stream(ctx, entries[i].Stream.ID)
				if err != nil {
					return fmt.Errorf("stream %s: %w", entries[i].Stream.ID, err)
				}
				entries[i].Stream.Dependencies = full.Dependencies
				return nil
			})
		})
	})
	if err != nil {
		return graph.SyncResult{}, fmt.Errorf("ingest: topology sync: streams: %w", err)
	}

	// Jobs; the details only of changed ones with job dependencies.
	err = eachPage(ctx, h.plan.Jobs(ctx), h.topologyBuffer, pagesInFlight, func(ctx context.Context, page []listedJob) error {
		entries := make([]graph.ListedJob, len(page))
		for i, j := range page {
			entries[i] = j.ListedJob
		}
		return sync.ListedJobs(ctx, entries, func(ctx context.Context, changed []int) error {
			return h.details(ctx, changed, func(ctx context.Context, i int) error {
				if !page[i].hasDeps {
					return nil
				}
				full, err := h.plan.Job(ctx, entries[i].Job.ID)
				if err != nil {
					return fmt.Errorf("job %s: %w", entries[i].Job.ID, err)
				}
				entries[i].Job.Dependencies = full.Dependencies
				return nil
			})
		})
	})
	if err != nil {
		return graph.SyncResult{}, fmt.Errorf("ingest: topology sync: jobs: %w", err)
	}

	if err := h.sweep(ctx, sync, ws); err != nil {
		return graph.SyncResult{}, fmt.Errorf("ingest: topology sync: %w", err)
	}
	res, err := sync.Commit(ctx)
	if err != nil {
		return res, fmt.Errorf("ingest: topology sync: %w", err)
	}
	h.log.InfoContext(ctx, "topology synced", "generation", res.Generation, "workstations", res.Workstations,
		"streams", res.Streams, "jobs", res.Jobs, "changedWorkstations", res.ChangedWorkstations,
		"changedStreams", res.ChangedStreams, "changedJobs", res.ChangedJobs, "edges", res.Edges, "dangling", res.Dangling,
		"swept", res.Swept, "removedJobs", res.RemovedJobs, "removedStreams", res.RemovedStreams,
		"removedWorkstations", res.RemovedWorkstations, "removedEdges", res.RemovedEdges,
		"seconds", h.now().Sub(start).Seconds())
	return res, nil
}

// sweep lists again, page by page, the kinds the graph holds more of than
// the sync listed, and marks what is still in the plan (graph.Sweep): the
// plan lost objects, which happens when HWA extends the plan.
func (h *handler) sweep(ctx context.Context, sync *graph.TopologySync, ws []workload.Workstation) error {
	sw := sync.NeedsSweep()
	if sw.Workstations {
		ids := make([]string, len(ws))
		for i, w := range ws {
			ids[i] = w.ID
		}
		if err := sync.SeenWorkstations(ctx, ids); err != nil {
			return err
		}
	}
	if sw.Streams {
		if err := sync.SeenStreams(ctx, nil); err != nil { // a plan without streams removes them all
			return err
		}
		if err := eachPage(ctx, h.plan.Streams(ctx), h.topologyBuffer, 1, func(ctx context.Context, page []listedStream) error {
			ids := make([]string, len(page))
			for i, s := range page {
				ids[i] = s.Stream.ID
			}
			return sync.SeenStreams(ctx, ids)
		}); err != nil {
			return fmt.Errorf("sweep streams: %w", err)
		}
	}
	if sw.Jobs {
		if err := sync.SeenJobs(ctx, nil); err != nil {
			return err
		}
		if err := eachPage(ctx, h.plan.Jobs(ctx), h.topologyBuffer, 1, func(ctx context.Context, page []listedJob) error {
			ids := make([]string, len(page))
			for i, j := range page {
				ids[i] = j.Job.ID
			}
			return sync.SeenJobs(ctx, ids)
		}); err != nil {
			return fmt.Errorf("sweep jobs: %w", err)
		}
	}
	return nil
}

// pagesInFlight is how many pages a sync works on at once: while one
// page is written to the graph the next one's details are fetched from HWA.
const pagesInFlight = 2

// eachPage hands seq to flush in pages of size, with at most inFlight
// pages being flushed at once; memory is bounded by inFlight+1 pages. It
// stops at the first error of either.
func eachPage[T any](ctx context.Context, seq iter.Seq2[T, error], size, inFlight int, flush func(context.Context, []T) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(inFlight)
	page := make([]T, 0, size)
	for x, err := range seq {
		if err != nil {
			_ = g.Wait()
			return err
		}
		if page = append(page, x); len(page) == size {
			p := page
			g.Go(func() error { return flush(ctx, p) })
			page = make([]T, 0, size)
		}
		if ctx.Err() != nil {
			break // a flush failed
		}
	}
	if len(page) > 0 {
		g.Go(func() error { return flush(ctx, page) })
	}
	return g.Wait()
}

// details runs fetch(i) for each i of idx with at most fetchParallel in flight.
func (h *handler) details(ctx context.Context, idx []int, fetch func(ctx context.Context, i int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(h.fetchParallel)
	for _, i := range idx {
		g.Go(func() error { return fetch(ctx, i) })
	}
	return g.Wait()
}
