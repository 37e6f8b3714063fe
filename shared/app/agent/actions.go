package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/access"
	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/domain/idempotency"
	"github.com/resync/resync/shared/domain/llm"
	"github.com/resync/resync/shared/domain/planwrite"
	"github.com/resync/resync/shared/domain/quota"
	"github.com/resync/resync/shared/domain/trail"
	"github.com/resync/resync/shared/domain/workload"
)

// Errors of Propose, Confirm and Cancel, wrapped in an *ActionError; test
// with errors.Is. Code maps them to frames error codes.
var (
	ErrBadRequest  = errors.New("agent: bad action request")
	ErrForbidden   = errors.New("agent: action forbidden")
	ErrNotFound    = errors.New("agent: no such proposal")
	ErrExpired     = errors.New("agent: proposal expired")
	ErrConflict    = errors.New("agent: proposal in another state")
	ErrRateLimited = errors.New("agent: too many actions")
	ErrUnavailable = errors.New("agent: unavailable")
)

// ActionError is a refused or failed action request. Message is safe to
// show the user; Err is the cause, for logs.
type ActionError struct {
	Kind       error
	Message    string
	RetryAfter time.Duration // ErrRateLimited only
	Err        error
}

func (e *ActionError) Error() string {
	s := e.Kind.Error() + ": " + e.Message
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the kind and the cause.
func (e *ActionError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

func actionErr(kind, cause error, format string, args ...any) *ActionError {
	return &ActionError{Kind: kind, Message: fmt.Sprintf(format, args...), Err: cause}
}

// Code returns the frames error code for an error of this package
// (frames.CodeInternal for anything else).
func Code(err error) string {
	switch {
	case errors.Is(err, ErrBadRequest), errors.Is(err, ErrInvalidTurn):
		return frames.CodeBadFrame
	case errors.Is(err, ErrForbidden):
		return frames.CodeForbidden
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrUnknownAgent):
		return frames.CodeNotFound
	case errors.Is(err, ErrExpired):
		return frames.CodeExpired
	case errors.Is(err, ErrConflict):
		return frames.CodeConflict
	case errors.Is(err, ErrRateLimited), errors.Is(err, llm.ErrThrottled):
		return frames.CodeRateLimited
	case errors.Is(err, ErrUnavailable), errors.Is(err, context.DeadlineExceeded), errors.Is(err, llm.ErrUnavailable):
		return frames.CodeUnavailable
	}
	return frames.CodeInternal
}

// Proposal states.
const (
	StatusPending   = "pending"
	StatusExecuting = "executing"
	StatusExecuted  = "executed"
	StatusCanceled  = "canceled"
)

// Proposal is a stored action proposal.
type Proposal struct {
	ID        string        `json:"id"`
	User      string        `json:"user"`
	Action    string        `json:"action"`
	Targets   []Target      `json:"targets"`
	Impact    frames.Impact `json:"impact"`
	CreatedAt time.Time     `json:"createdAt"`
	ExpiresAt time.Time     `json:"expiresAt"`
	Status    string        `json:"status"`
	Outcome   *Outcome      `json:"outcome,omitempty"`
}

// Result returns the proposal as propose_action shows it.
func (p Proposal) Result() ProposalResult {
	return ProposalResult{ProposalID: p.ID, Action: p.Action, Targets: p.Targets, Impact: p.Impact, ExpiresAt: p.ExpiresAt}
}

// Frame returns the proposal frame for chat message id.
func (r ProposalResult) Frame(messageID string) frames.Proposal {
	f := frames.Proposal{Type: frames.TypeProposal, ID: messageID, ProposalID: r.ProposalID, Action: r.Action,
		Impact: r.Impact, ExpiresAt: r.ExpiresAt, Targets: make([]frames.Target, 0, len(r.Targets))}
	if f.Impact.Successors == nil {
		f.Impact.Successors = []frames.Target{}
	}
	for _, t := range r.Targets {
		f.Targets = append(f.Targets, frames.Target{Kind: t.Kind, ID: t.ID, Name: t.Name})
	}
	return f
}

// Outcome is the result of executing a proposal, replayed to repeated
// confirms.
type Outcome struct {
	ProposalID string    `json:"proposalId"`
	Action     string    `json:"action"`
	Targets    []Target  `json:"targets"`
	OK         bool      `json:"ok"`
	Message    string    `json:"message"`              // safe to show
	ResourceID string    `json:"resourceId,omitempty"` // what HWA returned, e.g. the new run
	ExecutedAt time.Time `json:"executedAt"`
	// Replayed is true when this confirm found the outcome of an earlier one
	// and nothing was sent to HWA.
	Replayed bool `json:"replayed"`
}

// ProposalRequest is what propose_action asks for, the job resolved. For
// ActionReplyPrompt (reply_prompt), the prompt and the answer instead. A
// submission (actions_submit.go) names the job stream (submit_jobstream) or
// the job whose definition is submitted again (submit_job, with the task).
type ProposalRequest struct {
	Action string
	Job    planview.JobView
	Prompt *workload.Prompt
	Answer bool                 // yes
	Stream *planview.StreamView // submit_jobstream
	Task   *planview.TaskView   // submit_job: the job's task (its model id)
}

// Auditor records audit entries (*audit.Log, which writes the durable
// trail first). An error means the entry was not recorded.
type Auditor interface {
	Append(ctx context.Context, e trail.Entry) (trail.Entry, error)
}

// Limiter counts a user's events against their limit (*ratelimit.Limiter).
// An error means the limit could not be checked.
type Limiter interface {
	Allow(ctx context.Context, kind quota.Kind, user string) (quota.Decision, error)
}

// ProposalStore keeps proposals, as Actions encodes them, by id
// (shared/adapter/redis/proposalstore). Swap is a compare-and-set: it writes
// next only while the proposal still holds old, keeping its remaining
// retention (ttl when it has none), and reports false when it lost a race or
// the proposal went. Get reports false for an absent proposal. An error means
// the store could not be read or written.
type ProposalStore interface {
	Create(ctx context.Context, id string, value []byte, ttl time.Duration) error
	Get(ctx context.Context, id string) ([]byte, bool, error)
	Delete(ctx context.Context, id string) error
	Swap(ctx context.Context, id string, old, next []byte, ttl time.Duration) (bool, error)
}

// Operator executes confirmed actions on the plan in HWA (hwa.Operator).
// Each call sends one request, never retried, with the user's
// justification, and returns HWA's receipt. Errors are plan-write errors:
// planwrite.ErrConflict, ErrRejected, ErrForbidden, ErrNotFound, ErrInvalid,
// or ErrUnavailable (or any other error) when the outcome is unknown.
type Operator interface {
	Act(ctx context.Context, a planwrite.JobAction, j planwrite.Justification) (planwrite.Receipt, error)
	Reply(ctx context.Context, r planwrite.Reply, j planwrite.Justification) (planwrite.Receipt, error)
	Submit(ctx context.Context, s planwrite.Submission, j planwrite.Justification) (planwrite.Receipt, error)
}

// ActionsConfig configures Actions. Proposals, HWA, Plan, Guard, Audit and
// Limiter are required, and Impact or Reads.
type ActionsConfig struct {
	Proposals ProposalStore
	HWA       Operator // executes what is confirmed
	Plan      *planview.Service
	Guard     *idempotency.Guard // keyed "confirm:<proposal id>"
	Audit     Auditor            // fail closed: an entry that cannot be recorded refuses what it records
	Limiter   Limiter            // quota.KindAction per user, counted at confirm

	// Expiry is how long a proposal may be confirmed (default 10 minutes).
	Expiry time.Duration
	// Retention is how long a proposal and its outcome are kept (default
	// 24 hours); at least Expiry.
	Retention time.Duration
	// Impact answers a proposal's impact: the same service as the
	// job_impact tool and GET /jobs/{id}/impact (graph first, HWA fallback).
	// Nil means the impact service on HWA alone, read through Reads.
	Impact Impacts
	// Reads reads the plan for the impact when Impact is nil; it must then
	// read jobs and their successor jobs too (impact.Jobs and impact.Flow,
	// as hwa.PlanSource does).
	Reads Reads
	// ImpactDepth is how many levels of successors the impact covers (default 3).
	ImpactDepth int
	// WaitInterval is how often a duplicate confirm checks an attempt in
	// progress (default 50 ms).
	WaitInterval time.Duration
	// Now and NewID default to time.Now and 128 random bits in hex.
	Now   func() time.Time
	NewID func() (string, error)
}

// Actions proposes operator actions and executes confirmed ones exactly
// once. It is safe for concurrent use.
type Actions struct {
	cfg   ActionsConfig
	tools *Tools
}

// NewActions returns Actions; it reports every missing dependency at once.
func NewActions(cfg ActionsConfig) (*Actions, error) {
	var missing []string
	for _, d := range []struct {
		name string
		nil_ bool
	}{{"Proposals", cfg.Proposals == nil}, {"HWA", cfg.HWA == nil}, {"Plan", cfg.Plan == nil}, {"Guard", cfg.Guard == nil},
		{"Audit", cfg.Audit == nil}, {"Limiter", cfg.Limiter == nil}} {
		if d.nil_ {
			missing = append(missing, d.name)
		}
	}
	tools := NewTools(cfg.Plan, cfg.Reads, nil)
	if cfg.Impact == nil && tools.impacts() == nil {
		missing = append(missing, "Impact (or Reads that read jobs)")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("agent: new actions: missing %s", strings.Join(missing, ", "))
	}
	if cfg.Expiry <= 0 {
		cfg.Expiry = 10 * time.Minute
	}
	if cfg.Retention < cfg.Expiry {
		cfg.Retention = max(24*time.Hour, cfg.Expiry)
	}
	if cfg.ImpactDepth <= 0 {
		cfg.ImpactDepth = defaultImpactDepth
	}
	if cfg.WaitInterval <= 0 {
		cfg.WaitInterval = 50 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = randomID
	}
	return &Actions{cfg: cfg, tools: tools}, nil
}

func randomID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// audit appends an entry; its error is returned for the callers that must
// fail closed.
func (a *Actions) audit(ctx context.Context, e trail.Entry) error {
	_, err := a.cfg.Audit.Append(context.WithoutCancel(ctx), e)
	return err
}

func targetNames(ts []Target) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		s := t.Kind + " " + t.Name + " (" + t.ID + ")"
		if t.RunID != "" {
			s += " run " + t.RunID
		}
		out = append(out, s)
	}
	return out
}

// Propose records a proposal of action on the job for user and returns it.
// It executes nothing. Errors: ErrBadRequest (unknown action, a rerun of a
// job that never ran), ErrUnavailable (the proposal store, the audit trail, or HWA's
// successors call failed).
func (a *Actions) Propose(ctx context.Context, user string, req ProposalRequest) (ProposalResult, error) {
	if user == "" {
		return ProposalResult{}, actionErr(ErrBadRequest, nil, "no user")
	}
	if !validAction(req.Action) && req.Action != ActionReplyPrompt {
		return ProposalResult{}, actionErr(ErrBadRequest, nil, "unknown action %q", req.Action)
	}
	propose := a.propose
	if req.Action == ActionReplyPrompt {
		propose = a.proposePromptReply
	}
	res, err := propose(ctx, user, req)
	if err != nil {
		msg := "failed"
		var ae *ActionError
		if errors.As(err, &ae) {
			msg = "failed: " + ae.Message
		}
		_ = a.audit(ctx, trail.Entry{User: user, Action: "proposal:" + req.Action,
			Targets: []string{req.subject()}, Result: msg})
	}
	return res, err
}

func (a *Actions) propose(ctx context.Context, user string, req ProposalRequest) (ProposalResult, error) {
	if isSubmission(req.Action) {
		return a.proposeSubmission(ctx, user, req)
	}
	j := req.Job
	t := Target{Kind: "job", ID: j.ID, Name: j.Name, Stream: j.Stream, Workstation: j.Workstation}
	if req.Action == ActionRerun {
		if j.LastRun == nil || j.LastRun.ID == "" {
			return ProposalResult{}, actionErr(ErrBadRequest, nil, "job %s (%s) has not run, so it cannot be rerun", j.Name, j.ID)
		}
		t.RunID = j.LastRun.ID
	}
	svc := a.cfg.Impact
	if svc == nil {
		svc = a.tools.impacts()
	}
	imp, err := impactResult(ctx, svc, j, a.cfg.ImpactDepth)
	if err != nil {
		return ProposalResult{}, actionErr(ErrUnavailable, err, "the successors of %s could not be read from the knowledge graph or HWA", j.Name)
	}
	fi := frames.Impact{Successors: make([]frames.Target, 0, len(imp.Successors)), Critical: imp.Critical, Summary: imp.Summary}
	for _, n := range imp.Successors {
		fi.Successors = append(fi.Successors, frames.Target{Kind: n.Kind, ID: n.ID, Name: n.Name})
	}
	return a.store(ctx, user, req.Action, t, fi)
}

// store records and audits a pending proposal of action on t; a proposal
// that cannot be audited is deleted, so it can never be confirmed.
func (a *Actions) store(ctx context.Context, user, action string, t Target, impact frames.Impact) (ProposalResult, error) {
	id, err := a.cfg.NewID()
	if err != nil {
		return ProposalResult{}, actionErr(ErrUnavailable, err, "no proposal id")
	}
	now := a.cfg.Now().UTC()
	p := Proposal{ID: id, User: user, Action: action, Targets: []Target{t}, CreatedAt: now,
		ExpiresAt: now.Add(a.cfg.Expiry), Status: StatusPending, Impact: impact}
	b, err := json.Marshal(p)
	if err != nil {
		return ProposalResult{}, fmt.Errorf("agent: propose: encode: %w", err)
	}
	if err := a.cfg.Proposals.Create(ctx, id, b, a.cfg.Retention); err != nil {
		return ProposalResult{}, actionErr(ErrUnavailable, err, "the proposal could not be stored")
	}
	if err := a.audit(ctx, trail.Entry{User: user, Action: "proposal:" + action, Targets: targetNames(p.Targets),
		Result: "proposed", Detail: "proposal " + id + "; " + impact.Summary, ProposalID: id, ExpiresAt: p.ExpiresAt}); err != nil {
		_ = a.cfg.Proposals.Delete(context.WithoutCancel(ctx), id) // not auditable: not confirmable
		return ProposalResult{}, actionErr(ErrUnavailable, err, "the proposal could not be audited")
	}
	return p.Result(), nil
}

// Get returns a stored proposal. Errors: ErrNotFound, ErrUnavailable.
func (a *Actions) Get(ctx context.Context, id string) (Proposal, error) {
	if id == "" || len(id) > 128 {
		return Proposal{}, actionErr(ErrNotFound, nil, "no proposal %q", id)
	}
	b, found, err := a.cfg.Proposals.Get(ctx, id)
	if err != nil {
		return Proposal{}, actionErr(ErrUnavailable, err, "proposals cannot be read right now")
	}
	if !found {
		return Proposal{}, actionErr(ErrNotFound, nil, "no proposal %q (it may be older than its retention)", id)
	}
	var p Proposal
	if err := json.Unmarshal(b, &p); err != nil {
		return Proposal{}, fmt.Errorf("agent: get proposal %s: decode: %w", id, err)
	}
	return p, nil
}

// errStop ends update without writing.
var errStop = errors.New("agent: no change")

// update changes a proposal atomically (optimistic, compare-and-set):
// change sees the current state and edits it, or returns an error to leave
// it. A change that loses a race is run again on the state that won.
func (a *Actions) update(ctx context.Context, id string, change func(*Proposal) error) (Proposal, error) {
	var out Proposal
	for range 20 {
		b, found, err := a.cfg.Proposals.Get(ctx, id)
		if err != nil {
			return out, actionErr(ErrUnavailable, err, "proposals cannot be read right now")
		}
		if !found {
			return out, actionErr(ErrNotFound, nil, "no proposal %q", id)
		}
		var p Proposal
		if err := json.Unmarshal(b, &p); err != nil {
			return out, actionErr(ErrUnavailable, fmt.Errorf("agent: proposal %s: decode: %w", id, err), "proposals cannot be updated right now")
		}
		if err := change(&p); err != nil {
			return p, err
		}
		nb, err := json.Marshal(p)
		if err != nil {
			return out, actionErr(ErrUnavailable, fmt.Errorf("agent: proposal %s: encode: %w", id, err), "proposals cannot be updated right now")
		}
		swapped, err := a.cfg.Proposals.Swap(ctx, id, b, nb, a.cfg.Retention)
		if err != nil {
			return p, actionErr(ErrUnavailable, err, "proposals cannot be updated right now")
		}
		if swapped {
			return p, nil
		}
	}
	return out, actionErr(ErrUnavailable, nil, "the proposal is changing too often")
}

// confirmPayload is what must match for a repeated confirm to replay.
type confirmPayload struct {
	ProposalID    string `json:"proposalId"`
	User          string `json:"user"`
	Justification string `json:"justification"`
	Category      string `json:"category,omitempty"`
	Ticket        string `json:"ticket,omitempty"`
}

// bounded checks the lengths of a confirm's or cancel's fields with the
// protocol's limits (frames.Limit), before anything is read or written, so
// that no refusal stores more than the limits allow.
func bounded(proposalID, justification, category, ticket string) *ActionError {
	switch {
	case proposalID == "" || len(proposalID) > frames.MaxIDBytes:
		return actionErr(ErrBadRequest, nil, "a proposal id has 1 to %d bytes", frames.MaxIDBytes)
	case len(justification) > frames.MaxJustificationBytes:
		return actionErr(ErrBadRequest, nil, "the justification is longer than %d bytes", frames.MaxJustificationBytes)
	case len(category) > frames.MaxCategoryBytes || len(ticket) > frames.MaxTicketBytes:
		return actionErr(ErrBadRequest, nil, "the category and ticket must be at most %d bytes", frames.MaxTicketBytes)
	}
	return nil
}

func mayAct(roles []string) bool {
	for _, r := range roles {
		if access.Role(r).Allows(access.RoleOperator) {
			return true
		}
	}
	return false
}

// Confirm executes proposal id for user, exactly once: only a user with the
// operator (or admin) role, only the proposal's own user, only before its
// expiry, and only with a justification, which is sent to HWA as the
// Justification-Description header (category and ticket as
// Justification-Category and Justification-Ticket-Num). The plan cache is
// invalidated after the action. A repeated confirm — concurrent or later —
// gets the first one's outcome with Replayed set and sends nothing to HWA.
//
// An HWA refusal or an unknown outcome (HWA unreachable mid-call) is an
// Outcome with OK false, not an error; it is never retried automatically.
// Fields over the protocol's limits (frames.Limit) are refused before
// anything is read or written, the audit trail included; every other refusal
// is audited.
//
// Errors (*ActionError): ErrBadRequest (no justification, a field too long), ErrForbidden
// (role or user), ErrNotFound, ErrExpired, ErrConflict (canceled, or already
// confirmed with another justification), ErrRateLimited (RetryAfter set),
// ErrUnavailable (the proposal store or the audit trail down: nothing was executed).
func (a *Actions) Confirm(ctx context.Context, user string, roles []string, proposalID, justification, category, ticket string) (Outcome, error) {
	justification = strings.TrimSpace(justification)
	category, ticket = strings.TrimSpace(category), strings.TrimSpace(ticket)
	if err := bounded(proposalID, justification, category, ticket); err != nil {
		return Outcome{}, err
	}
	refuse := func(err *ActionError, targets []string) (Outcome, error) {
		_ = a.audit(ctx, trail.Entry{User: orUnknown(user), Action: "confirm", Targets: targets, Justification: justification,
			Result: "refused: " + err.Message, Detail: "proposal " + proposalID, ProposalID: proposalID, Category: category, Ticket: ticket})
		return Outcome{}, err
	}
	switch {
	case user == "":
		return refuse(actionErr(ErrForbidden, nil, "no user"), nil)
	case !mayAct(roles):
		return refuse(actionErr(ErrForbidden, nil, "only an operator or an admin may confirm an action"), nil)
	case justification == "":
		return refuse(actionErr(ErrBadRequest, nil, "a justification is required to confirm an action"), nil)
	}
	p, err := a.Get(ctx, proposalID)
	if err != nil {
		var ae *ActionError
		if errors.As(err, &ae) {
			return refuse(ae, nil)
		}
		return Outcome{}, err
	}
	targets := targetNames(p.Targets)
	if p.User != user {
		return refuse(actionErr(ErrForbidden, nil, "this proposal belongs to another user"), targets)
	}
	switch {
	case p.Status == StatusCanceled:
		return refuse(actionErr(ErrConflict, nil, "the proposal was canceled"), targets)
	case p.Status == StatusPending && !a.cfg.Now().Before(p.ExpiresAt):
		return refuse(actionErr(ErrExpired, nil, "the proposal expired at %s; ask for a new one", p.ExpiresAt.UTC().Format(time.RFC3339)), targets)
	}
	payload, err := json.Marshal(confirmPayload{ProposalID: p.ID, User: user, Justification: justification, Category: category, Ticket: ticket})
	if err != nil {
		return Outcome{}, fmt.Errorf("agent: confirm %s: encode: %w", p.ID, err)
	}
	j := planwrite.Justification{Category: category, Description: justification, Ticket: ticket}
	res, err := a.cfg.Guard.DoWait(ctx, "confirm:"+p.ID, payload, a.cfg.WaitInterval, func(ctx context.Context) ([]byte, error) {
		o, err := a.execute(ctx, user, p.ID, j)
		if err != nil {
			return nil, err
		}
		return json.Marshal(o)
	})
	if err != nil {
		var ae *ActionError
		switch {
		case errors.As(err, &ae):
			return refuse(ae, targets)
		case errors.Is(err, idempotency.ErrPayloadMismatch):
			return refuse(actionErr(ErrConflict, err, "this proposal was already confirmed with another justification"), targets)
		case errors.Is(err, idempotency.ErrStore):
			if len(res.Result) == 0 {
				return refuse(actionErr(ErrUnavailable, err, "actions cannot be confirmed right now: nothing was executed"), targets)
			}
			// The action ran but its record could not be saved: report it.
		default:
			return refuse(actionErr(ErrUnavailable, err, "the confirmation did not complete"), targets)
		}
	}
	var o Outcome
	if err := json.Unmarshal(res.Result, &o); err != nil {
		return Outcome{}, fmt.Errorf("agent: confirm %s: decode outcome: %w", p.ID, err)
	}
	if res.Replayed || o.Replayed {
		o.Replayed = true
		_ = a.audit(ctx, trail.Entry{User: user, Action: "confirm", Targets: targets, Justification: justification,
			Result: "replayed: " + o.Message, Detail: "proposal " + p.ID, ProposalID: p.ID, Category: category, Ticket: ticket})
	}
	return o, nil
}

func orUnknown(user string) string {
	if user == "" {
		return "(unknown)"
	}
	return user
}

// execute runs under the idempotency record: rate limit, claim the
// proposal, audit, call HWA, record the outcome, invalidate the cache.
// Errors mean nothing was sent to HWA.
func (a *Actions) execute(ctx context.Context, user, id string, j planwrite.Justification) (Outcome, error) {
	var replay *Outcome
	p, err := a.update(ctx, id, func(p *Proposal) error {
		switch p.Status {
		case StatusExecuted:
			replay = p.Outcome
			return errStop
		case StatusExecuting:
			return actionErr(ErrConflict, nil, "the proposal is being executed")
		case StatusCanceled:
			return actionErr(ErrConflict, nil, "the proposal was canceled")
		}
		if !a.cfg.Now().Before(p.ExpiresAt) {
			return actionErr(ErrExpired, nil, "the proposal expired at %s; ask for a new one", p.ExpiresAt.UTC().Format(time.RFC3339))
		}
		p.Status = StatusExecuting
		return nil
	})
	if errors.Is(err, errStop) && replay != nil {
		o := *replay
		o.Replayed = true
		return o, nil
	}
	if err != nil {
		return Outcome{}, err
	}
	d, err := a.cfg.Limiter.Allow(ctx, quota.KindAction, user)
	if err != nil {
		a.revert(ctx, id)
		return Outcome{}, actionErr(ErrUnavailable, err, "the action rate limit cannot be checked: nothing was executed")
	}
	if !d.Allowed {
		a.revert(ctx, id)
		e := actionErr(ErrRateLimited, d.Err(quota.KindAction), "too many actions; try again in %s", d.RetryAfter.Round(time.Second))
		e.RetryAfter = d.RetryAfter
		return Outcome{}, e
	}
	// The record of the confirmation is written — to the durable trail
	// first — before HWA is called; if it cannot be, nothing is executed.
	targets := targetNames(p.Targets)
	if err := a.audit(ctx, trail.Entry{User: user, Action: "confirm", Targets: targets, Justification: j.Description,
		Result: "accepted", Detail: fmt.Sprintf("proposal %s; %s; category %q; ticket %q", p.ID, p.Action, j.Category, j.Ticket),
		ProposalID: p.ID, Category: j.Category, Ticket: j.Ticket}); err != nil {
		a.revert(ctx, id)
		return Outcome{}, actionErr(ErrUnavailable, err, "the confirmation could not be audited: nothing was executed")
	}

	o := Outcome{ProposalID: p.ID, Action: p.Action, Targets: p.Targets, OK: true}
	t := p.Targets[0]
	var rr planwrite.Receipt
	switch p.Action {
	case ActionRerun:
		rr, err = a.cfg.HWA.Act(ctx, planwrite.JobAction{Verb: planwrite.Rerun, ID: t.RunID}, j)
	case ActionHold:
		rr, err = a.cfg.HWA.Act(ctx, planwrite.JobAction{Verb: planwrite.Hold, ID: t.ID}, j)
	case ActionRelease:
		rr, err = a.cfg.HWA.Act(ctx, planwrite.JobAction{Verb: planwrite.Release, ID: t.ID}, j)
	case ActionCancel:
		rr, err = a.cfg.HWA.Act(ctx, planwrite.JobAction{Verb: planwrite.Cancel, ID: t.ID}, j)
	case ActionKill:
		rr, err = a.cfg.HWA.Act(ctx, planwrite.JobAction{Verb: planwrite.Kill, ID: t.ID}, j)
	case ActionConfirmSucc:
		rr, err = a.cfg.HWA.Act(ctx, planwrite.JobAction{Verb: planwrite.ConfirmSucc, ID: t.ID}, j)
	case ActionConfirmAbend:
		rr, err = a.cfg.HWA.Act(ctx, planwrite.JobAction{Verb: planwrite.ConfirmAbend, ID: t.ID}, j)
	case ActionReplyPrompt:
		rr, err = a.cfg.HWA.Reply(ctx, planwrite.Reply{PromptID: t.ID, Yes: t.Answer == "yes"}, j)
	case ActionSubmitStream:
		rr, err = a.cfg.HWA.Submit(ctx, planwrite.Submission{Kind: planwrite.SubmitStream, ModelID: t.ModelID}, j)
	case ActionSubmitJob:
		rr, err = a.cfg.HWA.Submit(ctx, planwrite.Submission{Kind: planwrite.SubmitJob, ModelID: t.ModelID, Workstation: t.Workstation}, j)
	default:
		err = fmt.Errorf("agent: unknown action %q", p.Action)
	}
	o.ExecutedAt = a.cfg.Now().UTC()
	if err != nil {
		o.OK = false
		o.Message = hwaFailure(p.Action, t.Name, err)
	} else {
		o.ResourceID = rr.ID
		o.Message = fmt.Sprintf("%s of %s (%s) sent to HWA", p.Action, t.Name, t.ID)
		if p.Action == ActionReplyPrompt {
			o.Message = fmt.Sprintf("reply %s to prompt %s (%s) sent to HWA", t.Answer, t.Name, t.ID)
		}
	}
	detail := "proposal " + p.ID
	if ierr := a.invalidateAfter(context.WithoutCancel(ctx), p); ierr != nil {
		detail += "; cache invalidation failed, views may lag"
	}
	if err != nil {
		detail += "; " + err.Error()
	}
	result := "ok"
	if !o.OK {
		result = "failed: " + o.Message
	}
	// The outcome is audited best-effort: the action has happened, and its
	// "accepted" record is already durable.
	_ = a.audit(ctx, trail.Entry{User: user, Action: "execute:" + p.Action, Targets: targets, Justification: j.Description,
		Result: result, Detail: detail, ProposalID: p.ID, Category: j.Category, Ticket: j.Ticket})
	if _, err := a.update(context.WithoutCancel(ctx), id, func(p *Proposal) error {
		p.Status, p.Outcome = StatusExecuted, &o
		return nil
	}); err != nil {
		// The idempotency record still replays the outcome; the proposal
		// stays "executing", which refuses a cancel and any other confirm.
		_ = err
	}
	return o, nil
}

// revert puts a proposal claimed for execution back to pending.
func (a *Actions) revert(ctx context.Context, id string) {
	_, _ = a.update(context.WithoutCancel(ctx), id, func(p *Proposal) error {
		if p.Status != StatusExecuting {
			return errStop
		}
		p.Status = StatusPending
		return nil
	})
}

// hwaFailure says why HWA did not execute action on job, by the kind of
// err (a plan-write error); any other error leaves the outcome unknown.
func hwaFailure(action, job string, err error) string {
	switch {
	case errors.Is(err, planwrite.ErrConflict):
		return fmt.Sprintf("HWA refused to %s %s: the job's state does not allow it", action, job)
	case errors.Is(err, planwrite.ErrRejected):
		return fmt.Sprintf("HWA rejected the %s of %s", action, job)
	case errors.Is(err, planwrite.ErrForbidden):
		return fmt.Sprintf("HWA did not permit the %s of %s", action, job)
	case errors.Is(err, planwrite.ErrNotFound):
		return fmt.Sprintf("%s is no longer in the plan", job)
	case errors.Is(err, planwrite.ErrInvalid):
		return fmt.Sprintf("HWA refused the %s of %s as invalid", action, job)
	}
	return fmt.Sprintf("HWA did not answer the %s of %s: the outcome is unknown; check the job before trying again", action, job)
}

// Cancel drops a pending proposal of user. Canceling a canceled proposal
// succeeds. A proposal id over the protocol's limit is refused before
// anything is read or written. Errors (*ActionError): ErrBadRequest (id too
// long or empty), ErrForbidden (another user's), ErrNotFound, ErrConflict
// (already executed or executing), ErrUnavailable.
func (a *Actions) Cancel(ctx context.Context, user, proposalID string) error {
	if err := bounded(proposalID, "", "", ""); err != nil {
		return err
	}
	var targets []string
	_, err := a.update(ctx, proposalID, func(p *Proposal) error {
		targets = targetNames(p.Targets)
		switch {
		case p.User != user:
			return actionErr(ErrForbidden, nil, "this proposal belongs to another user")
		case p.Status == StatusCanceled:
			return errStop
		case p.Status != StatusPending:
			return actionErr(ErrConflict, nil, "the proposal was already confirmed")
		}
		p.Status = StatusCanceled
		return nil
	})
	result := "canceled"
	switch {
	case errors.Is(err, errStop):
		err, result = nil, "already canceled"
	case err != nil:
		var ae *ActionError
		if errors.As(err, &ae) {
			result = "refused: " + ae.Message
		} else {
			result = "failed"
		}
	}
	_ = a.audit(ctx, trail.Entry{User: orUnknown(user), Action: "cancel", Targets: targets, Result: result, Detail: "proposal " + proposalID, ProposalID: proposalID})
	return err
}
