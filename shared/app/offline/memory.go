package offline

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/resync/resync/shared/domain/llm"
)

// jobRef is a job the conversation has met.
type jobRef struct {
	ID          string
	Name        string
	Stream      string
	Workstation string
}

// label is the job as answers name it: STREAM.NAME, or NAME.
func (j jobRef) label() string {
	switch {
	case j.Name == "":
		return j.ID
	case j.Stream != "":
		return j.Stream + "." + j.Name
	}
	return j.Name
}

// memory is what the conversation's tool results taught the model: the
// jobs (with their ids), job streams and workstations it has seen, so a
// question can name them loosely ("pay load", "payroll_load").
type memory struct {
	jobs    []jobRef
	byID    map[string]int
	byName  map[string][]int // squeezed name → indexes into jobs
	streams map[string]string
	wss     map[string]string
}

// squeeze reduces a name to its upper-case letters and digits, so that
// PAY_LOAD, pay-load and "pay load" compare equal.
func squeeze(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}

// remember reads every tool result of the conversation.
func remember(msgs []llm.Message) *memory {
	m := &memory{byID: map[string]int{}, byName: map[string][]int{}, streams: map[string]string{}, wss: map[string]string{}}
	inputs := map[string]string{} // tool-use id → its job field
	for _, msg := range msgs {
		for _, u := range msg.ToolUses() {
			inputs[u.ID] = inputString(u.Input, "job")
		}
	}
	for _, msg := range msgs {
		if msg.Role == llm.Assistant {
			for _, j := range labelled(msg.Text()) {
				m.addJob(j)
				m.addStream(j.Stream)
				m.addWorkstation(j.Workstation)
			}
		}
		for _, b := range msg.Content {
			if b.ToolResult == nil {
				continue
			}
			var v any
			if json.Unmarshal([]byte(b.ToolResult.Content), &v) != nil {
				continue
			}
			m.walk(v, "")
			// A log names its job by id only: the question named it.
			if o, ok := v.(map[string]any); ok && str(o, "jobId") != "" && !b.ToolResult.IsError {
				if in := inputs[b.ToolResult.ToolUseID]; in != "" && in != str(o, "jobId") && !uuidPattern.MatchString(in) {
					ws, stream, name := splitRef(in)
					m.addJob(jobRef{ID: str(o, "jobId"), Name: strings.ToUpper(name), Stream: strings.ToUpper(stream), Workstation: strings.ToUpper(ws)})
				}
			}
		}
	}
	return m
}

func (m *memory) empty() bool {
	return len(m.jobs) == 0 && len(m.streams) == 0 && len(m.wss) == 0
}

func str(o map[string]any, key string) string {
	s, _ := o[key].(string)
	return s
}

// walk collects names from a decoded tool result. parent is the key the
// value sits under, which says what its objects are.
func (m *memory) walk(v any, parent string) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			m.walk(e, parent)
		}
	case map[string]any:
		id, name := str(x, "id"), str(x, "name")
		_, hasStats := x["stats"]
		_, hasLinked := x["linked"]
		kind := str(x, "kind")
		switch {
		case name == "":
		case parent == "lateStreams" || hasStats || kind == "jobstream":
			m.addStream(name)
		case parent == "unlinkedWorkstations" || hasLinked || kind == "workstation":
			m.addWorkstation(name)
		case id != "":
			m.addJob(jobRef{ID: id, Name: name, Stream: str(x, "stream"), Workstation: str(x, "workstation")})
		}
		if jid, jname := str(x, "jobId"), str(x, "jobName"); jid != "" && jname != "" {
			m.addJob(jobRef{ID: jid, Name: jname, Stream: str(x, "streamName"), Workstation: str(x, "workstation")})
		}
		for _, k := range []string{"stream", "streamName"} {
			if s := str(x, k); s != "" {
				m.addStream(s)
			}
		}
		if w := str(x, "workstation"); w != "" {
			m.addWorkstation(w)
		}
		if by, ok := x["byWorkstation"].(map[string]any); ok {
			keys := make([]string, 0, len(by))
			for k := range by {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				m.addWorkstation(k)
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			switch x[k].(type) {
			case map[string]any, []any:
				m.walk(x[k], k)
			}
		}
	}
}

func (m *memory) addJob(j jobRef) {
	if i, ok := m.byID[j.ID]; ok {
		old := &m.jobs[i]
		if old.Stream == "" {
			old.Stream = j.Stream
		}
		if old.Workstation == "" {
			old.Workstation = j.Workstation
		}
		return
	}
	m.byID[j.ID] = len(m.jobs)
	k := squeeze(j.Name)
	m.byName[k] = append(m.byName[k], len(m.jobs))
	m.jobs = append(m.jobs, j)
}

func (m *memory) addStream(name string) {
	if k := squeeze(name); k != "" {
		if _, ok := m.streams[k]; !ok {
			m.streams[k] = name
		}
	}
}

func (m *memory) addWorkstation(name string) {
	if k := squeeze(name); k != "" {
		if _, ok := m.wss[k]; !ok {
			m.wss[k] = name
		}
	}
}

// lookup returns the conversation's spelling of a job, stream or
// workstation name (or a job id as it is).
func (m *memory) lookup(raw string) (string, bool) {
	if m == nil {
		return "", false
	}
	if _, ok := m.byID[raw]; ok {
		return raw, true
	}
	k := squeeze(raw)
	if k == "" {
		return "", false
	}
	if ix := m.byName[k]; len(ix) > 0 {
		return m.jobs[ix[0]].Name, true
	}
	if s, ok := m.streams[k]; ok {
		return s, true
	}
	if w, ok := m.wss[k]; ok {
		return w, true
	}
	return "", false
}

func (m *memory) isJob(raw string) bool {
	return m != nil && len(m.byName[squeeze(raw)]) > 0
}

func (m *memory) isJobID(raw string) bool {
	if m == nil {
		return false
	}
	_, ok := m.byID[raw]
	return ok
}

func (m *memory) isStream(raw string) bool {
	if m == nil {
		return false
	}
	_, ok := m.streams[squeeze(raw)]
	return ok
}

func (m *memory) isWorkstation(raw string) bool {
	if m == nil {
		return false
	}
	_, ok := m.wss[squeeze(raw)]
	return ok
}

// job returns the job a reference designates when the conversation knows
// exactly one: by id, by NAME, or by STREAM.NAME / WS#STREAM.NAME.
func (m *memory) job(ref string) (jobRef, bool) {
	if m == nil {
		return jobRef{}, false
	}
	if i, ok := m.byID[ref]; ok {
		return m.jobs[i], true
	}
	ws, stream, name := splitRef(ref)
	var found []jobRef
	for _, i := range m.byName[squeeze(name)] {
		j := m.jobs[i]
		if stream != "" && squeeze(j.Stream) != squeeze(stream) {
			continue
		}
		if ws != "" && squeeze(j.Workstation) != squeeze(ws) {
			continue
		}
		found = append(found, j)
	}
	if len(found) == 1 {
		return found[0], true
	}
	return jobRef{}, false
}

// splitRef splits WS#STREAM.NAME into its parts (any may be empty).
func splitRef(ref string) (ws, stream, name string) {
	name = ref
	if i := strings.IndexByte(name, '#'); i >= 0 {
		ws, name = name[:i], name[i+1:]
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		stream, name = name[:i], name[i+1:]
	}
	return ws, stream, name
}

// subjectsOf returns the jobs a tool result is about: the job of a job
// detail, dependency walk or impact, the job of a log, the targets of a
// proposal, the items of a job list, or the candidates of an ambiguous name.
// listed asks for the jobs a result lists instead ("the second one"): the
// nodes of a dependency walk, the successors of an impact.
func (m *memory) subjectsOf(content string, listed bool) []jobRef {
	var o map[string]any
	if json.Unmarshal([]byte(content), &o) != nil {
		return nil
	}
	ref := func(x map[string]any) jobRef {
		j := jobRef{ID: str(x, "id"), Name: str(x, "name"), Stream: str(x, "stream"), Workstation: str(x, "workstation")}
		if k, ok := m.job(j.ID); ok && (j.Stream == "" || j.Workstation == "") {
			j.Stream, j.Workstation = k.Stream, k.Workstation
		}
		return j
	}
	list := func(key string, jobsOnly bool) []jobRef {
		arr, _ := o[key].([]any)
		var out []jobRef
		for _, e := range arr {
			x, ok := e.(map[string]any)
			if !ok || str(x, "id") == "" {
				continue
			}
			if k := str(x, "kind"); jobsOnly && k != "" && k != "job" {
				continue
			}
			if _, s := x["stats"]; s {
				continue
			}
			if _, l := x["linked"]; l {
				continue
			}
			out = append(out, ref(x))
		}
		return out
	}
	if listed {
		for _, key := range []string{"nodes", "successors"} {
			if refs := list(key, true); len(refs) > 0 {
				return refs
			}
		}
	}
	if j, ok := o["job"].(map[string]any); ok && str(j, "id") != "" {
		return []jobRef{ref(j)}
	}
	if id := str(o, "jobId"); id != "" {
		if k, ok := m.job(id); ok {
			return []jobRef{k}
		}
		return []jobRef{{ID: id}}
	}
	for _, key := range []string{"targets", "candidates", "items"} {
		if refs := list(key, true); len(refs) > 0 {
			return refs
		}
	}
	return nil
}

// labelPattern is a job as answers name it: STREAM.NAME (id ID) on WS.
var labelPattern = regexp.MustCompile(`([A-Za-z0-9_\-]+)\.([A-Za-z0-9_\-]+) \(id ([A-Za-z0-9_\-:]+)\)(?: on ([A-Za-z0-9_\-]+))?`)

// labelled returns the jobs an answer names, so that a conversation whose
// stored tool results were cut to size still knows every job it showed.
func labelled(text string) []jobRef {
	var out []jobRef
	for _, m := range labelPattern.FindAllStringSubmatch(text, -1) {
		out = append(out, jobRef{Stream: m[1], Name: m[2], ID: m[3], Workstation: m[4]})
	}
	return out
}
