// Package testenv gives integration tests the addresses of the real servers
// that `make test` starts (Redis and Neo4j).
//
// Under `make test` the variable RESYNC_TEST_SERVICES is "required" and a
// missing server fails the test loudly. Under a plain `go test` the variables
// are usually absent and the helpers skip the test with a message saying how
// to run it for real.
package testenv

import (
	"os"
	"testing"
)

// Environment variables set by scripts/test.sh for the servers it starts.
const (
	EnvServices      = "RESYNC_TEST_SERVICES" // "required" under make test
	EnvRedisAddr     = "RESYNC_TEST_REDIS_ADDR"
	EnvNeo4jURI      = "RESYNC_TEST_NEO4J_URI"
	EnvNeo4jUser     = "RESYNC_TEST_NEO4J_USER"
	EnvNeo4jPassword = "RESYNC_TEST_NEO4J_PASSWORD"
)

// Neo4jConfig is how to reach the test Neo4j server.
type Neo4jConfig struct {
	URI      string
	User     string
	Password string
}

// Required reports whether the real servers must be present (make test).
func Required() bool { return os.Getenv(EnvServices) == "required" }

func missing(tb testing.TB, what, variable string) {
	tb.Helper()
	if Required() {
		tb.Fatalf("testenv: %s is required under make test but %s is not set; scripts/test.sh should have started it", what, variable)
	}
	tb.Skipf("testenv: skipping: no %s (%s unset); run `make test` to start the real servers", what, variable)
}

// RedisAddr returns the host:port of the test Redis server, or skips (fails
// under make test) when there is none.
func RedisAddr(tb testing.TB) string {
	tb.Helper()
	addr := os.Getenv(EnvRedisAddr)
	if addr == "" {
		missing(tb, "Redis server", EnvRedisAddr)
	}
	return addr
}

// Neo4j returns how to reach the test Neo4j server, or skips (fails under
// make test) when there is none.
func Neo4j(tb testing.TB) Neo4jConfig {
	tb.Helper()
	c := Neo4jConfig{
		URI:      os.Getenv(EnvNeo4jURI),
		User:     os.Getenv(EnvNeo4jUser),
		Password: os.Getenv(EnvNeo4jPassword),
	}
	if c.URI == "" {
		missing(tb, "Neo4j server", EnvNeo4jURI)
	}
	if c.User == "" {
		c.User = "neo4j"
	}
	return c
}
