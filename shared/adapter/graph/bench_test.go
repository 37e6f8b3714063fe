package graph

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/resync/resync/shared/domain/workload"
)

// synthPlan builds a plan of n jobs: 40 workstations, one stream per 50 jobs,
// each job depending on the previous job of its stream, every 7th also on a
// job of the previous stream, every 10th stream on the one before it; a mix
// of statuses, every 25th job critical with critical edges on its chain.
func synthPlan(prefix string, n int) Snapshot {
	const perStream, nWS = 50, 40
	var snap Snapshot
	for w := range nWS {
		snap.Workstations = append(snap.Workstations, workload.Workstation{
			ID: fmt.Sprintf("%sW%02d", prefix, w), Name: fmt.Sprintf("WS%02d", w),
			Type: workload.WorkstationType("FTA"), States: []workload.WorkstationState{workload.StateLinked},
		})
	}
	nStreams := (n + perStream - 1) / perStream
	for s := range nStreams {
		js := workload.JobStream{
			ID: fmt.Sprintf("%sS%04d", prefix, s), Name: fmt.Sprintf("STREAM%04d", s),
			WorkstationID: snap.Workstations[s%nWS].ID, Internal: workload.StreamExec,
		}
		if s > 0 && s%10 == 0 {
			js.Dependencies = []workload.Dependency{{Type: workload.DepExternalJobStream, StreamID: fmt.Sprintf("%sS%04d", prefix, s-1)}}
		}
		snap.Streams = append(snap.Streams, js)
	}
	statuses := []workload.InternalStatus{workload.InternalSucc, workload.InternalSucc, workload.InternalExec,
		workload.InternalHold, workload.InternalReady, workload.InternalAbend}
	sched := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for i := range n {
		s := i / perStream
		j := workload.Job{
			ID: fmt.Sprintf("%sJ%05d", prefix, i), Name: fmt.Sprintf("JOB%05d", i),
			StreamID: snap.Streams[s].ID, StreamName: snap.Streams[s].Name,
			WorkstationID: snap.Workstations[i%nWS].ID, Workstation: snap.Workstations[i%nWS].Name,
			Internal: statuses[i%len(statuses)], Priority: 10, SchedTime: sched.Add(time.Duration(i) * time.Second),
			Critical: i%25 == 24,
		}
		j.Key = j.Workstation + "#" + j.StreamName + "." + j.Name
		if i%perStream > 0 {
			j.Dependencies = append(j.Dependencies, workload.Dependency{
				Type: workload.DepInternal, JobID: fmt.Sprintf("%sJ%05d", prefix, i-1),
				Critical: i%25 >= 20, Satisfied: i%3 == 0,
			})
		}
		if s > 0 && i%7 == 0 && i-perStream-3 >= 0 {
			j.Dependencies = append(j.Dependencies, workload.Dependency{
				Type: workload.DepExternalJob, JobID: fmt.Sprintf("%sJ%05d", prefix, i-perStream-3),
			})
		}
		snap.Jobs = append(snap.Jobs, j)
	}
	return snap
}

// BenchmarkUpsertTopology20k syncs a 20,000-job plan: the first (creating)
// sync is timed once and reported as initial-s; the loop re-syncs the same
// plan (the steady state of the 15-minute schedule) and reports jobs/s.
func BenchmarkUpsertTopology20k(b *testing.B) {
	s := newTestStore(b)
	ctx := context.Background()
	snap := synthPlan(s.engine+"/", 20000)

	start := time.Now()
	first, err := s.UpsertTopology(ctx, snap)
	if err != nil {
		b.Fatalf("initial UpsertTopology: %v", err)
	}
	initial := time.Since(start)
	if first.Jobs != 20000 || first.Dangling != 0 {
		b.Fatalf("initial sync = %+v, want 20000 jobs and no dangling edge", first)
	}

	b.ResetTimer()
	for b.Loop() {
		res, err := s.UpsertTopology(ctx, snap)
		if err != nil {
			b.Fatalf("UpsertTopology: %v", err)
		}
		if res.RemovedJobs != 0 || res.Jobs != 20000 {
			b.Fatalf("re-sync = %+v, want 20000 jobs and nothing removed", res)
		}
	}
	b.ReportMetric(initial.Seconds(), "initial-s")
	b.ReportMetric(float64(20000*b.N)/b.Elapsed().Seconds(), "jobs/s")
}

// BenchmarkImpact20k times the three impact queries on the 20,000-job plan
// for a job in the middle of a stream.
func BenchmarkImpact20k(b *testing.B) {
	s := newTestStore(b)
	ctx := context.Background()
	prefix := s.engine + "/"
	if _, err := s.UpsertTopology(ctx, synthPlan(prefix, 20000)); err != nil {
		b.Fatalf("UpsertTopology: %v", err)
	}
	id := prefix + "J10020" // stream 200, job 20: 29 jobs after it in the stream
	b.Run("Successors/depth10", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Successors(ctx, id, 10); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("WhyWaiting", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.WhyWaiting(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("OnCriticalPath", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.OnCriticalPath(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
	})
}
