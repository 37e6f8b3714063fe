// Package agent is Resync's chat agent: agents configured in a file
// (LoadAgents), the loop that lets a model call HWA tools (Runner), the
// conversation history kept in Redis (History), and the safe operator
// actions the model may only propose (Actions: Propose, Confirm, Cancel).
//
// # Tool catalogue (a contract: the offline model calls these by name)
//
// Every tool takes a JSON object (the exported *Input struct of the same
// name; llm.Spec derives the schema from it) and returns a JSON object as
// the tool result's Content. Names and fields never change silently.
//
//	plan_summary      PlanSummaryInput {}
//	                  → planview.Summary
//	search_jobs       SearchJobsInput {status?, internalStatus?, stream?, workstation?, name?, critical?, limit?}
//	                  → planview.JobList {items:[JobView], total, limit, offset, asOf, stale}
//	                  status is the common status (ERROR, RUNNING, HELD, SUCCESSFUL, WAITING, ...),
//	                  internalStatus the internal one (ABEND, EXEC, HOLD, SUCC, READY, ...);
//	                  name is a pattern where * is a wildcard; limit defaults to 50, at most 500.
//	get_job           GetJobInput {job}
//	                  → planview.JobDetail {job:JobView, runs, duration?, dependencies, waiting, asOf, stale}
//	job_log           JobLogInput {job, tail?}
//	                  → planview.Log {jobId, runId, lines, truncated, text, asOf, stale}
//	                  tail defaults to 100 lines, at most 2000. The lines are the last
//	                  `lines` of the run's log: cite them as "lines 1-N of the tail".
//	list_jobstreams   ListJobStreamsInput {late?}
//	                  → planview.StreamList {items:[StreamView], total, asOf, stale}
//	                  with late=true only late streams (total is then the number of late ones).
//	list_workstations ListWorkstationsInput {unlinked?}
//	                  → planview.WorkstationList {items:[WorkstationView], total, asOf, stale}
//	                  with unlinked=true only unlinked workstations.
//	critical_jobs     CriticalJobsInput {}
//	                  → planview.CriticalList {items:[CriticalJob], atRisk, asOf, stale}
//	job_dependencies  JobDependenciesInput {job, direction: "predecessors"|"successors", depth?}
//	                  → DependenciesResult {"job":{"id","name"}, "direction",
//	                     "nodes":[{"id","name","kind":"job"|"jobstream","workstation","stream","critical"?}]}
//	job_impact        JobImpactInput {job, depth?}
//	                  → ImpactResult {"job":{"id","name"}, "successors":[Node as above],
//	                     "critical": n, "summary": "3 successors, 1 critical: ..."}
//	propose_action    ProposeActionInput {action: "rerun"|"hold"|"release"|"cancel"|"kill"|"confirm-succ"|"confirm-abend", job}
//	                  → ProposalResult {"proposalId","action",
//	                     "targets":[{"kind":"job","id","name","runId"?,"stream"?,"workstation"?}],
//	                     "impact":{"successors":[{"kind","id","name"}],"critical":n,"summary"},
//	                     "expiresAt": RFC 3339}
//	                  It creates a proposal and never executes anything; the user
//	                  confirms it outside the model (Actions.Confirm).
//
// A `job` field is a job id or a job name: NAME, STREAM.NAME or
// WS#STREAM.NAME (case-insensitive). A name is resolved through the plan's
// job list; a name that matches several jobs is an error listing them.
//
// # Errors
//
// A failed or refused tool returns a tool result with isError set and the
// content ErrorResult:
//
//	{"error": "message safe to show", "code": "not_found"|"ambiguous"|"bad_input"|"unavailable"|"refused"|"internal",
//	 "candidates": [{"id","name","stream","workstation","status","internalStatus"}]}   (ambiguous only)
//
// # Size
//
// A result larger than the runner's MaxToolOutput (16 KB by default) is cut:
// lists keep their first items, logs their last lines, and the object gains
// "resultTruncated": "<what was left out>". Anything else is cut as text and
// wrapped as {"resultTruncated": "...", "partial": "<first bytes>"}.
package agent
