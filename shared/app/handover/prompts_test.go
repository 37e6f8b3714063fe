package handover

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/shared/domain/planread"
	"github.com/resync/resync/shared/domain/workload"
)

// promptPlan is a plan of jobs whose dependencies Job returns (and the
// list does not), failing Job for the ids in broken.
type promptPlan struct {
	jobs   []workload.Job
	deps   map[string][]workload.Dependency
	broken map[string]bool
}

// WatchJobs selects by the domain rule of w, as HWA's query would.
func (p promptPlan) WatchJobs(_ context.Context, w planread.Watch, now time.Time, limit int) ([]workload.Job, int64, error) {
	keep, ok := w.Rule(now)
	if !ok {
		return nil, 0, errors.New("unknown list")
	}
	var out []workload.Job
	for _, j := range p.jobs {
		if keep(j) {
			out = append(out, j)
		}
	}
	return out[:min(len(out), limit)], int64(len(out)), nil
}

func (p promptPlan) WatchLateStreams(context.Context, time.Time, int) ([]workload.JobStream, int64, error) {
	return nil, 0, nil
}
func (p promptPlan) Job(_ context.Context, id string) (workload.Job, error) {
	if p.broken[id] {
		return workload.Job{}, errors.New("hwa: unavailable")
	}
	for _, j := range p.jobs {
		if j.ID == id {
			j.Dependencies = p.deps[id]
			return j, nil
		}
	}
	return workload.Job{}, errors.New("not found")
}

func TestOpenPrompts(t *testing.T) {
	hold := func(id, name string, sub workload.SubStatus) workload.Job {
		return workload.Job{ID: id, Name: name, StreamName: "TAPES", Workstation: "MDM", Common: workload.CommonWaiting, Internal: workload.InternalHold, Sub: sub}
	}
	plan := promptPlan{
		jobs: []workload.Job{
			hold("J1", "MOUNT_TAPE", workload.SubHoldWaitingForPrompt),
			hold("J2", "WAITS_FILE", workload.SubHoldWaitingForFile),
			hold("J3", "BROKEN", workload.SubHoldWaitingForPrompt),
			// A prompt already answered does not count.
			{ID: "J4", Name: "ANSWERED", Common: workload.CommonWaiting, Internal: workload.InternalHold,
				Dependencies: []workload.Dependency{{ID: "P9", Type: workload.DepPrompt, Name: "OLD", Satisfied: true}}},
		},
		deps: map[string][]workload.Dependency{
			"J1": {{ID: "P1", Type: workload.DepPrompt, Name: "CONFIRM_TAPE"}, {ID: "F1", Type: workload.DepFile, Name: "/x"}},
		},
		broken: map[string]bool{"J3": true},
	}
	s, _ := ParseShifts(DefaultShifts, time.UTC)
	now := time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	b := &Builder{Plan: plan, Shifts: s, Now: func() time.Time { return now }}
	d, err := b.Previous(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Prompts) != 1 || d.Prompts[0].Cite != "job J1 prompt P1" || !strings.Contains(d.Prompts[0].Text, "CONFIRM_TAPE") || d.Prompts[0].JobID != "J1" {
		t.Errorf("prompts: %+v, want J1's CONFIRM_TAPE only", d.Prompts)
	}
	if !strings.Contains(strings.Join(d.Missing, "; "), "J3") {
		t.Errorf("missing %v: want the job whose dependencies could not be read", d.Missing)
	}
	a := d.Alert()
	if got := a.Sections[len(a.Sections)-1]; got.Title != "Open prompts" || len(got.Lines) != 1 || got.Lines[0].Cite != "job J1 prompt P1" {
		t.Errorf("alert section %+v", got)
	}
}
