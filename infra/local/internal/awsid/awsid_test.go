package awsid

import (
	"net/http/httptest"
	"regexp"
	"testing"
)

func TestShapes(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	gateway := regexp.MustCompile(`^[A-Za-z0-9]{15}=$`)
	seen := map[string]bool{}
	for range 200 {
		u, g := UUID(), Gateway()
		if !uuid.MatchString(u) {
			t.Fatalf("UUID() = %q, not a version 4 UUID", u)
		}
		if !gateway.MatchString(g) {
			t.Fatalf("Gateway() = %q, not 15 URL-safe characters and '='", g)
		}
		if seen[u] || seen[g] {
			t.Fatalf("an id came twice: %q %q", u, g)
		}
		seen[u], seen[g] = true, true
	}
}

func TestSourceIP(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"192.0.2.1:4321", "192.0.2.1"},
		{"[2001:db8::1]:443", "2001:db8::1"},
		{"192.0.2.1", "192.0.2.1"},
		{"", ""},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if got := SourceIP(r); got != tt.want {
			t.Errorf("SourceIP(%q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}
