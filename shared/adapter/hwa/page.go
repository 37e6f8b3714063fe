package hwa

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/resync/resync/shared/domain/workload"
)

// JobPage returns one page of the jobs q selects — q.PageSize jobs from
// offset — and the server's total count (GET /plan/job with Include-Count),
// for callers that page through a list themselves. Errors are *Error as for
// ListJobs.
func (c *Client) JobPage(ctx context.Context, q Query, offset int) ([]workload.Job, int64, error) {
	return onePage(ctx, c, "list jobs page at ", pathJobs, q, offset, ConvertJob)
}

// JobStreamPage is JobPage for job streams (GET /plan/jobstream): one page
// and the total count. Errors are *Error as for ListJobStreams.
func (c *Client) JobStreamPage(ctx context.Context, q Query, offset int) ([]workload.JobStream, int64, error) {
	return onePage(ctx, c, "list job streams page at ", pathStreams, q, offset, ConvertJobStream)
}

// WorkstationPage is JobPage for workstations (GET /plan/workstation): one
// page and the total count. Errors are *Error as for ListWorkstations.
func (c *Client) WorkstationPage(ctx context.Context, q Query, offset int) ([]workload.Workstation, int64, error) {
	return onePage(ctx, c, "list workstations page at ", pathWorkstations, q, offset, ConvertWorkstation)
}

// onePage reads one page of the list at pattern and converts its results.
func onePage[T, D any](ctx context.Context, c *Client, opPrefix, pattern string, q Query, offset int, conv func(T) D) ([]D, int64, error) {
	op := opPrefix + strconv.Itoa(offset)
	if err := q.OQL.Err(); err != nil {
		return nil, 0, &Error{Op: op, Kind: ErrBadFilter, Message: c.red.clean(err.Error()), Err: err}
	}
	if offset < 0 {
		return nil, 0, c.badArg(op, "negative offset")
	}
	limit := q.PageSize
	if limit <= 0 {
		limit = c.pageSize
	}
	query := url.Values{}
	if s := q.OQL.String(); s != "" {
		query.Set("oql", s)
	}
	if q.PlanFilter != "" {
		query.Set("plan_filter", q.PlanFilter)
	}
	query.Set("limit", strconv.Itoa(limit))
	query.Set("offset", strconv.Itoa(offset))
	r := &request{op: op, pattern: pattern, path: pattern, query: query, header: http.Header{"Include-Count": {"true"}}}
	var page Page[T]
	if err := c.getJSON(ctx, r, &page); err != nil {
		return nil, 0, err
	}
	out := make([]D, 0, len(page.Results))
	for _, x := range page.Results {
		out = append(out, conv(x))
	}
	return out, page.Count, nil
}
