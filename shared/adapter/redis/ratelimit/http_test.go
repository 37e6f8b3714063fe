package ratelimit

import (
	"strings"
	"testing"
	"time"
)

func TestForHTTP(t *testing.T) {
	for _, tt := range []struct {
		method    string
		anonymous bool
		want      Kind
	}{
		{"GET", false, KindHTTPRead},
		{"HEAD", false, KindHTTPRead},
		{"POST", false, KindHTTPWrite},
		{"DELETE", false, KindHTTPWrite},
		{"PUT", false, KindHTTPWrite},
		{"GET", true, KindHTTPAnonymous},
		{"POST", true, KindHTTPAnonymous},
	} {
		got := ForHTTP(tt.method, tt.anonymous)
		if got != tt.want {
			t.Errorf("ForHTTP(%s, %v) = %s, want %s", tt.method, tt.anonymous, got, tt.want)
		}
		if _, ok := DefaultRules()[got]; !ok {
			t.Errorf("kind %s has no rule in DefaultRules", got)
		}
	}
}

func TestParseRules(t *testing.T) {
	rules, err := ParseRules(" http-read=6000/1m , confirm=5/1m:2,")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rules[KindHTTPRead], (Rule{Rate: 6000, Period: time.Minute}); got != want {
		t.Errorf("http-read = %+v, want %+v", got, want)
	}
	if got, want := rules[KindConfirm], (Rule{Rate: 5, Period: time.Minute, Burst: 2}); got != want {
		t.Errorf("confirm = %+v, want %+v", got, want)
	}
	if got := rules[KindMessage]; got != DefaultRules()[KindMessage] {
		t.Errorf("message = %+v, want the default", got)
	}
	_, err = ParseRules("bogus=1/1m,http-write=0/1m,http-read=1/soon,ping")
	for _, want := range []string{`"bogus=1/1m"`, `"http-write=0/1m"`, `"http-read=1/soon"`, `"ping"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}

// TestHTTPRuleRefusesAfterBurst: the http-write rule lets one user's burst
// through, refuses the next request with a retry time, and keeps another
// user's budget whole.
func TestHTTPRuleRefusesAfterBurst(t *testing.T) {
	l, _ := miniLimiter(t, nil)
	ctx := t.Context()
	burst := DefaultRules()[KindHTTPWrite].Burst
	for i := 0; i < burst; i++ {
		d, err := l.Allow(ctx, KindHTTPWrite, "otto")
		if err != nil || !d.Allowed {
			t.Fatalf("request %d of the burst: %+v %v", i+1, d, err)
		}
	}
	d, err := l.Allow(ctx, KindHTTPWrite, "otto")
	if err != nil || d.Allowed || d.RetryAfter <= 0 {
		t.Fatalf("request past the burst: %+v %v, want refused with a retry time", d, err)
	}
	if d, err := l.Allow(ctx, KindHTTPWrite, "vera"); err != nil || !d.Allowed {
		t.Errorf("another user: %+v %v, want allowed", d, err)
	}
}
