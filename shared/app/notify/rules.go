package notify

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/resync/resync/shared/domain/alert"
)

// Rule selects alerts. Every field that is set must match; a rule with no
// field set matches every alert.
//
//   - minSeverity: the alert's severity is at least this (info, warning, critical);
//   - kinds: the alert's kind is one of these (job_abended, job_failed,
//     stream_late, workstation_unlinked, workstation_stopped,
//     critical_at_risk, action_executed, action_failed, handover);
//   - streams, workstations: the alert's job stream (workstation) matches
//     one of these path.Match patterns, case-insensitively ("PAY*"); an
//     alert without a stream (workstation) does not match.
type Rule struct {
	MinSeverity  string   `json:"minSeverity,omitempty"`
	Kinds        []string `json:"kinds,omitempty"`
	Streams      []string `json:"streams,omitempty"`
	Workstations []string `json:"workstations,omitempty"`
}

// matches reports whether r selects a.
func (r Rule) matches(a Alert) bool {
	if r.MinSeverity != "" && severityRank(a.Severity) < severityRank(r.MinSeverity) {
		return false
	}
	if len(r.Kinds) > 0 && !slices.Contains(r.Kinds, a.Kind) {
		return false
	}
	if len(r.Streams) > 0 && !globAny(r.Streams, a.Stream) {
		return false
	}
	if len(r.Workstations) > 0 && !globAny(r.Workstations, a.Workstation) {
		return false
	}
	return true
}

func globAny(patterns []string, name string) bool {
	if name == "" {
		return false
	}
	name = strings.ToUpper(name)
	for _, p := range patterns {
		if ok, _ := path.Match(strings.ToUpper(p), name); ok {
			return true
		}
	}
	return false
}

// Match reports whether any of rules selects a (none: nothing is selected).
func Match(rules []Rule, a Alert) bool {
	for _, r := range rules {
		if r.matches(a) {
			return true
		}
	}
	return false
}

// ChannelRules is one channel of the rules file: its id (the key of its
// webhook URL in the webhooks secret), kind (teams or slack) and rules.
type ChannelRules struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Rules []Rule `json:"rules"`
}

// RulesFile is the routing file (default: the embedded channels.json).
type RulesFile struct {
	Channels []ChannelRules `json:"channels"`
}

//go:embed channels.json
var defaultRules []byte

// DefaultRules returns a copy of the embedded routing file.
func DefaultRules() []byte { return slices.Clone(defaultRules) }

// ErrInvalidRules is returned by ParseRules for a file that is not a valid
// routing file.
var ErrInvalidRules = errors.New("notify: invalid rules")

// ParseRules reads a routing file, refusing unknown fields, duplicate or
// empty channel ids, unknown kinds, severities, alert kinds and bad
// patterns, all reported at once (wrapping ErrInvalidRules).
func ParseRules(b []byte) (RulesFile, error) {
	var f RulesFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return RulesFile{}, fmt.Errorf("%w: %w", ErrInvalidRules, err)
	}
	var problems []string
	seen := map[string]bool{}
	for i, c := range f.Channels {
		where := fmt.Sprintf("channel %d (%q)", i, c.ID)
		if c.ID == "" {
			problems = append(problems, where+": no id")
		} else if seen[c.ID] {
			problems = append(problems, where+": duplicate id")
		}
		seen[c.ID] = true
		if c.Kind != Teams && c.Kind != Slack {
			problems = append(problems, fmt.Sprintf("%s: kind %q is not teams or slack", where, c.Kind))
		}
		if len(c.Rules) == 0 {
			problems = append(problems, where+": no rules (it would receive nothing)")
		}
		for j, r := range c.Rules {
			rw := fmt.Sprintf("%s rule %d", where, j)
			if r.MinSeverity != "" && r.MinSeverity != Info && r.MinSeverity != Warning && r.MinSeverity != Critical {
				problems = append(problems, fmt.Sprintf("%s: minSeverity %q is not info, warning or critical", rw, r.MinSeverity))
			}
			for _, k := range r.Kinds {
				if !slices.Contains(Kinds(), k) {
					problems = append(problems, fmt.Sprintf("%s: unknown kind %q", rw, k))
				}
			}
			for _, p := range slices.Concat(r.Streams, r.Workstations) {
				if _, err := path.Match(p, ""); err != nil {
					problems = append(problems, fmt.Sprintf("%s: bad pattern %q", rw, p))
				}
			}
		}
	}
	if len(problems) > 0 {
		return RulesFile{}, fmt.Errorf("%w: %s", ErrInvalidRules, strings.Join(problems, "; "))
	}
	return f, nil
}

// Bind returns the channels of f that have a webhook URL in urls, and the
// ids of those that have none (they are off; the caller says so).
func (f RulesFile) Bind(urls map[string]string) (channels []Channel, off []string) {
	for _, c := range f.Channels {
		u := urls[c.ID]
		if u == "" {
			off = append(off, c.ID)
			continue
		}
		channels = append(channels, Channel{Destination: alert.Destination{ID: c.ID, Kind: c.Kind, URL: u}, Rules: c.Rules})
	}
	return channels, off
}
