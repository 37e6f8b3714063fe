package audit

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/resync/resync/shared/domain/trail"
)

// CSVHeader is the first row WriteCSV writes.
var CSVHeader = []string{"time", "id", "user", "action", "targets", "justification", "result", "detail"}

// WriteCSV writes a header and one row per entry: time in RFC 3339 UTC,
// targets joined by ";". Cells that a spreadsheet would run as a formula
// (starting with =, +, -, @, tab or carriage return) are prefixed with a
// quote, so an export cannot carry a formula injection. It returns the
// writer's error, wrapped.
func WriteCSV(w io.Writer, entries []Entry) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("audit: write csv: %w", err)
	}
	if err := writeRows(cw, entries); err != nil {
		return err
	}
	return flush(cw)
}

func writeRows(cw *csv.Writer, entries []Entry) error {
	for _, e := range entries {
		row := []string{
			e.Time.UTC().Format(time.RFC3339Nano), e.ID, e.User, e.Action,
			strings.Join(e.Targets, ";"), e.Justification, e.Result, e.Detail,
		}
		for i := range row {
			row[i] = trail.CSVSafe(row[i])
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("audit: write csv: %w", err)
		}
	}
	return nil
}

func flush(cw *csv.Writer) error {
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("audit: write csv: %w", err)
	}
	return nil
}

// CSVSafe returns s as WriteCSV writes a cell: prefixed with a quote when a
// spreadsheet would run it as a formula (trail.CSVSafe).
func CSVSafe(s string) string { return trail.CSVSafe(s) }

// Export writes every entry matching f (its Limit and Cursor ignored) as CSV,
// newest first, reading the log a page at a time. It returns the first Redis
// or writer error, wrapped.
func (l *Log) Export(ctx context.Context, w io.Writer, f Filter) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	f.Limit, f.Cursor = MaxLimit, ""
	for {
		page, err := l.List(ctx, f)
		if err != nil {
			return fmt.Errorf("audit: export: %w", err)
		}
		if err := writeRows(cw, page.Entries); err != nil {
			return err
		}
		if page.Next == "" {
			return flush(cw)
		}
		f.Cursor = page.Next
	}
}
