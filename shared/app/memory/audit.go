package memory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/workload"
)

// PlanJob is a job of the plan as the Auditor sees it.
type PlanJob struct {
	ID       string
	Name     string
	Status   workload.CommonStatus
	Internal workload.InternalStatus
	// RunID is the id of the job's last run; "" before its first run or
	// when the plan did not say.
	RunID string
	// Changed is when the last run started or ended, whichever is later;
	// zero when unknown.
	Changed time.Time
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

// DefaultSlack is the Auditor's Slack when none is set: a little more than
// the plan view's cache lifetime (30 s).
const DefaultSlack = time.Minute

// Auditor checks an answer against the plan.
type Auditor struct {
	Plan Plan
	// Slack widens "changed after the answer": a job whose last run
	// started or ended later than Slack before the answer may have been
	// read by the answer in its earlier state, so its status is not held
	// against the answer. 0 means DefaultSlack.
	Slack time.Duration
}

// Finding is one rule an answer broke.
type Finding struct {
	Reason string // ReasonUnknownJob | ReasonContradicts
	Detail string
}

// maxNames bounds the names checked in one answer.
const maxNames = 20

// Check returns the findings of one answer given at time at (zero: no
// time rule). It raises two kinds, and only when the answer clearly makes
// the claim:
//
//   - ReasonUnknownJob: the answer names a job-like token (PAY_LOAD,
//     JOB00042, O'NEIL_RECON) that is neither a job, a job stream nor a
//     workstation of the plan and that the question did not name, or cites
//     a job id the plan does not have. Quoted text of more than one word
//     (an example question, a message), a list introduced by "you can
//     ask:", and a name given as an example ("for example
//     PAYROLL.PAY_LOAD", "JOB is a job name (PAY_LOAD, …)") are not
//     claims; neither is a name in a question the answer asks, other than
//     "did you mean …?".
//   - ReasonContradicts: a sentence (or list line) names exactly one job,
//     asserts a current status for it — no negation, condition, past
//     tense, plan, proposal or reference to another object — and the plan
//     at answer time says otherwise. The job is re-read by id first; it is
//     not held against the answer when its last run started or ended after
//     at-Slack, when the sentence names another run of it, or when the
//     answer proposes an action whose outcome is the stated status.
//
// Check returns the plan's error when the plan cannot be read.
func (a *Auditor) Check(ctx context.Context, at time.Time, question, answer string, citedJobs []string) ([]Finding, error) {
	var out []Finding
	asked := normalizeName(strings.ToUpper(question))
	text := withoutExamples(withoutQuotedLogs(answer))
	sentences := splitSentences(text)
	known := map[string]Lookup{}
	for _, s := range sentences {
		for _, tok := range nameTokens(s.text) {
			if _, ok := known[tok]; ok || ignoredToken(tok) {
				continue
			}
			if len(known) >= maxNames {
				break
			}
			l, err := a.lookup(ctx, tok)
			if err != nil {
				return nil, err
			}
			known[tok] = l
			if len(l.Jobs) == 0 && !l.Other && !strings.Contains(asked, tok) && !s.example && !(s.question && !s.suggests) {
				out = append(out, Finding{Reason: ReasonUnknownJob, Detail: "the answer names " + tok + ", which is not a job, job stream or workstation of the plan"})
			}
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
	found, err := a.contradictions(ctx, at, sentences, proposedOutcomes(text), known)
	if err != nil {
		return nil, err
	}
	return append(out, found...), nil
}

// lookup finds tok in the plan: as written, then with a typographic
// apostrophe made plain, then without a possessive 'S (PAY_LOAD'S).
func (a *Auditor) lookup(ctx context.Context, tok string) (Lookup, error) {
	var l Lookup
	tried := map[string]bool{}
	for _, name := range []string{tok, strings.ReplaceAll(tok, "'", "’"), strings.TrimSuffix(tok, "'S")} {
		if tried[name] {
			continue
		}
		tried[name] = true
		var err error
		if l, err = a.Plan.Named(ctx, name); err != nil {
			return l, fmt.Errorf("memory: check: look up %s: %w", name, err)
		}
		if len(l.Jobs) > 0 || l.Other {
			return l, nil
		}
	}
	return l, nil
}

// contradictions finds the sentences that assert a current status for
// exactly one job of the plan that the plan at answer time contradicts.
func (a *Auditor) contradictions(ctx context.Context, at time.Time, sentences []sentence, proposed []status, known map[string]Lookup) ([]Finding, error) {
	slack := a.Slack
	if slack == 0 {
		slack = DefaultSlack
	}
	var out []Finding
	seen := map[string]bool{}
	fresh := map[string]PlanJob{}
	for _, s := range sentences {
		if s.question || s.hedged {
			continue
		}
		job, ok := onlyJob(s, known)
		if !ok {
			continue
		}
		for _, c := range s.claims {
			if c.agrees(job) || slices.ContainsFunc(proposed, c.overlaps) {
				continue
			}
			if seen[job.ID] {
				continue // one finding per job
			}
			// Judge by the job as it is now, read by id (a list may be
			// older), and only if it has not moved since the answer.
			cur, ok := fresh[job.ID]
			if !ok {
				var found bool
				var err error
				cur, found, err = a.Plan.JobByID(ctx, job.ID)
				if err != nil {
					return nil, fmt.Errorf("memory: check: job %s: %w", job.ID, err)
				}
				if !found {
					cur = job
				}
				fresh[job.ID] = cur
			}
			if c.agrees(cur) {
				continue
			}
			if !at.IsZero() && !cur.Changed.IsZero() && cur.Changed.After(at.Add(-slack)) {
				continue // the plan moved after the answer read it
			}
			if len(s.runs) > 0 && cur.RunID != "" && !slices.Contains(s.runs, strings.ToLower(cur.RunID)) {
				continue // the sentence is about another run
			}
			seen[job.ID] = true
			out = append(out, Finding{Reason: ReasonContradicts, Detail: fmt.Sprintf("the answer says %s (%s) %s; the plan says %s/%s",
				cur.Name, cur.ID, c.word, cur.Status, cur.Internal)})
		}
	}
	return out, nil
}

// onlyJob returns the one plan job a sentence names: one job-like token
// that is a job of the plan, and of one job — or of several, one of whose
// ids the sentence gives.
func onlyJob(s sentence, known map[string]Lookup) (PlanJob, bool) {
	var jobs []PlanJob
	n := 0
	for _, tok := range nameTokens(s.text) {
		if l, ok := known[tok]; ok && len(l.Jobs) > 0 {
			n++
			jobs = l.Jobs
		}
	}
	if n != 1 {
		return PlanJob{}, false
	}
	if len(jobs) == 1 {
		return jobs[0], true
	}
	var match []PlanJob
	for _, j := range jobs {
		if j.ID != "" && strings.Contains(s.text, j.ID) {
			match = append(match, j)
		}
	}
	if len(match) != 1 {
		return PlanJob{}, false
	}
	return match[0], true
}

// PlanView answers the Auditor from the cached plan view.
type PlanView struct {
	Plan *planview.Service
	// Conditions, when set, makes the names of the plan's resources and
	// prompts known (hwa.PlanSource); nil leaves them unknown objects.
	Conditions ConditionNames
}

// ConditionNames says whether a name is a resource or a prompt of the
// plan (hwa.PlanSource).
type ConditionNames interface {
	ConditionNamed(ctx context.Context, name string) (bool, error)
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
			l.Jobs = append(l.Jobs, planJob(j, nil))
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
	if p.Conditions != nil {
		if l.Other, err = p.Conditions.ConditionNamed(ctx, name); err != nil {
			return l, err
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
	return planJob(d.Job, d.Runs), true, nil
}

// planJob is v with its last run: v.LastRun, else the last of runs.
func planJob(v planview.JobView, runs []planview.RunView) PlanJob {
	j := PlanJob{ID: v.ID, Name: v.Name, Status: v.Status, Internal: v.InternalStatus}
	r := v.LastRun
	if r == nil && len(runs) > 0 {
		r = &runs[len(runs)-1]
	}
	if r != nil {
		j.RunID = r.ID
		j.Changed = r.Start
		if r.End.After(j.Changed) {
			j.Changed = r.End
		}
	}
	return j
}
