package hwa

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Justification is HWA's audit trail for an action, sent as the
// Justification-Category, -Description and -Ticket-Num headers (each only
// when set). Control characters are replaced by spaces.
type Justification struct {
	Category    string
	Description string
	TicketNum   string
}

// ActionOptions are the options every action takes.
type ActionOptions struct {
	Justification Justification
}

func (j Justification) header() http.Header {
	h := http.Header{}
	set := func(k, v string) {
		v = strings.TrimSpace(strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return ' '
			}
			return r
		}, v))
		if v != "" {
			h.Set(k, v)
		}
	}
	set("Justification-Category", j.Category)
	set("Justification-Description", j.Description)
	set("Justification-Ticket-Num", j.TicketNum)
	return h
}

// action runs one PUT action. It is never retried: a timeout or a dropped
// connection leaves the outcome unknown, and the caller decides. The body is
// "{}" when body is nil, always with Content-Type: application/json (HWA
// answers 415 otherwise).
func (c *Client) action(ctx context.Context, op, pattern, path string, q url.Values, body any, o ActionOptions) (ResourceResponse, error) {
	var rr ResourceResponse
	b := []byte("{}")
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return rr, c.badArg(op, "encode body: %v", err)
		}
	}
	r := &request{op: op, method: http.MethodPut, accept: "application/json", pattern: pattern, path: path, query: q,
		body: b, header: o.Justification.header()}
	err := c.call(ctx, r, func(resp *http.Response) error {
		raw, err := c.readBody(r, resp)
		if err != nil {
			return err
		}
		if len(strings.TrimSpace(string(raw))) == 0 {
			return nil // some servers answer an action with an empty 200
		}
		var ar ActionResourceResponse
		if err := c.decode(r, resp, raw, &ar); err != nil {
			return err
		}
		if ar.IsError || ar.Error {
			return &Error{Op: op, Status: resp.StatusCode, Kind: ErrRejected, Message: c.red.clean(ar.Message)}
		}
		rr = ResourceResponse{ID: ar.ID, URL: ar.URL}
		return nil
	})
	return rr, err
}

func (c *Client) jobAction(ctx context.Context, verb, jobID string, q url.Values, body any, o ActionOptions) (ResourceResponse, error) {
	op := verb + " job " + jobID
	if err := c.checkID(op, "job id", jobID); err != nil {
		return ResourceResponse{}, err
	}
	pattern := pathJobAction + verb
	return c.action(ctx, op, pattern, pathf(pattern, jobID), q, body, o)
}

// Rerun reruns a job by the id of one of its runs (PUT
// /plan/job/run/{run_id}/action/rerun), adding a run; d is the optional
// RerunDetailsV2 (zero: "{}"). It returns the server's ResourceResponseV2.
// Errors are *Error: ErrNotFound, ErrConflict, ErrForbidden, ErrUnauthorized,
// ErrBadFilter (400), ErrBadRequest (415 and other 4xx), ErrUnavailable.
// Like every action it is never retried.
func (c *Client) Rerun(ctx context.Context, runID string, d RerunDetails, o ActionOptions) (ResourceResponse, error) {
	op := "rerun run " + runID
	if err := c.checkID(op, "run id", runID); err != nil {
		return ResourceResponse{}, err
	}
	return c.action(ctx, op, pathRerun, pathf(pathRerun, runID), nil, d, o)
}

// Hold puts a job on hold (PUT /plan/job/{job_id}/action/hold). Errors as Rerun.
func (c *Client) Hold(ctx context.Context, jobID string, o ActionOptions) (ResourceResponse, error) {
	return c.jobAction(ctx, "hold", jobID, nil, nil, o)
}

// Release releases a held job (PUT .../action/release). Errors as Rerun.
func (c *Client) Release(ctx context.Context, jobID string, o ActionOptions) (ResourceResponse, error) {
	return c.jobAction(ctx, "release", jobID, nil, nil, o)
}

// Cancel cancels a job (PUT .../action/cancel). Errors as Rerun.
func (c *Client) Cancel(ctx context.Context, jobID string, o ActionOptions) (ResourceResponse, error) {
	return c.jobAction(ctx, "cancel", jobID, nil, nil, o)
}

// Kill kills a running job, which ends in ABEND (PUT .../action/kill).
// Errors as Rerun.
func (c *Client) Kill(ctx context.Context, jobID string, o ActionOptions) (ResourceResponse, error) {
	return c.jobAction(ctx, "kill", jobID, nil, nil, o)
}

// ConfirmSucc confirms a job as successful, optionally setting output
// conditions (PUT .../action/confirm-succ, body ConditionsV2). Errors as Rerun.
func (c *Client) ConfirmSucc(ctx context.Context, jobID string, conditions []string, o ActionOptions) (ResourceResponse, error) {
	return c.jobAction(ctx, "confirm-succ", jobID, nil, Conditions{Conditions: conditions}, o)
}

// ConfirmAbend confirms a job as abended (PUT .../action/confirm-abend).
// Errors as Rerun.
func (c *Client) ConfirmAbend(ctx context.Context, jobID string, conditions []string, o ActionOptions) (ResourceResponse, error) {
	return c.jobAction(ctx, "confirm-abend", jobID, nil, Conditions{Conditions: conditions}, o)
}

// ReleaseAllDependencies releases every dependency of a job (PUT
// .../action/release-all-dependencies). A 200 whose body reports isError is
// an ErrRejected error. Errors otherwise as Rerun.
func (c *Client) ReleaseAllDependencies(ctx context.Context, jobID string, o ActionOptions) (ResourceResponse, error) {
	return c.jobAction(ctx, "release-all-dependencies", jobID, nil, nil, o)
}

// UpdatePriority sets a job's priority (PUT .../action/update-priority?priority=).
// HWA priorities run from 0 (held) to 101 (go); others are refused here with
// ErrBadRequest. Errors otherwise as Rerun.
func (c *Client) UpdatePriority(ctx context.Context, jobID string, priority int, o ActionOptions) (ResourceResponse, error) {
	if priority < 0 || priority > 101 {
		return ResourceResponse{}, c.badArg("update-priority job "+jobID, "priority %d outside 0..101", priority)
	}
	return c.jobAction(ctx, "update-priority", jobID, url.Values{"priority": {strconv.Itoa(priority)}}, nil, o)
}

func (c *Client) streamAction(ctx context.Context, verb, id string, o ActionOptions) (ResourceResponse, error) {
	op := verb + " job stream " + id
	if err := c.checkID(op, "job stream id", id); err != nil {
		return ResourceResponse{}, err
	}
	pattern := pathStreamAction + verb
	return c.action(ctx, op, pattern, pathf(pattern, id), nil, nil, o)
}

// HoldStream holds a job stream (PUT /plan/jobstream/{id}/action/hold).
// Errors as Rerun.
func (c *Client) HoldStream(ctx context.Context, streamID string, o ActionOptions) (ResourceResponse, error) {
	return c.streamAction(ctx, "hold", streamID, o)
}

// ReleaseStream releases a held job stream. Errors as Rerun.
func (c *Client) ReleaseStream(ctx context.Context, streamID string, o ActionOptions) (ResourceResponse, error) {
	return c.streamAction(ctx, "release", streamID, o)
}

// CancelStream cancels a job stream. Errors as Rerun.
func (c *Client) CancelStream(ctx context.Context, streamID string, o ActionOptions) (ResourceResponse, error) {
	return c.streamAction(ctx, "cancel", streamID, o)
}

func (c *Client) workstationAction(ctx context.Context, verb, id string, o ActionOptions) (ResourceResponse, error) {
	op := verb + " workstation " + id
	if err := c.checkID(op, "workstation id", id); err != nil {
		return ResourceResponse{}, err
	}
	pattern := pathWorkstationAction + verb
	return c.action(ctx, op, pattern, pathf(pattern, id), nil, nil, o)
}

// LinkWorkstation links a workstation (PUT /plan/workstation/{id}/action/link).
// Errors as Rerun.
func (c *Client) LinkWorkstation(ctx context.Context, workstationID string, o ActionOptions) (ResourceResponse, error) {
	return c.workstationAction(ctx, "link", workstationID, o)
}

// UnlinkWorkstation unlinks a workstation. Errors as Rerun.
func (c *Client) UnlinkWorkstation(ctx context.Context, workstationID string, o ActionOptions) (ResourceResponse, error) {
	return c.workstationAction(ctx, "unlink", workstationID, o)
}
