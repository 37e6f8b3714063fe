// Package frames is the chat protocol: the JSON objects exchanged over the
// WebSocket, one per frame, described field by field with their limits and
// error codes in docs/protocol.md (a test keeps the two equal). API Gateway
// selects the route on the "action" field of client frames; server frames
// carry "type". Parse is the one way a client frame is read: it refuses
// unknown fields, trailing data and over-long fields.
package frames

import "time"

// Limits of API Gateway's WebSocket API that the protocol respects.
const (
	MaxFrameBytes   = 32 << 10  // one frame
	MaxMessageBytes = 128 << 10 // one message
	RouteTimeout    = 29 * time.Second
	IdleTimeout     = 10 * time.Minute
	MaxLifetime     = 2 * time.Hour
)

// Client actions (the "action" field, the WebSocket route key).
const (
	ActionChat     = "chat"
	ActionConfirm  = "confirm"
	ActionCancel   = "cancel"
	ActionFeedback = "feedback"
	ActionPing     = "ping"
	ActionAuth     = "auth"
)

// Server frame types (the "type" field).
const (
	TypeAck      = "ack"
	TypeDelta    = "delta"
	TypeTool     = "tool"
	TypeProposal = "proposal"
	TypeFinal    = "final"
	TypeError    = "error"
	TypeEvent    = "event"
	TypePong     = "pong"
)

// Chat asks the agent a question.
type Chat struct {
	Action         string `json:"action"`
	ID             string `json:"id"`             // client message id; resending it replays
	ConversationID string `json:"conversationId"` // continues a conversation
	Text           string `json:"text"`
	Agent          string `json:"agent,omitempty"` // agent id from agents.json; default analyst
}

// Confirm executes a proposal.
type Confirm struct {
	Action        string `json:"action"`
	ProposalID    string `json:"proposalId"`
	Justification string `json:"justification"`
	Category      string `json:"category,omitempty"` // Justification-Category
	Ticket        string `json:"ticket,omitempty"`   // Justification-Ticket-Num
}

// Cancel drops a proposal.
type Cancel struct {
	Action     string `json:"action"`
	ProposalID string `json:"proposalId"`
}

// Feedback rates an answer.
type Feedback struct {
	Action    string `json:"action"`
	MessageID string `json:"messageId"`
	Rating    int    `json:"rating"` // 1 (bad) .. 5 (good)
	Comment   string `json:"comment,omitempty"`
}

// Ping keeps the connection from idling out; the answer is a Pong.
type Ping struct {
	Action string `json:"action"`
}

// Auth re-authenticates an open connection with a fresh token of the same
// user: the connection's expiry and roles become the new token's. The
// answer is an Event of kind "session".
type Auth struct {
	Action string `json:"action"`
	Token  string `json:"token"`
}

// Pong answers a Ping.
type Pong struct {
	Type string `json:"type"`
}

// Ack acknowledges a chat frame at once.
type Ack struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Delta is streamed answer text, coalesced (about every 100 ms).
type Delta struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Tool reports a tool while it runs.
type Tool struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	Name    string `json:"name"`
	Status  string `json:"status"` // running | done | failed | refused
	Summary string `json:"summary,omitempty"`
}

// Target is one object an action applies to.
type Target struct {
	Kind string `json:"kind"` // job | jobstream | workstation
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Impact is what an action affects downstream.
type Impact struct {
	Successors []Target `json:"successors"`
	Critical   int      `json:"critical"` // how many successors are critical
	Summary    string   `json:"summary"`
}

// Proposal is an action the agent proposes; only a confirm executes it.
type Proposal struct {
	Type       string    `json:"type"`
	ID         string    `json:"id"` // the chat message id
	ProposalID string    `json:"proposalId"`
	Action     string    `json:"action"` // rerun | hold | release | cancel | kill | confirm-succ | confirm-abend | reply-prompt
	Targets    []Target  `json:"targets"`
	Impact     Impact    `json:"impact"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

// Citation names what an answer relied on.
type Citation struct {
	Kind  string `json:"kind"` // job | jobstream | workstation | log | document
	ID    string `json:"id"`
	Label string `json:"label"`
	URL   string `json:"url,omitempty"` // e.g. /api/v1/jobs/{id}
	// Lines of a job log, or the section of a document.
	Lines   string `json:"lines,omitempty"`
	Section string `json:"section,omitempty"`
}

// Final is the complete answer.
type Final struct {
	Type      string     `json:"type"`
	ID        string     `json:"id"`
	Text      string     `json:"text"`
	Citations []Citation `json:"citations"`
}

// Error reports a failure; Code is stable, Message safe to show.
type Error struct {
	Type       string `json:"type"`
	ID         string `json:"id,omitempty"`
	Code       string `json:"code"`
	Message    string `json:"message"`
	RetryAfter int    `json:"retryAfter,omitempty"` // seconds
}

// Error codes.
const (
	CodeBadFrame     = "bad_frame"      // not JSON, no or unknown action, wrong type, missing field, trailing data
	CodeUnknownField = "unknown_field"  // a field the frame type does not have
	CodeFieldTooLong = "field_too_long" // a field over its limit (Limits)
	CodeTooLarge     = "too_large"      // the message is over MaxMessageBytes
	CodeTokenExpired = "token_expired"  // the connection's token expired: send an auth frame
	CodeUnauthorized = "unauthorized"   // an auth frame's token is not valid
	CodeUserMismatch = "user_mismatch"  // an auth frame's token is another user's
	CodeRateLimited  = "rate_limited"
	CodeForbidden    = "forbidden"
	CodeNotFound     = "not_found"
	CodeExpired      = "expired" // the proposal expired
	CodeConflict     = "conflict"
	CodeUnavailable  = "unavailable"
	CodeInternal     = "internal"
)

// Event is a push: health changes, plan alerts, ingest progress.
type Event struct {
	Type string    `json:"type"`
	Kind string    `json:"kind"` // e.g. job_abended, stream_late, workstation_unlinked, health, ingest
	At   time.Time `json:"at"`
	// Data holds the event's fields (ids, names, links).
	Data map[string]any `json:"data,omitempty"`
}
