package agent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/internal/s3local"
	"github.com/resync/resync/internal/testenv"
	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/adapter/redis/ratelimit"
	"github.com/resync/resync/shared/adapter/s3audit"
	"github.com/resync/resync/shared/app/agent/agenttest"
	"github.com/resync/resync/shared/app/impact"
	"github.com/resync/resync/shared/domain/llm"
)

const justification = "rerun after the disk was cleaned"

// propose runs the operator agent on "rerun <job>" and returns the
// proposal it made.
func (e *env) propose(t *testing.T, user, action, job string) ProposalResult {
	t.Helper()
	m := agenttest.New(
		agenttest.Tools(agenttest.Use(ToolProposeAction, ProposeActionInput{Action: action, Job: job})),
		agenttest.Text("Proposed; confirm it with a justification."),
	)
	sink := &agenttest.Sink{}
	tn := Turn{User: user, Roles: operator, ConversationID: "c-" + user, MessageID: "m1", AgentID: "operator", Text: action + " " + job}
	ans, err := e.runner(t, m, RunnerConfig{}).Run(context.Background(), tn, sink)
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Proposals) != 1 || len(sink.Proposals) != 1 {
		t.Fatalf("got %d proposals and %d proposal frames (tools %v), want 1", len(ans.Proposals), len(sink.Proposals), sink.Tools)
	}
	if sink.Proposals[0].ProposalID != ans.Proposals[0].ProposalID || sink.Proposals[0].ID != "m1" {
		t.Errorf("proposal frame %+v does not match %+v", sink.Proposals[0], ans.Proposals[0])
	}
	return ans.Proposals[0]
}

func TestProposeConfirmRerunsExactlyOnce(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	job := e.jobWithSuccessors(t)
	p := e.propose(t, "alice", ActionRerun, job.Name)

	if p.Action != ActionRerun || len(p.Targets) != 1 || p.Targets[0].ID != job.ID || p.Targets[0].RunID != job.LastRun.ID {
		t.Errorf("proposal %+v: want a rerun of %s from run %s", p, job.ID, job.LastRun.ID)
	}
	succ, err := e.hc.Successors(ctx, job.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(p.Impact.Successors), len(succ); got != want || want == 0 {
		t.Errorf("impact lists %d successors, HWA has %d", got, want)
	}
	if got, want := p.ExpiresAt, t0.Add(10*time.Minute); !got.Equal(want) {
		t.Errorf("expiresAt %v, want %v", got, want)
	}
	if n := len(e.sim.Actions()); n != 0 {
		t.Fatalf("proposing made %d HWA actions", n)
	}

	o, err := e.actions.Confirm(ctx, "alice", operator, p.ProposalID, justification, "Recovery", "INC-42")
	if err != nil {
		t.Fatal(err)
	}
	if !o.OK || o.Replayed {
		t.Errorf("outcome %+v: want ok, not replayed", o)
	}
	reruns := e.actionsOf("rerun")
	if len(reruns) != 1 {
		t.Fatalf("HWA got %d reruns, want 1", len(reruns))
	}
	a := reruns[0]
	if a.TargetID != job.LastRun.ID {
		t.Errorf("rerun of %s, want run %s", a.TargetID, job.LastRun.ID)
	}
	for h, want := range map[string]string{"Justification-Description": justification, "Justification-Category": "Recovery", "Justification-Ticket-Num": "INC-42"} {
		if got := a.Headers.Get(h); got != want {
			t.Errorf("%s: got %q, want %q", h, got, want)
		}
	}

	// The same confirm again replays and sends nothing.
	o2, err := e.actions.Confirm(ctx, "alice", operator, p.ProposalID, justification, "Recovery", "INC-42")
	if err != nil {
		t.Fatal(err)
	}
	if !o2.Replayed || o2.Message != o.Message {
		t.Errorf("second confirm: %+v, want the first outcome replayed", o2)
	}
	if n := len(e.sim.Actions()); n != 1 {
		t.Errorf("after a second confirm HWA has %d actions, want 1", n)
	}
	// After the expiry, and after the idempotency record is gone, the
	// outcome is still replayed from the proposal, without using the
	// user's action budget.
	e.clock.Advance(time.Hour)
	e.mr.FastForward(2 * time.Hour)
	o3, err := e.actions.Confirm(ctx, "alice", operator, p.ProposalID, justification, "Recovery", "INC-42")
	if err != nil || !o3.Replayed || o3.Message != o.Message {
		t.Errorf("confirm after expiry: %+v, %v; want the outcome replayed", o3, err)
	}
	if n := len(e.sim.Actions()); n != 1 {
		t.Errorf("after a third confirm HWA has %d actions, want 1", n)
	}
	// A different justification for the same proposal is a conflict.
	if _, err := e.actions.Confirm(ctx, "alice", operator, p.ProposalID, "other reason", "", ""); !errors.Is(err, ErrConflict) {
		t.Errorf("confirm with another justification: got %v, want ErrConflict", err)
	}
	// Canceling an executed proposal is refused.
	if err := e.actions.Cancel(ctx, "alice", p.ProposalID); !errors.Is(err, ErrConflict) {
		t.Errorf("cancel after execution: got %v, want ErrConflict", err)
	}

	// The audit trail has the proposal, the confirmation, the execution and
	// the replay, newest first.
	var got []string
	for _, en := range e.auditActions(t) {
		got = append(got, en.Action+" "+strings.SplitN(en.Result, ":", 2)[0])
		if en.User != "alice" {
			t.Errorf("audit entry by %q", en.User)
		}
	}
	want := []string{"cancel refused", "confirm refused", "confirm replayed", "confirm replayed", "execute:rerun ok", "confirm accepted", "proposal:rerun proposed"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("audit: got %v, want %v", got, want)
	}
	for _, en := range e.auditActions(t) {
		if en.Action == "execute:rerun" && (en.Justification != justification || len(en.Targets) != 1 || !strings.Contains(en.Targets[0], job.ID)) {
			t.Errorf("execution entry %+v lacks the justification or target", en)
		}
	}
}

func TestConfirmInvalidatesTheCache(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	job := e.jobWithSuccessors(t)
	before, err := e.plan.Job(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	p := e.propose(t, "alice", ActionHold, job.ID)
	if _, err := e.actions.Confirm(ctx, "alice", operator, p.ProposalID, "hold for investigation", "", ""); err != nil {
		t.Fatal(err)
	}
	after, err := e.plan.Job(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !after.AsOf.After(before.AsOf) && after.Job.Priority == before.Job.Priority && after.Job.InternalStatus == before.Job.InternalStatus {
		t.Errorf("the job view was not reloaded after the hold: before %+v, after %+v", before.Meta, after.Meta)
	}
	if len(e.actionsOf("hold")) != 1 {
		t.Errorf("HWA got %d holds, want 1", len(e.actionsOf("hold")))
	}
}

func TestConfirmRefusals(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		user  string
		roles []string
		just  string
		setup func(e *env, id string)
		want  error
	}{
		{"viewer", "alice", []string{"viewer"}, justification, nil, ErrForbidden},
		{"no role", "alice", nil, justification, nil, ErrForbidden},
		{"another user", "bob", operator, justification, nil, ErrForbidden},
		{"no justification", "alice", operator, "  ", nil, ErrBadRequest},
		{"expired", "alice", operator, justification, func(e *env, _ string) { e.clock.Advance(10*time.Minute + time.Second) }, ErrExpired},
		{"canceled", "alice", operator, justification, func(e *env, id string) {
			if err := e.actions.Cancel(ctx, "alice", id); err != nil {
				t.Fatal(err)
			}
		}, ErrConflict},
		{"unknown proposal", "alice", operator, justification, func(e *env, _ string) {}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			job := e.abended(t)[0]
			p := e.propose(t, "alice", ActionRerun, job.ID)
			id := p.ProposalID
			if tc.setup != nil {
				tc.setup(e, id)
			}
			want := tc.want
			if want == nil {
				id, want = "no-such-proposal", ErrNotFound
			}
			_, err := e.actions.Confirm(ctx, tc.user, tc.roles, id, tc.just, "", "")
			if !errors.Is(err, want) {
				t.Errorf("got %v, want %v", err, want)
			}
			if Code(err) == "internal" {
				t.Errorf("Code(%v) is internal", err)
			}
			if n := len(e.sim.Actions()); n != 0 {
				t.Errorf("a refused confirm made %d HWA actions", n)
			}
			refused := 0
			for _, en := range e.auditActions(t) {
				if en.Action == "confirm" && strings.HasPrefix(en.Result, "refused") {
					refused++
				}
			}
			if refused != 1 {
				t.Errorf("audit has %d refused confirms, want 1", refused)
			}
		})
	}
}

func TestAdminMayConfirm(t *testing.T) {
	e := newEnv(t, envOptions{})
	p := e.propose(t, "root", ActionRerun, e.abended(t)[0].ID)
	if _, err := e.actions.Confirm(context.Background(), "root", []string{"admin"}, p.ProposalID, justification, "", ""); err != nil {
		t.Fatal(err)
	}
	if n := len(e.actionsOf("rerun")); n != 1 {
		t.Errorf("got %d reruns, want 1", n)
	}
}

func TestConfirmRateLimitedPerUser(t *testing.T) {
	e := newEnv(t, envOptions{rules: map[ratelimit.Kind]ratelimit.Rule{
		ratelimit.KindAction:  {Rate: 1, Period: time.Hour},
		ratelimit.KindMessage: {Rate: 100, Period: time.Minute},
	}})
	ctx := context.Background()
	jobs := e.abended(t)
	p1 := e.propose(t, "alice", ActionRerun, jobs[0].ID)
	p2 := e.propose(t, "alice", ActionRerun, jobs[1].ID)
	if _, err := e.actions.Confirm(ctx, "alice", operator, p1.ProposalID, justification, "", ""); err != nil {
		t.Fatal(err)
	}
	_, err := e.actions.Confirm(ctx, "alice", operator, p2.ProposalID, justification, "", "")
	var ae *ActionError
	if !errors.Is(err, ErrRateLimited) || !errors.As(err, &ae) || ae.RetryAfter <= 0 {
		t.Fatalf("second action: got %v, want ErrRateLimited with a retry time", err)
	}
	if n := len(e.sim.Actions()); n != 1 {
		t.Errorf("HWA got %d actions, want 1", n)
	}
	// The refused confirm left the proposal confirmable later.
	pr, err := e.actions.Get(ctx, p2.ProposalID)
	if err != nil || pr.Status != StatusPending {
		t.Errorf("proposal after a rate-limited confirm: %q (%v), want pending", pr.Status, err)
	}
}

func TestCancel(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	p := e.propose(t, "alice", ActionKill, e.abended(t)[0].ID)
	if err := e.actions.Cancel(ctx, "bob", p.ProposalID); !errors.Is(err, ErrForbidden) {
		t.Errorf("bob cancels alice's proposal: got %v, want ErrForbidden", err)
	}
	if err := e.actions.Cancel(ctx, "alice", p.ProposalID); err != nil {
		t.Fatal(err)
	}
	if err := e.actions.Cancel(ctx, "alice", p.ProposalID); err != nil {
		t.Errorf("second cancel: %v, want nil", err)
	}
	if err := e.actions.Cancel(ctx, "alice", "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("cancel unknown: got %v, want ErrNotFound", err)
	}
}

func TestProposeRerunOfJobThatNeverRan(t *testing.T) {
	e := newEnv(t, envOptions{})
	job := e.abended(t)[0]
	job.LastRun = nil
	_, err := e.actions.Propose(context.Background(), "alice", ProposalRequest{Action: ActionRerun, Job: job})
	if !errors.Is(err, ErrBadRequest) {
		t.Errorf("got %v, want ErrBadRequest", err)
	}
	if o := proposeError(err); o.value.(ErrorResult).Code != CodeBadInput || !strings.Contains(o.summary, "has not run") {
		t.Errorf("tool result %+v: want bad_input saying the job has not run", o.value)
	}
	if en := e.auditActions(t); len(en) != 1 || en[0].Action != "proposal:rerun" || !strings.HasPrefix(en[0].Result, "failed: ") {
		t.Errorf("audit %+v: want the failed proposal", en)
	}
}

// concurrentConfirms sends n identical confirms at once and returns how
// many succeeded.
func concurrentConfirms(t *testing.T, e *env, n int) {
	t.Helper()
	p := e.propose(t, "alice", ActionRerun, e.abended(t)[0].ID)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	fresh, replayed := 0, 0
	errs := map[string]int{}
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, err := e.actions.Confirm(ctx, "alice", operator, p.ProposalID, justification, "", "")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				errs[err.Error()]++
			case o.Replayed:
				replayed++
			default:
				fresh++
			}
		}()
	}
	wg.Wait()
	if got := len(e.actionsOf("rerun")); got != 1 {
		t.Errorf("%d concurrent confirms made %d reruns, want 1", n, got)
	}
	if fresh != 1 || replayed != n-1 {
		t.Errorf("got %d fresh and %d replayed outcomes (errors %v), want 1 and %d", fresh, replayed, errs, n-1)
	}
}

func TestConcurrentConfirmsMiniredis(t *testing.T) {
	concurrentConfirms(t, newEnv(t, envOptions{}), 100)
}

func TestConcurrentConfirmsRealRedis(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t), PoolSize: 128})
	t.Cleanup(func() { _ = rdb.Close() })
	concurrentConfirms(t, newEnv(t, envOptions{rdb: rdb}), 100)
}

func TestRedisDownExecutesNothing(t *testing.T) {
	t.Run("all of Redis", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		p := e.propose(t, "alice", ActionRerun, e.abended(t)[0].ID)
		e.mr.Close()
		_, err := e.actions.Confirm(context.Background(), "alice", operator, p.ProposalID, justification, "", "")
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("got %v, want ErrUnavailable", err)
		}
		if n := len(e.sim.Actions()); n != 0 {
			t.Errorf("HWA got %d actions with Redis down", n)
		}
	})
	t.Run("idempotency store", func(t *testing.T) {
		gmr := miniredis.RunT(t)
		grdb := redis.NewClient(&redis.Options{Addr: gmr.Addr(), MaxRetries: -1})
		t.Cleanup(func() { _ = grdb.Close() })
		e := newEnv(t, envOptions{guard: grdb})
		p := e.propose(t, "alice", ActionRerun, e.abended(t)[0].ID)
		gmr.Close()
		_, err := e.actions.Confirm(context.Background(), "alice", operator, p.ProposalID, justification, "", "")
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("got %v, want ErrUnavailable", err)
		}
		if n := len(e.sim.Actions()); n != 0 {
			t.Errorf("HWA got %d actions with the idempotency store down", n)
		}
	})
}

func TestHWAFailureIsAnOutcomeNotRetried(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	// Releasing a job that is not held: the simulator answers 409.
	var job string
	for _, j := range e.abended(t) {
		job = j.ID
		break
	}
	p := e.propose(t, "alice", ActionRelease, job)
	o, err := e.actions.Confirm(ctx, "alice", operator, p.ProposalID, "release it", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(e.actionsOf("release")) != 1 {
		t.Fatalf("HWA got %d releases, want 1", len(e.actionsOf("release")))
	}
	// The simulator is deterministic: a job that has run cannot be
	// released, so HWA answers 409 and the outcome is a failure.
	if st := e.actionsOf("release")[0].Status; o.OK || st != http.StatusConflict {
		t.Fatalf("release of an abended job: outcome %+v, HWA status %d; want a failed outcome from a 409", o, st)
	}
	if o.Message == "" || strings.Contains(o.Message, "hwa:") {
		t.Errorf("failure message %q: want a safe sentence", o.Message)
	}
	o2, err := e.actions.Confirm(ctx, "alice", operator, p.ProposalID, "release it", "", "")
	if err != nil || !o2.Replayed || o2.OK {
		t.Errorf("repeat: %+v, %v; want the failure replayed", o2, err)
	}
	if len(e.actionsOf("release")) != 1 {
		t.Errorf("a failed action was retried")
	}
}

func TestCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{actionErr(ErrForbidden, nil, "x"), "forbidden"},
		{actionErr(ErrExpired, nil, "x"), "expired"},
		{actionErr(ErrRateLimited, nil, "x"), "rate_limited"},
		{fmt.Errorf("run: %w", ErrInvalidTurn), "bad_frame"},
		{fmt.Errorf("get: %w", ErrUnknownAgent), "not_found"},
		{fmt.Errorf("model: %w", llm.ErrThrottled), "rate_limited"},
		{fmt.Errorf("model: %w", llm.ErrUnavailable), "unavailable"},
		{context.DeadlineExceeded, "unavailable"},
		{errors.New("boom"), "internal"},
	} {
		if got := Code(tc.err); got != tc.want {
			t.Errorf("Code(%v): got %q, want %q", tc.err, got, tc.want)
		}
	}
}

// recordingImpacts answers like the impact service and remembers it was asked.
type recordingImpacts struct {
	Impacts
	asked []string
}

func (r *recordingImpacts) Impact(ctx context.Context, jobID string, depth int) (impact.Impact, error) {
	r.asked = append(r.asked, jobID)
	im, err := r.Impacts.Impact(ctx, jobID, depth)
	im.Summary = "from the impact service: " + im.Summary
	return im, err
}

// A proposal's impact is the impact service's — the same one job_impact and
// GET /jobs/{id}/impact use — not a private HWA walk of its own.
func TestProposalImpactComesFromTheImpactService(t *testing.T) {
	e := newEnv(t, envOptions{})
	rec := &recordingImpacts{Impacts: e.tools.impacts()}
	cfg := e.actions.cfg
	cfg.Impact = rec
	actions, err := NewActions(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.actions = actions
	e.tools = NewTools(e.plan, e.src, actions)
	job := e.jobWithSuccessors(t)
	p := e.propose(t, "alice", ActionRerun, job.Name)
	if len(rec.asked) != 1 || rec.asked[0] != job.ID {
		t.Fatalf("impact service asked for %v, want [%s]", rec.asked, job.ID)
	}
	if !strings.HasPrefix(p.Impact.Summary, "from the impact service: ") || len(p.Impact.Successors) == 0 {
		t.Errorf("proposal impact %+v does not come from the impact service", p.Impact)
	}
}

// Fields over the protocol's limits are refused before anything is written:
// a viewer's confirm with a huge justification or proposal id, and a cancel
// with a huge proposal id, leave the audit trail as it was. (The role check
// used to run first and audit the justification and proposal id whole.)
func TestOverlongFieldsWriteNothing(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	p := e.propose(t, "alice", ActionRerun, e.abended(t)[0].ID)
	before := len(e.auditActions(t))
	huge := strings.Repeat("x", 100<<10)
	for _, tc := range []struct {
		name                  string
		roles                 []string
		id, just, cat, ticket string
	}{
		{"viewer, huge justification", []string{"viewer"}, p.ProposalID, huge, "", ""},
		{"operator, huge justification", operator, p.ProposalID, huge, "", ""},
		{"viewer, huge proposal id", []string{"viewer"}, huge, justification, "", ""},
		{"huge ticket", operator, p.ProposalID, justification, "", huge},
		{"huge category", operator, p.ProposalID, justification, huge, ""},
	} {
		if _, err := e.actions.Confirm(ctx, "alice", tc.roles, tc.id, tc.just, tc.cat, tc.ticket); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: got %v, want ErrBadRequest", tc.name, err)
		}
	}
	if err := e.actions.Cancel(ctx, "alice", huge); !errors.Is(err, ErrBadRequest) {
		t.Errorf("cancel with a huge id: got %v, want ErrBadRequest", err)
	}
	if after := len(e.auditActions(t)); after != before {
		t.Errorf("refusals of over-long fields wrote %d audit entries, want 0", after-before)
	}
	for _, en := range e.auditActions(t) {
		if n := len(en.Justification) + len(en.Detail); n > 4<<10 {
			t.Errorf("an audit entry holds %d bytes of client text", n)
		}
	}
	if n := len(e.sim.Actions()); n != 0 {
		t.Errorf("HWA got %d actions", n)
	}
}

// The confirmation is written to the durable audit trail before HWA is
// called: with the trail's S3 down, a confirm is refused, nothing reaches
// HWA, and the proposal can be confirmed once the trail is back.
func TestDurableAuditDownExecutesNothing(t *testing.T) {
	ctx := context.Background()
	s3, err := s3local.Start(s3local.Config{Buckets: []string{"resync-audit"}}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s3.Close)
	trail := &switchable{}
	trail.up, err = s3audit.New(s3.Client(), s3audit.Config{Bucket: "resync-audit", Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	down, err := s3audit.New(s3.Client(), s3audit.Config{Bucket: "no-such-bucket"})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{durable: trail})
	p := e.propose(t, "alice", ActionRerun, e.abended(t)[0].ID)

	trail.set(down)
	_, err = e.actions.Confirm(ctx, "alice", operator, p.ProposalID, justification, "Recovery", "INC-7")
	var ae *ActionError
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &ae) || !strings.Contains(ae.Message, "could not be audited: nothing was executed") {
		t.Fatalf("confirm with the durable trail down: got %v, want ErrUnavailable saying nothing was executed", err)
	}
	if n := len(e.sim.Actions()); n != 0 {
		t.Fatalf("HWA got %d actions while the audit trail was down", n)
	}

	trail.set(trail.up)
	o, err := e.actions.Confirm(ctx, "alice", operator, p.ProposalID, justification, "Recovery", "INC-7")
	if err != nil || !o.OK {
		t.Fatalf("confirm with the trail back: %+v, %v", o, err)
	}
	if n := len(e.sim.Actions()); n != 1 {
		t.Errorf("HWA got %d actions, want 1", n)
	}
	var got []string
	if _, err := trail.up.Walk(ctx, t0.UTC().Format(s3audit.DayLayout), func(en audit.Entry) error {
		got = append(got, en.Action+" "+en.Result+" "+en.Ticket)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) < 3 || !strings.HasPrefix(got[len(got)-2], "confirm accepted INC-7") || !strings.HasPrefix(got[len(got)-1], "execute:rerun ok INC-7") {
		t.Errorf("durable trail: %q; want the proposal, the accepted confirm and the execution, with the ticket", got)
	}
}

// switchable is a durable trail a test can point elsewhere.
type switchable struct {
	up  *s3audit.Trail
	mu  sync.Mutex
	cur *s3audit.Trail
}

func (s *switchable) set(t *s3audit.Trail) { s.mu.Lock(); s.cur = t; s.mu.Unlock() }

func (s *switchable) Put(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	s.mu.Lock()
	t := s.cur
	s.mu.Unlock()
	if t == nil {
		t = s.up
	}
	return t.Put(ctx, e)
}

// NewActions names every missing dependency at once, and needs a
// proposal's impact from somewhere: Impact, or Reads that read jobs.
func TestNewActionsReportsWhatIsMissing(t *testing.T) {
	_, err := NewActions(ActionsConfig{})
	for _, want := range []string{"Proposals", "HWA", "Plan", "Guard", "Audit", "Limiter", "Impact (or Reads that read jobs)"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("NewActions({}) = %v, want %s named", err, want)
		}
	}
	e := newEnv(t, envOptions{})
	cfg := e.actions.cfg
	cfg.Reads = nil
	if _, err := NewActions(cfg); err == nil || !strings.Contains(err.Error(), "Impact") {
		t.Errorf("without Impact and Reads: %v, want Impact named", err)
	}
	cfg.Impact = e.tools.impacts()
	if _, err := NewActions(cfg); err != nil {
		t.Errorf("with Impact alone: %v", err)
	}
}
