package workload

import "time"

// NodeKind says whether a FlowNode is a job or a job stream.
type NodeKind string

// The kinds of flow nodes (HWA's flowNodeType values).
const (
	NodeJob       NodeKind = "JOB"
	NodeJobStream NodeKind = "JOBSTREAM"
)

// FlowNode is a job or job stream met in a predecessor or successor walk of
// the plan: what the walk says of it, without its status. An empty Kind is
// a job.
type FlowNode struct {
	Kind          NodeKind
	ID            string
	Name          string
	Folder        string
	WorkstationID string
	Workstation   string
	SchedTime     time.Time
	Priority      int
	Dependencies  []Dependency
}
