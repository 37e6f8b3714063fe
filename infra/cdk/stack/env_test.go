package stack

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// configConstants parses the root module's shared/edge/config package (without
// importing it, which would tie this module to every driver it uses) and
// returns its string constants named Env*.
func configConstants(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("../../../shared/edge/config/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("shared/edge/config sources: %v (found %d files)", err, len(files))
	}
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", f, err)
		}
		for _, d := range file.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !strings.HasPrefix(n.Name, "Env") || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						out[n.Name], _ = strconv.Unquote(lit.Value)
					}
				}
			}
		}
	}
	return out
}

func TestEnvNamesMatchSharedConfig(t *testing.T) {
	cfg := configConstants(t)
	for name, value := range sharedEnv() {
		got, ok := cfg[name]
		if !ok {
			t.Errorf("shared/edge/config has no %s (this stack sets %s)", name, value)
			continue
		}
		if got != value {
			t.Errorf("%s: shared/edge/config says %q, this stack sets %q", name, got, value)
		}
	}
	// The stack's own variable must not mean something else there.
	for name, cv := range cfg {
		if cv == EnvMetricsNamespace {
			t.Errorf("shared/edge/config now defines %s as %s; move it to the shared list", cv, name)
		}
	}
}
