package workload

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// This file is the one implementation of the dependency rules an operator
// relies on before acting: what runs downstream of a job (Downstream) and
// why a job waits (WhyWaiting, Classify). The knowledge graph and the HWA
// fallback both answer through it — each only supplies the edges — so the
// answer never depends on which of them was up.

// MaxDepth bounds every traversal (successors, why-waiting chains, critical
// feeds). Larger requested depths are capped to it.
const MaxDepth = 25

// Edge is one job dependency met by a traversal: Job is at the other end
// of the dependency from the job named From.
type Edge struct {
	From      string // the job the traversal came from
	Job       Job    // the predecessor (upstream walks) or successor (downstream walks)
	Critical  bool   // the dependency is flagged critical (HWA's critical path)
	Satisfied bool   // HWA marked the dependency satisfied
}

// PredecessorReader returns, for each of ids, the edges to its job
// predecessors (Edge.From is the id).
type PredecessorReader interface {
	Predecessors(ctx context.Context, ids []string) ([]Edge, error)
}

// SuccessorReader returns, for each of ids, the edges to the jobs that
// depend on it (Edge.From is the id).
type SuccessorReader interface {
	Successors(ctx context.Context, ids []string) ([]Edge, error)
}

// Reached is a job downstream of the job asked about.
type Reached struct {
	Job Job
	// Depth is the fewest dependency hops from the job asked about (1 = a
	// direct successor).
	Depth int
	// CriticalDependency is true when the job is reached from the job asked
	// about through dependencies flagged critical only. Job.Critical says
	// whether the job itself is a critical job.
	CriticalDependency bool
}

// Downstream walks the successors of jobID breadth first up to depth hops
// (capped to MaxDepth; at least 1) and returns them ordered by depth, then
// key and id.
func Downstream(ctx context.Context, r SuccessorReader, jobID string, depth int) ([]Reached, error) {
	depth = min(max(depth, 1), MaxDepth)
	dist := map[string]int{jobID: 0}
	critReach := map[string]bool{jobID: true}
	jobs := map[string]Job{}
	frontier := []string{jobID}
	for level := 1; level <= depth && len(frontier) > 0; level++ {
		edges, err := r.Successors(ctx, frontier)
		if err != nil {
			return nil, fmt.Errorf("level %d: %w", level, err)
		}
		next := newOrdered()
		for _, e := range edges {
			id := e.Job.ID
			if _, seen := dist[id]; !seen {
				dist[id] = level
				jobs[id] = e.Job
				next.add(id)
			}
			// A job first reached through a non-critical edge may still be
			// on a critical chain found at the same or a later level:
			// revisit it so the mark spreads to its own successors.
			if e.Critical && critReach[e.From] && !critReach[id] {
				critReach[id] = true
				next.add(id)
			}
		}
		frontier = next.list
	}
	out := make([]Reached, 0, len(jobs))
	for id, j := range jobs {
		out = append(out, Reached{Job: j, Depth: dist[id], CriticalDependency: critReach[id]})
	}
	slices.SortFunc(out, func(a, b Reached) int {
		return cmp.Or(cmp.Compare(a.Depth, b.Depth), cmp.Compare(a.Job.Key, b.Job.Key), cmp.Compare(a.Job.ID, b.Job.ID))
	})
	return out, nil
}

// Reason says what a blocking predecessor is doing.
type Reason string

// The reasons, most actionable first (Rank).
const (
	ReasonAbended   Reason = "abended"   // ABEND, ABENP, FAIL or ERROR: needs a rerun or a confirm
	ReasonHeld      Reason = "held"      // held: by an operator, for time, a prompt, a file...
	ReasonLate      Reason = "late"      // late or past its deadline, not finished
	ReasonCancelled Reason = "cancelled" // cancelled (or cancel pending) without releasing its successors
	ReasonRunning   Reason = "running"   // running now: the chain clears when it ends
	ReasonWaiting   Reason = "waiting"   // not started for another reason (resources, limit, agent)
)

// Rank orders reasons by how actionable they are (0 first).
func (r Reason) Rank() int {
	return slices.Index([]Reason{ReasonAbended, ReasonHeld, ReasonLate, ReasonCancelled, ReasonRunning, ReasonWaiting}, r)
}

// Cancelled reports whether the job is cancelled or its cancel is pending,
// by its internal status or, when that is absent, its common status.
func (j Job) Cancelled() bool {
	return j.Internal == InternalCancl || j.Internal == InternalCanclP || j.Common == CommonCanceled
}

// Classify says what a root predecessor is doing, in operator terms: the
// one classification of blockers. A failed job is abended before anything
// else; a cancelled job is cancelled even if it also reads as held (a
// cancel pending on a held job); then held, late (not while running),
// running, and otherwise waiting with the job's own reason.
func Classify(j Job, now time.Time) (Reason, string) {
	status := string(j.Internal)
	if status == "" {
		status = string(j.Common)
	}
	name := cmp.Or(j.Key, j.Name, j.ID)
	_, why := j.Waiting()
	switch {
	case j.Failed():
		return ReasonAbended, fmt.Sprintf("%s ended in %s; its successors wait until it is rerun or confirmed", name, status)
	case j.Cancelled():
		return ReasonCancelled, fmt.Sprintf("%s was cancelled (%s) without releasing its successors", name, status)
	case j.Held():
		return ReasonHeld, fmt.Sprintf("%s is held: %s", name, why)
	case j.IsLate(now) && !j.Running():
		return ReasonLate, fmt.Sprintf("%s is late (%s)", name, cmp.Or(why, status))
	case j.Running():
		return ReasonRunning, fmt.Sprintf("%s is running (%s)", name, status)
	}
	return ReasonWaiting, fmt.Sprintf("%s has not started: %s", name, cmp.Or(why, status))
}

// Blocker is one root cause: the chain of unsatisfied dependencies from the
// job asked about up to a predecessor that waits on nothing upstream.
type Blocker struct {
	Root   Job // the root predecessor (the last of Chain)
	Reason Reason
	Detail string // operator-facing sentence
	Late   bool   // the root is late, whatever its Reason
	// Chain runs from the job's direct predecessor to Root.
	Chain []Job
	// Critical is true when every dependency on the chain is flagged critical.
	Critical bool
	// Truncated is true when the chain reached MaxDepth: Root may itself wait
	// on something further upstream.
	Truncated bool
}

// WaitAnalysis explains why a job waits.
type WaitAnalysis struct {
	Job     Job
	Waiting bool   // the job is waiting to run (from its status)
	Why     string // the job's own reason (substatus), "" when not waiting
	// Blockers are the root causes upstream, most actionable first; empty
	// when no dependency of the job is unsatisfied.
	Blockers []Blocker
}

// WhyWaiting follows start's unsatisfied dependencies upstream (one is
// unsatisfied when HWA has not marked it satisfied and the predecessor has
// not succeeded) to the predecessors that wait on nothing further upstream,
// and classifies each of them (Classify). Blockers are ordered by Rank,
// then chain length, key and id.
func WhyWaiting(ctx context.Context, r PredecessorReader, start Job, now time.Time) (WaitAnalysis, error) {
	wa := WaitAnalysis{Job: start}
	wa.Waiting, wa.Why = start.Waiting()
	type visit struct {
		parent   string // the successor through which it was first reached
		critical bool   // every edge from the start to it is critical
	}
	seen := map[string]visit{start.ID: {critical: true}}
	jobs := map[string]Job{start.ID: start}
	hasBlocker := map[string]bool{}
	frontier := []string{start.ID}
	var truncated []string
	for level := 1; len(frontier) > 0; level++ {
		if level > MaxDepth {
			truncated = frontier
			break
		}
		edges, err := r.Predecessors(ctx, frontier)
		if err != nil {
			return WaitAnalysis{}, fmt.Errorf("level %d: %w", level, err)
		}
		next := newOrdered()
		for _, e := range edges {
			if e.Satisfied || e.Job.Succeeded() {
				continue
			}
			hasBlocker[e.From] = true
			if _, ok := seen[e.Job.ID]; ok {
				continue
			}
			seen[e.Job.ID] = visit{parent: e.From, critical: seen[e.From].critical && e.Critical}
			jobs[e.Job.ID] = e.Job
			next.add(e.Job.ID)
		}
		frontier = next.list
	}
	chain := func(id string) []Job {
		var c []Job
		for cur := id; cur != start.ID; cur = seen[cur].parent {
			c = append(c, jobs[cur])
		}
		slices.Reverse(c)
		return c
	}
	for id, v := range seen {
		if id == start.ID || hasBlocker[id] {
			continue
		}
		root := jobs[id]
		reason, detail := Classify(root, now)
		wa.Blockers = append(wa.Blockers, Blocker{
			Root: root, Reason: reason, Detail: detail, Late: root.IsLate(now),
			Chain: chain(id), Critical: v.critical, Truncated: slices.Contains(truncated, id),
		})
	}
	slices.SortFunc(wa.Blockers, func(a, b Blocker) int {
		return cmp.Or(cmp.Compare(a.Reason.Rank(), b.Reason.Rank()), cmp.Compare(len(a.Chain), len(b.Chain)),
			cmp.Compare(a.Root.Key, b.Root.Key), cmp.Compare(a.Root.ID, b.Root.ID))
	})
	return wa, nil
}

// ordered is a set that keeps insertion order, so walks are deterministic.
type ordered struct {
	seen map[string]bool
	list []string
}

func newOrdered() *ordered { return &ordered{seen: map[string]bool{}} }

func (o *ordered) add(id string) {
	if !o.seen[id] {
		o.seen[id] = true
		o.list = append(o.list, id)
	}
}
