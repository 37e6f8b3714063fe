// Command chat is the Lambda function behind the WebSocket API: it records
// connections on $connect (after checking the token), answers chat frames
// with the configured agents — streaming tool activity, coalesced text,
// action proposals and a cited final answer through the @connections API —
// and executes confirmed proposals exactly once.
package main

import (
	"context"
	"io"

	"github.com/resync/resync/shared/edge/lambdamain"
)

func main() { lambdamain.Main("chat", run) }

// run wires the clients once per execution environment and serves invokes.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	a, err := build(ctx, getenv, stdout)
	if err != nil {
		return err
	}
	defer a.Close()
	lambdamain.Start(ctx, getenv, stdout, a.invoker.Invoke)
	return nil
}
