package testenv_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/internal/testenv"
)

// TestRedisRoundTrip proves the Redis server started by scripts/services.sh
// answers: a real SET with expiry, GET, TTL and DEL.
func TestRedisRoundTrip(t *testing.T) {
	addr := testenv.RedisAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { rdb.Close() })

	key := fmt.Sprintf("testenv:roundtrip:%d", time.Now().UnixNano())
	want := "hello from resync"
	if err := rdb.Set(ctx, key, want, time.Minute).Err(); err != nil {
		t.Fatalf("SET %s: %v", key, err)
	}
	t.Cleanup(func() { rdb.Del(context.Background(), key) })

	got, err := rdb.Get(ctx, key).Result()
	if err != nil {
		t.Fatalf("GET %s: %v", key, err)
	}
	if got != want {
		t.Errorf("GET %s = %q, want %q", key, got, want)
	}
	ttl, err := rdb.TTL(ctx, key).Result()
	if err != nil {
		t.Fatalf("TTL %s: %v", key, err)
	}
	if ttl <= 0 || ttl > time.Minute {
		t.Errorf("TTL %s = %v, want in (0, 1m]", key, ttl)
	}
	info, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		t.Fatalf("INFO server: %v", err)
	}
	t.Logf("redis at %s answered; %d bytes of INFO server", addr, len(info))
}

// TestNeo4jRoundTrip proves the Neo4j server started by scripts/services.sh
// answers over Bolt with auth: a real Cypher write, a read of the same node,
// and the server version (vector and full-text indexes need 5.11+).
func TestNeo4jRoundTrip(t *testing.T) {
	cfg := testenv.Neo4j(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	driver, err := neo4j.NewDriverWithContext(cfg.URI, neo4j.BasicAuth(cfg.User, cfg.Password, ""))
	if err != nil {
		t.Fatalf("new driver for %s: %v", cfg.URI, err)
	}
	t.Cleanup(func() { driver.Close(context.Background()) })
	if err := driver.VerifyConnectivity(ctx); err != nil {
		t.Fatalf("verify connectivity to %s: %v", cfg.URI, err)
	}

	id := fmt.Sprintf("roundtrip-%d", time.Now().UnixNano())
	t.Cleanup(func() {
		_, _ = neo4j.ExecuteQuery(context.Background(), driver,
			"MATCH (n:TestenvRoundTrip {id: $id}) DETACH DELETE n",
			map[string]any{"id": id}, neo4j.EagerResultTransformer)
	})

	w, err := neo4j.ExecuteQuery(ctx, driver,
		"CREATE (n:TestenvRoundTrip {id: $id, n: $n}) RETURN n.id AS id",
		map[string]any{"id": id, "n": 42}, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatalf("write: %v", err)
	}
	if got := w.Summary.Counters().NodesCreated(); got != 1 {
		t.Errorf("nodes created = %d, want 1", got)
	}

	r, err := neo4j.ExecuteQuery(ctx, driver,
		"MATCH (n:TestenvRoundTrip {id: $id}) RETURN n.n AS n",
		map[string]any{"id": id}, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithReadersRouting())
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if len(r.Records) != 1 {
		t.Fatalf("read %d records, want 1", len(r.Records))
	}
	got, _, err := neo4j.GetRecordValue[int64](r.Records[0], "n")
	if err != nil {
		t.Fatalf("read n: %v", err)
	}
	if got != 42 {
		t.Errorf("n = %d, want 42", got)
	}

	v, err := neo4j.ExecuteQuery(ctx, driver,
		"CALL dbms.components() YIELD name, versions, edition RETURN name, versions[0] AS version, edition",
		nil, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatalf("dbms.components: %v", err)
	}
	if len(v.Records) == 0 {
		t.Fatal("dbms.components returned no records")
	}
	version, _ := v.Records[0].Get("version")
	edition, _ := v.Records[0].Get("edition")
	t.Logf("neo4j at %s answered: version %v, edition %v", cfg.URI, version, edition)
}

// TestNeo4jWrongPasswordRejected proves auth is really enabled on the test
// server, so code that passes credentials is exercised for real.
func TestNeo4jWrongPasswordRejected(t *testing.T) {
	cfg := testenv.Neo4j(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	driver, err := neo4j.NewDriverWithContext(cfg.URI, neo4j.BasicAuth(cfg.User, cfg.Password+"-wrong", ""))
	if err != nil {
		t.Fatalf("new driver: %v", err)
	}
	defer driver.Close(context.Background())
	if err := driver.VerifyConnectivity(ctx); err == nil {
		t.Error("connecting with a wrong password succeeded, want an authentication error")
	}
}

// TestNeo4jVectorAndFullTextIndexes proves the test server supports what the
// graph store needs: a cosine vector index (Neo4j 5.11+) and a full-text index,
// both queried for real.
func TestNeo4jVectorAndFullTextIndexes(t *testing.T) {
	cfg := testenv.Neo4j(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	driver, err := neo4j.NewDriverWithContext(cfg.URI, neo4j.BasicAuth(cfg.User, cfg.Password, ""))
	if err != nil {
		t.Fatalf("new driver: %v", err)
	}
	t.Cleanup(func() { driver.Close(context.Background()) })

	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	label := "TestenvIdx" + suffix
	vectorIndex, textIndex := "testenv_vec_"+suffix, "testenv_text_"+suffix
	run := func(query string, params map[string]any) *neo4j.EagerResult {
		t.Helper()
		res, err := neo4j.ExecuteQuery(ctx, driver, query, params, neo4j.EagerResultTransformer)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return res
	}
	t.Cleanup(func() {
		bg := context.Background()
		for _, q := range []string{
			"DROP INDEX " + vectorIndex + " IF EXISTS",
			"DROP INDEX " + textIndex + " IF EXISTS",
			"MATCH (n:" + label + ") DETACH DELETE n",
		} {
			_, _ = neo4j.ExecuteQuery(bg, driver, q, nil, neo4j.EagerResultTransformer)
		}
	})

	// Schema statements cannot take parameters for names; these are generated here.
	run("CREATE VECTOR INDEX "+vectorIndex+" IF NOT EXISTS FOR (n:"+label+") ON (n.embedding) "+
		"OPTIONS {indexConfig: {`vector.dimensions`: 3, `vector.similarity_function`: 'cosine'}}", nil)
	run("CREATE FULLTEXT INDEX "+textIndex+" IF NOT EXISTS FOR (n:"+label+") ON EACH [n.text]", nil)
	run("UNWIND $rows AS row CREATE (n:"+label+" {id: row.id, text: row.text, embedding: row.embedding})",
		map[string]any{"rows": []any{
			map[string]any{"id": "a", "text": "payroll job abended overnight", "embedding": []float64{1, 0, 0}},
			map[string]any{"id": "b", "text": "backup stream completed", "embedding": []float64{0, 1, 0}},
		}})
	run("CALL db.awaitIndexes(60)", nil)

	v := run("CALL db.index.vector.queryNodes($index, 1, $q) YIELD node, score RETURN node.id AS id, score",
		map[string]any{"index": vectorIndex, "q": []float64{0.9, 0.1, 0}})
	if len(v.Records) != 1 {
		t.Fatalf("vector query returned %d records, want 1", len(v.Records))
	}
	if got, _ := v.Records[0].Get("id"); got != "a" {
		t.Errorf("nearest vector = %v, want a", got)
	}

	f := run("CALL db.index.fulltext.queryNodes($index, $q) YIELD node RETURN node.id AS id",
		map[string]any{"index": textIndex, "q": "abended"})
	if len(f.Records) != 1 {
		t.Fatalf("full-text query returned %d records, want 1", len(f.Records))
	}
	if got, _ := f.Records[0].Get("id"); got != "a" {
		t.Errorf("full-text hit = %v, want a", got)
	}
}
