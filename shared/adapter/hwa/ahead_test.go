package hwa

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestPagesAheadInFlight counts the pages the server serves at once: more
// than one (they are read in parallel), never more than Ahead.
func TestPagesAheadInFlight(t *testing.T) {
	var now, peak atomic.Int64
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n := now.Add(1); n > peak.Load() {
			peak.Store(n)
		}
		defer now.Add(-1)
		time.Sleep(5 * time.Millisecond)
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		writeIDPage(w, offset, 10, 400)
	})
	c, _ := newClient(t, s.URL, nil)
	jobs, err := c.ListJobs(context.Background(), Query{PageSize: 10, Ahead: 3})
	if err != nil || len(jobs) != 400 {
		t.Fatalf("ListJobs = %d jobs, %v", len(jobs), err)
	}
	if p := peak.Load(); p < 2 || p > 3 {
		t.Errorf("pages in flight at most %d, want 2 or 3", p)
	}
}

// TestPagesAheadErrorStopsTheList fails one page in the middle: the jobs
// before it are yielded in order, then the page's error, then nothing.
func TestPagesAheadErrorStopsTheList(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		if offset == 30 {
			writeJSON(w, 403, map[string]string{"code": "NO_ACCESS"})
			return
		}
		writeIDPage(w, offset, 10, 100)
	})
	c, _ := newClient(t, s.URL, nil)
	n, errs := 0, 0
	for j, err := range c.JobsInPlan(context.Background(), Query{PageSize: 10, Ahead: 4}) {
		if err != nil {
			errs++
			if !errors.Is(err, ErrForbidden) {
				t.Errorf("err = %v, want ErrForbidden", err)
			}
			continue
		}
		if j.ID != strconv.Itoa(n) {
			t.Fatalf("job %d has id %s", n, j.ID)
		}
		n++
	}
	if n != 30 || errs != 1 {
		t.Errorf("got %d jobs and %d errors, want 30 and 1", n, errs)
	}
}

// TestPagesAheadStopEarlyLeavesNothingRunning breaks off a list whose
// pages are slow: the loop ends at once and no fetch goroutine is left.
func TestPagesAheadStopEarlyLeavesNothingRunning(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		if offset > 0 {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
		writeIDPage(w, offset, 10, 10000)
	})
	c, _ := newClient(t, s.URL, nil)
	n := 0
	for _, err := range c.JobsInPlan(context.Background(), Query{PageSize: 10, Ahead: 4}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 15 {
			break
		}
	}
	// Idle connections keep their goroutines; fetches must all be gone.
	deadline := time.Now().Add(2 * time.Second)
	for fetching() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if k := fetching(); k > 0 {
		t.Errorf("%d page fetches still running after the loop ended", k)
	}
	if hits := s.hits.Load(); hits > 6 {
		t.Errorf("server saw %d pages, want at most 1 + Ahead + 1", hits)
	}
}

// fetching counts the goroutines inside readAhead.
func fetching() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "hwa.readAhead")
}

// TestPagesAheadCancelled ends a list whose context is cancelled while
// pages are in flight with the cancellation as its error.
func TestPagesAheadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		if offset > 0 {
			cancel()
			<-r.Context().Done()
			return
		}
		writeJSON(w, 200, Page[JobInPlan]{Count: 100, Results: make([]JobInPlan, 10)})
	})
	c, _ := newClient(t, s.URL, nil)
	n, errs := 0, 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, err := range c.JobsInPlan(ctx, Query{PageSize: 10, Ahead: 3}) {
			if err != nil {
				errs++
				var he *Error
				if !errors.As(err, &he) || !errors.Is(err, context.Canceled) {
					t.Errorf("err = %#v, want an *Error wrapping context.Canceled", err)
				}
				continue
			}
			n++
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the list did not end after its context was cancelled")
	}
	if n != 10 || errs != 1 {
		t.Errorf("got %d jobs and %d errors, want 10 and 1", n, errs)
	}
}

// TestPagesAheadServerCapsThePageSize serves at most 4 jobs a page when 10
// are asked: the pages ahead step by 4, and every job comes once, in order.
func TestPagesAheadServerCapsThePageSize(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		writeIDPage(w, offset, 4, 37)
	})
	c, _ := newClient(t, s.URL, nil)
	jobs, err := c.ListJobs(context.Background(), Query{PageSize: 10, Ahead: 3})
	if err != nil || len(jobs) != 37 {
		t.Fatalf("ListJobs = %d jobs, %v; want 37", len(jobs), err)
	}
	for i, j := range jobs {
		if j.ID != strconv.Itoa(i) {
			t.Fatalf("job %d has id %s", i, j.ID)
		}
	}
}

// writeIDPage answers one page of a list of count jobs whose ids are their
// positions: at most size of them from offset.
func writeIDPage(w http.ResponseWriter, offset, size, count int) {
	p := Page[JobInPlan]{Count: int64(count)}
	for i := offset; i < min(offset+size, count); i++ {
		p.Results = append(p.Results, JobInPlan{ID: strconv.Itoa(i)})
	}
	writeJSON(w, 200, p)
}
