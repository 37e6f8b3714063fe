package agent

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/shared/app/planview"
	"github.com/resync/resync/shared/domain/workload"
)

// planJobs is the ground truth: every job of the simulated plan, read
// through the adapter, not through the tools.
func planJobs(t *testing.T, e *env) []workload.Job {
	t.Helper()
	jobs, err := e.src.AllJobs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) < 120 {
		t.Fatalf("the simulator has %d jobs", len(jobs))
	}
	return jobs
}

func jobIDs(jobs []workload.Job, keep func(workload.Job) bool) map[string]bool {
	out := map[string]bool{}
	for _, j := range jobs {
		if keep(j) {
			out[j.ID] = true
		}
	}
	return out
}

func last(j workload.Job) workload.Run {
	r, _ := j.LastRun()
	return r
}

// between is the documented window rule: t in [after, before), zero
// bounds open, a zero t outside.
func between(t, after, before time.Time) bool {
	return !t.IsZero() && (after.IsZero() || !t.Before(after)) && (before.IsZero() || t.Before(before))
}

func sameIDs(got []planview.JobView, want map[string]bool) bool {
	if len(got) != len(want) {
		return false
	}
	for _, v := range got {
		if !want[v.ID] {
			return false
		}
	}
	return true
}

func searchResult(t *testing.T, o outcome) SearchJobsResult {
	t.Helper()
	if o.isError {
		t.Fatalf("search_jobs: error %+v", o.value)
	}
	r, ok := o.value.(SearchJobsResult)
	if !ok {
		t.Fatalf("search_jobs: got %T", o.value)
	}
	return r
}

func errorResult(t *testing.T, o outcome) ErrorResult {
	t.Helper()
	er, ok := o.value.(ErrorResult)
	if !o.isError || !ok {
		t.Fatalf("got %T %+v, want an error result", o.value, o.value)
	}
	return er
}

func TestSearchJobsStatusAnyCase(t *testing.T) {
	e := newEnv(t, envOptions{})
	jobs := planJobs(t, e)
	internal := func(s workload.InternalStatus) func(workload.Job) bool {
		return func(j workload.Job) bool { return j.Internal == s }
	}
	common := func(s workload.CommonStatus) func(workload.Job) bool {
		return func(j workload.Job) bool { return j.Common == s }
	}
	for _, tc := range []struct {
		filter JobFilter
		want   func(workload.Job) bool
		failed bool
	}{
		{JobFilter{Status: "abend"}, internal(workload.InternalAbend), false},
		{JobFilter{Status: "ABEND"}, internal(workload.InternalAbend), false},
		{JobFilter{Status: "Abended"}, internal(workload.InternalAbend), false},
		{JobFilter{InternalStatus: "abend"}, internal(workload.InternalAbend), false},
		{JobFilter{Status: "EXEC"}, internal(workload.InternalExec), false},
		{JobFilter{Status: "exec"}, internal(workload.InternalExec), false},
		{JobFilter{Status: "hold"}, internal(workload.InternalHold), false},
		{JobFilter{Status: "held"}, common(workload.CommonHeld), false},
		{JobFilter{Status: "Successful"}, common(workload.CommonSuccessful), false},
		{JobFilter{Status: "failed"}, workload.Job.Failed, true},
		{JobFilter{Status: "FAILED"}, workload.Job.Failed, true},
		{JobFilter{Status: "error"}, workload.Job.Failed, true},
		{JobFilter{Status: " failed ", Workstation: jobs[0].Workstation}, func(j workload.Job) bool { return j.Failed() && j.Workstation == jobs[0].Workstation }, true},
	} {
		name := tc.filter.Status + tc.filter.InternalStatus
		t.Run(name, func(t *testing.T) {
			want := jobIDs(jobs, tc.want)
			if len(want) == 0 && tc.filter.Workstation == "" {
				t.Fatalf("no job of the plan is %s: the case tests nothing", name)
			}
			o, _ := call(t, e, ToolSearchJobs, SearchJobsInput{JobFilter: tc.filter, Limit: planview.MaxLimit})
			r := searchResult(t, o)
			if r.Total != int64(len(want)) || !sameIDs(r.Items, want) || r.Truncated {
				t.Errorf("total %d, %d items, truncated %v; want %d", r.Total, len(r.Items), r.Truncated, len(want))
			}
			if r.Applied.Failed != tc.failed || r.Applied.Label == "" {
				t.Errorf("applied %+v: want failed=%v and a label", r.Applied, tc.failed)
			}
		})
	}

	t.Run("truncated page", func(t *testing.T) {
		want := jobIDs(jobs, internal(workload.InternalHold))
		o, m := call(t, e, ToolSearchJobs, SearchJobsInput{JobFilter: JobFilter{Status: "hold"}, Limit: 10})
		r := searchResult(t, o)
		if len(r.Items) != 10 || r.Total != int64(len(want)) || !r.Truncated || len(want) <= 10 {
			t.Errorf("%d items of %d, truncated %v; want 10 of %d, truncated", len(r.Items), r.Total, r.Truncated, len(want))
		}
		if m["truncated"] != true || m["total"] != float64(len(want)) {
			t.Errorf("JSON result has truncated=%v total=%v", m["truncated"], m["total"])
		}
		if !strings.Contains(o.summary, "first 10 shown") {
			t.Errorf("summary %q does not say the list is cut", o.summary)
		}
	})

	for _, tc := range []struct {
		status, hint string
	}{
		{"abneded", "did you mean abended"},
		{"Abneded", "did you mean abended"},
		{"BROKEN", ""},
	} {
		t.Run("unknown "+tc.status, func(t *testing.T) {
			for _, tool := range []string{ToolSearchJobs, ToolCountJobs} {
				o, _ := call(t, e, tool, SearchJobsInput{JobFilter: JobFilter{Status: tc.status}})
				er := errorResult(t, o)
				if er.Code != CodeBadInput || !strings.Contains(er.Error, tc.status) {
					t.Errorf("%s: %+v, want bad_input naming %q", tool, er, tc.status)
				}
				if tc.hint != "" && !strings.Contains(er.Error, tc.hint) {
					t.Errorf("%s: %q does not say %q", tool, er.Error, tc.hint)
				}
				if tc.hint == "" && strings.Contains(er.Error, "did you mean") {
					t.Errorf("%s: %q suggests for a word close to nothing", tool, er.Error)
				}
			}
		})
	}
}

func TestSearchJobsTimeWindows(t *testing.T) {
	e := newEnv(t, envOptions{})
	jobs := planJobs(t, e)
	h := time.Hour
	for _, tc := range []struct {
		name   string
		filter JobFilter
		want   func(workload.Job) bool
		window string
	}{
		{"-1h", JobFilter{EndedSince: "-1h"},
			func(j workload.Job) bool { return between(last(j).End, t0.Add(-h), time.Time{}) },
			"ended since 2026-11-26 02:00 UTC"},
		{"2h ago", JobFilter{StartedSince: "2h ago"},
			func(j workload.Job) bool { return between(last(j).Start, t0.Add(-2*h), time.Time{}) },
			"started since 2026-11-26 01:00 UTC"},
		{"02:00", JobFilter{EndedSince: "02:00"},
			func(j workload.Job) bool { return between(last(j).End, t0.Add(-h), time.Time{}) },
			"ended since 2026-11-26 02:00 UTC"},
		{"22:00 is last night", JobFilter{StartedSince: "22:00", StartedUntil: "23:30"},
			func(j workload.Job) bool { return between(last(j).Start, t0.Add(-5*h), t0.Add(-7*h/2)) },
			"started since 2026-11-25 22:00 UTC, started before 2026-11-25 23:30 UTC"},
		{"RFC 3339", JobFilter{StartedSince: "2026-11-25T22:00:00Z", StartedUntil: "2026-11-26T00:00:00+01:00"},
			func(j workload.Job) bool { return between(last(j).Start, t0.Add(-5*h), t0.Add(-4*h)) },
			"started since 2026-11-25 22:00 UTC, started before 2026-11-25 23:00 UTC"},
		{"ended until", JobFilter{EndedUntil: "-6h"},
			func(j workload.Job) bool { return between(last(j).End, time.Time{}, t0.Add(-6*h)) },
			"ended before 2026-11-25 21:00 UTC"},
		{"scheduled since now", JobFilter{ScheduledSince: "now"},
			func(j workload.Job) bool { return between(j.SchedTime, t0, time.Time{}) },
			"scheduled since 2026-11-26 03:00 UTC"},
		{"scheduled until", JobFilter{ScheduledUntil: "2026-11-25 19:00"},
			func(j workload.Job) bool { return between(j.SchedTime, time.Time{}, t0.Add(-8*h)) },
			"scheduled before 2026-11-25 19:00 UTC"},
		{"failed in the last 10h", JobFilter{Status: "failed", EndedSince: "-10h"},
			func(j workload.Job) bool { return j.Failed() && between(last(j).End, t0.Add(-10*h), time.Time{}) },
			"ended since 2026-11-25 17:00 UTC"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := jobIDs(jobs, tc.want)
			if len(want) == 0 || len(want) == len(jobs) {
				t.Fatalf("ground truth has %d of %d jobs: the case tests nothing", len(want), len(jobs))
			}
			o, m := call(t, e, ToolSearchJobs, SearchJobsInput{JobFilter: tc.filter, Limit: planview.MaxLimit})
			r := searchResult(t, o)
			if r.Total != int64(len(want)) || !sameIDs(r.Items, want) || r.Truncated {
				t.Errorf("total %d, %d items, truncated %v; want %d", r.Total, len(r.Items), r.Truncated, len(want))
			}
			ap, _ := m["applied"].(map[string]any)
			if ap["window"] != tc.window || ap["timeZone"] != "UTC" || !r.Applied.Now.Equal(t0) {
				t.Errorf("applied %v (now %v); want window %q, timeZone UTC, now %v", ap, r.Applied.Now, tc.window, t0)
			}
			if _, ok := m["truncated"].(bool); !ok {
				t.Errorf("result has no truncated flag: %v", m)
			}
			// count_jobs reads the same filter alike.
			o, _ = call(t, e, ToolCountJobs, CountJobsInput{JobFilter: tc.filter})
			if c, ok := o.value.(CountJobsResult); !ok || c.Total != len(want) || c.Applied.Window != tc.window {
				t.Errorf("count_jobs: %+v, want total %d, window %q", o.value, len(want), tc.window)
			}
		})
	}
	for _, tc := range []struct {
		name   string
		filter JobFilter
		says   string
	}{
		{"not a time", JobFilter{StartedSince: "soon"}, "started since"},
		{"bad clock", JobFilter{EndedUntil: "25:00"}, "ended before"},
		{"bad duration", JobFilter{ScheduledSince: "-x"}, "scheduled since"},
		{"window ends before it starts", JobFilter{StartedSince: "-1h", StartedUntil: "-2h"}, "ends before it starts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, _ := call(t, e, ToolSearchJobs, SearchJobsInput{JobFilter: tc.filter})
			if er := errorResult(t, o); er.Code != CodeBadInput || !strings.Contains(er.Error, tc.says) {
				t.Errorf("got %+v, want bad_input saying %q", er, tc.says)
			}
		})
	}
}

// TestSearchJobsPlanZone: clock times are read, and windows written, in the
// plan's time zone.
func TestSearchJobsPlanZone(t *testing.T) {
	e := newEnv(t, envOptions{})
	jobs := planJobs(t, e)
	cet := time.FixedZone("CET", 3600)
	tools := NewTools(e.plan.WithZone(cet), e.src, nil)
	in, err := json.Marshal(SearchJobsInput{JobFilter: JobFilter{StartedSince: "02:00"}, Limit: planview.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	o := tools.run(context.Background(), Call{User: "alice", Name: ToolSearchJobs, Input: in})
	r := searchResult(t, o)
	// 02:00 CET is 01:00 UTC, two hours before the plan clock (03:00 UTC).
	want := jobIDs(jobs, func(j workload.Job) bool { return between(last(j).Start, t0.Add(-2*time.Hour), time.Time{}) })
	if r.Total != int64(len(want)) || !sameIDs(r.Items, want) || len(want) == 0 {
		t.Errorf("total %d, %d items; want %d", r.Total, len(r.Items), len(want))
	}
	if r.Applied.Window != "started since 2026-11-26 02:00 CET" || r.Applied.TimeZone != "CET" || r.Applied.Now.Location() != cet {
		t.Errorf("applied %+v, want window in CET", r.Applied)
	}
}

func TestCountJobsByWorkstation(t *testing.T) {
	e := newEnv(t, envOptions{})
	jobs := planJobs(t, e)
	for _, tc := range []struct {
		name   string
		filter JobFilter
		keep   func(workload.Job) bool
	}{
		{"every job", JobFilter{}, func(workload.Job) bool { return true }},
		{"failed", JobFilter{Status: "failed"}, workload.Job.Failed},
		{"ended in the last 3h", JobFilter{EndedSince: "3h ago"}, func(j workload.Job) bool { return between(last(j).End, t0.Add(-3*time.Hour), time.Time{}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, total := map[string]int{}, 0
			for _, j := range jobs {
				if tc.keep(j) {
					n[j.Workstation]++
					total++
				}
			}
			var want []planview.Group
			for k, c := range n {
				want = append(want, planview.Group{Key: k, Count: c})
			}
			sort.Slice(want, func(a, b int) bool {
				if want[a].Count != want[b].Count {
					return want[a].Count > want[b].Count
				}
				return want[a].Key < want[b].Key
			})
			o, _ := call(t, e, ToolCountJobs, CountJobsInput{JobFilter: tc.filter, GroupBy: GroupWorkstation})
			c, ok := o.value.(CountJobsResult)
			if !ok {
				t.Fatalf("count_jobs: got %+v", o.value)
			}
			if c.Total != total || c.GroupBy != GroupWorkstation || len(c.Groups) != len(want) {
				t.Fatalf("total %d, %d groups %v; want %d, %v", c.Total, len(c.Groups), c.Groups, total, want)
			}
			for i := range want {
				if c.Groups[i] != want[i] {
					t.Errorf("group %d = %+v, want %+v", i, c.Groups[i], want[i])
				}
			}
			if !strings.Contains(o.summary, want[0].Key) {
				t.Errorf("summary %q does not name the largest group %s", o.summary, want[0].Key)
			}
		})
	}
	o, _ := call(t, e, ToolCountJobs, CountJobsInput{GroupBy: "colour"})
	if er := errorResult(t, o); er.Code != CodeBadInput || !strings.Contains(er.Error, "colour") {
		t.Errorf("groupBy colour: %+v, want bad_input naming it", er)
	}
}

func TestAttentionTool(t *testing.T) {
	e := newEnv(t, envOptions{})
	jobs := planJobs(t, e)
	failed := jobIDs(jobs, workload.Job.Failed)
	if len(failed) == 0 {
		t.Fatal("the simulator has no failed job")
	}
	o, m := call(t, e, ToolAttention, AttentionInput{Limit: planview.MaxLimit})
	l, ok := o.value.(planview.AttentionList)
	if o.isError || !ok {
		t.Fatalf("attention: %+v", o.value)
	}
	if len(l.Items) == 0 || l.Total != len(l.Items) || l.Truncated || m["total"] != float64(l.Total) {
		t.Fatalf("attention: %d items, total %d (JSON %v), truncated %v", len(l.Items), l.Total, m["total"], l.Truncated)
	}
	listed := map[string]string{}
	for i, it := range l.Items {
		if it.Rank != i+1 {
			t.Errorf("item %d has rank %d", i, it.Rank)
		}
		listed[it.ID] = it.Kind
	}
	for id := range failed {
		if k := listed[id]; k != planview.AttentionAbended && k != planview.AttentionCriticalFailed {
			t.Errorf("failed job %s listed as %q", id, k)
		}
	}
	if len(o.refs) != len(l.Items) {
		t.Errorf("%d refs for %d items", len(o.refs), len(l.Items))
	}
	o, _ = call(t, e, ToolAttention, AttentionInput{Limit: 2})
	if cut, _ := o.value.(planview.AttentionList); len(cut.Items) != 2 || !cut.Truncated || cut.Total != l.Total {
		t.Errorf("limit 2: %d items, truncated %v, total %d; want 2, true, %d", len(cut.Items), cut.Truncated, cut.Total, l.Total)
	}
}

// distinctJob returns a job whose name no other object bears and whose
// misspelling (a letter dropped) is one edit from it and two from every
// other name of the plan, and that misspelling.
func distinctJob(t *testing.T, e *env, jobs []workload.Job) (workload.Job, string) {
	t.Helper()
	streams, err := e.plan.Streams(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, j := range jobs {
		names[j.Name]++
	}
	for _, s := range streams.Items {
		names[s.Name]++
	}
	sorted := append([]workload.Job(nil), jobs...)
	sort.Slice(sorted, func(a, b int) bool { return sorted[a].Name < sorted[b].Name })
next:
	for _, j := range sorted {
		if names[j.Name] != 1 || len(j.Name) < 8 {
			continue
		}
		typo := j.Name[:len(j.Name)/2] + j.Name[len(j.Name)/2+1:]
		for other := range names {
			if other != j.Name && workload.Distance(strings.ToUpper(typo), strings.ToUpper(other)) < 2 {
				continue next
			}
		}
		return j, typo
	}
	t.Fatal("no job with a distinct name in the simulator")
	return workload.Job{}, ""
}

func TestResolveNameTool(t *testing.T) {
	e := newEnv(t, envOptions{})
	jobs := planJobs(t, e)
	j, typo := distinctJob(t, e, jobs)
	stream := jobs[len(jobs)/2].StreamName
	for _, tc := range []struct {
		name, query string
		exact       []string // kind:name of the exact matches
		first       string   // kind:name of the first suggestion
	}{
		{"job, lower case", strings.ToLower(j.Name), []string{"job:" + j.Name}, ""},
		{"job with spaces", strings.ReplaceAll(strings.ToLower(j.Name), "_", " "), []string{"job:" + j.Name}, ""},
		{"stream, lower case", strings.ToLower(stream), []string{"jobstream:" + stream}, ""},
		{"misspelled job", strings.ToLower(typo), nil, "job:" + j.Name},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, _ := call(t, e, ToolResolveName, ResolveNameInput{Name: tc.query})
			r, ok := o.value.(planview.Resolution)
			if o.isError || !ok {
				t.Fatalf("resolve_name: %+v", o.value)
			}
			var exact []string
			for _, m := range r.Exact {
				exact = append(exact, m.Kind+":"+m.Name)
			}
			if strings.Join(exact, ",") != strings.Join(tc.exact, ",") {
				t.Errorf("exact %v, want %v", exact, tc.exact)
			}
			if tc.first != "" && (len(r.Suggestions) == 0 || r.Suggestions[0].Kind+":"+r.Suggestions[0].Name != tc.first) {
				t.Errorf("suggestions %v, want %s first", r.Suggestions, tc.first)
			}
			if len(o.refs) != len(r.Exact)+len(r.Suggestions) {
				t.Errorf("%d refs for %d matches", len(o.refs), len(r.Exact)+len(r.Suggestions))
			}
		})
	}
	o, _ := call(t, e, ToolResolveName, ResolveNameInput{Name: "  "})
	if er := errorResult(t, o); er.Code != CodeBadInput {
		t.Errorf("blank name: %+v, want bad_input", er)
	}
}

func TestGetJobSuggestions(t *testing.T) {
	e := newEnv(t, envOptions{})
	jobs := planJobs(t, e)
	j, typo := distinctJob(t, e, jobs)
	for _, ref := range []string{typo, strings.ToLower(typo), j.StreamName + "." + typo} {
		t.Run("misspelled "+ref, func(t *testing.T) {
			o, m := call(t, e, ToolGetJob, GetJobInput{Job: ref})
			er := errorResult(t, o)
			if er.Code != CodeNotFound || len(er.Suggestions) == 0 {
				t.Fatalf("got %+v, want not_found with suggestions", er)
			}
			if s := er.Suggestions[0]; s.Kind != planview.KindJob || s.ID != j.ID || s.Name != j.Name || s.Edits != 1 {
				t.Errorf("first suggestion %+v, want job %s (%s) at 1 edit", s, j.Name, j.ID)
			}
			if !strings.Contains(er.Error, "did you mean job "+j.Name) {
				t.Errorf("error %q does not suggest job %s", er.Error, j.Name)
			}
			if s, _ := m["suggestions"].([]any); len(s) != len(er.Suggestions) {
				t.Errorf("JSON result has %d suggestions, want %d", len(s), len(er.Suggestions))
			}
		})
	}
	streams, err := e.plan.Streams(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var st planview.StreamView
	for _, s := range streams.Items {
		if len(jobIDs(jobs, func(j workload.Job) bool { return strings.EqualFold(j.Name, s.Name) })) == 0 {
			st = s
			break
		}
	}
	if st.Name == "" {
		t.Fatal("every job stream shares its name with a job")
	}
	for _, ref := range []string{st.Name, strings.ToLower(st.Name)} {
		t.Run("stream name "+ref, func(t *testing.T) {
			o, _ := call(t, e, ToolGetJob, GetJobInput{Job: ref})
			er := errorResult(t, o)
			if er.Code != CodeNotFound {
				t.Fatalf("got %+v, want not_found", er)
			}
			found := false
			for _, s := range er.Suggestions {
				if s.Kind != planview.KindJobStream || s.Edits != 0 || s.Name != st.Name {
					t.Errorf("suggestion %+v, want only job streams named %s at 0 edits", s, st.Name)
				}
				found = found || s.ID == st.ID
			}
			if !found {
				t.Errorf("suggestions %+v lack job stream %s (%s)", er.Suggestions, st.Name, st.ID)
			}
			if !strings.Contains(er.Error, "did you mean jobstream "+st.Name) {
				t.Errorf("error %q does not point to the job stream", er.Error)
			}
		})
	}
}
