package hwasim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
)

// The simulator half of the contract: every response the simulator serves on
// a path the client uses is validated against the vendor's OpenAPI file
// (HCL Workload Automation REST API V2, 10.1.0.1, OpenAPI 3.1) with
// kin-openapi's openapi3filter.ValidateResponse, which validates 3.1
// documents as JSON Schema 2020-12.
//
// One change is made to the vendor file before loading, and only this one:
// DependencyInPlanV2 and FlowNodeInPlanV2 declare oneOf over variants that
// have no required discriminating property and allow additional properties,
// so every real object matches several variants and a strict oneOf rejects
// all of them. Their oneOf is replaced by if/then clauses that validate the
// object against the variant its type property names:
// dependencyType INTERNAL → InternalDependencyInPlanV2, EXTERNAL_JOB →
// ExternalJobDependencyInPlanV2, ... ; flowNodeType JOB → JobInPlanV2,
// JOBSTREAM → JobStreamInPlanV2. The file is never copied into the repository.

const specEnv = "RESYNC_HWA_OPENAPI"

// specPath is the vendor file: $RESYNC_HWA_OPENAPI, else the handbook beside
// the repository (../shared/hwa/openapi-v2.json from the repository root).
func specPath() string {
	if p := os.Getenv(specEnv); p != "" {
		return p
	}
	return filepath.Join("..", "..", "..", "..", "..", "shared", "hwa", "openapi-v2.json")
}

var depVariants = map[string]string{
	"INTERNAL":           "InternalDependencyInPlanV2",
	"EXTERNAL_JOB":       "ExternalJobDependencyInPlanV2",
	"EXTERNAL_JOBSTREAM": "ExternalJobStreamDependencyInPlanV2",
	"JOIN":               "JoinDependencyInPlanV2",
	"FILE":               "FileDependencyInPlanV2",
	"INTERNETWORK":       "InternetworkDependencyInPlanV2",
	"RESOURCE":           "ResourceDependencyInPlanV2",
	"PROMPT":             "PromptDependencyInPlanV2",
}

var flowNodeVariants = map[string]string{"JOB": "JobInPlanV2", "JOBSTREAM": "JobStreamInPlanV2"}

// selectVariant replaces schema's oneOf by "if prop = key then $ref variant".
func selectVariant(t *testing.T, schemas map[string]any, name, prop string, variants map[string]string) {
	t.Helper()
	s, ok := schemas[name].(map[string]any)
	if !ok {
		t.Fatalf("vendor file has no schema %s", name)
	}
	if _, ok := s["oneOf"]; !ok {
		t.Fatalf("schema %s has no oneOf any more: revisit the workaround", name)
	}
	delete(s, "oneOf")
	var all []any
	for key, variant := range variants {
		if _, ok := schemas[variant]; !ok {
			t.Fatalf("vendor file has no schema %s", variant)
		}
		all = append(all, map[string]any{
			"if": map[string]any{
				"required":   []any{prop},
				"properties": map[string]any{prop: map[string]any{"const": key}},
			},
			"then": map[string]any{"$ref": "#/components/schemas/" + variant},
		})
	}
	s["allOf"] = all
}

// loadSpec loads the vendor file with the workaround above, or skips.
func loadSpec(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	path := specPath()
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("contract: vendor OpenAPI file %s not found (set %s to its path); skipping the contract test", path, specEnv)
	}
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	selectVariant(t, schemas, "DependencyInPlanV2", "dependencyType", depVariants)
	selectVariant(t, schemas, "FlowNodeInPlanV2", "flowNodeType", flowNodeVariants)
	patched, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	spec, err := loader.LoadFromData(patched)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	if !spec.IsOpenAPI31OrLater() {
		t.Fatalf("%s: openapi %s, want 3.1 (validation would not use JSON Schema 2020-12)", path, spec.OpenAPI)
	}
	router, err := gorillamux.NewRouter(spec)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	return spec, router
}

type contract struct {
	t      *testing.T
	srv    *httptest.Server
	router routers.Router
	checks int
}

// call sends method path (relative to /twsd/api/v2), validates the answer
// against the vendor schema of that operation and status, and returns the
// body.
func (c *contract) call(method, path string, wantStatus int) []byte {
	c.t.Helper()
	return c.callBody(method, path, "{}", wantStatus)
}

// callBody is call with body as the body of a PUT.
func (c *contract) callBody(method, path, reqBody string, wantStatus int) []byte {
	c.t.Helper()
	req, err := http.NewRequest(method, c.srv.URL+"/twsd/api/v2"+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.SetBasicAuth("ops", "secret")
	if method == http.MethodPut {
		req.Header.Set("Content-Type", "application/json")
		req.Body = io.NopCloser(strings.NewReader(reqBody))
	}
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode != wantStatus {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, wantStatus, body)
	}
	if err := c.validate(req, resp.StatusCode, resp.Header, body); err != nil {
		msg := err.Error()
		if len(msg) > 3000 {
			msg = msg[:3000] + "…"
		}
		c.t.Errorf("%s %s (%d) does not match the vendor schema: %s", method, path, resp.StatusCode, msg)
	}
	c.checks++
	return body
}

// post sends a submission with body and validates the answer like call.
func (c *contract) post(path, body string, wantStatus int) []byte {
	c.t.Helper()
	req, err := http.NewRequest("POST", c.srv.URL+"/twsd/api/v2"+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.SetBasicAuth("ops", "secret")
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		c.t.Fatalf("POST %s: %v", path, err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode != wantStatus {
		c.t.Fatalf("POST %s: status %d, want %d: %s", path, resp.StatusCode, wantStatus, b)
	}
	if err := c.validate(req, resp.StatusCode, resp.Header, b); err != nil {
		c.t.Errorf("POST %s (%d) does not match the vendor schema: %v", path, resp.StatusCode, err)
	}
	c.checks++
	return b
}

// validateAll validates items, each a real answer of the simulator (an
// object of the item schema of listPath's answer), in one pass: as the
// results of one answer of GET listPath.
func (c *contract) validateAll(listPath string, items []json.RawMessage) {
	c.t.Helper()
	body, err := json.Marshal(map[string]any{"count": len(items), "results": items})
	if err != nil {
		c.t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", c.srv.URL+"/twsd/api/v2"+listPath, nil)
	if err := c.validate(req, 200, http.Header{"Content-Type": {"application/json"}}, body); err != nil {
		msg := err.Error()
		if len(msg) > 3000 {
			msg = msg[:3000] + "…"
		}
		c.t.Errorf("%d items as the results of GET %s do not match the vendor schema: %s", len(items), listPath, msg)
	}
	c.checks += len(items)
}

// get reads path without validating it.
func (c *contract) get(path string) []byte {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.srv.URL+"/twsd/api/v2"+path, nil)
	req.SetBasicAuth("ops", "secret")
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		c.t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
	}
	return b
}

// validate checks one answer to req against the vendor file.
func (c *contract) validate(req *http.Request, status int, header http.Header, body []byte) error {
	c.t.Helper()
	// Route on a request carrying the vendor's own server-relative URL.
	vreq := req.Clone(context.Background())
	vreq.URL, _ = url.Parse(req.URL.RequestURI())
	vreq.Host = ""
	route, params, err := c.router.FindRoute(vreq)
	if err != nil {
		c.t.Fatalf("%s %s: not in the vendor file: %v", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: vreq, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// TestContractValidatorHasTeeth proves the validation above can fail: a
// wrong enum value, a wrong type, and an INTERNAL dependency without the
// jobId its variant requires (so the variant selection is applied) are each
// rejected.
func TestContractValidatorHasTeeth(t *testing.T) {
	_, router := loadSpec(t)
	sim := hwasim.New(hwasim.Config{Seed: 3, Now: testNow})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c := &contract{t: t, srv: srv, router: router}
	page := decode[hwa.Page[hwa.JobInPlan]](t, c.call("GET", "/plan/job?oql="+url.QueryEscape("dependencies.dependencyType = 'INTERNAL'")+"&limit=1", 200))
	id := page.Results[0].ID
	good := c.call("GET", "/plan/job/"+id, 200)
	req, _ := http.NewRequest("GET", srv.URL+"/twsd/api/v2/plan/job/"+id, nil)
	hdr := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name   string
		mutate func(m map[string]any)
	}{
		{"unknown common status", func(m map[string]any) { m["lastRunCommonStatus"] = "BOGUS" }},
		{"priority as text", func(m map[string]any) { m["priority"] = "high" }},
		{"internal dependency without jobId", func(m map[string]any) {
			for _, d := range m["dependencies"].([]any) {
				if d := d.(map[string]any); d["dependencyType"] == "INTERNAL" {
					delete(d, "jobId")
				}
			}
		}},
	}
	if err := c.validate(req, 200, hdr, good); err != nil {
		t.Fatalf("the unmodified job does not validate: %v", err)
	}
	// A JOBSTREAM flow node is checked as a JobStreamInPlanV2, which
	// requires originalJobStreamName.
	ext := decode[hwa.Page[hwa.JobInPlan]](t, c.call("GET", "/plan/job?oql="+url.QueryEscape("dependencies.dependencyType = 'EXTERNAL_JOBSTREAM'")+"&limit=1", 200))
	preds := c.call("GET", "/plan/job/"+ext.Results[0].ID+"/predecessors", 200)
	var list struct{ Results []map[string]any }
	if err := json.Unmarshal(preds, &list); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range list.Results {
		if n["flowNodeType"] != "JOBSTREAM" {
			continue
		}
		found = true
		delete(n, "originalJobStreamName")
		bad, _ := json.Marshal(map[string]any{"count": 1, "results": []any{n}})
		preq, _ := http.NewRequest("GET", srv.URL+"/twsd/api/v2/plan/job/"+ext.Results[0].ID+"/predecessors", nil)
		if err := c.validate(preq, 200, hdr, bad); err == nil {
			t.Errorf("a JOBSTREAM node without originalJobStreamName validated, want a schema error")
		}
		break
	}
	if !found {
		t.Errorf("no JOBSTREAM predecessor of %s to test with", ext.Results[0].Name)
	}
	for _, tt := range tests {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		tt.mutate(m)
		bad, _ := json.Marshal(m)
		if err := c.validate(req, 200, hdr, bad); err == nil {
			t.Errorf("%s: validated, want a schema error", tt.name)
		}
	}
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %T: %v: %s", v, err, b)
	}
	return v
}

func TestContractResponsesMatchVendorSchema(t *testing.T) {
	_, router := loadSpec(t)
	sim := hwasim.New(hwasim.Config{Seed: 3, Now: testNow, Users: map[string]string{"ops": "secret"}})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c := &contract{t: t, srv: srv, router: router}

	c.call("GET", "/engine/info", 200)

	// Jobs: two pages of a query, then every job by id (dependencies,
	// runs and time restrictions filled).
	p1 := decode[hwa.Page[hwa.JobInPlan]](t, c.call("GET", "/plan/job?limit=300", 200))
	p2 := decode[hwa.Page[hwa.JobInPlan]](t, c.call("GET", "/plan/job?limit=300&offset=300", 200))
	jobs := append(p1.Results, p2.Results...)
	if len(jobs) != int(p1.Count) {
		t.Fatalf("two pages hold %d jobs, count %d", len(jobs), p1.Count)
	}
	c.call("GET", "/plan/job?oql="+url.QueryEscape("jobruns.compositeStatus.status = 'ABEND' ORDER BY name DESC"), 200)
	c.call("GET", "/plan/job?plan_filter="+url.QueryEscape("/@/@#/@/@.@"), 200)
	c.call("GET", "/plan/job?oql="+url.QueryEscape("name = 'x' AND"), 400)
	// Every job is read by id and validated: a few answers on their own,
	// all of them together as the items of one GET /plan/job answer (same
	// item schema, JobInPlanV2; one schema compilation instead of 450, each
	// costing ~20 ms, several times that under -race).
	var finishedRun, anyJob, askedPrompt string
	seen := map[string]bool{}
	var all []json.RawMessage
	for i, j := range jobs {
		body := c.get("/plan/job/" + j.ID)
		all = append(all, body)
		full := decode[hwa.JobInPlan](t, body)
		for _, d := range full.Dependencies {
			seen["dependency "+d.DependencyType] = true
			if d.DependencyType == "PROMPT" && d.PromptStatus == "ASKED" {
				askedPrompt = d.ID
			}
		}
		if i < 3 {
			c.call("GET", "/plan/job/"+j.ID, 200)
		}
		for _, r := range full.JobRuns {
			if r.TimeInfo != nil && r.TimeInfo.ActualEndTime != "" && r.JobNumber > 0 && finishedRun == "" {
				finishedRun = r.ID
			}
		}
		anyJob = j.ID
	}
	c.validateAll("/plan/job", all)
	for _, typ := range []string{"INTERNAL", "EXTERNAL_JOB", "EXTERNAL_JOBSTREAM", "FILE", "PROMPT", "RESOURCE"} {
		if !seen["dependency "+typ] {
			t.Errorf("no %s dependency was validated", typ)
		}
	}
	c.call("GET", "/plan/job/00000000-0000-4000-8000-000000000000", 404)
	c.call("GET", "/plan/job/count", 200)
	c.call("GET", "/plan/job/count?grouping_filters=workstation,status,folder", 200)
	c.call("GET", "/plan/job/issues", 200)
	// Predecessors and successors of every job, depth 3: two on their own,
	// all together as one ListResponseV21.
	var nodes []json.RawMessage
	for i, j := range jobs {
		if i < 2 {
			c.call("GET", "/plan/job/"+j.ID+"/predecessors?depth=3", 200)
			c.call("GET", "/plan/job/"+j.ID+"/successors?depth=3", 200)
		}
		for _, dir := range []string{"predecessors", "successors"} {
			l := decode[struct{ Results []json.RawMessage }](t, c.get("/plan/job/"+j.ID+"/"+dir+"?depth=3"))
			nodes = append(nodes, l.Results...)
		}
	}
	if len(nodes) < 500 {
		t.Errorf("only %d flow nodes around %d jobs", len(nodes), len(jobs))
	}
	c.validateAll("/plan/job/"+anyJob+"/predecessors", nodes)
	if finishedRun == "" {
		t.Fatal("no finished run to read a job log from")
	}
	c.call("GET", "/plan/job/run/"+finishedRun+"/joblog", 200)
	c.call("GET", "/plan/job/run/"+finishedRun+"/joblog?contentOnly=true&from_line=2&to_line=5", 200)

	// Job streams and workstations.
	streams := decode[hwa.Page[hwa.JobStreamInPlan]](t, c.call("GET", "/plan/jobstream", 200))
	var streamBodies []json.RawMessage
	for i, s := range streams.Results {
		if i < 2 {
			c.call("GET", "/plan/jobstream/"+s.ID, 200)
		}
		streamBodies = append(streamBodies, c.get("/plan/jobstream/"+s.ID))
	}
	c.validateAll("/plan/jobstream", streamBodies)
	c.call("GET", "/plan/jobstream?oql="+url.QueryEscape("jsStatusFlags.lateJobStream = true"), 200)
	c.call("GET", "/plan/jobstream/count?grouping_filters=status", 200)
	c.call("GET", "/plan/jobstream/"+streams.Results[len(streams.Results)-1].ID+"/predecessors?depth=2", 200)
	c.call("GET", "/plan/jobstream/"+streams.Results[0].ID+"/successors?depth=2", 200)
	var streamNodes []json.RawMessage
	for _, s := range streams.Results {
		for _, dir := range []string{"predecessors", "successors"} {
			l := decode[struct{ Results []json.RawMessage }](t, c.get("/plan/jobstream/"+s.ID+"/"+dir+"?depth=3"))
			streamNodes = append(streamNodes, l.Results...)
		}
	}
	c.validateAll("/plan/jobstream/"+streams.Results[0].ID+"/successors", streamNodes)
	wss := decode[hwa.Page[hwa.WorkstationInPlan]](t, c.call("GET", "/plan/workstation", 200))
	for _, w := range wss.Results {
		c.call("GET", "/plan/workstation/"+w.ID, 200)
	}
	c.call("GET", "/plan/workstation?oql="+url.QueryEscape("activeStates IN ['ONLINE']"), 200)

	// Resources: the list, a filtered page, each by id.
	res := decode[hwa.Page[hwa.ResourceInPlan]](t, c.call("GET", "/plan/resource", 200))
	if len(res.Results) < 6 {
		t.Fatalf("%d resources, want at least the six named ones", len(res.Results))
	}
	for _, r := range res.Results {
		c.call("GET", "/plan/resource/"+r.ID, 200)
	}
	c.call("GET", "/plan/resource?limit=2&offset=1&oql="+url.QueryEscape("quantityAvailable = 0 OR name LIKE 'TAPE@' ORDER BY name DESC"), 200)
	c.call("GET", "/plan/resource?plan_filter="+url.QueryEscape("/@/@#/@/@"), 200)
	c.call("GET", "/plan/resource/00000000-0000-4000-8000-000000000000", 404)

	// Actions: the answers of each (ResourceResponseV2 or
	// ActionResourceResponseV2).
	held := decode[hwa.Page[hwa.JobInPlan]](t, c.call("GET", "/plan/job?oql="+url.QueryEscape("lastRunCompositeStatus.status = 'HOLD'"), 200))
	exec := decode[hwa.Page[hwa.JobInPlan]](t, c.call("GET", "/plan/job?oql="+url.QueryEscape("lastRunCompositeStatus.status = 'EXEC'"), 200))
	abend := decode[hwa.Page[hwa.JobInPlan]](t, c.call("GET", "/plan/job?oql="+url.QueryEscape("lastRunCompositeStatus.status = 'ABEND'"), 200))
	if len(held.Results) < 4 || len(exec.Results) < 2 || len(abend.Results) < 2 {
		t.Fatalf("held %d, exec %d, abend %d jobs: too few to act on", len(held.Results), len(exec.Results), len(abend.Results))
	}
	h := held.Results
	c.call("PUT", "/plan/job/"+h[0].ID+"/action/hold", 200)
	c.call("PUT", "/plan/job/"+h[0].ID+"/action/release", 200)
	c.call("PUT", "/plan/job/"+h[1].ID+"/action/cancel", 200)
	c.call("PUT", "/plan/job/"+h[2].ID+"/action/release-all-dependencies", 200)
	c.call("PUT", "/plan/job/"+h[3].ID+"/action/update-priority?priority=50", 200)
	c.call("PUT", "/plan/job/"+exec.Results[0].ID+"/action/kill", 200)
	c.call("PUT", "/plan/job/"+exec.Results[1].ID+"/action/confirm-succ", 200)
	c.call("PUT", "/plan/job/"+abend.Results[0].ID+"/action/confirm-abend", 200)
	lastRun := abend.Results[1].JobRuns[len(abend.Results[1].JobRuns)-1].ID
	c.call("PUT", "/plan/job/run/"+lastRun+"/action/rerun", 200)
	c.call("PUT", "/plan/job/run/00000000-0000-4000-8000-000000000000/action/rerun", 404)
	c.call("PUT", "/plan/jobstream/"+streams.Results[len(streams.Results)-1].ID+"/action/hold", 200)
	c.call("PUT", "/plan/jobstream/"+streams.Results[len(streams.Results)-1].ID+"/action/release", 200)
	c.call("PUT", "/plan/jobstream/"+streams.Results[len(streams.Results)-2].ID+"/action/cancel", 200)
	c.call("PUT", "/plan/workstation/"+wss.Results[1].ID+"/action/unlink", 200)
	c.call("PUT", "/plan/workstation/"+wss.Results[1].ID+"/action/link", 200)
	if askedPrompt == "" {
		t.Fatal("no asked prompt to reply to")
	}
	c.callBody("PUT", "/plan/prompt/"+askedPrompt+"/action/reply", `{"answer": false}`, 200)
	c.callBody("PUT", "/plan/prompt/"+askedPrompt+"/action/reply", `{"answer": true}`, 200)
	c.callBody("PUT", "/plan/prompt/00000000-0000-4000-8000-000000000000/action/reply", `{"answer": true}`, 404)

	// Submissions: their answers (ListResponseV22, ResourceResponseV2) and
	// the submitted objects.
	var sfull hwa.JobStreamInPlan
	if err := json.Unmarshal(c.get("/plan/jobstream/"+streams.Results[0].ID), &sfull); err != nil {
		t.Fatal(err)
	}
	sub := decode[hwa.ResourceList](t, c.post("/plan/jobstream/"+sfull.JobStreamModelID+"/submit", `{"alias":"AGAIN"}`, 200))
	c.call("GET", "/plan/jobstream/"+sub.Results[0].ID, 200)
	model := jobs[0].JobDefinition.JobDefinitionModelID
	nj := decode[hwa.ResourceResponse](t, c.post("/plan/job/"+model+"/submit", `{"alias":"AGAIN1"}`, 200))
	c.call("GET", "/plan/job/"+nj.ID, 200)
	c.post("/plan/job/submit-ad-hoc-job", `{"workstationKey":"MDM","task":{"taskType":"UNIX","command":"ls"}}`, 200)
	c.post("/plan/job/submit-ad-hoc-job", `{"workstationKey":"MDM"}`, 400)

	// The previous plan's answers.
	prev := sim.PreviousPlanID()
	old := decode[hwa.Page[hwa.JobInPlan]](t, c.call("GET", "/plan/job?limit=50&plan_id="+prev, 200))
	c.call("GET", "/plan/job/"+old.Results[0].ID+"?plan_id="+prev, 200)
	c.call("GET", "/plan/jobstream?limit=20&plan_id="+prev, 200)

	// After the actions and a clock move, every job still matches (reruns,
	// killed, confirmed, canceled jobs included).
	sim.Advance(3 * 3600e9)
	c.call("GET", "/plan/job/"+anyJob, 200)
	c.call("GET", "/plan/job?limit=1000", 200)
	all = all[:0]
	for _, j := range jobs {
		all = append(all, c.get("/plan/job/"+j.ID))
	}
	c.validateAll("/plan/job", all)
	t.Logf("contract: %d answers and answer items validated against %s", c.checks, specPath())
}

// TestContractLargePlan validates answers of a 100,000-job plan (500
// workstations in seven time zones, 10,000 streams): pages from the middle
// of each list, the grouped counts, every workstation, and objects by id.
func TestContractLargePlan(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a 100,000-job plan")
	}
	_, router := loadSpec(t)
	sim := hwasim.New(hwasim.Config{Seed: 5, Jobs: 100000, Now: testNow, Users: map[string]string{"ops": "secret"}})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c := &contract{t: t, srv: srv, router: router}

	jobs := decode[hwa.Page[hwa.JobInPlan]](t, c.call("GET", "/plan/job?limit=200&offset=60000", 200))
	if jobs.Count != 100000+hwasim.RecoveryJobs || len(jobs.Results) != 200 {
		t.Fatalf("page = %d of %d jobs, want 200 of 100000", len(jobs.Results), jobs.Count)
	}
	c.call("GET", "/plan/job?limit=50&oql="+url.QueryEscape("lastRunCompositeStatus.status IN ['ABEND','ABENP'] ORDER BY name ASC"), 200)
	c.call("GET", "/plan/job/count?plan_filter="+url.QueryEscape("/@/@#/@/@.@")+"&grouping_filters=workstation,status", 200)
	c.call("GET", "/plan/jobstream/count?plan_filter="+url.QueryEscape("/@/@#/@/@")+"&grouping_filters=status", 200)
	streams := decode[hwa.Page[hwa.JobStreamInPlan]](t, c.call("GET", "/plan/jobstream?limit=200&offset=7000", 200))
	wss := decode[hwa.Page[hwa.WorkstationInPlan]](t, c.call("GET", "/plan/workstation", 200))
	zones := map[string]bool{}
	for _, w := range wss.Results {
		zones[w.TimeZone] = true
	}
	if len(wss.Results) != 500 || len(zones) < 5 {
		t.Errorf("%d workstations in %d time zones, want 500 in several", len(wss.Results), len(zones))
	}
	var all []json.RawMessage
	for _, j := range jobs.Results[:50] {
		all = append(all, c.get("/plan/job/"+j.ID))
	}
	c.validateAll("/plan/job", all)
	c.call("GET", "/plan/jobstream/"+streams.Results[0].ID, 200)
	c.call("GET", "/plan/workstation/"+wss.Results[len(wss.Results)-1].ID, 200)
	res := decode[hwa.Page[hwa.ResourceInPlan]](t, c.call("GET", "/plan/resource?limit=20&offset=30", 200))
	if res.Count < 50 || len(res.Results) != 20 {
		t.Errorf("resources: page of %d of %d, want 20 of at least 50 (pools grow with the plan)", len(res.Results), res.Count)
	}
	c.call("GET", "/plan/resource/"+res.Results[0].ID, 200)
	t.Logf("contract: %d answers of a 100,000-job plan validated", c.checks)
}
