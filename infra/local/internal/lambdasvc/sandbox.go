package lambdasvc

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// maxResponseBytes is Lambda's limit on a synchronous response.
const maxResponseBytes = 6 << 20

const runtimePrefix = "/2018-06-01/runtime"

type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	done     chan outcome // buffered, one send
}

type outcome struct {
	payload       []byte
	functionError string
}

// sandbox is one process of a function with its own Runtime API listener.
type sandbox struct {
	fn    Function
	label string // "name#n"
	log   *slog.Logger
	cmd   *exec.Cmd
	srv   *http.Server

	invocations chan *invocation // handed to the next "next" call
	ready       chan struct{}    // closed at the first "next" call
	readyOnce   sync.Once
	initFailed  chan struct{} // closed when /init/error is posted
	exited      chan struct{} // closed when the process has exited
	closing     chan struct{} // closed by stop
	closeOnce   sync.Once
	stopping    atomic.Bool // set when the service ends the process
	stderr      *tail

	mu       sync.Mutex
	current  *invocation
	initErr  InitError // Type and Message from /init/error
	exitDesc string
}

func launch(fn Function, n int, out *lineOutput, log *slog.Logger) (*sandbox, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("lambdasvc: %s: listen for the runtime API: %w", fn.Name, err)
	}
	sb := &sandbox{
		fn:          fn,
		label:       fn.Name + "#" + strconv.Itoa(n),
		log:         log,
		invocations: make(chan *invocation),
		ready:       make(chan struct{}),
		initFailed:  make(chan struct{}),
		exited:      make(chan struct{}),
		closing:     make(chan struct{}),
		stderr:      &tail{max: 8 << 10},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+runtimePrefix+"/invocation/next", sb.next)
	mux.HandleFunc("POST "+runtimePrefix+"/invocation/{id}/response", sb.response)
	mux.HandleFunc("POST "+runtimePrefix+"/invocation/{id}/error", sb.invokeError)
	mux.HandleFunc("POST "+runtimePrefix+"/init/error", sb.initError)
	sb.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = sb.srv.Serve(ln) }()

	cmd := exec.Command(fn.Path)
	cmd.Dir = filepath.Dir(fn.Path)
	cmd.Env = append(append([]string(nil), fn.Env...),
		"AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(),
		"AWS_LAMBDA_FUNCTION_NAME="+fn.Name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+strconv.Itoa(fn.MemoryMB),
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/"+fn.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME=local/"+sb.label,
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_EXECUTION_ENV=AWS_Lambda_provided.al2023",
		"AWS_REGION="+fn.Region,
		"AWS_DEFAULT_REGION="+fn.Region,
		"LAMBDA_TASK_ROOT="+filepath.Dir(fn.Path),
		"_HANDLER=bootstrap",
	)
	prefix := "[" + sb.label + "] "
	cmd.Stdout = out.prefixed(prefix)
	cmd.Stderr = io.MultiWriter(out.prefixed(prefix), sb.stderr)
	// Own process group, so stop reaches anything the function started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		_ = sb.srv.Close()
		return nil, fmt.Errorf("lambdasvc: %s: start %s: %w", fn.Name, fn.Path, err)
	}
	sb.cmd = cmd
	log.Info("function process started", "process", sb.label, "pid", cmd.Process.Pid, "runtimeAPI", ln.Addr().String())
	go func() {
		err := cmd.Wait()
		desc := "exit status 0"
		if err != nil {
			desc = err.Error()
		}
		sb.mu.Lock()
		sb.exitDesc = desc
		busy := sb.current != nil
		sb.mu.Unlock()
		close(sb.exited)
		_ = sb.srv.Close()
		if !sb.stopping.Load() && sb.wasReady() && !busy {
			log.Warn("function process exited while idle", "process", sb.label, "exit", desc, "stderr", sb.stderr.String())
		}
	}()
	return sb, nil
}

func (sb *sandbox) alive() bool {
	select {
	case <-sb.exited:
		return false
	case <-sb.closing:
		return false
	default:
		return true
	}
}

func (sb *sandbox) wasReady() bool {
	select {
	case <-sb.ready:
		return true
	default:
		return false
	}
}

func (sb *sandbox) exit() string {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.exitDesc
}

// awaitReady waits for the first "next" call, and turns every other ending
// into an *InitError.
func (sb *sandbox) awaitReady(ctx context.Context, timeout time.Duration) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	fail := func(ie InitError) error {
		ie.Function = sb.fn.Name
		ie.Stderr = sb.stderr.String()
		sb.log.Error("function failed to initialise", "process", sb.label,
			"errorType", ie.Type, "errorMessage", ie.Message, "exit", ie.Exit, "stderr", ie.Stderr)
		return &ie
	}
	start := time.Now()
	select {
	case <-sb.ready:
		sb.log.Info("function ready", "process", sb.label, "initMs", time.Since(start).Milliseconds())
		return nil
	case <-sb.initFailed:
		// Give the process a moment to exit and flush its stderr.
		select {
		case <-sb.exited:
		case <-time.After(time.Second):
		}
		sb.stop(0)
		sb.mu.Lock()
		ie := sb.initErr
		sb.mu.Unlock()
		ie.Exit = sb.exit()
		return fail(ie)
	case <-sb.exited:
		return fail(InitError{Exit: sb.exit() + " before its first invocation"})
	case <-timer.C:
		sb.stop(0)
		return fail(InitError{Type: "Runtime.InitTimeout", Message: "no call to " + runtimePrefix + "/invocation/next within " + timeout.String()})
	case <-ctx.Done():
		sb.stop(0)
		return fmt.Errorf("lambdasvc: %s: waiting for start-up: %w", sb.fn.Name, ctx.Err())
	}
}

// run hands inv to the process and waits for its outcome. finished is false
// when ctx ended first and the process is still working on inv.
func (sb *sandbox) run(ctx context.Context, inv *invocation) (Result, error, bool) {
	select {
	case sb.invocations <- inv:
	case <-sb.exited:
		return Result{RequestID: inv.id}, sb.crashed(), true
	case <-sb.closing:
		return Result{RequestID: inv.id}, ErrClosed, true
	case <-ctx.Done():
		return Result{RequestID: inv.id}, ctx.Err(), true
	}
	return sb.wait(ctx, inv)
}

func (sb *sandbox) wait(ctx context.Context, inv *invocation) (Result, error, bool) {
	start := time.Now()
	timer := time.NewTimer(time.Until(inv.deadline))
	defer timer.Stop()
	res := Result{RequestID: inv.id}
	select {
	case out := <-inv.done:
		res.Payload, res.FunctionError, res.Duration = out.payload, out.functionError, time.Since(start)
		return res, nil, true
	case <-sb.exited:
		// An outcome may have raced the exit.
		select {
		case out := <-inv.done:
			res.Payload, res.FunctionError, res.Duration = out.payload, out.functionError, time.Since(start)
			return res, nil, true
		default:
		}
		return res, sb.crashed(), true
	case <-sb.closing:
		return res, ErrClosed, true
	case <-timer.C:
		sb.log.Warn("function timed out; killing its process", "process", sb.label, "requestId", inv.id, "timeout", sb.fn.Timeout)
		sb.stop(0)
		return res, fmt.Errorf("%w after %s", ErrTimeout, sb.fn.Timeout), true
	case <-ctx.Done():
		return res, ctx.Err(), false
	}
}

func (sb *sandbox) crashed() error {
	exit := sb.exit()
	sb.log.Error("function process crashed", "process", sb.label, "exit", exit, "stderr", sb.stderr.String())
	return fmt.Errorf("%w: %s: %s", ErrCrashed, sb.label, exit)
}

// stop ends the process: SIGTERM to its group, then SIGKILL after grace.
// The pending "next" call is answered only after the signals, so the
// runtime does not log a failed poll on its way out.
func (sb *sandbox) stop(grace time.Duration) {
	sb.stopping.Store(true)
	if sb.cmd == nil || sb.cmd.Process == nil {
		sb.closeOnce.Do(func() { close(sb.closing) })
		return
	}
	pgid := -sb.cmd.Process.Pid
	if grace > 0 {
		_ = syscall.Kill(pgid, syscall.SIGTERM)
		select {
		case <-sb.exited:
		case <-time.After(grace):
		}
	}
	_ = syscall.Kill(pgid, syscall.SIGKILL)
	sb.closeOnce.Do(func() { close(sb.closing) })
	<-sb.exited
	_ = sb.srv.Close()
}

// next serves GET /runtime/invocation/next: it blocks until an invoke is
// handed over and writes it with the Lambda-Runtime-* headers.
func (sb *sandbox) next(w http.ResponseWriter, r *http.Request) {
	sb.readyOnce.Do(func() { close(sb.ready) })
	var inv *invocation
	select {
	case inv = <-sb.invocations:
	case <-sb.closing:
		http.Error(w, "shutting down", http.StatusGone)
		return
	case <-r.Context().Done():
		return
	}
	sb.mu.Lock()
	sb.current = inv
	sb.mu.Unlock()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", sb.fn.ARN())
	h.Set("Lambda-Runtime-Trace-Id", traceID(inv.id, time.Now()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.payload)
}

// claim returns the current invocation when id names it, and clears it so
// a second answer is refused.
func (sb *sandbox) claim(id string) *invocation {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.current == nil || sb.current.id != id {
		return nil
	}
	inv := sb.current
	sb.current = nil
	return inv
}

func runtimeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"errorType": typ, "errorMessage": msg})
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`+"\n")
}

// response serves POST /runtime/invocation/{id}/response. aws-lambda-go
// reports an error that happens while streaming the body in the trailers
// Lambda-Runtime-Function-Error-Type and -Body (base64).
func (sb *sandbox) response(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxResponseBytes+1))
	if err != nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequest", "reading the response body failed")
		return
	}
	inv := sb.claim(r.PathValue("id"))
	if inv == nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	switch {
	case len(body) > maxResponseBytes:
		msg, _ := json.Marshal(map[string]string{
			"errorType":    "Function.ResponseSizeTooLarge",
			"errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
		})
		inv.done <- outcome{payload: msg, functionError: "Unhandled"}
		runtimeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "response too large")
		return
	case r.Trailer.Get("Lambda-Runtime-Function-Error-Type") != "":
		errBody, _ := base64.StdEncoding.DecodeString(r.Trailer.Get("Lambda-Runtime-Function-Error-Body"))
		inv.done <- outcome{payload: errBody, functionError: "Unhandled"}
	default:
		inv.done <- outcome{payload: body}
	}
	accepted(w)
}

// invokeError serves POST /runtime/invocation/{id}/error.
func (sb *sandbox) invokeError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxResponseBytes))
	inv := sb.claim(r.PathValue("id"))
	if inv == nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	if !json.Valid(body) {
		typ := r.Header.Get("Lambda-Runtime-Function-Error-Type")
		if typ == "" {
			typ = "Runtime.Unknown"
		}
		body, _ = json.Marshal(map[string]string{"errorType": typ, "errorMessage": string(bytes.TrimSpace(body))})
	}
	inv.done <- outcome{payload: body, functionError: "Unhandled"}
	accepted(w)
}

// initError serves POST /runtime/init/error.
func (sb *sandbox) initError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var e struct {
		Type    string `json:"errorType"`
		Message string `json:"errorMessage"`
	}
	if json.Unmarshal(body, &e) != nil {
		e.Message = string(bytes.TrimSpace(body))
	}
	if e.Type == "" {
		e.Type = r.Header.Get("Lambda-Runtime-Function-Error-Type")
	}
	if e.Type == "" {
		e.Type = "Runtime.Unknown"
	}
	if sb.wasReady() {
		runtimeError(w, http.StatusForbidden, "InvalidStateTransition", "init error after initialisation")
		return
	}
	sb.mu.Lock()
	first := sb.initErr.Type == ""
	if first {
		sb.initErr = InitError{Type: e.Type, Message: e.Message}
	}
	sb.mu.Unlock()
	if first {
		close(sb.initFailed)
	}
	accepted(w)
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// lineOutput writes whole lines from many processes to one writer without
// interleaving them.
type lineOutput struct {
	mu sync.Mutex
	w  io.Writer
}

func (o *lineOutput) prefixed(prefix string) io.Writer {
	return &prefixWriter{out: o, prefix: []byte(prefix)}
}

type prefixWriter struct {
	out     *lineOutput
	prefix  []byte
	partial []byte
}

// Write is called by one os/exec copying goroutine per stream, so partial
// needs no lock of its own.
func (p *prefixWriter) Write(b []byte) (int, error) {
	n := len(b)
	p.partial = append(p.partial, b...)
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			break
		}
		line := append(append([]byte(nil), p.prefix...), p.partial[:i+1]...)
		p.partial = p.partial[i+1:]
		p.out.mu.Lock()
		_, _ = p.out.w.Write(line)
		p.out.mu.Unlock()
	}
	if len(p.partial) > 64<<10 { // a very long line: flush it as is
		line := append(append(append([]byte(nil), p.prefix...), p.partial...), '\n')
		p.partial = p.partial[:0]
		p.out.mu.Lock()
		_, _ = p.out.w.Write(line)
		p.out.mu.Unlock()
	}
	return n, nil
}

// traceID returns an X-Ray trace header for a request id:
// Root=1-<8 hex digits of epoch seconds>-<24 hex digits>;Sampled=0.
func traceID(requestID string, now time.Time) string {
	hexID := strings.ReplaceAll(requestID, "-", "")
	if len(hexID) > 24 {
		hexID = hexID[:24]
	}
	return fmt.Sprintf("Root=1-%08x-%s;Sampled=0", now.Unix(), hexID)
}
