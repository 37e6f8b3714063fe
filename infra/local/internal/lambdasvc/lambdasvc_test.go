package lambdasvc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testFn is the path of infra/local/testdata/fn built for the host.
var testFn string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lambdasvc-test")
	if err != nil {
		panic(err)
	}
	testFn = filepath.Join(dir, "fn")
	build := exec.Command("go", "build", "-o", testFn, "../../testdata/fn")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		panic("build testdata/fn: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type report struct {
	PID         int    `json:"pid"`
	RequestID   string `json:"requestId"`
	FunctionARN string `json:"functionArn"`
	DeadlineMS  int64  `json:"deadlineMs"`
	Env         string `json:"env"`
}

// syncBuffer is a bytes.Buffer safe for the processes' output goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newService(t *testing.T, f Function) (*Service, *syncBuffer) {
	t.Helper()
	out := &syncBuffer{}
	s := New(Options{Output: out})
	if f.Name == "" {
		f.Name = "fn"
	}
	f.Path = testFn
	f.Env = append(f.Env, "PATH="+os.Getenv("PATH"))
	if err := s.Register(f); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(time.Second) })
	return s, out
}

// newServiceLogged is newService with the service's own log in the buffer.
func newServiceLogged(t *testing.T, f Function) (*Service, *syncBuffer) {
	t.Helper()
	out := &syncBuffer{}
	s := New(Options{Output: out, Logger: slog.New(slog.NewTextHandler(out, nil))})
	f.Name, f.Path = "fn", testFn
	f.Env = append(f.Env, "PATH="+os.Getenv("PATH"))
	if err := s.Register(f); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(time.Second) })
	return s, out
}

func TestIdleExitIsLogged(t *testing.T) {
	s, out := newServiceLogged(t, Function{})
	_, rep, err := invoke(t, s, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(rep.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the exit to be logged", func() bool { return strings.Contains(out.String(), "function process exited while idle") })
	if _, again, err := invoke(t, s, `{}`); err != nil || again.PID == rep.PID {
		t.Errorf("invoke after an idle exit: pid %d err %v; want a new process", again.PID, err)
	}
}

func invoke(t *testing.T, s *Service, payload string) (Result, report, error) {
	t.Helper()
	res, err := s.Invoke(context.Background(), "fn", []byte(payload))
	var rep report
	if err == nil && res.FunctionError == "" {
		if jerr := json.Unmarshal(res.Payload, &rep); jerr != nil {
			t.Fatalf("decode payload %s: %v", res.Payload, jerr)
		}
	}
	return res, rep, err
}

func TestInvokeHappyPath(t *testing.T) {
	s, out := newService(t, Function{Timeout: 5 * time.Second, Env: []string{"TESTFN_ENV=from-env"}, Region: "eu-west-1"})
	before := time.Now()
	res, rep, err := invoke(t, s, `{"action":"echo"}`)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	if res.FunctionError != "" {
		t.Fatalf("FunctionError = %q, payload %s", res.FunctionError, res.Payload)
	}
	if rep.RequestID != res.RequestID || len(res.RequestID) != 36 {
		t.Errorf("function saw request id %q, result has %q", rep.RequestID, res.RequestID)
	}
	if want := "arn:aws:lambda:eu-west-1:000000000000:function:fn"; rep.FunctionARN != want {
		t.Errorf("function ARN = %q, want %q", rep.FunctionARN, want)
	}
	if dl := time.UnixMilli(rep.DeadlineMS); dl.Before(before.Add(4*time.Second)) || dl.After(time.Now().Add(5*time.Second)) {
		t.Errorf("deadline %v not about 5 s after the invoke", dl)
	}
	if rep.Env != "from-env" {
		t.Errorf("TESTFN_ENV = %q, want from-env", rep.Env)
	}
	if res.InitDuration <= 0 {
		t.Errorf("first invoke InitDuration = %v, want > 0", res.InitDuration)
	}
	res2, rep2, err := invoke(t, s, `{"action":"echo"}`)
	if err != nil {
		t.Fatal(err)
	}
	if rep2.PID != rep.PID || res2.InitDuration != 0 {
		t.Errorf("second invoke: pid %d init %v; want the warm process %d and no init", rep2.PID, res2.InitDuration, rep.PID)
	}
	if res2.RequestID == res.RequestID {
		t.Error("two invokes share a request id")
	}
	_ = out
}

func TestInvokeFunctionError(t *testing.T) {
	s, _ := newService(t, Function{})
	res, _, err := invoke(t, s, `{"action":"fail"}`)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var e struct{ ErrorMessage, ErrorType string }
	_ = json.Unmarshal(res.Payload, &e)
	if res.FunctionError != "Unhandled" || e.ErrorMessage != "testfn: failed on purpose" {
		t.Errorf("got FunctionError %q payload %s; want Unhandled with the message", res.FunctionError, res.Payload)
	}
	// The process survives a handler error.
	if _, _, err := invoke(t, s, `{}`); err != nil {
		t.Errorf("invoke after a handler error: %v", err)
	}
}

func TestConcurrencyLimit(t *testing.T) {
	const limit, calls, sleep = 2, 5, 300 * time.Millisecond
	s, _ := newService(t, Function{Concurrency: limit})
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		pids = map[int]bool{}
		errs []error
		peak int
	)
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() { // sample the process count while the invokes run
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
				if n := s.Processes("fn"); n > 0 {
					mu.Lock()
					peak = max(peak, n)
					mu.Unlock()
				}
			}
		}
	}()
	start := time.Now()
	for range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, rep, err := invoke(t, s, `{"action":"sleep","ms":300}`)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			pids[rep.PID] = true
		}()
	}
	wg.Wait()
	close(stop)
	<-sampled // peak is read below: the sampler must be done writing it
	elapsed := time.Since(start)
	if len(errs) > 0 {
		t.Fatalf("invokes failed: %v", errs)
	}
	if len(pids) != limit {
		t.Errorf("distinct processes = %d, want %d", len(pids), limit)
	}
	if peak > limit {
		t.Errorf("peak processes = %d, want <= %d", peak, limit)
	}
	if min := 3 * sleep; elapsed < min { // 5 calls on 2 processes: 3 rounds
		t.Errorf("5 calls took %v, want >= %v (the limit was not enforced)", elapsed, min)
	}
}

func TestTimeoutKillsProcess(t *testing.T) {
	s, _ := newService(t, Function{Timeout: 300 * time.Millisecond})
	_, first, err := invoke(t, s, `{"action":"echo"}`)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, _, err = invoke(t, s, `{"action":"sleep","ms":5000}`)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("timeout reported after %v, want about 300ms", d)
	}
	if alive(first.PID) {
		t.Errorf("timed-out process %d still alive", first.PID)
	}
	_, again, err := invoke(t, s, `{"action":"echo"}`)
	if err != nil {
		t.Fatalf("invoke after timeout: %v", err)
	}
	if again.PID == first.PID {
		t.Error("invoke after timeout reused the killed process")
	}
}

func TestCrashIsReportedAndReplaced(t *testing.T) {
	s, out := newService(t, Function{})
	_, first, err := invoke(t, s, `{"action":"echo"}`)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = invoke(t, s, `{"action":"crash"}`)
	if !errors.Is(err, ErrCrashed) || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("err = %v, want ErrCrashed with exit status 3", err)
	}
	// Alive is not enough: under load the replacement may still be starting,
	// and the next invoke would then start a process of its own.
	waitFor(t, "a replacement process, started and idle", func() bool {
		if s.Processes("fn") != 1 {
			return false
		}
		p := s.pool("fn")
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.idle) == 1
	})
	res, again, err := invoke(t, s, `{"action":"echo"}`)
	if err != nil {
		t.Fatalf("invoke after crash: %v", err)
	}
	if again.PID == first.PID || res.InitDuration != 0 {
		t.Errorf("after crash: pid %d (crashed %d), init %v; want the warm replacement", again.PID, first.PID, res.InitDuration)
	}
	if !strings.Contains(out.String(), "[fn#1] testfn: crashing on purpose") {
		t.Errorf("process stderr not shown with its prefix:\n%s", out.String())
	}
}

func TestInitErrors(t *testing.T) {
	tests := []struct {
		mode       string
		wantType   string
		wantMsg    string
		wantStderr string
	}{
		{"post", "Runtime.ConfigError", "testfn: DATABASE_URL is not set", "cannot reach the database"},
		{"exit", "", "", "missing REQUIRED_SETTING"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			s, _ := newService(t, Function{Env: []string{"TESTFN_INIT=" + tt.mode}})
			_, _, err := invoke(t, s, `{}`)
			var ie *InitError
			if !errors.As(err, &ie) || !errors.Is(err, ErrInitFailed) {
				t.Fatalf("err = %v, want *InitError", err)
			}
			if ie.Type != tt.wantType || ie.Message != tt.wantMsg {
				t.Errorf("init error = %q %q, want %q %q", ie.Type, ie.Message, tt.wantType, tt.wantMsg)
			}
			if !strings.Contains(ie.Stderr, tt.wantStderr) {
				t.Errorf("stderr tail %q lacks %q", ie.Stderr, tt.wantStderr)
			}
			if !strings.Contains(ie.Exit, "exit status 1") {
				t.Errorf("exit = %q, want exit status 1", ie.Exit)
			}
			if n := s.Processes("fn"); n != 0 {
				t.Errorf("processes after init failure = %d, want 0", n)
			}
		})
	}
}

func TestCloseKillsProcesses(t *testing.T) {
	s, out := newServiceLogged(t, Function{})
	_, rep, err := invoke(t, s, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	s.Close(time.Second)
	if strings.Contains(out.String(), "exited while idle") {
		t.Errorf("a stop by the service is logged as an unexpected exit:\n%s", out.String())
	}
	if alive(rep.PID) {
		t.Errorf("process %d alive after Close", rep.PID)
	}
	if _, err := s.Invoke(context.Background(), "fn", []byte(`{}`)); !errors.Is(err, ErrClosed) {
		t.Errorf("Invoke after Close: err = %v, want ErrClosed", err)
	}
}

func TestUnknownFunction(t *testing.T) {
	s, _ := newService(t, Function{})
	if _, err := s.Invoke(context.Background(), "nope", nil); !errors.Is(err, ErrUnknownFunction) {
		t.Errorf("err = %v, want ErrUnknownFunction", err)
	}
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWarm(t *testing.T) {
	s, _ := newService(t, Function{})
	if err := s.Warm(context.Background(), "fn"); err != nil {
		t.Fatal(err)
	}
	if n := s.Processes("fn"); n != 1 {
		t.Fatalf("processes after Warm = %d, want 1", n)
	}
	res, _, err := invoke(t, s, `{}`)
	if err != nil || res.InitDuration != 0 {
		t.Errorf("invoke after Warm: init %v err %v; want a warm start", res.InitDuration, err)
	}
	bad, _ := newService(t, Function{Name: "fn", Env: []string{"TESTFN_INIT=exit"}})
	if err := bad.Warm(context.Background(), "fn"); !errors.Is(err, ErrInitFailed) {
		t.Errorf("Warm of a failing function: err = %v, want ErrInitFailed", err)
	}
}

func TestTraceID(t *testing.T) {
	got := traceID("0f1e2d3c-4b5a-4697-8877-665544332211", time.Unix(0x6745a1b2, 0))
	if want := "Root=1-6745a1b2-0f1e2d3c4b5a469788776655;Sampled=0"; got != want {
		t.Errorf("traceID = %q, want %q", got, want)
	}
}
