package hwasim

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"testing"
	"time"

	"github.com/resync/resync/shared/domain/workload"
)

var testNow = time.Date(2026, 11, 26, 16, 0, 0, 0, time.UTC)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestGenerateInvariants(t *testing.T) {
	for _, seed := range []int64{1, 2, 42, 20261126} {
		p := generate(Config{Seed: seed}, testNow)
		if got := len(p.workstations); got < 8 {
			t.Errorf("seed %d: workstations = %d, want >= 8", seed, got)
		}
		if got := len(p.streams); got < 40 {
			t.Errorf("seed %d: streams = %d, want >= 40", seed, got)
		}
		if got := len(p.jobs); got != defaultJobs+RecoveryJobs {
			t.Errorf("seed %d: jobs = %d, want %d", seed, got, defaultJobs+RecoveryJobs)
		}
		types := map[workload.WorkstationType]bool{}
		var unlinked, stopped int
		for _, w := range p.workstations {
			types[w.typ] = true
			if !w.linked {
				unlinked++
			}
			if !w.running {
				stopped++
			}
		}
		for _, typ := range []workload.WorkstationType{workload.WSManager, workload.WSFTA, workload.WSAgent, workload.WSXAgent, workload.WSPool, workload.WSDPool} {
			if !types[typ] {
				t.Errorf("seed %d: no workstation of type %s", seed, typ)
			}
		}
		if unlinked == 0 || stopped == 0 {
			t.Errorf("seed %d: unlinked = %d, stopped = %d, want both > 0", seed, unlinked, stopped)
		}

		subs := map[workload.SubStatus]int{}
		statuses := map[workload.InternalStatus]int{}
		var cross, streamDeps, critical, criticalDeps, withLog int
		for _, j := range p.jobs {
			subs[j.sub]++
			statuses[j.status]++
			if !uuidRE.MatchString(j.id) {
				t.Fatalf("seed %d: job id %q is not UUID-shaped", seed, j.id)
			}
			if j.critical {
				critical++
				if j.criticalStart.IsZero() {
					t.Errorf("seed %d: critical job %s has no criticalStart", seed, j.name)
				}
			}
			for _, d := range j.deps {
				if d.critical {
					criticalDeps++
				}
				switch {
				case d.job != nil:
					if d.job.index >= j.index {
						t.Fatalf("seed %d: dependency %s → %s goes forward: not acyclic", seed, d.job.name, j.name)
					}
					if d.job.stream != j.stream {
						cross++
						if d.typ != workload.DepExternalJob {
							t.Errorf("seed %d: cross-stream job dependency typed %s", seed, d.typ)
						}
					}
				case d.stream != nil:
					if d.stream.index >= j.stream.index {
						t.Fatalf("seed %d: job %s depends on stream %s not earlier: not acyclic", seed, j.name, d.stream.name)
					}
				}
			}
			for _, r := range j.runs {
				if !r.start.IsZero() && !r.end.IsZero() && r.number > 0 {
					withLog++
				}
				if !r.end.IsZero() && r.end.Before(r.start) {
					t.Errorf("seed %d: run of %s ends before it starts", seed, j.name)
				}
				if !r.start.IsZero() && r.start.After(testNow) {
					t.Errorf("seed %d: run of %s starts in the future", seed, j.name)
				}
			}
		}
		for _, s := range p.streams {
			for _, d := range s.deps {
				streamDeps++
				if d.stream.index >= s.index {
					t.Fatalf("seed %d: stream %s depends on later stream %s", seed, s.name, d.stream.name)
				}
			}
		}
		for _, sub := range workload.SubStatuses() {
			if subs[sub] == 0 {
				t.Errorf("seed %d: no job in substatus %s", seed, sub)
			}
		}
		for _, st := range []workload.InternalStatus{workload.InternalAbend, workload.InternalFail, workload.InternalExec,
			workload.InternalReady, workload.InternalSucc, workload.InternalCancl, workload.InternalHold, workload.InternalSuppr} {
			if statuses[st] == 0 {
				t.Errorf("seed %d: no job in status %s", seed, st)
			}
		}
		if cross < 20 {
			t.Errorf("seed %d: cross-stream dependencies = %d, want >= 20", seed, cross)
		}
		if streamDeps == 0 {
			t.Errorf("seed %d: no stream → stream dependency", seed)
		}
		if critical == 0 || criticalDeps == 0 {
			t.Errorf("seed %d: critical jobs = %d, critical dependencies = %d, want both > 0", seed, critical, criticalDeps)
		}
		if withLog < 100 {
			t.Errorf("seed %d: finished runs = %d, want >= 100", seed, withLog)
		}
		var late int
		for _, s := range p.streams {
			if s.late {
				late++
			}
		}
		if late == 0 {
			t.Errorf("seed %d: no late job stream", seed)
		}
		var quote bool
		for _, j := range p.jobs {
			quote = quote || j.name == QuoteJobName
		}
		if !quote {
			t.Errorf("seed %d: no job named %s", seed, QuoteJobName)
		}
		t.Logf("seed %d: %d jobs, %d streams (%d late), %d workstations, statuses %v, substatuses %v", seed, len(p.jobs), len(p.streams), late, len(p.workstations), statuses, subs)
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a := generate(Config{Seed: 7}, testNow)
	b := generate(Config{Seed: 7}, testNow)
	c := generate(Config{Seed: 8}, testNow)
	for i := range a.jobs {
		ja, jb := a.jobs[i], b.jobs[i]
		if ja.id != jb.id || ja.name != jb.name || ja.status != jb.status || ja.lastRun().id != jb.lastRun().id || ja.lastRun().rc != jb.lastRun().rc {
			t.Fatalf("job %d differs between two plans of seed 7: %s/%s/%s vs %s/%s/%s", i, ja.id, ja.name, ja.status, jb.id, jb.name, jb.status)
		}
	}
	if a.jobs[0].id == c.jobs[0].id {
		t.Errorf("seeds 7 and 8 gave the same first job id %s", a.jobs[0].id)
	}
}

func TestGenerateSizes(t *testing.T) {
	tests := []struct {
		cfg                  Config
		jobs, streams, minWS int
	}{
		{Config{Jobs: 10}, minJobs, 60, minWorkstations},
		{Config{Jobs: 1000}, 1000, 100, minWorkstations},
		{Config{Jobs: 1000, Streams: 60, Workstations: 20}, 1000, 60, 20},
		{Config{Jobs: 20000}, 20000, 2000, minWorkstations},
	}
	for _, tt := range tests {
		p := generate(tt.cfg, testNow)
		if len(p.jobs) != tt.jobs+RecoveryJobs || len(p.streams) != tt.streams || len(p.workstations) < tt.minWS {
			t.Errorf("%+v: got %d jobs, %d streams, %d workstations; want %d, %d, >= %d",
				tt.cfg, len(p.jobs), len(p.streams), len(p.workstations), tt.jobs+RecoveryJobs, tt.streams, tt.minWS)
		}
	}
}

// TestGenerateAtScale: a large plan has workstations, pools and domains in
// proportion (100–300 jobs per workstation), names that never repeat and
// agents in several time zones.
func TestGenerateAtScale(t *testing.T) {
	const n = 30000
	p := generate(Config{Seed: 3, Jobs: n}, testNow)
	if len(p.jobs) != n+RecoveryJobs || len(p.workstations) != n/jobsPerWorkstation {
		t.Fatalf("%d jobs on %d workstations, want %d on %d", len(p.jobs), len(p.workstations), n+RecoveryJobs, n/jobsPerWorkstation)
	}
	perWS := map[*workstation]int{}
	jobNames, streamNames := map[string]bool{}, map[string]bool{}
	for _, j := range p.jobs {
		perWS[j.ws]++
		if jobNames[j.name] {
			t.Fatalf("job name %s repeats", j.name)
		}
		jobNames[j.name] = true
	}
	for _, s := range p.streams {
		if streamNames[s.name] {
			t.Fatalf("stream name %s repeats", s.name)
		}
		streamNames[s.name] = true
	}
	zones, domains, types, wsNames := map[string]bool{}, map[string]bool{}, map[workload.WorkstationType]int{}, map[string]bool{}
	busy := 0
	for _, w := range p.workstations {
		zones[w.tz], domains[w.domain], wsNames[w.name] = true, true, true
		types[w.typ]++
		if _, err := time.LoadLocation(w.tz); err != nil {
			t.Errorf("workstation %s: time zone %q: %v", w.name, w.tz, err)
		}
		if c := perWS[w]; c >= 100 && c <= 300 {
			busy++
		}
	}
	if len(wsNames) != len(p.workstations) {
		t.Errorf("%d distinct workstation names for %d workstations", len(wsNames), len(p.workstations))
	}
	if busy < len(p.workstations)*9/10 {
		t.Errorf("only %d of %d workstations run 100–300 jobs", busy, len(p.workstations))
	}
	if len(zones) < 5 || len(domains) < 3 || types[workload.WSPool] < 5 || types[workload.WSDPool] < 5 || types[workload.WSFTA] < 20 {
		t.Errorf("zones %v, domains %d, types %v: want several of each", zones, len(domains), types)
	}
}

// BenchmarkGenerate measures generating a plan (and running the engine up
// to now) at 1,000 to 200,000 jobs, with the heap the plan holds.
func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000, 200000} {
		b.Run(fmt.Sprintf("jobs=%d", n), func(b *testing.B) {
			var p *plan
			for b.Loop() {
				p = generate(Config{Seed: 1, Jobs: n}, testNow)
			}
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			b.ReportMetric(float64(m.HeapAlloc)/(1<<20), "heapMB")
			b.ReportMetric(float64(len(p.workstations)), "workstations")
			runtime.KeepAlive(p)
		})
	}
}

// BenchmarkQuery20000 measures one page of an OQL query over a 20,000-job
// plan through the HTTP handler (the filter renders every job).
func BenchmarkQuery20000(b *testing.B) {
	s := New(Config{Seed: 1, Jobs: 20000, Now: testNow})
	req := httptest.NewRequest("GET", "/twsd/api/v2/plan/job?limit=500&oql="+
		url.QueryEscape("lastRunCommonStatus IN ['ERROR','WAITING'] ORDER BY name"), nil)
	for b.Loop() {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// TestDefaultPlanHasSeveralTimeZones: even the default plan has agents
// outside UTC, and their streams' jobs carry their zone.
func TestDefaultPlanHasSeveralTimeZones(t *testing.T) {
	p := generate(Config{Seed: 1}, testNow)
	zones := map[string]bool{}
	for _, w := range p.workstations {
		zones[w.tz] = true
	}
	if len(zones) < 4 {
		t.Errorf("default plan: time zones %v, want at least 4", zones)
	}
	for _, s := range p.streams {
		if j := p.renderJob(s.jobs[0], false, false); j.TimeZone != s.ws.tz {
			t.Fatalf("%s: timeZone %q, want its stream's workstation's %q", j.Name, j.TimeZone, s.ws.tz)
		}
	}
}
