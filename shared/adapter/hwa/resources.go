package hwa

import (
	"context"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/resync/resync/shared/domain/workload"
)

// Resources and prompts of the plan. HWA lists resources
// (GET /plan/resource) but has no list of prompts: a prompt is seen in the
// dependencies of the jobs it holds (PromptDependencyInPlanV2), and is
// answered by id (PUT /plan/prompt/{prompt_id}/action/reply).

const (
	pathResources   = "/plan/resource"
	pathResource    = "/plan/resource/{resource_id}"
	pathPromptReply = "/plan/prompt/{prompt_id}/action/reply"
)

// Prompt types of PromptType: a global prompt is predefined in the
// database, a local one is written in the job's definition.
const (
	PromptTypeGlobal = "Predefined Prompt"
	PromptTypeLocal  = "Ad Hoc Prompt"
)

// ResourceInPlan is ResourceInPlanV2.
type ResourceInPlan struct {
	EngineID          string           `json:"engineId,omitempty"`
	ID                string           `json:"id"`
	Folder            string           `json:"folder,omitempty"`
	Name              string           `json:"name"`
	Key               string           `json:"key,omitempty"`
	WorkstationID     string           `json:"workstationId,omitempty"`
	Workstation       string           `json:"workstation,omitempty"`
	Quantity          int32            `json:"quantity"`
	QuantityAvailable int32            `json:"quantityAvailable"`
	QuantityInUse     int32            `json:"quantityInUse"`
	Description       string           `json:"description,omitempty"`
	Holders           []ResourceHolder `json:"holders"`
	Status            string           `json:"status,omitempty"` // AVAILABLE, NOT_AVAILABLE, UNDECIDED
}

// ResourceHolder is ResourceHolderInPlan: a job holding units.
type ResourceHolder struct {
	JobStreamID string `json:"jobStreamId,omitempty"`
	JobStream   string `json:"jobStream,omitempty"`
	JobID       string `json:"jobId,omitempty"`
	Job         string `json:"job,omitempty"`
	JobKey      string `json:"jobKey,omitempty"`
	Quantity    int32  `json:"quantity"`
	Shared      bool   `json:"shared"`
}

// PromptAnswer is PromptInPlanAnswer, the body of a prompt reply.
type PromptAnswer struct {
	Answer bool `json:"answer"`
}

// ConvertResource converts a ResourceInPlanV2.
func ConvertResource(r ResourceInPlan) workload.Resource {
	out := workload.Resource{ID: r.ID, Name: r.Name, Folder: r.Folder, Workstation: r.Workstation,
		Description: r.Description, Quantity: int(r.Quantity), InUse: int(r.QuantityInUse), Available: int(r.QuantityAvailable)}
	for _, h := range r.Holders {
		out.Holders = append(out.Holders, workload.ResourceHolder{JobID: h.JobID, JobName: h.Job, JobKey: h.JobKey,
			StreamID: h.JobStreamID, Stream: h.JobStream, Quantity: int(h.Quantity)})
	}
	return out
}

// Resources returns the resources q selects (GET /plan/resource), following
// the pages. Errors are as for ListJobs.
func (c *Client) Resources(ctx context.Context, q Query) ([]workload.Resource, error) {
	return collect(pages[ResourceInPlan](ctx, c, "list resources", pathResources, q), ConvertResource)
}

// Resource returns one resource (GET /plan/resource/{id}). Errors are
// *Error, ErrNotFound for an unknown id.
func (c *Client) Resource(ctx context.Context, id string) (workload.Resource, error) {
	op := "get resource " + id
	if err := c.checkID(op, "resource id", id); err != nil {
		return workload.Resource{}, err
	}
	var r ResourceInPlan
	if err := c.getJSON(ctx, &request{op: op, pattern: pathResource, path: pathf(pathResource, id)}, &r); err != nil {
		return workload.Resource{}, err
	}
	return ConvertResource(r), nil
}

// ReplyPrompt answers a prompt yes (true) or no (PUT
// /plan/prompt/{prompt_id}/action/reply, body PromptInPlanAnswer). A yes
// releases the jobs waiting for it. Errors as Rerun (ErrConflict: the
// prompt is already answered yes, or not asked yet). Never retried.
func (c *Client) ReplyPrompt(ctx context.Context, promptID string, yes bool, o ActionOptions) (ResourceResponse, error) {
	op := "reply prompt " + promptID
	if err := c.checkID(op, "prompt id", promptID); err != nil {
		return ResourceResponse{}, err
	}
	return c.action(ctx, op, pathPromptReply, pathf(pathPromptReply, promptID), nil, PromptAnswer{Answer: yes}, o)
}

// maxPromptJobs bounds the jobs OpenPrompts reads, and promptReads how
// many of their details it reads at once.
const (
	maxPromptJobs = 500
	promptReads   = 8
)

// OpenPrompts returns the prompts waiting for a yes, with the jobs they
// hold: the jobs in HOLD_WAITING_FOR_PROMPT (at most limit, default and
// cap 500), each read by id for its prompt dependencies, promptReads at a
// time. (The vendor's lists do not carry dependencies and it documents no
// list of prompts, so a job's prompt is only in its details.) Prompts are
// in the order of their number, their jobs in list order. Errors are as
// for ListJobs and JobInPlan.
func (c *Client) OpenPrompts(ctx context.Context, limit int) ([]workload.Prompt, error) {
	if limit <= 0 || limit > maxPromptJobs {
		limit = maxPromptJobs
	}
	q := Query{OQL: Eq("lastRunCompositeStatus.substatus", string(workload.SubHoldWaitingForPrompt)), MaxResults: limit}
	var held []JobInPlan
	for j, err := range c.JobsInPlan(ctx, q) {
		if err != nil {
			return nil, fmt.Errorf("open prompts: %w", err)
		}
		held = append(held, j)
	}
	full := make([]JobInPlan, len(held))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(promptReads)
	for i, j := range held {
		if gctx.Err() != nil {
			break // a read failed: start no more
		}
		g.Go(func() error {
			var err error
			full[i], err = c.JobInPlan(gctx, j.ID)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("open prompts: %w", err)
	}
	byID := map[string]*workload.Prompt{}
	var order []string
	for _, f := range full {
		ref := ConvertJob(f).Ref()
		for _, d := range f.Dependencies {
			if d.DependencyType != string(workload.DepPrompt) || d.Satisfied || d.ID == "" {
				continue
			}
			p := byID[d.ID]
			if p == nil {
				p = &workload.Prompt{ID: d.ID, Name: d.PromptName, Text: d.Text, Global: d.PromptType == PromptTypeGlobal,
					Workstation: d.Workstation, Number: int(d.Number), Status: workload.PromptStatus(d.PromptStatus)}
				byID[d.ID] = p
				order = append(order, d.ID)
			}
			p.Jobs = append(p.Jobs, ref)
		}
	}
	out := make([]workload.Prompt, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	slices.SortStableFunc(out, func(a, b workload.Prompt) int { return a.Number - b.Number })
	return out, nil
}
