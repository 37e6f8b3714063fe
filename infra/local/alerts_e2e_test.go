package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/adapter/webhook/webhooktest"
	"github.com/resync/resync/shared/domain/alert"
)

// TestAlertsThroughTheStack runs the real health binary's plan monitor
// against local Teams and Slack receivers that validate every payload
// against the Adaptive Card and Block Kit schemas. Routing is per channel
// (a rules file: Teams takes warnings and up, Slack only abends); a new
// abend is delivered once per channel although two monitor runs overlap;
// Teams answering 500 first shows the retry; a channel that always fails
// ends in the dead-letter list, which an admin replays once; the shift
// handover schedule posts the digest of the shift that ended once.
func TestAlertsThroughTheStack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the functions; skipped with -short")
	}
	ctx := context.Background()
	sim := hwasim.New(hwasim.Config{Seed: 7})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	teams := webhooktest.NewReceiver(t, alert.Teams)
	slack := webhooktest.NewReceiver(t, alert.Slack)
	broken := webhooktest.NewReceiver(t, alert.Slack)
	broken.FailAlways(true)
	rules := filepath.Join(t.TempDir(), "channels.json")
	if err := os.WriteFile(rules, []byte(`{"channels": [
  {"id": "ops-teams", "kind": "teams", "rules": [{"minSeverity": "warning"}, {"kinds": ["handover"]}]},
  {"id": "ops-slack", "kind": "slack", "rules": [{"kinds": ["job_abended"]}]},
  {"id": "night-slack", "kind": "slack", "rules": [{"kinds": ["job_abended"]}]}
]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	hooks, _ := json.Marshal(map[string]string{"ops-teams": teams.URL, "ops-slack": slack.URL, "night-slack": broken.URL})
	// Shifts whose last one ended an hour ago, so the handover schedule posts it.
	now := time.Now().UTC()
	shifts := now.Add(-9*time.Hour).Format("15:04") + "," + now.Add(-time.Hour).Format("15:04")
	s, out := newStack(t, map[string]string{
		envBinDir: buildFunctions(t, "health"), "HWA_URL": srv.URL, "SHIFTS": shifts,
		"ALERTS_WEBHOOKS": string(hooks), "ALERTS_RULES": rules, envPassEnv: "ALERTS_WEBHOOKS,ALERTS_RULES,SHIFTS",
	})
	monitor := func() monitorReport {
		resp, body := do(t, "POST", s.url+"/local/schedules/plan-monitor", "", "")
		if resp.StatusCode != 200 {
			t.Errorf("plan-monitor: %d %s\n%s", resp.StatusCode, body, out.String())
		}
		var rep monitorReport
		_ = json.Unmarshal(body, &rep)
		return rep
	}
	monitor() // records the first view
	hc, err := hwa.New(hwa.Config{BaseURL: srv.URL})
	if err != nil {
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
	teams.FailNext(1) // 500, then 200: the notifier retries
	before := teams.Requests()
	var wg sync.WaitGroup
	reports := make([]monitorReport, 2)
	for i := range reports {
		wg.Add(1)
		go func() { defer wg.Done(); reports[i] = monitor() }()
	}
	wg.Wait()
	monitor() // a later run adds nothing

	abend := "Job abended: " + victim.Name
	for _, r := range []*webhooktest.Receiver{teams, slack} {
		if inv := r.Invalid(); len(inv) > 0 {
			t.Errorf("%s receiver refused payloads: %v", r.Kind, inv)
		}
		if got := r.Count(abend); got != 1 {
			t.Errorf("%s got %q %d times, want once (reports %+v)", r.Kind, abend, got, reports)
		}
	}
	if got := teams.Requests() - before; got < 2 {
		t.Errorf("teams saw %d requests after the kill, want the 500 and its retry", got)
	}
	if teams.Count("/#/jobs/"+victim.ID) < 1 {
		t.Errorf("the teams card does not link to the job in the console")
	}
	// Routing: Slack takes abends only, Teams warnings too.
	for _, b := range slack.Bodies() {
		if !strings.Contains(string(b), "Job abended: ") {
			t.Errorf("slack got an alert its rules do not select: %.200s", b)
		}
	}
	if broken.Requests() != 4 || len(broken.Bodies()) != 0 {
		t.Errorf("the broken channel saw %d requests (%d accepted), want the 4 attempts", broken.Requests(), len(broken.Bodies()))
	}

	// The dead letter, for admins only, and its replay: once.
	admin := mint(t, s, "root", "admin")
	const dead = "/api/v1/admin/alerts/dead-letters"
	if resp, _ := do(t, "GET", s.url+dead, mint(t, s, "olga", "operator"), ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("operator lists dead letters: %d, want 403", resp.StatusCode)
	}
	resp, body := do(t, "GET", s.url+dead, admin, "")
	var page struct {
		DeadLetters []alert.DeadLetter `json:"deadLetters"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &page) != nil {
		t.Fatalf("dead letters: %d %s", resp.StatusCode, body)
	}
	var dl *alert.DeadLetter
	for i, d := range page.DeadLetters {
		if d.Channel == "night-slack" && d.Title == abend {
			dl = &page.DeadLetters[i]
		}
		if d.Channel != "night-slack" {
			t.Errorf("dead letter of a working channel: %+v", d)
		}
	}
	if dl == nil || dl.Attempts != 4 || strings.Contains(string(body), broken.URL) {
		t.Fatalf("no dead letter of %q on night-slack with 4 attempts (and no webhook URL): %s", abend, body)
	}
	broken.FailAlways(false)
	replay := s.url + dead + "/" + dl.ID + "/replay"
	if resp, body := do(t, "POST", replay, admin, ""); resp.StatusCode != 200 {
		t.Fatalf("replay: %d %s", resp.StatusCode, body)
	}
	if resp, _ := do(t, "POST", replay, admin, ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("second replay: %d, want 404", resp.StatusCode)
	}
	monitor()
	if got := broken.Count(abend); got != 1 || len(broken.Invalid()) > 0 {
		t.Errorf("after the replay the channel has %q %d times (refused %v), want once", abend, got, broken.Invalid())
	}

	// The shift handover schedule posts the digest of the shift that ended
	// to the channels whose rules take it (Teams here), once however often
	// it fires; the card passes the schema.
	for range 2 {
		if resp, body := do(t, "POST", s.url+"/local/schedules/shift-handover", "", ""); resp.StatusCode != 200 {
			t.Fatalf("shift-handover: %d %s", resp.StatusCode, body)
		}
	}
	if got := teams.Count("Shift handover"); got != 1 || len(teams.Invalid()) > 0 {
		t.Errorf("teams got the handover %d times (refused %v), want once", got, teams.Invalid())
	}
	if got := slack.Count("Shift handover"); got != 0 {
		t.Errorf("slack got the handover %d times; its rules do not take it", got)
	}
}

// monitorReport is the part of the plan-monitor answer the test reads.
type monitorReport struct {
	Alerts *struct {
		Sent, Duplicate, Dead int
	} `json:"alerts"`
}
