package workload

import (
	"sort"
	"time"
)

// Summary is the operator's one-screen view of the plan.
//
// A summary built from HWA's counts (planview) holds in each list only the
// first entries by name; the list's Count field says how many there are.
// Its ByInternal then counts only the error statuses (ABEND, ABENP, FAIL,
// ERROR): HWA's count endpoint groups by common status, not internal status.
type Summary struct {
	AsOf           time.Time              `json:"asOf"`
	TotalJobs      int                    `json:"totalJobs"`
	ByStatus       map[CommonStatus]int   `json:"byStatus"`
	ByInternal     map[InternalStatus]int `json:"byInternalStatus"`
	ByWorkstation  map[string]int         `json:"byWorkstation"`
	Abended        []JobRef               `json:"abended"`
	Failed         []JobRef               `json:"failed"`
	LateStreams    []StreamRef            `json:"lateStreams"`
	Unlinked       []WorkstationRef       `json:"unlinkedWorkstations"`
	CriticalAtRisk []JobRef               `json:"criticalAtRisk"`

	TotalStreams        int `json:"totalStreams"`
	TotalWorkstations   int `json:"totalWorkstations"`
	AbendedCount        int `json:"abendedCount"`
	FailedCount         int `json:"failedCount"`
	LateStreamsCount    int `json:"lateStreamsCount"`
	UnlinkedCount       int `json:"unlinkedCount"`
	CriticalAtRiskCount int `json:"criticalAtRiskCount"`
}

// ErrorStatuses are the internal statuses of a failed job (Job.Failed also
// counts a job whose common status is ERROR).
var ErrorStatuses = []InternalStatus{InternalAbend, InternalAbenP, InternalFail, InternalError}

// JobRef names a job in a summary or an answer.
type JobRef struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Stream      string         `json:"stream"`
	Workstation string         `json:"workstation"`
	Common      CommonStatus   `json:"status"`
	Internal    InternalStatus `json:"internalStatus"`
}

// StreamRef names a job stream.
type StreamRef struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Workstation string       `json:"workstation"`
	Common      CommonStatus `json:"status"`
	Deadline    time.Time    `json:"deadline,omitzero"`
}

// WorkstationRef names a workstation.
type WorkstationRef struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Type    WorkstationType `json:"type"`
	Linked  bool            `json:"linked"`
	Running bool            `json:"running"`
}

// Ref returns the JobRef of j.
func (j Job) Ref() JobRef {
	return JobRef{ID: j.ID, Name: j.Name, Stream: j.StreamName, Workstation: j.Workstation, Common: j.Common, Internal: j.Internal}
}

// Ref returns the StreamRef of s.
func (s JobStream) Ref() StreamRef {
	return StreamRef{ID: s.ID, Name: s.Name, Workstation: s.Workstation, Common: s.Common, Deadline: s.Deadline}
}

// Ref returns the WorkstationRef of w.
func (w Workstation) Ref() WorkstationRef {
	return WorkstationRef{ID: w.ID, Name: w.Name, Type: w.Type, Linked: w.Linked(), Running: w.Running()}
}

// Summarize builds the Summary of a plan at now. Lists are sorted by name so
// the same plan always gives the same summary.
func Summarize(jobs []Job, streams []JobStream, workstations []Workstation, now time.Time) Summary {
	s := Summary{
		AsOf:          now,
		TotalJobs:     len(jobs),
		ByStatus:      map[CommonStatus]int{},
		ByInternal:    map[InternalStatus]int{},
		ByWorkstation: map[string]int{},
	}
	for _, j := range jobs {
		s.ByStatus[j.Common]++
		s.ByInternal[j.Internal]++
		s.ByWorkstation[j.Workstation]++
		if j.Abended() {
			s.Abended = append(s.Abended, j.Ref())
		}
		if j.Failed() {
			s.Failed = append(s.Failed, j.Ref())
		}
		if j.AtRisk(now) {
			s.CriticalAtRisk = append(s.CriticalAtRisk, j.Ref())
		}
	}
	for _, st := range streams {
		if st.IsLate(now) {
			s.LateStreams = append(s.LateStreams, st.Ref())
		}
	}
	for _, w := range workstations {
		if !w.Linked() {
			s.Unlinked = append(s.Unlinked, w.Ref())
		}
	}
	byName := func(refs []JobRef) {
		sort.Slice(refs, func(a, b int) bool {
			if refs[a].Name != refs[b].Name {
				return refs[a].Name < refs[b].Name
			}
			return refs[a].ID < refs[b].ID
		})
	}
	byName(s.Abended)
	byName(s.Failed)
	byName(s.CriticalAtRisk)
	sort.Slice(s.LateStreams, func(a, b int) bool { return s.LateStreams[a].Name < s.LateStreams[b].Name })
	sort.Slice(s.Unlinked, func(a, b int) bool { return s.Unlinked[a].Name < s.Unlinked[b].Name })
	s.TotalStreams, s.TotalWorkstations = len(streams), len(workstations)
	s.AbendedCount, s.FailedCount, s.CriticalAtRiskCount = len(s.Abended), len(s.Failed), len(s.CriticalAtRisk)
	s.LateStreamsCount, s.UnlinkedCount = len(s.LateStreams), len(s.Unlinked)
	return s
}
