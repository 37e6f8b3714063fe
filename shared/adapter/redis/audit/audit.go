// Package audit is the append-only audit trail of what users asked the system
// to do: who, when, which action on which targets, with what justification,
// and the result. Entries live in one Redis stream; the stream ID, assigned
// by Redis, orders them and gives their time. Nothing here edits or deletes
// an entry (a retention cap is opt-in, Config.MaxLen).
//
// List filters by user, action and time range, newest first, a page at a
// time; WriteCSV and Export produce the compliance export.
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
)

// Entry is one audit record.
type Entry struct {
	ID            string    `json:"id"`   // stream ID, set by Append
	Time          time.Time `json:"time"` // when it was recorded (from the ID)
	User          string    `json:"user"`
	Action        string    `json:"action"` // e.g. "proposal", "confirm", "execute:rerun"
	Targets       []string  `json:"targets,omitempty"`
	Justification string    `json:"justification,omitempty"`
	Result        string    `json:"result,omitempty"` // e.g. "ok", "refused: viewer role"
	Detail        string    `json:"detail,omitempty"` // free text: proposal id, request id
}

// record is the stored form; ID and Time come from the stream.
type record struct {
	User          string   `json:"user"`
	Action        string   `json:"action"`
	Targets       []string `json:"targets,omitempty"`
	Justification string   `json:"justification,omitempty"`
	Result        string   `json:"result,omitempty"`
	Detail        string   `json:"detail,omitempty"`
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

// Config configures a Log.
type Config struct {
	Key string // the stream's key; default DefaultKey
	// MaxLen, when positive, trims the stream to about that many entries.
	// Zero keeps everything.
	MaxLen int64
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

// ErrInvalid is returned for an entry without user or action, or a bad filter.
var ErrInvalid = errors.New("audit: invalid")

// Append records e (its ID and Time are ignored) and returns it as stored,
// with the ID and Time Redis gave it. It returns ErrInvalid for an entry
// without user or action, and the Redis error, wrapped.
func (l *Log) Append(ctx context.Context, e Entry) (Entry, error) {
	if e.User == "" || e.Action == "" {
		return Entry{}, fmt.Errorf("audit: append: %w: user and action are required", ErrInvalid)
	}
	b, err := json.Marshal(record{e.User, e.Action, e.Targets, e.Justification, e.Result, e.Detail})
	if err != nil {
		return Entry{}, fmt.Errorf("audit: append: %w", err)
	}
	args := &redis.XAddArgs{Stream: l.cfg.Key, ID: "*", Values: []any{"e", b}}
	if l.cfg.MaxLen > 0 {
		args.MaxLen, args.Approx = l.cfg.MaxLen, true
	}
	id, err := l.rdb.XAdd(ctx, args).Result()
	if err != nil {
		return Entry{}, fmt.Errorf("audit: append %s by %s: %w", e.Action, e.User, err)
	}
	e.ID = id
	e.Time, err = idTime(id)
	if err != nil {
		return Entry{}, fmt.Errorf("audit: append: %w", err)
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
	Action string    // exact, or a prefix ending in ":" ("execute:" is every execution)
	From   time.Time // inclusive
	To     time.Time // exclusive
	Limit  int       // page size; default DefaultLimit, at most MaxLimit
	Cursor string    // Page.Next of the previous page
}

func (f Filter) match(r record) bool {
	if f.User != "" && r.User != f.User {
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
	return Entry{ID: m.ID, Time: t, User: r.User, Action: r.Action, Targets: r.Targets,
		Justification: r.Justification, Result: r.Result, Detail: r.Detail}, r, nil
}
