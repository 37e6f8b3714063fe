// Package audit is the append-only audit trail of what users asked the system
// to do: who, when, which action on which targets, with what justification,
// and the result.
//
// With Config.Durable set (package s3audit in every deployed function), each
// entry is first written to the durable, hash-chained store, and Append fails
// — so the caller refuses the action — when that write fails. Only then is it
// added to the Redis stream, which is the recent index the admin view reads,
// bounded by Config.MaxLen: losing Redis loses the index, never a record.
// Without Durable the stream is the whole trail (unit tests, tools).
//
// The stream ID, assigned by Redis, orders the index. Nothing here edits or
// deletes an entry. List filters by user, action, outcome and time range, newest
// first, a page at a time; WriteCSV and Export export the index as CSV.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/domain/trail"
)

// Entry is one audit record (trail.Entry, the domain's type).
type Entry = trail.Entry

// record is the stored form; ID comes from the stream, Time from the
// durable store (or, when zero, the stream ID).
type record struct {
	User          string    `json:"user"`
	Action        string    `json:"action"`
	Targets       []string  `json:"targets,omitempty"`
	Justification string    `json:"justification,omitempty"`
	Result        string    `json:"result,omitempty"`
	Detail        string    `json:"detail,omitempty"`
	ProposalID    string    `json:"proposalId,omitempty"`
	Category      string    `json:"category,omitempty"`
	Ticket        string    `json:"ticket,omitempty"`
	ExpiresAt     time.Time `json:"expiresAt,omitzero"`
	Time          time.Time `json:"time,omitzero"`
	Seq           int64     `json:"seq,omitempty"`
	Key           string    `json:"key,omitempty"`
	Hash          string    `json:"hash,omitempty"`
}

func toRecord(e Entry) record {
	return record{User: e.User, Action: e.Action, Targets: e.Targets, Justification: e.Justification,
		Result: e.Result, Detail: e.Detail, ProposalID: e.ProposalID, Category: e.Category, Ticket: e.Ticket,
		ExpiresAt: e.ExpiresAt, Time: e.Time, Seq: e.Seq, Key: e.Key, Hash: e.Hash}
}

func (r record) entry(id string, t time.Time) Entry {
	if !r.Time.IsZero() {
		t = r.Time
	}
	return Entry{ID: id, Time: t, User: r.User, Action: r.Action, Targets: r.Targets,
		Justification: r.Justification, Result: r.Result, Detail: r.Detail, ProposalID: r.ProposalID,
		Category: r.Category, Ticket: r.Ticket, ExpiresAt: r.ExpiresAt, Seq: r.Seq, Key: r.Key, Hash: r.Hash}
}

// Defaults for Config and Filter.
const (
	DefaultKey   = "audit:log"
	DefaultLimit = 50
	MaxLimit     = 1000
	// scanBudget bounds the entries one List reads; past it List returns a
	// short page with a cursor to go on from.
	scanBudget = 10_000
)

// DefaultIndexLen is the MaxLen the functions give the index when the
// durable store holds the trail.
const DefaultIndexLen = 10_000

// Durable is the store of record every entry is written to before the
// index (*s3audit.Trail). Put returns the entry as stored, with its Time,
// Seq, Key and Hash set, or an error: then nothing was recorded.
type Durable interface {
	Put(ctx context.Context, e Entry) (Entry, error)
}

// Config configures a Log.
type Config struct {
	Key string // the stream's key; default DefaultKey
	// MaxLen, when positive, trims the stream to about that many entries.
	// Zero keeps everything.
	MaxLen int64
	// Durable, when set, is written first; see the package comment.
	Durable Durable
	// IndexFailed, when set with Durable, hears of an entry recorded
	// durably that could not be added to the index (Append then succeeds:
	// the record is not lost, only missing from the admin view).
	IndexFailed func(ctx context.Context, e Entry, err error)
}

// Log is the audit trail. It is safe for concurrent use.
type Log struct {
	rdb redis.UniversalClient
	cfg Config
}

// New returns a Log over rdb.
func New(rdb redis.UniversalClient, cfg Config) *Log {
	if cfg.Key == "" {
		cfg.Key = DefaultKey
	}
	return &Log{rdb: rdb, cfg: cfg}
}

// Errors of Log.
var (
	// ErrInvalid is returned for an entry without user or action, or a bad filter.
	ErrInvalid = errors.New("audit: invalid")
	// ErrNotRecorded is returned by Append when the entry could not be
	// recorded: the caller must not carry out the action it describes.
	ErrNotRecorded = errors.New("audit: not recorded")
)

// Append records e (its ID, Time, Seq, Key and Hash are ignored) and returns
// it as stored. With Config.Durable it is written there first; then added to
// the index, whose ID it gets. It returns ErrInvalid for an entry without
// user or action, and ErrNotRecorded (wrapping the cause) when the durable
// store — or, without one, Redis — failed: nothing was recorded.
func (l *Log) Append(ctx context.Context, e Entry) (Entry, error) {
	if e.User == "" || e.Action == "" {
		return Entry{}, fmt.Errorf("audit: append: %w: user and action are required", ErrInvalid)
	}
	e.ID, e.Time, e.Seq, e.Key, e.Hash = "", time.Time{}, 0, "", ""
	if l.cfg.Durable != nil {
		stored, err := l.cfg.Durable.Put(ctx, e)
		if err != nil {
			return Entry{}, fmt.Errorf("audit: append %s by %s: %w: %w", e.Action, e.User, ErrNotRecorded, err)
		}
		e = stored
	}
	b, err := json.Marshal(toRecord(e))
	if err != nil {
		return Entry{}, fmt.Errorf("audit: append: %w", err)
	}
	args := &redis.XAddArgs{Stream: l.cfg.Key, ID: "*", Values: []any{"e", b}}
	if l.cfg.MaxLen > 0 {
		args.MaxLen, args.Approx = l.cfg.MaxLen, true
	}
	id, err := l.rdb.XAdd(ctx, args).Result()
	if err != nil {
		err = fmt.Errorf("audit: index %s by %s: %w", e.Action, e.User, err)
		if l.cfg.Durable != nil {
			if l.cfg.IndexFailed != nil {
				l.cfg.IndexFailed(ctx, e, err)
			}
			return e, nil
		}
		return Entry{}, fmt.Errorf("%w: %w", ErrNotRecorded, err)
	}
	e.ID = id
	if e.Time.IsZero() {
		if e.Time, err = idTime(id); err != nil {
			return Entry{}, fmt.Errorf("audit: append: %w", err)
		}
	}
	return e, nil
}

// idTime returns the time in a stream ID "<ms>-<seq>".
func idTime(id string) (time.Time, error) {
	ms, _, _ := strings.Cut(id, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad stream id %q", id)
	}
	return time.UnixMilli(n).UTC(), nil
}

// Filter selects entries. Zero fields select everything.
type Filter struct {
	User   string
	Action string // exact, or a prefix ending in ":" ("execute:" is every execution)
	// Outcome is the result's first word: "ok" matches "ok", "failed"
	// matches "failed: HWA 409", "removed" matches "removed 3 keys"; ""
	// matches every result.
	Outcome string
	From    time.Time // inclusive
	To      time.Time // exclusive
	Limit   int       // page size; default DefaultLimit, at most MaxLimit
	Cursor  string    // Page.Next of the previous page
}

func (f Filter) match(r record) bool {
	if f.User != "" && r.User != f.User {
		return false
	}
	if f.Outcome != "" && r.Result != f.Outcome && !strings.HasPrefix(r.Result, f.Outcome+":") && !strings.HasPrefix(r.Result, f.Outcome+" ") {
		return false
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ":") {
			return strings.HasPrefix(r.Action, f.Action)
		}
		return r.Action == f.Action
	}
	return true
}

// Page is one page of entries, newest first. Next is empty on the last page.
type Page struct {
	Entries []Entry `json:"entries"`
	Next    string  `json:"next,omitempty"`
}

// List returns the entries matching f, newest first, one page at a time. It
// returns ErrInvalid for a bad cursor or range, and the Redis error, wrapped.
func (l *Log) List(ctx context.Context, f Filter) (Page, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	end := "+"
	if !f.To.IsZero() {
		end = "(" + strconv.FormatInt(f.To.UnixMilli(), 10) + "-0"
	}
	if f.Cursor != "" {
		if _, err := idTime(f.Cursor); err != nil || strings.Count(f.Cursor, "-") != 1 {
			return Page{}, fmt.Errorf("audit: list: %w: cursor %q", ErrInvalid, f.Cursor)
		}
		end = "(" + f.Cursor
	}
	start := "-"
	if !f.From.IsZero() {
		start = strconv.FormatInt(f.From.UnixMilli(), 10) + "-0"
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return Page{}, fmt.Errorf("audit: list: %w: from %v is not before to %v", ErrInvalid, f.From, f.To)
	}

	page := Page{Entries: []Entry{}}
	batch := int64(min(max(limit*2, 100), 1000))
	scanned := 0
	for {
		msgs, err := l.rdb.XRevRangeN(ctx, l.cfg.Key, end, start, batch).Result()
		if err != nil {
			return Page{}, fmt.Errorf("audit: list: %w", err)
		}
		for _, m := range msgs {
			scanned++
			e, r, err := decodeMsg(m)
			if err != nil {
				return Page{}, fmt.Errorf("audit: list: %w", err)
			}
			if f.match(r) {
				page.Entries = append(page.Entries, e)
				if len(page.Entries) == limit {
					page.Next = m.ID
					return page, nil
				}
			}
			end = "(" + m.ID
			if scanned >= scanBudget {
				page.Next = m.ID
				return page, nil
			}
		}
		if int64(len(msgs)) < batch {
			return page, nil
		}
	}
}

func decodeMsg(m redis.XMessage) (Entry, record, error) {
	var r record
	raw, ok := m.Values["e"].(string)
	if !ok {
		return Entry{}, r, fmt.Errorf("entry %s has no data", m.ID)
	}
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return Entry{}, r, fmt.Errorf("entry %s: %w", m.ID, err)
	}
	t, err := idTime(m.ID)
	if err != nil {
		return Entry{}, r, err
	}
	return r.entry(m.ID, t), r, nil
}
