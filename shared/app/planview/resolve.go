package planview

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/resync/resync/shared/domain/workload"
)

// Kinds of plan objects a name resolves to.
const (
	KindJob         = "job"
	KindJobStream   = "jobstream"
	KindWorkstation = "workstation"
)

// Match is one plan object a name designates or is close to.
type Match struct {
	Kind        string `json:"kind"` // job | jobstream | workstation
	Name        string `json:"name"`
	ID          string `json:"id,omitempty"`
	Stream      string `json:"stream,omitempty"`
	Workstation string `json:"workstation,omitempty"`
	Status      string `json:"status,omitempty"`
	Internal    string `json:"internalStatus,omitempty"`
	// Edits is the distance of a suggestion from the name asked (0 exact; a
	// name containing the one asked counts as 3).
	Edits int `json:"edits"`
}

// Resolution is what a name is in the plan: the objects of exactly that
// name (any kind), else the closest names as "did you mean" suggestions.
type Resolution struct {
	Name        string  `json:"name"`
	Exact       []Match `json:"exact"`
	Suggestions []Match `json:"suggestions"`
	// Total counts the exact matches; Truncated says Exact was cut to the limit.
	Total     int  `json:"total"`
	Truncated bool `json:"truncated"`
	// Capped: a name query selected more jobs than one page (resolvePage)
	// and only the first page was read, so a match or suggestion may be
	// missing; Selected is how many jobs those queries selected.
	Capped
	Meta
}

// resolvePage bounds the jobs each name query of Resolve reads.
const resolvePage = MaxLimit

// jobNameQueries returns the job queries whose union holds every job that
// want (raw as typed) designates exactly or that is a suggestion for it —
// HWA selects them by name, so Resolve never reads every job, and applies
// the rules below to what they return.
//
// Exact: the name, STREAM.NAME and WS#STREAM.NAME as typed (the id is read
// by Job). Suggestions: a name containing want ("@WANT@"), and the names
// within d = workload.MaxEdits(want) edits of want, found by pigeonhole:
// want is cut into 2d+1 pieces; an edit of the optimal-string-alignment
// distance touches at most two pieces (a transposition across a cut; an
// insertion before the first or after the last character touches the end
// piece), so a name within d edits keeps one piece intact — the first as
// its prefix ("P1@"), the last as its suffix ("@Pk"), any other inside it
// ("@Pi@"). The union is a superset of the suggestions, exact whatever the
// plan's size while no query selects more than resolvePage jobs; a query
// that does is labelled Capped. A name index (every job name, cached)
// would be exact too but has to be built by reading every job.
func jobNameQueries(raw, want string) []JobQuery {
	var qs []JobQuery
	add := func(q JobQuery) {
		if len(q.Name) <= 128 && len(q.Stream) <= 128 && len(q.Workstation) <= 128 && q.Name != "" {
			q.Limit = resolvePage
			qs = append(qs, q)
		}
	}
	names := []string{want}
	if !strings.EqualFold(raw, want) {
		names = append(names, raw)
	}
	for _, n := range names {
		add(JobQuery{Name: n})
		ws, rest, hasWS := strings.Cut(n, "#")
		if st, name, ok := strings.Cut(rest, "."); ok {
			q := JobQuery{Stream: st, Name: name}
			if hasWS {
				q.Workstation = ws
			}
			add(q)
		}
	}
	if len(want) >= 4 {
		add(JobQuery{Name: "@" + want + "@"})
	}
	if d := workload.MaxEdits(want); d > 0 {
		r := []rune(want)
		k := 2*d + 1
		for i := range k {
			piece := string(r[i*len(r)/k : (i+1)*len(r)/k])
			switch i {
			case 0:
				add(JobQuery{Name: piece + "@"})
			case k - 1:
				add(JobQuery{Name: "@" + piece})
			default:
				add(JobQuery{Name: "@" + piece + "@"})
			}
		}
	}
	return qs
}

// maxSuggestions bounds the "did you mean" names of a resolution.
const maxSuggestions = 5

// Resolve says what name designates in the plan — jobs (as NAME,
// STREAM.NAME or WS#STREAM.NAME), job streams and workstations alike,
// case-insensitively, spaces and hyphens read as underscores — and, when
// nothing has exactly that name, the closest names (misspellings within
// workload.MaxEdits, or names containing it). limit bounds the exact
// matches (0: 20).
func (s *Service) Resolve(ctx context.Context, name string, limit int) (Resolution, error) {
	raw := strings.TrimSpace(name)
	if raw == "" || len(raw) > 256 {
		return Resolution{}, badQuery("a name must have 1 to 256 characters")
	}
	if limit <= 0 || limit > MaxLimit {
		limit = 20
	}
	want := strings.ToUpper(strings.NewReplacer(" ", "_", "-", "_").Replace(raw))
	var jobs []JobView
	var capped Capped
	var meta Meta
	seen := map[string]bool{}
	for _, q := range jobNameQueries(raw, want) {
		l, err := s.Jobs(ctx, q)
		if err != nil {
			return Resolution{}, err
		}
		meta = l.Meta
		if l.Total > int64(len(l.Items)) {
			capped.Capped = true
			capped.Selected += l.Total
		}
		for _, v := range l.Items {
			if !seen[v.ID] {
				seen[v.ID] = true
				jobs = append(jobs, v)
			}
		}
	}
	if checkID(raw) == nil && !seen[raw] {
		switch d, err := s.Job(ctx, raw); {
		case err == nil:
			jobs = append(jobs, d.Job)
		case !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrBadQuery):
			return Resolution{}, err
		}
	}
	streams, err := s.Streams(ctx)
	if err != nil {
		return Resolution{}, err
	}
	wss, err := s.Workstations(ctx)
	if err != nil {
		return Resolution{}, err
	}
	type cand struct {
		m    Match
		keys []string // the spellings that designate it
	}
	var cands []cand
	for _, j := range jobs {
		keys := []string{j.Name, j.Stream + "." + j.Name, j.Workstation + "#" + j.Stream + "." + j.Name, j.ID}
		cands = append(cands, cand{Match{Kind: KindJob, Name: j.Name, ID: j.ID, Stream: j.Stream, Workstation: j.Workstation,
			Status: string(j.Status), Internal: string(j.InternalStatus)}, keys})
	}
	for _, st := range streams.Items {
		cands = append(cands, cand{Match{Kind: KindJobStream, Name: st.Name, ID: st.ID, Workstation: st.Workstation,
			Status: string(st.Status), Internal: string(st.Internal)}, []string{st.Name, st.Workstation + "#" + st.Name, st.ID}})
	}
	for _, w := range wss.Items {
		status := "LINKED"
		if !w.Linked {
			status = "UNLINKED"
		}
		cands = append(cands, cand{Match{Kind: KindWorkstation, Name: w.Name, ID: w.ID, Workstation: w.Name, Status: status}, []string{w.Name, w.ID}})
	}
	if meta.AsOf.IsZero() {
		meta = streams.Meta
	}
	out := Resolution{Name: raw, Exact: []Match{}, Suggestions: []Match{}, Capped: capped, Meta: meta}
	for _, c := range cands {
		for _, k := range c.keys {
			if k != "" && strings.EqualFold(k, want) || k != "" && k == raw {
				out.Total++
				if len(out.Exact) < limit {
					out.Exact = append(out.Exact, c.m)
				} else {
					out.Truncated = true
				}
				break
			}
		}
	}
	if out.Total > 0 {
		return out, nil
	}
	seen = map[string]bool{}
	var sugg []Match
	for _, c := range cands {
		best, ku := -1, strings.ToUpper(c.keys[0])
		if d := workload.Distance(want, ku); d <= workload.MaxEdits(want) {
			best = d
		} else if len(want) >= 4 && strings.Contains(ku, want) {
			best = 3
		}
		if best < 0 || seen[c.m.Kind+"\x00"+c.m.Name] {
			continue
		}
		seen[c.m.Kind+"\x00"+c.m.Name] = true
		m := c.m
		m.Edits = best
		sugg = append(sugg, m)
	}
	sort.SliceStable(sugg, func(a, b int) bool {
		if sugg[a].Edits != sugg[b].Edits {
			return sugg[a].Edits < sugg[b].Edits
		}
		return sugg[a].Name < sugg[b].Name
	})
	if len(sugg) > maxSuggestions {
		sugg = sugg[:maxSuggestions]
	}
	out.Suggestions = append(out.Suggestions, sugg...)
	return out, nil
}
