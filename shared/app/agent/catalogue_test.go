package agent

import (
	"encoding/json"
	"testing"
)

func TestSpecsDescribeTheCatalogue(t *testing.T) {
	want := []string{"plan_summary", "search_jobs", "get_job", "job_log", "list_jobstreams", "list_workstations",
		"critical_jobs", "job_dependencies", "job_impact", "why_waiting", "search_runbooks", "count_jobs", "attention",
		"resolve_name", "shift_handover", "propose_action", "list_resources", "get_resource", "list_prompts", "reply_prompt"}
	specs := Specs()
	if len(specs) != len(want) {
		t.Fatalf("got %d specs, want %d", len(specs), len(want))
	}
	for i, s := range specs {
		if s.Name != want[i] {
			t.Errorf("spec %d: got %q, want %q", i, s.Name, want[i])
		}
		var schema map[string]any
		if err := json.Unmarshal(s.Schema, &schema); err != nil {
			t.Errorf("%s: schema is not JSON: %v", s.Name, err)
		}
		if schema["type"] != "object" {
			t.Errorf("%s: schema type %v, want object", s.Name, schema["type"])
		}
	}
}
