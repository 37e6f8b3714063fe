package hwa

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/resync/resync/shared/domain/workload"
)

// pagedJobs serves n jobs named JOB0.. with limit/offset paging; next says
// how the server links pages: "absolute" (a URL with another host, as HWA
// behind a proxy does), "relative", "none" (offset paging only) or
// "nocount" (offset paging, no total either).
func pagedJobs(t *testing.T, n int, next string) *testServer {
	return newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		offset, _ := strconv.Atoi(q.Get("offset"))
		if limit <= 0 {
			limit = 10000
		}
		page := Page[JobInPlan]{Count: int64(n)}
		if next == "nocount" {
			page.Count = 0
		}
		for i := offset; i < min(offset+limit, n); i++ {
			page.Results = append(page.Results, JobInPlan{ID: fmt.Sprintf("J%d", i), Name: fmt.Sprintf("JOB%d", i)})
		}
		if offset+limit < n {
			nq := r.URL.Query()
			nq.Set("offset", strconv.Itoa(offset+limit))
			switch next {
			case "absolute":
				page.Next = "http://internal-mdm:8080/twsd/api/v2/plan/job?" + nq.Encode()
			case "relative":
				page.Next = "/twsd/api/v2/plan/job?" + nq.Encode()
			}
		}
		writeJSON(w, 200, page)
	})
}

func TestListJobsPaging(t *testing.T) {
	tests := []struct {
		name      string
		next      string
		total     int
		q         Query
		wantN     int
		wantPages int
	}{
		{"next absolute, 3 pages", "absolute", 7, Query{PageSize: 3}, 7, 3},
		{"next relative, 4 pages", "relative", 10, Query{PageSize: 3}, 10, 4},
		{"offset only, 3 pages", "none", 9, Query{PageSize: 3}, 9, 3},     // count says when to stop
		{"offset only, no count", "nocount", 9, Query{PageSize: 3}, 9, 4}, // a full last page needs one more (empty) read
		{"offset only, short last page", "none", 8, Query{PageSize: 3}, 8, 3},
		{"max results", "absolute", 50, Query{PageSize: 3, MaxResults: 7}, 7, 3},
		{"max results below page size", "absolute", 50, Query{PageSize: 10, MaxResults: 4}, 4, 1},
		{"empty", "absolute", 0, Query{PageSize: 3}, 0, 1},
		{"default page size", "absolute", 1200, Query{}, 1200, 3},
		// Ahead reads by offset in parallel: the same jobs, in order, and the
		// pages the count calls for (pagesAhead).
		{"ahead, many pages", "absolute", 1000, Query{PageSize: 7, Ahead: 4}, 1000, 143},
		{"ahead, exact pages", "none", 9, Query{PageSize: 3, Ahead: 4}, 9, 3},
		{"ahead, one page", "none", 2, Query{PageSize: 3, Ahead: 4}, 2, 1},
		{"ahead, empty", "none", 0, Query{PageSize: 3, Ahead: 4}, 0, 1},
		{"ahead, no count: offsets until a short page", "nocount", 9, Query{PageSize: 3, Ahead: 4}, 9, 4},
		{"ahead, max results", "none", 50, Query{PageSize: 3, Ahead: 4, MaxResults: 8}, 8, 3},
		{"ahead of one is one at a time", "none", 10, Query{PageSize: 3, Ahead: 1}, 10, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := pagedJobs(t, tt.total, tt.next)
			c, _ := newClient(t, s.URL, nil)
			jobs, err := c.ListJobs(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if len(jobs) != tt.wantN {
				t.Fatalf("got %d jobs, want %d", len(jobs), tt.wantN)
			}
			for i, j := range jobs {
				if want := fmt.Sprintf("JOB%d", i); j.Name != want {
					t.Fatalf("job %d = %s, want %s (order or duplicates wrong)", i, j.Name, want)
				}
			}
			if got := int(s.hits.Load()); got != tt.wantPages {
				t.Errorf("pages read = %d, want %d", got, tt.wantPages)
			}
			for _, r := range s.requests() {
				if r.Path != "/twsd/api/v2/plan/job" {
					t.Errorf("request path %s", r.Path)
				}
				if r.Header.Get("Authorization") == "" {
					t.Errorf("a page request lost its credentials")
				}
			}
		})
	}
}

func TestPagingStopsEarlyWhenIteratorStops(t *testing.T) {
	s := pagedJobs(t, 100, "absolute")
	c, _ := newClient(t, s.URL, nil)
	n := 0
	for j, err := range c.Jobs(context.Background(), Query{PageSize: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		if j.Name != fmt.Sprintf("JOB%d", n) {
			t.Fatalf("job %d = %s", n, j.Name)
		}
		n++
		if n == 15 {
			break
		}
	}
	if got := s.hits.Load(); got != 2 {
		t.Errorf("pages read = %d, want 2", got)
	}
}

func TestPagingLoopDetected(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, Page[JobInPlan]{Count: 99, Results: []JobInPlan{{ID: "J"}}, Next: "/twsd/api/v2/plan/job?limit=1&offset=5"})
	})
	c, _ := newClient(t, s.URL, nil)
	_, err := c.ListJobs(context.Background(), Query{PageSize: 1})
	if !errors.Is(err, ErrBadResponse) {
		t.Fatalf("err = %v, want ErrBadResponse", err)
	}
	if got := s.hits.Load(); got != 2 {
		t.Errorf("hits = %d, want 2", got)
	}
}

func TestPagingErrorMidway(t *testing.T) {
	s := newTestServer(t, nil)
	s.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("offset") != "0" {
			s.hits.Add(1)
			writeJSON(w, 403, map[string]string{"code": "NO_ACCESS"})
			return
		}
		writeJSON(w, 200, Page[JobInPlan]{Count: 4, Results: []JobInPlan{{ID: "A"}, {ID: "B"}}})
	})
	c, _ := newClient(t, s.URL, nil)
	jobs, err := c.ListJobs(context.Background(), Query{PageSize: 2})
	if !errors.Is(err, ErrForbidden) || jobs != nil {
		t.Fatalf("ListJobs = %v, %v; want nil, ErrForbidden", jobs, err)
	}
	if !strings.HasPrefix(err.Error(), "hwa: list jobs page 2: forbidden (403 NO_ACCESS)") {
		t.Errorf("error text = %q", err)
	}
}

func TestListQueryParameters(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, Page[JobInPlan]{}) })
	c, _ := newClient(t, s.URL, nil)
	name := "O'NEIL_RECON'] OR 1=1"
	_, err := c.ListJobs(context.Background(), Query{
		OQL:        And(Eq("name", name), In("lastRunCommonStatus", "ERROR", "HELD")).OrderBy("name", Asc),
		PlanFilter: "/@/MDM#/@/@.@",
		PageSize:   25,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := s.requests()[0]
	want := url.Values{
		"oql":         {"name = 'O''NEIL_RECON''] OR 1=1' AND lastRunCommonStatus IN ['ERROR','HELD'] ORDER BY name ASC"},
		"plan_filter": {"/@/MDM#/@/@.@"},
		"limit":       {"25"},
		"offset":      {"0"},
	}
	if !reflect.DeepEqual(r.Query, want) {
		t.Errorf("query = %v\nwant %v", r.Query, want)
	}
	if r.Header.Get("Include-Count") != "true" {
		t.Errorf("Include-Count = %q", r.Header.Get("Include-Count"))
	}
	// The server decodes exactly the value we meant.
	n, err := parseOQL(r.Query["oql"][0])
	if err != nil || n.kids[0].values[0] != name {
		t.Errorf("server-side parse = %v, %v; want the name %q back", n, err, name)
	}
}

func TestInvalidOQLIsNotSent(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, Page[JobInPlan]{}) })
	c, _ := newClient(t, s.URL, nil)
	bad := Eq("name = 'x' OR name", "y")
	if _, err := c.ListJobs(context.Background(), Query{OQL: bad}); !errors.Is(err, ErrBadFilter) || !errors.Is(err, ErrOQL) {
		t.Errorf("ListJobs err = %v, want ErrBadFilter wrapping ErrOQL", err)
	}
	if _, err := c.Issues(context.Background(), bad); !errors.Is(err, ErrBadFilter) {
		t.Errorf("Issues err = %v, want ErrBadFilter", err)
	}
	if got := s.hits.Load(); got != 0 {
		t.Errorf("hits = %d, want 0", got)
	}
}

func TestReadEndpoints(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, APIPrefix)
		switch {
		case p == "/plan/job/J1":
			writeJSON(w, 200, JobInPlan{ID: "J1", Name: "PAYROLL", LastRunCommonStatus: "ERROR",
				LastRunCompositeStatus: &JobCompositeStatus{Status: "ABEND"}})
		case p == "/plan/jobstream":
			writeJSON(w, 200, Page[JobStreamInPlan]{Count: 1, Results: []JobStreamInPlan{{ID: "S1", Name: "NIGHTLY", CommonStatus: "RUNNING"}}})
		case p == "/plan/jobstream/S1":
			writeJSON(w, 200, JobStreamInPlan{ID: "S1", Name: "NIGHTLY", Jobs: []JobInPlan{{ID: "J1", Name: "PAYROLL"}, {ID: "J2", Name: "LEDGER"}}})
		case p == "/plan/workstation":
			writeJSON(w, 200, Page[WorkstationInPlan]{Count: 1, Results: []WorkstationInPlan{{ID: "W1", Name: "MDM", Type: "MANAGER", ActiveStates: []string{"LINKED", "RUNNING"}}}})
		case p == "/plan/workstation/W1":
			writeJSON(w, 200, WorkstationInPlan{ID: "W1", Name: "MDM", Type: "MANAGER"})
		case strings.HasSuffix(p, "/predecessors"), strings.HasSuffix(p, "/successors"):
			writeJSON(w, 200, FlowNodeList{Count: 1, Results: []FlowNode{{ID: "P1", Name: "EXTRACT", FlowNodeType: "JOB", SchedTime: "2025-10-13T21:59:00Z"}}})
		case p == "/plan/job/count", p == "/plan/jobstream/count":
			writeJSON(w, 200, GroupedCount{Count: 13, GroupedCount: map[string]int64{"SUCC": 10, "ABEND": 3}})
		case p == "/plan/job/issues":
			writeJSON(w, 200, Issues{Issues: []Issue{{ID: "J1", IssueMessage: "abended", IssueType: "ERROR"}}})
		case p == "/engine/info":
			writeJSON(w, 200, EngineInfo{DisplayVersion: "10.2.5", Timezone: "UTC"})
		default:
			writeJSON(w, 404, map[string]string{"code": "NOT_FOUND"})
		}
	})
	c, _ := newClient(t, s.URL, nil)
	ctx := context.Background()

	j, err := c.Job(ctx, "J1")
	if err != nil || j.Name != "PAYROLL" || !j.Failed() {
		t.Errorf("Job = %+v, %v", j, err)
	}
	if _, err := c.Job(ctx, "NOPE"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Job(NOPE) err = %v, want ErrNotFound", err)
	}
	streams, err := c.ListJobStreams(ctx, Query{OQL: Eq("commonStatus", "RUNNING")})
	if err != nil || len(streams) != 1 || streams[0].Name != "NIGHTLY" {
		t.Errorf("ListJobStreams = %+v, %v", streams, err)
	}
	st, jobs, err := c.JobStream(ctx, "S1")
	if err != nil || st.Name != "NIGHTLY" || len(jobs) != 2 || jobs[1].Name != "LEDGER" {
		t.Errorf("JobStream = %+v, %+v, %v", st, jobs, err)
	}
	wss, err := c.ListWorkstations(ctx, Query{})
	if err != nil || len(wss) != 1 || !wss[0].Linked() || !wss[0].Running() {
		t.Errorf("ListWorkstations = %+v, %v", wss, err)
	}
	ws, err := c.Workstation(ctx, "W1")
	if err != nil || ws.Name != "MDM" {
		t.Errorf("Workstation = %+v, %v", ws, err)
	}
	for name, f := range map[string]func(context.Context, string, int) ([]workload.FlowNode, error){
		"Predecessors": c.Predecessors, "Successors": c.Successors,
		"StreamPredecessors": c.StreamPredecessors, "StreamSuccessors": c.StreamSuccessors,
	} {
		nodes, err := f(ctx, "X1", 2)
		if err != nil || len(nodes) != 1 || nodes[0].Name != "EXTRACT" || nodes[0].Kind != workload.NodeJob || nodes[0].SchedTime.IsZero() {
			t.Errorf("%s = %+v, %v", name, nodes, err)
		}
	}
	gc, err := c.CountJobs(ctx, "", GroupByStatus, GroupByWorkstation)
	if err != nil || gc.Count != 13 || gc.GroupedCount["ABEND"] != 3 {
		t.Errorf("CountJobs = %+v, %v", gc, err)
	}
	if _, err := c.CountJobs(ctx, "", "owner"); !errors.Is(err, ErrBadRequest) {
		t.Errorf("CountJobs(owner) err = %v, want ErrBadRequest", err)
	}
	if _, err := c.CountJobStreams(ctx, "/@/MDM#/@/@"); err != nil {
		t.Errorf("CountJobStreams: %v", err)
	}
	issues, err := c.Issues(ctx, Eq("issueType", "ERROR"))
	if err != nil || len(issues) != 1 || issues[0].IssueMessage != "abended" {
		t.Errorf("Issues = %+v, %v", issues, err)
	}
	info, err := c.EngineInfo(ctx)
	if err != nil || info.DisplayVersion != "10.2.5" {
		t.Errorf("EngineInfo = %+v, %v", info, err)
	}

	// The parameters each read sent.
	want := []string{
		"GET /twsd/api/v2/plan/job/J1 map[]",
		"GET /twsd/api/v2/plan/job/NOPE map[]",
		"GET /twsd/api/v2/plan/jobstream map[limit:[500] offset:[0] oql:[commonStatus = 'RUNNING']]",
		"GET /twsd/api/v2/plan/jobstream/S1 map[]",
		"GET /twsd/api/v2/plan/workstation map[limit:[500] offset:[0]]",
		"GET /twsd/api/v2/plan/workstation/W1 map[]",
	}
	var got []string
	for _, r := range s.requests()[:len(want)] {
		got = append(got, fmt.Sprintf("%s %s %v", r.Method, r.Path, r.Query))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var counts []string
	for _, r := range s.requests() {
		if strings.HasSuffix(r.Path, "/count") || strings.HasSuffix(r.Path, "cessors") {
			counts = append(counts, fmt.Sprintf("%s %v", strings.TrimPrefix(r.Path, APIPrefix), r.Query))
		}
	}
	wantCounts := []string{
		"/plan/job/X1/predecessors map[depth:[2]]",
		"/plan/job/X1/successors map[depth:[2]]",
		"/plan/jobstream/X1/predecessors map[depth:[2]]",
		"/plan/jobstream/X1/successors map[depth:[2]]",
		"/plan/job/count map[grouping_filters:[status,workstation] plan_filter:[/@/@#/@/@.@]]",
		"/plan/jobstream/count map[plan_filter:[/@/MDM#/@/@]]",
	}
	// Map iteration order above is random; compare as sets.
	if !sameSet(counts, wantCounts) {
		t.Errorf("flow and count requests:\n%s\nwant:\n%s", strings.Join(counts, "\n"), strings.Join(wantCounts, "\n"))
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}

func TestJobLog(t *testing.T) {
	var lines []string
	for i := 1; i <= 100; i++ {
		lines = append(lines, fmt.Sprintf("line %03d", i))
	}
	log := strings.Join(lines, "\n") + "\n" // 100 lines of 9 bytes each
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != APIPrefix+"/plan/job/run/R1/joblog" {
			writeJSON(w, 404, nil)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		from, _ := strconv.Atoi(r.URL.Query().Get("from_line"))
		to, _ := strconv.Atoi(r.URL.Query().Get("to_line"))
		if from == 0 {
			from = 1
		}
		if to == 0 || to > len(lines) {
			to = len(lines)
		}
		w.Write([]byte(strings.Join(lines[from-1:to], "\n") + "\n"))
	})
	c, _ := newClient(t, s.URL, nil)
	tests := []struct {
		name      string
		o         LogOptions
		want      string
		truncated bool
		query     string
	}{
		{"whole", LogOptions{}, log, false, ""},
		{"range", LogOptions{FromLine: 3, ToLine: 4}, "line 003\nline 004\n", false, "from_line=3&to_line=4"},
		{"tail", LogOptions{Tail: 2}, "line 099\nline 100\n", false, ""},
		{"tail of range", LogOptions{FromLine: 10, ToLine: 20, Tail: 3}, "line 018\nline 019\nline 020\n", false, "from_line=10&to_line=20"},
		{"tail more than there is", LogOptions{FromLine: 1, ToLine: 2, Tail: 5}, "line 001\nline 002\n", false, "from_line=1&to_line=2"},
		{"head capped at a line end", LogOptions{MaxBytes: 22}, "line 001\nline 002\n", true, ""},
		{"tail capped", LogOptions{Tail: 10, MaxBytes: 30}, "line 098\nline 099\nline 100\n", true, ""},
		{"tail fits the cap exactly", LogOptions{Tail: 2, MaxBytes: 18}, "line 099\nline 100\n", false, ""},
		{"content only", LogOptions{ContentOnly: true, ToLine: 1}, "line 001\n", false, "contentOnly=true&to_line=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(s.requests())
			got, err := c.JobLog(context.Background(), "R1", tt.o)
			if err != nil {
				t.Fatal(err)
			}
			if got.Text != tt.want || got.Truncated != tt.truncated {
				t.Errorf("got %q (truncated %v), want %q (truncated %v)", got.Text, got.Truncated, tt.want, tt.truncated)
			}
			r := s.requests()[before]
			if enc := encodeQuery(r.Query); enc != tt.query {
				t.Errorf("query = %s, want %s", enc, tt.query)
			}
			if r.Header.Get("Accept") != "text/plain" {
				t.Errorf("Accept = %q", r.Header.Get("Accept"))
			}
		})
	}
	if _, err := c.JobLog(context.Background(), "NOPE", LogOptions{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown run: err = %v, want ErrNotFound", err)
	}
	if _, err := c.JobLog(context.Background(), "R1", LogOptions{FromLine: 5, ToLine: 2}); !errors.Is(err, ErrBadRequest) {
		t.Errorf("bad range: err = %v, want ErrBadRequest", err)
	}
}

func encodeQuery(q map[string][]string) string {
	return url.Values(q).Encode()
}

func TestTailLines(t *testing.T) {
	tests := []struct {
		in        string
		n         int
		max       int64
		want      string
		truncated bool
	}{
		{"", 3, 100, "", false},
		{"a", 1, 100, "a", false},
		{"a\nb\nc", 2, 100, "b\nc", false},
		{"a\nb\nc\n", 2, 100, "b\nc\n", false},
		{"a\nb\nc\n", 3, 100, "a\nb\nc\n", false},
		{"a\nb\nc\n", 9, 100, "a\nb\nc\n", false},
		{"aaaa\nbbbb\ncccc\n", 3, 8, "cccc\n", true},
		{"aaaa\nbbbb\ncccc\n", 1, 8, "cccc\n", false},
		{strings.Repeat("x", 100) + "\nlast\n", 5, 10, "last\n", true},
		{"aaaa\nbbbb\ncccc\n", 2, 10, "bbbb\ncccc\n", false},
		{"aaaa\nbbbb\ncccc\n", 3, 10, "bbbb\ncccc\n", true},
		{strings.Repeat("0123456789\n", 10000), 2, 22, "0123456789\n0123456789\n", false},
		{strings.Repeat("0123456789\n", 10000), 3, 25, "0123456789\n0123456789\n", true},
	}
	for _, tt := range tests {
		got, err := tailLines(strings.NewReader(tt.in), tt.n, tt.max)
		if err != nil {
			t.Fatal(err)
		}
		if got.Text != tt.want || got.Truncated != tt.truncated {
			t.Errorf("tailLines(%q, %d, %d) = %q %v, want %q %v", tt.in, tt.n, tt.max, got.Text, got.Truncated, tt.want, tt.truncated)
		}
	}
}

func TestJobPage(t *testing.T) {
	s := pagedJobs(t, 10, "absolute")
	c, _ := newClient(t, s.URL, nil)
	jobs, total, err := c.JobPage(context.Background(), Query{PageSize: 4, OQL: Eq("name", "it's")}, 8)
	if err != nil {
		t.Fatal(err)
	}
	if total != 10 || len(jobs) != 2 || jobs[0].Name != "JOB8" || jobs[1].Name != "JOB9" {
		t.Errorf("JobPage = %v, %d; want JOB8, JOB9 of 10", jobs, total)
	}
	q := s.requests()[0].Query
	if q.Get("offset") != "8" || q.Get("limit") != "4" || q.Get("oql") != "name = 'it''s'" {
		t.Errorf("query = %v", q)
	}
	if _, _, err := c.JobPage(context.Background(), Query{}, -1); !errors.Is(err, ErrBadRequest) {
		t.Errorf("negative offset: err = %v", err)
	}
	if _, _, err := c.JobPage(context.Background(), Query{OQL: Eq("a b", 1)}, 0); !errors.Is(err, ErrBadFilter) {
		t.Errorf("bad OQL: err = %v", err)
	}
	if got := s.hits.Load(); got != 1 {
		t.Errorf("hits = %d, want 1", got)
	}
}
