// Command chat is the Lambda function behind the WebSocket API: it records
// connections on $connect (after checking the token), answers chat frames
// with the configured agents — streaming tool activity, coalesced text,
// action proposals and a cited final answer through the @connections API —
// and executes confirmed proposals exactly once.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/resync/resync/shared/edge/obs"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

// run wires the clients once per execution environment and serves invokes.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	a, err := build(ctx, getenv, stdout)
	if err != nil {
		return err
	}
	defer a.close()
	lambda.StartWithOptions(obs.Counted(obs.NewDiag(getenv, stdout), a.invoker.Invoke), lambda.WithContext(ctx))
	return nil
}
