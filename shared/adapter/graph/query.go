package graph

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Read runs one parameterised read query in a managed read transaction and
// returns its records; packages that keep their own part of the graph
// (retrieval, conversation memory) query through it. Values must reach the
// query as params, never spliced into it. It returns ErrUnavailable when
// Neo4j cannot be reached, other driver errors wrapped.
func (s *Store) Read(ctx context.Context, query string, params map[string]any) ([]*neo4j.Record, error) {
	res, err := s.read(ctx, query, params)
	if err != nil {
		return nil, fmt.Errorf("graph: read: %w", err)
	}
	return res.Records, nil
}

// Write runs one parameterised write query in a managed write transaction
// and returns its records. Errors as for Read.
func (s *Store) Write(ctx context.Context, query string, params map[string]any) ([]*neo4j.Record, error) {
	res, err := s.write(ctx, query, params)
	if err != nil {
		return nil, fmt.Errorf("graph: write: %w", err)
	}
	return res.Records, nil
}
