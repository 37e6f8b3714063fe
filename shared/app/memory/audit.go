package memory

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/workload"
)

// PlanJob is a job of the plan as the Auditor sees it.
type PlanJob struct {
	ID       string
	Name     string
	Status   workload.CommonStatus
	Internal workload.InternalStatus
}

// Lookup is what the plan has under one name.
type Lookup struct {
	Jobs []PlanJob // the jobs of that name (several streams may have one)
	// Other: a job stream or workstation of that name.
	Other bool
}

// Plan answers the Auditor's questions about the current plan
// (PlanView over *planview.Service).
type Plan interface {
	// Named returns the plan objects called name.
	Named(ctx context.Context, name string) (Lookup, error)
	// JobByID returns the job with that id, or found false.
	JobByID(ctx context.Context, id string) (PlanJob, bool, error)
}

// Auditor checks an answer against the plan.
type Auditor struct {
	Plan Plan
}

// Finding is one rule an answer broke.
type Finding struct {
	Reason string // ReasonUnknownJob | ReasonContradicts
	Detail string
}

// jobToken matches what looks like a job name: upper-case letters and
// digits with at least one underscore or digit (PAY_LOAD, JOB00042).
var jobToken = regexp.MustCompile(`\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b|\b[A-Z]+[0-9][A-Z0-9]*\b`)

// maxNames bounds the names checked in one answer.
const maxNames = 20

// Check returns the findings of one answer: a job-like name, or a cited
// job id, that the plan does not have (unless the question named it
// first), and a status the answer states for a job that the plan's
// current status contradicts. It returns the plan's error when the plan
// cannot be read.
func (a *Auditor) Check(ctx context.Context, question, answer string, citedJobs []string) ([]Finding, error) {
	var out []Finding
	asked := strings.ToUpper(question)
	answer = withoutQuotedLogs(answer)
	known := map[string]Lookup{}
	var names []string
	for _, tok := range jobToken.FindAllString(answer, -1) {
		if _, ok := known[tok]; ok || ignoredToken(tok) || len(names) >= maxNames {
			continue
		}
		l, err := a.Plan.Named(ctx, tok)
		if err != nil {
			return nil, fmt.Errorf("memory: check: look up %s: %w", tok, err)
		}
		known[tok] = l
		names = append(names, tok)
		if len(l.Jobs) == 0 && !l.Other && !strings.Contains(asked, tok) {
			out = append(out, Finding{Reason: ReasonUnknownJob, Detail: "the answer names " + tok + ", which is not a job, job stream or workstation of the plan"})
		}
	}
	for _, id := range citedJobs {
		if id == "" {
			continue
		}
		_, ok, err := a.Plan.JobByID(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("memory: check: job %s: %w", id, err)
		}
		if !ok {
			out = append(out, Finding{Reason: ReasonUnknownJob, Detail: "the answer cites job id " + id + ", which is not in the plan"})
		}
	}
	out = append(out, contradictions(answer, known)...)
	return out, nil
}

var (
	fence   = regexp.MustCompile("(?s)```.*?(```|$)")
	logLine = regexp.MustCompile(`(?im)^\s*(line\s+\d+\s*:|\d+\s*[:|]\s).*$`)
)

// withoutQuotedLogs drops code blocks and quoted log lines ("line 46: ...",
// "46 | ..."): their upper-case words are the program's, not plan names.
func withoutQuotedLogs(answer string) string {
	return logLine.ReplaceAllString(fence.ReplaceAllString(answer, ""), "")
}

// ignoredToken: HWA vocabulary that looks like a name.
func ignoredToken(tok string) bool {
	switch tok {
	case "HWA", "HTTP", "UTC", "ID", "RC":
		return true
	}
	return workload.CommonStatus(tok).Valid() || workload.InternalStatus(tok).Valid()
}

// claim is a status an answer may state, and the plan statuses that agree.
type claim struct {
	common   []workload.CommonStatus
	internal []workload.InternalStatus
}

var claims = map[string]claim{
	"abended":    {internal: []workload.InternalStatus{workload.InternalAbend}},
	"failed":     {common: []workload.CommonStatus{workload.CommonError}, internal: []workload.InternalStatus{workload.InternalAbend, workload.InternalFail}},
	"running":    {common: []workload.CommonStatus{workload.CommonRunning}, internal: []workload.InternalStatus{workload.InternalExec}},
	"successful": {common: []workload.CommonStatus{workload.CommonSuccessful}, internal: []workload.InternalStatus{workload.InternalSucc}},
	"succeeded":  {common: []workload.CommonStatus{workload.CommonSuccessful}, internal: []workload.InternalStatus{workload.InternalSucc}},
	"completed":  {common: []workload.CommonStatus{workload.CommonSuccessful, workload.CommonCompleted}, internal: []workload.InternalStatus{workload.InternalSucc}},
	"held":       {common: []workload.CommonStatus{workload.CommonHeld}, internal: []workload.InternalStatus{workload.InternalHold}},
	"cancelled":  {common: []workload.CommonStatus{workload.CommonCanceled}, internal: []workload.InternalStatus{workload.InternalCancl}},
	"canceled":   {common: []workload.CommonStatus{workload.CommonCanceled}, internal: []workload.InternalStatus{workload.InternalCancl}},
}

var (
	wordRE      = regexp.MustCompile(`[A-Za-z_]+[A-Za-z0-9_]*`)
	sentenceEnd = regexp.MustCompile(`[\n;]|\.\s`)
)

// contradictions finds sentences that name exactly one known job (of one
// plan job) and state a status for it, without negation, that disagrees
// with the plan's.
func contradictions(answer string, known map[string]Lookup) []Finding {
	var out []Finding
	seen := map[string]bool{}
	for _, sentence := range sentenceEnd.Split(answer, -1) {
		var job *PlanJob
		n := 0
		for _, tok := range jobToken.FindAllString(sentence, -1) {
			if l, ok := known[tok]; ok && len(l.Jobs) > 0 {
				n++
				if len(l.Jobs) == 1 {
					job = &l.Jobs[0]
				}
			}
		}
		if n != 1 || job == nil {
			continue
		}
		lower := " " + strings.ToLower(sentence) + " "
		if strings.Contains(lower, " not ") || strings.Contains(lower, "n't") || strings.Contains(lower, " never ") ||
			strings.Contains(lower, " if ") || strings.Contains(lower, " when ") || strings.Contains(lower, " was ") {
			continue
		}
		for _, w := range wordRE.FindAllString(sentence, -1) {
			c, ok := claims[strings.ToLower(w)]
			if !ok || slices.Contains(c.common, job.Status) || slices.Contains(c.internal, job.Internal) {
				continue
			}
			k := job.ID + "\x00" + strings.ToLower(w)
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, Finding{Reason: ReasonContradicts, Detail: fmt.Sprintf("the answer says %s (%s) %s; the plan says %s/%s",
				job.Name, job.ID, strings.ToLower(w), job.Status, job.Internal)})
		}
	}
	return out
}

// PlanView answers the Auditor from the cached plan view.
type PlanView struct {
	Plan *planview.Service
}

// Named implements Plan: jobs by exact name, then streams and workstations.
func (p PlanView) Named(ctx context.Context, name string) (Lookup, error) {
	var l Lookup
	jobs, err := p.Plan.Jobs(ctx, planview.JobQuery{Name: name, Limit: 50})
	if err != nil && !errors.Is(err, planview.ErrBadQuery) {
		return l, err
	}
	for _, j := range jobs.Items {
		if strings.EqualFold(j.Name, name) {
			l.Jobs = append(l.Jobs, PlanJob{ID: j.ID, Name: j.Name, Status: j.Status, Internal: j.InternalStatus})
		}
	}
	if len(l.Jobs) > 0 {
		return l, nil
	}
	streams, err := p.Plan.Streams(ctx)
	if err != nil {
		return l, err
	}
	for _, s := range streams.Items {
		if strings.EqualFold(s.Name, name) {
			l.Other = true
			return l, nil
		}
	}
	wss, err := p.Plan.Workstations(ctx)
	if err != nil {
		return l, err
	}
	for _, w := range wss.Items {
		if strings.EqualFold(w.Name, name) {
			l.Other = true
			return l, nil
		}
	}
	return l, nil
}

// JobByID implements Plan.
func (p PlanView) JobByID(ctx context.Context, id string) (PlanJob, bool, error) {
	d, err := p.Plan.Job(ctx, id)
	switch {
	case errors.Is(err, planview.ErrNotFound), errors.Is(err, planview.ErrBadQuery):
		return PlanJob{}, false, nil
	case err != nil:
		return PlanJob{}, false, err
	}
	return PlanJob{ID: d.Job.ID, Name: d.Job.Name, Status: d.Job.Status, Internal: d.Job.InternalStatus}, true, nil
}
