package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/internal/s3local"
	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/adapter/redis/cache"
	"github.com/resync/resync/shared/adapter/redis/security"
	"github.com/resync/resync/shared/adapter/s3audit"
	"github.com/resync/resync/shared/app/compliance"
	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/metrics"
	"github.com/resync/resync/shared/edge/obs"
	"github.com/resync/resync/shared/edge/setup"
)

var today = time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)

// newTrailFixture is newFixture with the durable audit trail on an S3
// stand-in, as deployed.
func newTrailFixture(t *testing.T) (*fixture, *s3local.Server, *s3audit.Trail) {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	srv, err := s3local.Start(s3local.Config{Buckets: []string{"resync-audit"}}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	trail, err := s3audit.New(srv.Client(), s3audit.Config{Bucket: "resync-audit", Hint: audit.NewHead(rdb, ""), Now: func() time.Time { return today }})
	if err != nil {
		t.Fatal(err)
	}
	acfg := auth.Config{Issuer: "resync-local", ClientID: "resync-web"}
	v, _ := auth.NewHS256(secret, acfg)
	m, _ := auth.NewMinter(secret, acfg, time.Hour)
	c, err := cache.New(rdb, cache.Config{})
	if err != nil {
		t.Fatal(err)
	}
	al := audit.New(rdb, audit.Config{Durable: trail, MaxLen: audit.DefaultIndexLen})
	edge := setup.NewEdge(function, v, obs.NewLogger(io.Discard, slog.LevelDebug), metrics.New(io.Discard, "Resync", nil), rdb)
	h, err := newHandler(deps{cache: c, redis: rdb, audit: al, trail: trail, security: security.New(rdb, 0),
		now: func() time.Time { return today }}, edge)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{h: h, rdb: rdb, cache: c, audit: al, minter: m}, srv, trail
}

func TestVerifyRoute(t *testing.T) {
	f, srv, trail := newTrailFixture(t)
	admin := f.token(t, "ada", auth.RoleAdmin)
	for range 3 {
		if rec := f.do(t, "POST", "/api/v1/admin/cache/invalidate", admin, `{"kind":"summary"}`); rec.Code != 200 {
			t.Fatalf("invalidate: %d %s", rec.Code, rec.Body)
		}
	}
	for _, tok := range []string{"", f.token(t, "otto", auth.RoleOperator)} {
		if rec := f.do(t, "GET", "/api/v1/admin/audit/verify?day=2026-12-03", tok, ""); rec.Code != 401 && rec.Code != 403 {
			t.Errorf("verify without the admin role: %d", rec.Code)
		}
	}
	get := func(query string, want int) audit.Verification {
		t.Helper()
		rec := f.do(t, "GET", "/api/v1/admin/audit/verify"+query, admin, "")
		if rec.Code != want {
			t.Fatalf("verify%s: %d %s, want %d", query, rec.Code, rec.Body, want)
		}
		var v audit.Verification
		if want == 200 {
			if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
				t.Fatal(err)
			}
		}
		return v
	}
	// Each invalidation is two records: accepted before, the outcome after.
	if v := get("?day=2026-12-03", 200); !v.OK || v.Records != 6 {
		t.Errorf("verify: %+v, want ok with 6 records", v)
	}
	if v := get("", 200); v.Day != "2026-12-03" || !v.OK {
		t.Errorf("verify of today: %+v", v)
	}
	get("?day=yesterday", 400)
	get("?day=2026-12-03&x=1", 400)

	if _, err := srv.Client().PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("resync-audit"),
		Key: aws.String(trail.Key("2026-12-03", 2)), Body: strings.NewReader(`{"day":"2026-12-03","seq":2,"user":"ada","action":"nothing"}`)}); err != nil {
		t.Fatal(err)
	}
	v := get("?day=2026-12-03", 200)
	if v.OK || len(v.Breaks) != 1 || v.Breaks[0].Seq != 2 || v.Breaks[0].Expected == "" || v.Breaks[0].Actual == "" {
		t.Errorf("verify after tampering: %+v, want one break at seq 2 with expected and actual hashes", v)
	}
}

// An admin action whose audit record cannot be written durably does not run.
func TestAdminActionFailsClosed(t *testing.T) {
	f, srv, _ := newTrailFixture(t)
	admin := f.token(t, "ada", auth.RoleAdmin)
	ctx := context.Background()
	if err := f.rdb.Set(ctx, "summary:x", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	rec := f.do(t, "POST", "/api/v1/admin/cache/invalidate", admin, `{"prefix":"summary:"}`)
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "nothing was invalidated") {
		t.Fatalf("invalidate with the trail down: %d %s, want 503 saying nothing was invalidated", rec.Code, rec.Body)
	}
	if n := f.rdb.Exists(ctx, "summary:x").Val(); n != 1 {
		t.Error("the cache was invalidated although the audit record was not written")
	}
}

func TestComplianceRoute(t *testing.T) {
	f, _, _ := newTrailFixture(t)
	admin := f.token(t, "ada", auth.RoleAdmin)
	if rec := f.do(t, "POST", "/api/v1/admin/cache/invalidate", admin, `{"all":true}`); rec.Code != 200 {
		t.Fatalf("invalidate: %d", rec.Code)
	}
	if rec := f.do(t, "GET", "/api/v1/admin/compliance?from=2026-12-01&to=2026-12-03&format=csv", f.token(t, "vera", auth.RoleViewer), ""); rec.Code != 403 {
		t.Errorf("compliance as a viewer: %d, want 403", rec.Code)
	}
	rec := f.do(t, "GET", "/api/v1/admin/compliance?from=2026-12-01&to=2026-12-03&format=csv", admin, "")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", rec.Code, rec.Header())
	}
	rows, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != strings.Join(compliance.CSVHeader, ",") {
		t.Errorf("header %v", rows[0])
	}
	var actions, chains int
	for _, r := range rows[1:] {
		switch r[0] {
		case "action":
			actions++
		case "chain":
			chains++
		}
	}
	if actions != 2 || chains != 3 {
		t.Errorf("csv: %d action rows and %d chain rows, want 2 and 3:\n%v", actions, chains, rows)
	}
	rec = f.do(t, "GET", "/api/v1/admin/compliance?from=2026-12-01&to=2026-12-03", admin, "")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || !strings.Contains(rec.Body.String(), "every day verifies") {
		t.Errorf("html: %d %s", rec.Code, rec.Header())
	}
	for _, q := range []string{"from=2026-10-01&to=2026-12-03", "from=2026-12-03&to=2026-12-01", "from=2026-12-01&to=2026-12-03&format=pdf", "to=2026-12-03"} {
		rec := f.do(t, "GET", "/api/v1/admin/compliance?"+q, admin, "")
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "detail") {
			t.Errorf("%s: %d %s, want 400 with a reason", q, rec.Code, rec.Body)
		}
	}
	if rec := f.do(t, "GET", "/api/v1/admin/compliance?from=2026-10-01&to=2026-12-03", admin, ""); !strings.Contains(rec.Body.String(), "at most 31 days") {
		t.Errorf("too long a period: %s, want it to say at most 31 days", rec.Body)
	}
}

// Without AUDIT_BUCKET (development) the routes say the trail is not configured.
func TestTrailNotConfigured(t *testing.T) {
	f := newFixture(t)
	admin := f.token(t, "ada", auth.RoleAdmin)
	for _, p := range []string{"/api/v1/admin/audit/verify?day=2026-12-03", "/api/v1/admin/compliance?from=2026-12-01&to=2026-12-01"} {
		if rec := f.do(t, "GET", p, admin, ""); rec.Code != 503 || !strings.Contains(rec.Body.String(), "AUDIT_BUCKET") {
			t.Errorf("%s: %d %s, want 503 naming AUDIT_BUCKET", p, rec.Code, rec.Body)
		}
	}
}
