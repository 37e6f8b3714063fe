// Package hwa is the client of HCL Workload Automation REST API V2
// (/twsd/api/v2): plan reads (jobs, job streams, workstations, job logs,
// predecessors and successors, counts, issues, engine info) and operator
// actions (rerun, hold, release, cancel, kill, confirm, ...), with typed
// errors, retries for reads only, and safe OQL building.
//
// The wire types in this package mirror the vendor's JSON schemas; the
// simulator in hwasim serves the same shapes.
package hwa
