package setup

import (
	"context"
	"fmt"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/edge/config"
)

// Graph opens the Neo4j knowledge graph named by NEO4J_URI (credentials
// from NEO4J_USER/NEO4J_PASSWORD or the NEO4J_SECRET_ARN secret) and makes
// sure its schema exists when writer is true (readers never block their
// start on Neo4j: a graph that cannot be reached makes their queries fall
// back). It returns nil, nil when NEO4J_URI is not set: the graph features
// are then off and callers fall back or say so.
func (b *Base) Graph(ctx context.Context, getenv func(string) string, writer bool) (*graph.Store, error) {
	uri := getenv(config.EnvNeo4jURI)
	if uri == "" {
		b.Log.InfoContext(ctx, "graph features off: "+config.EnvNeo4jURI+" is not set")
		return nil, nil
	}
	user, password := getenv(config.EnvNeo4jUser), getenv(config.EnvNeo4jPassword)
	if arn := getenv(config.EnvNeo4jSecretARN); arn != "" && password == "" {
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: load AWS config: %w", b.Function, err)
		}
		if user, password, err = config.ResolveNeo4j(ctx, secretsmanager.NewFromConfig(awsCfg), arn); err != nil {
			return nil, fmt.Errorf("%s: %w", b.Function, err)
		}
	}
	if user == "" {
		user = "neo4j"
	}
	g, err := graph.Open(ctx, graph.Config{URI: uri, User: user, Password: password, Database: getenv(config.EnvNeo4jDatabase)})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Function, err)
	}
	if !writer {
		return g, nil
	}
	if err := g.EnsureSchema(ctx); err != nil {
		_ = g.Close(ctx)
		return nil, fmt.Errorf("%s: %w", b.Function, err)
	}
	return g, nil
}
