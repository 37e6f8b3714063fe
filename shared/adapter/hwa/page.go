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
	op := "list jobs page at " + strconv.Itoa(offset)
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
	r := &request{op: op, pattern: pathJobs, path: pathJobs, query: query, header: http.Header{"Include-Count": {"true"}}}
	var page Page[JobInPlan]
	if err := c.getJSON(ctx, r, &page); err != nil {
		return nil, 0, err
	}
	jobs := make([]workload.Job, 0, len(page.Results))
	for _, j := range page.Results {
		jobs = append(jobs, ConvertJob(j))
	}
	return jobs, page.Count, nil
}
