package hwa

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// The client half of the contract: every method and path the client calls,
// and every query parameter it sends, exists in the vendor's OpenAPI file
// (HCL Workload Automation REST API V2 10.1.0.1, OpenAPI 3.1), loaded with
// kin-openapi. The calls are recorded through Config.Observe while every
// exported Client method runs against a local server, so a method added
// without a contract check fails TestContractCoversEveryMethod.

const specEnv = "RESYNC_HWA_OPENAPI"

// specPath is $RESYNC_HWA_OPENAPI, else the handbook's copy beside the
// repository: ../shared/hwa/openapi-v2.json from the repository root, which
// is ../../../shared/hwa/openapi-v2.json from this package's directory.
func specPath() string {
	if p := os.Getenv(specEnv); p != "" {
		return p
	}
	return filepath.Join("..", "..", "..", "..", "shared", "hwa", "openapi-v2.json")
}

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	path := specPath()
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		t.Skipf("contract: vendor OpenAPI file %s not found (set %s to its path); skipping the client contract test", path, specEnv)
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	spec, err := loader.LoadFromFile(path)
	if err != nil {
		t.Fatalf("contract: load %s with kin-openapi: %v", path, err)
	}
	if spec.Paths == nil || spec.Paths.Len() < 100 {
		t.Fatalf("contract: %s has %d paths, want the full vendor file", path, spec.Paths.Len())
	}
	return spec
}

// clientCall runs one exported Client method.
type clientCall struct {
	method string // the Client method name
	run    func(ctx context.Context, c *Client) error
}

// everyMethod calls every exported Client method once, with ids from ids.
func everyMethod(ids callIDs) []clientCall {
	o := ActionOptions{Justification: Justification{Category: "TEST", Description: "contract", TicketNum: "T-1"}}
	oql := And(Eq("name", "O'NEIL_RECON"), Like("folder", "/@"))
	return []clientCall{
		{"ListJobs", func(ctx context.Context, c *Client) error {
			_, err := c.ListJobs(ctx, Query{OQL: oql, PlanFilter: "/@/@#/@/@.@", PageSize: 5, MaxResults: 5})
			return err
		}},
		{"Jobs", func(ctx context.Context, c *Client) error {
			for _, err := range c.Jobs(ctx, Query{PageSize: 2, MaxResults: 3}) {
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{"JobsInPlan", func(ctx context.Context, c *Client) error {
			for _, err := range c.JobsInPlan(ctx, Query{PageSize: 2, MaxResults: 2}) {
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{"JobStreamsInPlan", func(ctx context.Context, c *Client) error {
			for _, err := range c.JobStreamsInPlan(ctx, Query{PageSize: 2, MaxResults: 2}) {
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{"JobPage", func(ctx context.Context, c *Client) error {
			_, _, err := c.JobPage(ctx, Query{OQL: oql, PlanFilter: "/@/@#/@/@.@", PageSize: 5}, 5)
			return err
		}},
		{"JobStreamPage", func(ctx context.Context, c *Client) error {
			_, _, err := c.JobStreamPage(ctx, Query{OQL: Eq("jsStatusFlags.lateJobStream", true), PlanFilter: "/@/@#/@/@", PageSize: 5}, 0)
			return err
		}},
		{"WorkstationPage", func(ctx context.Context, c *Client) error {
			_, _, err := c.WorkstationPage(ctx, Query{OQL: NotEq("activeStates", "LINKED"), PlanFilter: "/@/@", PageSize: 5}, 0)
			return err
		}},
		{"Job", func(ctx context.Context, c *Client) error { _, err := c.Job(ctx, ids.job); return err }},
		{"JobInPlan", func(ctx context.Context, c *Client) error { _, err := c.JobInPlan(ctx, ids.job); return err }},
		{"ListJobStreams", func(ctx context.Context, c *Client) error {
			_, err := c.ListJobStreams(ctx, Query{OQL: Eq("commonStatus", "RUNNING"), PlanFilter: "/@/@#/@/@", PageSize: 5, MaxResults: 5})
			return err
		}},
		{"JobStreams", func(ctx context.Context, c *Client) error {
			for _, err := range c.JobStreams(ctx, Query{PageSize: 2, MaxResults: 2}) {
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{"JobStream", func(ctx context.Context, c *Client) error { _, _, err := c.JobStream(ctx, ids.stream); return err }},
		{"ListWorkstations", func(ctx context.Context, c *Client) error {
			_, err := c.ListWorkstations(ctx, Query{OQL: In("activeStates", "LINKED"), PlanFilter: "/@/@", PageSize: 5})
			return err
		}},
		{"Workstation", func(ctx context.Context, c *Client) error { _, err := c.Workstation(ctx, ids.workstation); return err }},
		{"JobLog", func(ctx context.Context, c *Client) error {
			_, err := c.JobLog(ctx, ids.run, LogOptions{FromLine: 1, ToLine: 50, Tail: 10, ContentOnly: true})
			return err
		}},
		{"Predecessors", func(ctx context.Context, c *Client) error { _, err := c.Predecessors(ctx, ids.job, 2); return err }},
		{"Successors", func(ctx context.Context, c *Client) error { _, err := c.Successors(ctx, ids.job, 2); return err }},
		{"StreamPredecessors", func(ctx context.Context, c *Client) error {
			_, err := c.StreamPredecessors(ctx, ids.stream, 2)
			return err
		}},
		{"StreamSuccessors", func(ctx context.Context, c *Client) error {
			_, err := c.StreamSuccessors(ctx, ids.stream, 2)
			return err
		}},
		{"CountJobs", func(ctx context.Context, c *Client) error {
			_, err := c.CountJobs(ctx, "", GroupByWorkstation, GroupByStatus, GroupByFolder)
			return err
		}},
		{"CountJobStreams", func(ctx context.Context, c *Client) error {
			_, err := c.CountJobStreams(ctx, "", GroupByStatus)
			return err
		}},
		{"Issues", func(ctx context.Context, c *Client) error { _, err := c.Issues(ctx, Like("name", "@")); return err }},
		{"EngineInfo", func(ctx context.Context, c *Client) error { _, err := c.EngineInfo(ctx); return err }},
		{"Rerun", func(ctx context.Context, c *Client) error {
			_, err := c.Rerun(ctx, ids.run, RerunDetails{}, o)
			return err
		}},
		{"Hold", func(ctx context.Context, c *Client) error { _, err := c.Hold(ctx, ids.holdJob, o); return err }},
		{"Release", func(ctx context.Context, c *Client) error { _, err := c.Release(ctx, ids.holdJob, o); return err }},
		{"UpdatePriority", func(ctx context.Context, c *Client) error {
			_, err := c.UpdatePriority(ctx, ids.holdJob, 20, o)
			return err
		}},
		{"ReleaseAllDependencies", func(ctx context.Context, c *Client) error {
			_, err := c.ReleaseAllDependencies(ctx, ids.holdJob, o)
			return err
		}},
		{"Cancel", func(ctx context.Context, c *Client) error { _, err := c.Cancel(ctx, ids.cancelJob, o); return err }},
		{"Kill", func(ctx context.Context, c *Client) error { _, err := c.Kill(ctx, ids.runningJob, o); return err }},
		{"ConfirmSucc", func(ctx context.Context, c *Client) error {
			_, err := c.ConfirmSucc(ctx, ids.confirmJob, nil, o)
			return err
		}},
		{"ConfirmAbend", func(ctx context.Context, c *Client) error {
			_, err := c.ConfirmAbend(ctx, ids.confirmJob2, []string{"RC_BAD"}, o)
			return err
		}},
		{"HoldStream", func(ctx context.Context, c *Client) error { _, err := c.HoldStream(ctx, ids.holdStream, o); return err }},
		{"ReleaseStream", func(ctx context.Context, c *Client) error {
			_, err := c.ReleaseStream(ctx, ids.holdStream, o)
			return err
		}},
		{"CancelStream", func(ctx context.Context, c *Client) error {
			_, err := c.CancelStream(ctx, ids.cancelStream, o)
			return err
		}},
		{"UnlinkWorkstation", func(ctx context.Context, c *Client) error {
			_, err := c.UnlinkWorkstation(ctx, ids.workstation, o)
			return err
		}},
		{"LinkWorkstation", func(ctx context.Context, c *Client) error {
			_, err := c.LinkWorkstation(ctx, ids.workstation, o)
			return err
		}},
		{"Resources", func(ctx context.Context, c *Client) error {
			_, err := c.Resources(ctx, Query{OQL: Eq("name", "DB_CONNECTIONS"), PlanFilter: "/@/@#/@/@", PageSize: 5})
			return err
		}},
		{"Resource", func(ctx context.Context, c *Client) error { _, err := c.Resource(ctx, ids.resource); return err }},
		{"OpenPrompts", func(ctx context.Context, c *Client) error { _, err := c.OpenPrompts(ctx, 5); return err }},
		{"ReplyPrompt", func(ctx context.Context, c *Client) error {
			_, err := c.ReplyPrompt(ctx, ids.prompt, true, o)
			return err
		}},
		{"SubmitJobStream", func(ctx context.Context, c *Client) error {
			_, err := c.SubmitJobStream(ctx, ids.streamModel, SubmitJobStreamOptions{Alias: "AGAIN"}, o)
			return err
		}},
		{"SubmitJob", func(ctx context.Context, c *Client) error {
			_, err := c.SubmitJob(ctx, ids.jobModel, SubmitJobOptions{Alias: "AGAIN1"}, o)
			return err
		}},
		{"SubmitAdHocJob", func(ctx context.Context, c *Client) error {
			_, err := c.SubmitAdHocJob(ctx, SubmitAdHocJobOptions{SubmitJobOptions: SubmitJobOptions{WorkstationKey: "MDM"},
				Task: json.RawMessage(`{"taskType":"UNIX","command":"ls"}`)}, o)
			return err
		}},
	}
}

// callIDs are the ids everyMethod uses; against a fake server any will do.
type callIDs struct {
	job, run, stream, workstation              string
	holdJob, cancelJob, runningJob, confirmJob string
	confirmJob2, holdStream, cancelStream      string
	resource, prompt                           string
	streamModel, jobModel                      string // model ids, for submissions
}

func fakeIDs() callIDs {
	return callIDs{job: "J1", run: "R1", stream: "S1", workstation: "W1", holdJob: "J2", cancelJob: "J3", runningJob: "J4",
		confirmJob: "J5", confirmJob2: "J6", holdStream: "S2", cancelStream: "S3", resource: "RES1", prompt: "P1",
		streamModel: "M1", jobModel: "M2"}
}

// minimalServer answers every request with the smallest valid body.
func minimalServer(t *testing.T) *testServer {
	return newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/joblog") {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write([]byte("line 1\n"))
			return
		}
		if strings.HasPrefix(r.URL.Path, APIPrefix+"/plan/jobstream/") && strings.HasSuffix(r.URL.Path, "/submit") {
			writeJSON(w, 200, map[string]any{"count": 1, "results": []any{map[string]any{"id": "S9"}}})
			return
		}
		writeJSON(w, 200, map[string]any{})
	})
}

func TestContractCoversEveryMethod(t *testing.T) {
	var want []string
	ct := reflect.TypeOf(&Client{})
	for i := 0; i < ct.NumMethod(); i++ {
		want = append(want, ct.Method(i).Name)
	}
	var got []string
	for _, c := range everyMethod(fakeIDs()) {
		got = append(got, c.method)
	}
	sort.Strings(want)
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("everyMethod covers\n%v\nClient has\n%v", got, want)
	}
}

type observed struct {
	call Call
	req  recorded
}

func TestContractPathsExistInVendorSpec(t *testing.T) {
	spec := loadSpec(t)
	s := minimalServer(t)
	var calls []Call
	c, _ := newClient(t, s.URL, func(c *Config) { c.Observe = func(call Call) { calls = append(calls, call) } })
	for _, m := range everyMethod(fakeIDs()) {
		if err := m.run(context.Background(), c); err != nil {
			t.Fatalf("%s: %v", m.method, err)
		}
	}
	reqs := s.requests()
	if len(reqs) != len(calls) {
		t.Fatalf("server saw %d requests, client observed %d", len(reqs), len(calls))
	}
	var notes []string
	seen := map[string]bool{}
	for i, call := range calls {
		key := call.Method + " " + call.Pattern
		full := APIPrefix + call.Pattern
		item := spec.Paths.Value(full)
		if item == nil {
			t.Errorf("%s: path %s is not in the vendor file", key, full)
			continue
		}
		op := item.GetOperation(call.Method)
		if op == nil {
			t.Errorf("%s: the vendor file has no %s on %s", key, call.Method, full)
			continue
		}
		declared := map[string]bool{}
		for _, ps := range []openapi3.Parameters{item.Parameters, op.Parameters} {
			for _, p := range ps {
				if p.Value != nil {
					declared[p.Value.In+":"+strings.ToLower(p.Value.Name)] = true
				}
			}
		}
		for _, name := range pathParams(call.Pattern) {
			if !declared["path:"+name] {
				t.Errorf("%s: path parameter %s is not declared", key, name)
			}
		}
		for q := range reqs[i].Query {
			if !declared["query:"+strings.ToLower(q)] {
				t.Errorf("%s: query parameter %q is not declared by the vendor file", key, q)
			}
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		for h := range reqs[i].Header {
			if strings.HasPrefix(h, "Justification-") || h == "Include-Count" {
				if !declared["header:"+strings.ToLower(h)] {
					notes = append(notes, key+": sends header "+h+", which the vendor file does not declare for it")
				}
			}
		}
		if call.Method == http.MethodPut && op.RequestBody == nil {
			notes = append(notes, key+": sends body {} (the lab saw 415 without it); the vendor file declares no body")
		}
	}
	sort.Strings(notes)
	for _, n := range notes {
		t.Log("deviation (allowed):", n)
	}
	t.Logf("contract: %d calls, %d distinct operations checked against %s", len(calls), len(seen), specPath())
	if len(seen) < 25 {
		t.Errorf("only %d distinct operations exercised", len(seen))
	}
}

func pathParams(pattern string) []string {
	var out []string
	for {
		i := strings.IndexByte(pattern, '{')
		j := strings.IndexByte(pattern, '}')
		if i < 0 || j < i {
			return out
		}
		out = append(out, pattern[i+1:j])
		pattern = pattern[j+1:]
	}
}

// TestContractCatchesAWrongPath proves the check has teeth: a path and a
// parameter the vendor file lacks are reported.
func TestContractCatchesAWrongPath(t *testing.T) {
	spec := loadSpec(t)
	if spec.Paths.Value(APIPrefix+"/plan/job/{job_id}/model") != nil && spec.Paths.Value(APIPrefix+"/plan/job/{job_id}/model").Get != nil {
		t.Fatal("GET /plan/job/{job_id}/model unexpectedly exists")
	}
	if spec.Paths.Value(APIPrefix+"/plan/current/job/{job_id}") != nil {
		t.Fatal("a V1 path unexpectedly exists in the V2 file")
	}
	op := spec.Paths.Value(APIPrefix + pathJobs).Get
	found := false
	for _, p := range op.Parameters {
		if p.Value.Name == "status" {
			found = true
		}
	}
	if found {
		t.Fatal("GET /plan/job declares a status parameter; the negative check is void")
	}
}
