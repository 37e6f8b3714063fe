package hwasim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
)

var testNow = time.Date(2026, 11, 26, 16, 0, 0, 0, time.UTC)

// api is a small test client of the simulator.
type api struct {
	t    *testing.T
	sim  *hwasim.Server
	srv  *httptest.Server
	user string
	pass string
}

func newAPI(t *testing.T, cfg hwasim.Config) *api {
	t.Helper()
	if cfg.Now.IsZero() && cfg.Clock == nil {
		cfg.Now = testNow
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	sim := hwasim.New(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &api{t: t, sim: sim, srv: srv}
}

// do sends a request to path under /twsd/api/v2 (or a full URL).
func (a *api) do(method, path, body string, hdr map[string]string) (int, http.Header, []byte) {
	a.t.Helper()
	u := path
	if !strings.HasPrefix(path, "http") {
		u = a.srv.URL + "/twsd/api/v2" + path
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if a.user != "" {
		req.SetBasicAuth(a.user, a.pass)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func (a *api) get(path string) []byte {
	a.t.Helper()
	st, _, b := a.do("GET", path, "", nil)
	if st != http.StatusOK {
		a.t.Fatalf("GET %s: status %d, want 200: %s", path, st, b)
	}
	return b
}

// put sends an action with the JSON content type and {}; it returns the status and body.
func (a *api) put(path string) (int, []byte) {
	a.t.Helper()
	st, _, b := a.do("PUT", path, "{}", map[string]string{"Content-Type": "application/json"})
	return st, b
}

func (a *api) mustPut(path string) {
	a.t.Helper()
	if st, b := a.put(path); st != http.StatusOK {
		a.t.Fatalf("PUT %s: status %d, want 200: %s", path, st, b)
	}
}

func (a *api) jobs(oql string) []hwa.JobInPlan {
	a.t.Helper()
	var p hwa.Page[hwa.JobInPlan]
	unmarshal(a.t, a.get("/plan/job?oql="+url.QueryEscape(oql)), &p)
	return p.Results
}

// jobNamed returns the one job called name.
func (a *api) jobNamed(name string) hwa.JobInPlan {
	a.t.Helper()
	js := a.jobs("name = '" + strings.ReplaceAll(name, "'", "''") + "'")
	if len(js) != 1 {
		a.t.Fatalf("%d jobs named %s, want 1", len(js), name)
	}
	return a.job(js[0].ID)
}

func (a *api) job(id string) hwa.JobInPlan {
	a.t.Helper()
	var j hwa.JobInPlan
	unmarshal(a.t, a.get("/plan/job/"+id), &j)
	return j
}

func (a *api) streamNamed(name string) hwa.JobStreamInPlan {
	a.t.Helper()
	var p hwa.Page[hwa.JobStreamInPlan]
	unmarshal(a.t, a.get("/plan/jobstream?oql="+url.QueryEscape("name = '"+name+"'")), &p)
	if len(p.Results) != 1 {
		a.t.Fatalf("%d streams named %s, want 1", len(p.Results), name)
	}
	var s hwa.JobStreamInPlan
	unmarshal(a.t, a.get("/plan/jobstream/"+p.Results[0].ID), &s)
	return s
}

func unmarshal(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %T: %v: %.300s", v, err, b)
	}
}

// state is a job's internal status, substatus and common status.
func state(j hwa.JobInPlan) string {
	return j.LastRunCompositeStatus.Status + "/" + j.LastRunCompositeStatus.Substatus + "/" + j.LastRunCommonStatus
}

func lastRun(t *testing.T, j hwa.JobInPlan) hwa.JobRun {
	t.Helper()
	for _, r := range j.JobRuns {
		if r.LastInRerunChain {
			return r
		}
	}
	t.Fatalf("job %s has no run with lastInRerunChain", j.Name)
	return hwa.JobRun{}
}
