package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/resync/resync/shared/adapter/push"
	"github.com/resync/resync/shared/adapter/redis/ratelimit"
	"github.com/resync/resync/shared/adapter/redis/security"
	"github.com/resync/resync/shared/app/offline"
	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/edge/auth"
)

// Tests of issue 13: sessions bound to their token, and bounded writes. Each
// one fails on the code before it (which trusted the $connect record for
// two hours, accepted unknown fields, audited whatever a viewer sent and
// joined user names into keys raw).

// sendRaw sends body as one frame and returns what was posted back.
func (f *fixture) sendRaw(t *testing.T, conn, body string) []map[string]any {
	t.Helper()
	if _, err := f.h.Handle(context.Background(), wsEvent("$default", conn, body, nil)); err != nil {
		t.Fatal(err)
	}
	return f.wire.take(conn)
}

// propose asks the operator agent, on conn, to rerun an abended job and
// returns the proposal id.
func (f *fixture) propose(t *testing.T, conn, msgID string) string {
	t.Helper()
	sum, err := f.plan.Summary(context.Background())
	if err != nil || len(sum.Abended) == 0 {
		t.Fatalf("summary: %v (%d abended)", err, len(sum.Abended))
	}
	props := only(f.send(t, conn, map[string]any{"action": "chat", "id": msgID, "conversationId": "conv-" + conn, "agent": "operator", "text": "rerun " + sum.Abended[0].Name}), frames.TypeProposal)
	if len(props) != 1 {
		t.Fatal("no proposal")
	}
	return props[0]["proposalId"].(string)
}

func (f *fixture) reruns() int {
	n := 0
	for _, a := range f.sim.Actions() {
		if a.Verb == "rerun" {
			n++
		}
	}
	return n
}

// oneError returns the only error frame of fs, failing otherwise.
func oneError(t *testing.T, what string, fs []map[string]any) map[string]any {
	t.Helper()
	errs := only(fs, frames.TypeError)
	if len(errs) != 1 || len(fs) != 1 {
		t.Fatalf("%s: frames %v %v, want one error frame", what, types(fs), fs)
	}
	return errs[0]
}

func confirmFrame(pid string) map[string]any {
	return map[string]any{"action": "confirm", "proposalId": pid, "justification": "INC-4711 input file fixed"}
}

// A token expires while the socket is open: every later frame — confirm
// included — is refused with token_expired and nothing reaches HWA; an auth
// frame with a fresh token renews the same connection, and the proposal of
// the conversation can then be confirmed.
func TestExpiredTokenRefusesEveryFrame(t *testing.T) {
	f := newFixture(t, offline.New())
	f.connect(t, "op", "otto", auth.RoleOperator)
	pid := f.propose(t, "op", "m1")

	f.clock.Advance(time.Hour + time.Second) // the token's exp has passed
	requests := len(f.sim.Requests())
	if e := oneError(t, "confirm after exp", f.send(t, "op", confirmFrame(pid))); e["code"] != frames.CodeTokenExpired {
		t.Errorf("confirm after exp: code %v, want %s", e["code"], frames.CodeTokenExpired)
	}
	for _, fr := range []map[string]any{
		{"action": "chat", "id": "m2", "text": "which jobs abended?"},
		{"action": "cancel", "proposalId": pid},
		{"action": "feedback", "messageId": "m1", "rating": 5},
		{"action": "ping"},
	} {
		if e := oneError(t, fr["action"].(string)+" after exp", f.send(t, "op", fr)); e["code"] != frames.CodeTokenExpired {
			t.Errorf("%s after exp: code %v", fr["action"], e["code"])
		}
	}
	if n := len(f.sim.Requests()) - requests; n != 0 || f.reruns() != 0 {
		t.Fatalf("after exp HWA got %d requests, %d reruns; want none", n, f.reruns())
	}

	tok, exp, err := f.minter.Mint("otto", auth.RoleOperator)
	if err != nil {
		t.Fatal(err)
	}
	fs := f.send(t, "op", map[string]any{"action": "auth", "token": tok})
	if len(fs) != 1 || fs[0]["kind"] != "session" {
		t.Fatalf("auth: %v", fs)
	}
	if c, err := f.h.conns.Get(context.Background(), "op"); err != nil || !c.Expires.Equal(exp.UTC()) {
		t.Errorf("record after auth = %+v, %v; want expiry %v", c, err, exp)
	}
	fs = f.send(t, "op", confirmFrame(pid))
	if len(fs) != 1 || fs[0]["kind"] != "action_outcome" || f.reruns() != 1 {
		t.Errorf("confirm after re-authentication: %v, %d reruns", fs, f.reruns())
	}
}

// An operator's new token carries only the viewer group (demoted): after the
// auth frame the connection's roles are the new token's, and confirm refuses.
func TestDemotedUserCannotConfirm(t *testing.T) {
	f := newFixture(t, offline.New())
	f.connect(t, "op", "otto", auth.RoleOperator)
	pid := f.propose(t, "op", "m1")

	demoted := mustToken(t, f.minter, "otto", "sub-otto", f.clock.Now().Add(time.Hour), "viewer")
	fs := f.send(t, "op", map[string]any{"action": "auth", "token": demoted})
	if len(fs) != 1 || fs[0]["kind"] != "session" {
		t.Fatalf("auth with the demoted token: %v", fs)
	}
	if e := oneError(t, "demoted confirm", f.send(t, "op", confirmFrame(pid))); e["code"] != frames.CodeForbidden {
		t.Errorf("demoted confirm: code %v, want forbidden", e["code"])
	}
	if f.reruns() != 0 {
		t.Fatalf("a demoted user's confirm reached HWA (%d reruns)", f.reruns())
	}
	if c, _ := f.h.conns.Get(context.Background(), "op"); c.Roles[0] != "viewer" {
		t.Errorf("roles after demotion = %v", c.Roles)
	}
}

// An auth frame must not move a connection to another user, nor renew it
// with a token that does not verify.
func TestAuthFrameRefusals(t *testing.T) {
	f := newFixture(t, offline.New())
	f.connect(t, "op", "otto", auth.RoleOperator)
	before, err := f.h.conns.Get(context.Background(), "op")
	if err != nil {
		t.Fatal(err)
	}
	later := f.clock.Now().Add(2 * time.Hour)
	tests := []struct {
		name, token, code string
	}{
		{"another user's token", mustToken(t, f.minter, "mallory", "sub-mallory", later, "admin"), frames.CodeUserMismatch},
		{"same name, another subject", mustToken(t, f.minter, "otto", "sub-impostor", later, "admin"), frames.CodeUserMismatch},
		{"expired token", mustToken(t, f.minter, "otto", "sub-otto", f.clock.Now().Add(-time.Minute), "admin"), frames.CodeTokenExpired},
		{"no role", mustToken(t, f.minter, "otto", "sub-otto", later), frames.CodeForbidden},
		{"not a token", "x.y.z", frames.CodeUnauthorized},
	}
	for _, tt := range tests {
		if e := oneError(t, tt.name, f.send(t, "op", map[string]any{"action": "auth", "token": tt.token})); e["code"] != tt.code {
			t.Errorf("%s: code %v, want %s", tt.name, e["code"], tt.code)
		}
	}
	after, err := f.h.conns.Get(context.Background(), "op")
	if err != nil || after.User != "otto" || !after.Expires.Equal(before.Expires) || strings.Join(after.Roles, ",") != strings.Join(before.Roles, ",") {
		t.Errorf("a refused auth changed the connection: %+v → %+v (%v)", before, after, err)
	}
	if n, _ := f.rdb.LLen(context.Background(), "security:"+string(security.RefusedToken)).Result(); n < 3 {
		t.Errorf("%d refused-token events recorded, want the refusals logged", n)
	}
}

// redisBytes is what the miniredis holds: every key and every stored value
// (strings, list elements, stream fields, set and sorted-set members, hash
// fields and values).
func redisBytes(t *testing.T, mr *miniredis.Miniredis) int {
	t.Helper()
	n := 0
	for _, k := range mr.Keys() {
		n += len(k)
		var err error
		switch mr.Type(k) {
		case "string":
			var v string
			v, err = mr.Get(k)
			n += len(v)
		case "list":
			var vs []string
			vs, err = mr.List(k)
			for _, v := range vs {
				n += len(v)
			}
		case "stream":
			var es []miniredis.StreamEntry
			es, err = mr.Stream(k)
			for _, e := range es {
				n += len(e.ID)
				for _, v := range e.Values {
					n += len(v)
				}
			}
		case "zset":
			var ms []string
			ms, err = mr.ZMembers(k)
			for _, m := range ms {
				n += len(m) + 8
			}
		case "set":
			var ms []string
			ms, err = mr.Members(k)
			for _, m := range ms {
				n += len(m)
			}
		case "hash":
			var fs []string
			fs, err = mr.HKeys(k)
			for _, fl := range fs {
				n += len(fl) + len(mr.HGet(k, fl))
			}
		default:
			t.Fatalf("key %s has type %s, which redisBytes does not count", k, mr.Type(k))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// 1,000 refused confirms from a viewer — fields at their limits, and some
// over them — store a bounded amount: the confirm rule lets through a burst
// whose audit entries are bounded by the field limits, the rest are refused
// before any write but a capped security event. Before, every one of them
// wrote its justification and proposal id to the audit stream (about 2 MB
// here; 20 frames of 100 KB stored 1.56 MB in the demonstration).
func TestRefusedConfirmsFromAViewerWriteBoundedData(t *testing.T) {
	f := newFixture(t, offline.New())
	f.connect(t, "op", "otto", auth.RoleOperator)
	f.connect(t, "vw", "vera", auth.RoleViewer)
	pid := f.propose(t, "op", "m1")
	start := redisBytes(t, f.mr)

	atLimit, _ := json.Marshal(map[string]any{"action": "confirm", "proposalId": pid, "justification": strings.Repeat("j", frames.MaxJustificationBytes),
		"category": strings.Repeat("c", frames.MaxCategoryBytes), "ticket": strings.Repeat("t", frames.MaxTicketBytes)})
	overLimit, _ := json.Marshal(map[string]any{"action": "confirm", "proposalId": strings.Repeat("p", 4<<10), "justification": strings.Repeat("j", 100<<10)})
	codes := map[string]int{}
	began := time.Now()
	for i := range 1000 {
		body := atLimit
		if i%100 == 99 {
			body = overLimit
		}
		for _, e := range only(f.sendRaw(t, "vw", string(body)), frames.TypeError) {
			codes[e["code"].(string)]++
		}
	}
	grew := redisBytes(t, f.mr) - start
	rule := ratelimit.DefaultRules()[ratelimit.KindConfirm]
	burst := rule.Burst
	if burst == 0 {
		burst = rule.Rate
	}
	// The limiter refills while the loop runs (slowly on a loaded machine):
	// what it may admit is the burst and what the rate gave back since.
	burst += int(float64(rule.Rate)*time.Since(began).Seconds()/rule.Period.Seconds()) + 1
	// Each admitted refusal is one audit entry of at most the field limits
	// plus its fixed text; each rate-limited one a security event in a list
	// capped at security.DefaultKeep.
	bound := burst*(frames.MaxJustificationBytes+frames.MaxIDBytes+frames.MaxCategoryBytes+frames.MaxTicketBytes+512) + security.DefaultKeep*512
	t.Logf("1000 refused confirms grew Redis by %d bytes (bound %d); error codes %v", grew, bound, codes)
	if grew > bound {
		t.Errorf("1000 refused confirms from a viewer stored %d bytes, over the bound of %d", grew, bound)
	}
	if codes[frames.CodeForbidden] > burst || codes[frames.CodeRateLimited] == 0 || codes[frames.CodeFieldTooLong] != 10 {
		t.Errorf("error codes %v: want at most %d forbidden, the rest rate_limited, 10 field_too_long", codes, burst)
	}
	if f.reruns() != 0 {
		t.Errorf("a viewer's confirm reached HWA")
	}
}

// A field the frame type does not have is refused, and the frame does
// nothing: here a confirm that would otherwise execute.
func TestUnknownFieldIsRefused(t *testing.T) {
	f := newFixture(t, offline.New())
	f.connect(t, "op", "otto", auth.RoleOperator)
	pid := f.propose(t, "op", "m1")
	fr := confirmFrame(pid)
	fr["roles"] = []string{"admin"}
	e := oneError(t, "confirm with an unknown field", f.send(t, "op", fr))
	if e["code"] != frames.CodeUnknownField || e["id"] != pid {
		t.Errorf("error = %v, want code %s echoing the proposal id", e, frames.CodeUnknownField)
	}
	if f.reruns() != 0 {
		t.Errorf("a frame with an unknown field executed (%d reruns)", f.reruns())
	}
}

// A chat frame with a 100 KB id gets an error frame under the frame limit
// that echoes the id cut to its limit (the old handler echoed it whole, a
// frame API Gateway refuses to post).
func TestOversizedClientIDErrorFrameStaysUnderTheLimit(t *testing.T) {
	f := newFixture(t, offline.New())
	f.connect(t, "c1", "vera", auth.RoleViewer)
	id := strings.Repeat("i", 100<<10)
	body, _ := json.Marshal(map[string]any{"action": "chat", "id": id, "text": "which jobs abended?"})
	fs := f.sendRaw(t, "c1", string(body))
	f.wire.mu.Lock()
	oversize := append([]int(nil), f.wire.oversize...)
	f.wire.mu.Unlock()
	if len(oversize) > 0 {
		t.Fatalf("posted error frames of %v bytes, over the %d-byte frame limit", oversize, frames.MaxFrameBytes)
	}
	e := oneError(t, "oversized id", fs)
	b, _ := json.Marshal(e)
	if len(b) > frames.MaxFrameBytes || e["code"] != frames.CodeFieldTooLong {
		t.Errorf("error frame of %d bytes, code %v", len(b), e["code"])
	}
	if got, _ := e["id"].(string); len(got) != frames.MaxIDBytes || !strings.HasPrefix(id, got) {
		t.Errorf("echoed id of %d bytes, want the first %d", len(got), frames.MaxIDBytes)
	}
}

// Confirm, cancel, feedback, auth and ping frames count against the user's
// rate; past the rule the frame is refused before it does anything.
func TestEveryFrameTypeIsRateLimited(t *testing.T) {
	rules := ratelimit.DefaultRules()
	for _, k := range []ratelimit.Kind{ratelimit.KindConfirm, ratelimit.KindCancel, ratelimit.KindFeedback, ratelimit.KindAuth, ratelimit.KindPing} {
		rules[k] = ratelimit.Rule{Rate: 2, Period: time.Hour}
	}
	f := newFixtureWith(t, offline.New(), fixtureOptions{rules: rules})
	f.connect(t, "vw", "vera", auth.RoleViewer)
	tok, _, err := f.minter.Mint("vera", auth.RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	for _, fr := range []map[string]any{
		confirmFrame("p1"),
		{"action": "cancel", "proposalId": "p1"},
		{"action": "feedback", "messageId": "m1", "rating": 4},
		{"action": "auth", "token": tok},
		{"action": "ping"},
	} {
		for range 2 {
			if fs := f.send(t, "vw", fr); len(fs) == 1 && fs[0]["code"] == frames.CodeRateLimited {
				t.Errorf("%s refused within its budget", fr["action"])
			}
		}
		e := oneError(t, fr["action"].(string), f.send(t, "vw", fr))
		if e["code"] != frames.CodeRateLimited || e["retryAfter"] == nil {
			t.Errorf("third %s: %v, want rate_limited with retryAfter", fr["action"], e)
		}
	}
}

// The chat idempotency key escapes the user and the message id: user "a:b"
// with id "c" and user "a" with id "b:c" are two messages, so the second
// user's question runs rather than replaying the first user's answer.
func TestChatKeysDoNotCollideAcrossUsers(t *testing.T) {
	f := newFixture(t, offline.New())
	f.connect(t, "c1", "a:b", auth.RoleViewer)
	f.connect(t, "c2", "a", auth.RoleViewer)
	q := "which jobs abended?"
	if fs := f.send(t, "c1", map[string]any{"action": "chat", "id": "c", "text": q}); len(only(fs, frames.TypeTool)) == 0 {
		t.Fatalf("first user: %v", types(fs))
	}
	fs := f.send(t, "c2", map[string]any{"action": "chat", "id": "b:c", "text": q})
	if len(only(fs, frames.TypeTool)) == 0 {
		t.Errorf("the second user got %v: their message shares the first user's idempotency record", types(fs))
	}
}

// The record of a connection lives until its token's exp (plus the grace),
// not a fixed two hours.
func TestConnectionRecordFollowsTheToken(t *testing.T) {
	f := newFixture(t, offline.New())
	f.minter.ttl = 10 * time.Minute
	f.connect(t, "c1", "vera", auth.RoleViewer)
	if got := f.mr.TTL("ws:conn:c1"); got > 10*time.Minute+push.Grace || got < 9*time.Minute {
		t.Errorf("record TTL %v, want about the token's 10 minutes plus %v", got, push.Grace)
	}
}

// Redis goes away while a socket is open: the next frame is told the
// session store is unavailable, with a retry hint — not "not signed in",
// which sends a signed-in user to sign in again for an outage they cannot
// fix. When Redis returns the same connection works again (issue 10).
func TestSessionStoreDownIsNotSignedOut(t *testing.T) {
	f := newFixture(t, offline.New())
	f.connect(t, "op", "otto", auth.RoleOperator)
	for _, fr := range []map[string]any{
		{"action": "ping"},
		{"action": "chat", "id": "m1", "text": "which jobs abended?"},
		{"action": "confirm", "proposalId": "p1", "justification": "INC-1 fixed"},
	} {
		f.mr.SetError("LOADING Redis is loading the dataset in memory")
		e := oneError(t, fr["action"].(string)+" with Redis failing", f.send(t, "op", fr))
		f.mr.SetError("")
		if e["code"] != frames.CodeUnavailable {
			t.Errorf("%s with Redis failing: code %v, want %s", fr["action"], e["code"], frames.CodeUnavailable)
		}
		if msg, _ := e["message"].(string); !strings.Contains(msg, "session store") || strings.Contains(msg, "signed in") {
			t.Errorf("%s with Redis failing: message %q, want it to name the session store and not the sign-in", fr["action"], msg)
		}
		if ra, _ := e["retryAfter"].(float64); ra <= 0 {
			t.Errorf("%s with Redis failing: retryAfter %v, want a positive hint", fr["action"], e["retryAfter"])
		}
	}
	if fs := f.send(t, "op", map[string]any{"action": "ping"}); len(fs) != 1 || fs[0]["type"] != frames.TypePong {
		t.Errorf("ping after Redis returned: %v, want a pong on the same connection", fs)
	}
	// A connection that was never recorded is still told to reconnect.
	if e := oneError(t, "unknown connection", f.send(t, "ghost", map[string]any{"action": "ping"})); e["code"] != frames.CodeForbidden {
		t.Errorf("unknown connection: code %v, want %s", e["code"], frames.CodeForbidden)
	}
}
