package hwa

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"

	segjson "github.com/segmentio/encoding/json"

	"github.com/resync/resync/shared/domain/workload"
)

// Submissions: a job stream from its model (POST
// /plan/jobstream/{model_jobstream_id}/submit), a job definition from its
// model (POST /plan/job/{model_job_id}/submit) and an ad-hoc job (POST
// /plan/job/submit-ad-hoc-job). Like actions they are never retried and
// carry the Justification headers.

const (
	pathSubmitStream = "/plan/jobstream/{model_jobstream_id}/submit"
	pathSubmitJob    = "/plan/job/{model_job_id}/submit"
	pathSubmitAdHoc  = "/plan/job/submit-ad-hoc-job"
)

// SubmitJobStreamOptions is SubmitJobStreamOptionsV2 (the fields Resync
// sends). Zero fields are left out.
type SubmitJobStreamOptions struct {
	Alias        string `json:"alias,omitempty"`
	Priority     int32  `json:"priority,omitempty"`
	EarliestDate string `json:"earliestDate,omitempty"` // RFC 3339
	DeadlineTime string `json:"deadlineTime,omitempty"` // RFC 3339
}

// SubmitJobOptions is SubmitJobOptionsV2 (the fields Resync sends): where
// the job goes (a job stream in the plan, else the workstation's default
// stream) and the options it overrides.
type SubmitJobOptions struct {
	JobStreamID          string `json:"jobStreamId,omitempty"`
	WorkstationID        string `json:"workstationId,omitempty"`
	WorkstationKey       string `json:"workstationKey,omitempty"`
	Alias                string `json:"alias,omitempty"`
	Priority             int32  `json:"priority,omitempty"`
	RequiresConfirmation bool   `json:"requiresConfirmation,omitempty"`
	RecoveryOption       string `json:"recoveryOption,omitempty"` // RecoveryOptionV2
	RecoveryJob          string `json:"recoveryJob,omitempty"`
}

// SubmitAdHocJobOptions is SubmitAdHocJobOptionsV2: SubmitJobOptions plus
// the task, which the vendor requires, and the repeat interval of an
// every-job (ISO-8601).
type SubmitAdHocJobOptions struct {
	SubmitJobOptions
	Task           json.RawMessage `json:"task"`
	RepeatInterval string          `json:"repeatInterval,omitempty"`
}

// ResourceList is ListResponseV22, the answer of a job stream submission.
type ResourceList struct {
	Count   int64              `json:"count"`
	Results []ResourceResponse `json:"results"`
}

// Task is what a job runs, read from a job definition's task object.
type Task struct {
	Type      string `json:"taskType,omitempty"`  // TaskType: UNIX, WINDOWS, BROKER, OTHER
	Command   string `json:"command,omitempty"`   // a command line
	Script    string `json:"script,omitempty"`    // or a script file
	UserLogin string `json:"userLogin,omitempty"` // the user it runs as
}

// ParseTask reads a task object: taskType (or type), command, script (or
// scriptName), userLogin (or user). Unknown fields are ignored and a
// malformed or empty object gives the zero Task: the vendor leaves the
// task's shape to the task type.
func ParseTask(raw json.RawMessage) Task {
	// One decode into the keys a task may use; a value that is not a
	// string reads as absent. (Decoding into a map of raw values and then
	// each value took a fifth of a large plan's listing.)
	var w struct {
		TaskType   any `json:"taskType"`
		Type       any `json:"type"`
		Command    any `json:"command"`
		Script     any `json:"script"`
		ScriptName any `json:"scriptName"`
		UserLogin  any `json:"userLogin"`
		User       any `json:"user"`
	}
	// Keys match exactly, as a lookup in a map of raw values did.
	if len(raw) == 0 {
		return Task{}
	}
	if rest, err := segjson.Parse(raw, &w, segjson.DontMatchCaseInsensitiveStructFields); err != nil || len(bytes.TrimSpace(rest)) != 0 {
		return Task{}
	}
	str := func(vs ...any) string {
		for _, v := range vs {
			if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
				return strings.TrimSpace(s)
			}
		}
		return ""
	}
	return Task{Type: str(w.TaskType, w.Type), Command: str(w.Command), Script: str(w.Script, w.ScriptName),
		UserLogin: str(w.UserLogin, w.User)}
}

// TaskOf converts a domain task to the task object of a submission.
func TaskOf(t workload.Task, taskType string) (json.RawMessage, error) {
	w := Task{Type: taskType, UserLogin: t.User}
	if t.IsCommand {
		w.Command = t.Line
	} else {
		w.Script = t.Line
	}
	return json.Marshal(w)
}

// post sends one submission. It is never retried.
func (c *Client) post(ctx context.Context, op, pattern, path string, body any, o ActionOptions, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return c.badArg(op, "encode body: %v", err)
	}
	r := &request{op: op, method: http.MethodPost, accept: "application/json", pattern: pattern, path: path,
		body: b, header: o.Justification.header()}
	return c.call(ctx, r, func(resp *http.Response) error {
		raw, err := c.readBody(r, resp)
		if err != nil {
			return err
		}
		return c.decode(r, resp, raw, out)
	})
}

// SubmitJobStream submits a new instance of the job stream whose model id
// is modelID (JobStream.ModelID) and returns the new instance's id.
// Errors are *Error: ErrBadRequest (no model id, or 400), ErrNotFound,
// ErrForbidden, ErrUnauthorized, ErrUnavailable (the outcome is unknown:
// it is never retried), ErrBadResponse.
func (c *Client) SubmitJobStream(ctx context.Context, modelID string, s SubmitJobStreamOptions, o ActionOptions) (ResourceResponse, error) {
	op := "submit job stream " + modelID
	if err := c.checkID(op, "job stream model id", modelID); err != nil {
		return ResourceResponse{}, err
	}
	var l ResourceList
	if err := c.post(ctx, op, pathSubmitStream, pathf(pathSubmitStream, modelID), s, o, &l); err != nil {
		return ResourceResponse{}, err
	}
	if len(l.Results) == 0 || l.Results[0].ID == "" {
		return ResourceResponse{}, &Error{Op: op, Kind: ErrBadResponse, Message: "the answer names no submitted job stream"}
	}
	return l.Results[0], nil
}

// SubmitJob submits the job definition whose model id is modelID
// (Job.Task.ModelID) as a new job, into s.JobStreamID or the workstation's
// default job stream, and returns the new job's id. Errors as
// SubmitJobStream, plus ErrConflict (a job of that name is already in the
// destination stream: give an Alias).
func (c *Client) SubmitJob(ctx context.Context, modelID string, s SubmitJobOptions, o ActionOptions) (ResourceResponse, error) {
	op := "submit job " + modelID
	if err := c.checkID(op, "job definition model id", modelID); err != nil {
		return ResourceResponse{}, err
	}
	var rr ResourceResponse
	err := c.post(ctx, op, pathSubmitJob, pathf(pathSubmitJob, modelID), s, o, &rr)
	return rr, err
}

// SubmitAdHocJob submits a job defined by its task alone and returns the
// new job's id. A task is required, and a workstation (WorkstationID or
// WorkstationKey). Errors as SubmitJob.
func (c *Client) SubmitAdHocJob(ctx context.Context, s SubmitAdHocJobOptions, o ActionOptions) (ResourceResponse, error) {
	op := "submit ad-hoc job"
	switch {
	case len(s.Task) == 0:
		return ResourceResponse{}, c.badArg(op, "no task")
	case s.WorkstationID == "" && s.WorkstationKey == "":
		return ResourceResponse{}, c.badArg(op, "no workstation")
	}
	var rr ResourceResponse
	err := c.post(ctx, op, pathSubmitAdHoc, pathSubmitAdHoc, s, o, &rr)
	return rr, err
}

// convertTask reads the task and the recovery of a job definition. The
// line is the task's command or script; isCommand says which when the task
// has both or neither kind of key. The user is the task's, else the first
// of userLogins.
func convertTask(jd JobDefinition) (workload.Task, workload.Recovery) {
	t := ParseTask(jd.Task)
	out := workload.Task{ModelID: jd.JobDefinitionModelID, User: t.UserLogin, IsCommand: jd.IsCommand}
	switch {
	case t.Command != "" && (jd.IsCommand || t.Script == ""):
		out.Line, out.IsCommand = t.Command, true
	case t.Script != "":
		out.Line, out.IsCommand = t.Script, false
	}
	if out.User == "" && len(jd.UserLogins) > 0 {
		out.User = jd.UserLogins[0]
	}
	rec := workload.Recovery{Option: workload.RecoveryOption(jd.RecoveryOption), Job: jd.RecoveryJobName,
		JobWorkstation: jd.RecoveryJobWorkstation}
	return out, rec
}
