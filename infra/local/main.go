// Command local runs Resync's local stack (`make dev`): one process that
// plays API Gateway's HTTP API and WebSocket API (/ws, and the @connections
// management API the functions post frames to), the Lambda service (running
// each function's real binary from .cache/local-bin through the Lambda
// Runtime API) and EventBridge schedules, with embedded defaults for what is
// not configured — the HWA simulator unless HWA_URL is set, an embedded
// Redis unless REDIS_URL is set — and a dev-only token endpoint.
//
// Settings (environment): LOCAL_ADDR (127.0.0.1:8080), LOCAL_BIN_DIR
// (.cache/local-bin), LOCAL_SCHEDULES (on | fast | off), LOCAL_CONCURRENCY
// (4 processes per function), LOCAL_TIMEOUT and LOCAL_TIMEOUT_<FN> (as
// deployed: chat 5m, ingest 15m, health 1m, others 30s),
// LOCAL_TOKEN_TTL (1h), LOCAL_WS_IDLE (10m), LOCAL_WS_LIFETIME (2h),
// LOCAL_HWA_SEED (1), LOCAL_PASS_ENV (names of more variables to pass to
// the functions), STAGE, HWA_URL, REDIS_URL, AUTH_HS256_SECRET (random per
// run when unset), and the variables of shared/edge/config, which are passed on
// to the functions.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/resync/resync/shared/edge/obs"
	"github.com/resync/resync/shared/edge/routes"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run starts the stack and serves until ctx ends (Ctrl-C), then shuts down.
func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(getenv, routes.Functions())
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: obs.ParseLevel(getenv("LOG_LEVEL"))}))
	s, err := startStack(ctx, cfg, stdout, stderr, log)
	if err != nil {
		return err
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "shutting down: stopping schedules, draining requests, stopping functions")
	s.Close(context.Background())
	fmt.Fprintln(stdout, "stopped")
	return nil
}
