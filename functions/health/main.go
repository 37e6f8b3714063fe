// Command health is the health function: GET /health answers liveness
// cheaply and without a token; GET /health/deep (admin) returns the last
// deep check; on the health-deep schedule it checks HWA (engine info and a
// job count), Redis (a write, read and delete), Neo4j (a read, when
// NEO4J_URI is set) and Bedrock (a one-token Converse, when BEDROCK_MODEL_ID
// is set), each under its own timeout (HEALTH_CHECK_TIMEOUT, default 3s),
// stores the report in Redis and records every change of state in a Redis
// stream for pushing to chat clients. On the plan-monitor schedule it runs
// the plan monitor and posts its new events and the recently executed
// actions to the Teams and Slack channels (ALERTS_SECRET_ARN, ALERTS_RULES);
// on the shift-handover schedule it posts the digest of the shift that
// ended (SHIFTS in PLAN_TIME_ZONE), which GET /api/v1/handover also shows.
// An alert no channel accepted is a dead letter: GET
// /api/v1/admin/alerts/dead-letters lists them for admins, and POST
// /api/v1/admin/alerts/dead-letters/{id}/replay sends one once more — once,
// however many replays race, and audited (AUDIT_BUCKET) before and after.
package main

import (
	"context"
	"io"

	"github.com/resync/resync/shared/edge/lambdamain"
)

func main() { lambdamain.Main("health", run) }

// run wires the clients once per execution environment and serves invokes.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	a, err := build(ctx, getenv, stdout)
	if err != nil {
		return err
	}
	defer a.Close()
	lambdamain.Start(ctx, getenv, stdout, a.handler.Invoke)
	return nil
}
