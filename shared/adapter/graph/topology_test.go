package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/shared/domain/workload"
)

// testPlan is a small hand-built plan with known answers (ids get a prefix
// so parallel test runs cannot collide):
//
//	stream S1 on W1:  A (SUCC) <- B (ABEND) <-crit- C (HOLD) <-crit- D (HOLD, critical job) <-crit- K (HOLD)
//	                  B -crit-> A (satisfied)          C <- E (HOLD, non-critical edge)
//	stream S2 on W2 (S2 depends on S1):
//	                  F (HOLD, priority zero: operator hold)   H (READY, late)   I (EXEC)
//	                  G (HOLD) -> F (unsatisfied), -> A (satisfied), -> H (unsatisfied)
//	                  J (HOLD) -> I (unsatisfied)
type testPlan struct {
	prefix string
	snap   Snapshot
}

func (p testPlan) id(name string) string { return p.prefix + name }

func newTestPlan(prefix string) testPlan {
	p := testPlan{prefix: prefix}
	id := p.id
	sched := time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	job := func(name, stream, ws string, internal workload.InternalStatus, common workload.CommonStatus, deps ...workload.Dependency) workload.Job {
		return workload.Job{
			ID: id(name), Name: name, Key: ws + "#" + stream + "." + name,
			StreamID: id(stream), StreamName: stream, WorkstationID: id(ws), Workstation: ws,
			Internal: internal, Common: common, Priority: 10, SchedTime: sched,
			EstimatedDuration: 90 * time.Second, Dependencies: deps,
		}
	}
	dep := func(pred string, satisfied, critical bool) workload.Dependency {
		d := workload.Dependency{Type: workload.DepInternal, JobID: id(pred), JobName: pred, Satisfied: satisfied, Critical: critical, Status: workload.DepUnsatisfied}
		if satisfied {
			d.Status = workload.DepSatisfied
		}
		return d
	}
	a := job("A", "S1", "W1", workload.InternalSucc, workload.CommonSuccessful)
	b := job("B", "S1", "W1", workload.InternalAbend, workload.CommonError, dep("A", true, true))
	c := job("C", "S1", "W1", workload.InternalHold, workload.CommonWaiting, dep("B", false, true))
	c.Sub = workload.SubHoldWaitingForPredecessor
	d := job("D", "S1", "W1", workload.InternalHold, workload.CommonWaiting, dep("C", false, true))
	d.Critical, d.Sub = true, workload.SubHoldWaitingForPredecessor
	d.Deadline = sched.Add(2 * time.Hour)
	d.CriticalStart = sched.Add(time.Hour)
	k := job("K", "S1", "W1", workload.InternalHold, workload.CommonWaiting, dep("D", false, true))
	e := job("E", "S1", "W1", workload.InternalHold, workload.CommonWaiting, dep("C", false, false))
	f := job("F", "S2", "W2", workload.InternalHold, workload.CommonHeld)
	f.Sub = workload.SubHoldPriorityZero
	h := job("H", "S2", "W2", workload.InternalReady, workload.CommonReady)
	h.Late, h.Sub = true, workload.SubReadyWaitingForResources
	i := job("I", "S2", "W2", workload.InternalExec, workload.CommonRunning)
	g := job("G", "S2", "W2", workload.InternalHold, workload.CommonWaiting, dep("F", false, false), dep("A", true, false), dep("H", false, false))
	j := job("J", "S2", "W2", workload.InternalHold, workload.CommonWaiting, dep("I", false, false))

	p.snap = Snapshot{
		Workstations: []workload.Workstation{
			{ID: id("W1"), Name: "W1", Type: workload.WorkstationType("FTA"), States: []workload.WorkstationState{workload.StateLinked, workload.StateRunning}, Limit: 10},
			{ID: id("W2"), Name: "W2", Type: workload.WorkstationType("AGENT"), Ignore: true},
		},
		Streams: []workload.JobStream{
			{ID: id("S1"), Name: "S1", WorkstationID: id("W1"), Internal: workload.StreamExec, Common: workload.CommonRunning},
			{ID: id("S2"), Name: "S2", WorkstationID: id("W2"), Internal: workload.StreamHold, Common: workload.CommonWaiting, Late: true,
				Dependencies: []workload.Dependency{{Type: workload.DepExternalJobStream, StreamID: id("S1"), Status: workload.DepUnsatisfied}}},
		},
		Jobs: []workload.Job{a, b, c, d, k, e, f, h, i, g, j},
	}
	return p
}

// counts returns the engine's nodes by label and edges by type.
func counts(t *testing.T, s *Store) map[string]int {
	t.Helper()
	res, err := s.read(context.Background(), `
MATCH (n) WHERE n.engine = $engine
CALL (n) {
  OPTIONAL MATCH (n)-[r]->() RETURN collect(type(r)) AS types
}
RETURN labels(n)[0] AS label, types`, map[string]any{"engine": s.engine})
	if err != nil {
		t.Fatalf("count: %v", err)
	}
	out := map[string]int{}
	for _, r := range res.Records {
		label, _ := r.Get("label")
		out[label.(string)]++
		types, _ := r.Get("types")
		for _, ty := range types.([]any) {
			out[label.(string)+"-"+ty.(string)]++
		}
	}
	return out
}

func TestUpsertTopologyIdempotent(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	p := newTestPlan(s.engine + "/")

	first, err := s.UpsertTopology(ctx, p.snap)
	if err != nil {
		t.Fatalf("first UpsertTopology: %v", err)
	}
	want := SyncResult{Generation: 1, Workstations: 2, Streams: 2, Jobs: 11,
		ChangedWorkstations: 2, ChangedStreams: 2, ChangedJobs: 11,
		// 11 IN_STREAM + 11 RUNS_ON + 9 job deps (B,C,D,K,E, G x3, J) + 1 stream dep
		Edges: 32}
	if first != want {
		t.Errorf("first sync = %+v, want %+v", first, want)
	}
	wantCounts := map[string]int{
		"Workstation": 2, "JobStream": 2, "Job": 11, "SyncState": 1,
		"Job-IN_STREAM": 11, "Job-RUNS_ON": 11, "Job-DEPENDS_ON": 9, "JobStream-DEPENDS_ON": 1,
	}
	if got := counts(t, s); !mapsEqual(got, wantCounts) {
		t.Errorf("after first sync: counts = %v, want %v", got, wantCounts)
	}

	second, err := s.UpsertTopology(ctx, p.snap)
	if err != nil {
		t.Fatalf("second UpsertTopology: %v", err)
	}
	// The same plan again: nothing changed, nothing written, no new generation.
	want = SyncResult{Generation: 1, Workstations: 2, Streams: 2, Jobs: 11}
	if second != want {
		t.Errorf("second sync = %+v, want %+v", second, want)
	}
	if got := counts(t, s); !mapsEqual(got, wantCounts) {
		t.Errorf("after second sync: counts = %v, want %v", got, wantCounts)
	}

	// Properties round-trip through the graph into the domain type.
	for _, in := range p.snap.Jobs {
		got, err := s.Job(ctx, in.ID)
		if err != nil {
			t.Fatalf("Job(%s): %v", in.ID, err)
		}
		in.Dependencies = nil
		if !jobsEqual(got, in) {
			t.Errorf("Job(%s) = %+v, want %+v", in.ID, got, in)
		}
	}
}

func TestUpsertTopologyRemovesWhatLeftThePlan(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	p := newTestPlan(s.engine + "/")
	if _, err := s.UpsertTopology(ctx, p.snap); err != nil {
		t.Fatalf("UpsertTopology: %v", err)
	}

	// Next plan: E, J and I left, workstation W2 left (F, G and H now run on
	// W1), G no longer depends on H, the stream dependency is gone.
	next := newTestPlan(s.engine + "/")
	next.snap.Workstations = next.snap.Workstations[:1]
	next.snap.Streams[1].Dependencies = nil
	var jobs []workload.Job
	for _, j := range next.snap.Jobs {
		switch j.Name {
		case "E", "J", "I":
			continue
		case "G":
			j.Dependencies = j.Dependencies[:2]
		}
		if j.WorkstationID == next.id("W2") {
			j.WorkstationID, j.Workstation = next.id("W1"), "W1"
		}
		jobs = append(jobs, j)
	}
	next.snap.Jobs = jobs

	got, err := s.UpsertTopology(ctx, next.snap)
	if err != nil {
		t.Fatalf("UpsertTopology (next plan): %v", err)
	}
	want := SyncResult{Generation: 2, Workstations: 1, Streams: 2, Jobs: 8,
		// Changed: S2 (its dependency), F, G, H (their workstation; G its
		// dependencies). Their edges: F, H 2 each, G 2 + G->F, G->A.
		ChangedStreams: 1, ChangedJobs: 3, Edges: 2 + 4 + 2,
		Swept: true, RemovedWorkstations: 1, RemovedJobs: 3,
		// Edges the changed nodes no longer have: F/G/H RUNS_ON W2, G->H,
		// S2->S1. E, J and I took their own edges with them (DETACH DELETE).
		RemovedEdges: 5}
	if got != want {
		t.Errorf("sync of the next plan = %+v, want %+v", got, want)
	}
	wantCounts := map[string]int{
		"Workstation": 1, "JobStream": 2, "Job": 8, "SyncState": 1,
		"Job-IN_STREAM": 8, "Job-RUNS_ON": 8, "Job-DEPENDS_ON": 6,
	}
	if got := counts(t, s); !mapsEqual(got, wantCounts) {
		t.Errorf("after the next plan: counts = %v, want %v", got, wantCounts)
	}
	if _, err := s.Job(ctx, p.id("E")); !errors.Is(err, ErrNotFound) {
		t.Errorf("Job(E) after it left the plan: error = %v, want ErrNotFound", err)
	}
	wa, err := s.WhyWaiting(ctx, p.id("G"))
	if err != nil {
		t.Fatalf("WhyWaiting(G): %v", err)
	}
	if got := rootNames(wa.Blockers); !slices.Equal(got, []string{"F"}) {
		t.Errorf("WhyWaiting(G) roots after G stopped depending on H = %v, want [F]", got)
	}
}

func TestUpsertTopologyDanglingAndInvalid(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	p := newTestPlan(s.engine + "/")
	p.snap.Jobs[0].Dependencies = []workload.Dependency{{Type: workload.DepExternalJob, JobID: p.id("NOT-IN-PLAN")}}
	got, err := s.UpsertTopology(ctx, p.snap)
	if err != nil {
		t.Fatalf("UpsertTopology: %v", err)
	}
	if got.Dangling != 1 {
		t.Errorf("Dangling = %d, want 1 (predecessor outside the plan)", got.Dangling)
	}

	bad := newTestPlan(s.engine + "/")
	bad.snap.Jobs[3].ID = ""
	if _, err := s.UpsertTopology(ctx, bad.snap); !errors.Is(err, ErrInvalid) {
		t.Errorf("UpsertTopology with a job without id: error = %v, want ErrInvalid", err)
	}
	// The failed sync removed nothing.
	if n := counts(t, s)["Job"]; n != 11 {
		t.Errorf("jobs after a failed sync = %d, want 11", n)
	}
}

func TestTopologySyncInPiecesAnyOrder(t *testing.T) {
	s := newTestStore(t)
	s.batchSize = 3 // force several batches per piece
	ctx := context.Background()
	p := newTestPlan(s.engine + "/")

	sync, err := s.BeginTopology(ctx, SyncOptions{})
	if err != nil {
		t.Fatalf("BeginTopology: %v", err)
	}
	// Jobs first, in two pages, then streams and workstations.
	if err := sync.Jobs(ctx, p.snap.Jobs[6:]); err != nil {
		t.Fatalf("Jobs page 2: %v", err)
	}
	if err := sync.Jobs(ctx, p.snap.Jobs[:6]); err != nil {
		t.Fatalf("Jobs page 1: %v", err)
	}
	if err := sync.Streams(ctx, p.snap.Streams); err != nil {
		t.Fatalf("Streams: %v", err)
	}
	if err := sync.Workstations(ctx, p.snap.Workstations); err != nil {
		t.Fatalf("Workstations: %v", err)
	}
	got, err := sync.Commit(ctx)
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	want := SyncResult{Generation: 1, Workstations: 2, Streams: 2, Jobs: 11,
		ChangedWorkstations: 2, ChangedStreams: 2, ChangedJobs: 11, Edges: 32}
	if got != want {
		t.Errorf("sync in pieces = %+v, want %+v", got, want)
	}
}

func TestSuccessors(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	p := newTestPlan(s.engine + "/")
	if _, err := s.UpsertTopology(ctx, p.snap); err != nil {
		t.Fatalf("UpsertTopology: %v", err)
	}
	tests := []struct {
		job   string
		depth int
		want  []string // name@depth, * = reached through critical dependencies only, ! = critical job
	}{
		{"A", 1, []string{"B@1*", "G@1"}},
		{"A", 2, []string{"B@1*", "G@1", "C@2*"}},
		{"A", 10, []string{"B@1*", "C@2*", "D@3*!", "E@3", "K@4*", "G@1"}},
		{"B", 100, []string{"C@1*", "D@2*!", "E@2", "K@3*"}},
		{"C", 1, []string{"D@1*!", "E@1"}},
		{"F", 5, []string{"G@1"}},
		{"K", 3, []string{}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s depth %d", tt.job, tt.depth), func(t *testing.T) {
			got, err := s.Successors(ctx, p.id(tt.job), tt.depth)
			if err != nil {
				t.Fatalf("Successors: %v", err)
			}
			names := []string{}
			for _, sc := range got {
				n := fmt.Sprintf("%s@%d", sc.Job.Name, sc.Depth)
				if sc.CriticalDependency {
					n += "*"
				}
				if sc.Job.Critical {
					n += "!"
				}
				names = append(names, n)
			}
			want := slices.Clone(tt.want)
			slices.SortFunc(want, byDepthThenKey)
			if !slices.Equal(names, want) {
				t.Errorf("Successors(%s, %d) = %v, want %v", tt.job, tt.depth, names, want)
			}
		})
	}

	if _, err := s.Successors(ctx, p.id("nope"), 3); !errors.Is(err, ErrNotFound) {
		t.Errorf("Successors(unknown) error = %v, want ErrNotFound", err)
	}
	if _, err := s.Successors(ctx, p.id("A"), 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("Successors(depth 0) error = %v, want ErrInvalid", err)
	}
}

// byDepthThenKey orders expected "name@depth" strings as Successors orders
// results (depth, then key; keys here share the prefix W?#S?., and A-K sort
// the same way within a workstation).
func byDepthThenKey(a, b string) int {
	da, db := a[strings.Index(a, "@")+1:], b[strings.Index(b, "@")+1:]
	if c := strings.Compare(strings.TrimRight(da, "*!"), strings.TrimRight(db, "*!")); c != 0 {
		return c
	}
	ka, kb := keyOf(a[:strings.Index(a, "@")]), keyOf(b[:strings.Index(b, "@")])
	return strings.Compare(ka, kb)
}

func keyOf(name string) string {
	if strings.Contains("FGHIJ", name) {
		return "W2#S2." + name
	}
	return "W1#S1." + name
}

func TestWhyWaiting(t *testing.T) {
	s := newTestStore(t)
	s.now = func() time.Time { return time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC) }
	ctx := context.Background()
	p := newTestPlan(s.engine + "/")
	if _, err := s.UpsertTopology(ctx, p.snap); err != nil {
		t.Fatalf("UpsertTopology: %v", err)
	}
	type blocker struct {
		root     string
		reason   Reason
		chain    string
		critical bool
	}
	tests := []struct {
		job         string
		wantWaiting bool
		want        []blocker
	}{
		{"D", true, []blocker{{"B", ReasonAbended, "C>B", true}}},
		{"K", true, []blocker{{"B", ReasonAbended, "D>C>B", true}}},
		{"E", true, []blocker{{"B", ReasonAbended, "C>B", false}}},
		{"G", true, []blocker{{"F", ReasonHeld, "F", false}, {"H", ReasonLate, "H", false}}},
		{"J", true, []blocker{{"I", ReasonRunning, "I", false}}},
		{"B", false, nil}, // abended itself; its predecessor A succeeded
		{"A", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.job, func(t *testing.T) {
			wa, err := s.WhyWaiting(ctx, p.id(tt.job))
			if err != nil {
				t.Fatalf("WhyWaiting: %v", err)
			}
			if wa.Waiting != tt.wantWaiting {
				t.Errorf("Waiting = %v (%q), want %v", wa.Waiting, wa.Why, tt.wantWaiting)
			}
			var got []blocker
			for _, b := range wa.Blockers {
				var chain []string
				for _, j := range b.Chain {
					chain = append(chain, j.Name)
				}
				if b.Root.ID != b.Chain[len(b.Chain)-1].ID {
					t.Errorf("root %s is not the end of its chain %v", b.Root.Name, chain)
				}
				if b.Detail == "" {
					t.Errorf("blocker %s has no detail", b.Root.Name)
				}
				got = append(got, blocker{b.Root.Name, b.Reason, strings.Join(chain, ">"), b.Critical})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("WhyWaiting(%s) blockers = %+v, want %+v", tt.job, got, tt.want)
			}
		})
	}

	wa, err := s.WhyWaiting(ctx, p.id("G"))
	if err != nil {
		t.Fatalf("WhyWaiting(G): %v", err)
	}
	if len(wa.Blockers) == 2 {
		if d := wa.Blockers[0].Detail; !strings.Contains(d, "priority is zero") {
			t.Errorf("held detail = %q, want the substatus reason", d)
		}
		if !wa.Blockers[1].Late {
			t.Errorf("blocker H: Late = false, want true")
		}
	}
	if _, err := s.WhyWaiting(ctx, p.id("nope")); !errors.Is(err, ErrNotFound) {
		t.Errorf("WhyWaiting(unknown) error = %v, want ErrNotFound", err)
	}
}

func TestOnCriticalPath(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	p := newTestPlan(s.engine + "/")
	if _, err := s.UpsertTopology(ctx, p.snap); err != nil {
		t.Fatalf("UpsertTopology: %v", err)
	}
	tests := []struct {
		job   string
		want  bool
		feeds string
	}{
		{"D", true, ""}, // critical itself; nothing critical downstream
		{"C", true, "D"},
		{"B", true, "D"},
		{"A", true, "D"},
		{"K", false, ""}, // downstream of D, feeds nothing critical
		{"E", false, ""},
		{"F", false, ""},
		{"G", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.job, func(t *testing.T) {
			cp, err := s.OnCriticalPath(ctx, p.id(tt.job))
			if err != nil {
				t.Fatalf("OnCriticalPath: %v", err)
			}
			var feeds []string
			for _, f := range cp.Feeds {
				feeds = append(feeds, f.Name)
			}
			if cp.OnPath != tt.want || strings.Join(feeds, ",") != tt.feeds {
				t.Errorf("OnCriticalPath(%s) = %v feeds %v, want %v feeds %q", tt.job, cp.OnPath, feeds, tt.want, tt.feeds)
			}
		})
	}
	if _, err := s.OnCriticalPath(ctx, p.id("nope")); !errors.Is(err, ErrNotFound) {
		t.Errorf("OnCriticalPath(unknown) error = %v, want ErrNotFound", err)
	}
}

func rootNames(bs []Blocker) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Root.Name)
	}
	return out
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func jobsEqual(a, b workload.Job) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Folder == b.Folder && a.Key == b.Key &&
		a.WorkstationID == b.WorkstationID && a.Workstation == b.Workstation &&
		a.StreamID == b.StreamID && a.StreamName == b.StreamName &&
		a.Common == b.Common && a.Internal == b.Internal && a.Sub == b.Sub &&
		a.Critical == b.Critical && a.Late == b.Late && a.DeadlinePassed == b.DeadlinePassed &&
		a.Priority == b.Priority && a.SchedTime.Equal(b.SchedTime) && a.Deadline.Equal(b.Deadline) &&
		a.CriticalStart.Equal(b.CriticalStart) && a.EstimatedDuration == b.EstimatedDuration &&
		len(a.Runs) == 0 && len(a.Dependencies) == 0
}

// Before any topology sync of its engine has completed the graph answers
// ErrNotSynced for a job it does not hold (so the fallback can say "not
// synced yet"); after one, an unknown job is ErrNotFound.
func TestNotSyncedIsToldFromNotFound(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	const unknown = "00000000-0000-4000-8000-00000000abcd"
	if _, err := s.Successors(ctx, unknown, 2); !errors.Is(err, ErrNotSynced) || errors.Is(err, ErrNotFound) {
		t.Errorf("before a sync: %v, want ErrNotSynced only", err)
	}
	if _, err := s.WhyWaiting(ctx, unknown); !errors.Is(err, ErrNotSynced) {
		t.Errorf("why-waiting before a sync: %v, want ErrNotSynced", err)
	}
	// A sync that began but did not commit is not a synced graph.
	if _, err := s.BeginTopology(ctx, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Job(ctx, unknown); !errors.Is(err, ErrNotSynced) {
		t.Errorf("after an uncommitted sync: %v, want ErrNotSynced", err)
	}
	if _, err := s.UpsertTopology(ctx, newTestPlan(s.engine+"/").snap); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Successors(ctx, unknown, 2); !errors.Is(err, ErrNotFound) || errors.Is(err, ErrNotSynced) {
		t.Errorf("after a sync: %v, want ErrNotFound only", err)
	}
}

// syncState returns the engine's stored generation.
func syncState(t *testing.T, s *Store) int64 {
	t.Helper()
	res, err := s.read(context.Background(), `MATCH (st:SyncState {id: $key}) RETURN st.gen AS gen`, map[string]any{"key": s.syncKey()})
	if err != nil || len(res.Records) != 1 {
		t.Fatalf("sync state: %d records, %v", len(res.Records), err)
	}
	g, _ := res.Records[0].Get("gen")
	return g.(int64)
}

// An incremental sync from list pages: details are asked for only the
// changed jobs, only they are written, and their edges follow their new
// dependencies; a sync that finds nothing new writes nothing (not even a
// generation); Rewrite writes everything again.
func TestListedSyncIsIncremental(t *testing.T) {
	s := newTestStore(t)
	s.batchSize = 4
	ctx := context.Background()
	p := newTestPlan(s.engine + "/")
	if _, err := s.UpsertTopology(ctx, p.snap); err != nil {
		t.Fatalf("UpsertTopology: %v", err)
	}
	// listed is the plan as list pages show it: no dependencies, their
	// summary in Mark. asked records the jobs whose details were fetched.
	run := func(snap Snapshot, opts SyncOptions) (SyncResult, []string) {
		t.Helper()
		sync, err := s.BeginTopology(ctx, opts)
		if err != nil {
			t.Fatalf("BeginTopology: %v", err)
		}
		if err := sync.Workstations(ctx, snap.Workstations); err != nil {
			t.Fatal(err)
		}
		if err := sync.Streams(ctx, snap.Streams); err != nil {
			t.Fatal(err)
		}
		var asked []string
		for start := 0; start < len(snap.Jobs); start += 5 {
			end := min(start+5, len(snap.Jobs))
			page := make([]ListedJob, 0, end-start)
			for _, j := range snap.Jobs[start:end] {
				mark := depMark(j.Dependencies)
				j.Dependencies = nil
				page = append(page, ListedJob{Job: j, Mark: mark})
			}
			full := snap.Jobs[start:end]
			if err := sync.ListedJobs(ctx, page, func(_ context.Context, changed []int) error {
				for _, i := range changed {
					asked = append(asked, page[i].Job.Name)
					page[i].Job.Dependencies = full[i].Dependencies
				}
				return nil
			}); err != nil {
				t.Fatalf("ListedJobs: %v", err)
			}
		}
		if sw := sync.NeedsSweep(); sw.Any() {
			t.Fatalf("NeedsSweep = %+v for a plan that lost nothing", sw)
		}
		res, err := sync.Commit(ctx)
		if err != nil {
			t.Fatalf("Commit: %v", err)
		}
		return res, asked
	}

	got, asked := run(p.snap, SyncOptions{})
	if want := (SyncResult{Generation: 1, Workstations: 2, Streams: 2, Jobs: 11}); got != want || len(asked) != 0 {
		t.Errorf("unchanged plan: %+v, details of %v; want %+v and no details", got, asked, want)
	}
	if g := syncState(t, s); g != 1 {
		t.Errorf("generation after a sync that found nothing new = %d, want 1 (nothing written)", g)
	}

	// B was rerun and succeeded; C's dependency on B is now satisfied.
	next := newTestPlan(s.engine + "/")
	for i := range next.snap.Jobs {
		switch j := &next.snap.Jobs[i]; j.Name {
		case "B":
			j.Internal, j.Common = workload.InternalSucc, workload.CommonSuccessful
		case "C":
			j.Dependencies[0].Satisfied, j.Dependencies[0].Status = true, workload.DepSatisfied
		}
	}
	got, asked = run(next.snap, SyncOptions{})
	want := SyncResult{Generation: 2, Workstations: 2, Streams: 2, Jobs: 11, ChangedJobs: 2,
		Edges: 3 + 3} // B: stream, workstation, ->A; C: stream, workstation, ->B
	if got != want || !slices.Equal(asked, []string{"B", "C"}) {
		t.Errorf("two jobs changed: %+v, details of %v; want %+v and details of [B C]", got, asked, want)
	}
	wa, err := s.WhyWaiting(ctx, p.id("D"))
	if err != nil {
		t.Fatalf("WhyWaiting(D): %v", err)
	}
	if got := rootNames(wa.Blockers); !slices.Equal(got, []string{"C"}) {
		t.Errorf("WhyWaiting(D) roots after B succeeded = %v, want [C]", got)
	}
	if got := counts(t, s)["Job-DEPENDS_ON"]; got != 9 {
		t.Errorf("job dependency edges = %d, want 9", got)
	}

	got, asked = run(next.snap, SyncOptions{Rewrite: true})
	if got.ChangedJobs != 11 || got.ChangedStreams != 2 || got.Edges != 32 || len(asked) != 11 {
		t.Errorf("rewrite: %+v, details of %d jobs; want every node and edge written", got, len(asked))
	}
}

// A plan that lost a job needs a sweep; a sync that does not sweep removes
// nothing, one that does removes exactly what was not seen.
func TestSweepRemovesOnlyWhatWasNotSeen(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	p := newTestPlan(s.engine + "/")
	if _, err := s.UpsertTopology(ctx, p.snap); err != nil {
		t.Fatalf("UpsertTopology: %v", err)
	}
	jobs := p.snap.Jobs[1:] // A left the plan
	sync, err := s.BeginTopology(ctx, SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sync.Workstations(ctx, p.snap.Workstations); err != nil {
		t.Fatal(err)
	}
	if err := sync.Streams(ctx, p.snap.Streams); err != nil {
		t.Fatal(err)
	}
	if err := sync.Jobs(ctx, jobs); err != nil {
		t.Fatal(err)
	}
	if sw := sync.NeedsSweep(); sw != (Sweep{Jobs: true}) {
		t.Fatalf("NeedsSweep = %+v, want jobs only", sw)
	}
	if err := sync.SeenJobs(ctx, idsOf(jobs, func(j workload.Job) string { return j.ID })); err != nil {
		t.Fatal(err)
	}
	got, err := sync.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.RemovedJobs != 1 || got.RemovedStreams != 0 || got.RemovedWorkstations != 0 || !got.Swept {
		t.Errorf("sweep = %+v, want only A removed", got)
	}
	if _, err := s.Job(ctx, p.id("A")); !errors.Is(err, ErrNotFound) {
		t.Errorf("Job(A) after the sweep: %v, want ErrNotFound", err)
	}
}
