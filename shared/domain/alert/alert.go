// Package alert is the vocabulary of Resync's chat alerts: an Alert (from
// the plan monitor, an executed action or the shift handover), the
// Destination it is posted to, the audited Action it may describe, and
// ErrPermanent, the delivery failure that retrying cannot fix. Package
// notify decides who gets what; package webhook renders and posts.
package alert

import (
	"errors"
	"strings"
	"time"
)

// Severities, least to most urgent.
const (
	Info     = "info"
	Warning  = "warning"
	Critical = "critical"
)

// Alert is one message for the channels.
type Alert struct {
	// Key is unique per alert: the same key is delivered once per channel.
	Key      string    `json:"key"`
	Kind     string    `json:"kind"` // a monitor event kind, ActionExecuted, ActionFailed or Handover
	Severity string    `json:"severity"`
	Title    string    `json:"title"`
	Text     string    `json:"text"` // one line; also the notification's fallback text
	At       time.Time `json:"at"`

	JobID       string `json:"jobId,omitempty"`
	Stream      string `json:"stream,omitempty"`
	Workstation string `json:"workstation,omitempty"`
	// Link is a console path (/api/v1/jobs/<id>) or an absolute URL; the
	// Notifier makes a path absolute with its Console origin.
	Link string `json:"link,omitempty"`

	Facts    []Fact    `json:"facts,omitempty"`
	Sections []Section `json:"sections,omitempty"` // a digest's parts
}

// Fact is one name/value line of an alert.
type Fact struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Section is a titled list of lines (a part of the handover digest).
type Section struct {
	Title string `json:"title"`
	Lines []Line `json:"lines"`
}

// Line is one line of a section; Cite names the job or audit record it
// comes from, Link points at it in the console.
type Line struct {
	Text string `json:"text"`
	Cite string `json:"cite"`
	Link string `json:"link,omitempty"`
}

// Channel kinds.
const (
	Teams = "teams"
	Slack = "slack"
)

// Destination is one chat channel: its id (the key in the webhook
// secret), its kind (Teams or Slack) and its webhook URL, which is a
// secret: never logged nor put in an error.
type Destination struct {
	ID   string
	Kind string
	URL  string
}

// ErrPermanent marks a delivery error that retrying cannot fix (the
// receiver refused the payload or the URL).
var ErrPermanent = errors.New("alert: permanent delivery failure")

// ErrNoDeadLetter is returned for a dead letter that is not (or no longer)
// in the dead-letter list: unknown, or replayed by someone else meanwhile.
var ErrNoDeadLetter = errors.New("alert: no such dead letter")

// Action is one audited operator action (an "execute:<action>" record of
// the audit trail).
type Action struct {
	ID            string    `json:"id"` // the audit record's id
	Time          time.Time `json:"time"`
	User          string    `json:"user"`
	Action        string    `json:"action"` // rerun, hold, ... (without "execute:")
	Targets       []string  `json:"targets,omitempty"`
	Justification string    `json:"justification,omitempty"`
	Result        string    `json:"result,omitempty"` // "ok" or "failed: ..."
	ProposalID    string    `json:"proposalId,omitempty"`
	Ticket        string    `json:"ticket,omitempty"`
}

// OK reports whether the action succeeded.
func (a Action) OK() bool { return a.Result == "ok" }

// JobID returns the job id of the action's first target, as the audit
// writes targets ("job NAME (ID) run RUN"), or "".
func (a Action) JobID() string {
	if len(a.Targets) == 0 {
		return ""
	}
	t := a.Targets[0]
	i, j := strings.Index(t, "("), strings.Index(t, ")")
	if i < 0 || j < i {
		return ""
	}
	return t[i+1 : j]
}

// DeadLetter is the record of an alert that could not be delivered.
type DeadLetter struct {
	// ID names the dead letter for a replay; the store assigns it.
	ID       string    `json:"id"`
	Channel  string    `json:"channel"`
	Key      string    `json:"key"`
	Kind     string    `json:"kind"`
	Title    string    `json:"title"`
	Attempts int       `json:"attempts"`
	Error    string    `json:"error"`
	At       time.Time `json:"at"`
	Alert    Alert     `json:"alert"`
	// Replays counts the replays that failed too.
	Replays int `json:"replays,omitempty"`
}
