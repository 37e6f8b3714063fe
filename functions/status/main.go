// Command status is the Lambda function behind the read-only HTTP routes of
// the plan: summary, jobs, one job, its log, job streams, workstations and
// critical jobs. It reads HWA through the two-tier cache.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/resync/resync/shared/edge/obs"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "status:", err)
		os.Exit(1)
	}
}

// run wires the clients once per execution environment and serves invokes.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	app, err := build(ctx, getenv, stdout)
	if err != nil {
		return err
	}
	defer app.close()
	lambda.StartWithOptions(obs.Counted(obs.NewDiag(getenv, stdout), httpadapter.NewV2(app.handler).ProxyWithContext), lambda.WithContext(ctx))
	return nil
}
