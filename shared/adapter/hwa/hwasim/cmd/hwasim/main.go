// Command hwasim runs the HCL Workload Automation REST API V2 simulator on
// its own and prints its base URL.
//
//	go run ./shared/adapter/hwa/hwasim/cmd/hwasim -addr 127.0.0.1:0 -seed 1 -tick 1s -speed 60
//
// With -tick the plan's clock advances by tick×speed every tick; it can
// also be read and moved over HTTP at /sim/clock (see the package README).
// -user and -apikey switch authentication on (repeat -user as
// name:password).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/resync/resync/shared/adapter/hwa/hwasim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "hwasim:", err)
		os.Exit(1)
	}
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("hwasim", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (loopback only by default)")
	seed := fs.Int64("seed", 1, "plan seed")
	jobs := fs.Int("jobs", 0, "number of jobs (0 = default 450; workstations, pools and domains scale with it, measured up to 200000)")
	tick := fs.Duration("tick", 0, "advance the plan's clock every tick (0 = frozen clock)")
	speed := fs.Float64("speed", 1, "plan seconds per wall-clock second when -tick is set")
	var users, keys listFlag
	fs.Var(&users, "user", "name:password accepted with Basic auth (repeatable)")
	fs.Var(&keys, "apikey", "bearer token accepted (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := hwasim.Config{Seed: *seed, Jobs: *jobs, APIKeys: keys}
	for _, u := range users {
		name, pw, ok := strings.Cut(u, ":")
		if !ok {
			return fmt.Errorf("-user %q: want name:password", u)
		}
		if cfg.Users == nil {
			cfg.Users = map[string]string{}
		}
		cfg.Users[name] = pw
	}
	sim := hwasim.New(cfg)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *addr, err)
	}
	// Requests live in ctx, so a Timeout fault's hanging handler ends on stop.
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	fmt.Fprintf(out, "hwasim: serving http://%s/twsd/api/v2 (seed %d, plan time %s)\n",
		ln.Addr(), *seed, sim.Now().Format(time.RFC3339))
	if *tick > 0 {
		step := time.Duration(float64(*tick) * *speed)
		go func() {
			t := time.NewTicker(*tick)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					sim.Advance(step)
				}
			}
		}()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
