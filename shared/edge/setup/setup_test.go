package setup

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/resync/resync/shared/edge/auth"
	"github.com/resync/resync/shared/edge/config"
	"github.com/resync/resync/shared/edge/routes"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestNewReportsEveryMissingSetting(t *testing.T) {
	_, err := New(context.Background(), "status", env(nil), &bytes.Buffer{}, config.Need{HWA: true, Redis: true, Auth: true})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"status:", "HWA_URL", "REDIS_URL", "AUTH_ISSUER", "AUTH_CLIENT_ID"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestProductionRefusesUnsafeSettings(t *testing.T) {
	_, err := New(context.Background(), "status", env(map[string]string{
		config.EnvStage: "production", config.EnvHWAURL: "https://mdm:31116", config.EnvHWAInsecure: "true",
		config.EnvRedisURL: "redis://127.0.0.1:1", config.EnvAuthIssuer: "iss", config.EnvAuthClientID: "cid",
		config.EnvAuthHS256: "0123456789abcdef0123456789abcdef", config.EnvDevTokenEndpoint: "true",
	}), &bytes.Buffer{}, config.Need{HWA: true, Redis: true, Auth: true})
	if err == nil {
		t.Fatal("production accepted unsafe settings")
	}
	for _, want := range []string{"HWA_INSECURE_TLS", "dev token", "HS256", "HWA credentials", "Redis"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q: %v", want, err)
		}
	}
}

func TestDevelopmentBuilds(t *testing.T) {
	var out bytes.Buffer
	b, err := New(context.Background(), "status", env(map[string]string{
		config.EnvHWAURL: "http://127.0.0.1:9", config.EnvRedisURL: "redis://127.0.0.1:1",
		config.EnvAuthIssuer: "resync-local", config.EnvAuthClientID: "resync-web",
		config.EnvAuthHS256: "0123456789abcdef0123456789abcdef",
	}), &out, config.Need{HWA: true, Redis: true, Auth: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Redis == nil || b.Verifier == nil || b.Log == nil || b.Edge().Refused == nil {
		t.Errorf("base = %+v", b)
	}
}

// TestAWSDevStageIsChecked: the AWS dev stage (STAGE=dev, as the CDK app
// sets it) refuses the same unsafe settings as production; only the local
// stages accept them.
func TestAWSDevStageIsChecked(t *testing.T) {
	unsafe := map[string]string{
		config.EnvHWAURL: "https://mdm:31116", config.EnvHWAUser: "u", config.EnvHWAPassword: "p",
		config.EnvRedisURL: "redis://127.0.0.1:1", config.EnvAuthIssuer: "iss", config.EnvAuthClientID: "cid",
		config.EnvAuthHS256: "0123456789abcdef0123456789abcdef",
	}
	for _, tt := range []struct {
		stage   string
		refused bool
	}{
		{"dev", true}, {"prod", true}, {"development", false}, {"test", false}, {"", false},
	} {
		t.Run("STAGE="+tt.stage, func(t *testing.T) {
			e := map[string]string{config.EnvStage: tt.stage}
			for k, v := range unsafe {
				e[k] = v
			}
			b, err := New(context.Background(), "status", env(e), &bytes.Buffer{}, config.Need{HWA: true, Redis: true, Auth: true})
			if b != nil {
				b.Close()
			}
			if got := err != nil && strings.Contains(err.Error(), "HS256"); got != tt.refused {
				t.Errorf("refused = %v (err %v), want %v", got, err, tt.refused)
			}
		})
	}
}

// TestEdgeLimitsThroughRedis: the Edge that New builds counts HTTP requests
// in Redis with the rule table, RATE_LIMITS' overrides applied, and answers
// 429 past the budget; a malformed RATE_LIMITS stops the start.
func TestEdgeLimitsThroughRedis(t *testing.T) {
	mr := miniredis.RunT(t)
	e := map[string]string{
		config.EnvHWAURL: "http://127.0.0.1:9", config.EnvRedisURL: "redis://" + mr.Addr(),
		config.EnvAuthIssuer: "resync-local", config.EnvAuthClientID: "resync-web",
		config.EnvAuthHS256: "0123456789abcdef0123456789abcdef", config.EnvRateLimits: "http-write=2/1m",
	}
	b, err := New(context.Background(), "admin", env(e), &bytes.Buffer{}, config.Need{Redis: true, Auth: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	m, err := auth.NewMinter([]byte(e[config.EnvAuthHS256]), auth.Config{Issuer: "resync-local", ClientID: "resync-web"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, _ := m.Mint("ada", auth.RoleAdmin)
	h := b.Edge().Wrap(routes.HTTPRoute{Method: "POST", Path: "/api/v1/admin/cache/invalidate", Function: "admin", Role: routes.RoleAdmin},
		func(w http.ResponseWriter, r *http.Request) error { w.WriteHeader(http.StatusNoContent); return nil })
	var codes []int
	for i := 0; i < 3; i++ {
		req := httptest.NewRequest("POST", "/api/v1/admin/cache/invalidate", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		codes = append(codes, rec.Code)
	}
	if codes[0] != 204 || codes[1] != 204 || codes[2] != http.StatusTooManyRequests {
		t.Errorf("statuses %v, want [204 204 429]", codes)
	}

	e[config.EnvRateLimits] = "http-write=lots"
	if _, err := New(context.Background(), "admin", env(e), &bytes.Buffer{}, config.Need{Redis: true, Auth: true}); err == nil || !strings.Contains(err.Error(), config.EnvRateLimits) {
		t.Errorf("malformed RATE_LIMITS: err = %v, want it named", err)
	}
}

func TestClosersCloseLastFirst(t *testing.T) {
	var got []int
	c := Closers{func() { got = append(got, 1) }}
	c = append(c, func() { got = append(got, 2) }, func() { got = append(got, 3) })
	c.Close()
	if want := []int{3, 2, 1}; !slices.Equal(got, want) {
		t.Errorf("closed in order %v, want %v", got, want)
	}
	Closers(nil).Close() // the zero value closes nothing
}
