package graph

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/resync/resync/internal/testenv"
)

// newTestStore opens a Store on the Neo4j of `make test` (skips under a plain
// go test), scoped to an engine name of its own so tests of other packages
// sharing the database are untouched, and removes the engine's nodes after.
func newTestStore(tb testing.TB) *Store {
	tb.Helper()
	cfg := testenv.Neo4j(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	engine := fmt.Sprintf("test-%s-%d", tb.Name(), time.Now().UnixNano())
	s, err := Open(ctx, Config{URI: cfg.URI, User: cfg.User, Password: cfg.Password, Engine: engine})
	if err != nil {
		tb.Fatalf("Open(%s): %v", cfg.URI, err)
	}
	tb.Cleanup(func() {
		ctx := context.Background()
		for _, q := range []string{
			"MATCH (n) WHERE n.engine = $engine WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS n",
		} {
			for {
				res, err := s.write(ctx, q, map[string]any{"engine": engine})
				if err != nil {
					tb.Errorf("cleanup: %v", err)
					break
				}
				if countOf(res.Records) == 0 {
					break
				}
			}
		}
		if err := s.Close(ctx); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	if err := s.EnsureSchema(ctx); err != nil {
		tb.Fatalf("EnsureSchema: %v", err)
	}
	return s
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"empty URI", Config{}, ErrInvalid},
		{"bad scheme", Config{URI: "http://127.0.0.1:7474"}, ErrInvalid},
		{"negative batch", Config{URI: "bolt://127.0.0.1:1", BatchSize: -1}, ErrInvalid},
		{"huge dimension", Config{URI: "bolt://127.0.0.1:1", EmbeddingDimensions: 100000}, ErrInvalid},
		{"nothing listening", Config{URI: "bolt://127.0.0.1:1", User: "neo4j", Password: "x"}, ErrUnavailable},
		// Aura's scheme is accepted as is (the driver does routing and TLS);
		// with nothing there it is unavailable, not invalid.
		{"aura scheme accepted", Config{URI: "neo4j+s://127.0.0.1:1", User: "neo4j", Password: "x"}, ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s, err := Open(ctx, tt.cfg)
			if err == nil {
				s.Close(ctx)
				t.Fatalf("Open(%+v) succeeded, want %v", tt.cfg, tt.want)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("Open(%+v) error = %v, want %v", tt.cfg, err, tt.want)
			}
		})
	}
}

func TestRedactURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"neo4j+s://abc.databases.neo4j.io", "neo4j+s://abc.databases.neo4j.io"},
		{"bolt://user:secret@127.0.0.1:7687/db", "bolt://127.0.0.1:7687/db"},
		{"bolt://127.0.0.1:7687/a@b", "bolt://127.0.0.1:7687/a@b"},
		{"no scheme", "no scheme"},
	}
	for _, tt := range tests {
		if got := redactURI(tt.in); got != tt.want {
			t.Errorf("redactURI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPing(t *testing.T) {
	s := newTestStore(t)
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func TestEnsureSchemaTwiceAndConcurrently(t *testing.T) {
	s := newTestStore(t) // ran EnsureSchema once
	ctx := context.Background()
	if err := s.EnsureSchema(ctx); err != nil {
		t.Fatalf("second EnsureSchema: %v", err)
	}
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- s.EnsureSchema(ctx) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent EnsureSchema: %v", err)
		}
	}

	res, err := s.read(ctx, "SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties RETURN name, type, labelsOrTypes[0] AS label, properties", nil)
	if err != nil {
		t.Fatalf("SHOW CONSTRAINTS: %v", err)
	}
	got := map[string]bool{}
	for _, r := range res.Records {
		label, _ := r.Get("label")
		typ, _ := r.Get("type")
		props, _ := r.Get("properties")
		got[fmt.Sprintf("%v %v %v", label, typ, props)] = true
	}
	for _, label := range []string{"Workstation", "JobStream", "Job", "Document", "Chunk"} {
		want := fmt.Sprintf("%s UNIQUENESS [id]", label)
		if !got[want] {
			t.Errorf("constraint %q missing; have %v", want, got)
		}
	}

	idx, err := s.read(ctx, "SHOW INDEXES YIELD name, type, state, labelsOrTypes, properties WHERE name IN $names RETURN name, type, state, properties",
		map[string]any{"names": []string{ChunkVectorIndex, ChunkFullTextIndex}})
	if err != nil {
		t.Fatalf("SHOW INDEXES: %v", err)
	}
	kinds := map[string]string{}
	for _, r := range idx.Records {
		name, _ := r.Get("name")
		typ, _ := r.Get("type")
		state, _ := r.Get("state")
		kinds[name.(string)] = fmt.Sprintf("%v %v", typ, state)
	}
	want := map[string]string{ChunkVectorIndex: "VECTOR ONLINE", ChunkFullTextIndex: "FULLTEXT ONLINE"}
	for name, w := range want {
		if kinds[name] != w {
			t.Errorf("index %s = %q, want %q", name, kinds[name], w)
		}
	}
}

func TestEnsureSchemaDimensionMismatch(t *testing.T) {
	s := newTestStore(t) // the vector index now exists with the default dimension
	other := *s
	other.dims = 8
	err := other.EnsureSchema(context.Background())
	if !errors.Is(err, ErrSchema) {
		t.Fatalf("EnsureSchema with 8 dimensions over a %d-dimension index: error = %v, want ErrSchema", DefaultEmbeddingDimensions, err)
	}
}
