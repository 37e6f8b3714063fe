// Package lambdasvc plays the AWS Lambda service for the local stack: it runs
// each function's real binary, built for the host, as one or more processes
// ("sandboxes"), each with its own Lambda Runtime API listener
// (/2018-06-01/runtime/...) named by AWS_LAMBDA_RUNTIME_API, and hands them
// invocations one at a time, as Lambda does.
//
// A function gets up to Concurrency processes for concurrent invokes (more
// invokes wait for a free one), a per-invoke timeout after which the process
// is killed, as Lambda resets a sandbox that timed out, and crash detection:
// a process that exits during an invoke fails that invoke with ErrCrashed
// and is replaced. A process that fails to initialise — it posts to
// /runtime/init/error or exits before asking for its first invocation —
// fails the invoke with an *InitError carrying the error body and the tail
// of the process's stderr.
package lambdasvc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Errors of Invoke, besides *InitError and the caller's context errors.
var (
	// ErrCrashed means the process exited while it handled the invoke.
	ErrCrashed = errors.New("lambdasvc: function process crashed")
	// ErrTimeout means the invoke ran past the function's timeout.
	ErrTimeout = errors.New("lambdasvc: function timed out")
	// ErrInitFailed is matched (errors.Is) by every *InitError.
	ErrInitFailed = errors.New("lambdasvc: function failed to initialise")
	// ErrUnknownFunction means no function of that name is registered.
	ErrUnknownFunction = errors.New("lambdasvc: unknown function")
	// ErrClosed means the service is shutting down.
	ErrClosed = errors.New("lambdasvc: service closed")
)

// InitError describes a process that failed to initialise.
type InitError struct {
	Function string
	// Type and Message come from the body posted to /runtime/init/error,
	// when the runtime posted one.
	Type, Message string
	// Exit describes how the process ended ("exit status 1"), if it did.
	Exit string
	// Stderr is the tail of what the process wrote to stderr.
	Stderr string
}

func (e *InitError) Error() string {
	msg := "lambdasvc: function " + e.Function + " failed to initialise"
	if e.Type != "" || e.Message != "" {
		msg += ": " + e.Type + ": " + e.Message
	}
	if e.Exit != "" {
		msg += " (" + e.Exit + ")"
	}
	return msg
}

// Is makes errors.Is(err, ErrInitFailed) true.
func (e *InitError) Is(target error) bool { return target == ErrInitFailed }

// Function is one Lambda function.
type Function struct {
	Name string
	// Path is the function's executable (its bootstrap built for the host).
	Path string
	// Env is the process environment ("KEY=value"); the service adds the
	// Lambda variables (AWS_LAMBDA_RUNTIME_API, AWS_LAMBDA_FUNCTION_NAME, ...).
	Env []string
	// Concurrency is the most processes run at once; 0 means 4.
	Concurrency int
	// Timeout of one invoke; 0 means 30 s.
	Timeout time.Duration
	// InitTimeout bounds start-up to the first "next" call; 0 means 10 s.
	InitTimeout time.Duration
	// MemoryMB is reported in AWS_LAMBDA_FUNCTION_MEMORY_SIZE; 0 means 512.
	MemoryMB int
	// Region is used in the ARN and AWS_REGION; "" means us-east-1.
	Region string
}

func (f Function) withDefaults() Function {
	if f.Concurrency <= 0 {
		f.Concurrency = 4
	}
	if f.Timeout <= 0 {
		f.Timeout = 30 * time.Second
	}
	if f.InitTimeout <= 0 {
		f.InitTimeout = 10 * time.Second
	}
	if f.MemoryMB <= 0 {
		f.MemoryMB = 512
	}
	if f.Region == "" {
		f.Region = "us-east-1"
	}
	return f
}

// ARN returns the function ARN the local stack uses.
func (f Function) ARN() string {
	return "arn:aws:lambda:" + f.withDefaults().Region + ":000000000000:function:" + f.Name
}

// Result is the outcome of an invoke that reached the function.
type Result struct {
	RequestID string
	// Payload is the response, or the error object when FunctionError is set.
	Payload []byte
	// FunctionError is "Unhandled" when the handler returned an error, as in
	// Lambda's X-Amz-Function-Error header; empty on success.
	FunctionError string
	// Duration of the invoke, without start-up.
	Duration time.Duration
	// InitDuration is the start-up time when this invoke started a process.
	InitDuration time.Duration
}

// Options configure a Service.
type Options struct {
	// Logger receives the service's own events; nil discards them.
	Logger *slog.Logger
	// Output receives the processes' stdout and stderr, each line prefixed
	// with "[name#n] "; nil discards it.
	Output io.Writer
}

// Service runs functions. It is safe for concurrent use.
type Service struct {
	log    *slog.Logger
	out    *lineOutput
	mu     sync.Mutex
	pools  map[string]*pool
	closed bool
}

// New returns an empty Service.
func New(opts Options) *Service {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	out := opts.Output
	if out == nil {
		out = io.Discard
	}
	return &Service{log: log, out: &lineOutput{w: out}, pools: map[string]*pool{}}
}

// Register adds f. It returns an error for a duplicate or nameless function.
func (s *Service) Register(f Function) error {
	if f.Name == "" || f.Path == "" {
		return errors.New("lambdasvc: register: function needs a name and a path")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.pools[f.Name]; ok {
		return fmt.Errorf("lambdasvc: register %s: already registered", f.Name)
	}
	f = f.withDefaults()
	s.pools[f.Name] = &pool{fn: f, svc: s, slots: make(chan struct{}, f.Concurrency)}
	return nil
}

// Functions returns the registered function names.
func (s *Service) Functions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.pools))
	for n := range s.pools {
		names = append(names, n)
	}
	return names
}

// Processes returns how many processes of the function are alive.
func (s *Service) Processes(name string) int {
	p := s.pool(name)
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for sb := range p.live {
		if sb.alive() {
			n++
		}
	}
	return n
}

func (s *Service) pool(name string) *pool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pools[name]
}

// Invoke runs the function once with payload and returns its result. A
// handler error is a Result with FunctionError set, not an error. Errors:
// ErrUnknownFunction, ErrTimeout, ErrCrashed, *InitError (ErrInitFailed),
// ErrClosed, or the context's error when ctx ends while waiting.
func (s *Service) Invoke(ctx context.Context, name string, payload []byte) (Result, error) {
	s.mu.Lock()
	p, closed := s.pools[name], s.closed
	s.mu.Unlock()
	if closed {
		return Result{}, ErrClosed
	}
	if p == nil {
		return Result{}, fmt.Errorf("%w: %s", ErrUnknownFunction, name)
	}
	return p.invoke(ctx, payload)
}

// Close kills every process (SIGTERM, then SIGKILL after grace) and fails
// later invokes with ErrClosed.
func (s *Service) Close(grace time.Duration) {
	s.mu.Lock()
	s.closed = true
	pools := make([]*pool, 0, len(s.pools))
	for _, p := range s.pools {
		pools = append(pools, p)
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range pools {
		p.mu.Lock()
		for sb := range p.live {
			wg.Add(1)
			go func() { defer wg.Done(); sb.stop(grace) }()
		}
		p.mu.Unlock()
	}
	wg.Wait()
}

// Warm starts a process of the function unless an idle one exists, and
// leaves it idle, so start-up errors show at once rather than on the first
// request. Errors are those of Invoke before the function runs.
func (s *Service) Warm(ctx context.Context, name string) error {
	if s.isClosed() {
		return ErrClosed
	}
	p := s.pool(name)
	if p == nil {
		return fmt.Errorf("%w: %s", ErrUnknownFunction, name)
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.slots }()
	sb, _, err := p.take(ctx)
	if err != nil {
		return err
	}
	p.recycle(sb)
	return nil
}
