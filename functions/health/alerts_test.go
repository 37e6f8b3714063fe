package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/adapter/redis/alertstore"
	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/adapter/redis/monitorstore"
	"github.com/resync/resync/shared/adapter/webhook"
	"github.com/resync/resync/shared/app/monitor"
	"github.com/resync/resync/shared/app/notify"
	"github.com/resync/resync/shared/edge/metrics"
	"github.com/resync/resync/shared/edge/obs"
	"github.com/resync/resync/shared/edge/stage"
)

// hook is a local incoming webhook keeping the payloads it accepted.
type hook struct {
	mu     sync.Mutex
	bodies []string
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	if !json.Valid(b) {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.bodies = append(h.bodies, string(b))
	h.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

func (h *hook) count(sub string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, b := range h.bodies {
		if strings.Contains(b, sub) {
			n++
		}
	}
	return n
}

// Two plan-monitor runs that overlap deliver a new abend, and an executed
// action, once to each channel.
func TestOverlappingMonitorRunsAlertOnce(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	sim := hwasim.New(hwasim.Config{Seed: 5, Now: now})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	hc, err := hwa.New(hwa.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	mr, rdb := newRedis(t)
	mr.SetTime(now)
	teams, slack := &hook{}, &hook{}
	ts, ss := httptest.NewServer(teams), httptest.NewServer(slack)
	defer ts.Close()
	defer ss.Close()
	rules, err := notify.ParseRules(notify.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	channels, _ := rules.Bind(map[string]string{"ops-teams": ts.URL, "ops-slack": ss.URL})
	trail := audit.New(rdb, audit.Config{})
	logs := &lockedBuffer{}
	h, err := newHandler(handlerDeps{
		stage:   stage.Development,
		monitor: &monitor.Monitor{Plan: hwa.PlanSource{Client: hc}, Store: monitorstore.New(rdb), Now: func() time.Time { return now }},
		notify:  &notify.Notifier{Channels: channels, Sender: webhook.New(nil), Store: alertstore.New(rdb, "", 0), Console: "https://console.example"},
		actions: trail,
		store:   redisStore{rdb: rdb},
		check:   &checker{now: time.Now},
		log:     obs.NewLogger(logs, obs.ParseLevel("debug")),
		metrics: metrics.New(logs, "Resync", nil),
		now:     func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	tick := readEvent(t, "schedule-plan-monitor.json")
	if _, err := h.Invoke(ctx, tick); err != nil { // the first run records the view
		t.Fatal(err)
	}
	running, err := hc.ListJobs(ctx, hwa.Query{OQL: hwa.Eq("lastRunCompositeStatus.status", "EXEC")})
	if err != nil || len(running) == 0 {
		t.Fatalf("no running job: %v", err)
	}
	victim := running[0]
	if _, err := hc.Kill(ctx, victim.ID, hwa.ActionOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := trail.Append(ctx, audit.Entry{User: "ann", Action: "execute:kill", Targets: []string{"job " + victim.Name + " (" + victim.ID + ")"},
		Justification: "runaway job", Result: "ok"}); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := h.Invoke(ctx, tick); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if _, err := h.Invoke(ctx, tick); err != nil { // and a later run adds nothing
		t.Fatal(err)
	}

	link := "https://console.example/#/jobs/" + victim.ID
	abend := "Job abended: " + victim.Name
	if got := teams.count(abend); got != 1 {
		t.Errorf("teams got the abend %d times, want 1", got)
	}
	if got := slack.count(abend); got != 1 {
		t.Errorf("slack got the abend %d times, want 1", got)
	}
	if teams.count(link) < 1 || !strings.Contains(strings.Join(teams.bodies, ""), "application/vnd.microsoft.card.adaptive") {
		t.Errorf("teams payloads lack the console link or the card: %v", teams.bodies)
	}
	if got := teams.count("runaway job"); got != 1 {
		t.Errorf("teams got the action %d times, want 1", got)
	}
	if got := slack.count("runaway job"); got != 0 {
		t.Errorf("slack got a successful action %d times; its default rules take only failed ones", got)
	}
	dead, err := alertstore.New(rdb, "", 0).DeadLetters(ctx, 10)
	if err != nil || len(dead) != 0 {
		t.Errorf("dead letters = %v, %v", dead, err)
	}
}
