// Command admin is the Lambda function behind the admin HTTP routes: cache
// statistics and invalidation, the audit trail (with a CSV export), the
// security view and the memory review queue (admin role; see reviews.go),
// and the documents API: presigned upload URLs, the document list, a
// document's sections (where a citation opens it) and deletion (operator
// role; see documents.go).
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
		fmt.Fprintln(os.Stderr, "admin:", err)
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
	lambda.StartWithOptions(obs.Counted(obs.NewDiag(getenv, stdout), httpadapter.NewV2(a.handler).ProxyWithContext), lambda.WithContext(ctx))
	return nil
}
