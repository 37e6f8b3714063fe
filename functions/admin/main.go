// Command admin is the Lambda function behind the admin HTTP routes: cache
// statistics and invalidation, the audit trail (with a CSV export), the
// security view and the memory review queue (admin role; see reviews.go),
// and the documents API: presigned upload URLs, the document list, a
// document's sections (where a citation opens it) and deletion (operator
// role; see documents.go).
package main

import (
	"context"
	"io"

	"github.com/resync/resync/shared/edge/lambdamain"
)

func main() { lambdamain.Main("admin", run) }

// run wires the clients once per execution environment and serves invokes.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	a, err := build(ctx, getenv, stdout)
	if err != nil {
		return err
	}
	defer a.Close()
	lambdamain.Start(ctx, getenv, stdout, lambdamain.HTTP(a.handler))
	return nil
}
