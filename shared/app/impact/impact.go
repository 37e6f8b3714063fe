// Package impact answers the two questions an operator asks before acting
// on a job: what breaks downstream if it fails (its successors, the critical
// ones marked, and whether it is on a critical path), and why it waits (the
// upstream chain to the root predecessor that is held, late or abended).
//
// It asks the Neo4j graph first; when the graph is not configured or cannot
// be reached it falls back to HWA's own predecessor and successor calls and
// says so in the answer (Source "hwa" and a Note).
package impact

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/workload"
)

// Errors; test with errors.Is.
var (
	ErrNotFound    = errors.New("impact: job not in the plan")
	ErrUnavailable = errors.New("impact: neither the graph nor HWA could be read")
	ErrInvalid     = errors.New("impact: invalid argument")
)

// Sources of an answer.
const (
	SourceGraph = "graph"
	SourceHWA   = "hwa"
)

// Depth bounds.
const (
	DefaultDepth = 3
	MaxDepth     = 10
)

// JobRef names a job in an answer.
type JobRef struct {
	ID             string                  `json:"id"`
	Name           string                  `json:"name"`
	Stream         string                  `json:"stream,omitempty"`
	Workstation    string                  `json:"workstation,omitempty"`
	Status         workload.CommonStatus   `json:"status,omitempty"`
	InternalStatus workload.InternalStatus `json:"internalStatus,omitempty"`
	Critical       bool                    `json:"critical"`
}

func ref(j workload.Job) JobRef {
	return JobRef{ID: j.ID, Name: j.Name, Stream: j.StreamName, Workstation: j.Workstation, Status: j.Common, InternalStatus: j.Internal, Critical: j.Critical}
}

// Successor is a job downstream.
type Successor struct {
	JobRef
	Depth int `json:"depth,omitempty"` // hops from the job (graph only; 0 when unknown)
	// CriticalDependency: reached through critical-path dependencies only.
	CriticalDependency bool `json:"criticalDependency"`
}

// Impact is the downstream view of a job.
type Impact struct {
	Job        JobRef      `json:"job"`
	Source     string      `json:"source"`
	Note       string      `json:"note,omitempty"`
	Depth      int         `json:"depth"`
	Successors []Successor `json:"successors"`
	// Critical counts the successors that are critical jobs.
	Critical int `json:"critical"`
	// OnCriticalPath and Feeds come from the graph (false/empty from HWA).
	OnCriticalPath bool     `json:"onCriticalPath"`
	Feeds          []JobRef `json:"feeds,omitempty"`
	Summary        string   `json:"summary"`
}

// Blocker is a root cause upstream.
type Blocker struct {
	Root     JobRef   `json:"root"`
	Reason   string   `json:"reason"` // abended | held | late | cancelled | running | waiting
	Detail   string   `json:"detail"`
	Chain    []JobRef `json:"chain"` // from the direct predecessor to the root
	Critical bool     `json:"critical"`
}

// Why is the upstream view of a job.
type Why struct {
	Job      JobRef    `json:"job"`
	Source   string    `json:"source"`
	Note     string    `json:"note,omitempty"`
	Waiting  bool      `json:"waiting"`
	Reason   string    `json:"reason,omitempty"` // the job's own reason (substatus)
	Blockers []Blocker `json:"blockers"`
}

// Graph is the graph store's queries (*graph.Store).
type Graph interface {
	Successors(ctx context.Context, jobID string, depth int) ([]graph.Successor, error)
	WhyWaiting(ctx context.Context, jobID string) (graph.WaitAnalysis, error)
	OnCriticalPath(ctx context.Context, jobID string) (graph.CriticalPath, error)
}

// Flow is HWA's successor call (*hwa.Client).
type Flow interface {
	Successors(ctx context.Context, jobID string, depth int) ([]hwa.Node, error)
}

// Jobs reads one job with its dependencies (planview.HWA).
type Jobs interface {
	Job(ctx context.Context, id string) (workload.Job, error)
}

// Service answers impact and why-waiting questions. Graph may be nil (not
// configured). Safe for concurrent use.
type Service struct {
	Graph Graph
	Flow  Flow
	Jobs  Jobs
}

const graphOff = "the knowledge graph is not configured (NEO4J_URI unset), so this comes from HWA's own predecessor and successor calls"
const (
	graphDown      = "the knowledge graph could not be reached, so this comes from HWA's own predecessor and successor calls"
	graphNotSynced = "the knowledge graph is reachable but has not been synced with the plan yet (the first topology sync runs at start-up), so this comes from HWA's own predecessor and successor calls"
	graphNoJob     = "the job is not in the knowledge graph yet (it joined the plan after the last topology sync, which runs every 15 minutes), so this comes from HWA's own predecessor and successor calls"
)

// fallback reports whether err from the graph should fall back to HWA, and
// the note that says why the answer comes from HWA.
func fallback(err error) (string, bool) {
	switch {
	case errors.Is(err, graph.ErrNotSynced):
		return graphNotSynced, true
	case errors.Is(err, graph.ErrNotFound):
		return graphNoJob, true
	case errors.Is(err, graph.ErrUnavailable):
		return graphDown, true
	}
	return "", false
}

func clamp(depth int) (int, error) {
	switch {
	case depth == 0:
		return DefaultDepth, nil
	case depth < 0:
		return 0, fmt.Errorf("%w: depth must be positive", ErrInvalid)
	}
	return min(depth, MaxDepth), nil
}

func (s *Service) job(ctx context.Context, id string) (workload.Job, error) {
	j, err := s.Jobs.Job(ctx, id)
	switch {
	case errors.Is(err, planview.ErrNotFound), errors.Is(err, hwa.ErrNotFound):
		return j, fmt.Errorf("%w: %s", ErrNotFound, id)
	case errors.Is(err, planview.ErrBadQuery):
		return j, fmt.Errorf("%w: %v", ErrInvalid, err)
	case err != nil:
		return j, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return j, nil
}

// Impact returns the successors of jobID up to depth (0: DefaultDepth).
func (s *Service) Impact(ctx context.Context, jobID string, depth int) (Impact, error) {
	depth, err := clamp(depth)
	if err != nil {
		return Impact{}, err
	}
	note := graphOff
	if s.Graph != nil {
		out, err := s.graphImpact(ctx, jobID, depth)
		if err == nil {
			return out, nil
		}
		var ok bool
		if note, ok = fallback(err); !ok {
			return Impact{}, err
		}
	}
	j, err := s.job(ctx, jobID)
	if err != nil {
		return Impact{}, err
	}
	nodes, err := s.Flow.Successors(ctx, jobID, depth)
	if err != nil {
		if errors.Is(err, hwa.ErrNotFound) {
			return Impact{}, fmt.Errorf("%w: %s", ErrNotFound, jobID)
		}
		return Impact{}, fmt.Errorf("%w: successors of %s: %v", ErrUnavailable, jobID, err)
	}
	out := Impact{Job: ref(j), Source: SourceHWA, Note: note, Depth: depth, Successors: []Successor{}}
	for _, n := range nodes {
		if n.Kind != "" && n.Kind != hwa.NodeJob {
			continue
		}
		sj, err := s.Jobs.Job(ctx, n.ID) // the walk has no status or critical flag
		if err != nil {
			sj = workload.Job{ID: n.ID, Name: n.Name, Workstation: n.Workstation}
		}
		out.Successors = append(out.Successors, Successor{JobRef: ref(sj)})
		if sj.Critical {
			out.Critical++
		}
	}
	out.Summary = summary(out)
	return out, nil
}

func (s *Service) graphImpact(ctx context.Context, jobID string, depth int) (Impact, error) {
	succ, err := s.Graph.Successors(ctx, jobID, depth)
	if err != nil {
		return Impact{}, err
	}
	cp, err := s.Graph.OnCriticalPath(ctx, jobID)
	if err != nil {
		return Impact{}, err
	}
	out := Impact{Job: ref(cp.Job), Source: SourceGraph, Depth: depth, Successors: make([]Successor, 0, len(succ)), OnCriticalPath: cp.OnPath}
	for _, sc := range succ {
		out.Successors = append(out.Successors, Successor{JobRef: ref(sc.Job), Depth: sc.Depth, CriticalDependency: sc.CriticalDependency})
		if sc.Job.Critical {
			out.Critical++
		}
	}
	for _, f := range cp.Feeds {
		out.Feeds = append(out.Feeds, ref(f))
	}
	out.Summary = summary(out)
	return out, nil
}

func summary(i Impact) string {
	switch len(i.Successors) {
	case 0:
		return fmt.Sprintf("No job depends on %s within %d levels.", i.Job.Name, i.Depth)
	case 1:
		return fmt.Sprintf("1 job depends on %s (%d critical).", i.Job.Name, i.Critical)
	}
	return fmt.Sprintf("%d jobs depend on %s within %d levels (%d critical).", len(i.Successors), i.Job.Name, i.Depth, i.Critical)
}

// maxChain bounds the HWA walk upstream.
const maxChain = 10

// Why explains why jobID waits.
func (s *Service) Why(ctx context.Context, jobID string) (Why, error) {
	note := graphOff
	if s.Graph != nil {
		wa, err := s.Graph.WhyWaiting(ctx, jobID)
		if err == nil {
			out := Why{Job: ref(wa.Job), Source: SourceGraph, Waiting: wa.Waiting, Reason: wa.Why, Blockers: []Blocker{}}
			for _, b := range wa.Blockers {
				bl := Blocker{Root: ref(b.Root), Reason: string(b.Reason), Detail: b.Detail, Critical: b.Critical}
				for _, c := range b.Chain {
					bl.Chain = append(bl.Chain, ref(c))
				}
				out.Blockers = append(out.Blockers, bl)
			}
			return out, nil
		}
		var ok bool
		if note, ok = fallback(err); !ok {
			return Why{}, err
		}
	}
	j, err := s.job(ctx, jobID)
	if err != nil {
		return Why{}, err
	}
	waiting, reason := j.Waiting()
	out := Why{Job: ref(j), Source: SourceHWA, Note: note, Waiting: waiting, Reason: reason, Blockers: []Blocker{}}
	if !waiting {
		return out, nil
	}
	seen := map[string]bool{j.ID: true}
	for _, d := range j.UnsatisfiedDependencies() {
		if d.JobID == "" {
			continue
		}
		if b, ok := s.walk(ctx, d.JobID, nil, seen, d.Critical); ok {
			out.Blockers = append(out.Blockers, b)
		}
	}
	sort.SliceStable(out.Blockers, func(a, b int) bool { return out.Blockers[a].Critical && !out.Blockers[b].Critical })
	return out, nil
}

// walk follows unsatisfied dependencies upstream from id through HWA until
// a job that is not itself waiting on a predecessor: that is the root.
func (s *Service) walk(ctx context.Context, id string, chain []JobRef, seen map[string]bool, critical bool) (Blocker, bool) {
	if seen[id] || len(chain) >= maxChain {
		return Blocker{}, false
	}
	seen[id] = true
	j, err := s.Jobs.Job(ctx, id)
	if err != nil {
		return Blocker{}, false
	}
	chain = append(chain, ref(j))
	if j.Sub == workload.SubHoldWaitingForPredecessor {
		for _, d := range j.UnsatisfiedDependencies() {
			if d.JobID == "" {
				continue
			}
			if b, ok := s.walk(ctx, d.JobID, chain, seen, critical && d.Critical); ok {
				return b, true
			}
		}
	}
	reason, detail := classify(j)
	return Blocker{Root: ref(j), Reason: reason, Detail: detail, Chain: chain, Critical: critical || j.Critical}, true
}

func classify(j workload.Job) (string, string) {
	switch {
	case j.Failed():
		return "abended", fmt.Sprintf("%s ended in %s; its successors wait until it is rerun or confirmed", j.Name, j.Internal)
	case j.Internal == workload.InternalCancl:
		return "cancelled", j.Name + " was cancelled without releasing its successors"
	case j.Held():
		_, why := j.Waiting()
		return "held", j.Name + " is held: " + why
	case j.Late || j.DeadlinePassed:
		return "late", j.Name + " is late"
	case j.Running():
		return "running", j.Name + " is still running"
	}
	_, why := j.Waiting()
	if why == "" {
		why = "it has not started"
	}
	return "waiting", j.Name + ": " + why
}
