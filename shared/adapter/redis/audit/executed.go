package audit

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/resync/resync/shared/domain/alert"
)

// executedPages bounds the pages Executed reads (MaxLimit entries each).
const executedPages = 10

// Executed returns the executed actions ("execute:<action>" records)
// indexed in [from, to), oldest first, as alert.Actions — for the action
// alerts and the shift handover. It reads at most executedPages pages and
// returns the List error, wrapped.
func (l *Log) Executed(ctx context.Context, from, to time.Time) ([]alert.Action, error) {
	f := Filter{Action: "execute:", From: from, To: to, Limit: MaxLimit}
	var out []alert.Action
	for range executedPages {
		p, err := l.List(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("audit: executed actions: %w", err)
		}
		for _, e := range p.Entries {
			out = append(out, alert.Action{ID: e.ID, Time: e.Time, User: e.User, Action: strings.TrimPrefix(e.Action, "execute:"),
				Targets: e.Targets, Justification: e.Justification, Result: e.Result, ProposalID: e.ProposalID, Ticket: e.Ticket})
		}
		if p.Next == "" {
			break
		}
		f.Cursor = p.Next
	}
	slices.Reverse(out)
	return out, nil
}
