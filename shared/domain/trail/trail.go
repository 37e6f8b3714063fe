// Package trail is the vocabulary of the audit trail, shared by the stores
// that keep it (the Redis index in shared/adapter/redis/audit, the durable
// chain in shared/adapter/s3audit) and the services that read it
// (shared/app/compliance, shared/app/agent): one record (Entry), the result
// of verifying a day's hash chain (Verification, Break), the chain's first
// link (Genesis), and the one rule for putting a cell of a record into a CSV
// export (CSVSafe). It needs only the standard library.
package trail

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Entry is one audit record: who, when, which action on which targets, with
// what justification, and the result.
type Entry struct {
	ID            string    `json:"id"`   // the index's ID (a Redis stream ID), set by the index
	Time          time.Time `json:"time"` // when it was recorded (the durable store's clock, else the ID's)
	User          string    `json:"user"`
	Action        string    `json:"action"` // e.g. "proposal", "confirm", "execute:rerun"
	Targets       []string  `json:"targets,omitempty"`
	Justification string    `json:"justification,omitempty"`
	Result        string    `json:"result,omitempty"` // e.g. "ok", "refused: viewer role"
	Detail        string    `json:"detail,omitempty"` // free text: proposal id, request id

	// What a compliance report groups by, when the action has them.
	ProposalID string    `json:"proposalId,omitempty"`
	Category   string    `json:"category,omitempty"` // HWA justification category
	Ticket     string    `json:"ticket,omitempty"`   // HWA justification ticket number
	ExpiresAt  time.Time `json:"expiresAt,omitzero"` // a proposal's expiry

	// Set by the durable store: the entry's place in its day's chain.
	Seq  int64  `json:"seq,omitempty"`
	Key  string `json:"key,omitempty"`  // the durable object's key
	Hash string `json:"hash,omitempty"` // its SHA-256, hex
}

// Verification is the result of walking one day's durable chain
// (s3audit.Trail.Verify): OK when every record from seq 1 on is present,
// hashes to the hash it carries, and carries the hash of the one before.
type Verification struct {
	Day      string  `json:"day"` // YYYY-MM-DD, UTC
	OK       bool    `json:"ok"`
	Records  int     `json:"records"`
	LastSeq  int64   `json:"lastSeq"`
	LastHash string  `json:"lastHash,omitempty"`
	Breaks   []Break `json:"breaks,omitempty"` // the first MaxBreaks, in seq order
}

// MaxBreaks bounds Verification.Breaks.
const MaxBreaks = 100

// Break is one place where a chain does not hold.
type Break struct {
	Seq      int64  `json:"seq"`
	Key      string `json:"key,omitempty"`
	Reason   string `json:"reason"`             // e.g. "hash mismatch: the record was altered"
	Expected string `json:"expected,omitempty"` // what the chain requires there
	Actual   string `json:"actual,omitempty"`   // what was found
}

// Genesis returns the prevHash of a day's first record (day is YYYY-MM-DD):
// the SHA-256, hex, of a fixed text naming the day, so every day's chain
// starts from a value anyone can recompute.
func Genesis(day string) string {
	h := sha256.Sum256([]byte("resync audit genesis " + day))
	return hex.EncodeToString(h[:])
}

// CSVSafe returns s as a CSV export of the trail writes a cell: prefixed
// with a quote when a spreadsheet would run it as a formula (it starts with
// =, +, -, @, tab or carriage return), so an export cannot carry a formula
// injection.
func CSVSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
