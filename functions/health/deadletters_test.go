package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resync/resync/shared/adapter/redis/alertstore"
	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/adapter/webhook"
	"github.com/resync/resync/shared/app/notify"
	"github.com/resync/resync/shared/domain/alert"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/metrics"
	"github.com/resync/resync/shared/edge/obs"
	"github.com/resync/resync/shared/edge/stage"
)

// flaky is a webhook that answers 500 while down is set, else 200, and
// counts what it accepted.
type flaky struct {
	down     atomic.Bool
	accepted atomic.Int32
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	if f.down.Load() {
		http.Error(w, "down", http.StatusInternalServerError)
		return
	}
	f.accepted.Add(1)
}

func TestDeadLettersListedAndReplayedOnce(t *testing.T) {
	ctx := context.Background()
	_, rdb := newRedis(t)
	hook := &flaky{}
	hook.down.Store(true)
	srv := httptest.NewServer(hook)
	defer srv.Close()
	store := alertstore.New(rdb, "", 0)
	trail := audit.New(rdb, audit.Config{})
	n := &notify.Notifier{Channels: []notify.Channel{{Destination: alert.Destination{ID: "ops-slack", Kind: notify.Slack, URL: srv.URL}, Rules: []notify.Rule{{}}}},
		Sender: webhook.New(nil), Store: store, Attempts: 2, Sleep: func(context.Context, time.Duration) error { return nil }}
	v, err := auth.NewHS256([]byte(testSecret), testAuth)
	if err != nil {
		t.Fatal(err)
	}
	m, err := auth.NewMinter([]byte(testSecret), testAuth, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	h, err := newHandler(handlerDeps{
		stage: stage.Development, auth: v, store: redisStore{rdb: rdb}, check: &checker{now: time.Now},
		notify: n, dead: store, replay: n, audit: trail, channels: []string{"ops-slack"},
		log: obs.NewLogger(logs, obs.ParseLevel("debug")), metrics: metrics.New(logs, "Resync", nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path string, role auth.Role) (int, []byte) {
		t.Helper()
		tok, _, err := m.Mint("root", role)
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.mux.ServeHTTP(rec, req)
		return rec.Code, rec.Body.Bytes()
	}

	rep, err := n.Notify(ctx, []notify.Alert{{Key: "event:job_abended:J1", Kind: "job_abended", Severity: notify.Critical, Title: "Job abended: PAY", Text: "PAY abended"}})
	if err != nil || rep.Dead != 1 {
		t.Fatalf("Notify = %+v, %v; want one dead letter", rep, err)
	}
	const list = "/api/v1/admin/alerts/dead-letters"
	if code, _ := call("GET", list, auth.RoleOperator); code != http.StatusForbidden {
		t.Errorf("operator lists dead letters: %d, want 403", code)
	}
	code, body := call("GET", list, auth.RoleAdmin)
	var page deadLetterPage
	if code != http.StatusOK || json.Unmarshal(body, &page) != nil || len(page.DeadLetters) != 1 {
		t.Fatalf("list: %d %s", code, body)
	}
	dl := page.DeadLetters[0]
	if dl.ID == "" || dl.Channel != "ops-slack" || dl.Attempts != 2 || strings.Contains(string(body), srv.URL) {
		t.Errorf("dead letter %+v (the webhook URL must not show: %v)", dl, strings.Contains(string(body), srv.URL))
	}
	replay := list + "/" + dl.ID + "/replay"
	if code, _ := call("POST", replay, auth.RoleOperator); code != http.StatusForbidden {
		t.Errorf("operator replays: %d, want 403", code)
	}
	// Still down: 502, and it is back in the list with the replay counted.
	if code, body := call("POST", replay, auth.RoleAdmin); code != http.StatusBadGateway {
		t.Errorf("replay to a down channel: %d %s, want 502", code, body)
	}
	if l, _ := store.DeadLetters(ctx, 0); len(l) != 1 || l[0].ID != dl.ID || l[0].Replays != 1 {
		t.Errorf("after a failed replay: %+v", l)
	}
	// Up again: four admins replay at once; the channel gets it once.
	hook.down.Store(false)
	var wg sync.WaitGroup
	codes := make(chan int, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _ := call("POST", replay, auth.RoleAdmin)
			codes <- c
		}()
	}
	wg.Wait()
	close(codes)
	ok, gone := 0, 0
	for c := range codes {
		switch c {
		case http.StatusOK:
			ok++
		case http.StatusNotFound:
			gone++
		}
	}
	if ok != 1 || gone != 3 || hook.accepted.Load() != 1 {
		t.Errorf("concurrent replays: %d ok, %d not found, %d delivered; want 1, 3, 1", ok, gone, hook.accepted.Load())
	}
	if l, _ := store.DeadLetters(ctx, 0); len(l) != 0 {
		t.Errorf("dead letters after the replay: %+v", l)
	}
	// Dedup still holds: the monitor seeing the alert again sends nothing.
	if rep, err := n.Notify(ctx, []notify.Alert{{Key: "event:job_abended:J1", Kind: "job_abended", Severity: notify.Critical}}); err != nil || rep.Duplicate != 1 || hook.accepted.Load() != 1 {
		t.Errorf("Notify after the replay = %+v, %v, delivered %d", rep, err, hook.accepted.Load())
	}
	// Every replay is audited: accepted before, the result after.
	p, err := trail.List(ctx, audit.Filter{Action: actionReplay, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	results := map[string]int{}
	for _, e := range p.Entries {
		if e.User != "root" || len(e.Targets) != 1 || e.Targets[0] != dl.ID {
			t.Errorf("audit entry %+v", e)
		}
		results[strings.SplitN(e.Result, ":", 2)[0]]++
	}
	if results["accepted"] != 5 || results["failed"] != 4 || results["delivered to ops-slack (event"] != 1 {
		t.Errorf("audited results %v; want 5 accepted, 4 failed, 1 delivered", results)
	}
}

// TestDeadLettersWithoutChannels: a deployment with no alert channel has
// no dead letters — the list is empty (not an outage) and a replay is a 404.
func TestDeadLettersWithoutChannels(t *testing.T) {
	_, rdb := newRedis(t)
	v, err := auth.NewHS256([]byte(testSecret), testAuth)
	if err != nil {
		t.Fatal(err)
	}
	m, err := auth.NewMinter([]byte(testSecret), testAuth, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	h, err := newHandler(handlerDeps{
		stage: stage.Development, auth: v, store: redisStore{rdb: rdb}, check: &checker{now: time.Now},
		log: obs.NewLogger(logs, obs.ParseLevel("debug")), metrics: metrics.New(logs, "Resync", nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := m.Mint("root", auth.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/api/v1/admin/alerts/dead-letters", 200, `{"deadLetters":[],"channels":[]}`},
		{"POST", "/api/v1/admin/alerts/dead-letters/abc/replay", 404, "no alert channel is configured"},
	} {
		req := httptest.NewRequest(tc.method, tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.mux.ServeHTTP(rec, req)
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.body) {
			t.Errorf("%s %s: %d %s, want %d with %s", tc.method, tc.path, rec.Code, rec.Body, tc.status, tc.body)
		}
	}
}
