package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"
)

func TestRunServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-seed", "3", "-tick", "10ms", "-speed", "6000", "-user", "ops:pw"}, pw)
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("read banner: %v", err)
	}
	m := regexp.MustCompile(`serving (http://127\.0\.0\.1:\d+/twsd/api/v2)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("banner %q has no loopback URL", line)
	}
	get := func(user, pw string) int {
		req, _ := http.NewRequest("GET", m[1]+"/engine/info", nil)
		if user != "" {
			req.SetBasicAuth(user, pw)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET engine/info: %v", err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := get("ops", "pw"); st != 200 {
		t.Errorf("with credentials: %d, want 200", st)
	}
	if st := get("", ""); st != 401 {
		t.Errorf("without credentials: %d, want 401", st)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v after cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not stop after cancel")
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-user", "nopassword"}, {"-bogus"}, {"-addr", "256.0.0.1:99999"}} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("run(%q) = nil, want an error", args)
		}
	}
}
