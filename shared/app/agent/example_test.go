package agent_test

import (
	"fmt"

	"github.com/resync/resync/shared/app/agent"
)

func ExampleLoadAgents() {
	agents, err := agent.LoadAgents([]byte(`{"default": "analyst", "agents": [
	  {"id": "analyst", "name": "Plan analyst", "purpose": "Answers questions about the plan.",
	   "instructions": "Look things up before answering.", "model": "default",
	   "tools": ["plan_summary", "search_jobs", "get_job", "job_log"]},
	  {"id": "operator", "name": "Operator", "purpose": "Proposes actions.",
	   "instructions": "Investigate, then propose.", "model": "default",
	   "tools": ["get_job", "job_impact", "propose_action"], "roles": ["operator"]}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range agents.List() {
		fmt.Println(a.ID, a.Allows("propose_action"), a.Permits([]string{"viewer"}))
	}
	_, err = agent.LoadAgents([]byte(`{"agents": [{"id": "x", "name": "X", "purpose": "p", "instructions": "i", "model": "default", "tools": ["format_disk"]}]}`))
	fmt.Println(err)
	// Output:
	// analyst false true
	// operator true false
	// agent: invalid agents file: agent "x": unknown tool "format_disk"
}
