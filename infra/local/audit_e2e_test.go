package main

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestAuditSurvivesFlush: through the real admin binary behind the stack's
// gateway, with the audit trail in the S3 stand-in's resync-audit bucket, a
// FLUSHALL of Redis loses the admin view's index but no audit record: the
// day's chain still verifies with every record, and the compliance report
// lists them.
func TestAuditSurvivesFlush(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the admin function; skipped with -short")
	}
	s, _ := newStack(t, map[string]string{envBinDir: buildFunctions(t, "admin")})
	if s.redis == nil {
		t.Fatal("the test needs the embedded Redis to flush it")
	}
	admin := mint(t, s, "ada", "admin")
	invalidate := func() {
		t.Helper()
		if resp, b := do(t, "POST", s.url+"/api/v1/admin/cache/invalidate", admin, `{"kind":"summary"}`); resp.StatusCode != 200 {
			t.Fatalf("invalidate: %d %s", resp.StatusCode, b)
		}
	}
	for range 3 {
		invalidate()
	}
	s.redis.FlushAll()
	invalidate()

	// The index (Redis) lost the first three; each invalidation is two
	// records (accepted, then its outcome).
	resp, b := do(t, "GET", s.url+"/api/v1/admin/audit?action=cache:invalidate", admin, "")
	var page struct{ Entries []json.RawMessage }
	if resp.StatusCode != 200 || json.Unmarshal(b, &page) != nil || len(page.Entries) != 2 {
		t.Errorf("index after the flush: %d %s, want the 2 records written since", resp.StatusCode, b)
	}

	day := time.Now().UTC().Format(time.DateOnly)
	resp, b = do(t, "GET", s.url+"/api/v1/admin/audit/verify?day="+day, admin, "")
	var v struct {
		OK      bool `json:"ok"`
		Records int  `json:"records"`
		LastSeq int  `json:"lastSeq"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &v) != nil {
		t.Fatalf("verify: %d %s", resp.StatusCode, b)
	}
	if !v.OK || v.Records != 8 || v.LastSeq != 8 {
		t.Errorf("verify after the flush: %s, want ok with all 8 records", b)
	}

	resp, b = do(t, "GET", s.url+"/api/v1/admin/compliance?format=csv&from="+day+"&to="+day, admin, "")
	if resp.StatusCode != 200 {
		t.Fatalf("compliance: %d %s", resp.StatusCode, b)
	}
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	actions := 0
	for _, r := range rows[1:] {
		if r[0] == "action" && r[3] == "cache:invalidate" && r[2] == "ada" {
			actions++
		}
		if r[0] == "chain" && !strings.HasPrefix(r[8], "ok: 8 records") {
			t.Errorf("chain row %v, want ok: 8 records", r)
		}
	}
	if actions != 8 {
		t.Errorf("compliance report lists %d of ada's invalidation records, want 8:\n%s", actions, b)
	}
}
