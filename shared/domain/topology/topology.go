// Package topology is the vocabulary of the plan-topology store (the
// knowledge graph that holds the plan's jobs and their dependencies): the
// critical-path answer and the errors every topology reader returns, so the
// services that ask it (shared/app/impact) need no driver. Its other
// answers are the workload types (workload.Reached, workload.WaitAnalysis);
// the store is shared/adapter/graph. It needs only the standard library and
// shared/domain/workload.
package topology

import (
	"errors"

	"github.com/resync/resync/shared/domain/workload"
)

// Errors of topology reads; test with errors.Is.
var (
	// ErrNotFound means the job (or other object) is not in the graph.
	ErrNotFound = errors.New("not found in the graph")
	// ErrNotSynced means the graph was reached but no topology sync of the
	// engine has completed yet, so it holds no plan to answer from.
	ErrNotSynced = errors.New("the knowledge graph has not been synced yet")
	// ErrUnavailable means the store could not be reached or did not answer.
	ErrUnavailable = errors.New("graph unavailable")
)

// CriticalPath says whether a job is on a critical path.
type CriticalPath struct {
	Job workload.Job
	// OnPath is true when the job is critical itself or feeds a critical job
	// through dependencies flagged critical.
	OnPath bool
	// Feeds lists the critical jobs downstream reached through critical
	// dependencies only (at most 50, ordered by key).
	Feeds []workload.Job
}
