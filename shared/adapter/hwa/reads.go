package hwa

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/resync/resync/shared/domain/workload"
)

// Query selects plan objects for a list call. The zero Query lists
// everything, page by page.
type Query struct {
	OQL        Expr   // the oql parameter; build it with Eq, And, ... (zero: none)
	PlanFilter string // the plan_filter parameter, e.g. "/@/MDM#/@/@.@" (empty: none)
	PageSize   int    // limit per request (default Config.PageSize)
	MaxResults int    // stop after this many results (0: all)
	// Ahead is how many pages a list reads in parallel, by offset, once the
	// first page has given the total count (pagesAhead); 0 or 1 reads one
	// page at a time, following the server's next links.
	Ahead int
}

// Paths used by the client, relative to APIPrefix. The contract test checks
// every one of them against the vendor's OpenAPI file.
const (
	pathJobs                = "/plan/job"
	pathJob                 = "/plan/job/{job_id}"
	pathJobPredecessors     = "/plan/job/{job_id}/predecessors"
	pathJobSuccessors       = "/plan/job/{job_id}/successors"
	pathJobCount            = "/plan/job/count"
	pathJobIssues           = "/plan/job/issues"
	pathJobLog              = "/plan/job/run/{run_id}/joblog"
	pathRerun               = "/plan/job/run/{run_id}/action/rerun"
	pathJobAction           = "/plan/job/{job_id}/action/"
	pathStreams             = "/plan/jobstream"
	pathStream              = "/plan/jobstream/{jobstream_id}"
	pathStreamPredecessors  = "/plan/jobstream/{jobstream_id}/predecessors"
	pathStreamSuccessors    = "/plan/jobstream/{jobstream_id}/successors"
	pathStreamCount         = "/plan/jobstream/count"
	pathStreamAction        = "/plan/jobstream/{jobstream_id}/action/"
	pathWorkstations        = "/plan/workstation"
	pathWorkstation         = "/plan/workstation/{workstation_id}"
	pathWorkstationAction   = "/plan/workstation/{workstation_id}/action/"
	pathEngineInfo          = "/engine/info"
	defaultJobPlanFilter    = "/@/@#/@/@.@"
	defaultStreamPlanFilter = "/@/@#/@/@"

	maxPages = 100000 // guards against a server that ignores offset
)

func (c *Client) badArg(op, format string, args ...any) error {
	return &Error{Op: op, Kind: ErrBadRequest, Message: c.red.clean(fmt.Sprintf(format, args...))}
}

func (c *Client) checkID(op, what, id string) error {
	if strings.TrimSpace(id) == "" {
		return c.badArg(op, "empty %s", what)
	}
	return nil
}

// pages yields every result of a paginated list, following next (or, when
// the server sends none, offset) to the end.
func pages[T any](ctx context.Context, c *Client, op, pattern string, q Query) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if err := q.OQL.Err(); err != nil {
			yield(zero, &Error{Op: op, Kind: ErrBadFilter, Message: c.red.clean(err.Error()), Err: err})
			return
		}
		limit := q.PageSize
		if limit <= 0 {
			limit = c.pageSize
		}
		if q.MaxResults > 0 && q.MaxResults < limit {
			limit = q.MaxResults
		}
		query := url.Values{}
		if s := q.OQL.String(); s != "" {
			query.Set("oql", s)
		}
		if q.PlanFilter != "" {
			query.Set("plan_filter", q.PlanFilter)
		}
		query.Set("limit", strconv.Itoa(limit))
		query.Set("offset", "0")
		if q.Ahead > 1 {
			pagesAhead(ctx, c, op, pattern, q, query, limit, yield)
			return
		}
		seen := map[string]bool{}
		n := 0
		for pageNo := 1; ; pageNo++ {
			key := query.Encode()
			if seen[key] || pageNo > maxPages {
				yield(zero, &Error{Op: op, Kind: ErrBadResponse, Message: "the server's next link repeats a page"})
				return
			}
			seen[key] = true
			r := &request{op: fmt.Sprintf("%s page %d", op, pageNo), pattern: pattern, path: pattern, query: query,
				header: http.Header{"Include-Count": {"true"}}}
			var page Page[T]
			if err := c.getJSON(ctx, r, &page); err != nil {
				yield(zero, err)
				return
			}
			for _, x := range page.Results {
				if !yield(x, nil) {
					return
				}
				n++
				if q.MaxResults > 0 && n >= q.MaxResults {
					return
				}
			}
			if len(page.Results) == 0 {
				return
			}
			if next, ok := c.nextQuery(page.Next, pattern); ok {
				query = next
				continue
			}
			if page.Next == "" {
				if len(page.Results) < limit || (page.Count > 0 && int64(n) >= page.Count) {
					return
				}
			}
			off, _ := strconv.Atoi(query.Get("offset"))
			query = cloneValues(query)
			query.Set("offset", strconv.Itoa(off+len(page.Results)))
		}
	}
}

// nextQuery returns the query of the server's next link when it points at
// the same list path. Only the query is used: the link's scheme and host are
// ignored, so credentials never go to a host other than BaseURL, and a
// server that reports its internal address (behind a proxy) still pages.
func (c *Client) nextQuery(next, pattern string) (url.Values, bool) {
	if next == "" {
		return nil, false
	}
	u, err := url.Parse(next)
	if err != nil {
		return nil, false
	}
	p := strings.TrimSuffix(u.Path, "/")
	if p != pattern && !strings.HasSuffix(p, APIPrefix+pattern) {
		return nil, false
	}
	v, err := url.ParseQuery(u.RawQuery)
	if err != nil || len(v) == 0 {
		return nil, false
	}
	return v, true
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func collect[T, D any](seq iter.Seq2[T, error], conv func(T) D) ([]D, error) {
	var out []D
	for x, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, conv(x))
	}
	return out, nil
}

// JobsInPlan yields the jobs q selects as the vendor sends them, following
// the pages to the end. The sequence stops at the first error.
func (c *Client) JobsInPlan(ctx context.Context, q Query) iter.Seq2[JobInPlan, error] {
	return pages[JobInPlan](ctx, c, "list jobs", pathJobs, q)
}

// Jobs yields the jobs q selects, converted to the domain model, following
// the pages to the end; the sequence stops at the first error. Query results
// carry no dependencies (HWA fills them only for one job).
func (c *Client) Jobs(ctx context.Context, q Query) iter.Seq2[workload.Job, error] {
	return func(yield func(workload.Job, error) bool) {
		for j, err := range c.JobsInPlan(ctx, q) {
			if !yield(ConvertJob(j), err) || err != nil {
				return
			}
		}
	}
}

// ListJobs returns every job q selects (GET /plan/job), or no jobs and the
// error when a page fails. Errors are *Error:
// ErrBadFilter for a bad OQL or plan filter, ErrUnauthorized, ErrForbidden,
// ErrUnavailable, ErrTooLarge, ErrBadResponse.
func (c *Client) ListJobs(ctx context.Context, q Query) ([]workload.Job, error) {
	return collect(c.JobsInPlan(ctx, q), ConvertJob)
}

// Job returns one job with its runs and dependencies (GET /plan/job/{id}).
// Errors are *Error, ErrNotFound when the id is not in the plan.
func (c *Client) Job(ctx context.Context, id string) (workload.Job, error) {
	j, err := c.JobInPlan(ctx, id)
	if err != nil {
		return workload.Job{}, err
	}
	return ConvertJob(j), nil
}

// JobInPlan is Job without the conversion.
func (c *Client) JobInPlan(ctx context.Context, id string) (JobInPlan, error) {
	op := "get job " + id
	var j JobInPlan
	if err := c.checkID(op, "job id", id); err != nil {
		return j, err
	}
	err := c.getJSON(ctx, &request{op: op, pattern: pathJob, path: pathf(pathJob, id)}, &j)
	return j, err
}

// JobStreamsInPlan yields the job streams q selects as the vendor sends
// them (with dependenciesStats, without dependencies and jobs), following
// the pages to the end. The sequence stops at the first error.
func (c *Client) JobStreamsInPlan(ctx context.Context, q Query) iter.Seq2[JobStreamInPlan, error] {
	return pages[JobStreamInPlan](ctx, c, "list job streams", pathStreams, q)
}

// JobStreams yields the job streams q selects, following the pages.
func (c *Client) JobStreams(ctx context.Context, q Query) iter.Seq2[workload.JobStream, error] {
	return func(yield func(workload.JobStream, error) bool) {
		for s, err := range c.JobStreamsInPlan(ctx, q) {
			if !yield(ConvertJobStream(s), err) || err != nil {
				return
			}
		}
	}
}

// ListJobStreams returns every job stream q selects (GET /plan/jobstream).
// Errors are as for ListJobs.
func (c *Client) ListJobStreams(ctx context.Context, q Query) ([]workload.JobStream, error) {
	return collect(pages[JobStreamInPlan](ctx, c, "list job streams", pathStreams, q), ConvertJobStream)
}

// JobStream returns one job stream and the jobs HWA embeds in it
// (GET /plan/jobstream/{id}). Errors are *Error, ErrNotFound for an unknown id.
func (c *Client) JobStream(ctx context.Context, id string) (workload.JobStream, []workload.Job, error) {
	op := "get job stream " + id
	if err := c.checkID(op, "job stream id", id); err != nil {
		return workload.JobStream{}, nil, err
	}
	var s JobStreamInPlan
	if err := c.getJSON(ctx, &request{op: op, pattern: pathStream, path: pathf(pathStream, id)}, &s); err != nil {
		return workload.JobStream{}, nil, err
	}
	var jobs []workload.Job
	for _, j := range s.Jobs {
		jobs = append(jobs, ConvertJob(j))
	}
	return ConvertJobStream(s), jobs, nil
}

// ListWorkstations returns every workstation q selects (GET
// /plan/workstation). Errors are as for ListJobs.
func (c *Client) ListWorkstations(ctx context.Context, q Query) ([]workload.Workstation, error) {
	return collect(pages[WorkstationInPlan](ctx, c, "list workstations", pathWorkstations, q), ConvertWorkstation)
}

// Workstation returns one workstation (GET /plan/workstation/{id}). Errors
// are *Error, ErrNotFound for an unknown id.
func (c *Client) Workstation(ctx context.Context, id string) (workload.Workstation, error) {
	op := "get workstation " + id
	if err := c.checkID(op, "workstation id", id); err != nil {
		return workload.Workstation{}, err
	}
	var w WorkstationInPlan
	if err := c.getJSON(ctx, &request{op: op, pattern: pathWorkstation, path: pathf(pathWorkstation, id)}, &w); err != nil {
		return workload.Workstation{}, err
	}
	return ConvertWorkstation(w), nil
}

// Predecessors returns the jobs and job streams the job depends on, depth
// levels up (GET /plan/job/{id}/predecessors?depth=; depth <= 0 leaves the
// server's default). Errors are *Error, ErrNotFound for an unknown id.
func (c *Client) Predecessors(ctx context.Context, jobID string, depth int) ([]workload.FlowNode, error) {
	return c.flow(ctx, "get predecessors of job "+jobID, pathJobPredecessors, jobID, depth)
}

// Successors returns the jobs and job streams that depend on the job, depth
// levels down (GET /plan/job/{id}/successors?depth=). Errors as Predecessors.
func (c *Client) Successors(ctx context.Context, jobID string, depth int) ([]workload.FlowNode, error) {
	return c.flow(ctx, "get successors of job "+jobID, pathJobSuccessors, jobID, depth)
}

// StreamPredecessors is Predecessors for a job stream.
func (c *Client) StreamPredecessors(ctx context.Context, streamID string, depth int) ([]workload.FlowNode, error) {
	return c.flow(ctx, "get predecessors of job stream "+streamID, pathStreamPredecessors, streamID, depth)
}

// StreamSuccessors is Successors for a job stream.
func (c *Client) StreamSuccessors(ctx context.Context, streamID string, depth int) ([]workload.FlowNode, error) {
	return c.flow(ctx, "get successors of job stream "+streamID, pathStreamSuccessors, streamID, depth)
}

func (c *Client) flow(ctx context.Context, op, pattern, id string, depth int) ([]workload.FlowNode, error) {
	if err := c.checkID(op, "id", id); err != nil {
		return nil, err
	}
	q := url.Values{}
	if depth > 0 {
		q.Set("depth", strconv.Itoa(depth))
	}
	var l FlowNodeList
	if err := c.getJSON(ctx, &request{op: op, pattern: pattern, path: pathf(pattern, id), query: q}, &l); err != nil {
		return nil, err
	}
	out := make([]workload.FlowNode, 0, len(l.Results))
	for _, n := range l.Results {
		out = append(out, ConvertNode(n))
	}
	return out, nil
}

// Grouping fields accepted by CountJobs and CountJobStreams.
const (
	GroupByWorkstation = "workstation"
	GroupByStatus      = "status"
	GroupByFolder      = "folder"
)

// CountJobs counts the jobs planFilter selects (default every job),
// grouped by up to three of GroupByWorkstation, GroupByStatus, GroupByFolder
// (GET /plan/job/count). Errors are *Error; ErrBadRequest for an unknown
// grouping, ErrBadFilter when the server refuses the filter.
func (c *Client) CountJobs(ctx context.Context, planFilter string, groupBy ...string) (GroupedCount, error) {
	if planFilter == "" {
		planFilter = defaultJobPlanFilter
	}
	return c.count(ctx, "count jobs", pathJobCount, planFilter, groupBy)
}

// CountJobStreams is CountJobs for job streams (GET /plan/jobstream/count).
func (c *Client) CountJobStreams(ctx context.Context, planFilter string, groupBy ...string) (GroupedCount, error) {
	if planFilter == "" {
		planFilter = defaultStreamPlanFilter
	}
	return c.count(ctx, "count job streams", pathStreamCount, planFilter, groupBy)
}

func (c *Client) count(ctx context.Context, op, pattern, planFilter string, groupBy []string) (GroupedCount, error) {
	var gc GroupedCount
	for _, g := range groupBy {
		switch g {
		case GroupByWorkstation, GroupByStatus, GroupByFolder:
		default:
			return gc, c.badArg(op, "unknown grouping %q (want workstation, status or folder)", g)
		}
	}
	q := url.Values{"plan_filter": {planFilter}}
	if len(groupBy) > 0 {
		q.Set("grouping_filters", strings.Join(groupBy, ","))
	}
	err := c.getJSON(ctx, &request{op: op, pattern: pattern, path: pattern, query: q}, &gc)
	return gc, err
}

// Issues returns the plan's problems that oql selects (zero Expr: all)
// (GET /plan/job/issues). Errors are *Error.
func (c *Client) Issues(ctx context.Context, oql Expr) ([]Issue, error) {
	op := "get issues"
	if err := oql.Err(); err != nil {
		return nil, &Error{Op: op, Kind: ErrBadFilter, Message: c.red.clean(err.Error()), Err: err}
	}
	q := url.Values{}
	if s := oql.String(); s != "" {
		q.Set("oql", s)
	}
	var is Issues
	if err := c.getJSON(ctx, &request{op: op, pattern: pathJobIssues, path: pathJobIssues, query: q}, &is); err != nil {
		return nil, err
	}
	return is.Issues, nil
}

// EngineInfo returns the engine's version and settings (GET /engine/info).
// Errors are *Error.
func (c *Client) EngineInfo(ctx context.Context) (EngineInfo, error) {
	var e EngineInfo
	err := c.getJSON(ctx, &request{op: "get engine info", pattern: pathEngineInfo, path: pathEngineInfo}, &e)
	return e, err
}
