package planview

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/resync/resync/shared/domain/workload"
)

// names are every job, job stream and workstation name of the plan, upper
// case, with how many objects bear each.
func (p simPlan) names() map[string]int {
	n := map[string]int{}
	for _, j := range p.jobs {
		n[strings.ToUpper(j.Name)]++
	}
	for _, s := range p.streams {
		n[strings.ToUpper(s.Name)]++
	}
	for _, w := range p.wss {
		n[strings.ToUpper(w.Name)]++
	}
	return n
}

// misspellings of a name: one letter dropped, two letters swapped.
func misspellings(name string) map[string]string {
	i := len(name) / 2
	for i+1 < len(name) && name[i] == name[i+1] {
		i++
	}
	return map[string]string{
		"dropped": name[:i] + name[i+1:],
		"swapped": name[:i] + string(name[i+1]) + string(name[i]) + name[i+2:],
	}
}

// nearestOnly reports whether name bears one object and each of its
// misspellings is one edit from it and at least two from every other name.
func nearestOnly(name string, all map[string]int) bool {
	if all[name] != 1 || len(name) < 8 || !strings.Contains(name, "_") {
		return false
	}
	for _, m := range misspellings(name) {
		if workload.Distance(m, name) != 1 {
			return false
		}
		for other := range all {
			if other != name && workload.Distance(m, other) < 2 {
				return false
			}
		}
	}
	return true
}

// pick returns the first name (in order) for which keep holds.
func pick[T any](t *testing.T, what string, items []T, name func(T) string, keep func(T) bool) T {
	t.Helper()
	sort.SliceStable(items, func(a, b int) bool { return name(items[a]) < name(items[b]) })
	for _, it := range items {
		if keep(it) {
			return it
		}
	}
	t.Fatalf("the simulated plan has no %s to test with", what)
	var zero T
	return zero
}

func TestResolveExact(t *testing.T) {
	svc, p := newSimService(t)
	ctx := context.Background()
	all := p.names()
	j := pick(t, "uniquely named job", append([]workload.Job(nil), p.jobs...), func(j workload.Job) string { return j.Name },
		func(j workload.Job) bool {
			return nearestOnly(strings.ToUpper(j.Name), all) && j.StreamName != "" && j.Workstation != ""
		})
	st := pick(t, "job stream", append([]workload.JobStream(nil), p.streams...), func(s workload.JobStream) string { return s.Name },
		func(s workload.JobStream) bool { return strings.Contains(s.Name, "_") })
	ws := pick(t, "workstation", append([]workload.Workstation(nil), p.wss...), func(w workload.Workstation) string { return w.Name },
		func(w workload.Workstation) bool { return all[strings.ToUpper(w.Name)] == 1 })
	streamIDs := map[string]bool{}
	for _, s := range p.streams {
		if strings.EqualFold(s.Name, st.Name) {
			streamIDs[s.ID] = true
		}
	}
	lower := strings.ToLower
	for _, tc := range []struct {
		name, query string
		kind        string
		ids         map[string]bool
	}{
		{"job name, lower case", lower(j.Name), KindJob, map[string]bool{j.ID: true}},
		{"job name, as is", j.Name, KindJob, map[string]bool{j.ID: true}},
		{"STREAM.NAME, mixed case", strings.ToUpper(j.StreamName) + "." + lower(j.Name), KindJob, map[string]bool{j.ID: true}},
		{"WS#STREAM.NAME, lower case", lower(j.Workstation + "#" + j.StreamName + "." + j.Name), KindJob, map[string]bool{j.ID: true}},
		{"job name with spaces", strings.ReplaceAll(lower(j.Name), "_", " "), KindJob, map[string]bool{j.ID: true}},
		{"job name with hyphens", strings.ReplaceAll(j.Name, "_", "-"), KindJob, map[string]bool{j.ID: true}},
		{"job name, padded", "  " + lower(j.Name) + " ", KindJob, map[string]bool{j.ID: true}},
		{"job id", j.ID, KindJob, map[string]bool{j.ID: true}},
		{"stream name, lower case", lower(st.Name), KindJobStream, streamIDs},
		{"stream name with spaces", strings.ReplaceAll(lower(st.Name), "_", " "), KindJobStream, streamIDs},
		{"workstation name, lower case", lower(ws.Name), KindWorkstation, map[string]bool{ws.ID: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := svc.Resolve(ctx, tc.query, 0)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, m := range r.Exact {
				if m.Kind != tc.kind || m.Edits != 0 {
					t.Errorf("exact match %+v: want kind %s, edits 0", m, tc.kind)
				}
				got[m.ID] = true
			}
			if d := diff(got, tc.ids); d != "extra ; missing " || r.Total != len(tc.ids) || r.Truncated {
				t.Errorf("exact %v total %d truncated %v; want %d of kind %s: %s", r.Exact, r.Total, r.Truncated, len(tc.ids), tc.kind, d)
			}
			if len(r.Suggestions) != 0 {
				t.Errorf("an exact match also suggests %v", r.Suggestions)
			}
		})
	}
	if r, err := svc.Resolve(ctx, lower(j.Name), 0); err == nil && len(r.Exact) == 1 {
		m := r.Exact[0]
		if m.Name != j.Name || m.Stream != j.StreamName || m.Workstation != j.Workstation || m.Status != string(j.Common) || m.Internal != string(j.Internal) {
			t.Errorf("match %+v does not describe job %s.%s on %s (%s/%s)", m, j.StreamName, j.Name, j.Workstation, j.Common, j.Internal)
		}
	}
}

func TestResolveSuggestions(t *testing.T) {
	svc, p := newSimService(t)
	ctx := context.Background()
	all := p.names()
	j := pick(t, "job with a distinct name", append([]workload.Job(nil), p.jobs...), func(j workload.Job) string { return j.Name },
		func(j workload.Job) bool { return nearestOnly(strings.ToUpper(j.Name), all) })
	st := pick(t, "job stream with a distinct name", append([]workload.JobStream(nil), p.streams...), func(s workload.JobStream) string { return s.Name },
		func(s workload.JobStream) bool { return nearestOnly(strings.ToUpper(s.Name), all) })
	for _, target := range []struct{ kind, name, id string }{{KindJob, j.Name, j.ID}, {KindJobStream, st.Name, st.ID}} {
		for how, typo := range misspellings(target.name) {
			for _, query := range []string{typo, strings.ToLower(typo)} {
				t.Run(target.kind+"/"+how+"/"+query, func(t *testing.T) {
					r, err := svc.Resolve(ctx, query, 0)
					if err != nil {
						t.Fatal(err)
					}
					if r.Total != 0 || len(r.Exact) != 0 {
						t.Fatalf("a misspelling matched exactly: %v", r.Exact)
					}
					if len(r.Suggestions) == 0 {
						t.Fatalf("no suggestion for %q, want %s %s", query, target.kind, target.name)
					}
					if s := r.Suggestions[0]; s.Kind != target.kind || s.Name != target.name || s.ID != target.id || s.Edits != 1 {
						t.Errorf("first suggestion %+v, want %s %s (%s) at 1 edit", s, target.kind, target.name, target.id)
					}
					if len(r.Suggestions) > maxSuggestions {
						t.Errorf("%d suggestions, at most %d", len(r.Suggestions), maxSuggestions)
					}
					for i := 1; i < len(r.Suggestions); i++ {
						if r.Suggestions[i].Edits < r.Suggestions[i-1].Edits {
							t.Errorf("suggestions not nearest first: %v", r.Suggestions)
						}
					}
				})
			}
		}
	}

	far := "QXZJ_VVKW_9001"
	for name := range all {
		if workload.Distance(far, name) <= workload.MaxEdits(far) || strings.Contains(name, far) {
			t.Fatalf("%q is close to %q: pick another far name", far, name)
		}
	}
	r, err := svc.Resolve(ctx, far, 0)
	if err != nil || r.Total != 0 || len(r.Exact) != 0 || len(r.Suggestions) != 0 || r.Suggestions == nil {
		t.Errorf("Resolve(%q) = %+v, %v; want no match, no suggestion (an empty list)", far, r, err)
	}
}

func TestResolveBadNames(t *testing.T) {
	svc, _ := newSimService(t)
	ctx := context.Background()
	for name, in := range map[string]string{"empty": "", "blank": "  \t ", "257 characters": strings.Repeat("A", 257)} {
		if _, err := svc.Resolve(ctx, in, 0); !errors.Is(err, ErrBadQuery) {
			t.Errorf("%s: err = %v, want ErrBadQuery", name, err)
		}
	}
	if r, err := svc.Resolve(ctx, strings.Repeat("A", 256), 0); err != nil || r.Total != 0 {
		t.Errorf("256 characters: %+v, %v; want an answer with no match", r, err)
	}
}
