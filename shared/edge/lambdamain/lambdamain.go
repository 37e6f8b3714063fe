// Package lambdamain is what every function's main does around its own
// wiring: stop on SIGTERM or an interrupt, read the process's environment,
// print a start-up error with the function's name and exit 1, and serve
// invokes through the Lambda runtime with each invoke counted for the leak
// check (obs.Diag).
package lambdamain

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/resync/resync/shared/edge/obs"
)

// Run is a function's wiring and serving: it builds the clients once per
// execution environment, serves invokes (Start) and returns when the
// runtime stops, or returns the error that kept it from starting.
type Run func(ctx context.Context, getenv func(string) string, stdout io.Writer) error

// Main runs run with the process's environment and stdout under a context
// cancelled by SIGTERM or an interrupt. An error is printed to stderr as
// "name: error" and the process exits 1.
func Main(name string, run Run) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	err := run(ctx, os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

// Start serves invokes with h until the runtime stops or ctx ends, each
// invoke counted when RESYNC_DIAG_EVERY asks for diagnostics.
func Start[In, Out any](ctx context.Context, getenv func(string) string, stdout io.Writer, h func(context.Context, In) (Out, error)) {
	lambda.StartWithOptions(obs.Counted(obs.NewDiag(getenv, stdout), h), lambda.WithContext(ctx))
}

// HTTP adapts an http.Handler to API Gateway's HTTP API (payload 2.0).
func HTTP(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return httpadapter.NewV2(h).ProxyWithContext
}
