package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
)

// Status of one check.
type Status string

// Check statuses.
const (
	StatusOK      Status = "ok"
	StatusFail    Status = "fail"
	StatusSkipped Status = "skipped" // not configured
)

// Overall statuses of a report.
const (
	OverallOK       = "ok"
	OverallDegraded = "degraded"
)

// CheckResult is the outcome of one dependency check. Error is a safe,
// short description (the full error is logged, not stored).
type CheckResult struct {
	Name      string `json:"name"`
	Status    Status `json:"status"`
	LatencyMS int64  `json:"latencyMs"`
	Detail    string `json:"detail,omitempty"`
	Error     string `json:"error,omitempty"`
}

// Report is the result of a deep check.
type Report struct {
	Status     string        `json:"status"` // ok, or degraded when a check failed
	CheckedAt  time.Time     `json:"checkedAt"`
	DurationMS int64         `json:"durationMs"`
	Checks     []CheckResult `json:"checks"`
}

// probe checks one dependency. A nil run means the dependency is not
// configured and the check is skipped with reason.
type probe struct {
	name    string
	timeout time.Duration
	run     func(ctx context.Context) (detail string, err error)
	reason  string // why it is skipped, when run is nil
}

// checker runs probes concurrently, each under its own timeout.
type checker struct {
	probes []probe
	now    func() time.Time
	// failed is told about each failed check with the full error.
	failed func(ctx context.Context, name string, err error)
}

func (c *checker) run(ctx context.Context) Report {
	start := c.now()
	results := make([]CheckResult, len(c.probes))
	var wg sync.WaitGroup
	for i, p := range c.probes {
		if p.run == nil {
			results[i] = CheckResult{Name: p.name, Status: StatusSkipped, Detail: p.reason}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, p.timeout)
			defer cancel()
			t0 := c.now()
			detail, err := runSafely(pctx, p.run)
			r := CheckResult{Name: p.name, Status: StatusOK, LatencyMS: c.now().Sub(t0).Milliseconds(), Detail: detail}
			if err != nil {
				r.Status, r.Detail, r.Error = StatusFail, "", describe(pctx, err, p.timeout)
				if c.failed != nil {
					c.failed(ctx, p.name, err)
				}
			}
			results[i] = r
		}()
	}
	wg.Wait()
	rep := Report{Status: OverallOK, CheckedAt: start.UTC(), DurationMS: c.now().Sub(start).Milliseconds(), Checks: results}
	for _, r := range results {
		if r.Status == StatusFail {
			rep.Status = OverallDegraded
		}
	}
	return rep
}

// runSafely turns a panicking probe into a failed check.
func runSafely(ctx context.Context, f func(context.Context) (string, error)) (detail string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("health: probe panicked: %v", r)
		}
	}()
	return f(ctx)
}

// describe returns a short description of a check error that is safe to
// show an admin: what kind of failure, never addresses or credentials.
func describe(ctx context.Context, err error, timeout time.Duration) string {
	var he *hwa.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "timed out after " + timeout.String()
	case errors.As(err, &he):
		msg := "HWA answered: " + kindText(he.Kind)
		if he.Status != 0 {
			msg += fmt.Sprintf(" (HTTP %d)", he.Status)
		}
		return msg
	case errors.Is(err, errNotConfigured):
		return err.Error()
	case errors.Is(err, errMismatch):
		return "read back a different value than written"
	default:
		return "failed; see the function log"
	}
}

func kindText(k error) string {
	if k == nil {
		return "error"
	}
	return k.Error()
}

var (
	errNotConfigured = errors.New("not configured")
	errMismatch      = errors.New("health: round trip mismatch")
)
