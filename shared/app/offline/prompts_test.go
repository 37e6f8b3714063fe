package offline_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestLoopPromptsAndResources: questions about prompts and resources, and
// a reply proposal, through the real agent loop over the simulator.
func TestLoopPromptsAndResources(t *testing.T) {
	s := newStack(t)
	tests := []struct {
		agent string
		q     string
		tools []string
		want  []string // substrings of the answer
	}{
		{"analyst", "which prompts are waiting for a reply?", []string{"list_prompts:done"},
			[]string{"CONFIRM_TAPE", "Is the tape mounted on drive 2?", "WAIT_PROMPT_J1", "global prompt"}},
		{"analyst", "what is the tape prompt asking?", []string{"list_prompts:done"}, []string{"CONFIRM_TAPE", "Is the tape mounted on drive 2?"}},
		{"analyst", "any open prompts?", []string{"list_prompts:done"}, []string{"waiting for a reply", "CONFIRM_TAPE"}},
		{"analyst", "who holds DB_CONNECTIONS?", []string{"get_resource:done"}, []string{"DB_CONNECTIONS", "used by LONG_RUNNER_J1", "0 free", "WAIT_RESOURCE_J1"}},
		{"analyst", "how many DB_CONNECTIONS are free?", []string{"get_resource:done"}, []string{"DB_CONNECTIONS", "0 free"}},
		{"analyst", "which resources are exhausted?", []string{"list_resources:done"}, []string{"DB_CONNECTIONS", "exhausted or with jobs waiting"}},
		{"analyst", "list the resources", []string{"list_resources:done"}, []string{"TAPE_DRIVES", "DB_CONNECTIONS"}},
		{"analyst", "why is WAIT_PROMPT_J1 waiting?", []string{"why_waiting:done"}, []string{"prompt CONFIRM_TAPE", "Is the tape mounted on drive 2?"}},
		{"analyst", "why is WAIT_RESOURCE_J1 not starting?", []string{"why_waiting:done"}, []string{"resource DB_CONNECTIONS", "used by LONG_RUNNER_J1"}},
		{"analyst", "reply yes to the tape prompt", nil, []string{"read-only", "Operator agent"}},
		{"operator", "reply to the tape prompt", nil, []string{"Reply yes or no"}},
		{"operator", "reply yes to the tape prompt", []string{"reply_prompt:done"}, []string{"proposed to reply yes to prompt CONFIRM_TAPE", "Nothing has been sent", "releases 1 job: WAIT_PROMPT_J1"}},
		{"operator", "answer no to prompt CONFIRM_TAPE", []string{"reply_prompt:done"}, []string{"reply no to prompt CONFIRM_TAPE", "keeps 1 job waiting"}},
	}
	for i, tt := range tests {
		ans, sink := s.ask(t, tt.agent, "p"+strconv.Itoa(i), tt.q)
		if got := toolNames(sink); !slices.Equal(got, tt.tools) {
			t.Errorf("%q: tools: got %v, want %v", tt.q, got, tt.tools)
		}
		for _, w := range tt.want {
			if !strings.Contains(ans.Text, w) {
				t.Errorf("%q: answer lacks %q:\n%s", tt.q, w, ans.Text)
			}
		}
	}
	if n := len(s.sim.Actions()); n != 0 {
		t.Errorf("the questions sent %d actions to HWA; proposals send none", n)
	}
}
