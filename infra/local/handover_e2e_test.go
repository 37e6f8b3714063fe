package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/app/agent"
	"github.com/resync/resync/shared/app/handover"
	"github.com/resync/resync/shared/domain/workload"
)

// TestHandoverOfASimulatedNightThroughTheStack is the acceptance test of
// the shift handover: the simulator's clock is moved over eight hours by its
// /sim/clock admin path, ending now; on the way an operator reruns the jobs
// that abended over MCP, each confirmed by elicitation with a justification
// (the real mcp binary: audited, executed once). The digest the real health
// binary answers (GET /api/v1/handover) names every abend of the night,
// every confirmed action with who and its justification, every job stream
// still late and every open prompt, each line citing its job or audit
// record.
func TestHandoverOfASimulatedNightThroughTheStack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the functions; skipped with -short")
	}
	ctx := context.Background()
	// The night ends now (the functions' clocks are the wall clock): it
	// began eight hours ago, at a shift boundary.
	start := time.Now().UTC().Add(-8 * time.Hour).Truncate(time.Minute)
	sim := hwasim.New(hwasim.Config{Seed: 5, Now: start})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	clock := func(body string) {
		t.Helper()
		if resp, b := do(t, "PUT", srv.URL+"/sim/clock", "", body); resp.StatusCode != 200 {
			t.Fatalf("PUT /sim/clock %s: %d %s", body, resp.StatusCode, b)
		}
	}
	clock(`{"freeze": true}`)
	s, out := newStack(t, map[string]string{
		envBinDir: buildFunctions(t, "health", "mcp"), "HWA_URL": srv.URL,
		"SHIFTS": start.Format("15:04"), "PLAN_TIME_ZONE": "UTC", envPassEnv: "SHIFTS,PLAN_TIME_ZONE",
	})
	hc, err := hwa.New(hwa.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	var justification string
	asked := 0
	op := mcpConnect(t, s, mint(t, s, "night-op", "operator"), func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
		asked++
		return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"confirm": true, "justification": justification}}, nil
	})
	confirmed := map[string]string{} // job id → justification
	for step := 0; step < 24; step++ {
		clock(`{"advance": "20m"}`)
		jobs, err := hc.ListJobs(ctx, hwa.Query{OQL: hwa.Eq("lastRunCompositeStatus.status", "ABEND")})
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			if _, done := confirmed[j.ID]; done || len(confirmed) >= 3 {
				continue
			}
			justification = fmt.Sprintf("rerun %s after step %d: input restored (INC-%d)", j.Name, step, 100+step)
			res, err := op.CallTool(ctx, &mcp.CallToolParams{Name: agent.ToolProposeAction, Arguments: map[string]any{"action": "rerun", "job": j.ID}})
			if err != nil || res.IsError {
				t.Fatalf("rerun %s over MCP: %v %+v", j.ID, err, res)
			}
			confirmed[j.ID] = justification
		}
	}
	clock(`{"to": "` + time.Now().UTC().Format(time.RFC3339Nano) + `"}`) // the plan at now
	if len(confirmed) == 0 || asked != len(confirmed) {
		t.Fatalf("the night had %d confirmed reruns (%d elicitations): the fixture proves nothing", len(confirmed), asked)
	}

	resp, body := do(t, "GET", s.url+"/api/v1/handover?shift=current", mint(t, s, "vic", "viewer"), "")
	if resp.StatusCode != 200 {
		t.Fatalf("GET /api/v1/handover: %d %s\n%s", resp.StatusCode, body, out.String())
	}
	var d handover.Digest
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	if !d.From.Equal(start) || len(d.Missing) > 0 {
		t.Fatalf("digest %s from %v (want %v), missing %v", d.Shift, d.From, start, d.Missing)
	}
	cited := func(items []handover.Item) map[string]handover.Item {
		m := map[string]handover.Item{}
		for _, it := range items {
			if it.Cite == "" {
				t.Errorf("line %q cites nothing", it.Text)
			}
			m[it.Cite] = it
		}
		return m
	}
	failures, late, prompts := cited(d.Failures), cited(d.Late), cited(d.Prompts)
	cited(d.Actions)

	// The truth, read from the simulator after the night (its clock is frozen).
	all, err := hc.ListJobs(ctx, hwa.Query{})
	if err != nil {
		t.Fatal(err)
	}
	abends, open := 0, 0
	for _, j := range all {
		for _, r := range j.Runs {
			if r.Internal == workload.InternalAbend && !r.End.Before(start) && r.End.Before(d.To) {
				abends++
				if _, ok := failures["job "+j.ID+" run "+r.ID]; !ok {
					t.Errorf("abend of %s (%s) run %s at %v is not in the digest", j.Name, j.ID, r.ID, r.End)
				}
			}
		}
		if j.Done() || j.Sub != workload.SubHoldWaitingForPrompt {
			continue
		}
		full, err := hc.Job(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, dep := range full.UnsatisfiedDependencies() {
			if dep.Type == workload.DepPrompt {
				open++
				if it, ok := prompts["job "+j.ID+" prompt "+dep.ID]; !ok || !strings.Contains(it.Text, dep.Name) {
					t.Errorf("open prompt %s of %s (%s) is not in the digest: %+v", dep.Name, j.Name, j.ID, d.Prompts)
				}
			}
		}
	}
	for job, just := range confirmed {
		found := false
		for _, it := range d.Actions {
			found = found || it.JobID == job && strings.Contains(it.Text, just) && strings.Contains(it.Text, "night-op") && strings.HasPrefix(it.Cite, "audit ")
		}
		if !found {
			t.Errorf("the confirmed rerun of %s (%q) is not in the digest with who and why: %+v", job, just, d.Actions)
		}
	}
	streams, err := hwa.PlanSource{Client: hc}.Streams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lateStreams := 0
	for _, st := range streams {
		if st.IsLate(d.To) {
			lateStreams++
			if _, ok := late["job stream "+st.ID]; !ok {
				t.Errorf("late job stream %s (%s) is not in the digest", st.Name, st.ID)
			}
		}
	}
	if abends == 0 || lateStreams == 0 || open == 0 {
		t.Errorf("the night had %d abends, %d late streams, %d open prompts: the fixture proves too little", abends, lateStreams, open)
	}
	t.Logf("night: %d abends, %d confirmed reruns, %d late streams, %d open prompts; digest %s: %d failures, %d actions, %d late, %d prompts",
		abends, len(confirmed), lateStreams, open, d.Shift, len(d.Failures), len(d.Actions), len(d.Late), len(d.Prompts))
}
