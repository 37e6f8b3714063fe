package handover

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/shared/adapter/hwa"
	"github.com/resync/resync/shared/adapter/hwa/hwasim"
	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/domain/workload"
)

func TestShifts(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Skip("no tzdata") // the zone database is part of every Go distribution's lib/time
	}
	s, err := ParseShifts("22:00, 06:00,14:00", rome)
	if err != nil {
		t.Fatal(err)
	}
	at := func(v string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", v, rome)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		now                       string
		curFrom, prevFrom, prevTo string
	}{
		{"2026-11-27 03:00", "2026-11-26 22:00", "2026-11-26 14:00", "2026-11-26 22:00"},
		{"2026-11-27 06:00", "2026-11-27 06:00", "2026-11-26 22:00", "2026-11-27 06:00"},
		{"2026-11-27 13:59", "2026-11-27 06:00", "2026-11-26 22:00", "2026-11-27 06:00"},
		{"2026-03-29 07:00", "2026-03-29 06:00", "2026-03-28 22:00", "2026-03-29 06:00"}, // the night the clocks go forward: 7 hours
	}
	for _, tt := range tests {
		now := at(tt.now)
		from, to := s.Current(now)
		if !from.Equal(at(tt.curFrom)) || !to.Equal(now) {
			t.Errorf("Current(%s) = %v..%v, want from %s", tt.now, from, to, tt.curFrom)
		}
		from, to = s.Previous(now)
		if !from.Equal(at(tt.prevFrom)) || !to.Equal(at(tt.prevTo)) {
			t.Errorf("Previous(%s) = %v..%v, want %s..%s", tt.now, from, to, tt.prevFrom, tt.prevTo)
		}
	}
	if got := s.Name(at("2026-11-26 22:00"), at("2026-11-27 06:00")); got != "22:00–06:00" {
		t.Errorf("Name = %q", got)
	}
	for _, bad := range []string{"", "6:60", "25:00", "06:00,06:00", "06:00;14:00"} {
		if _, err := ParseShifts(bad, nil); !errors.Is(err, ErrInvalidShifts) {
			t.Errorf("ParseShifts(%q) = %v, want ErrInvalidShifts", bad, err)
		}
	}
}

// simClock is the simulated night's clock, read by hwasim and miniredis.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *simClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *simClock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// A simulated night: the simulator's clock moves over the eight hours
// from 22:00 to 06:00; on the way an operator reruns every job that
// abended, each rerun audited as the agent audits it. The digest of the
// night names every abend, every action with its justification and every
// job stream still late, each by its id.
func TestDigestOfASimulatedNight(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 26, 22, 0, 0, 0, time.UTC)
	clock := &simClock{t: start}
	sim := hwasim.New(hwasim.Config{Seed: 5, Clock: clock.Now})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	hc, err := hwa.New(hwa.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	mr := miniredis.RunT(t)
	mr.SetTime(start)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	trail := audit.New(rdb, audit.Config{})

	shifts, err := ParseShifts(DefaultShifts, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	b := &Builder{Plan: hwa.PlanSource{Client: hc}, Actions: trail, Shifts: shifts, Now: clock.Now}

	justification := map[string]string{} // audit id → justification
	rerun := map[string]bool{}           // job ids rerun
	for now := start; now.Before(start.Add(8 * time.Hour)); now = clock.Add(20 * time.Minute) {
		mr.SetTime(now)
		jobs, err := hc.ListJobs(ctx, hwa.Query{OQL: hwa.Eq("lastRunCompositeStatus.status", "ABEND")})
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			last, ok := j.LastRun()
			if rerun[j.ID] || !ok || len(rerun) >= 4 {
				continue
			}
			rerun[j.ID] = true
			just := fmt.Sprintf("rerun %s after the abend at %s: input restored", j.Name, now.Format("15:04"))
			opts := hwa.ActionOptions{Justification: hwa.Justification{Category: "incident", Description: just, TicketNum: "INC-" + j.ID[:4]}}
			result := "ok"
			if _, err := hc.Rerun(ctx, last.ID, hwa.RerunDetails{}, opts); err != nil {
				result = "failed: " + err.Error()
			}
			e, err := trail.Append(ctx, audit.Entry{User: "night-op@example.com", Action: "execute:rerun",
				Targets: []string{"job " + j.Name + " (" + j.ID + ") run " + last.ID}, Justification: just, Result: result,
				Ticket: opts.Justification.TicketNum, ProposalID: "p-" + j.ID[:4]})
			if err != nil {
				t.Fatal(err)
			}
			justification[e.ID] = just
		}
	}
	end := clock.Now() // 06:00
	if !end.Equal(start.Add(8 * time.Hour)) {
		t.Fatalf("clock at %v", end)
	}
	mr.SetTime(end)

	d, err := b.Previous(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d.Shift != "22:00–06:00" || !d.From.Equal(start) || !d.To.Equal(end) || !d.Complete || len(d.Missing) > 0 {
		t.Fatalf("digest %s %v..%v complete=%v missing=%v", d.Shift, d.From, d.To, d.Complete, d.Missing)
	}
	cited := func(items []Item) map[string]Item {
		m := map[string]Item{}
		for _, it := range items {
			if it.Cite == "" {
				t.Errorf("line %q cites nothing", it.Text)
			}
			m[it.Cite] = it
		}
		return m
	}
	failures, actions, late := cited(d.Failures), cited(d.Actions), cited(d.Late)
	cited(d.Recoveries)
	cited(d.AtRisk)

	// The truth, from the simulator after the night.
	all, err := hc.ListJobs(ctx, hwa.Query{})
	if err != nil {
		t.Fatal(err)
	}
	abends := 0
	for _, j := range all {
		for _, r := range j.Runs {
			if r.Internal == workload.InternalAbend && !r.End.Before(start) && r.End.Before(end) {
				abends++
				if _, ok := failures["job "+j.ID+" run "+r.ID]; !ok {
					t.Errorf("abend of %s (%s) run %s at %v is not in the digest", j.Name, j.ID, r.ID, r.End)
				}
			}
		}
	}
	if abends == 0 || len(justification) == 0 {
		t.Fatalf("the night had %d abends and %d actions: the fixture proves nothing", abends, len(justification))
	}
	for id, just := range justification {
		it, ok := actions["audit "+id]
		if !ok || !strings.Contains(it.Text, just) || !strings.Contains(it.Text, "night-op@example.com") {
			t.Errorf("action %s (%q) missing or without who and justification: %+v", id, just, it)
		}
	}
	streams, err := hwa.PlanSource{Client: hc}.Streams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lateStreams := 0
	for _, s := range streams {
		if s.IsLate(end) {
			lateStreams++
			if _, ok := late["job stream "+s.ID]; !ok {
				t.Errorf("late job stream %s (%s) is not in the digest", s.Name, s.ID)
			}
		}
	}
	if lateStreams == 0 {
		t.Errorf("no job stream is late at 06:00: the fixture proves nothing about late streams")
	}
	// Every open prompt: a job not done with a prompt dependency not yet
	// satisfied (read from the job's own dependencies, as HWA fills them).
	prompts := cited(d.Prompts)
	openPrompts := 0
	for _, j := range all {
		if j.Done() {
			continue
		}
		full, err := hc.Job(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, dep := range full.UnsatisfiedDependencies() {
			if dep.Type != workload.DepPrompt {
				continue
			}
			openPrompts++
			found := false
			for cite, it := range prompts {
				found = found || strings.HasPrefix(cite, "job "+j.ID+" prompt ") && strings.Contains(it.Text, dep.Name)
			}
			if !found {
				t.Errorf("the open prompt %s of %s (%s) is not in the digest: %+v", dep.Name, j.Name, j.ID, d.Prompts)
			}
		}
	}
	if openPrompts == 0 {
		t.Errorf("no job waits on a prompt at 06:00: the fixture (FIX_WAIT_PROMPT) proves nothing about prompts")
	}
	t.Logf("night: %d abends, %d actions, %d late streams, %d open prompts; digest: %d failures, %d recoveries, %d late, %d at risk",
		abends, len(justification), lateStreams, openPrompts, len(d.Failures), len(d.Recoveries), len(d.Late), len(d.AtRisk))

	a := d.Alert()
	if a.Key != d.Key() || len(a.Sections) != 6 || len(a.Sections[2].Lines) != len(d.Actions) || len(a.Sections[5].Lines) != len(d.Prompts) {
		t.Errorf("alert = %+v", a)
	}
}
