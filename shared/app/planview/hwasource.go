package planview

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/domain/workload"
)

// HWA adapts *hwa.Client to Source, translating filters into OQL built with
// the client's safe builder and its errors into planview's.
type HWA struct {
	Client *hwa.Client
}

// OQL fields of JobInPlanV2 used by the job filters.
const (
	fieldCommonStatus = "lastRunCommonStatus"
	fieldInternal     = "lastRunCompositeStatus.status"
	fieldStream       = "jobStreamName"
	fieldWorkstation  = "workstation"
	fieldName         = "name"
	fieldCritical     = "jobOptions.critical"
)

// jobFilter builds the OQL of q. Name patterns take * or @ as wildcards; a
// pattern without one matches the name exactly.
func jobFilter(q JobQuery) hwa.Expr {
	var terms []hwa.Expr
	if q.Status != "" {
		terms = append(terms, hwa.Eq(fieldCommonStatus, string(q.Status)))
	}
	if q.Internal != "" {
		terms = append(terms, hwa.Eq(fieldInternal, string(q.Internal)))
	}
	if q.Stream != "" {
		terms = append(terms, hwa.Eq(fieldStream, q.Stream))
	}
	if q.Workstation != "" {
		terms = append(terms, hwa.Eq(fieldWorkstation, q.Workstation))
	}
	if q.Name != "" {
		pattern := strings.ReplaceAll(q.Name, "*", "@")
		if strings.Contains(pattern, "@") {
			terms = append(terms, hwa.Like(fieldName, pattern))
		} else {
			terms = append(terms, hwa.Eq(fieldName, pattern))
		}
	}
	if q.Critical != nil {
		terms = append(terms, hwa.Eq(fieldCritical, *q.Critical))
	}
	if len(terms) == 0 {
		return hwa.Expr{}
	}
	return hwa.And(terms...)
}

// translate maps the client's error kinds to planview's, keeping the text.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, hwa.ErrNotFound):
		return &Error{Kind: ErrNotFound, Detail: "not in the plan", Err: err}
	case errors.Is(err, hwa.ErrBadFilter), errors.Is(err, hwa.ErrBadRequest):
		return &Error{Kind: ErrBadQuery, Detail: "HWA refused the filter", Err: err}
	}
	return &Error{Kind: ErrUnavailable, Detail: "HWA could not be read", Err: err}
}

// JobPage implements Source.
func (h HWA) JobPage(ctx context.Context, q JobQuery) ([]workload.Job, int64, error) {
	jobs, total, err := h.Client.JobPage(ctx, hwa.Query{OQL: jobFilter(q), PageSize: q.Limit}, q.Offset)
	return jobs, total, translate(err)
}

// AllJobs implements Source.
func (h HWA) AllJobs(ctx context.Context) ([]workload.Job, error) {
	jobs, err := h.Client.ListJobs(ctx, hwa.Query{})
	return jobs, translate(err)
}

// Job implements Source.
func (h HWA) Job(ctx context.Context, id string) (workload.Job, error) {
	j, err := h.Client.Job(ctx, id)
	if errors.Is(err, hwa.ErrNotFound) {
		return j, &Error{Kind: ErrNotFound, Detail: fmt.Sprintf("no job %q in the plan", id), Err: err}
	}
	return j, translate(err)
}

// Streams implements Source.
func (h HWA) Streams(ctx context.Context) ([]workload.JobStream, error) {
	s, err := h.Client.ListJobStreams(ctx, hwa.Query{})
	return s, translate(err)
}

// Workstations implements Source.
func (h HWA) Workstations(ctx context.Context) ([]workload.Workstation, error) {
	w, err := h.Client.ListWorkstations(ctx, hwa.Query{})
	return w, translate(err)
}

// JobLog implements Source.
func (h HWA) JobLog(ctx context.Context, runID string, tail, maxBytes int) (string, bool, error) {
	l, err := h.Client.JobLog(ctx, runID, hwa.LogOptions{Tail: tail, MaxBytes: int64(maxBytes)})
	if errors.Is(err, hwa.ErrNotFound) {
		return "", false, &Error{Kind: ErrNotFound, Detail: fmt.Sprintf("no log for run %q", runID), Err: err}
	}
	return l.Text, l.Truncated, translate(err)
}
