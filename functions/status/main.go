// Command status is the Lambda function behind the read-only HTTP routes of
// the plan: summary, jobs, one job, its log, job streams, workstations and
// critical jobs. It reads HWA through the two-tier cache.
package main

import (
	"context"
	"io"

	"github.com/resync/resync/shared/edge/lambdamain"
)

func main() { lambdamain.Main("status", run) }

// run wires the clients once per execution environment and serves invokes.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	app, err := build(ctx, getenv, stdout)
	if err != nil {
		return err
	}
	defer app.Close()
	lambdamain.Start(ctx, getenv, stdout, lambdamain.HTTP(app.handler))
	return nil
}
