package setup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/resync/resync/shared/adapter/graph"
	"github.com/resync/resync/shared/edge/config"
)

// Graph builds the Neo4j knowledge graph store named by NEO4J_URI
// (credentials from NEO4J_USER/NEO4J_PASSWORD or the NEO4J_SECRET_ARN
// secret) without waiting for the server: no function blocks its start on
// Neo4j. A graph that cannot be reached makes each query return
// graph.ErrUnavailable, which readers answer with their HWA fallback and a
// note, and the driver reconnects by itself when the server returns. When
// writer is true it also tries to create the schema; if Neo4j is down it
// logs that and the writer calls Store.Ready before its first write. It
// returns nil, nil when NEO4J_URI is not set: the graph features are then
// off and callers fall back or say so.
func (b *Base) Graph(ctx context.Context, getenv func(string) string, writer bool) (*graph.Store, error) {
	uri := getenv(config.EnvNeo4jURI)
	if uri == "" {
		b.Log.InfoContext(ctx, "graph features off: "+config.EnvNeo4jURI+" is not set")
		return nil, nil
	}
	user, password := getenv(config.EnvNeo4jUser), getenv(config.EnvNeo4jPassword)
	if arn := getenv(config.EnvNeo4jSecretARN); arn != "" && password == "" {
		sm, err := b.secretsClient(ctx)
		if err != nil {
			return nil, err
		}
		if user, password, err = config.ResolveNeo4j(ctx, sm, arn); err != nil {
			return nil, fmt.Errorf("%s: %w", b.Function, err)
		}
	}
	if user == "" {
		user = "neo4j"
	}
	g, err := graph.New(graph.Config{URI: uri, User: user, Password: password, Database: getenv(config.EnvNeo4jDatabase)})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Function, err)
	}
	if !writer {
		return g, nil
	}
	startCtx, cancel := context.WithTimeout(ctx, 3*time.Second) // a cold start does not wait longer for Neo4j
	defer cancel()
	switch err := g.Ready(startCtx); {
	case errors.Is(err, graph.ErrUnavailable):
		b.Log.WarnContext(ctx, "the knowledge graph cannot be reached at start: its schema is made on the first write once it returns", "err", err.Error())
	case err != nil && startCtx.Err() != nil:
		// The start budget ran out, e.g. several processes creating the
		// schema at once deadlocked in Neo4j and the driver's retry did not
		// fit in 3 s: Ready runs again before the first write.
		b.Log.WarnContext(ctx, "the knowledge graph schema was not ready within the start budget: it is made on the first write", "err", err.Error())
	case err != nil:
		_ = g.Close(ctx)
		return nil, fmt.Errorf("%s: %w", b.Function, err)
	}
	return g, nil
}
