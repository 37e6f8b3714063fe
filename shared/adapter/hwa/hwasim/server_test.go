package hwasim_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
)

func TestPagingFollowsNext(t *testing.T) {
	a := newAPI(t, hwasim.Config{})
	tests := []struct {
		name, oql, filter string
		limit             int
		wantPages         int
	}{
		{"all jobs", "", "", 100, 5},
		{"filtered", "lastRunCommonStatus IN ['WAITING','SUCCESSFUL']", "@#@.@", 50, 0},
		{"quoted oql", "name != 'O''NEIL_RECON' ORDER BY name DESC", "", 200, 3},
	}
	for _, tt := range tests {
		q := url.Values{"limit": {strconv.Itoa(tt.limit)}}
		if tt.oql != "" {
			q.Set("oql", tt.oql)
		}
		if tt.filter != "" {
			q.Set("plan_filter", tt.filter)
		}
		next := "/plan/job?" + q.Encode()
		seen := map[string]bool{}
		var pages int
		var count int64
		var names []string
		for next != "" {
			var p hwa.Page[hwa.JobInPlan]
			unmarshal(t, a.get(next), &p)
			pages++
			if pages > 1 && p.Previous == "" {
				t.Errorf("%s: page %d has no previous", tt.name, pages)
			}
			if pages == 1 && p.Previous != "" {
				t.Errorf("%s: first page has previous %q", tt.name, p.Previous)
			}
			if len(p.Results) > tt.limit {
				t.Errorf("%s: page of %d results, limit %d", tt.name, len(p.Results), tt.limit)
			}
			count = p.Count
			for _, j := range p.Results {
				if seen[j.ID] {
					t.Errorf("%s: job %s on two pages", tt.name, j.Name)
				}
				seen[j.ID] = true
				names = append(names, j.Name)
				if len(j.Dependencies) != 0 {
					t.Errorf("%s: query result %s carries dependencies", tt.name, j.Name)
				}
			}
			if p.Next != "" {
				u, err := url.Parse(p.Next)
				if err != nil || !u.IsAbs() {
					t.Fatalf("%s: next %q is not an absolute URL", tt.name, p.Next)
				}
				nq := u.Query()
				if nq.Get("oql") != tt.oql || nq.Get("plan_filter") != tt.filter || nq.Get("limit") != strconv.Itoa(tt.limit) {
					t.Errorf("%s: next %q does not carry the query", tt.name, p.Next)
				}
			}
			next = p.Next
		}
		if int64(len(seen)) != count {
			t.Errorf("%s: followed %d jobs over %d pages, count %d", tt.name, len(seen), pages, count)
		}
		if tt.wantPages > 0 && pages != tt.wantPages {
			t.Errorf("%s: %d pages, want %d", tt.name, pages, tt.wantPages)
		}
		if pages < 3 {
			t.Errorf("%s: only %d pages; the test wants at least 3", tt.name, pages)
		}
		if strings.Contains(tt.oql, "ORDER BY name DESC") {
			for i := 1; i < len(names); i++ {
				if strings.ToLower(names[i-1]) < strings.ToLower(names[i]) {
					t.Fatalf("%s: %s before %s in descending order", tt.name, names[i-1], names[i])
				}
			}
		}
	}
	// Beyond the end: an empty page, no next.
	var p hwa.Page[hwa.JobInPlan]
	unmarshal(t, a.get("/plan/job?limit=10&offset=10000"), &p)
	if len(p.Results) != 0 || p.Next != "" || p.Count != 450+hwasim.RecoveryJobs {
		t.Errorf("offset past the end: %d results, next %q, count %d", len(p.Results), p.Next, p.Count)
	}
}

func TestReadsAndErrors(t *testing.T) {
	a := newAPI(t, hwasim.Config{})
	tests := []struct {
		method, path string
		hdr          map[string]string
		body         string
		status       int
		code         string // error code in the JSON body
	}{
		{"GET", "/engine/info", nil, "", 200, ""},
		{"GET", "/plan/job?oql=" + url.QueryEscape("name = 'x' OR"), nil, "", 400, "OQL_FILTER_SYNTAX_ERROR"},
		{"GET", "/plan/job?oql=" + url.QueryEscape("key.name = 'X'"), nil, "", 400, "OQL_FILTER_SYNTAX_ERROR"},
		{"GET", "/plan/jobstream?oql=" + url.QueryEscape("commonStatus = "), nil, "", 400, "OQL_FILTER_SYNTAX_ERROR"},
		{"GET", "/plan/workstation?oql=" + url.QueryEscape("activeStates IN ['ONLINE'"), nil, "", 400, "OQL_FILTER_SYNTAX_ERROR"},
		{"GET", "/plan/job/issues?oql=" + url.QueryEscape("bogus = 1"), nil, "", 400, "OQL_FILTER_SYNTAX_ERROR"},
		{"GET", "/plan/job?plan_filter=" + url.QueryEscape("A#B#C"), nil, "", 400, "PLAN_FILTER_SYNTAX_ERROR"},
		{"GET", "/plan/job/count?plan_filter=" + url.QueryEscape("#X"), nil, "", 400, "PLAN_FILTER_SYNTAX_ERROR"},
		{"GET", "/plan/job?limit=0", nil, "", 400, "INVALID_PARAMETER"},
		{"GET", "/plan/job?limit=ten", nil, "", 400, "INVALID_PARAMETER"},
		{"GET", "/plan/job?offset=-1", nil, "", 400, "INVALID_PARAMETER"},
		{"GET", "/plan/job/count?grouping_filters=color", nil, "", 400, "INVALID_PARAMETER"},
		{"GET", "/plan/job/nope", nil, "", 404, "NOT_FOUND"},
		{"GET", "/plan/job/nope/predecessors", nil, "", 404, "NOT_FOUND"},
		{"GET", "/plan/jobstream/nope", nil, "", 404, "NOT_FOUND"},
		{"GET", "/plan/workstation/nope", nil, "", 404, "NOT_FOUND"},
		{"GET", "/plan/job/run/nope/joblog", nil, "", 404, "NOT_FOUND"},
		{"GET", "/plan/job?plan_id=202605030500", nil, "", 404, "PLAN_NOT_FOUND"},
		{"GET", "/plan/nothing", nil, "", 404, "NOT_FOUND"},
		{"GET", "/twsd/v1/plan/current", nil, "", 404, "NOT_FOUND"},
		{"POST", "/plan/job", nil, "", 405, "METHOD_NOT_ALLOWED"},
		{"GET", "/plan/job/nope/action/hold", nil, "", 405, "METHOD_NOT_ALLOWED"},
		{"PUT", "/plan/job/nope/action/hold", map[string]string{"Content-Type": "application/json"}, "{}", 404, "NOT_FOUND"},
		{"PUT", "/plan/job/nope/action/hold", nil, "{}", 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"PUT", "/plan/job/nope/action/hold", map[string]string{"Content-Type": "text/plain"}, "{}", 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"PUT", "/plan/job/nope/action/hold", map[string]string{"Content-Type": "application/json"}, "{not json", 400, "INVALID_BODY"},
		{"PUT", "/plan/job/nope/action/explode", map[string]string{"Content-Type": "application/json"}, "{}", 404, "NOT_FOUND"},
		{"PUT", "/plan/jobstream/nope/action/hold", map[string]string{"Content-Type": "application/json; charset=utf-8"}, "", 404, "NOT_FOUND"},
		{"PUT", "/plan/workstation/nope/action/link", map[string]string{"Content-Type": "application/json"}, "{}", 404, "NOT_FOUND"},
		{"PUT", "/plan/job/run/nope/action/rerun", map[string]string{"Content-Type": "application/json"}, "{}", 404, "NOT_FOUND"},
	}
	for _, tt := range tests {
		st, hdr, body := a.do(tt.method, tt.path, tt.body, tt.hdr)
		if st != tt.status {
			t.Errorf("%s %s: status %d, want %d: %s", tt.method, tt.path, st, tt.status, body)
			continue
		}
		if tt.code == "" {
			continue
		}
		if ct := hdr.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: error content type %q", tt.method, tt.path, ct)
		}
		var e struct{ Code, Message string }
		unmarshal(t, body, &e)
		if e.Code != tt.code || e.Message == "" {
			t.Errorf("%s %s: error %+v, want code %s and a message", tt.method, tt.path, e, tt.code)
		}
	}
}

func TestQueriesSelectWhatTheySay(t *testing.T) {
	a := newAPI(t, hwasim.Config{})
	for _, j := range a.jobs("jobruns.compositeStatus.status = 'ABEND'") {
		if !hasRun(j, "ABEND") {
			t.Errorf("%s selected without an ABEND run", j.Name)
		}
	}
	if got := a.jobs("lastRunCommonStatus = 'ERROR'"); len(got) < 3 {
		t.Errorf("%d jobs in ERROR, want >= 3", len(got))
	}
	if got := a.jobs("jobOptions.critical = true"); len(got) < 2 {
		t.Errorf("%d critical jobs, want >= 2", len(got))
	}
	quote := a.jobNamed(hwasim.QuoteJobName)
	if quote.Name != "O'NEIL_RECON" {
		t.Errorf("quote job named %q", quote.Name)
	}
	// A dependency query on the full rendering finds successors of a stream.
	abend := a.streamNamed("FIX_ABEND")
	var byDep hwa.Page[hwa.JobStreamInPlan]
	unmarshal(t, a.get("/plan/jobstream?oql="+url.QueryEscape("jsStatusFlags.lateJobStream = true AND name LIKE 'FIX@'")), &byDep)
	if byDep.Count < 12 {
		t.Errorf("%d late fixture streams, want >= 12 (the stuck ones)", byDep.Count)
	}
	for _, s := range byDep.Results {
		if s.CommonStatus == "SUCCESSFUL" && s.TimeRestrictions.DeadlineSatisfied {
			t.Errorf("stream %s is late but completed in time", s.Name)
		}
	}
	succ := a.jobs("dependencies.jobStreamId = '" + abend.ID + "'")
	if len(succ) == 0 {
		t.Errorf("no job depends on a job of stream FIX_ABEND by dependencies.jobStreamId")
	}
	for _, j := range succ {
		if len(j.Dependencies) != 0 {
			t.Errorf("query result %s carries dependencies", j.Name)
		}
	}
	var ws hwa.Page[hwa.WorkstationInPlan]
	unmarshal(t, a.get("/plan/workstation?oql="+url.QueryEscape("activeStates IN ['ONLINE']")), &ws)
	var all hwa.Page[hwa.WorkstationInPlan]
	unmarshal(t, a.get("/plan/workstation"), &all)
	if ws.Count == 0 || ws.Count >= all.Count {
		t.Errorf("%d of %d workstations online, want some but not all", ws.Count, all.Count)
	}
	var one hwa.Page[hwa.WorkstationInPlan]
	unmarshal(t, a.get("/plan/workstation?plan_filter=FTA@"), &one)
	for _, w := range one.Results {
		if w.Type != "FTA" {
			t.Errorf("plan_filter FTA@ selected %s (%s)", w.Name, w.Type)
		}
	}
}

func hasRun(j hwa.JobInPlan, status string) bool {
	for _, r := range j.JobRuns {
		if r.CompositeStatus.Status == status {
			return true
		}
	}
	return false
}

func TestCountsAndIssues(t *testing.T) {
	a := newAPI(t, hwasim.Config{})
	var c hwa.GroupedCount
	unmarshal(t, a.get("/plan/job/count?grouping_filters=status"), &c)
	var sum int64
	for _, n := range c.GroupedCount {
		sum += n
	}
	if c.Count != 450+hwasim.RecoveryJobs || sum != c.Count || c.GroupedCount["ERROR"] == 0 || c.GroupedCount["HELD"] == 0 {
		t.Errorf("count %d, grouped %v (sum %d)", c.Count, c.GroupedCount, sum)
	}
	var byWS hwa.GroupedCount
	unmarshal(t, a.get("/plan/job/count?grouping_filters=workstation,folder&plan_filter=MDM%23@"), &byWS)
	for k := range byWS.GroupedCount {
		if !strings.HasPrefix(k, "MDM,/") {
			t.Errorf("grouping key %q, want MDM,<folder>", k)
		}
	}
	var sc hwa.GroupedCount
	unmarshal(t, a.get("/plan/jobstream/count"), &sc)
	if sc.Count != 60 || sc.GroupedCount != nil {
		t.Errorf("stream count %+v, want 60 and no groups", sc)
	}
	var is hwa.Issues
	unmarshal(t, a.get("/plan/job/issues"), &is)
	types := map[string]int{}
	for _, i := range is.Issues {
		types[i.IssueType]++
		if i.ID == "" || i.IssueMessage == "" {
			t.Errorf("incomplete issue %+v", i)
		}
	}
	if types["ERROR"] == 0 || types["BLOCKED"] == 0 || types["LATE"] == 0 {
		t.Errorf("issue types %v, want ERROR, BLOCKED and LATE", types)
	}
}

func TestPredecessorsAndSuccessors(t *testing.T) {
	a := newAPI(t, hwasim.Config{})
	j1, j2 := a.jobNamed("ABEND_J1"), a.jobNamed("ABEND_J2")
	nodes := func(path string) map[string]string {
		var l hwa.FlowNodeList
		unmarshal(t, a.get(path), &l)
		if int(l.Count) != len(l.Results) {
			t.Errorf("%s: count %d, %d results", path, l.Count, len(l.Results))
		}
		out := map[string]string{}
		for _, n := range l.Results {
			out[n.ID] = n.FlowNodeType
		}
		return out
	}
	var file hwa.JobInPlan
	raw := a.get("/plan/job/" + a.jobNamed("WAIT_FILE_J1").ID)
	if !strings.Contains(string(raw), `"file":{"name":"/data/in/bank_statement.csv"}`) {
		t.Errorf("FILE dependency not in the vendor's FileInPlanV2 shape: %s", raw)
	}
	unmarshal(t, raw, &file)
	if len(file.Dependencies) != 1 || file.Dependencies[0].DependencyType != "FILE" || file.Dependencies[0].File != "/data/in/bank_statement.csv" {
		t.Errorf("FILE dependency read back as %+v", file.Dependencies)
	}
	if p := nodes("/plan/job/" + j2.ID + "/predecessors"); p[j1.ID] != "JOB" || len(p) != 1 {
		t.Errorf("predecessors of ABEND_J2 = %v, want only ABEND_J1", p)
	}
	if s := nodes("/plan/job/" + j1.ID + "/successors?depth=1"); s[j2.ID] != "JOB" || len(s) != 1 {
		t.Errorf("successors of ABEND_J1 = %v, want only ABEND_J2", s)
	}
	if s := nodes("/plan/job/" + j1.ID + "/successors?depth=2"); len(s) != 2 {
		t.Errorf("successors of ABEND_J1 at depth 2 = %v, want J2 and J3", s)
	}
	// Depth grows the walk on a normal job with cross-stream predecessors.
	var deep, shallow int
	for _, j := range a.jobs("dependencies.dependencyType = 'EXTERNAL_JOB'")[:5] {
		shallow += len(nodes("/plan/job/" + j.ID + "/predecessors?depth=1"))
		deep += len(nodes("/plan/job/" + j.ID + "/predecessors?depth=5"))
	}
	if deep <= shallow {
		t.Errorf("depth 5 found %d predecessors, depth 1 %d; want more", deep, shallow)
	}
	if st, _, _ := a.do("GET", "/plan/job/"+j1.ID+"/successors?depth=0", "", nil); st != 400 {
		t.Errorf("depth=0: status %d, want 400", st)
	}
}

func TestJobLog(t *testing.T) {
	a := newAPI(t, hwasim.Config{})
	j := a.jobNamed("ABEND_J1")
	run := lastRun(t, j)
	st, hdr, body := a.do("GET", "/plan/job/run/"+run.ID+"/joblog", "", nil)
	if st != 200 || hdr.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("joblog: status %d, content type %q", st, hdr.Get("Content-Type"))
	}
	log := string(body)
	for _, want := range []string{"= JOB       : MDM#FIX_ABEND", "JOBINFO", "= Exit Status           : 12", "ERROR ABEND_J1", "= Elapsed Time"} {
		if !strings.Contains(log, want) {
			t.Errorf("joblog lacks %q:\n%s", want, log)
		}
	}
	lines := strings.Split(strings.TrimSuffix(log, "\n"), "\n")
	content := string(a.get("/plan/job/run/" + run.ID + "/joblog?contentOnly=true"))
	if strings.Contains(content, "=====") || strings.Contains(content, "Exit Status") || !strings.Contains(content, "JOBINFO") {
		t.Errorf("contentOnly kept the header or footer, or lost the content:\n%s", content)
	}
	rng := string(a.get("/plan/job/run/" + run.ID + "/joblog?from_line=2&to_line=4"))
	if want := strings.Join(lines[1:4], "\n") + "\n"; rng != want {
		t.Errorf("lines 2-4 = %q, want %q", rng, want)
	}
	if tail := a.get("/plan/job/run/" + run.ID + "/joblog?from_line=100000"); len(tail) != 0 {
		t.Errorf("past the end: %q, want empty", tail)
	}
	// A run not yet launched has no log.
	held := a.jobNamed("WAIT_PROMPT_J1")
	if st, _, _ := a.do("GET", "/plan/job/run/"+lastRun(t, held).ID+"/joblog", "", nil); st != 404 {
		t.Errorf("joblog of a run not started: status %d, want 404", st)
	}
	// A running job's log grows with the clock and has no footer yet.
	long := lastRun(t, a.jobNamed("LONG_RUNNER_J1"))
	before := a.get("/plan/job/run/" + long.ID + "/joblog")
	a.sim.Advance(2 * time.Hour)
	after := a.get("/plan/job/run/" + long.ID + "/joblog")
	if len(after) <= len(before) || strings.Contains(string(after), "Exit Status") {
		t.Errorf("running log: %d bytes then %d bytes; footer present: %v", len(before), len(after), strings.Contains(string(after), "Exit Status"))
	}
}

func TestAuth(t *testing.T) {
	cfg := hwasim.Config{
		Users:           map[string]string{"ops": "s3cret", "viewer": "look"},
		APIKeys:         []string{"key-rw", "key-ro"},
		ReadOnlyUsers:   []string{"viewer"},
		ReadOnlyAPIKeys: []string{"key-ro"},
	}
	a := newAPI(t, cfg)
	a.user, a.pass = "ops", "s3cret"
	target := a.jobNamed("WAIT_TIME_J1").ID
	a.user, a.pass = "", ""
	tests := []struct {
		name   string
		auth   func(r map[string]string)
		method string
		status int
	}{
		{"no credentials", func(map[string]string) {}, "GET", 401},
		{"wrong password", basic("ops", "nope"), "GET", 401},
		{"unknown user", basic("root", "s3cret"), "GET", 401},
		{"unknown key", bearer("key-zz"), "GET", 401},
		{"malformed header", func(h map[string]string) { h["Authorization"] = "Token abc" }, "GET", 401},
		{"basic read", basic("ops", "s3cret"), "GET", 200},
		{"bearer read", bearer("key-rw"), "GET", 200},
		{"read-only user reads", basic("viewer", "look"), "GET", 200},
		{"read-only user acts", basic("viewer", "look"), "PUT", 403},
		{"read-only key acts", bearer("key-ro"), "PUT", 403},
		{"no credentials act", func(map[string]string) {}, "PUT", 401},
		{"user acts", basic("ops", "s3cret"), "PUT", 200},
		{"key acts", bearer("key-rw"), "PUT", 200},
	}
	for _, tt := range tests {
		h := map[string]string{}
		tt.auth(h)
		path, body := "/plan/job/"+target, ""
		if tt.method == "PUT" {
			path, body = "/plan/job/"+target+"/action/update-priority?priority=20", "{}"
			h["Content-Type"] = "application/json"
		}
		st, hdr, b := a.do(tt.method, path, body, h)
		if st != tt.status {
			t.Errorf("%s: status %d, want %d: %s", tt.name, st, tt.status, b)
		}
		if st == 401 {
			ch := strings.Join(hdr.Values("WWW-Authenticate"), ", ")
			if !strings.Contains(ch, "Basic") || !strings.Contains(ch, "Bearer") {
				t.Errorf("%s: WWW-Authenticate %q, want Basic and Bearer", tt.name, ch)
			}
		}
	}
	// The 403 attempts are in the action log; the 401 ones are not.
	var forbidden, ok int
	for _, act := range a.sim.Actions() {
		switch act.Status {
		case 403:
			forbidden++
		case 200:
			ok++
		}
		if act.Headers.Get("Authorization") != "" {
			t.Errorf("action log keeps the Authorization header")
		}
		if strings.Contains(act.User, "key-") || (act.User != "ops" && act.User != "viewer" && !strings.HasPrefix(act.User, "apikey#")) {
			t.Errorf("action log user %q: want the user name or apikey#N, never the key", act.User)
		}
	}
	if forbidden != 2 || ok != 2 || len(a.sim.Actions()) != 4 {
		t.Errorf("action log: %d forbidden, %d ok, %d total; want 2, 2, 4", forbidden, ok, len(a.sim.Actions()))
	}
}

func basic(u, p string) func(map[string]string) {
	return func(h map[string]string) {
		r, _ := http.NewRequest("GET", "/", nil)
		r.SetBasicAuth(u, p)
		h["Authorization"] = r.Header.Get("Authorization")
	}
}

func bearer(k string) func(map[string]string) {
	return func(h map[string]string) { h["Authorization"] = "Bearer " + k }
}

func TestFaults(t *testing.T) {
	a := newAPI(t, hwasim.Config{})
	status := func(path string) int {
		st, _, _ := a.do("GET", path, "", nil)
		return st
	}

	// 503 for the next two requests under a prefix; other paths unaffected.
	a.sim.SetFault(hwasim.Fault{Status5xx: 503, Count: 2, PathPrefix: "/twsd/api/v2/plan/job"})
	if st := status("/engine/info"); st != 200 {
		t.Errorf("outside the prefix: %d, want 200", st)
	}
	got := []int{status("/plan/job?limit=1"), status("/plan/job?limit=1"), status("/plan/job?limit=1")}
	if got[0] != 503 || got[1] != 503 || got[2] != 200 {
		t.Errorf("statuses %v, want [503 503 200]", got)
	}

	// Any error status can be injected, 429 included.
	a.sim.SetFault(hwasim.Fault{Status5xx: 429, Count: 1})
	if st, _, b := a.do("GET", "/engine/info", "", nil); st != 429 || !strings.Contains(string(b), "TOO_MANY_REQUESTS") {
		t.Errorf("429 fault: %d %s", st, b)
	}

	// A 503 can say when to come back: Retry-After in whole seconds.
	a.sim.SetFault(hwasim.Fault{Status5xx: 503, Count: 1, RetryAfter: 1500 * time.Millisecond})
	if st, h, _ := a.do("GET", "/engine/info", "", nil); st != 503 || h.Get("Retry-After") != "2" {
		t.Errorf("503 with RetryAfter 1.5s: %d Retry-After %q, want 503 with Retry-After: 2", st, h.Get("Retry-After"))
	}

	// A rate affects some requests, not all, until cleared.
	a.sim.SetFault(hwasim.Fault{Status5xx: 500, Rate: 0.5})
	var fails int
	for range 40 {
		if status("/engine/info") == 500 {
			fails++
		}
	}
	if fails == 0 || fails == 40 {
		t.Errorf("rate 0.5: %d of 40 failed", fails)
	}
	a.sim.ClearFault()
	if st := status("/engine/info"); st != 200 {
		t.Errorf("after ClearFault: %d", st)
	}

	// Latency delays the answer.
	a.sim.SetFault(hwasim.Fault{Latency: 150 * time.Millisecond})
	start := time.Now()
	if st := status("/engine/info"); st != 200 || time.Since(start) < 150*time.Millisecond {
		t.Errorf("latency: status %d after %v", st, time.Since(start))
	}

	// Timeout: the server never answers; the client gives up.
	a.sim.SetFault(hwasim.Fault{Timeout: true})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	req, _ := http.NewRequestWithContext(ctx, "GET", a.srv.URL+"/twsd/api/v2/engine/info", nil)
	_, err := a.srv.Client().Do(req)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout fault: err = %v, want deadline exceeded", err)
	}

	// The same for an action whose body the server has not read yet.
	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	req, _ = http.NewRequestWithContext(ctx, "PUT", a.srv.URL+"/twsd/api/v2/plan/job/x/action/kill", strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	_, err = a.srv.Client().Do(req)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout fault on an action: err = %v, want deadline exceeded", err)
	}
	waitFor(t, func() bool {
		return len(a.sim.Requests()) > 0 && a.sim.Requests()[len(a.sim.Requests())-1].Path == "/twsd/api/v2/plan/job/x/action/kill"
	},
		"the hanging action handler returns once the client gave up")

	// DropConnection: the connection closes without an answer.
	a.sim.SetFault(hwasim.Fault{DropConnection: true, Count: 1})
	req, _ = http.NewRequest("GET", a.srv.URL+"/twsd/api/v2/engine/info", nil)
	if resp, err := a.srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("dropped connection: got status %d, want a transport error", resp.StatusCode)
	}
	if st := status("/engine/info"); st != 200 {
		t.Errorf("after the one dropped connection: %d", st)
	}
	a.sim.ClearFault()

	reqs := a.sim.Requests()
	var c503 int
	for _, r := range reqs {
		if r.Status == 503 {
			c503++
		}
	}
	if c503 != 3 {
		t.Errorf("request log has %d answers 503, want 3", c503)
	}
}

// TestConcurrentUse exercises reads, actions, the clock and fault switching
// at once; run with -race.
// TestConcurrentUse mixes reads, actions, clock moves and fault changes
// from four goroutines (run it with -race) and checks that nothing was
// lost: every read answered a page, every hold was answered and logged
// once, and the clock moved by exactly the minutes asked for.
func TestConcurrentUse(t *testing.T) {
	a := newAPI(t, hwasim.Config{})
	ids := a.jobs("lastRunCompositeStatus.status IN ['HOLD','READY']")
	if len(ids) == 0 {
		t.Fatal("no HOLD or READY job to act on")
	}
	start := a.sim.Now()
	var (
		mu                     sync.Mutex
		reads, holds, advances int
		bad                    []string
	)
	record := func(what string, status int, body []byte, ok ...int) {
		mu.Lock()
		defer mu.Unlock()
		if !slices.Contains(ok, status) {
			bad = append(bad, fmt.Sprintf("%s: status %d: %.200s", what, status, body))
		}
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 15 {
				switch (g + i) % 5 {
				case 0:
					status, _, body := a.do("GET", "/plan/job?limit=50&offset="+strconv.Itoa(i*10), "", nil)
					var p hwa.Page[hwa.JobInPlan]
					if json.Unmarshal(body, &p) != nil || len(p.Results) > 50 {
						status = -1 // not a page
					}
					record("list jobs", status, body, http.StatusOK)
					mu.Lock()
					reads++
					mu.Unlock()
				case 1:
					// A job may have started since the list (the clock
					// moves meanwhile): then hold is a conflict.
					status, _, body := a.do("PUT", "/plan/job/"+ids[(g*15+i)%len(ids)].ID+"/action/hold", "{}", map[string]string{"Content-Type": "application/json"})
					record("hold", status, body, http.StatusOK, http.StatusConflict)
					mu.Lock()
					holds++
					mu.Unlock()
				case 2:
					a.sim.Advance(time.Minute)
					mu.Lock()
					advances++
					mu.Unlock()
				case 3:
					a.sim.SetFault(hwasim.Fault{Latency: time.Millisecond})
					a.sim.ClearFault()
				case 4:
					_ = a.sim.Actions()
					_ = a.sim.Now()
				}
			}
		})
	}
	wg.Wait()
	for _, b := range bad {
		t.Error(b)
	}
	if reads != 12 || holds != 12 || advances != 12 {
		t.Fatalf("sent %d reads, %d holds, %d advances; want 12 each", reads, holds, advances)
	}
	acts := a.sim.Actions()
	if len(acts) != holds {
		t.Errorf("%d actions logged, want %d", len(acts), holds)
	}
	for _, act := range acts {
		if act.Verb != "hold" || (act.Status != http.StatusOK && act.Status != http.StatusConflict) {
			t.Errorf("action logged %s answered %d, want hold answered 200 or 409", act.Verb, act.Status)
		}
	}
	if got, want := a.sim.Now(), start.Add(time.Duration(advances)*time.Minute); !got.Equal(want) {
		t.Errorf("clock = %v, want %v (%d advances of a minute)", got, want, advances)
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
