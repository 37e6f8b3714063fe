package docs

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Limits bounds the work of parsing one document, so that a small hostile
// upload cannot make ingest allocate, or spin, without end: a PDF of a few
// kilobytes can inflate to gigabytes, a CSV header is repeated on every row,
// a JSON leaf repeats the whole key path above it. Zero fields take the
// defaults below. Hitting a limit ends the parse with an *Error of kind
// ErrTooLarge (ErrTimeout for MaxTime) whose Limit names the cap.
type Limits struct {
	// MaxInflatedBytes caps what a PDF's streams decode to (FlateDecode,
	// ASCII85Decode, chained). It is counted twice: across every stream of
	// the file except images, before the PDF reader sees the file, and again
	// across the page contents and fonts the text extractor decodes.
	// Default 32 MiB: the text streams of a long manual take a few MiB.
	MaxInflatedBytes int64
	// MaxTextBytes caps the text extracted from a document: the file itself
	// for text and Markdown, the page text of a PDF, the lines made from a
	// JSON or CSV file. Default 4 MiB, about 5,000 chunks to embed.
	MaxTextBytes int64
	// MaxPages caps a PDF's pages. Default 2,000.
	MaxPages int
	// MaxTime caps the wall time of one parse. Default 30 s.
	MaxTime time.Duration
}

// Default limits; see Limits.
const (
	DefaultMaxInflatedBytes = 32 << 20
	DefaultMaxTextBytes     = 4 << 20
	DefaultMaxPages         = 2000
	DefaultMaxTime          = 30 * time.Second
)

// maxPageTreeDepth caps how deep a PDF's page tree may nest. Balanced trees
// of a million pages are six levels deep; a deeper tree is built to make a
// reader walk (and allocate for) every level.
const maxPageTreeDepth = 64

// The limits an *Error's Limit names.
const (
	LimitBytes    = "bytes"    // the file itself (MaxBytes)
	LimitInflated = "inflated" // MaxInflatedBytes
	LimitText     = "text"     // MaxTextBytes
	LimitPages    = "pages"    // MaxPages
	LimitDepth    = "depth"    // nesting of a PDF's page tree
	LimitTime     = "time"     // MaxTime
)

// DefaultLimits returns the limits Parse applies.
func DefaultLimits() Limits { return Limits{}.withDefaults() }

func (l Limits) withDefaults() Limits {
	if l.MaxInflatedBytes <= 0 {
		l.MaxInflatedBytes = DefaultMaxInflatedBytes
	}
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = DefaultMaxTextBytes
	}
	if l.MaxPages <= 0 {
		l.MaxPages = DefaultMaxPages
	}
	if l.MaxTime <= 0 {
		l.MaxTime = DefaultMaxTime
	}
	return l
}

// budget is the running account of one parse against its limits.
type budget struct {
	ctx      context.Context
	lim      Limits
	text     int64
	inflated int64 // bytes decoded for the text extractor
}

// addText counts n bytes of extracted text.
func (b *budget) addText(n int) error {
	b.text += int64(n)
	if b.text > b.lim.MaxTextBytes {
		return limitError(LimitText, nil, "the document holds more than %s of text", size(b.lim.MaxTextBytes))
	}
	return nil
}

// check reports a passed deadline (or a cancelled parse).
func (b *budget) check() error {
	if err := b.ctx.Err(); err != nil {
		return b.timeout(err)
	}
	return nil
}

func (b *budget) timeout(cause error) *Error {
	if errors.Is(cause, context.Canceled) {
		return &Error{Kind: ErrTimeout, Limit: LimitTime, Reason: "reading the document was cancelled", Err: cause}
	}
	return &Error{Kind: ErrTimeout, Limit: LimitTime, Reason: fmt.Sprintf("reading the document took longer than %s", b.lim.MaxTime), Err: cause}
}

func limitError(limit string, cause error, format string, args ...any) *Error {
	e := fail(ErrTooLarge, cause, format, args...)
	e.Limit = limit
	return e
}

// size writes n bytes for a reason: "4 MiB", "512 KiB", "100 bytes".
func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// checkText refuses content that is not UTF-8 text: an invalid byte
// sequence, or a control character no text file holds (NUL, and the C0
// controls other than tab, line feed, vertical tab, form feed, carriage
// return and escape). Detect only sees the first 512 bytes; this sees all.
func checkText(t Type, data []byte) error {
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r' && c != 0x1b {
				return fail(ErrMismatch, nil, "the file is named or declared as %s but holds binary data (byte 0x%02x at offset %d)", t, c, i)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return fail(ErrMismatch, nil, "the file is named or declared as %s but is not UTF-8 text (invalid byte 0x%02x at offset %d)", t, c, i)
		}
		i += n
	}
	return nil
}
