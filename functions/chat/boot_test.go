package main

import (
	"context"
	"io"
	"testing"

	"github.com/resync/resync/internal/prodenv"
)

// chat builds with exactly the variables the synthesized prod template gives
// it (STAGE=prod, secrets by ARN through Secrets Manager, RS256 tokens from
// the issuer's JWKS, Redis with AUTH), and still builds when Neo4j cannot be
// reached at cold start: a graph outage costs the graph features, not the
// function.
func TestBootsWithTheProdEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts prodenv.Options
	}{
		{"all dependencies up", prodenv.Options{}},
		{"Neo4j down at cold start", prodenv.Options{Neo4jDown: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := prodenv.Start(t, tc.opts)
			a, err := build(context.Background(), p.Env(t, function), io.Discard)
			if err != nil {
				t.Fatalf("%s does not boot with the prod template's environment: %v", function, err)
			}
			a.close()
			if true && p.Secrets.Reads(prodenv.HWASecretARN) == 0 {
				t.Errorf("%s booted without reading the HWA secret", function)
			}
		})
	}
}
