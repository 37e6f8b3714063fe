package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resync/resync/shared/domain/alert"
	"github.com/resync/resync/shared/domain/frames"
)

// memStore is an in-memory Store.
type memStore struct {
	mu     sync.Mutex
	claims map[string]bool
	dead   []DeadLetter
}

func (m *memStore) Claim(_ context.Context, key string, _ time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.claims == nil {
		m.claims = map[string]bool{}
	}
	if m.claims[key] {
		return false, nil
	}
	m.claims[key] = true
	return true, nil
}

func (m *memStore) Dead(_ context.Context, d DeadLetter) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dead = append(m.dead, d)
	return nil
}

// scripted fails a channel's first n sends with err.
type scripted struct {
	mu    sync.Mutex
	fails map[string]int
	err   error
	sent  []string // channel:key
	tries int
}

func (s *scripted) Send(_ context.Context, ch alert.Destination, a Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tries++
	if s.fails[ch.ID] > 0 {
		s.fails[ch.ID]--
		return s.err
	}
	s.sent = append(s.sent, ch.ID+":"+a.Key)
	return nil
}

func mustRules(t *testing.T, b []byte) RulesFile {
	t.Helper()
	f, err := ParseRules(b)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestDefaultRulesParseAndRoute(t *testing.T) {
	f := mustRules(t, DefaultRules())
	chans, off := f.Bind(map[string]string{"ops-teams": "https://t", "ops-slack": "https://s"})
	if len(chans) != 2 || len(off) != 0 {
		t.Fatalf("Bind = %d channels, off %v", len(chans), off)
	}
	abend := FromEvent("job_abended:J1:R1", frames.Event{Kind: "job_abended", At: time.Unix(0, 0), Data: map[string]any{"id": "J1", "name": "PAY"}})
	late := FromEvent("", frames.Event{Kind: "stream_late", Data: map[string]any{"id": "S1", "name": "PAYROLL"}})
	ok := FromAction(Action{ID: "1-0", User: "ann", Action: "rerun", Targets: []string{"job PAY (J1) run R1"}, Result: "ok", Justification: "fixed the input file"})
	tests := []struct {
		a          Alert
		teams, slk bool
	}{
		{abend, true, true},
		{late, true, false},
		{ok, true, false},
	}
	for _, tt := range tests {
		if got := Match(chans[0].Rules, tt.a); got != tt.teams {
			t.Errorf("teams gets %s = %v, want %v", tt.a.Kind, got, tt.teams)
		}
		if got := Match(chans[1].Rules, tt.a); got != tt.slk {
			t.Errorf("slack gets %s = %v, want %v", tt.a.Kind, got, tt.slk)
		}
	}
	if _, off := f.Bind(map[string]string{"ops-teams": "https://t"}); len(off) != 1 || off[0] != "ops-slack" {
		t.Errorf("Bind without slack: off = %v", off)
	}
}

func TestRules(t *testing.T) {
	a := Alert{Kind: "stream_late", Severity: Warning, Stream: "PAYROLL_EU", Workstation: "mdm"}
	tests := []struct {
		rule Rule
		want bool
	}{
		{Rule{}, true},
		{Rule{MinSeverity: Critical}, false},
		{Rule{MinSeverity: Warning}, true},
		{Rule{Kinds: []string{"job_abended"}}, false},
		{Rule{Streams: []string{"pay*"}}, true},
		{Rule{Streams: []string{"HR*"}}, false},
		{Rule{Workstations: []string{"MDM"}, Kinds: []string{"stream_late"}}, true},
		{Rule{Workstations: []string{"MDM"}, MinSeverity: Critical}, false},
	}
	for _, tt := range tests {
		if got := Match([]Rule{tt.rule}, a); got != tt.want {
			t.Errorf("%+v matches = %v, want %v", tt.rule, got, tt.want)
		}
	}
	if Match([]Rule{{Streams: []string{"*"}}}, Alert{}) {
		t.Error("a stream rule matched an alert without a stream")
	}
}

func TestParseRulesReportsEveryProblem(t *testing.T) {
	_, err := ParseRules([]byte(`{"channels":[{"id":"a","kind":"irc","rules":[{"minSeverity":"loud","kinds":["boom"],"streams":["["]}]},{"id":"a","kind":"slack","rules":[]}]}`))
	if !errors.Is(err, ErrInvalidRules) {
		t.Fatalf("err = %v, want ErrInvalidRules", err)
	}
	for _, want := range []string{`kind "irc"`, `minSeverity "loud"`, `unknown kind "boom"`, `bad pattern "["`, "duplicate id", "no rules"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if _, err := ParseRules([]byte(`{"channels":[],"extra":1}`)); !errors.Is(err, ErrInvalidRules) {
		t.Errorf("unknown field: err = %v", err)
	}
}

func newNotifier(s Sender, st Store) (*Notifier, *[]time.Duration) {
	var waits []time.Duration
	return &Notifier{
		Channels: []Channel{{Destination: alert.Destination{ID: "t", Kind: Teams}, Rules: []Rule{{}}}, {Destination: alert.Destination{ID: "s", Kind: Slack}, Rules: []Rule{{MinSeverity: Critical}}}},
		Sender:   s, Store: st, Console: "https://console.example/",
		Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil },
	}, &waits
}

func TestNotifyOncePerChannelAndRetries(t *testing.T) {
	st := &memStore{}
	snd := &scripted{fails: map[string]int{"t": 2}, err: errors.New("status 503")}
	n, waits := newNotifier(snd, st)
	alerts := []Alert{{Key: "k1", Severity: Critical, Link: "/#/jobs/J1"}, {Key: "k2", Severity: Info}}
	rep, err := n.Notify(context.Background(), alerts)
	if err != nil {
		t.Fatal(err)
	}
	if rep != (Report{Sent: 3}) {
		t.Errorf("report = %+v, want 3 sent", rep)
	}
	if fmt.Sprint(*waits) != "[500ms 1s]" {
		t.Errorf("backoff waits = %v, want [500ms 1s]", *waits)
	}
	rep, err = n.Notify(context.Background(), alerts)
	if err != nil || rep != (Report{Duplicate: 3}) {
		t.Errorf("second Notify = %+v, %v; want 3 duplicates", rep, err)
	}
	if len(snd.sent) != 3 {
		t.Errorf("sent = %v, want each alert once per channel", snd.sent)
	}
	if got := n.URL("/#/jobs/J1"); got != "https://console.example/#/jobs/J1" {
		t.Errorf("URL = %q", got)
	}
}

func TestUndeliverableIsDeadLettered(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		attempts int
	}{
		{"transient", errors.New("status 502"), DefaultAttempts},
		{"permanent", fmt.Errorf("status 400: %w", ErrPermanent), 1},
	}
	for _, tt := range tests {
		st := &memStore{}
		snd := &scripted{fails: map[string]int{"t": 99}, err: tt.err}
		n, _ := newNotifier(snd, st)
		rep, err := n.Notify(context.Background(), []Alert{{Key: "k", Kind: "job_abended", Title: "x", Severity: Info}})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Dead != 1 || len(st.dead) != 1 {
			t.Fatalf("%s: report %+v, dead %v", tt.name, rep, st.dead)
		}
		if d := st.dead[0]; d.Channel != "t" || d.Key != "k" || d.Attempts != tt.attempts || d.Error != tt.err.Error() {
			t.Errorf("%s: dead letter = %+v, want %d attempts", tt.name, d, tt.attempts)
		}
		if snd.tries != tt.attempts {
			t.Errorf("%s: %d tries, want %d", tt.name, snd.tries, tt.attempts)
		}
	}
}

func TestFromActionCitesTheAuditRecord(t *testing.T) {
	a := FromAction(Action{ID: "1700000000000-0", User: "bob", Action: "hold", Targets: []string{"job ETL (J9)"}, Result: "failed: 409", Justification: "stop the bleed"})
	if a.Kind != ActionFailed || a.Severity != Warning || a.JobID != "J9" || a.Link != "/#/jobs/J9" || a.Key != "audit:1700000000000-0" {
		t.Errorf("alert = %+v", a)
	}
	if !strings.Contains(a.Text, "audit 1700000000000-0") {
		t.Errorf("text %q does not cite the audit record", a.Text)
	}
}
