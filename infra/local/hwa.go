package main

import (
	"errors"
	"net/http"
)

// simulator is the embedded HWA simulator: its handler (mounted under
// /twsd/ on the stack's server) and the variables the functions need to
// reach it (credentials).
type simulator struct {
	handler http.Handler
	env     []string
}

// embeddedHWA returns the embedded simulator.
func embeddedHWA() (simulator, error) {
	return simulator{}, errors.New("the HWA simulator (shared/hwa/hwasim) is not in this build yet")
}
