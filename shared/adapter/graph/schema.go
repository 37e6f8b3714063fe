package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Names of the schema objects EnsureSchema creates. The vector and full-text
// index names are what retrieval queries pass to db.index.*.queryNodes.
const (
	ChunkVectorIndex   = "chunk_embedding"
	ChunkFullTextIndex = "chunk_text"
)

// schemaStatements are the constraints and range indexes, each idempotent
// (IF NOT EXISTS). Schema commands take no parameters, so these are constants.
var schemaStatements = []string{
	"CREATE CONSTRAINT workstation_id IF NOT EXISTS FOR (n:Workstation) REQUIRE n.id IS UNIQUE",
	"CREATE CONSTRAINT jobstream_id IF NOT EXISTS FOR (n:JobStream) REQUIRE n.id IS UNIQUE",
	"CREATE CONSTRAINT job_id IF NOT EXISTS FOR (n:Job) REQUIRE n.id IS UNIQUE",
	"CREATE CONSTRAINT document_id IF NOT EXISTS FOR (n:Document) REQUIRE n.id IS UNIQUE",
	"CREATE CONSTRAINT chunk_id IF NOT EXISTS FOR (n:Chunk) REQUIRE n.id IS UNIQUE",
	"CREATE CONSTRAINT syncstate_id IF NOT EXISTS FOR (n:SyncState) REQUIRE n.id IS UNIQUE",
	// Stale-node removal after a topology sync looks nodes up by engine and generation.
	"CREATE INDEX workstation_sync IF NOT EXISTS FOR (n:Workstation) ON (n.engine, n.syncGen)",
	"CREATE INDEX jobstream_sync IF NOT EXISTS FOR (n:JobStream) ON (n.engine, n.syncGen)",
	"CREATE INDEX job_sync IF NOT EXISTS FOR (n:Job) ON (n.engine, n.syncGen)",
	// Operators and chat name jobs by name and key.
	"CREATE INDEX job_name IF NOT EXISTS FOR (n:Job) ON (n.name)",
	"CREATE INDEX job_key IF NOT EXISTS FOR (n:Job) ON (n.key)",
	"CREATE INDEX jobstream_name IF NOT EXISTS FOR (n:JobStream) ON (n.name)",
	"CREATE INDEX workstation_name IF NOT EXISTS FOR (n:Workstation) ON (n.name)",
	"CREATE FULLTEXT INDEX " + ChunkFullTextIndex + " IF NOT EXISTS FOR (n:Chunk) ON EACH [n.text]",
	// The conversation memory (reviews.go).
	"CREATE CONSTRAINT turn_key IF NOT EXISTS FOR (n:Turn) REQUIRE n.key IS UNIQUE",
	"CREATE CONSTRAINT reviewitem_id IF NOT EXISTS FOR (n:ReviewItem) REQUIRE n.id IS UNIQUE",
	"CREATE INDEX reviewitem_status IF NOT EXISTS FOR (n:ReviewItem) ON (n.status, n.createdAt)",
	"CREATE FULLTEXT INDEX " + ReviewFullTextIndex + " IF NOT EXISTS FOR (n:ReviewItem) ON EACH [n.question, n.correction]",
}

// schemaOnce remembers that EnsureSchema succeeded, so Ready costs a lock
// and a bool once the schema is in place and retries until it is.
type schemaOnce struct {
	mu   sync.Mutex
	done bool
}

// Ready runs EnsureSchema until it has succeeded once for this Store, then
// returns nil at once. A function built with New calls it before work that
// needs the schema (a document write, a vector search), so a Neo4j that was
// down at cold start gets its schema when it returns. It returns
// ErrUnavailable while the server cannot be reached.
func (s *Store) Ready(ctx context.Context) error {
	s.schema.mu.Lock()
	defer s.schema.mu.Unlock()
	if s.schema.done {
		return nil
	}
	if err := s.EnsureSchema(ctx); err != nil {
		return err
	}
	s.schema.done = true
	return nil
}

// EnsureSchema creates the constraints and indexes the store relies on and
// waits until they are online. It is safe to run at every start-up and
// concurrently. It returns ErrSchema when the vector index already exists
// with a dimension other than the configured one (drop it to re-embed).
func (s *Store) EnsureSchema(ctx context.Context) error {
	for _, stmt := range schemaStatements {
		if _, err := s.write(ctx, stmt, nil); err != nil && !alreadyExists(err) {
			return fmt.Errorf("graph: ensure schema: %s: %w", stmt, err)
		}
	}
	// The dimension is validated as an int in Open; OPTIONS takes a map
	// literal, not a parameter, in Neo4j 5.
	vector := fmt.Sprintf("CREATE VECTOR INDEX %s IF NOT EXISTS FOR (n:Chunk) ON (n.embedding) "+
		"OPTIONS {indexConfig: {`vector.dimensions`: %d, `vector.similarity_function`: 'cosine'}}",
		ChunkVectorIndex, s.dims)
	if _, err := s.write(ctx, vector, nil); err != nil && !alreadyExists(err) {
		return fmt.Errorf("graph: ensure schema: vector index: %w", err)
	}
	if err := s.checkVectorIndex(ctx); err != nil {
		return err
	}
	if _, err := s.write(ctx, "CALL db.awaitIndexes(300)", nil); err != nil {
		return fmt.Errorf("graph: ensure schema: await indexes: %w", err)
	}
	return nil
}

// checkVectorIndex compares the existing vector index with the configuration.
func (s *Store) checkVectorIndex(ctx context.Context) error {
	res, err := s.read(ctx, "SHOW VECTOR INDEXES YIELD name, options WHERE name = $name RETURN options", map[string]any{"name": ChunkVectorIndex})
	if err != nil {
		return fmt.Errorf("graph: ensure schema: show vector index: %w", err)
	}
	if len(res.Records) != 1 {
		return fmt.Errorf("graph: ensure schema: %w: vector index %s not found after creation", ErrSchema, ChunkVectorIndex)
	}
	opts, _ := res.Records[0].Get("options")
	m, _ := opts.(map[string]any)
	ic, _ := m["indexConfig"].(map[string]any)
	var dims int64
	switch v := ic["vector.dimensions"].(type) {
	case int64:
		dims = v
	case float64:
		dims = int64(v)
	}
	if dims != int64(s.dims) {
		return fmt.Errorf("graph: ensure schema: %w: vector index %s has %d dimensions, configured %d",
			ErrSchema, ChunkVectorIndex, dims, s.dims)
	}
	if sim, _ := ic["vector.similarity_function"].(string); sim != "" && sim != "cosine" && sim != "COSINE" {
		return fmt.Errorf("graph: ensure schema: %w: vector index %s uses %s similarity, want cosine",
			ErrSchema, ChunkVectorIndex, sim)
	}
	return nil
}

// alreadyExists reports whether err is Neo4j refusing a schema rule another
// process created between our IF NOT EXISTS check and our commit.
func alreadyExists(err error) bool {
	var nerr *neo4j.Neo4jError
	return errors.As(err, &nerr) && strings.HasPrefix(nerr.Code, "Neo.ClientError.Schema.") &&
		strings.HasSuffix(nerr.Code, "AlreadyExists")
}
