// Package agent is Resync's chat agent: agents configured in a file
// (LoadAgents), the loop that lets a model call HWA tools (Runner), the
// conversation history kept in a HistoryStore (History), and the safe operator
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
//	                  → planview.JobDetail {job:JobView, runs, duration?, dependencies, waiting,
//	                     task?:{command|script, user, recovery, recoveryMeaning, recoveryJob?,
//	                     repeatSeconds?, requiresConfirmation?, modelId?}, asOf, stale}
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
//	                     "critical": n, "summary": "3 successors, 1 critical: ...",
//	                     "source"?: "graph"|"hwa", "note"?, "onCriticalPath"?}
//	                  source and note are set when the impact service answers
//	                  (Tools.WithKnowledge): graph first, HWA with a note saying why.
//	why_waiting       WhyWaitingInput {job}
//	                  → impact.Why {"job", "source", "note"?, "waiting", "reason"?,
//	                     "blockers":[{"root", "reason": "abended"|"held"|"late"|"cancelled"|"running"|"waiting",
//	                     "detail", "chain":[job refs, direct predecessor first], "critical"}],
//	                     "conditions":[{"kind": "prompt"|"resource"|"file", "job", "name", "detail",
//	                     "promptId"?, "text"?, "promptStatus"?, "needed"?, "quantity"?, "available"?,
//	                     "holders"?:[{"jobId","job","stream","quantity"}]}]}
//	                  the conditions are the prompts, resources and files holding the
//	                  job or a root blocker; unavailable without the impact service.
//	search_runbooks   SearchRunbooksInput {query, limit?}
//	                  → RunbooksResult {"query", "results":[{"documentId","document","section","text","score"}]}
//	                  hybrid retrieval (shared/app/retrieve); limit defaults to 5, at most 10;
//	                  unavailable without a knowledge graph. An answer that names a
//	                  result's section (or its document) or quotes its text cites it
//	                  as {"kind":"document","id":documentId,"label":"doc § section","section"}.
//	propose_action    ProposeActionInput {action: "rerun"|"hold"|"release"|"cancel"|"kill"|"confirm-succ"|"confirm-abend"|
//	                     "submit_jobstream"|"submit_job", job?, stream?}
//	                  → ProposalResult {"proposalId","action",
//	                     "targets":[{"kind":"job"|"jobstream","id","name","runId"?,"stream"?,"workstation"?,"modelId"?}],
//	                     "impact":{"successors":[{"kind","id","name"}],"critical":n,"summary"},
//	                     "expiresAt": RFC 3339}
//	                  It creates a proposal and never executes anything; the user
//	                  confirms it outside the model (Actions.Confirm). submit_jobstream
//	                  (stream: a name, WS#NAME or id) adds a new instance of the
//	                  stream from its model; submit_job (job) submits the job's
//	                  definition again into its workstation's JOBS stream. Their
//	                  impact previews what is added (no successors).
//	list_resources    ListResourcesInput {name?, busy?}
//	                  → ResourcesResult {"items":[{"id","name","workstation","description","quantity",
//	                     "inUse","available","holders":[{"jobId","job","stream","quantity"}],
//	                     "waiting":[job refs]}], "total"}   jobs waiting first, then fewest free
//	get_resource      GetResourceInput {resource: name or id} → one of list_resources' items
//	list_prompts      ListPromptsInput {all?}
//	                  → PromptsResult {"items":[{"id","name","text","scope": "global"|"local",
//	                     "status","workstation","jobs":[job refs]}], "total"}   asked or answered no
//	reply_prompt      ReplyPromptInput {prompt: name, id or a word of it, answer: "yes"|"no"}
//	                  → ProposalResult with action "reply-prompt", the target
//	                     {"kind":"prompt","id","name","answer"} and the held jobs as its impact;
//	                  a proposal like propose_action's, executed only by Actions.Confirm.
//	                  These four read through the Reads given to NewTools
//	                  (hwa.PlanSource); without them they are unavailable.
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
//
// # Use from the chat function
//
// The package imports no adapter: it declares what it consumes — the
// plan reads (Reads: Flow and Conditions, in workload types with
// planread's errors), the executor of confirmed actions (Operator, in
// planwrite's actions, justification and errors), the stores of proposals
// and history — and the function's config.go wires the adapters that
// provide them (hwa.PlanSource, hwa.Operator, redis/proposalstore,
// redis/historystore). Built once in run:
//
//	agents, err := agent.LoadAgents(agentsJSON) // go:embed agents.json
//	reads := hwa.PlanSource{Client: hwaClient}
//	actions, err := agent.NewActions(agent.ActionsConfig{Proposals: proposalstore.New(rdb, ""),
//		HWA: hwa.Operator{Client: hwaClient}, Reads: reads, Plan: planSvc, Impact: impactSvc,
//		Guard: idempotency.New(idemstore.New(rdb, "idem:"), idempotency.Config{Expiry: 24 * time.Hour}),
//		Audit: auditLog, Limiter: limiter})
//	runner, err := agent.NewRunner(agent.RunnerConfig{Agents: agents, Models: agent.OneModel(model),
//		Tools: agent.NewTools(planSvc, reads, actions).WithKnowledge(agent.Knowledge{Runbooks: searcher, Impact: impactSvc}),
//		History: agent.NewHistory(historystore.New(rdb, ""), agent.HistoryConfig{}), Context: memoryStore.Context})
//
// Per chat frame (sink posts frames.Delta, frames.Tool and frames.Proposal;
// the caller coalesces deltas):
//
//	ans, err := runner.Run(ctx, agent.Turn{User: sub, Roles: roles, ConversationID: f.ConversationID,
//		MessageID: f.ID, AgentID: f.Agent, Text: f.Text}, sink)
//	// err: agent.Code(err) is the frames error code; else post ans.Final(f.ID)
//
// Per confirm and cancel frame:
//
//	out, err := actions.Confirm(ctx, sub, roles, f.ProposalID, f.Justification, f.Category, f.Ticket)
//	err = actions.Cancel(ctx, sub, f.ProposalID)
//
// Errors of Confirm and Cancel are *ActionError: Message is safe to show,
// RetryAfter is set for ErrRateLimited, and Code(err) gives the frames code.
package agent
