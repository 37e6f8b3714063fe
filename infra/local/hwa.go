package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	sharedconfig "github.com/resync/resync/shared/edge/config"
)

// simUser is the Basic-auth user of the embedded HWA simulator.
const simUser = "resync"

// simulator is the embedded HWA simulator: its handler (mounted under
// /twsd/ on the stack's server) and the variables the functions need to
// reach it (credentials).
type simulator struct {
	handler http.Handler
	sim     *hwasim.Server // what the handler serves, for tests
	env     []string
}

// embeddedHWA returns a simulator over a plan generated from seed that
// follows the wall clock, with a random password per run.
func embeddedHWA(seed int64) (simulator, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return simulator{}, fmt.Errorf("local: simulator password: %w", err)
	}
	password := hex.EncodeToString(b[:])
	sim := hwasim.New(hwasim.Config{Seed: seed, Clock: time.Now, Users: map[string]string{simUser: password}})
	return simulator{
		handler: sim,
		sim:     sim,
		env: []string{
			sharedconfig.EnvHWAUser + "=" + simUser,
			sharedconfig.EnvHWAPassword + "=" + password,
			sharedconfig.EnvHWAAPIKey + "=",
		},
	}, nil
}
