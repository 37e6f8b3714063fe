// Package review is the vocabulary of Resync's conversation memory, free of
// any store: an answered turn, a review item made of an answer that went
// wrong, an admin's decision on it and the approved corrections later
// questions are given. The rules that make items (which ratings, which
// auditor findings) live in shared/app/memory; the graph adapter stores
// them.
package review

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// Errors, tested with errors.Is; stores return them for the cases named.
var (
	ErrNotFound = errors.New("memory: not found")
	ErrConflict = errors.New("memory: already decided")
	ErrInvalid  = errors.New("memory: invalid argument")
)

// Reasons an answer is reviewed.
const (
	ReasonLowRating   = "low rating"
	ReasonUnknownJob  = "unknown job"
	ReasonContradicts = "contradicts plan status"
)

// Statuses of a review item.
const (
	StatusOpen     = "open"
	StatusApproved = "approved"
	StatusRejected = "rejected"
)

// Turn is one answered question.
type Turn struct {
	ID             string    `json:"id"` // the chat message id
	User           string    `json:"user"`
	ConversationID string    `json:"conversationId"`
	Question       string    `json:"question"`
	Answer         string    `json:"answer"`
	Agent          string    `json:"agent"`
	At             time.Time `json:"at"`
	// Jobs are the ids of the jobs the answer cited.
	Jobs []string `json:"jobs,omitempty"`
}

// Rating is a user's rating (1..5) of the answer to turn TurnID.
type Rating struct {
	User    string
	TurnID  string
	Rating  int
	Comment string
	At      time.Time
}

// Item is an answer to review.
type Item struct {
	ID         string    `json:"id"`
	TurnID     string    `json:"turnId"`
	User       string    `json:"user"` // who asked
	Reason     string    `json:"reason"`
	Detail     string    `json:"detail"`
	Question   string    `json:"question"`
	Answer     string    `json:"answer"`
	Status     string    `json:"status"`
	Correction string    `json:"correction,omitempty"`
	Note       string    `json:"note,omitempty"` // why it was rejected
	Reviewer   string    `json:"reviewer,omitempty"`
	DecidedAt  time.Time `json:"decidedAt,omitzero"`
	CreatedAt  time.Time `json:"createdAt"`
	// Cited are the jobs the reviewed answer cited, as stores list them;
	// empty when the turn is unknown.
	Cited []CitedJob `json:"cited"`
}

// CitedJob is a job an answer cited.
type CitedJob struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ItemID is the id of the item for (user, turn, reason): one item per
// turn and reason, however often it is flagged.
func ItemID(user, turnID, reason string) string {
	sum := sha256.Sum256([]byte(user + "\x00" + turnID + "\x00" + reason))
	return "rev-" + hex.EncodeToString(sum[:12])
}

// Decision is an admin's decision on an open item: Status is
// StatusApproved with a Correction or StatusRejected with an optional Note.
type Decision struct {
	ID         string
	Reviewer   string
	Status     string
	Correction string
	Note       string
	At         time.Time
}

// Candidate is an approved correction whose question may be like a new
// one, before similarity ranking.
type Candidate struct {
	ReviewID   string
	Question   string
	Correction string
}
