package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/resync/resync/shared/domain/access"
)

// Agent is one configured agent: what it is for, how it is told to behave,
// which model answers and which tools it may call.
type Agent struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Purpose      string   `json:"purpose"`
	Instructions string   `json:"instructions"`
	Model        string   `json:"model"` // a model id, or "default"
	Tools        []string `json:"tools"`
	// Roles, when set, are the roles allowed to talk to this agent (a user
	// needs one of them, or a higher one). Empty: every signed-in user.
	Roles []string `json:"roles,omitempty"`
}

// DefaultModel is the Model value meaning "the deployment's default model".
const DefaultModel = "default"

// Allows reports whether the agent may call the tool.
func (a Agent) Allows(tool string) bool { return slices.Contains(a.Tools, tool) }

// Permits reports whether a user with roles may talk to the agent.
func (a Agent) Permits(roles []string) bool {
	if len(a.Roles) == 0 {
		return true
	}
	for _, need := range a.Roles {
		for _, have := range roles {
			if access.Role(have).Allows(access.Role(need)) {
				return true
			}
		}
	}
	return false
}

// Agents is the set of configured agents, in file order.
type Agents struct {
	list    []Agent
	byID    map[string]int
	deflt   string
	toolset map[string]bool
}

// agentsFile is the JSON form of the agents file.
type agentsFile struct {
	Default string  `json:"default"`
	Agents  []Agent `json:"agents"`
}

// ErrInvalidAgents is wrapped by LoadAgents' error.
var ErrInvalidAgents = errors.New("agent: invalid agents file")

// ErrUnknownAgent is returned by Agents.Get for an id not in the file.
var ErrUnknownAgent = errors.New("agent: unknown agent")

var agentIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)

// LoadAgents reads an agents file:
//
//	{"default": "analyst", "agents": [{"id", "name", "purpose", "instructions", "model", "tools": [...], "roles"?: [...]}]}
//
// It checks every agent — id (lower case, unique), name, purpose,
// instructions and model present, tools known to the catalogue and not
// repeated, roles known — and the default naming an agent (empty: the first).
// All problems are reported in one error wrapping ErrInvalidAgents.
func LoadAgents(data []byte) (*Agents, error) {
	var f agentsFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidAgents, err)
	}
	known := map[string]bool{}
	for _, s := range Specs() {
		known[s.Name] = true
	}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if len(f.Agents) == 0 {
		add("no agents")
	}
	a := &Agents{byID: map[string]int{}, toolset: map[string]bool{}}
	for i, ag := range f.Agents {
		where := fmt.Sprintf("agent %d", i+1)
		if ag.ID != "" {
			where = fmt.Sprintf("agent %q", ag.ID)
		}
		switch {
		case ag.ID == "":
			add("%s: missing id", where)
		case !agentIDPattern.MatchString(ag.ID):
			add("%s: id must be lower case letters, digits, - or _ (at most 40)", where)
		default:
			if _, dup := a.byID[ag.ID]; dup {
				add("%s: duplicate id", where)
			}
		}
		for _, field := range []struct{ name, val string }{
			{"name", ag.Name}, {"purpose", ag.Purpose}, {"instructions", ag.Instructions}, {"model", ag.Model},
		} {
			if strings.TrimSpace(field.val) == "" {
				add("%s: missing %s", where, field.name)
			}
		}
		if len(ag.Tools) == 0 {
			add("%s: no tools", where)
		}
		seen := map[string]bool{}
		for _, t := range ag.Tools {
			switch {
			case !known[t]:
				add("%s: unknown tool %q", where, t)
			case seen[t]:
				add("%s: tool %q listed twice", where, t)
			}
			seen[t] = true
		}
		for _, r := range ag.Roles {
			if !access.Role(r).Valid() {
				add("%s: unknown role %q", where, r)
			}
		}
		if _, dup := a.byID[ag.ID]; !dup && ag.ID != "" {
			a.byID[ag.ID] = len(a.list)
		}
		a.list = append(a.list, ag)
	}
	a.deflt = f.Default
	if a.deflt == "" && len(f.Agents) > 0 {
		a.deflt = f.Agents[0].ID
	}
	if _, ok := a.byID[a.deflt]; !ok && f.Default != "" {
		add("default %q is not an agent", f.Default)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidAgents, strings.Join(problems, "; "))
	}
	for _, ag := range a.list {
		for _, t := range ag.Tools {
			a.toolset[t] = true
		}
	}
	return a, nil
}

// List returns the agents in file order.
func (a *Agents) List() []Agent { return slices.Clone(a.list) }

// Default returns the id of the default agent.
func (a *Agents) Default() string { return a.deflt }

// Get returns the agent with id; "" means the default. It returns an error
// wrapping ErrUnknownAgent for an id not in the file.
func (a *Agents) Get(id string) (Agent, error) {
	if id == "" {
		id = a.deflt
	}
	i, ok := a.byID[id]
	if !ok {
		return Agent{}, fmt.Errorf("agent: get %q: %w", id, ErrUnknownAgent)
	}
	return a.list[i], nil
}
