// Package hwasim simulates the HCL Workload Automation REST API V2
// (/twsd/api/v2) over a generated, seedable plan, for tests and the local
// stack.
//
// New returns a Server, an http.Handler that serves plan reads (jobs, job
// streams, workstations, resources with their holders, job logs,
// predecessors and successors, grouped counts, issues, engine info) and
// operator actions (rerun, hold, release, cancel, kill, confirm,
// release-all-dependencies, update-priority; job stream hold/release/cancel;
// workstation link/unlink; prompt reply) and submissions (a job stream or a
// job from its model, an ad-hoc job) with the vendor's JSON field names and
// envelopes (the wire types of package hwa). Job definitions carry their
// task, recovery option and recovery job; some jobs repeat (every-jobs) or
// wait for a confirmation.
//
// The plan is generated from Config.Seed: at least 12 workstations of several
// types (some unlinked, stopped, ignored or with limit 0), at least 40 job
// streams (60 by default) and 120 jobs (450 by default), dependencies inside and across
// streams and between streams, critical jobs with their critical path, runs
// with return codes, durations and job logs, late streams, resources whose
// units running jobs hold (resources.go), global and local prompts that hold
// jobs until answered yes (prompts.go), and one fixture job per substatus of
// JobInPlanSubStatus. Ids are UUID-shaped and the same
// for the same seed.
//
// The plan moves with a simulated clock: Advance moves it forward (READY →
// EXEC → SUCC or ABEND, successors released, streams completing, late flags
// set when deadlines pass); Config.Clock makes it follow an injected clock
// instead.
//
// Behaviour chosen where the vendor documents nothing (see README.md beside
// this file for the full list): inside a quoted OQL string a single quote is
// written twice, SQL-style,
//
//	name = 'O''NEIL_RECON'
//
// OQL field names, keywords and string comparisons are case-insensitive;
// errors are JSON {"code", "message"}; job log lines are numbered from 1 and
// from_line/to_line are inclusive.
package hwasim
