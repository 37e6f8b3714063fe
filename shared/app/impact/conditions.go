package impact

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/resync/resync/shared/domain/workload"
)

// Conditions: what holds a job besides other jobs — a prompt waiting for a
// reply, a resource with too few free units, a file that is not there yet.
// Why lists them for the job asked about and for each root blocker, so the
// root cause of a wait can be a prompt, a resource or a file, with its
// detail (the prompt's text, the resource's holders).

// Condition kinds.
const (
	KindPrompt   = "prompt"
	KindResource = "resource"
	KindFile     = "file"
)

// Holder is a job holding units of a resource.
type Holder struct {
	JobID    string `json:"jobId"`
	Job      string `json:"job"`
	Stream   string `json:"stream,omitempty"`
	Quantity int    `json:"quantity"`
}

// Condition is an unsatisfied prompt, resource or file dependency of Job.
type Condition struct {
	Kind   string `json:"kind"` // prompt | resource | file
	Job    JobRef `json:"job"`  // the job it holds
	Name   string `json:"name"` // prompt name, resource name or file path
	Detail string `json:"detail"`
	// Prompt: its id (to reply), text and status.
	PromptID     string `json:"promptId,omitempty"`
	Text         string `json:"text,omitempty"`
	PromptStatus string `json:"promptStatus,omitempty"`
	// Resource: units needed, defined and free, and who holds them (when
	// the resource could be read).
	Needed    int      `json:"needed,omitempty"`
	Quantity  int      `json:"quantity,omitempty"`
	Available int      `json:"available,omitempty"`
	Holders   []Holder `json:"holders,omitempty"`
}

// Resources reads one resource of the plan by name, with its holders
// (hwa.PlanSource): false when the plan has none by that name.
type Resources interface {
	ResourceNamed(ctx context.Context, name string) (workload.Resource, bool, error)
}

// resources returns the resource reader: Service.Resources, else Flow
// when it reads resources too (hwa.PlanSource does), else nil.
func (s *Service) resources() Resources {
	if s.Resources != nil {
		return s.Resources
	}
	if r, ok := s.Flow.(Resources); ok {
		return r
	}
	return nil
}

// maxConditionJobs bounds the jobs whose conditions one answer reads.
const maxConditionJobs = 20

// addConditions fills w.Conditions from the job's own dependencies (j,
// already read) and those of each root blocker (read here, at most
// maxConditionJobs). A root that cannot be read is skipped: the blocker
// still names it.
func (s *Service) addConditions(ctx context.Context, w *Why, j workload.Job, haveJob bool) {
	w.Conditions = []Condition{}
	if s.Jobs == nil {
		return
	}
	res := map[string]*workload.Resource{}
	seen := map[string]bool{}
	visit := func(j workload.Job) {
		if seen[j.ID] {
			return
		}
		seen[j.ID] = true
		for _, d := range j.UnsatisfiedDependencies() {
			if c, ok := s.condition(ctx, j, d, res); ok {
				w.Conditions = append(w.Conditions, c)
			}
		}
	}
	if !haveJob {
		var err error
		if j, err = s.job(ctx, w.Job.ID); err != nil {
			return
		}
	}
	visit(j)
	for i, b := range w.Blockers {
		if i >= maxConditionJobs {
			break
		}
		if root, err := s.job(ctx, b.Root.ID); err == nil {
			visit(root)
		}
	}
}

func (s *Service) condition(ctx context.Context, j workload.Job, d workload.Dependency, res map[string]*workload.Resource) (Condition, bool) {
	c := Condition{Job: ref(j), Name: d.Name}
	name := cmp.Or(j.Name, j.ID)
	switch d.Type {
	case workload.DepPrompt:
		c.Kind, c.PromptID, c.Text, c.PromptStatus = KindPrompt, d.ID, d.Text, string(d.PromptStatus)
		state := "not asked yet"
		switch d.PromptStatus {
		case workload.PromptAsked:
			state = "asked, waiting for a reply"
		case workload.PromptAnsweredNo:
			state = "answered no"
		case "":
			state = "unanswered"
		}
		c.Detail = fmt.Sprintf("%s waits for prompt %s", name, d.Name)
		if d.Text != "" {
			c.Detail += fmt.Sprintf(" (%q)", d.Text)
		}
		c.Detail += ", " + state + "; a reply yes releases it"
	case workload.DepResource:
		c.Kind, c.Needed = KindResource, max(1, d.Quantity)
		c.Detail = fmt.Sprintf("%s needs %d of resource %s", name, c.Needed, d.Name)
		if r := s.resource(ctx, d.Name, res); r != nil {
			c.Quantity, c.Available = r.Quantity, r.Available
			var hs []string
			for _, h := range r.Holders {
				c.Holders = append(c.Holders, Holder{JobID: h.JobID, Job: h.JobName, Stream: h.Stream, Quantity: h.Quantity})
				hs = append(hs, fmt.Sprintf("%s (%d)", h.JobName, h.Quantity))
			}
			c.Detail += fmt.Sprintf(": %d units, %d free", r.Quantity, r.Available)
			if len(hs) > 0 {
				c.Detail += ", used by " + strings.Join(hs, ", ")
			}
		}
	case workload.DepFile:
		c.Kind = KindFile
		c.Detail = fmt.Sprintf("%s waits for file %s to exist", name, d.Name)
	default:
		return Condition{}, false
	}
	return c, true
}

// resource reads the resource called name once per answer; nil when there
// is no reader or it cannot be read.
func (s *Service) resource(ctx context.Context, name string, cache map[string]*workload.Resource) *workload.Resource {
	if r, ok := cache[name]; ok {
		return r
	}
	cache[name] = nil
	rr := s.resources()
	if rr == nil || name == "" {
		return nil
	}
	r, ok, err := rr.ResourceNamed(ctx, name)
	if err != nil || !ok {
		return nil
	}
	cache[name] = &r
	return cache[name]
}
