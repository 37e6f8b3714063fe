package planview

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/resync/resync/shared/domain/cached"
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

// resolvePage bounds the jobs each exact name query of Resolve reads, and
// suggestCap those the suggestion query reads (four pages): a plan where
// the patterns of a name select more is answered from the first suggestCap
// by name, labelled Capped.
const (
	resolvePage = MaxLimit
	suggestCap  = 4 * MaxLimit
)

// exactQueries are the job queries that select every job want (raw as
// typed) designates exactly: the name, STREAM.NAME and WS#STREAM.NAME (the
// id is read by Job). HWA compares names ignoring case.
func exactQueries(raw, want string) []JobQuery {
	var qs []JobQuery
	add := func(q JobQuery) {
		if q.Name != "" && len(q.Name) <= 128 && len(q.Stream) <= 128 && len(q.Workstation) <= 128 &&
			!strings.ContainsAny(q.Name, "*@") {
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
		if !hasWS {
			rest = n
		}
		if st, name, ok := strings.Cut(rest, "."); ok {
			q := JobQuery{Stream: st, Name: name}
			if hasWS {
				q.Workstation = ws
			}
			add(q)
		}
	}
	return qs
}

// suggestionPatterns are name patterns ('@' any run of characters) that
// together select every job name that is a suggestion for want: the names
// containing it ("@WANT@") and those within d = workload.MaxEdits(want)
// edits of it, found by pigeonhole. want is cut into 2d+2 pieces; an edit
// of the optimal-string-alignment distance touches at most two pieces (a
// transposition across a cut; an insertion before the first or after the
// last character counts as touching the end piece), so a name within d
// edits keeps two pieces intact, in order — the first as its prefix, the
// last as its suffix: one pattern per pair of pieces ("P1@P3@",
// "@P2@P6"). HWA selects the union in one OR query, so Resolve never
// reads every job; the patterns are a superset and the edit-distance rule
// is applied to what they return. (A cached index of every job name would
// be exact too, but building it reads every job.)
func suggestionPatterns(want string) []string {
	var out []string
	if len(want) >= 4 && len(want) <= 126 {
		out = append(out, "@"+want+"@")
	}
	d := workload.MaxEdits(want)
	r := []rune(want)
	if d == 0 || len(r) > 128 {
		return out
	}
	k := 2*d + 2
	piece := func(i int) string { return string(r[i*len(r)/k : (i+1)*len(r)/k]) }
	for i := range k {
		for j := i + 1; j < k; j++ {
			p := piece(i) + "@" + piece(j)
			if i > 0 {
				p = "@" + p
			}
			if j < k-1 {
				p += "@"
			}
			out = append(out, p)
		}
	}
	return out
}

// exactStreamPatterns are the names (and ids) that select every job stream
// want (raw as typed) designates exactly: NAME, WS#NAME or its id.
func exactStreamPatterns(raw, want string) []string {
	var out []string
	for _, n := range []string{want, raw} {
		_, name, hasWS := strings.Cut(n, "#")
		for _, p := range []string{n, name} {
			if p != "" && len(p) <= 128 && !strings.ContainsAny(p, "*@") && !slices.Contains(out, p) && (p == n || hasWS) {
				out = append(out, p)
			}
		}
	}
	return out
}

// selection is a list read by name patterns (or a bounded query) and
// whether HWA held more than was read.
type selection[V any] struct {
	Items []V `json:"items"`
	Capped
}

// Selections kept by streamsNamed, jobsNamed and lateStreams.
type (
	namedStreams = selection[StreamView]
	namedJobs    = selection[JobView]
)

// readSelection loads through the cache (kind, key) the first items read
// returns, viewed at the plan clock, and marks the selection capped when
// HWA counted more than it sent.
func readSelection[T, V any](s *Service, ctx context.Context, kind cached.Kind, key, what string,
	read func(context.Context) ([]T, int64, error), view func(T, time.Time) V) (selection[V], Meta, error) {
	var out selection[V]
	meta, err := s.cached(ctx, kind, key, &out, func(ctx context.Context) (any, error) {
		items, n, err := read(ctx)
		if err != nil {
			return nil, fmt.Errorf("planview: %s: %w", what, err)
		}
		now := s.now()
		sel := selection[V]{Items: make([]V, 0, len(items))}
		if n > int64(len(items)) {
			sel.Capped = Capped{Capped: true, Selected: n}
		}
		for _, x := range items {
			sel.Items = append(sel.Items, view(x, now))
		}
		return sel, nil
	})
	return out, meta, err
}

// patternsKey is the cache key of a set of name patterns.
func patternsKey(patterns []string) string {
	var b strings.Builder
	b.WriteString("named:")
	for _, p := range patterns {
		b.WriteString(strconv.Quote(p))
	}
	return b.String()
}

// streamsNamed returns the job streams whose names match any of the
// patterns (or whose id is one of them), at most suggestCap, through the
// cache.
func (s *Service) streamsNamed(ctx context.Context, patterns []string) (namedStreams, Meta, error) {
	return readSelection(s, ctx, KindStreams, patternsKey(patterns), "job streams by name",
		func(ctx context.Context) ([]workload.JobStream, int64, error) {
			return s.src.StreamsNamed(ctx, patterns, suggestCap)
		}, streamView)
}

// jobsNamed returns the jobs whose names match any of the patterns, at most
// suggestCap, through the cache.
func (s *Service) jobsNamed(ctx context.Context, patterns []string) (namedJobs, Meta, error) {
	return readSelection(s, ctx, cached.KindList, patternsKey(patterns), "jobs by name",
		func(ctx context.Context) ([]workload.Job, int64, error) {
			return s.src.JobsNamed(ctx, patterns, suggestCap)
		}, jobView)
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
	addJobs := func(vs []JobView) {
		for _, v := range vs {
			if !seen[v.ID] {
				seen[v.ID] = true
				jobs = append(jobs, v)
			}
		}
	}
	for _, q := range exactQueries(raw, want) {
		l, err := s.Jobs(ctx, q)
		if err != nil {
			return Resolution{}, err
		}
		meta = l.Meta
		if l.Total > int64(len(l.Items)) {
			capped.Capped = true
			capped.Selected += l.Total
		}
		addJobs(l.Items)
	}
	if checkID(raw) == nil && !seen[raw] {
		switch d, err := s.Job(ctx, raw); {
		case err == nil:
			addJobs([]JobView{d.Job})
		case !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrBadQuery):
			return Resolution{}, err
		}
	}
	var streams namedStreams
	if ps := exactStreamPatterns(raw, want); len(ps) > 0 {
		var err error
		var smeta Meta
		if streams, smeta, err = s.streamsNamed(ctx, ps); err != nil {
			return Resolution{}, err
		}
		if meta.AsOf.IsZero() {
			meta = smeta
		}
		if streams.Capped.Capped {
			capped.Capped = true
			capped.Selected += streams.Selected
		}
	}
	// Workstations are few (one per 100 to 300 jobs): all are read.
	wss, err := s.Workstations(ctx)
	if err != nil {
		return Resolution{}, err
	}
	type cand struct {
		m    Match
		keys []string // the spellings that designate it
	}
	var cands []cand
	jobCand := func(j JobView) cand {
		keys := []string{j.Name, j.Stream + "." + j.Name, j.Workstation + "#" + j.Stream + "." + j.Name, j.ID}
		return cand{Match{Kind: KindJob, Name: j.Name, ID: j.ID, Stream: j.Stream, Workstation: j.Workstation,
			Status: string(j.Status), Internal: string(j.InternalStatus)}, keys}
	}
	for _, j := range jobs {
		cands = append(cands, jobCand(j))
	}
	streamCand := func(st StreamView) cand {
		return cand{Match{Kind: KindJobStream, Name: st.Name, ID: st.ID, Workstation: st.Workstation,
			Status: string(st.Status), Internal: string(st.Internal)}, []string{st.Name, st.Workstation + "#" + st.Name, st.ID}}
	}
	seenStream := map[string]bool{}
	for _, st := range streams.Items {
		seenStream[st.ID] = true
		cands = append(cands, streamCand(st))
	}
	for _, w := range wss.Items {
		status := "LINKED"
		if !w.Linked {
			status = "UNLINKED"
		}
		cands = append(cands, cand{Match{Kind: KindWorkstation, Name: w.Name, ID: w.ID, Workstation: w.Name, Status: status}, []string{w.Name, w.ID}})
	}
	if meta.AsOf.IsZero() {
		meta = wss.Meta
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
	if ps := suggestionPatterns(want); len(ps) > 0 {
		named, _, err := s.jobsNamed(ctx, ps)
		if err != nil {
			return Resolution{}, err
		}
		if named.Capped.Capped {
			out.Capped.Capped = true
			out.Selected += named.Selected
		}
		for _, v := range named.Items {
			if !seen[v.ID] {
				seen[v.ID] = true
				cands = append(cands, jobCand(v))
			}
		}
		sts, _, err := s.streamsNamed(ctx, ps)
		if err != nil {
			return Resolution{}, err
		}
		if sts.Capped.Capped {
			out.Capped.Capped = true
			out.Selected += sts.Selected
		}
		for _, st := range sts.Items {
			if !seenStream[st.ID] {
				seenStream[st.ID] = true
				cands = append(cands, streamCand(st))
			}
		}
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
