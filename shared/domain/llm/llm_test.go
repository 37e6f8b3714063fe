package llm

import (
	"encoding/json"
	"reflect"
	"testing"
)

type jobSearch struct {
	Status      string   `json:"status,omitempty" desc:"common status" enum:"ERROR,RUNNING"`
	Workstation string   `json:"workstation,omitempty"`
	Limit       int      `json:"limit"`
	Critical    *bool    `json:"critical,omitempty"`
	Names       []string `json:"names,omitempty"`
	hidden      string
}

func TestSpecFromGoType(t *testing.T) {
	s := Spec[jobSearch]("search_jobs", "Find jobs")
	if s.Name != "search_jobs" || s.Description != "Find jobs" {
		t.Fatalf("spec = %+v", s)
	}
	var got map[string]any
	if err := json.Unmarshal(s.Schema, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"required":             []any{"limit"},
		"properties": map[string]any{
			"status":      map[string]any{"type": "string", "description": "common status", "enum": []any{"ERROR", "RUNNING"}},
			"workstation": map[string]any{"type": "string"},
			"limit":       map[string]any{"type": "integer"},
			"critical":    map[string]any{"type": "boolean"},
			"names":       map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("schema =\n%s\nwant\n%v", s.Schema, want)
	}
	_ = jobSearch{}.hidden
}

func TestMessageHelpers(t *testing.T) {
	m := Message{Role: Assistant, Content: []Block{
		{Text: "Checking "}, {ToolUse: &ToolUse{ID: "t1", Name: "plan_summary", Input: json.RawMessage(`{}`)}}, {Text: "now."},
	}}
	if m.Text() != "Checking now." || len(m.ToolUses()) != 1 || m.ToolUses()[0].Name != "plan_summary" {
		t.Errorf("text %q uses %v", m.Text(), m.ToolUses())
	}
}
