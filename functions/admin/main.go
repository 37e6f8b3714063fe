// Command admin is the Lambda function behind the admin HTTP routes: cache
// statistics and invalidation, the audit trail (with a CSV export), the
// security view and the memory review queue (admin role; see reviews.go),
// and the documents API: presigned upload URLs, the document list and
// deletion (operator role; see documents.go).
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

	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/adapter/redis/cache"
	"github.com/resync/resync/shared/adapter/redis/security"
	"github.com/resync/resync/shared/edge/config"
	"github.com/resync/resync/shared/edge/setup"
)

const function = "admin"

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
	base, err := setup.New(ctx, function, getenv, stdout, config.Need{Redis: true, Auth: true})
	if err != nil {
		return err
	}
	defer base.Close()
	c, err := cache.New(base.Redis, base.Config.CacheConfig())
	if err != nil {
		return fmt.Errorf("admin: cache: %w", err)
	}
	auditLog := audit.New(base.Redis, audit.Config{})
	// One graph store serves the documents and the review queue; nil when
	// NEO4J_URI is not set, and then both answer that they are not configured.
	g, err := base.Graph(ctx, getenv, false)
	if err != nil {
		return err
	}
	if g != nil {
		defer g.Close(context.Background())
	}
	documents, err := buildDocuments(ctx, getenv, g, auditLog)
	if err != nil {
		return err
	}
	reviews, err := buildReviews(ctx, g, auditLog)
	if err != nil {
		return err
	}
	h, err := newHandler(deps{
		cache:    c,
		redis:    base.Redis,
		audit:    auditLog,
		security: security.New(base.Redis, 0),
		docs:     documents,
		reviews:  reviews,
	}, base.Edge())
	if err != nil {
		return err
	}
	lambda.StartWithOptions(httpadapter.NewV2(h).ProxyWithContext, lambda.WithContext(ctx))
	return nil
}
