package bedrock_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/resync/resync/shared/adapter/bedrock"
	"github.com/resync/resync/shared/adapter/bedrock/bedrocksim"
	"github.com/resync/resync/shared/app/agent"
	"github.com/resync/resync/shared/domain/llm"
)

// TestRealToolSpecsWithinConverseLimits sends the agent's real tool
// catalogue through the adapter to the stand-in, which refuses what
// Converse would (tool names, descriptions, input schemas; see
// bedrocksim's validateTools), and checks every tool arrived.
func TestRealToolSpecsWithinConverseLimits(t *testing.T) {
	specs := agent.Specs()
	if len(specs) == 0 {
		t.Fatal("agent.Specs() is empty")
	}
	sim, m, _ := newModel(t, bedrock.Config{})
	sim.Script(bedrocksim.Turn{Text: []string{"ok"}})
	req := ask("Which jobs abended?")
	req.Tools = specs
	if _, err := m.Stream(t.Context(), req, collect(new([]llm.Event))); err != nil {
		t.Fatalf("Stream with agent.Specs() = %v, want the stand-in to accept every spec", err)
	}
	var want []string
	for _, s := range specs {
		want = append(want, s.Name)
		// Converse allows a tool without a description; a model cannot
		// choose well among tools it is told nothing about.
		if s.Description == "" {
			t.Errorf("tool %s has no description", s.Name)
		}
	}
	reqs := sim.Requests()
	if len(reqs) != 1 {
		t.Fatalf("stand-in got %d requests, want 1", len(reqs))
	}
	if got := reqs[0].ToolNames(); !slices.Equal(got, want) {
		t.Errorf("tools sent = %v, want %v", got, want)
	}
}

// TestBadToolSpecRefused: a spec Converse would refuse fails the call,
// so the test above can fail.
func TestBadToolSpecRefused(t *testing.T) {
	good := agent.Specs()[0]
	tests := []struct {
		name string
		spec llm.ToolSpec
	}{
		{"space in name", llm.ToolSpec{Name: "search jobs", Description: good.Description, Schema: good.Schema}},
		{"name too long", llm.ToolSpec{Name: strings.Repeat("a", 65), Description: good.Description, Schema: good.Schema}},
		{"schema not of an object", llm.ToolSpec{Name: "x", Description: "x", Schema: []byte(`{"type":"string"}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, m, _ := newModel(t, bedrock.Config{})
			sim.Script(bedrocksim.Turn{Text: []string{"ok"}})
			req := ask("hello")
			req.Tools = []llm.ToolSpec{good, tt.spec}
			_, err := m.Stream(t.Context(), req, collect(new([]llm.Event)))
			if !errors.Is(err, llm.ErrInvalid) {
				t.Errorf("Stream = %v, want ErrInvalid (a 400 ValidationException)", err)
			}
			if sim.Calls() != 1 {
				t.Errorf("stand-in calls = %d, want 1: the stand-in must be the one refusing", sim.Calls())
			}
		})
	}
}
