package stage

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Stage
		wantErr bool
	}{
		{"", Development, false},
		{"development", Development, false},
		{"DEV", Dev, false},
		{"test", Test, false},
		{"production", Production, false},
		{" Prod ", Production, false},
		{"staging", "", true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("Parse(%q) = %q, %v; want %q, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestCheck(t *testing.T) {
	ok := func(context.Context) error { return nil }
	down := func(context.Context) error { return errors.New("dial tcp 10.0.0.1:6379: i/o timeout") }
	unsafe := Settings{
		InsecureTLS:      []string{"HWA_INSECURE_TLS"},
		DevTokenEndpoint: true,
		HS256Key:         true,
		PlainCredentials: []string{"REDIS_URL"},
		Secrets:          map[string]string{"HWA_PASSWORD": "", "NEO4J_PASSWORD": "", "PRESENT": "x"},
		RedisPing:        down,
	}
	tests := []struct {
		name string
		s    Settings
		want []string // problems, in order; nil means no error
	}{
		{"development allows anything", with(unsafe, Development), nil},
		{"test allows anything", with(unsafe, Test), nil},
		{"the AWS dev stage is checked as production", Settings{Stage: Dev}, []string{"Redis is not configured"}},
		{"safe production", Settings{Stage: Production, Secrets: map[string]string{"HWA_PASSWORD": "p"}, RedisPing: ok}, nil},
		{"every problem named", with(unsafe, Production), []string{
			"insecure TLS switch HWA_INSECURE_TLS is on",
			"dev token endpoint is enabled",
			"an HS256 signing key is configured (use the identity provider's JWKS)",
			"REDIS_URL carries a credential in plain text (use its secret)",
			"secret HWA_PASSWORD is missing",
			"secret NEO4J_PASSWORD is missing",
			"Redis is unreachable: dial tcp 10.0.0.1:6379: i/o timeout",
		}},
		{"no redis", Settings{Stage: Production}, []string{"Redis is not configured"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(context.Background(), tt.s)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			var ue *UnsafeError
			if !errors.As(err, &ue) {
				t.Fatalf("Check = %v, want *UnsafeError", err)
			}
			if !slices.Equal(ue.Problems, tt.want) {
				t.Errorf("problems =\n  %q\nwant\n  %q", ue.Problems, tt.want)
			}
			for _, p := range tt.want {
				if !strings.Contains(err.Error(), p) {
					t.Errorf("error text %q does not name %q", err, p)
				}
			}
			if strings.Contains(err.Error(), "PRESENT") {
				t.Errorf("error names a secret that is present: %v", err)
			}
		})
	}
}

func with(s Settings, st Stage) Settings { s.Stage = st; return s }
