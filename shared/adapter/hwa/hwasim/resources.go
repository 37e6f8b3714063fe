package hwasim

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/domain/workload"
)

// Resources in the plan. A resource has a quantity of units; a job with a
// RESOURCE dependency needs some of them to launch and holds them while it
// runs (EXEC). A READY job whose resource has too few free units waits in
// READY_WAITING_FOR_RESOURCES until a holder ends (or an operator releases
// the dependency). The engine's single pass in plan order decides launches:
// a job sees the runs of the jobs before it, so holders earlier in the plan
// win a contested resource, and a launch time never depends on how the
// clock was stepped.

type resource struct {
	id, name, folder, desc string
	ws                     *workstation
	quantity               int
	users                  []*job // jobs with a RESOURCE dependency on it, in plan order
}

// resourceSpecs are the named resources; the generator adds pools as the
// plan grows (one per resourceJobs jobs).
var resourceSpecs = []struct {
	name, desc string
	quantity   int
}{
	{"DB_CONNECTIONS", "Connections to the core banking database", 2},
	{"TAPE_DRIVES", "Tape drives of the backup library", 2},
	{"SAP_BATCH_SLOTS", "Background work processes of the SAP system", 4},
	{"ETL_SLOTS", "Concurrent loads the data warehouse accepts", 3},
	{"PRINT_QUEUE", "The statement printer", 1},
	{"FTP_SESSIONS", "Sessions of the partner file gateway", 5},
}

const (
	resourceJobs  = 2000 // one more resource pool per this many jobs
	resourceShare = 0.03 // fraction of normal jobs that need a resource
)

// namedResources creates the resources of resourceSpecs on the first
// workstation, before the fixtures use them (FIX_LONG_RUNNER holds
// DB_CONNECTIONS, FIX_WAIT_RESOURCE waits for it).
func (g *generator) namedResources() {
	for _, s := range resourceSpecs {
		g.newResource(s.name, s.desc, g.wsNormal[0], s.quantity)
	}
}

// addResources adds one pool per resourceJobs jobs and gives about 3% of
// the normal jobs a need of one unit, chosen by hash.
func (g *generator) addResources() {
	for i := 1; i <= len(g.plan.jobs)/resourceJobs; i++ {
		ws := g.wsNormal[i%len(g.wsNormal)]
		g.newResource(fmt.Sprintf("POOL_%s_%02d", ws.name, i), "Job slots of "+ws.name, ws, 2+i%6)
	}
	shared := g.resources[1:] // DB_CONNECTIONS is for the fixtures
	nFixJobs := 0
	for _, s := range g.plan.streams[:len(fixtures)] {
		nFixJobs += len(s.jobs)
	}
	for _, j := range g.plan.jobs[nFixJobs:] {
		if hash01(g.seed, j.id, "resource") >= resourceShare {
			continue
		}
		r := shared[int(hash01(g.seed, j.id, "which resource")*float64(len(shared)))%len(shared)]
		g.needResource(j, r, 1)
	}
}

func (g *generator) newResource(name, desc string, ws *workstation, quantity int) *resource {
	r := &resource{id: hashID(g.seed, "resource", name), name: name, folder: "/", desc: desc, ws: ws, quantity: quantity}
	g.resources = append(g.resources, r)
	g.resourceByID[r.id] = r
	return r
}

func (g *generator) resourceNamed(name string) *resource {
	for _, r := range g.resources {
		if r.name == name {
			return r
		}
	}
	return nil
}

// needResource gives j a RESOURCE dependency on quantity units of r.
func (g *generator) needResource(j *job, r *resource, quantity int) {
	d := &dep{id: hashID(g.seed, "resource dep", j.id, r.id), typ: workload.DepResource, name: r.name,
		res: r, quantity: quantity, owner: j}
	j.deps = append(j.deps, d)
	r.users = append(r.users, j)
}

// holds reports the units of r that j holds now: those of its dependency
// while it runs.
func (j *job) holds(r *resource) int {
	if j.status != workload.InternalExec {
		return 0
	}
	for _, d := range j.deps {
		if d.res == r && !d.released {
			return d.quantity
		}
	}
	return 0
}

func (r *resource) inUse() int {
	n := 0
	for _, u := range r.users {
		n += u.holds(r)
	}
	return n
}

// freeAt returns the earliest time at or after from when quantity - the
// units of other jobs' runs ≥ need, judged on the runs known now (ended
// runs and running ones, which hold without end); ok is false when that is
// not before a run still going.
func (r *resource) freeAt(self *job, need int, from time.Time) (time.Time, bool) {
	type span struct {
		start, end time.Time // end zero: still running
		units      int
	}
	var spans []span
	for _, u := range r.users {
		if u == self {
			continue
		}
		units := 0
		for _, d := range u.deps {
			if d.res == r && !d.released {
				units = d.quantity
			}
		}
		if units == 0 {
			continue
		}
		for _, rn := range u.runs {
			if rn.start.IsZero() || rn.dontRun || (!rn.end.IsZero() && !rn.end.After(from)) {
				continue
			}
			spans = append(spans, span{rn.start, rn.end, units})
		}
	}
	candidates := []time.Time{from}
	for _, s := range spans {
		if !s.end.IsZero() {
			candidates = append(candidates, s.end)
		}
	}
	slices.SortFunc(candidates, func(a, b time.Time) int { return a.Compare(b) })
	for _, t := range candidates {
		used := 0
		for _, s := range spans {
			if !s.start.After(t) && (s.end.IsZero() || s.end.After(t)) {
				used += s.units
			}
		}
		if r.quantity-used >= need {
			return t, true
		}
	}
	return time.Time{}, false
}

// resourcesFree returns when every unreleased resource need of j can be
// met, at or after from; ok false while one cannot.
func (p *plan) resourcesFree(j *job, from time.Time) (time.Time, bool) {
	at := from
	for _, d := range j.deps {
		if d.res == nil || d.released {
			continue
		}
		t, ok := d.res.freeAt(j, d.quantity, at)
		if !ok {
			return time.Time{}, false
		}
		at = later(at, t)
	}
	return at, true
}

func (p *plan) resourceWire(r *resource) hwa.ResourceInPlan {
	w := hwa.ResourceInPlan{EngineID: engineID, ID: r.id, Folder: r.folder, Name: r.name, Key: r.ws.name + "#" + r.name,
		WorkstationID: r.ws.id, Workstation: r.ws.name, Quantity: int32(r.quantity), Description: r.desc,
		Holders: []hwa.ResourceHolder{}}
	for _, u := range r.users {
		if n := u.holds(r); n > 0 {
			w.Holders = append(w.Holders, hwa.ResourceHolder{JobStreamID: u.stream.id, JobStream: u.stream.key(),
				JobID: u.id, Job: u.name, JobKey: u.key(), Quantity: int32(n)})
			w.QuantityInUse += int32(n)
		}
	}
	w.QuantityAvailable = max(0, w.Quantity-w.QuantityInUse)
	w.Status = "AVAILABLE"
	if w.QuantityAvailable == 0 {
		w.Status = "NOT_AVAILABLE"
	}
	return w
}

func resourceFields() fieldSet[hwa.ResourceInPlan] {
	type R = hwa.ResourceInPlan
	return lower(map[string]field[R]{
		"id":                sf(func(r *R) string { return r.ID }),
		"name":              sf(func(r *R) string { return r.Name }),
		"key":               sf(func(r *R) string { return r.Key }),
		"folder":            sf(func(r *R) string { return r.Folder }),
		"workstation":       sf(func(r *R) string { return r.Workstation }),
		"workstationId":     sf(func(r *R) string { return r.WorkstationID }),
		"description":       sf(func(r *R) string { return r.Description }),
		"status":            sf(func(r *R) string { return r.Status }),
		"quantity":          nf(func(r *R) int64 { return int64(r.Quantity) }),
		"quantityAvailable": nf(func(r *R) int64 { return int64(r.QuantityAvailable) }),
		"quantityInUse":     nf(func(r *R) int64 { return int64(r.QuantityInUse) }),
	})
}

// listResources answers GET /plan/resource: oql (the fields above),
// plan_filter [/folder/]workstation#[/folder/]resource, limit and offset.
func (s *Server) listResources(w http.ResponseWriter, r *http.Request, _ []string) {
	q, err := parseOQL(r.URL.Query().Get("oql"))
	if err != nil {
		badRequest(w, err)
		return
	}
	pf, err := parsePlanFilter(r.URL.Query().Get("plan_filter"), filterStream)
	if err != nil {
		badRequest(w, err)
		return
	}
	pred, less, err := compile(q, resourceFields())
	if err != nil {
		badRequest(w, err)
		return
	}
	out := []hwa.ResourceInPlan{}
	for _, res := range s.plan.resources {
		if !pf.ws(res.ws.name) || !pf.wsFolder(res.ws.folder) || !pf.streamFolder(res.folder) || !pf.stream(res.name) {
			continue
		}
		if rw := s.plan.resourceWire(res); pred(&rw) {
			out = append(out, rw)
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

func (s *Server) getResource(w http.ResponseWriter, r *http.Request, seg []string) {
	res, ok := s.plan.resourceByID[seg[2]]
	if !ok {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no resource with id "+seg[2]+" in the plan")
		return
	}
	writeJSON(w, http.StatusOK, s.plan.resourceWire(res))
}

// routeResources dispatches /plan/resource and /plan/resource/{id}.
func (s *Server) routeResources(seg []string) (func(http.ResponseWriter, *http.Request, []string), bool) {
	switch {
	case len(seg) == 2:
		return s.listResources, true
	case len(seg) == 3:
		return s.getResource, true
	}
	return nil, false
}
