package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/shared/domain/frames"
	"github.com/resync/resync/shared/edge/auth"
)

// TestAlerts records plan-monitor events and reads them back as alerts:
// newest first, worded and graded by the notifier, filtered by severity and
// kind before the limit, bounded, and only with a token.
func TestAlerts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	record := func(kind, id, name string, extra map[string]any) {
		t.Helper()
		data := map[string]any{"id": id, "name": name}
		for k, v := range extra {
			data[k] = v
		}
		at = at.Add(time.Minute)
		if err := f.events.Record(ctx, frames.Event{Type: "event", Kind: kind, At: at, Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	record("job_abended", "J1", "ACCT.LOAD", map[string]any{"returnCode": 12, "stream": "ACCT"})
	record("stream_late", "S1", "PAYROLL", nil)
	record("job_failed", "J2", "HR.SYNC", map[string]any{"internalStatus": "FAIL"})
	for i := 0; i < 3; i++ {
		record("workstation_stopped", fmt.Sprintf("W%d", i), fmt.Sprintf("AGENT%d", i), nil)
	}
	viewer := f.token(t, auth.RoleViewer)

	type item struct {
		Key, Kind, Severity, Title, Text, ObjectID, Name, JobID, Link string
		At                                                            time.Time
	}
	list := func(query string) []item {
		t.Helper()
		rec := f.get(t, "/api/v1/alerts"+query, viewer)
		if rec.Code != 200 {
			t.Fatalf("alerts%s: %d %s", query, rec.Code, rec.Body.String())
		}
		return decode[struct{ Items []item }](t, rec).Items
	}
	all := list("")
	if len(all) != 6 {
		t.Fatalf("got %d alerts, want 6: %+v", len(all), all)
	}
	for i := 1; i < len(all); i++ {
		if !all[i-1].At.After(all[i].At) {
			t.Errorf("alerts not newest first: %v then %v", all[i-1].At, all[i].At)
		}
	}
	ab := all[5]
	if ab.Kind != "job_abended" || ab.Severity != "critical" || ab.ObjectID != "J1" || ab.Name != "ACCT.LOAD" ||
		ab.JobID != "J1" || ab.Link != "/#/jobs/J1" || !strings.Contains(ab.Text, "return code 12") || ab.Title != "Job abended: ACCT.LOAD" {
		t.Errorf("the abend alert: %+v", ab)
	}

	tests := []struct {
		query string
		want  []string // names, newest first
	}{
		{"?severity=critical", []string{"ACCT.LOAD"}},
		{"?severity=warning", []string{"AGENT2", "AGENT1", "AGENT0", "HR.SYNC", "PAYROLL"}},
		{"?severity=warning&limit=2", []string{"AGENT2", "AGENT1"}},
		{"?kind=stream_late", []string{"PAYROLL"}},
		{"?kind=job_failed&severity=warning", []string{"HR.SYNC"}},
		{"?kind=job_failed&severity=critical", nil},
		{"?limit=1", []string{"AGENT2"}},
	}
	for _, tc := range tests {
		var got []string
		for _, a := range list(tc.query) {
			got = append(got, a.Name)
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("alerts%s = %v, want %v", tc.query, got, tc.want)
		}
	}

	for _, tc := range []struct {
		name, query, token string
		status             int
	}{
		{"no token", "", "", 401},
		{"limit zero", "?limit=0", viewer, 400},
		{"limit above the bound", "?limit=201", viewer, 400},
		{"bad severity", "?severity=urgent", viewer, 400},
		{"bad kind", "?kind=coffee", viewer, 400},
		{"unknown parameter", "?colour=red", viewer, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if rec := f.get(t, "/api/v1/alerts"+tc.query, tc.token); rec.Code != tc.status {
				t.Errorf("alerts%s: %d, want %d: %s", tc.query, rec.Code, tc.status, rec.Body.String())
			}
		})
	}
}
