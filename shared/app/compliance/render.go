package compliance

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/resync/resync/shared/domain/trail"
)

// CSVHeader is the first row of WriteCSV. Every row names its section:
// action, refused, expired, security or chain.
var CSVHeader = []string{"section", "time", "user", "action", "targets", "justification", "category", "ticket", "result", "proposal", "seq", "detail"}

// WriteCSV writes the report as one CSV table (encoding/csv), cells that a
// spreadsheet would run as a formula defused as in the audit export. It
// returns the writer's error, wrapped.
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	write := func(row []string) {
		for i := range row {
			row[i] = trail.CSVSafe(row[i])
		}
		_ = cw.Write(row) // the error sticks; cw.Error reports it
	}
	write(append([]string(nil), CSVHeader...))
	entries := func(section string, es []trail.Entry) {
		for _, e := range es {
			seq := ""
			if e.Seq > 0 {
				seq = strconv.FormatInt(e.Seq, 10)
			}
			write([]string{section, e.Time.UTC().Format(time.RFC3339), e.User, e.Action, strings.Join(e.Targets, ";"),
				e.Justification, e.Category, e.Ticket, e.Result, e.ProposalID, seq, e.Detail})
		}
	}
	entries("action", r.Actions)
	entries("refused", r.Refused)
	entries("expired", r.Expired)
	for _, ev := range r.Security {
		write([]string{"security", ev.Time.UTC().Format(time.RFC3339), ev.User, string(ev.Kind), ev.Route, "", "", "", ev.Reason, "", "",
			strings.TrimSpace(ev.Function + " " + ev.Source)})
	}
	for _, v := range r.Chains {
		write([]string{"chain", v.Day, "", "verify", "", "", "", "", chainResult(v), "", strconv.FormatInt(v.LastSeq, 10), firstBreak(v)})
	}
	if r.Truncated {
		write([]string{"note", r.GeneratedAt.Format(time.RFC3339), "", "", "", "", "", "", fmt.Sprintf("truncated at %d rows: ask for a shorter period", MaxRows), "", "", ""})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("compliance: write csv: %w", err)
	}
	return nil
}

func chainResult(v trail.Verification) string {
	if v.OK {
		return fmt.Sprintf("ok: %d records", v.Records)
	}
	return fmt.Sprintf("broken: %d breaks in %d records", len(v.Breaks), v.Records)
}

func firstBreak(v trail.Verification) string {
	if len(v.Breaks) == 0 {
		return v.LastHash
	}
	b := v.Breaks[0]
	s := fmt.Sprintf("seq %d: %s", b.Seq, b.Reason)
	if b.Expected != "" || b.Actual != "" {
		s += fmt.Sprintf(" (expected %s, actual %s)", b.Expected, b.Actual)
	}
	return s
}

//go:embed report.html
var reportHTML string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"time":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
	"join":    func(s []string) string { return strings.Join(s, "; ") },
	"chain":   chainResult,
	"breakAt": firstBreak,
}).Parse(reportHTML))

// WriteHTML writes the report as a self-contained printable page
// (html/template: every value escaped; no script, no outside resource). It
// returns the template's or the writer's error, wrapped.
func (r Report) WriteHTML(w io.Writer) error {
	if err := page.Execute(w, r); err != nil {
		return fmt.Errorf("compliance: write html: %w", err)
	}
	return nil
}
