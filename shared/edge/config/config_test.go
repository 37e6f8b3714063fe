package config

import (
	"strings"
	"testing"
	"time"

	"github.com/resync/resync/shared/edge/stage"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadReportsEveryProblem(t *testing.T) {
	_, err := Load(env(map[string]string{EnvStage: "staging", EnvHWATimeout: "-1s", EnvHWAInsecure: "maybe"}), Need{HWA: true, Redis: true, Auth: true})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{EnvStage, EnvHWATimeout, EnvHWAInsecure, EnvHWAURL, EnvRedisURL, EnvAuthIssuer, EnvAuthClientID} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(map[string]string{
		EnvHWAURL: "https://mdm:31116", EnvRedisURL: "redis://127.0.0.1:6379",
		EnvAuthIssuer: "https://cognito-idp.eu-west-1.amazonaws.com/pool", EnvAuthClientID: "abc",
	}), Need{HWA: true, Redis: true, Auth: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Stage != stage.Development || c.HWA.Timeout != 10*time.Second || c.HWA.Insecure {
		t.Errorf("defaults: %+v", c)
	}
	if c.Auth.JWKSURL != "https://cognito-idp.eu-west-1.amazonaws.com/pool/.well-known/jwks.json" {
		t.Errorf("JWKS URL = %q", c.Auth.JWKSURL)
	}
}

func TestBadURLs(t *testing.T) {
	_, err := Load(env(map[string]string{EnvHWAURL: "mdm:31116", EnvRedisURL: "127.0.0.1:6379"}), Need{HWA: true, Redis: true})
	if err == nil || !strings.Contains(err.Error(), EnvHWAURL) || !strings.Contains(err.Error(), EnvRedisURL) {
		t.Errorf("err = %v", err)
	}
}

func TestStageSettings(t *testing.T) {
	c, err := Load(env(map[string]string{EnvStage: "production", EnvHWAURL: "https://x", EnvHWAInsecure: "true", EnvAuthHS256: "s", EnvDevTokenEndpoint: "true"}), Need{HWA: true})
	if err != nil {
		t.Fatal(err)
	}
	s := c.StageSettings(Need{HWA: true})
	if len(s.InsecureTLS) != 1 || !s.DevTokenEndpoint || !s.HS256Key || s.Secrets["HWA credentials"] != "" {
		t.Errorf("settings = %+v", s)
	}
	err = stage.Check(t.Context(), s)
	if err == nil {
		t.Fatal("production accepted unsafe settings")
	}
	for _, want := range []string{"HWA_INSECURE_TLS", "token", "HS256", "HWA credentials", "Redis"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("stage error does not name %q: %v", want, err)
		}
	}
}

func TestCacheSettings(t *testing.T) {
	c, err := Load(env(map[string]string{EnvCacheTTLs: "summary=2s, list=1m", EnvCacheMaxEntries: "500", EnvCacheMaxBytes: "1048576", EnvCacheRedisTimeout: "250ms"}), Need{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Cache.TTL["summary"] != 2*time.Second || c.Cache.TTL["list"] != time.Minute || c.Cache.MaxEntries != 500 || c.Cache.MaxBytes != 1<<20 {
		t.Errorf("cache = %+v", c.Cache)
	}
	if got := c.CacheConfig().RedisTimeout; got != 250*time.Millisecond {
		t.Errorf("cache Redis timeout: got %v, want 250ms", got)
	}
	_, err = Load(env(map[string]string{EnvCacheTTLs: "summary=fast", EnvCacheMaxEntries: "-1", EnvCacheMaxBytes: "lots", EnvCacheRedisTimeout: "0s"}), Need{})
	for _, want := range []string{EnvCacheTTLs, EnvCacheMaxEntries, EnvCacheMaxBytes, EnvCacheRedisTimeout} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

// TestRedisHonoursDeadlines: the client of the functions cuts a command at
// its context's deadline (the cache's per-call bound relies on it).
func TestRedisHonoursDeadlines(t *testing.T) {
	rdb, err := Common{RedisURL: "redis://127.0.0.1:1/0"}.Redis()
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if !rdb.Options().ContextTimeoutEnabled {
		t.Error("ContextTimeoutEnabled: got false, want true")
	}
}
