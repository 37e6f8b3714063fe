package cached

import "testing"

// TestTierNames pins the names logs and metrics use.
func TestTierNames(t *testing.T) {
	tests := []struct {
		tier Tier
		want string
	}{{TierLocal, "local"}, {TierRedis, "redis"}, {TierLoad, "load"}, {TierStale, "stale"}, {0, "unknown"}, {Tier(9), "unknown"}}
	for _, tt := range tests {
		if got := tt.tier.String(); got != tt.want {
			t.Errorf("Tier(%d).String() = %q, want %q", tt.tier, got, tt.want)
		}
	}
}
