package docscheck

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// module is the root module's path; infra/cdk's module shares its prefix.
const module = "github.com/resync/resync"

// maxReadmeLines is the README's budget: a newcomer's page, not a manual.
const maxReadmeLines = 260

// pages are the documents whose backticked paths and make targets must be
// true. README.md is first; the others are the pages it points to.
var pages = []string{
	"README.md",
	"docs/deploy.md",
	"infra/local/README.md",
	"shared/app/offline/README.md",
	"shared/edge/config/README.md",
}

// pathPrefixes are the top-level folders a repository path may start with.
var pathPrefixes = []string{"shared/", "functions/", "infra/", "scripts/", "docs/", "internal/", "events/", "web/"}

// packageHeading opens the README's package table; the table runs to the
// next heading of the same level.
const packageHeading = "## Packages"

func TestReadmeLength(t *testing.T) {
	readme := readFile(t, "README.md")
	if n := lineCount(readme); n > maxReadmeLines {
		t.Errorf("README.md has %d lines, want at most %d: move details beside their code", n, maxReadmeLines)
	}
}

func TestPackageTable(t *testing.T) {
	root := repoRoot(t)
	pkgs := goList(t, root)
	pkgs = append(pkgs, goList(t, filepath.Join(root, "infra", "cdk"))...)
	missing, unknown := packageTableProblems(readFile(t, "README.md"), pkgs)
	for _, p := range missing {
		t.Errorf("README.md: package %s is missing from the table under %q", p, packageHeading)
	}
	for _, p := range unknown {
		t.Errorf("README.md: the package table lists %s, which is not a package of the repository", p)
	}
}

func TestPathsExist(t *testing.T) {
	root := repoRoot(t)
	for _, page := range pages {
		for _, p := range badPaths(root, readFile(t, page)) {
			t.Errorf("%s names `%s`, which does not exist", page, p)
		}
	}
}

func TestMakeTargets(t *testing.T) {
	targets := makefileTargets(readFile(t, "Makefile"))
	if len(targets) == 0 {
		t.Fatal("found no target in the Makefile; the parser is wrong")
	}
	for _, page := range pages {
		for _, tg := range unknownTargets(readFile(t, page), targets) {
			t.Errorf("%s names `make %s`, which is not a target of the Makefile", page, tg)
		}
	}
}

// TestChecksCatchMistakes proves each check above can fail, on a README
// with one mistake of each kind in a repository of one package.
func TestChecksCatchMistakes(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "shared", "domain", "workload"), 0o755); err != nil {
		t.Fatal(err)
	}
	readme := strings.Join([]string{
		"# Resync",
		"Read `shared/domain/workload` and `shared/domain/nothere/`; run `make dev` or `make deploy-all`.",
		"",
		"## Packages",
		"",
		"| package | what it is |",
		"|---|---|",
		"| `shared/domain/workload` | the domain |",
		"| `shared/domain/gone` | removed last week |",
		"",
		"## Next",
		"```sh",
		"scripts/missing.sh && make build synth",
		"```",
	}, "\n") + strings.Repeat("\nfiller", maxReadmeLines)

	if n := lineCount(readme); n <= maxReadmeLines {
		t.Errorf("lineCount = %d, want more than %d", n, maxReadmeLines)
	}
	missing, unknown := packageTableProblems(readme, []string{module + "/shared/domain/workload", module + "/shared/edge/routes"})
	if want := []string{"shared/edge/routes"}; !slices.Equal(missing, want) {
		t.Errorf("missing packages = %q, want %q", missing, want)
	}
	if want := []string{"shared/domain/gone"}; !slices.Equal(unknown, want) {
		t.Errorf("unknown packages = %q, want %q", unknown, want)
	}
	// The table's stale row is a bad path too.
	if got, want := badPaths(root, readme), []string{"shared/domain/nothere/", "shared/domain/gone", "scripts/missing.sh"}; !slices.Equal(got, want) {
		t.Errorf("badPaths = %q, want %q", got, want)
	}
	targets := makefileTargets(".PHONY: dev build\ndev: ## run\n\t@scripts/dev.sh\nbuild: ## build\nX := 1\n")
	if got, want := unknownTargets(readme, targets), []string{"deploy-all", "synth"}; !slices.Equal(got, want) {
		t.Errorf("unknownTargets = %q, want %q (targets %v)", got, want, targets)
	}
}

func TestBadPathsPatterns(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"functions/chat", "events/chat", "shared/adapter/graph/x"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "events", "chat", "a.json"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		bad  []string
	}{
		{"`functions/<fn>/`", nil},
		{"`events/<fn>/*.json`", nil},
		{"`events/<fn>/*.yaml`", []string{"events/<fn>/*.yaml"}},
		{"`go test ./shared/adapter/graph/...`", nil},
		{"`shared/adapter/...`", nil},
		{"`shared/nothing/...`", []string{"shared/nothing/..."}},
		{"(`functions/chat`),", nil},
		{"`POST /api/v1/jobs`, `https://example.com/functions/x`", nil},
		{"```\nfunctions/chat/main.go\n```", []string{"functions/chat/main.go"}},
	}
	for _, tt := range tests {
		if got := badPaths(root, tt.text); !slices.Equal(got, tt.bad) {
			t.Errorf("badPaths(%q) = %q, want %q", tt.text, got, tt.bad)
		}
	}
}

// lineCount counts lines as wc -l would, plus a last line without newline.
func lineCount(text string) int {
	n := strings.Count(text, "\n")
	if text != "" && !strings.HasSuffix(text, "\n") {
		n++
	}
	return n
}

// packageTableProblems compares the README's package table with pkgs
// (import paths): missing are packages the table lacks, unknown are rows
// that name no package. Both are paths relative to the repository root.
func packageTableProblems(readme string, pkgs []string) (missing, unknown []string) {
	listed := map[string]bool{}
	for _, p := range packageTable(readme) {
		listed[p] = true
	}
	want := map[string]bool{}
	for _, p := range pkgs {
		rel := strings.TrimPrefix(strings.TrimPrefix(p, module), "/")
		want[rel] = true
		if !listed[rel] {
			missing = append(missing, rel)
		}
	}
	for _, p := range packageTable(readme) {
		if !want[p] {
			unknown = append(unknown, p)
		}
	}
	slices.Sort(missing)
	return missing, unknown
}

// packageTable returns the first backticked cell of each row of the table
// under packageHeading, without a trailing slash.
func packageTable(readme string) []string {
	var rows []string
	in := false
	for line := range strings.SplitSeq(readme, "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			in = strings.TrimSpace(line) == packageHeading
		case in && strings.HasPrefix(line, "| `"):
			cell, _, _ := strings.Cut(strings.TrimPrefix(line, "| `"), "`")
			rows = append(rows, strings.TrimSuffix(cell, "/"))
		}
	}
	return rows
}

var codeSpan = regexp.MustCompile("`([^`\n]+)`")

// codeWords returns the whitespace-separated words of a Markdown text's
// code, in the order they appear, one slice per line of a fenced block and
// per inline code span (a span does not cross a line).
func codeWords(text string) [][]string {
	var groups [][]string
	fenced := false
	for line := range strings.SplitSeq(text, "\n") {
		switch {
		case strings.HasPrefix(strings.TrimSpace(line), "```"):
			fenced = !fenced
		case fenced:
			groups = append(groups, strings.Fields(line))
		default:
			for _, m := range codeSpan.FindAllStringSubmatch(line, -1) {
				groups = append(groups, strings.Fields(m[1]))
			}
		}
	}
	return groups
}

// Placeholders in documented paths: <fn>, {name}.
var placeholder = regexp.MustCompile(`<[^>/]+>|\{[^}/]+\}`)

// badPaths returns the repository paths in text's code that do not exist
// under root, as written. A path may hold placeholders (<fn>, {name}) and
// wildcards, which must match at least one file, or end in /..., whose
// prefix must exist.
func badPaths(root, text string) []string {
	var bad []string
	seen := map[string]bool{}
	for _, w := range slices.Concat(codeWords(text)...) {
		p := strings.Trim(w, `"'(),;:`)
		p = strings.TrimPrefix(p, "./")
		if !hasPathPrefix(p) || seen[p] {
			continue
		}
		seen[p] = true
		if !pathExists(root, p) {
			bad = append(bad, p)
		}
	}
	return bad
}

func hasPathPrefix(p string) bool {
	for _, pre := range pathPrefixes {
		if strings.HasPrefix(p, pre) {
			return true
		}
	}
	return false
}

func pathExists(root, p string) bool {
	if prefix, ok := strings.CutSuffix(p, "/..."); ok {
		p = prefix
	}
	p = strings.TrimSuffix(p, ".")
	pattern := placeholder.ReplaceAllString(p, "*")
	if strings.ContainsAny(pattern, "*?[") {
		matches, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(pattern)))
		return err == nil && len(matches) > 0
	}
	_, err := os.Stat(filepath.Join(root, filepath.FromSlash(p)))
	return err == nil
}

var makeTarget = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// unknownTargets returns the targets named after `make` in text's code
// (`make build synth` names two) that are not in targets.
func unknownTargets(text string, targets map[string]bool) []string {
	var unknown []string
	for _, words := range codeWords(text) {
		for i, w := range words {
			if w != "make" {
				continue
			}
			for _, tg := range words[i+1:] {
				if tg == "make" || !makeTarget.MatchString(tg) {
					break
				}
				if !targets[tg] && !slices.Contains(unknown, tg) {
					unknown = append(unknown, tg)
				}
			}
		}
	}
	return unknown
}

var ruleLine = regexp.MustCompile(`^([A-Za-z0-9_.-]+)\s*:([^=]|$)`)

// makefileTargets returns the names of the rules a Makefile defines.
func makefileTargets(makefile string) map[string]bool {
	targets := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(makefile))
	for sc.Scan() {
		if m := ruleLine.FindStringSubmatch(sc.Text()); m != nil && !strings.HasPrefix(m[1], ".") {
			targets[m[1]] = true
		}
	}
	return targets
}

// repoRoot returns the repository root: two levels above this package,
// checked by the root module's go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatalf("find the repository root: %v", err)
	}
	if !strings.HasPrefix(string(mod), "module "+module+"\n") {
		t.Fatalf("%s/go.mod is not module %s", root, module)
	}
	return root
}

// readFile reads a file named relative to the repository root.
func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), filepath.FromSlash(name)))
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return string(b)
}

// goList returns the import paths of the packages of the module in dir.
// -find skips resolving imports, so the CDK module's jsii dependencies need
// not be downloaded.
func goList(t *testing.T, dir string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-find", "-f", "{{.ImportPath}}", "./...")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list ./... in %s: %v\n%s", dir, err, stderr)
	}
	pkgs := strings.Fields(string(out))
	if len(pkgs) == 0 {
		t.Fatalf("go list ./... in %s listed no package", dir)
	}
	return pkgs
}
