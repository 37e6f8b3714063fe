package stack

import (
	"strings"
	"testing"

	"github.com/resync/resync/shared/edge/routes"
)

func TestStagesValid(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Stages() {
		if err := s.validate(); err != nil {
			t.Errorf("stage %s: %v", s.Name, err)
		}
		if seen[s.Name] {
			t.Errorf("stage %s listed twice", s.Name)
		}
		seen[s.Name] = true
	}
	for _, want := range []string{"dev", "prod"} {
		if !seen[want] {
			t.Errorf("no stage %s", want)
		}
	}
}

func TestStageValidateReportsEveryProblem(t *testing.T) {
	err := Stage{}.validate()
	if err == nil {
		t.Fatal("validate of an empty stage: got nil error")
	}
	for _, want := range []string{"empty name", "NATGateways", "CacheNodes", "Bedrock", "no size for function " + routes.Chat} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestStageNamed(t *testing.T) {
	tests := []struct {
		name    string
		wantErr bool
	}{
		{"dev", false},
		{"prod", false},
		{"production", true},
		{"", true},
	}
	for _, tt := range tests {
		got, err := StageNamed(tt.name)
		if (err != nil) != tt.wantErr {
			t.Errorf("StageNamed(%q): got error %v, want error %v", tt.name, err, tt.wantErr)
		}
		if err == nil && got.Name != tt.name {
			t.Errorf("StageNamed(%q): got stage %q", tt.name, got.Name)
		}
	}
}

func TestProdIsLargerThanDev(t *testing.T) {
	dev, _ := StageNamed("dev")
	prod, _ := StageNamed("prod")
	if !prod.Retain || dev.Retain {
		t.Errorf("Retain: dev %v prod %v, want false and true", dev.Retain, prod.Retain)
	}
	if prod.CacheNodes < 2 {
		t.Errorf("prod cache nodes: got %d, want at least 2 for failover", prod.CacheNodes)
	}
	if prod.NATGateways < 2 {
		t.Errorf("prod NAT gateways: got %d, want one per AZ", prod.NATGateways)
	}
}

func TestTitleID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"chat", "Chat"},
		{"health-deep", "HealthDeep"},
		{"topology_sync", "TopologySync"},
		{"a.b", "AB"},
	}
	for _, tt := range tests {
		if got := titleID(tt.in); got != tt.want {
			t.Errorf("titleID(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsAsync(t *testing.T) {
	want := map[string]bool{routes.Ingest: true, routes.Health: true}
	for _, fn := range routes.Functions() {
		if got := isAsync(fn); got != want[fn] {
			t.Errorf("isAsync(%s): got %v, want %v", fn, got, want[fn])
		}
	}
}

func TestFunctionAccessCoversEveryFunction(t *testing.T) {
	table := functionAccess()
	for _, fn := range routes.Functions() {
		if _, ok := table[fn]; !ok {
			t.Errorf("function %s has no access entry", fn)
		}
	}
	if len(table) != len(routes.Functions()) {
		t.Errorf("access table has %d entries, want %d", len(table), len(routes.Functions()))
	}
}

func TestPropsValidate(t *testing.T) {
	dev, _ := StageNamed("dev")
	err := Props{Stage: dev, CodeDir: t.TempDir(), UIOrigin: "http://insecure.example"}.validate()
	if err == nil {
		t.Fatal("validate: got nil error for missing binaries and an http origin")
	}
	for _, want := range []string{"code of chat", "code of health", "make build", "is not https://"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
