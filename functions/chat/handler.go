package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/resync/resync/shared/adapter/push"
	"github.com/resync/resync/shared/adapter/redis/ratelimit"
	"github.com/resync/resync/shared/adapter/redis/security"
	"github.com/resync/resync/shared/app/agent"
	"github.com/resync/resync/shared/app/memory"
	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/domain/idempotency"
	"github.com/resync/resync/shared/domain/llm"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/metrics"
	"github.com/resync/resync/shared/edge/obs"
	"github.com/resync/resync/shared/edge/setup"
)

// tokenVerifier checks a bearer token (*auth.Verifier).
type tokenVerifier interface {
	Verify(ctx context.Context, token string) (auth.Claims, error)
}

// turnRunner answers a chat turn (*agent.Runner).
type turnRunner interface {
	Run(ctx context.Context, turn agent.Turn, sink agent.Sink) (agent.Answer, error)
}

// actionRunner confirms or cancels proposals (*agent.Actions).
type actionRunner interface {
	Confirm(ctx context.Context, user string, roles []string, proposalID, justification, category, ticket string) (agent.Outcome, error)
	Cancel(ctx context.Context, user, proposalID string) error
}

// limiter counts a user's messages (*ratelimit.Limiter).
type limiter interface {
	Allow(ctx context.Context, kind ratelimit.Kind, user string) (ratelimit.Decision, error)
}

// feedbackStore keeps answers' ratings.
type feedbackStore interface {
	Record(ctx context.Context, fb Feedback) error
}

// turnMemory keeps answered turns and ratings and turns the bad ones into
// review items (*memory.Store).
type turnMemory interface {
	Answered(ctx context.Context, t agent.Turn, a agent.Answer) ([]memory.ReviewItem, error)
	Rate(ctx context.Context, user, turnID string, rating int, comment string) (*memory.ReviewItem, error)
}

// deps are built once by run; the handler never writes them afterwards.
type deps struct {
	verify   tokenVerifier
	conns    *push.Registry
	post     poster
	runner   turnRunner
	actions  actionRunner
	guard    *idempotency.Guard
	limits   limiter
	feedback feedbackStore
	memory   turnMemory // nil: memory is off (no graph)
	security *security.Log
	log      *slog.Logger
	metrics  *metrics.Emitter
	now      func() time.Time
	// coalesce is how often streamed text is posted (about 100 ms).
	coalesce time.Duration
	// memoryBudget bounds each memory call outside the turn (default
	// defaultMemoryBudget).
	memoryBudget time.Duration
}

type handler struct{ deps }

func newHandler(d deps) *handler {
	if d.now == nil {
		d.now = time.Now
	}
	if d.coalesce <= 0 {
		d.coalesce = 100 * time.Millisecond
	}
	if d.memoryBudget <= 0 {
		d.memoryBudget = defaultMemoryBudget
	}
	return &handler{d}
}

func reply(status int, body string) events.APIGatewayProxyResponse {
	return events.APIGatewayProxyResponse{StatusCode: status, Body: body}
}

// Handle is the Lambda handler for every route of the WebSocket API.
func (h *handler) Handle(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	rc := req.RequestContext
	ctx = obs.WithRequest(ctx, obs.Request{ID: rc.RequestID, Route: rc.RouteKey})
	start := h.now()
	defer func() {
		h.metrics.Emit(map[string]string{"Function": "chat", "Route": rc.RouteKey},
			metrics.Metric{Name: "Requests", Value: 1, Unit: metrics.Count},
			metrics.Metric{Name: "Latency", Value: float64(h.now().Sub(start).Microseconds()) / 1000, Unit: metrics.Milliseconds})
	}()
	switch rc.RouteKey {
	case "$connect":
		return h.connect(ctx, req), nil
	case "$disconnect":
		if err := h.conns.Remove(ctx, rc.ConnectionID); err != nil {
			h.log.WarnContext(ctx, "forgetting a connection failed", "err", err.Error())
		}
		return reply(200, ""), nil
	}
	h.message(ctx, rc.ConnectionID, req.Body, req.IsBase64Encoded)
	return reply(200, ""), nil
}

// connect verifies the token of the query string and records the connection;
// any other answer than 200 makes API Gateway refuse the upgrade.
func (h *handler) connect(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) events.APIGatewayProxyResponse {
	token := req.QueryStringParameters["token"]
	claims, err := h.verify.Verify(ctx, token)
	if err == nil && !h.now().Before(claims.ExpiresAt) {
		// Within the verifier's leeway: the connection would be expired
		// from its first frame.
		err = fmt.Errorf("%w: exp has passed", auth.ErrExpired)
	}
	if err == nil && claims.Role == auth.RoleNone {
		err = fmt.Errorf("%w: token carries no role", auth.ErrForbidden)
	}
	if err != nil {
		kind := security.RefusedToken
		if errors.Is(err, auth.ErrForbidden) {
			kind = security.ForbiddenRole
		}
		if rerr := h.security.Record(ctx, security.Event{Kind: kind, User: claims.User(), Reason: setup.Refusal(err), Route: "$connect", Source: req.RequestContext.Identity.SourceIP, Function: "chat"}); rerr != nil {
			h.log.WarnContext(ctx, "recording a security event failed", "err", rerr.Error())
		}
		status := auth.HTTPStatus(err)
		return reply(status, http.StatusText(status))
	}
	roles := roleNames(claims)
	sctx, cancel := context.WithTimeout(ctx, sessionBudget)
	defer cancel()
	if err := h.conns.Add(sctx, push.Connection{ID: req.RequestContext.ConnectionID, User: claims.User(), Subject: claims.Subject, Roles: roles, Expires: claims.ExpiresAt}); err != nil {
		h.log.ErrorContext(ctx, "recording a connection failed", "err", err.Error())
		return reply(503, "Service Unavailable")
	}
	return reply(200, "")
}

// roleNames returns the user's groups, with the effective role first.
func roleNames(c auth.Claims) []string {
	out := []string{string(c.Role)}
	for _, g := range c.Groups {
		if g != string(c.Role) {
			out = append(out, g)
		}
	}
	return out
}

// message answers one client frame. Every failure the user should know of
// becomes an error frame; nothing here returns an error to API Gateway.
//
// The order is the security argument: the frame is parsed (bounded, no
// unknown fields) before anything else reads it; a connection whose token
// has expired may only send an auth frame; every frame type is counted
// against the user's rate before it does anything; and each handler reads
// the user and roles from the connection record as it is now, which an auth
// frame may have changed since $connect. A connection that is not recorded
// is told to reconnect; a record that cannot be read (Redis unreachable) is
// an outage, not a sign-out, and the frame is refused as "unavailable".
func (h *handler) message(ctx context.Context, connID, body string, b64 bool) {
	if len(body) > frames.MaxMessageBytes || b64 {
		h.sendError(ctx, connID, "", frames.CodeTooLarge, "messages are limited to 128 KB of JSON text", 0)
		return
	}
	action, frame, perr := frames.Parse([]byte(body))
	sctx, cancel := context.WithTimeout(ctx, sessionBudget)
	conn, err := h.conns.Get(sctx, connID)
	cancel()
	switch {
	case errors.Is(err, push.ErrGone):
		// Not recorded (closed, expired past its grace, or Redis lost it):
		// the socket cannot be trusted to belong to anyone; tell it and stop.
		h.log.WarnContext(ctx, "frame from an unknown connection", "err", err.Error())
		h.sendError(ctx, connID, "", frames.CodeForbidden, "this connection is not signed in; reconnect", 0)
		return
	case err != nil:
		// The session store cannot be read: the user is still signed in, as
		// far as anyone knows. Refuse the frame (fail closed) and say why,
		// echoing its id so the client can pair the error with its message.
		h.log.ErrorContext(ctx, "chat: reading the connection record failed", "err", err.Error())
		h.sendError(ctx, connID, frameID(frame), frames.CodeUnavailable, "the session store is unavailable; nothing was done — try again shortly", 5*time.Second)
		return
	}
	ctx = obs.WithRequest(ctx, obs.Request{User: conn.User})
	if conn.Expired(h.now()) && action != frames.ActionAuth {
		h.sendError(ctx, connID, "", frames.CodeTokenExpired, "your sign-in expired; send an auth frame with a fresh token, or reconnect", 0)
		return
	}
	if perr != nil {
		var fe *frames.FrameError
		if !errors.As(perr, &fe) {
			fe = &frames.FrameError{Code: frames.CodeBadFrame, Message: "the frame cannot be read"}
		}
		h.sendError(ctx, connID, fe.ID, fe.Code, fe.Message, 0)
		return
	}
	if kind, ok := frameKind(action); ok && !h.allow(ctx, conn, kind, frameID(frame)) {
		return
	}
	switch f := frame.(type) {
	case *frames.Chat:
		h.chat(ctx, conn, f)
	case *frames.Confirm:
		h.confirm(ctx, conn, f)
	case *frames.Cancel:
		h.cancel(ctx, conn, f)
	case *frames.Feedback:
		h.rate(ctx, conn, f)
	case *frames.Auth:
		h.reauth(ctx, conn, f)
	default: // ping
		h.send(ctx, connID, frames.Pong{Type: frames.TypePong})
	}
}

// frameKind returns the rate-limit kind of a client action. Chat messages
// are counted in chat, where a replayed id is not counted again.
func frameKind(action string) (ratelimit.Kind, bool) {
	switch action {
	case frames.ActionConfirm:
		return ratelimit.KindConfirm, true
	case frames.ActionCancel:
		return ratelimit.KindCancel, true
	case frames.ActionFeedback:
		return ratelimit.KindFeedback, true
	case frames.ActionAuth:
		return ratelimit.KindAuth, true
	case frames.ActionPing:
		return ratelimit.KindPing, true
	}
	return "", false
}

// frameID is the id a frame's answers carry.
func frameID(frame any) string {
	switch f := frame.(type) {
	case *frames.Chat:
		return f.ID
	case *frames.Confirm:
		return f.ProposalID
	case *frames.Cancel:
		return f.ProposalID
	case *frames.Feedback:
		return f.MessageID
	}
	return ""
}

// allow counts one frame of kind against the user's rate and reports
// whether it may go on; when not, the client has been told. It fails
// closed: a limiter that cannot answer refuses the frame.
func (h *handler) allow(ctx context.Context, conn push.Connection, kind ratelimit.Kind, id string) bool {
	d, err := h.limits.Allow(ctx, kind, conn.User)
	if err != nil {
		h.log.ErrorContext(ctx, "chat: rate limit", "kind", string(kind), "err", err.Error())
		h.sendError(ctx, conn.ID, id, frames.CodeUnavailable, "the service cannot check your request rate right now; try again shortly", 5*time.Second)
		return false
	}
	if d.Allowed {
		return true
	}
	h.recordSecurity(ctx, security.Event{Kind: security.RateLimitHit, User: conn.User, Reason: string(kind) + " frames (" + d.Limit + ")", Route: string(kind), Function: "chat"})
	h.sendError(ctx, conn.ID, id, frames.CodeRateLimited, "too many "+string(kind)+" frames; retry in "+strconv.Itoa(int(d.RetryAfter.Seconds()+1))+" s", d.RetryAfter)
	return false
}

func (h *handler) recordSecurity(ctx context.Context, e security.Event) {
	if err := h.security.Record(ctx, e); err != nil {
		h.log.WarnContext(ctx, "recording a security event failed", "err", err.Error())
	}
}

// reauth binds the connection to a fresh token of the same user: its
// expiry and roles become the new token's, the conversation goes on. A
// token that does not verify, carries no role or names another user is
// refused and changes nothing.
func (h *handler) reauth(ctx context.Context, conn push.Connection, f *frames.Auth) {
	claims, err := h.verify.Verify(ctx, f.Token)
	if err == nil && claims.Role == auth.RoleNone {
		err = fmt.Errorf("%w: token carries no role", auth.ErrForbidden)
	}
	if err == nil && (claims.User() != conn.User || (conn.Subject != "" && claims.Subject != conn.Subject)) {
		err = push.ErrOtherUser
	}
	var renewed push.Connection
	if err == nil {
		renewed, err = h.conns.Renew(ctx, conn.ID, claims.User(), claims.Subject, roleNames(claims), claims.ExpiresAt)
	}
	switch {
	case err == nil:
		h.send(ctx, conn.ID, frames.Event{Type: frames.TypeEvent, Kind: "session", At: h.now().UTC(), Data: map[string]any{
			"user": renewed.User, "roles": renewed.Roles, "expiresAt": renewed.Expires}})
	case errors.Is(err, push.ErrOtherUser):
		h.recordSecurity(ctx, security.Event{Kind: security.RefusedToken, User: conn.User, Reason: "auth frame with another user's token", Route: frames.ActionAuth, Function: "chat"})
		h.sendError(ctx, conn.ID, "", frames.CodeUserMismatch, "the token is another user's; a connection keeps its user — reconnect to switch", 0)
	case errors.Is(err, push.ErrGone):
		h.sendError(ctx, conn.ID, "", frames.CodeForbidden, "this connection is not signed in; reconnect", 0)
	case errors.Is(err, auth.ErrForbidden), errors.Is(err, auth.ErrExpired), errors.Is(err, auth.ErrInvalid), errors.Is(err, auth.ErrMissing):
		kind, code, msg := security.RefusedToken, frames.CodeUnauthorized, "the token is not valid; sign in again"
		switch {
		case errors.Is(err, auth.ErrForbidden):
			kind, code, msg = security.ForbiddenRole, frames.CodeForbidden, "the token carries no role"
		case errors.Is(err, auth.ErrExpired):
			code, msg = frames.CodeTokenExpired, "the token has expired; sign in again"
		}
		h.recordSecurity(ctx, security.Event{Kind: kind, User: conn.User, Reason: setup.Refusal(err), Route: frames.ActionAuth, Function: "chat"})
		h.sendError(ctx, conn.ID, "", code, msg, 0)
	default:
		h.log.ErrorContext(ctx, "chat: renewing a connection failed", "err", err.Error())
		h.sendError(ctx, conn.ID, "", frames.CodeUnavailable, "the session could not be renewed; try again shortly", 5*time.Second)
	}
}

func (h *handler) send(ctx context.Context, connID string, frame any) {
	if err := h.post.Post(ctx, connID, frame); err != nil && !errors.Is(err, push.ErrGone) {
		h.log.WarnContext(ctx, "posting a frame failed", "err", err.Error())
	}
}

// sendError posts an error frame; frames.NewError cuts the echoed id and the
// message so the frame stays under the frame limit.
func (h *handler) sendError(ctx context.Context, connID, id, code, msg string, retryAfter time.Duration) {
	secs := 0
	if retryAfter > 0 {
		secs = int((retryAfter + time.Second - 1) / time.Second)
	}
	h.send(ctx, connID, frames.NewError(id, code, msg, secs))
}

// replay is what a completed chat message stores so a resent frame with the
// same id gets the same answer without running the agent again.
type replay struct {
	Proposals []frames.Proposal `json:"proposals,omitempty"`
	Final     frames.Final      `json:"final"`
}

func (h *handler) chat(ctx context.Context, conn push.Connection, f *frames.Chat) {
	if f.ConversationID == "" {
		f.ConversationID = f.ID
	}
	h.send(ctx, conn.ID, frames.Ack{Type: frames.TypeAck, ID: f.ID})

	payload, _ := json.Marshal(struct{ C, T, A string }{f.ConversationID, f.Text, f.Agent})
	// Escaped, not joined raw: user "a:b" with id "c" and user "a" with id
	// "b:c" must not share a record.
	key := "chat:" + url.QueryEscape(conn.User) + ":" + url.QueryEscape(f.ID)
	turn := agent.Turn{User: conn.User, Roles: conn.Roles, ConversationID: f.ConversationID, MessageID: f.ID, AgentID: f.Agent, Text: f.Text}
	var answered *agent.Answer // set when this call ran the agent
	out, err := h.guard.Do(ctx, key, payload, func(ctx context.Context) ([]byte, error) {
		// Only a new message counts against the user's rate.
		if d, err := h.limits.Allow(ctx, ratelimit.KindMessage, conn.User); err != nil {
			return nil, fmt.Errorf("chat: rate limit: %w", err)
		} else if !d.Allowed {
			h.recordSecurity(ctx, security.Event{Kind: security.RateLimitHit, User: conn.User, Reason: "messages per minute (" + d.Limit + ")", Route: "chat", Function: "chat"})
			return nil, &ratelimit.LimitedError{Kind: ratelimit.KindMessage, RetryAfter: d.RetryAfter}
		}
		sink := newFrameSink(ctx, h.post, conn.ID, f.ID, h.coalesce, h.now)
		ans, err := h.runner.Run(ctx, turn, sink)
		if err != nil {
			return nil, err
		}
		rp := replay{Final: ans.Final(f.ID)}
		for _, p := range ans.Proposals {
			rp.Proposals = append(rp.Proposals, p.Frame(f.ID))
		}
		if err := sink.Final(rp.Final); err != nil {
			return nil, err
		}
		h.metrics.Emit(map[string]string{"Function": "chat", "Agent": ans.Agent},
			metrics.Metric{Name: "PostsPerAnswer", Value: float64(sink.Posts()), Unit: metrics.Count},
			metrics.Metric{Name: "InputTokens", Value: float64(ans.Usage.InputTokens), Unit: metrics.Count},
			metrics.Metric{Name: "OutputTokens", Value: float64(ans.Usage.OutputTokens), Unit: metrics.Count})
		answered = &ans
		return json.Marshal(rp)
	})
	if err != nil {
		h.chatError(ctx, conn.ID, f.ID, err)
		return
	}
	if answered != nil && h.memory != nil { // the answer is out and stored; memory must not fail it
		mctx, cancel := context.WithTimeout(ctx, h.memoryBudget)
		items, err := h.memory.Answered(mctx, turn, *answered)
		cancel()
		if err != nil {
			h.log.WarnContext(ctx, "chat: recording the turn in memory failed", "err", err.Error())
		} else if len(items) > 0 {
			h.log.InfoContext(ctx, "chat: answer queued for review", "reason", items[0].Reason, "items", len(items))
		}
	}
	if out.Replayed {
		var rp replay
		if err := json.Unmarshal(out.Result, &rp); err != nil {
			h.sendError(ctx, conn.ID, f.ID, frames.CodeInternal, "the stored answer could not be read; send the question again with a new id", 0)
			return
		}
		for _, p := range rp.Proposals {
			h.send(ctx, conn.ID, p)
		}
		h.send(ctx, conn.ID, rp.Final)
	}
}

// chatError tells the user why a chat message got no answer.
func (h *handler) chatError(ctx context.Context, connID, id string, err error) {
	var limited *ratelimit.LimitedError
	var inProgress *idempotency.InProgressError
	switch {
	case errors.Is(err, push.ErrGone):
		h.log.InfoContext(ctx, "the client went away; the answer was dropped")
	case errors.As(err, &limited):
		h.sendError(ctx, connID, id, frames.CodeRateLimited, "too many messages; retry in "+strconv.Itoa(int(limited.RetryAfter.Seconds()+1))+" s", limited.RetryAfter)
	case errors.As(err, &inProgress):
		h.sendError(ctx, connID, id, frames.CodeConflict, "this message is still being answered", time.Until(inProgress.Until))
	case errors.Is(err, idempotency.ErrPayloadMismatch):
		h.sendError(ctx, connID, id, frames.CodeBadFrame, "this message id was already used for another question; use a new id", 0)
	case errors.Is(err, idempotency.ErrStore):
		h.log.ErrorContext(ctx, "chat: idempotency store failed", "err", err.Error())
		h.sendError(ctx, connID, id, frames.CodeUnavailable, "the service cannot keep track of messages right now; try again shortly", 5*time.Second)
	case errors.Is(err, llm.ErrThrottled), errors.Is(err, llm.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		h.log.WarnContext(ctx, "chat: model unavailable", "err", err.Error())
		h.sendError(ctx, connID, id, frames.CodeUnavailable, "the model is busy or unavailable; try again shortly", 10*time.Second)
	default:
		code := agent.Code(err)
		msg := "the question could not be answered"
		var ae *agent.ActionError
		switch {
		case errors.As(err, &ae) && ae.Message != "":
			msg = ae.Message
		case code == frames.CodeForbidden:
			msg = "your role may not use this agent"
		case code == frames.CodeNotFound:
			msg = "no such agent"
		case code == frames.CodeBadFrame:
			msg = "the question is empty or too long"
		}
		if code == frames.CodeInternal {
			h.log.ErrorContext(ctx, "chat: turn failed", "err", err.Error())
		}
		h.sendError(ctx, connID, id, code, msg, 0)
	}
}

func (h *handler) confirm(ctx context.Context, conn push.Connection, f *frames.Confirm) {
	out, err := h.actions.Confirm(ctx, conn.User, conn.Roles, f.ProposalID, f.Justification, f.Category, f.Ticket)
	if err != nil {
		h.actionError(ctx, conn.ID, f.ProposalID, err)
		return
	}
	h.send(ctx, conn.ID, frames.Event{Type: frames.TypeEvent, Kind: "action_outcome", At: h.now().UTC(), Data: map[string]any{
		"proposalId": out.ProposalID, "action": out.Action, "targets": out.Targets, "ok": out.OK,
		"message": out.Message, "resourceId": out.ResourceID, "executedAt": out.ExecutedAt, "replayed": out.Replayed,
	}})
}

func (h *handler) cancel(ctx context.Context, conn push.Connection, f *frames.Cancel) {
	if err := h.actions.Cancel(ctx, conn.User, f.ProposalID); err != nil {
		h.actionError(ctx, conn.ID, f.ProposalID, err)
		return
	}
	h.send(ctx, conn.ID, frames.Event{Type: frames.TypeEvent, Kind: "proposal_canceled", At: h.now().UTC(), Data: map[string]any{"proposalId": f.ProposalID}})
}

func (h *handler) actionError(ctx context.Context, connID, proposalID string, err error) {
	var ae *agent.ActionError
	msg := "the action could not be completed"
	var retry time.Duration
	if errors.As(err, &ae) {
		msg, retry = ae.Message, ae.RetryAfter
	}
	code := agent.Code(err)
	if code == frames.CodeInternal || code == frames.CodeUnavailable {
		h.log.ErrorContext(ctx, "chat: action failed", "proposal", proposalID, "err", err.Error())
	}
	h.sendError(ctx, connID, proposalID, code, msg, retry)
}

// Feedback is a user's rating of an answer.
type Feedback struct {
	User      string    `json:"user"`
	MessageID string    `json:"messageId"`
	Rating    int       `json:"rating"`
	Comment   string    `json:"comment,omitempty"`
	At        time.Time `json:"at"`
}

// sessionBudget bounds a read or write of the session store (Redis) on the
// way in: past it the upgrade is refused with a 503, or the frame is told
// the store is unavailable, instead of the gateway timing out after 29 s.
const sessionBudget = 3 * time.Second

// defaultMemoryBudget bounds each call to the conversation memory (the knowledge
// graph) outside the turn: recording an answer already sent, and a rating
// before its acknowledgement. A graph that does not answer must not hold the
// frame's answer nor the invocation.
const defaultMemoryBudget = 3 * time.Second

func (h *handler) rate(ctx context.Context, conn push.Connection, f *frames.Feedback) {
	// frames.Parse has checked the messageId, the rating and the comment's length.
	if err := h.feedback.Record(ctx, Feedback{User: conn.User, MessageID: f.MessageID, Rating: f.Rating, Comment: f.Comment, At: h.now().UTC()}); err != nil {
		h.log.ErrorContext(ctx, "chat: recording feedback failed", "err", err.Error())
		h.sendError(ctx, conn.ID, f.MessageID, frames.CodeUnavailable, "the feedback could not be saved; try again", 5*time.Second)
		return
	}
	if h.memory != nil { // low ratings become review items
		mctx, cancel := context.WithTimeout(ctx, h.memoryBudget)
		_, err := h.memory.Rate(mctx, conn.User, f.MessageID, f.Rating, f.Comment)
		cancel()
		if err != nil {
			h.log.WarnContext(ctx, "chat: recording the rating in memory failed", "err", err.Error())
		}
	}
	h.send(ctx, conn.ID, frames.Event{Type: frames.TypeEvent, Kind: "feedback_recorded", At: h.now().UTC(), Data: map[string]any{"messageId": f.MessageID}})
}
