package layers

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// module is the root module's path.
const module = "github.com/resync/resync"

// The layers, as import-path prefixes.
const (
	domainPrefix  = module + "/shared/domain/"
	adapterPrefix = module + "/shared/adapter/"
	appPrefix     = module + "/shared/app/"
	edgePrefix    = module + "/shared/edge/"
)

// drivers are the import-path prefixes of the clients of external systems:
// only adapters (and the wiring in functions/ and shared/edge) may import them.
var drivers = []string{
	"github.com/redis/go-redis/",
	"github.com/go-redis/",
	"github.com/neo4j/neo4j-go-driver/",
	"github.com/aws/aws-sdk-go-v2/service/",
}

// domainLibraries are the libraries the domain may use besides the standard
// library: pure algorithms with no I/O and no state, which the domain would
// otherwise have to copy by hand.
var domainLibraries = []string{
	"github.com/hbollon/go-edlib", // edit distances for misspellings (workload.Nearest)
}

// edge is one import: From imports To.
type edge struct{ From, To string }

// debt is what still breaks a rule, each pair with the reason; it is empty
// now, and may only shrink: TestImportRules fails when a pair here is no
// longer imported. Shorten the paths with the module prefix left off.
var debt = map[edge]string{}

// short leaves the module prefix off a path, as the debt list writes it.
func short(p string) string { return strings.TrimPrefix(p, module+"/") }

func hasPrefix(p string, prefixes ...string) bool {
	for _, pre := range prefixes {
		if strings.HasPrefix(p+"/", pre) {
			return true
		}
	}
	return false
}

// standard reports whether p is a standard-library path: its first element
// has no dot (the rule cmd/go uses).
func standard(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return !strings.Contains(first, ".")
}

// related reports whether two adapter paths are one adapter: one is the
// other or lies below it (hwa/hwasim and hwa).
func related(a, b string) bool {
	return a == b || strings.HasPrefix(a, b+"/") || strings.HasPrefix(b, a+"/")
}

// broken returns the rule that from importing to breaks, or "".
func broken(from, to string) string {
	switch {
	case hasPrefix(from, domainPrefix):
		if !standard(to) && !hasPrefix(to, domainPrefix) && !hasPrefix(to, domainLibraries...) {
			return "a domain package imports only the standard library and other domain packages"
		}
	case hasPrefix(from, adapterPrefix):
		switch {
		case hasPrefix(to, adapterPrefix) && !related(from, to):
			return "an adapter imports no other adapter"
		case hasPrefix(to, appPrefix):
			return "an adapter imports no application service"
		case hasPrefix(to, edgePrefix):
			return "an adapter imports no edge package"
		}
	case hasPrefix(from, appPrefix):
		switch {
		case hasPrefix(to, drivers...):
			return "an application service imports no driver"
		case hasPrefix(to, adapterPrefix):
			return "an application service imports no adapter"
		case hasPrefix(to, edgePrefix):
			return "an application service imports no edge package"
		}
	}
	return ""
}

// check applies the rules to graph (package → its imports) with the debt
// list allowed. It returns the imports that break a rule and are not on the
// list, and the list's entries that no import needs any more, both sorted.
func check(graph map[string][]string, allowed map[edge]string) (violations, stale []string) {
	used := map[edge]bool{}
	for from, imports := range graph {
		for _, to := range imports {
			rule := broken(from, to)
			if rule == "" {
				continue
			}
			e := edge{short(from), short(to)}
			if _, ok := allowed[e]; ok {
				used[e] = true
				continue
			}
			violations = append(violations, fmt.Sprintf("%s imports %s: %s", e.From, e.To, rule))
		}
	}
	for e := range allowed {
		if !used[e] {
			stale = append(stale, fmt.Sprintf("%s → %s", e.From, e.To))
		}
	}
	slices.Sort(violations)
	slices.Sort(stale)
	return violations, stale
}

// importGraph lists every package of the root module with its production
// imports.
func importGraph(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list %s/...: %v\n%s", module, err, stderr)
	}
	graph := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) > 0 {
			graph[f[0]] = f[1:]
		}
	}
	for _, p := range []string{domainPrefix + "workload", adapterPrefix + "hwa", appPrefix + "agent", edgePrefix + "setup"} {
		if _, ok := graph[p]; !ok {
			t.Fatalf("go list did not list %s: the layer paths here are out of date", p)
		}
	}
	return graph
}

// touchSources stats every Go file and go.mod of the module and lists every
// folder, so that go test's cache, which cannot see what go list reads,
// reruns the test when an import changes.
func touchSources(t *testing.T) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == ".git" || n == "node_modules" || n == "cdk.out" || n == "vendor" {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".go") || d.Name() == "go.mod" {
			_, err = os.Stat(p)
		}
		return err
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
}

func TestImportRules(t *testing.T) {
	touchSources(t)
	violations, stale := check(importGraph(t), debt)
	for _, v := range violations {
		t.Errorf("%s", v)
	}
	for _, s := range stale {
		t.Errorf("debt entry %s is no longer needed: delete it from the list", s)
	}
}

func TestDebtHasReasons(t *testing.T) {
	for e, why := range debt {
		if strings.TrimSpace(why) == "" {
			t.Errorf("debt entry %s → %s has no reason", e.From, e.To)
		}
		if rule := broken(module+"/"+e.From, fullPath(e.To)); rule == "" {
			t.Errorf("debt entry %s → %s breaks no rule: delete it", e.From, e.To)
		}
	}
}

// fullPath puts the module prefix back on a path of the module.
func fullPath(p string) string {
	if strings.HasPrefix(p, "shared/") || strings.HasPrefix(p, "functions/") || strings.HasPrefix(p, "internal/") || strings.HasPrefix(p, "infra/") {
		return module + "/" + p
	}
	return p
}

// TestRulesCatchMistakes feeds check synthetic graphs and shows each rule
// failing, each exception holding, and a stale debt entry reported.
func TestRulesCatchMistakes(t *testing.T) {
	const (
		workload = module + "/shared/domain/workload"
		frames   = module + "/shared/domain/frames"
		hwa      = module + "/shared/adapter/hwa"
		hwasim   = module + "/shared/adapter/hwa/hwasim"
		graph    = module + "/shared/adapter/graph"
		audit    = module + "/shared/adapter/redis/audit"
		cache    = module + "/shared/adapter/redis/cache"
		agent    = module + "/shared/app/agent"
		planview = module + "/shared/app/planview"
		auth     = module + "/shared/edge/auth"
		chat     = module + "/functions/chat"
		goredis  = "github.com/redis/go-redis/v9"
		neo4j    = "github.com/neo4j/neo4j-go-driver/v5/neo4j"
		s3       = "github.com/aws/aws-sdk-go-v2/service/s3"
		awscore  = "github.com/aws/aws-sdk-go-v2/aws"
	)
	tests := []struct {
		name           string
		graph          map[string][]string
		debt           map[edge]string
		wantViolations int
		wantStale      int
	}{
		{"clean layers", map[string][]string{
			workload: {"context", "time"},
			frames:   {"encoding/json", workload},
			hwa:      {"net/http", workload},
			hwasim:   {hwa, workload},
			graph:    {neo4j, workload},
			agent:    {"context", workload, frames, planview},
			chat:     {goredis, hwa, agent, auth},
		}, nil, 0, 0},
		{"domain imports a driver", map[string][]string{workload: {"context", goredis}}, nil, 1, 0},
		{"domain imports any non-standard module", map[string][]string{workload: {"golang.org/x/sync/errgroup"}}, nil, 1, 0},
		{"domain imports an adapter", map[string][]string{workload: {hwa}}, nil, 1, 0},
		{"domain imports an app package", map[string][]string{frames: {agent}}, nil, 1, 0},
		{"adapter imports another adapter", map[string][]string{audit: {cache}}, nil, 1, 0},
		{"adapter imports its parent", map[string][]string{hwasim: {hwa}}, nil, 0, 0},
		{"adapter imports its subpackage", map[string][]string{hwa: {hwasim}}, nil, 0, 0},
		{"adapter imports an app package", map[string][]string{hwa: {planview}}, nil, 1, 0},
		{"adapter imports an edge package", map[string][]string{graph: {auth}}, nil, 1, 0},
		{"app imports go-redis", map[string][]string{agent: {goredis}}, nil, 1, 0},
		{"app imports neo4j", map[string][]string{agent: {neo4j}}, nil, 1, 0},
		{"app imports an aws service client", map[string][]string{agent: {s3}}, nil, 1, 0},
		{"app imports aws core, not a client", map[string][]string{agent: {awscore}}, nil, 0, 0},
		{"app imports an adapter", map[string][]string{agent: {hwa}}, nil, 1, 0},
		{"app imports an edge package", map[string][]string{agent: {auth}}, nil, 1, 0},
		{"app imports app and domain", map[string][]string{agent: {planview, frames}}, nil, 0, 0},
		{"debt allows a listed import", map[string][]string{agent: {goredis, hwa}},
			map[edge]string{{"shared/app/agent", goredis}: "why"}, 1, 0},
		{"debt entry no longer needed", map[string][]string{agent: {frames}},
			map[edge]string{{"shared/app/agent", goredis}: "why"}, 0, 1},
		{"debt entry of a package that went away", map[string][]string{},
			map[edge]string{{"shared/app/gone", goredis}: "why"}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			violations, stale := check(tt.graph, tt.debt)
			if len(violations) != tt.wantViolations {
				t.Errorf("violations = %q, want %d", violations, tt.wantViolations)
			}
			if len(stale) != tt.wantStale {
				t.Errorf("stale = %q, want %d", stale, tt.wantStale)
			}
		})
	}
}
