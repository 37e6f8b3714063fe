package agent

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/resync/resync/shared/app/planview"
)

func call(t *testing.T, e *env, name string, input any) (outcome, map[string]any) {
	t.Helper()
	b, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	o := e.tools.run(context.Background(), Call{User: "alice", Name: name, Input: b})
	raw, err := json.Marshal(o.value)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return o, m
}

func TestGetJobResolvesIDsAndNames(t *testing.T) {
	e := newEnv(t, envOptions{})
	j := e.abended(t)[0]
	for _, tc := range []struct {
		name, ref string
		wantCode  string // "" for success
	}{
		{"id", j.ID, ""},
		{"name", j.Name, ""},
		{"lower case name", strings.ToLower(j.Name), ""},
		{"stream.job", j.Stream + "." + j.Name, ""},
		{"ws#stream.job", j.Workstation + "#" + j.Stream + "." + j.Name, ""},
		{"wrong stream", "NO_SUCH_STREAM." + j.Name, CodeNotFound},
		{"unknown", "NO_SUCH_JOB", CodeNotFound},
		{"unknown id", "00000000-0000-0000-0000-000000000000", CodeNotFound},
		{"empty", " ", CodeBadInput},
		{"wildcard matching many", j.Name[:2] + "*", CodeAmbiguous},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, m := call(t, e, ToolGetJob, GetJobInput{Job: tc.ref})
			if tc.wantCode == "" {
				if o.isError {
					t.Fatalf("got error %v", m)
				}
				var d planview.JobDetail
				b, _ := json.Marshal(o.value)
				_ = json.Unmarshal(b, &d)
				if d.Job.ID != j.ID {
					t.Errorf("got job %s, want %s", d.Job.ID, j.ID)
				}
				return
			}
			if !o.isError || m["code"] != tc.wantCode {
				t.Fatalf("got %v, want code %s", m, tc.wantCode)
			}
			if tc.wantCode == CodeAmbiguous {
				c, _ := m["candidates"].([]any)
				if len(c) < 2 {
					t.Errorf("ambiguous result lists %d candidates", len(c))
				}
			}
		})
	}
}

func TestListToolsFilter(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	streams, err := e.plan.Streams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wss, err := e.plan.Workstations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	late, unlinked := 0, 0
	for _, s := range streams.Items {
		if s.Late {
			late++
		}
	}
	for _, w := range wss.Items {
		if !w.Linked {
			unlinked++
		}
	}
	for _, tc := range []struct {
		name  string
		tool  string
		input any
		want  int
	}{
		{"all streams", ToolListJobStreams, ListJobStreamsInput{}, len(streams.Items)},
		{"late streams", ToolListJobStreams, ListJobStreamsInput{Late: true}, late},
		{"all workstations", ToolListWorkstations, ListWorkstationsInput{}, len(wss.Items)},
		{"unlinked workstations", ToolListWorkstations, ListWorkstationsInput{Unlinked: true}, unlinked},
		{"abended, lower case", ToolSearchJobs, SearchJobsInput{JobFilter: JobFilter{InternalStatus: "abend"}}, len(e.abended(t))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, m := call(t, e, tc.tool, tc.input)
			if o.isError {
				t.Fatalf("error %v", m)
			}
			items, _ := m["items"].([]any)
			if len(items) != tc.want || int(m["total"].(float64)) != tc.want {
				t.Errorf("got %d items, total %v; want %d", len(items), m["total"], tc.want)
			}
		})
	}
	if late == 0 || unlinked == 0 {
		t.Errorf("the simulator has %d late streams and %d unlinked workstations; the filters test nothing", late, unlinked)
	}
	if o, m := call(t, e, ToolSearchJobs, SearchJobsInput{JobFilter: JobFilter{Status: "BROKEN"}}); !o.isError || m["code"] != CodeBadInput {
		t.Errorf("unknown status: got %v, want bad_input", m)
	}
}

func TestDependencyAndImpactTools(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	j := e.jobWithSuccessors(t)
	succ, err := e.hc.Successors(ctx, j.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	crit, err := e.plan.Critical(ctx)
	if err != nil {
		t.Fatal(err)
	}
	isCrit := map[string]bool{}
	for _, c := range crit.Items {
		isCrit[c.ID] = true
	}
	wantCrit := 0
	for _, n := range succ {
		if isCrit[n.ID] {
			wantCrit++
		}
	}

	o, _ := call(t, e, ToolJobImpact, JobImpactInput{Job: j.Name})
	imp, ok := o.value.(ImpactResult)
	if !ok {
		t.Fatalf("job_impact: got %#v", o.value)
	}
	if len(imp.Successors) != len(succ) || imp.Critical != wantCrit || imp.Job.ID != j.ID {
		t.Errorf("impact: %d successors, %d critical; want %d and %d", len(imp.Successors), imp.Critical, len(succ), wantCrit)
	}
	if !strings.Contains(imp.Summary, j.Name) {
		t.Errorf("summary %q does not name the job", imp.Summary)
	}

	o, _ = call(t, e, ToolJobDependencies, JobDependenciesInput{Job: j.ID, Direction: "Successors"})
	dep, ok := o.value.(DependenciesResult)
	if !ok || dep.Direction != DirectionSuccessors || len(dep.Nodes) == 0 {
		t.Fatalf("job_dependencies: got %#v", o.value)
	}
	if dep.Nodes[0].Stream == "" || dep.Nodes[0].Kind != "job" {
		t.Errorf("first successor %+v lacks its stream or kind", dep.Nodes[0])
	}
	o, _ = call(t, e, ToolJobDependencies, JobDependenciesInput{Job: j.ID, Direction: "predecessors"})
	if o.isError {
		t.Errorf("predecessors: %v", o.value)
	}
	if o, m := call(t, e, ToolJobDependencies, JobDependenciesInput{Job: j.ID, Direction: "sideways"}); !o.isError || m["code"] != CodeBadInput {
		t.Errorf("bad direction: got %v", m)
	}
}

func TestToolErrors(t *testing.T) {
	e := newEnv(t, envOptions{})
	noActions := NewTools(e.plan, e.src, nil)
	o := noActions.run(context.Background(), Call{User: "u", Name: ToolProposeAction, Input: json.RawMessage(`{"action":"hold","job":"x"}`)})
	if er, _ := o.value.(ErrorResult); !o.isError || er.Code != CodeUnavailable {
		t.Errorf("propose without actions: %+v", o.value)
	}
	for _, tc := range []struct{ name, tool, input, code string }{
		{"unknown tool", "drop_tables", `{}`, CodeRefused},
		{"malformed input", ToolGetJob, `{"job": 7}`, CodeBadInput},
		{"unknown action", ToolProposeAction, `{"action":"explode","job":"x"}`, CodeBadInput},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := e.tools.run(context.Background(), Call{User: "u", Name: tc.tool, Input: json.RawMessage(tc.input)})
			if er, _ := o.value.(ErrorResult); !o.isError || er.Code != tc.code {
				t.Errorf("got %+v, want code %s", o.value, tc.code)
			}
		})
	}
	t.Run("HWA down", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		j := e.abended(t)[0]
		e.sim.SetFault(hwasimDown())
		o, m := call(t, e, ToolJobImpact, JobImpactInput{Job: j.ID})
		if !o.isError || m["code"] != CodeUnavailable {
			t.Errorf("got %v, want unavailable", m)
		}
		if strings.Contains(m["error"].(string), "hwa:") {
			t.Errorf("error text leaks internals: %q", m["error"])
		}
	})
}
