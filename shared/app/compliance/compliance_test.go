package compliance

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/internal/s3local"
	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/adapter/redis/security"
	"github.com/resync/resync/shared/adapter/s3audit"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

type fixture struct {
	s3    *s3local.Server
	trail *s3audit.Trail
	sec   *security.Log
	now   time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{now: t0}
	var err error
	if f.s3, err = s3local.Start(s3local.Config{Buckets: []string{"resync-audit"}}, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.s3.Close)
	if f.trail, err = s3audit.New(f.s3.Client(), s3audit.Config{Bucket: "resync-audit", Now: func() time.Time { return f.now }}); err != nil {
		t.Fatal(err)
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	f.sec = security.New(rdb, 0)
	return f
}

func (f *fixture) put(t *testing.T, e audit.Entry) audit.Entry {
	t.Helper()
	got, err := f.trail.Put(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// A day of operations: alice confirms and executes, bob is refused, carol's
// proposal expires, dave cancels; the next day erin's proposal of the
// period is confirmed after midnight.
func (f *fixture) fill(t *testing.T) {
	t.Helper()
	exp := func() time.Time { return f.now.Add(10 * time.Minute) }
	f.put(t, audit.Entry{User: "alice", Action: "proposal:rerun", Targets: []string{"job J1"}, Result: "proposed", ProposalID: "P1", ExpiresAt: exp()})
	f.put(t, audit.Entry{User: "alice", Action: "confirm", Justification: "INC-1 fix", Ticket: "INC-1", Category: "Recovery", Result: "accepted", ProposalID: "P1"})
	f.put(t, audit.Entry{User: "alice", Action: "execute:rerun", Targets: []string{"job J1"}, Justification: "INC-1 fix", Ticket: "INC-1", Category: "Recovery", Result: "ok", ProposalID: "P1"})
	f.put(t, audit.Entry{User: "bob", Action: "confirm", Justification: "<script>alert(1)</script>", Result: "refused: only an operator or an admin may confirm an action", ProposalID: "P9"})
	f.put(t, audit.Entry{User: "carol", Action: "proposal:kill", Targets: []string{"job J2"}, Result: "proposed", ProposalID: "P2", ExpiresAt: exp()})
	f.put(t, audit.Entry{User: "dave", Action: "proposal:hold", Targets: []string{"job J3"}, Result: "proposed", ProposalID: "P3", ExpiresAt: exp()})
	f.put(t, audit.Entry{User: "dave", Action: "cancel", Result: "canceled", ProposalID: "P3"})
	f.put(t, audit.Entry{User: "admin1", Action: "cache:invalidate", Targets: []string{"everything"}, Result: "=removed 3 keys"})
	f.now = time.Date(2026, 12, 1, 23, 58, 0, 0, time.UTC)
	f.put(t, audit.Entry{User: "erin", Action: "proposal:release", Result: "proposed", ProposalID: "P4", ExpiresAt: exp()})
	f.now = time.Date(2026, 12, 2, 0, 1, 0, 0, time.UTC)
	f.put(t, audit.Entry{User: "erin", Action: "confirm", Result: "accepted", ProposalID: "P4"})
	if err := f.sec.Record(context.Background(), security.Event{Time: t0, Kind: security.ForbiddenRole, User: "bob", Reason: "viewer", Route: "confirm"}); err != nil {
		t.Fatal(err)
	}
	f.now = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
}

func TestBuild(t *testing.T) {
	f := newFixture(t)
	f.fill(t)
	r, err := Build(context.Background(), f.trail, f.sec, "2026-12-01", "2026-12-01", f.now)
	if err != nil {
		t.Fatal(err)
	}
	users := func(es []audit.Entry) string {
		var s []string
		for _, e := range es {
			s = append(s, e.User+" "+e.Action)
		}
		return strings.Join(s, ", ")
	}
	for _, tc := range []struct{ name, got, want string }{
		{"actions", users(r.Actions), "admin1 cache:invalidate, alice execute:rerun"},
		{"refused", users(r.Refused), "bob confirm"},
		{"expired", users(r.Expired), "carol proposal:kill"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	if a := r.Actions[1]; a.Ticket != "INC-1" || a.Justification != "INC-1 fix" || a.Category != "Recovery" {
		t.Errorf("alice's action %+v: want justification, category and ticket", a)
	}
	if len(r.Security) != 1 || r.Security[0].User != "bob" {
		t.Errorf("security: %+v, want bob's event", r.Security)
	}
	if !r.ChainsOK || len(r.Chains) != 1 || r.Chains[0].Records != 9 {
		t.Errorf("chains: %+v, want one day of 9 records, ok", r.Chains)
	}

	var b bytes.Buffer
	if err := r.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, row := range rows[1:] {
		count[row[0]]++
		if row[0] == "action" && row[2] == "admin1" && row[8] != "'=removed 3 keys" {
			t.Errorf("formula cell: %q, want it defused", row[8])
		}
	}
	if want := map[string]int{"action": 2, "refused": 1, "expired": 1, "security": 1, "chain": 1}; !equal(count, want) {
		t.Errorf("CSV sections: got %v, want %v", count, want)
	}

	b.Reset()
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	if strings.Contains(html, "<script>alert") || !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the HTML does not escape a justification")
	}
	for _, want := range []string{"every day verifies", "INC-1", "carol", "2026-12-01"} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML lacks %q", want)
		}
	}
}

func equal(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestBuildReportsABrokenChain(t *testing.T) {
	f := newFixture(t)
	f.fill(t)
	key := f.trail.Key("2026-12-01", 4)
	if _, err := f.s3.Client().PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String("resync-audit"), Key: aws.String(key), Body: strings.NewReader(`{"day":"2026-12-01","seq":4,"user":"bob","action":"confirm","result":"ok"}`),
	}); err != nil {
		t.Fatal(err)
	}
	r, err := Build(context.Background(), f.trail, f.sec, "2026-12-01", "2026-12-02", f.now)
	if err != nil {
		t.Fatal(err)
	}
	if r.ChainsOK || r.Chains[0].OK || !r.Chains[1].OK || r.Chains[0].Breaks[0].Seq != 4 {
		t.Fatalf("chains %+v: want day 1 broken at seq 4, day 2 ok", r.Chains)
	}
	var b bytes.Buffer
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "BROKEN") || !strings.Contains(b.String(), "seq 4: overwritten") {
		t.Errorf("the HTML does not show the break")
	}
}

func TestPeriod(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		from, to string
		ok       bool
	}{
		{"2026-12-01", "2026-12-01", true},
		{"2026-11-03", "2026-12-03", true}, // 31 days
		{"2026-11-02", "2026-12-03", false},
		{"2026-12-02", "2026-12-01", false},
		{"2026-12-04", "2026-12-05", false},
		{"12/01/2026", "2026-12-01", false},
		{"", "", false},
	} {
		_, _, err := Period(tc.from, tc.to, now)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("Period(%q, %q): got %v, want ok %v", tc.from, tc.to, err, tc.ok)
		}
	}
}
