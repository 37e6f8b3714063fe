package hwa

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// LogOptions selects part of a job log.
type LogOptions struct {
	FromLine    int   // first line, 1-based, inclusive (0: from the start); sent as from_line
	ToLine      int   // last line, inclusive (0: to the end); sent as to_line
	Tail        int   // keep only the last Tail lines of what the server sends (computed here)
	MaxBytes    int64 // keep at most this many bytes (default Config.MaxResponseBytes)
	ContentOnly bool  // drop HWA's header and footer (contentOnly=true)
}

// Log is a job log, or the part of it LogOptions selected.
type Log struct {
	Text      string
	Truncated bool // the log was cut to MaxBytes (the start for a tail, the end otherwise)
}

// JobLog returns the log (stdlist) of one run (GET
// /plan/job/run/{run_id}/joblog, text/plain). Without Tail it returns at
// most MaxBytes from the start, cut at a line end, and reports Truncated;
// with Tail it streams the whole log through a window of MaxBytes and keeps
// the last Tail lines. Errors are *Error, ErrNotFound for an unknown run id.
func (c *Client) JobLog(ctx context.Context, runID string, o LogOptions) (Log, error) {
	op := "get job log of run " + runID
	if err := c.checkID(op, "run id", runID); err != nil {
		return Log{}, err
	}
	if o.FromLine < 0 || o.ToLine < 0 || o.Tail < 0 || (o.ToLine > 0 && o.FromLine > o.ToLine) {
		return Log{}, c.badArg(op, "bad line range from %d to %d, tail %d", o.FromLine, o.ToLine, o.Tail)
	}
	max := o.MaxBytes
	if max <= 0 {
		max = c.maxBytes
	}
	q := url.Values{}
	if o.FromLine > 0 {
		q.Set("from_line", strconv.Itoa(o.FromLine))
	}
	if o.ToLine > 0 {
		q.Set("to_line", strconv.Itoa(o.ToLine))
	}
	if o.ContentOnly {
		q.Set("contentOnly", "true")
	}
	r := &request{op: op, method: http.MethodGet, accept: "text/plain", pattern: pathJobLog, path: pathf(pathJobLog, runID), query: q}
	var out Log
	err := c.call(ctx, r, func(resp *http.Response) error {
		var err error
		if o.Tail > 0 {
			out, err = tailLines(resp.Body, o.Tail, max)
		} else {
			out, err = headBytes(resp.Body, max)
		}
		return err
	})
	return out, err
}

// headBytes reads at most max bytes, cutting at the last line end when the
// log is longer.
func headBytes(r io.Reader, max int64) (Log, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return Log{}, err
	}
	if int64(len(b)) <= max {
		return Log{Text: string(b)}, nil
	}
	b = b[:max]
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[:i+1]
	}
	return Log{Text: string(b), Truncated: true}, nil
}

// tailLines streams r through a window of the last max bytes and returns its
// last n lines (a final line without a newline counts as a line).
func tailLines(r io.Reader, n int, max int64) (Log, error) {
	buf := make([]byte, 0, 2*max)
	chunk := make([]byte, 32<<10)
	dropped := false
	var lastDropped byte // the byte just before the window, once dropped
	trim := func() {
		cut := int64(len(buf)) - max
		lastDropped = buf[cut-1]
		copy(buf, buf[cut:])
		buf = buf[:max]
		dropped = true
	}
	for {
		k, err := r.Read(chunk)
		buf = append(buf, chunk[:k]...)
		if int64(len(buf)) > 2*max {
			trim()
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Log{}, err
		}
	}
	if int64(len(buf)) > max {
		trim()
	}
	// Walk back n line ends (ignoring a trailing newline).
	end := len(buf)
	if end > 0 && buf[end-1] == '\n' {
		end--
	}
	start := end
	found := 0
	for found < n {
		i := bytes.LastIndexByte(buf[:start], '\n')
		if i < 0 {
			start = 0
			break
		}
		start = i
		found++
		if found == n {
			start = i + 1
		}
	}
	truncated := false
	if start == 0 && found < n && dropped {
		// We reached the start of the window, which holds found+1 lines,
		// and the log went on before it.
		if lastDropped != '\n' {
			// The window begins mid-line: drop the partial line.
			if i := bytes.IndexByte(buf, '\n'); i >= 0 {
				start = i + 1
			} else {
				start = len(buf)
			}
			truncated = true
		} else if found+1 < n {
			truncated = true // fewer lines than asked, because of the cap
		}
	}
	return Log{Text: string(buf[start:]), Truncated: truncated}, nil
}
