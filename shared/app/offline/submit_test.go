package offline_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/resync/resync/shared/adapter/hwa"
)

// TestLoopTasksRecoveryAndSubmissions: "what does X run?", "what is X's
// recovery?", "what happens if X fails?" and "submit stream S" through the
// real agent loop over the simulator.
func TestLoopTasksRecoveryAndSubmissions(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	jobs, err := s.hc.ListJobs(ctx, hwa.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var rerun, cont string
	for _, j := range jobs {
		if j.Recovery.Job != "" && j.Recovery.Option == "RERUN" {
			rerun = j.Name
		}
		if j.Recovery.Job != "" && j.Recovery.Option == "CONTINUE" {
			cont = j.Name
		}
	}
	if rerun == "" || cont == "" {
		t.Fatalf("no RERUN (%q) or CONTINUE (%q) example in the plan", rerun, cont)
	}
	var task string
	for _, j := range jobs {
		if j.Name == rerun {
			task = j.Task.Line
		}
	}
	tests := []struct {
		q     string
		tools []string
		want  []string
	}{
		{"what does " + rerun + " run?", []string{"get_job:done"}, []string{task, "as user svc_", "recovery option is RERUN"}},
		{"what does job " + rerun + " run exactly", []string{"get_job:done"}, []string{task}},
		{"which script does " + rerun + " run", []string{"get_job:done"}, []string{task}},
		{"what is the recovery of " + cont + "?", []string{"get_job:done"}, []string{"recovery option is CONTINUE", "successors go on", cont + "_RCV"}},
		{"does " + rerun + " rerun automatically?", []string{"get_job:done"}, []string{"RERUN", "reruns it automatically"}},
		{"what happens if " + cont + " fails?", []string{"get_job:done", "job_impact:done"}, []string{"recovery option is CONTINUE"}},
		{"submit stream PAYROLL_01", []string{"propose_action:done"}, []string{"proposed to submit a new instance of job stream PAYROLL_01", "Nothing has been executed", "What it does: it adds a new instance"}},
		{"submit job " + rerun, []string{"propose_action:done"}, []string{"submit again the definition of", rerun, "JOBS stream"}},
		{"please submit the payroll_01 jobstream", []string{"propose_action:done"}, []string{"job stream PAYROLL_01"}},
	}
	for i, tt := range tests {
		ans, sink := s.ask(t, "operator", "sub"+strconv.Itoa(i), tt.q)
		if got := toolNames(sink); !slices.Equal(got, tt.tools) {
			t.Errorf("%q: tools: got %v, want %v\n%s", tt.q, got, tt.tools, ans.Text)
		}
		for _, w := range tt.want {
			if !strings.Contains(ans.Text, w) {
				t.Errorf("%q: answer lacks %q:\n%s", tt.q, w, ans.Text)
			}
		}
	}
	// Nothing was submitted: proposals only.
	for _, a := range s.sim.Actions() {
		if a.Verb == "submit" {
			t.Errorf("a submission reached HWA without a confirmation: %+v", a)
		}
	}
	// The analyst cannot submit.
	ans, sink := s.ask(t, "analyst", "ro", "submit stream PAYROLL_01")
	if len(sink.Proposals) != 0 || !strings.Contains(ans.Text, "Operator") {
		t.Errorf("analyst: %d proposals, %q", len(sink.Proposals), ans.Text)
	}
}
