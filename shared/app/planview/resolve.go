package planview

import (
	"context"
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
	Meta
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
	jobs, meta, err := s.allJobs(ctx)
	if err != nil {
		return Resolution{}, err
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
	out := Resolution{Name: raw, Exact: []Match{}, Suggestions: []Match{}, Meta: meta}
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
	seen := map[string]bool{}
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
