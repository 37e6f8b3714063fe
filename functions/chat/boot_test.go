package main

import (
	"context"
	"io"
	"testing"

	"github.com/resync/resync/internal/prodenv"
)

// chat boots with the prod template's environment, with Neo4j up and down.
func TestBootsWithTheProdEnvironment(t *testing.T) {
	prodenv.Boot(t, function, true, func(getenv func(string) string) (func(), error) {
		a, err := build(context.Background(), getenv, io.Discard)
		if err != nil {
			return nil, err
		}
		return a.Close, nil
	})
}
