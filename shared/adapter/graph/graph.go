// Package graph is Resync's Neo4j store: the plan topology (workstations, job
// streams, jobs and their dependencies) and the impact queries an operator
// asks of it — what runs downstream of a job, why a job waits, whether it is
// on a critical path — together with the schema shared with the document
// store (constraints, a vector index and a full-text index on chunks).
//
// It uses neo4j-go-driver v5: one driver per Store, built in Open and shared
// by every call; every query runs through neo4j.ExecuteQuery (a managed,
// retryable transaction); writes are batched with UNWIND; every value reaches
// Cypher as a parameter. bolt://, neo4j:// and Aura's neo4j+s:// URIs are
// passed to the driver unchanged.
//
// Errors: ErrNotFound when a job is not in the graph, ErrNotSynced before
// the first topology sync, ErrUnavailable when the server cannot be reached
// (callers fall back to HWA) — these three are the domain's topology errors
// (shared/domain/topology) — and ErrInvalid for bad arguments; all wrapped
// with the operation.
package graph

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"

	"github.com/resync/resync/shared/domain/topology"
)

// Errors returned by the Store, tested with errors.Is.
var (
	// ErrNotFound means the job (or other object) is not in the graph. It
	// is the domain's topology.ErrNotFound, so callers need not import the
	// driver's package to sort it.
	ErrNotFound = topology.ErrNotFound
	// ErrNotSynced means the graph was reached but no topology sync of the
	// engine has completed yet, so it holds no plan to answer from
	// (topology.ErrNotSynced).
	ErrNotSynced = topology.ErrNotSynced
	// ErrUnavailable means Neo4j could not be reached or did not answer
	// (topology.ErrUnavailable).
	ErrUnavailable = topology.ErrUnavailable
	// ErrInvalid means an argument or the configuration is invalid.
	ErrInvalid = errors.New("invalid argument")
	// ErrSchema means an existing index does not match the configuration
	// (for example a vector index built for another dimension).
	ErrSchema = errors.New("schema mismatch")
)

// Defaults used when Config leaves a field zero.
const (
	DefaultEmbeddingDimensions = 1024 // Amazon Titan Text Embeddings v2
	DefaultBatchSize           = 1000
	DefaultEngine              = "default"
	DefaultRetryTime           = 5 * time.Second
)

// Config says how to reach Neo4j and how the store behaves.
type Config struct {
	URI      string // bolt://, neo4j://, neo4j+s:// (Aura), bolt+s://, ...
	User     string // empty with an empty Password: no authentication
	Password string
	Database string // empty: the user's home database

	// Engine names the HWA engine whose plan this store holds; topology
	// syncs and stale-node removal are scoped to it, so several engines (or
	// concurrent test packages) can share one database. Default "default".
	Engine string
	// EmbeddingDimensions is the size of Chunk.embedding vectors.
	EmbeddingDimensions int
	// BatchSize is the number of rows per UNWIND write. Default 1000.
	BatchSize int
	// Now is the clock used to decide lateness; default time.Now.
	Now func() time.Time
	// RetryTime bounds the driver's retries of one query (and so how long
	// a caller waits for a graph that is down). Default DefaultRetryTime.
	RetryTime time.Duration
}

// Store is a connection to the graph. It is safe for concurrent use; build one
// per process with Open and Close it on shutdown.
type Store struct {
	driver    neo4j.DriverWithContext
	database  string
	engine    string
	dims      int
	batchSize int
	now       func() time.Time
	schema    *schemaOnce
}

// Open builds the store with New and checks that the server answers. It
// returns ErrInvalid for a bad configuration and ErrUnavailable when the
// server cannot be reached.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if err := s.driver.VerifyConnectivity(ctx); err != nil {
		_ = s.driver.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("graph: open %s: %w", redactURI(cfg.URI), translate(err))
	}
	return s, nil
}

// New builds the driver once without contacting the server: the driver
// connects on the first query, and reconnects by itself after an outage. A
// function whose graph is optional builds its store with New so that a
// Neo4j that is down at cold start costs the graph features (each query then
// returns ErrUnavailable and the caller falls back or says so) and not the
// function; the features return with the server. It returns ErrInvalid for
// a bad configuration.
func New(cfg Config) (*Store, error) {
	if cfg.URI == "" {
		return nil, fmt.Errorf("graph: open: %w: empty URI", ErrInvalid)
	}
	if cfg.EmbeddingDimensions < 0 || cfg.EmbeddingDimensions > 4096 {
		return nil, fmt.Errorf("graph: open: %w: embedding dimensions %d outside 1..4096", ErrInvalid, cfg.EmbeddingDimensions)
	}
	if cfg.BatchSize < 0 {
		return nil, fmt.Errorf("graph: open: %w: negative batch size", ErrInvalid)
	}
	if cfg.RetryTime <= 0 {
		cfg.RetryTime = DefaultRetryTime
	}
	auth := neo4j.NoAuth()
	if cfg.User != "" || cfg.Password != "" {
		auth = neo4j.BasicAuth(cfg.User, cfg.Password, "")
	}
	driver, err := neo4j.NewDriverWithContext(cfg.URI, auth, func(c *config.Config) {
		c.UserAgent = "resync-graph"
		// A request path waits at most this long for a graph that is down
		// before it falls back: the driver's defaults (30 s of retries,
		// 60 s to get a connection) would hold an operator's answer and a
		// Lambda invoke far longer than the fallback is worth.
		c.MaxTransactionRetryTime = cfg.RetryTime
		c.SocketConnectTimeout = min(cfg.RetryTime, 5*time.Second)
		c.ConnectionAcquisitionTimeout = 2 * cfg.RetryTime
	})
	if err != nil {
		return nil, fmt.Errorf("graph: open %s: %w: %w", redactURI(cfg.URI), ErrInvalid, err)
	}
	s := &Store{
		driver:    driver,
		database:  cfg.Database,
		engine:    cfg.Engine,
		dims:      cfg.EmbeddingDimensions,
		batchSize: cfg.BatchSize,
		now:       cfg.Now,
		schema:    &schemaOnce{},
	}
	if s.engine == "" {
		s.engine = DefaultEngine
	}
	if s.dims == 0 {
		s.dims = DefaultEmbeddingDimensions
	}
	if s.batchSize == 0 {
		s.batchSize = DefaultBatchSize
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Close releases the driver's connections.
func (s *Store) Close(ctx context.Context) error {
	if err := s.driver.Close(ctx); err != nil {
		return fmt.Errorf("graph: close: %w", err)
	}
	return nil
}

// Ping checks that the server answers (for deep health checks). It returns
// ErrUnavailable when it does not.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.driver.VerifyConnectivity(ctx); err != nil {
		return fmt.Errorf("graph: ping: %w", translate(err))
	}
	return nil
}

// Engine returns the engine name the store's topology is scoped to.
func (s *Store) Engine() string { return s.engine }

// write runs one query in a managed write transaction.
func (s *Store) write(ctx context.Context, query string, params map[string]any) (*neo4j.EagerResult, error) {
	opts := []neo4j.ExecuteQueryConfigurationOption{neo4j.ExecuteQueryWithWritersRouting()}
	if s.database != "" {
		opts = append(opts, neo4j.ExecuteQueryWithDatabase(s.database))
	}
	res, err := neo4j.ExecuteQuery(ctx, s.driver, query, params, neo4j.EagerResultTransformer, opts...)
	if err != nil {
		return nil, translate(err)
	}
	return res, nil
}

// read runs one query in a managed read transaction (routed to readers on a cluster).
func (s *Store) read(ctx context.Context, query string, params map[string]any) (*neo4j.EagerResult, error) {
	opts := []neo4j.ExecuteQueryConfigurationOption{neo4j.ExecuteQueryWithReadersRouting()}
	if s.database != "" {
		opts = append(opts, neo4j.ExecuteQueryWithDatabase(s.database))
	}
	res, err := neo4j.ExecuteQuery(ctx, s.driver, query, params, neo4j.EagerResultTransformer, opts...)
	if err != nil {
		return nil, translate(err)
	}
	return res, nil
}

// translate marks errors that mean "the graph is not there" with
// ErrUnavailable so callers can fall back; other errors pass unchanged.
func translate(err error) error {
	if err == nil {
		return nil
	}
	// A managed transaction that gave up after its retries reports every
	// attempt; it is an outage when the attempts failed to connect.
	var limit *neo4j.TransactionExecutionLimit
	if errors.As(err, &limit) {
		for _, e := range limit.Errors {
			if translated := translate(e); errors.Is(translated, ErrUnavailable) {
				return fmt.Errorf("%w: %w", ErrUnavailable, err)
			}
		}
	}
	var tokenErr *neo4j.TokenExpiredError
	switch {
	case neo4j.IsConnectivityError(err),
		errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &tokenErr):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	var nerr *neo4j.Neo4jError
	if errors.As(err, &nerr) && (nerr.Code == "Neo.ClientError.Security.Unauthorized" ||
		nerr.Code == "Neo.TransientError.General.DatabaseUnavailable") {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// redactURI drops any user info from a URI before it goes into an error.
func redactURI(uri string) string {
	for i := 0; i+3 <= len(uri); i++ {
		if uri[i:i+3] == "://" {
			rest := uri[i+3:]
			for j := 0; j < len(rest) && rest[j] != '/'; j++ {
				if rest[j] == '@' {
					return uri[:i+3] + rest[j+1:]
				}
			}
			return uri
		}
	}
	return uri
}
