package graph

import (
	"context"
	"fmt"
	"slices"
	"strconv"
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

// benchSizes are the plan sizes of the graph benchmarks (issue 14: each
// tenfold step should cost at most ~10x).
var benchSizes = []int{1000, 10000, 100000}

// BenchmarkUpsertTopology syncs a synthetic plan straight into the graph
// (no HWA): the first, creating sync is timed once and reported as
// initial-s; the loop re-syncs with 1 % of the jobs changed (their status
// flips), the steady state of the schedule.
func BenchmarkUpsertTopology(b *testing.B) {
	for _, n := range benchSizes {
		b.Run("jobs="+strconv.Itoa(n), func(b *testing.B) {
			s := newTestStore(b)
			ctx := context.Background()
			snap := synthPlan(s.engine+"/", n)
			start := time.Now()
			first, err := s.UpsertTopology(ctx, snap)
			if err != nil {
				b.Fatalf("initial UpsertTopology: %v", err)
			}
			initial := time.Since(start)
			if first.ChangedJobs != n || first.Dangling != 0 {
				b.Fatalf("initial sync = %+v, want %d jobs written and no dangling edge", first, n)
			}
			i := 0
			for b.Loop() {
				b.StopTimer()
				for k := i % 100; k < n; k += 100 {
					snap.Jobs[k].Priority++
				}
				b.StartTimer()
				res, err := s.UpsertTopology(ctx, snap)
				if err != nil {
					b.Fatalf("UpsertTopology: %v", err)
				}
				if res.ChangedJobs != (n+99-i%100)/100 || res.RemovedJobs != 0 {
					b.Fatalf("re-sync = %+v, want 1 %% of jobs written and nothing removed", res)
				}
				i++
			}
			b.ReportMetric(initial.Seconds(), "initial-s")
			b.ReportMetric(float64(n)/initial.Seconds(), "initial-jobs/s")
		})
	}
}

// BenchmarkImpact times the three impact queries for a job in the middle of
// a stream of the synthetic plan at each size, and reports p50 and p99.
func BenchmarkImpact(b *testing.B) {
	for _, n := range benchSizes {
		b.Run("jobs="+strconv.Itoa(n), func(b *testing.B) {
			s := newTestStore(b)
			ctx := context.Background()
			prefix := s.engine + "/"
			if _, err := s.UpsertTopology(ctx, synthPlan(prefix, n)); err != nil {
				b.Fatalf("UpsertTopology: %v", err)
			}
			// Stream n/100, job 20: 29 jobs after it in its stream, and
			// every 7th job has a predecessor in the stream before.
			id := fmt.Sprintf("%sJ%05d", prefix, (n/100)*50+20)
			for _, q := range []struct {
				name string
				run  func() error
			}{
				{"successors-depth10", func() error { _, err := s.Successors(ctx, id, 10); return err }},
				{"why-waiting", func() error { _, err := s.WhyWaiting(ctx, id); return err }},
				{"on-critical-path", func() error { _, err := s.OnCriticalPath(ctx, id); return err }},
			} {
				b.Run(q.name, func(b *testing.B) {
					if err := q.run(); err != nil { // warm the plan cache
						b.Fatal(err)
					}
					var lat []time.Duration
					for b.Loop() {
						t0 := time.Now()
						if err := q.run(); err != nil {
							b.Fatal(err)
						}
						lat = append(lat, time.Since(t0))
					}
					reportLatency(b, lat)
				})
			}
		})
	}
}

// reportLatency reports the p50 and p99 of lat in milliseconds.
func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
