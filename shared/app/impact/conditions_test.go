package impact

import (
	"context"
	"strings"
	"testing"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/domain/workload"
)

// TestWhyNamesPromptResourceAndFile: the fixtures waiting for a prompt, a
// resource and a file get that condition with its detail — the prompt's
// text and id, the resource's holders — and a job behind WAIT_PROMPT_J1
// gets the prompt through its root blocker.
func TestWhyNamesPromptResourceAndFile(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	svc := &Service{Flow: e.src, Jobs: e.src}
	one := func(name string) workload.Job {
		t.Helper()
		js, err := e.hc.ListJobs(ctx, hwa.Query{OQL: hwa.Eq("name", name)})
		if err != nil || len(js) != 1 {
			t.Fatalf("job %s: %d found, %v", name, len(js), err)
		}
		return js[0]
	}
	tests := []struct {
		job, kind, name string
		want            []string // in the detail
	}{
		{"WAIT_PROMPT_J1", KindPrompt, "CONFIRM_TAPE", []string{"Is the tape mounted on drive 2?", "asked"}},
		{"WAIT_PROMPT_J2", KindPrompt, "CONFIRM_TAPE", []string{"WAIT_PROMPT_J1 waits for prompt CONFIRM_TAPE"}},
		{"WAIT_RESOURCE_J1", KindResource, "DB_CONNECTIONS", []string{"needs 1 of resource DB_CONNECTIONS", "0 free", "used by LONG_RUNNER_J1 (2)"}},
		{"WAIT_FILE_J1", KindFile, "/data/in/bank_statement.csv", []string{"waits for file /data/in/bank_statement.csv"}},
	}
	for _, tt := range tests {
		w, err := svc.Why(ctx, one(tt.job).ID)
		if err != nil {
			t.Fatal(err)
		}
		var got *Condition
		for i, c := range w.Conditions {
			if c.Kind == tt.kind && c.Name == tt.name {
				got = &w.Conditions[i]
			}
		}
		if got == nil {
			t.Errorf("%s: conditions %+v, want a %s %s", tt.job, w.Conditions, tt.kind, tt.name)
			continue
		}
		for _, s := range tt.want {
			if !strings.Contains(got.Detail, s) {
				t.Errorf("%s: detail %q lacks %q", tt.job, got.Detail, s)
			}
		}
		switch tt.kind {
		case KindPrompt:
			if got.PromptID == "" || got.Text == "" {
				t.Errorf("%s: prompt condition without id or text: %+v", tt.job, got)
			}
		case KindResource:
			if got.Quantity != 2 || got.Available != 0 || len(got.Holders) != 1 || got.Holders[0].Job != "LONG_RUNNER_J1" {
				t.Errorf("%s: resource condition %+v", tt.job, got)
			}
		}
	}
}
