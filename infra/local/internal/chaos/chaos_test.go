package chaos_test

import (
	"bufio"
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/resync/resync/infra/local/internal/chaos"
)

// echo starts a line echo server and returns its address.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := c.Write([]byte(line)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// roundTrip dials addr, sends a line and reads it back within timeout.
func roundTrip(addr string, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return 0, err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return 0, err
	}
	if line != "ping\n" {
		return 0, errors.New("echo answered " + line)
	}
	return time.Since(start), nil
}

func TestFaults(t *testing.T) {
	srv := chaos.NewServer()
	defer srv.Close()
	p, err := srv.Proxy("echo", echo(t))
	if err != nil {
		t.Fatal(err)
	}
	addr := p.Addr()
	if _, err := roundTrip(addr, time.Second); err != nil {
		t.Fatalf("no fault: %v", err)
	}
	// A connection open before the fault is hit by it too.
	held, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()

	tests := []struct {
		fault chaos.Fault
		check func(d time.Duration, err error) bool
		want  string
	}{
		{chaos.Latency, func(d time.Duration, err error) bool { return err == nil && d >= chaos.LatencyDelay }, "an answer after the delay"},
		{chaos.Reset, func(_ time.Duration, err error) bool { return err != nil && !errors.Is(err, os.ErrDeadlineExceeded) }, "a reset connection"},
		{chaos.BlackHole, func(_ time.Duration, err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }, "a timeout"},
		{chaos.Down, func(_ time.Duration, err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }, "a refused connection"},
	}
	for _, tc := range tests {
		if err := p.Inject(tc.fault); err != nil {
			t.Fatal(err)
		}
		d, err := roundTrip(addr, chaos.LatencyDelay+2*time.Second)
		if tc.fault == chaos.BlackHole {
			d, err = roundTrip(addr, 500*time.Millisecond)
		}
		if !tc.check(d, err) {
			t.Errorf("%s: got %v after %v, want %s", tc.fault, err, d, tc.want)
		}
		if tc.fault == chaos.Reset {
			_ = held.SetDeadline(time.Now().Add(time.Second))
			_, _ = held.Write([]byte("x\n"))
			if _, err := bufio.NewReader(held).ReadString('\n'); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("reset: a connection opened before the fault got %v, want it reset", err)
			}
		}
		if err := p.Clear(); err != nil {
			t.Fatal(err)
		}
		if _, err := roundTrip(addr, time.Second); err != nil {
			t.Errorf("after %s cleared: %v", tc.fault, err)
		}
		if p.Addr() != addr {
			t.Errorf("after %s the proxy moved from %s to %s", tc.fault, addr, p.Addr())
		}
	}
	if err := p.Inject("flood"); err == nil {
		t.Error("an unknown fault was accepted")
	}
}
