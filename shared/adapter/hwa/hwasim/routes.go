package hwasim

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/domain/workload"
)

// route dispatches a request under /twsd/api/v2. Paths are matched by hand
// because the vendor's path set overlaps in ways http.ServeMux rejects
// (/plan/job/run/{run_id}/joblog against /plan/job/{job_id}/action/{verb}).
func (s *Server) route(w http.ResponseWriter, r *http.Request, who caller) {
	rest, ok := strings.CutPrefix(r.URL.Path, apiPrefix+"/")
	if !ok {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no such path")
		return
	}
	seg := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	if t := s.matchSpec(r.Method, seg); t != "" && !simulated(r.Method, t) {
		notSimulated(w, r.Method, t)
		return
	}
	previous := false
	switch pid := r.URL.Query().Get("plan_id"); {
	case pid == "" || pid == planID:
	case pid == s.prevID && r.Method == http.MethodGet:
		previous = true // read from the archived plan (previous.go)
	case pid == s.prevID:
		writeError(w, http.StatusConflict, "ACTION_NOT_ALLOWED", "plan "+pid+" is archived: actions apply to the current plan")
		return
	default:
		writeError(w, http.StatusNotFound, "PLAN_NOT_FOUND", "the plans are current and "+s.prevID+" (the previous one)")
		return
	}
	get := func(h func(http.ResponseWriter, *http.Request, []string)) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			writeError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "use GET")
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.syncClock()
		if previous {
			cur := s.plan
			s.plan = s.previousPlan()
			defer func() { s.plan = cur }()
		}
		h(w, r, seg)
	}
	put := func(target string, id, verb string) {
		if r.Method != http.MethodPut {
			w.Header().Set("Allow", http.MethodPut)
			writeError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "use PUT")
			return
		}
		s.action(w, r, who, target, id, verb)
	}
	n := len(seg)
	switch {
	case n == 2 && seg[0] == "engine" && seg[1] == "info":
		get(s.engineInfo)
	case n >= 2 && seg[0] == "plan" && seg[1] == "job":
		switch {
		case n == 2:
			get(s.listJobs)
		case n == 3 && seg[2] == "count":
			get(s.countJobs)
		case n == 3 && seg[2] == "issues":
			get(s.jobIssues)
		case n == 5 && seg[2] == "run" && seg[4] == "joblog":
			get(s.jobLog)
		case n == 3 && seg[2] == "submit-ad-hoc-job":
			s.post(w, r, who, "adhoc", "")
		case n == 4 && seg[3] == "submit":
			s.post(w, r, who, "job-model", seg[2])
		case n == 6 && seg[2] == "run" && seg[4] == "action" && seg[5] == "rerun":
			put("run", seg[3], "rerun")
		case n == 3:
			get(s.getJob)
		case n == 4 && (seg[3] == "predecessors" || seg[3] == "successors"):
			get(s.jobNeighbours)
		case n == 5 && seg[3] == "action" && jobVerbs[seg[4]]:
			put("job", seg[2], seg[4])
		default:
			writeError(w, http.StatusNotFound, "NOT_FOUND", "no such path")
		}
	case n >= 2 && seg[0] == "plan" && seg[1] == "jobstream":
		switch {
		case n == 2:
			get(s.listStreams)
		case n == 3 && seg[2] == "count":
			get(s.countStreams)
		case n == 3:
			get(s.getStream)
		case n == 4 && (seg[3] == "predecessors" || seg[3] == "successors"):
			get(s.streamNeighbours)
		case n == 4 && seg[3] == "submit":
			s.post(w, r, who, "jobstream-model", seg[2])
		case n == 5 && seg[3] == "action" && streamVerbs[seg[4]]:
			put("jobstream", seg[2], seg[4])
		default:
			writeError(w, http.StatusNotFound, "NOT_FOUND", "no such path")
		}
	case n >= 2 && seg[0] == "plan" && seg[1] == "resource":
		if h, ok := s.routeResources(seg); ok {
			get(h)
		} else {
			writeError(w, http.StatusNotFound, "NOT_FOUND", "no such path")
		}
	case n == 5 && seg[0] == "plan" && seg[1] == "prompt" && seg[3] == "action" && seg[4] == "reply":
		put("prompt", seg[2], "reply")
	case n >= 2 && seg[0] == "plan" && seg[1] == "workstation":
		switch {
		case n == 2:
			get(s.listWorkstations)
		case n == 3:
			get(s.getWorkstation)
		case n == 5 && seg[3] == "action" && wsVerbs[seg[4]]:
			put("workstation", seg[2], seg[4])
		default:
			writeError(w, http.StatusNotFound, "NOT_FOUND", "no such path")
		}
	default:
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no such path")
	}
}

func (s *Server) engineInfo(w http.ResponseWriter, r *http.Request, _ []string) {
	tz := s.cfg.TimeZone
	if tz == "" {
		tz = timeZone
	}
	writeJSON(w, http.StatusOK, hwa.EngineInfo{
		DisplayVersion: "10.2.5 (simulated)",
		FullVersion:    "10.2.5.00.20250610 hwasim",
		Capabilities: map[string]any{
			"plan":    map[string]string{"jobs": "true", "jobstreams": "true", "workstations": "true"},
			"actions": map[string]string{"rerun": "true", "hold": "true", "release": "true", "cancel": "true", "kill": "true"},
		},
		ReferenceID: engineID,
		LicenseType: "PERSERVER",
		Locale:      "en_US",
		Timezone:    tz,
	})
}

// badRequest answers a parse error of a filter or parameter.
func badRequest(w http.ResponseWriter, err error) {
	var oe *oqlError
	var fe *filterError
	switch {
	case errors.As(err, &oe):
		writeError(w, http.StatusBadRequest, "OQL_FILTER_SYNTAX_ERROR", oe.Error())
	case errors.As(err, &fe):
		writeError(w, http.StatusBadRequest, "PLAN_FILTER_SYNTAX_ERROR", fe.Error())
	default:
		writeError(w, http.StatusBadRequest, "INVALID_PARAMETER", err.Error())
	}
}

func intParam(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s must be an integer in [%d, %d], got %q", name, lo, hi, v)
	}
	return n, nil
}

const defaultLimit = 10000

// page cuts items to limit/offset and builds the envelope with next and
// previous as absolute URLs that repeat the query with the new offset.
func page[T any](r *http.Request, items []T) (hwa.Page[T], error) {
	limit, err := intParam(r, "limit", defaultLimit, 1, 1<<30)
	if err != nil {
		return hwa.Page[T]{}, err
	}
	offset, err := intParam(r, "offset", 0, 0, 1<<30)
	if err != nil {
		return hwa.Page[T]{}, err
	}
	p := hwa.Page[T]{Count: int64(len(items)), Results: []T{}}
	if offset < len(items) {
		p.Results = items[offset:min(len(items), offset+limit)]
	}
	link := func(off int) string {
		q := r.URL.Query()
		q.Set("limit", strconv.Itoa(limit))
		q.Set("offset", strconv.Itoa(off))
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
		return u.String()
	}
	if offset+limit < len(items) {
		p.Next = link(offset + limit)
	}
	if offset > 0 {
		p.Previous = link(max(0, offset-limit))
	}
	return p, nil
}

func (f *planFilter) matchJob(j *job) bool {
	return f.ws(j.ws.name) && f.wsFolder(j.ws.folder) && f.streamFolder(j.stream.folder) &&
		f.stream(j.stream.name) && f.job(j.name)
}

func (f *planFilter) matchStream(st *stream) bool {
	return f.ws(st.ws.name) && f.wsFolder(st.ws.folder) && f.streamFolder(st.folder) && f.stream(st.name)
}

func (f *planFilter) matchWorkstation(ws *workstation) bool {
	return f.ws(ws.name) && f.wsFolder(ws.folder)
}

// needsFull reports whether an OQL filter reads the dependencies, which
// only the full rendering carries.
func needsFull(oql string) bool {
	return strings.Contains(strings.ToLower(oql), "dependencies")
}

// selectJobs returns the jobs matching the request's oql and plan_filter,
// rendered for a query (no dependencies).
func (s *Server) selectJobs(r *http.Request) ([]hwa.JobInPlan, error) {
	oql := r.URL.Query().Get("oql")
	q, err := parseOQL(oql)
	if err != nil {
		return nil, err
	}
	pf, err := parsePlanFilter(r.URL.Query().Get("plan_filter"), filterJob)
	if err != nil {
		return nil, err
	}
	pred, less, err := compile(q, s.jobF)
	if err != nil {
		return nil, err
	}
	full := needsFull(oql)
	// Most filters read no run: test those on a rendering without runs and
	// render only the jobs that match in full (a tenth of the cost).
	light := !full && !strings.Contains(strings.ToLower(oql), "jobruns")
	out := []hwa.JobInPlan{}
	var scratch hwa.JobInPlan
	var parts jobParts
	for _, j := range s.plan.jobs {
		if !pf.matchJob(j) {
			continue
		}
		if light {
			s.plan.renderJobInto(&scratch, &parts, j, false, false)
			if pred(&scratch) {
				out = append(out, s.plan.jobWire(j, false))
			}
			continue
		}
		w := s.plan.renderJob(j, full, true)
		if pred(&w) {
			w.Dependencies = nil
			out = append(out, w)
		}
	}
	if less != nil {
		out = less(out)
	}
	return out, nil
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request, _ []string) {
	if r.URL.Query().Get("oql") == "" {
		s.listAllJobs(w, r)
		return
	}
	jobs, err := s.selectJobs(r)
	if err != nil {
		badRequest(w, err)
		return
	}
	p, err := page(r, jobs)
	if err != nil {
		badRequest(w, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// listAllJobs answers a list without OQL (a topology sync's pages): the
// plan_filter selects the jobs and only the page asked for is rendered, so
// a page costs the same at offset 0 and at offset 199,500 (rendering every
// job for every page made listing a 100,000-job plan quadratic).
func (s *Server) listAllJobs(w http.ResponseWriter, r *http.Request) {
	pf, err := parsePlanFilter(r.URL.Query().Get("plan_filter"), filterJob)
	if err != nil {
		badRequest(w, err)
		return
	}
	filter, l := r.URL.Query().Get("plan_filter"), &s.plan.listed
	if l.jobs == nil || l.filter != filter || l.n != len(s.plan.jobs) {
		sel := []*job{}
		for _, j := range s.plan.jobs {
			if pf.matchJob(j) {
				sel = append(sel, j)
			}
		}
		*l = listedJobs{filter: filter, n: len(s.plan.jobs), jobs: sel}
	}
	cut, err := page(r, l.jobs)
	if err != nil {
		badRequest(w, err)
		return
	}
	p := hwa.Page[hwa.JobInPlan]{Count: cut.Count, Next: cut.Next, Previous: cut.Previous, Results: make([]hwa.JobInPlan, 0, len(cut.Results))}
	for _, j := range cut.Results {
		p.Results = append(p.Results, s.plan.jobWire(j, false))
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request, seg []string) {
	j, ok := s.plan.jobByID[seg[2]]
	if !ok {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no job with id "+seg[2]+" in the plan")
		return
	}
	writeJSON(w, http.StatusOK, s.plan.jobWire(j, true))
}

// groupKey joins the values of the grouping filters with ",".
func groupKey(groups []string, ws, status, folder string) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		switch g {
		case "workstation":
			parts[i] = ws
		case "status":
			parts[i] = status
		case "folder":
			parts[i] = folder
		}
	}
	return strings.Join(parts, ",")
}

func groupingFilters(r *http.Request) ([]string, error) {
	v := r.URL.Query().Get("grouping_filters")
	if v == "" {
		return nil, nil
	}
	var out []string
	for _, g := range strings.Split(v, ",") {
		g = strings.ToLower(strings.TrimSpace(g))
		switch g {
		case "workstation", "status", "folder":
			out = append(out, g)
		default:
			return nil, fmt.Errorf("grouping_filters: %q is not one of workstation, status, folder", g)
		}
	}
	return out, nil
}

func (s *Server) countJobs(w http.ResponseWriter, r *http.Request, _ []string) {
	count(w, r, filterJob, s.plan.jobs, (*planFilter).matchJob, func(j *job) (string, string, string) {
		return j.ws.name, string(commonStatus(j.status, j.sub)), j.folder
	})
}

func (s *Server) countStreams(w http.ResponseWriter, r *http.Request, _ []string) {
	count(w, r, filterStream, s.plan.streams, (*planFilter).matchStream, func(st *stream) (string, string, string) {
		return st.ws.name, string(streamCommonStatus(st.status, st.held)), st.folder
	})
}

// count answers a count request of kind over items: the plan_filter and
// grouping_filters of r select and group them, by what of returns (the
// workstation, the common status and the folder of an item).
func count[T any](w http.ResponseWriter, r *http.Request, kind filterKind, items []T, match func(*planFilter, T) bool, of func(T) (ws, status, folder string)) {
	groups, err := groupingFilters(r)
	if err != nil {
		badRequest(w, err)
		return
	}
	pf, err := parsePlanFilter(r.URL.Query().Get("plan_filter"), kind)
	if err != nil {
		badRequest(w, err)
		return
	}
	res := hwa.GroupedCount{}
	if groups != nil {
		res.GroupedCount = map[string]int64{}
	}
	for _, it := range items {
		if !match(pf, it) {
			continue
		}
		res.Count++
		if groups != nil {
			ws, status, folder := of(it)
			res.GroupedCount[groupKey(groups, ws, status, folder)]++
		}
	}
	writeJSON(w, http.StatusOK, res)
}

// jobIssues lists the problems of the selected jobs: ERROR (ABEND, FAIL),
// BLOCKED (held because a predecessor ended in error, or waiting for an
// unavailable agent) and LATE (deadline passed).
func (s *Server) jobIssues(w http.ResponseWriter, r *http.Request, _ []string) {
	jobs, err := s.selectJobs(r)
	if err != nil {
		badRequest(w, err)
		return
	}
	res := hwa.Issues{Issues: []hwa.Issue{}}
	for i := range jobs {
		jw := &jobs[i]
		j := s.plan.jobByID[jw.ID]
		switch {
		case j.status == workload.InternalAbend:
			res.Issues = append(res.Issues, hwa.Issue{ID: j.id, IssueType: "ERROR",
				IssueMessage: fmt.Sprintf("Job %s ended ABEND with return code %d.", j.key(), j.lastRun().rc)})
		case j.status == workload.InternalFail:
			res.Issues = append(res.Issues, hwa.Issue{ID: j.id, IssueType: "ERROR",
				IssueMessage: fmt.Sprintf("Job %s could not be launched (FAIL).", j.key())})
		case j.sub == workload.SubHoldUnexpectedPredecessorCond:
			res.Issues = append(res.Issues, hwa.Issue{ID: j.id, IssueType: "BLOCKED",
				IssueMessage: fmt.Sprintf("Job %s is held: a predecessor ended in error.", j.key())})
		case j.sub == workload.SubReadyWaitingForAgent:
			res.Issues = append(res.Issues, hwa.Issue{ID: j.id, IssueType: "BLOCKED",
				IssueMessage: fmt.Sprintf("Job %s waits for agent %s, which is not available.", j.key(), j.ws.name)})
		}
		if s.plan.jobLate(j) {
			res.Issues = append(res.Issues, hwa.Issue{ID: j.id, IssueType: "LATE",
				IssueMessage: fmt.Sprintf("Job %s passed its deadline %s.", j.key(), instant(j.deadline))})
		}
	}
	writeJSON(w, http.StatusOK, res)
}

const maxDepth = 20

// walk collects the flow nodes reachable from start within depth steps of
// next, breadth first, each once, start excluded.
func walk(start any, depth int, next func(any) []any) []any {
	seen := map[any]bool{start: true}
	var out []any
	frontier := []any{start}
	for d := 0; d < depth && len(frontier) > 0; d++ {
		var nf []any
		for _, n := range frontier {
			for _, m := range next(n) {
				if !seen[m] {
					seen[m] = true
					out = append(out, m)
					nf = append(nf, m)
				}
			}
		}
		frontier = nf
	}
	return out
}

func (p *plan) predecessors(n any) []any {
	var out []any
	var deps []*dep
	switch n := n.(type) {
	case *job:
		deps = append(slices.Clip(n.deps), n.stream.deps...)
	case *stream:
		deps = n.deps
	}
	for _, d := range deps {
		switch {
		case d.job != nil:
			out = append(out, d.job)
		case d.stream != nil:
			out = append(out, d.stream)
		}
	}
	return out
}

func (p *plan) successors(n any) []any {
	var out []any
	switch n := n.(type) {
	case *job:
		for _, j := range p.succs[n] {
			out = append(out, j)
		}
	case *stream:
		out = append(out, p.streamSuccs[n]...)
	}
	return out
}

func (s *Server) neighbours(w http.ResponseWriter, r *http.Request, start any, dir string) {
	depth, err := intParam(r, "depth", 1, 1, maxDepth)
	if err != nil {
		badRequest(w, err)
		return
	}
	next := s.plan.predecessors
	if dir == "successors" {
		next = s.plan.successors
	}
	res := hwa.FlowNodeList{Results: []hwa.FlowNode{}}
	for _, n := range walk(start, depth, next) {
		switch n := n.(type) {
		case *job:
			res.Results = append(res.Results, jobNode(s.plan, n))
		case *stream:
			res.Results = append(res.Results, streamNode(s.plan, n))
		}
	}
	res.Count = int64(len(res.Results))
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) jobNeighbours(w http.ResponseWriter, r *http.Request, seg []string) {
	j, ok := s.plan.jobByID[seg[2]]
	if !ok {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no job with id "+seg[2]+" in the plan")
		return
	}
	s.neighbours(w, r, j, seg[3])
}

func (s *Server) streamNeighbours(w http.ResponseWriter, r *http.Request, seg []string) {
	st, ok := s.plan.streamByID[seg[2]]
	if !ok {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no job stream with id "+seg[2]+" in the plan")
		return
	}
	s.neighbours(w, r, st, seg[3])
}

func (s *Server) listStreams(w http.ResponseWriter, r *http.Request, _ []string) {
	oql := r.URL.Query().Get("oql")
	q, err := parseOQL(oql)
	if err != nil {
		badRequest(w, err)
		return
	}
	pf, err := parsePlanFilter(r.URL.Query().Get("plan_filter"), filterStream)
	if err != nil {
		badRequest(w, err)
		return
	}
	pred, less, err := compile(q, s.streamF)
	if err != nil {
		badRequest(w, err)
		return
	}
	full := needsFull(oql)
	out := []hwa.JobStreamInPlan{}
	for _, st := range s.plan.streams {
		if !pf.matchStream(st) {
			continue
		}
		sw := s.plan.streamWire(st, full)
		if pred(&sw) {
			sw.Jobs, sw.Dependencies = nil, nil
			out = append(out, sw)
		}
	}
	if less != nil {
		out = less(out)
	}
	p, err := page(r, out)
	if err != nil {
		badRequest(w, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) getStream(w http.ResponseWriter, r *http.Request, seg []string) {
	st, ok := s.plan.streamByID[seg[2]]
	if !ok {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no job stream with id "+seg[2]+" in the plan")
		return
	}
	writeJSON(w, http.StatusOK, s.plan.streamWire(st, true))
}

func (s *Server) listWorkstations(w http.ResponseWriter, r *http.Request, _ []string) {
	q, err := parseOQL(r.URL.Query().Get("oql"))
	if err != nil {
		badRequest(w, err)
		return
	}
	pf, err := parsePlanFilter(r.URL.Query().Get("plan_filter"), filterWorkstation)
	if err != nil {
		badRequest(w, err)
		return
	}
	pred, less, err := compile(q, s.wsF)
	if err != nil {
		badRequest(w, err)
		return
	}
	out := []hwa.WorkstationInPlan{}
	for _, ws := range s.plan.workstations {
		if !pf.matchWorkstation(ws) {
			continue
		}
		if ww := ws.wire(); pred(&ww) {
			out = append(out, ww)
		}
	}
	if less != nil {
		out = less(out)
	}
	p, err := page(r, out)
	if err != nil {
		badRequest(w, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) getWorkstation(w http.ResponseWriter, r *http.Request, seg []string) {
	ws, ok := s.plan.wsByID[seg[2]]
	if !ok {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no workstation with id "+seg[2]+" in the plan")
		return
	}
	writeJSON(w, http.StatusOK, ws.wire())
}
