package agent

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestLoadAgentsRepositoryFile(t *testing.T) {
	data, err := os.ReadFile("../../../functions/internal/agentsfile/agents.json")
	if err != nil {
		t.Fatal(err)
	}
	a, err := LoadAgents(data)
	if err != nil {
		t.Fatalf("LoadAgents(functions/internal/agentsfile/agents.json): %v", err)
	}
	if got, want := a.Default(), "analyst"; got != want {
		t.Errorf("default: got %q, want %q", got, want)
	}
	analyst, err := a.Get("analyst")
	if err != nil {
		t.Fatal(err)
	}
	if analyst.Allows(ToolProposeAction) {
		t.Error("the analyst may propose actions; it must be read-only")
	}
	op, err := a.Get("operator")
	if err != nil {
		t.Fatal(err)
	}
	if !op.Allows(ToolProposeAction) {
		t.Error("the operator may not propose actions")
	}
	for _, tc := range []struct {
		roles []string
		want  bool
	}{{nil, false}, {[]string{"viewer"}, false}, {[]string{"operator"}, true}, {[]string{"viewer", "admin"}, true}} {
		if got := op.Permits(tc.roles); got != tc.want {
			t.Errorf("operator agent Permits(%v): got %v, want %v", tc.roles, got, tc.want)
		}
	}
	if _, err := a.Get("nope"); !errors.Is(err, ErrUnknownAgent) {
		t.Errorf("Get(nope): got %v, want ErrUnknownAgent", err)
	}
	if d, _ := a.Get(""); d.ID != "analyst" {
		t.Errorf(`Get(""): got %q, want the default analyst`, d.ID)
	}
}

func TestLoadAgentsReportsEveryProblem(t *testing.T) {
	data := `{"default": "ghost", "agents": [
	  {"id": "a", "name": "A", "purpose": "p", "instructions": "i", "model": "default", "tools": ["plan_summary", "rm_rf", "plan_summary"]},
	  {"id": "a", "name": "", "purpose": "p", "instructions": "i", "model": "default", "tools": ["get_job"], "roles": ["wizard"]},
	  {"name": "C", "purpose": "p", "instructions": "", "model": "", "tools": []}
	]}`
	_, err := LoadAgents([]byte(data))
	if !errors.Is(err, ErrInvalidAgents) {
		t.Fatalf("got %v, want ErrInvalidAgents", err)
	}
	for _, want := range []string{
		`unknown tool "rm_rf"`, `tool "plan_summary" listed twice`, `agent "a": duplicate id`, `agent "a": missing name`,
		`unknown role "wizard"`, `agent 3: missing id`, `agent 3: missing instructions`, `agent 3: missing model`,
		`agent 3: no tools`, `default "ghost" is not an agent`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

func TestLoadAgentsRefusesMalformed(t *testing.T) {
	for _, tc := range []struct{ name, data string }{
		{"not json", `{`},
		{"unknown field", `{"agents": [], "extra": 1}`},
		{"no agents", `{"agents": []}`},
		{"bad id", `{"agents": [{"id": "Bad Id", "name": "n", "purpose": "p", "instructions": "i", "model": "m", "tools": ["get_job"]}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := LoadAgents([]byte(tc.data)); !errors.Is(err, ErrInvalidAgents) {
				t.Errorf("got %v, want ErrInvalidAgents", err)
			}
		})
	}
}

func TestToolsForFollowsTheAgentsRoles(t *testing.T) {
	data, err := os.ReadFile("../../../functions/internal/agentsfile/agents.json")
	if err != nil {
		t.Fatal(err)
	}
	a, err := LoadAgents(data)
	if err != nil {
		t.Fatal(err)
	}
	analyst, _ := a.Get("analyst")
	operator, _ := a.Get("operator")
	for _, tc := range []struct {
		roles []string
		want  []string
	}{
		{nil, analyst.Tools},
		{[]string{"viewer"}, analyst.Tools},
		{[]string{"operator"}, operator.Tools},
		{[]string{"viewer", "admin"}, operator.Tools},
	} {
		got := a.ToolsFor(tc.roles)
		if len(got) != len(tc.want) {
			t.Errorf("ToolsFor(%v): got %v, want %v", tc.roles, got, tc.want)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(","+strings.Join(got, ",")+",", ","+w+",") {
				t.Errorf("ToolsFor(%v): %s missing from %v", tc.roles, w, got)
			}
		}
	}
}
