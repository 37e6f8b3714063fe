// Package impact answers the two questions an operator asks before acting
// on a job: what breaks downstream if it fails (its successors, the critical
// ones marked, and whether it is on a critical path), and why it waits (the
// upstream chain to the root predecessor that is held, late or abended,
// and the prompt, resource or file holding the job or that root:
// conditions.go).
//
// It asks the Neo4j graph first; when the graph is not configured or cannot
// be reached it falls back to HWA's own predecessor and successor calls and
// says so in the answer (Source "hwa" and a Note). The graph attempt has a
// budget of its own (Service.GraphBudget, and at most graphShare of the
// caller's remaining time), so a graph that is slow or swallows packets
// leaves the HWA fallback the rest of the request.
package impact

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/resync/resync/shared/domain/planread"
	"github.com/resync/resync/shared/domain/topology"
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
	// Conditions are the prompts, resources and files holding the job or
	// its root blockers (conditions.go).
	Conditions []Condition `json:"conditions"`
}

// Graph is the topology store's queries (*graph.Store). Its errors are
// the domain's: topology.ErrNotSynced, ErrNotFound and ErrUnavailable make
// the answer fall back to HWA; any other error is returned.
type Graph interface {
	Successors(ctx context.Context, jobID string, depth int) ([]workload.Reached, error)
	WhyWaiting(ctx context.Context, jobID string) (workload.WaitAnalysis, error)
	OnCriticalPath(ctx context.Context, jobID string) (topology.CriticalPath, error)
}

// Flow is HWA's successor walk (hwa.PlanSource): the jobs depth levels
// downstream of jobID, each with the dependencies that link it to its
// predecessors in the walk. Errors are plan-read errors
// (planread.ErrNotFound for an unknown job).
type Flow interface {
	SuccessorJobs(ctx context.Context, jobID string, depth int) ([]workload.Job, error)
}

// Jobs reads one job with its dependencies (hwa.PlanSource). Errors are
// plan-read errors (planread.ErrNotFound, ErrBadQuery, ErrUnavailable).
type Jobs interface {
	Job(ctx context.Context, id string) (workload.Job, error)
}

// Service answers impact and why-waiting questions. Graph may be nil (not
// configured). Safe for concurrent use.
type Service struct {
	Graph Graph
	Flow  Flow
	Jobs  Jobs
	// Resources reads the resources a condition names, for their holders;
	// nil: Flow when it reads resources too (hwa.PlanSource), else none.
	Resources Resources
	// GraphBudget bounds the graph attempt of one answer (zero:
	// DefaultGraphBudget); it never takes more than graphShare of the time
	// left before the caller's deadline.
	GraphBudget time.Duration
}

// DefaultGraphBudget is how long an answer waits for the graph before it
// falls back to HWA: a healthy graph answers these queries in milliseconds.
const DefaultGraphBudget = 2 * time.Second

// graphShare is the largest part of the caller's remaining time the graph
// attempt may use; the rest is the HWA fallback's.
const graphShare = 0.4

// graphCtx is ctx bounded by the graph budget, and the budget.
func (s *Service) graphCtx(ctx context.Context) (context.Context, context.CancelFunc, time.Duration) {
	budget := s.GraphBudget
	if budget <= 0 {
		budget = DefaultGraphBudget
	}
	if dl, ok := ctx.Deadline(); ok {
		budget = min(budget, time.Duration(float64(time.Until(dl))*graphShare))
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	return ctx, cancel, budget
}

// graphFailed returns the note for a failed graph attempt under gctx, and
// whether to fall back: a graph that used up its budget while the caller
// still has time is slow or unreachable, whatever error the driver gave.
func graphFailed(ctx, gctx context.Context, budget time.Duration, err error) (string, bool) {
	if errors.Is(gctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		return fmt.Sprintf(graphSlow, budget.Round(time.Millisecond)), true
	}
	return fallback(err)
}

const graphOff = "the knowledge graph is not configured here, so this comes from HWA's own predecessor and successor calls"
const (
	graphDown      = "the knowledge graph could not be reached, so this comes from HWA's own predecessor and successor calls"
	graphSlow      = "the knowledge graph could not be reached in time (no answer within %v), so this comes from HWA's own predecessor and successor calls"
	graphNotSynced = "the knowledge graph is reachable but has not been synced with the plan yet (the first topology sync runs at start-up), so this comes from HWA's own predecessor and successor calls"
	graphNoJob     = "the job is not in the knowledge graph yet (it joined the plan after the last topology sync, which runs every 15 minutes), so this comes from HWA's own predecessor and successor calls"
)

// fallback reports whether err from the graph should fall back to HWA, and
// the note that says why the answer comes from HWA.
func fallback(err error) (string, bool) {
	switch {
	case errors.Is(err, topology.ErrNotSynced):
		return graphNotSynced, true
	case errors.Is(err, topology.ErrNotFound):
		return graphNoJob, true
	case errors.Is(err, topology.ErrUnavailable):
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
	case errors.Is(err, planread.ErrNotFound):
		return j, fmt.Errorf("%w: %s", ErrNotFound, id)
	case errors.Is(err, planread.ErrBadQuery):
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
		gctx, cancel, budget := s.graphCtx(ctx)
		out, err := s.graphImpact(gctx, jobID, depth)
		cancel()
		if err == nil {
			return out, nil
		}
		var ok bool
		if note, ok = graphFailed(ctx, gctx, budget, err); !ok {
			return Impact{}, err
		}
	}
	j, err := s.job(ctx, jobID)
	if err != nil {
		return Impact{}, err
	}
	nodes, err := s.Flow.SuccessorJobs(ctx, jobID, depth)
	if err != nil {
		if errors.Is(err, planread.ErrNotFound) {
			return Impact{}, fmt.Errorf("%w: %s", ErrNotFound, jobID)
		}
		return Impact{}, fmt.Errorf("%w: successors of %s: %v", ErrUnavailable, jobID, err)
	}
	// The same walk as the graph's (workload.Downstream), over the tree
	// HWA's successor call returned: depths and critical chains agree.
	reached, err := workload.Downstream(ctx, s.flowTree(ctx, nodes), jobID, depth)
	if err != nil {
		return Impact{}, fmt.Errorf("%w: successors of %s: %v", ErrUnavailable, jobID, err)
	}
	out := Impact{Job: ref(j), Source: SourceHWA, Note: note, Depth: depth, Successors: []Successor{}, OnCriticalPath: j.Critical}
	for _, r := range reached {
		out.Successors = append(out.Successors, Successor{JobRef: ref(r.Job), Depth: r.Depth, CriticalDependency: r.CriticalDependency})
		if r.Job.Critical {
			out.Critical++
			if r.CriticalDependency {
				out.OnCriticalPath = true
				out.Feeds = append(out.Feeds, ref(r.Job))
			}
		}
	}
	out.Summary = summary(out)
	return out, nil
}

// flowTree is the successor tree of one HWA successor walk as a
// workload.SuccessorReader: each node's dependencies name its predecessors,
// and each node's job is read once for its status and critical flag (a node
// that cannot be read keeps what the tree says about it).
func (s *Service) flowTree(ctx context.Context, nodes []workload.Job) workload.SuccessorReader {
	t := flowTree{next: map[string][]workload.Edge{}}
	for _, n := range nodes {
		j, err := s.Jobs.Job(ctx, n.ID)
		if err != nil {
			j = workload.Job{ID: n.ID, Name: n.Name, Workstation: n.Workstation}
		}
		for _, d := range n.Dependencies {
			if d.JobID != "" {
				t.next[d.JobID] = append(t.next[d.JobID], workload.Edge{From: d.JobID, Job: j, Critical: d.Critical, Satisfied: d.Satisfied})
			}
		}
	}
	return t
}

type flowTree struct{ next map[string][]workload.Edge }

func (t flowTree) Successors(_ context.Context, ids []string) ([]workload.Edge, error) {
	var out []workload.Edge
	for _, id := range ids {
		out = append(out, t.next[id]...)
	}
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

// summary is the one sentence of an impact answer. It states the depth it
// looked to, counts the critical successors within it by name, and names
// the critical jobs the job feeds beyond that depth, so it never reads
// "none critical" and "on a critical path" without saying where the
// critical job is.
func summary(i Impact) string {
	var b strings.Builder
	switch len(i.Successors) {
	case 0:
		fmt.Fprintf(&b, "No job depends on %s within %d levels", i.Job.Name, i.Depth)
	case 1:
		fmt.Fprintf(&b, "1 job depends on %s within %d levels", i.Job.Name, i.Depth)
	default:
		fmt.Fprintf(&b, "%d jobs depend on %s within %d levels", len(i.Successors), i.Job.Name, i.Depth)
	}
	within := map[string]bool{}
	var crit []string
	for _, sc := range i.Successors {
		within[sc.ID] = true
		if sc.Critical {
			crit = append(crit, sc.Name)
		}
	}
	switch {
	case len(i.Successors) == 0:
	case len(crit) == 0:
		b.WriteString(", none of them critical")
	default:
		fmt.Fprintf(&b, ", %d critical: %s", len(crit), strings.Join(crit, ", "))
	}
	b.WriteString(".")
	var beyond []string
	for _, f := range i.Feeds {
		if !within[f.ID] && f.ID != i.Job.ID {
			beyond = append(beyond, f.Name)
		}
	}
	if i.Job.Critical {
		fmt.Fprintf(&b, " %s is itself a critical job.", i.Job.Name)
	}
	if len(beyond) > 0 {
		fmt.Fprintf(&b, " Further downstream (up to %d levels) it feeds critical %s through critical dependencies: %s.",
			workload.MaxDepth, plural(len(beyond), "job", "jobs"), strings.Join(beyond, ", "))
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Why explains why jobID waits.
func (s *Service) Why(ctx context.Context, jobID string) (Why, error) {
	note := graphOff
	if s.Graph != nil {
		gctx, cancel, budget := s.graphCtx(ctx)
		wa, err := s.Graph.WhyWaiting(gctx, jobID)
		cancel()
		if err == nil {
			out := whyOf(wa, SourceGraph)
			s.addConditions(ctx, &out, workload.Job{}, false)
			return out, nil
		}
		var ok bool
		if note, ok = graphFailed(ctx, gctx, budget, err); !ok {
			return Why{}, err
		}
	}
	j, err := s.job(ctx, jobID)
	if err != nil {
		return Why{}, err
	}
	// The same walk and classification as the graph's (workload.WhyWaiting),
	// over HWA's own job reads.
	wa, err := workload.WhyWaiting(ctx, hwaPredecessors{s.Jobs}, j, time.Now())
	if err != nil {
		return Why{}, fmt.Errorf("%w: why %s waits: %v", ErrUnavailable, jobID, err)
	}
	out := whyOf(wa, SourceHWA)
	out.Note = note
	s.addConditions(ctx, &out, j, true)
	return out, nil
}

// whyOf turns the domain's analysis into the answer.
func whyOf(wa workload.WaitAnalysis, source string) Why {
	out := Why{Job: ref(wa.Job), Source: source, Waiting: wa.Waiting, Reason: wa.Why, Blockers: []Blocker{}}
	for _, b := range wa.Blockers {
		bl := Blocker{Root: ref(b.Root), Reason: string(b.Reason), Detail: b.Detail, Critical: b.Critical}
		for _, c := range b.Chain {
			bl.Chain = append(bl.Chain, ref(c))
		}
		out.Blockers = append(out.Blockers, bl)
	}
	return out
}

// hwaPredecessors reads predecessors from HWA: each job's dependencies,
// and each predecessor job for its status.
type hwaPredecessors struct{ jobs Jobs }

func (h hwaPredecessors) Predecessors(ctx context.Context, ids []string) ([]workload.Edge, error) {
	var out []workload.Edge
	for _, id := range ids {
		j, err := h.jobs.Job(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, d := range j.Dependencies {
			if d.JobID == "" {
				continue
			}
			satisfied := d.Satisfied || d.Status == workload.DepSatisfied
			p, err := h.jobs.Job(ctx, d.JobID)
			if err != nil {
				// A predecessor HWA cannot show is kept by what the
				// dependency says of it.
				p = workload.Job{ID: d.JobID, Name: d.JobName, Workstation: d.Workstation, Internal: d.PredecessorStatus}
			}
			out = append(out, workload.Edge{From: id, Job: p, Critical: d.Critical, Satisfied: satisfied})
		}
	}
	return out, nil
}
