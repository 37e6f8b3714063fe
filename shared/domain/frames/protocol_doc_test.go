package frames

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// protocolDoc is the WebSocket protocol's page, kept equal to this package
// by TestProtocolDocMatchesFrames.
const protocolDoc = "../../../docs/protocol.md"

// docSection is one "### `name`" section of docs/protocol.md: the rows of
// its table, keyed by the first column's name.
type docSection struct {
	group string            // the "## " heading it is under
	rows  map[string]string // field (or code) → the row's limit column ("" if none)
}

var (
	headingName = regexp.MustCompile("^###\\s+`([^`]+)`")
	rowName     = regexp.MustCompile("^\\|\\s*`([^`]+)`\\s*\\|")
	firstNumber = regexp.MustCompile(`\d+`)
)

// readDoc parses docs/protocol.md into its sections. A table's "limit"
// column, when it has one, is kept per row.
func readDoc(t *testing.T) map[string]docSection {
	t.Helper()
	b, err := os.ReadFile(protocolDoc)
	if err != nil {
		t.Fatalf("the protocol page: %v", err)
	}
	sections := map[string]docSection{}
	var group, cur string
	limitCol := -1
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "## "):
			group, cur = strings.TrimSpace(strings.TrimPrefix(line, "## ")), ""
		case strings.HasPrefix(line, "### "):
			m := headingName.FindStringSubmatch(line)
			if m == nil {
				cur = ""
				continue
			}
			cur = m[1]
			if _, dup := sections[cur]; dup {
				t.Errorf("docs/protocol.md: section %q appears twice", cur)
			}
			sections[cur] = docSection{group: group, rows: map[string]string{}}
			limitCol = -1
		case cur != "" && strings.HasPrefix(line, "|"):
			cells := strings.Split(strings.Trim(line, "|"), "|")
			if m := rowName.FindStringSubmatch(line); m != nil {
				limit := ""
				if limitCol >= 0 && limitCol < len(cells) {
					limit = strings.TrimSpace(cells[limitCol])
				}
				sections[cur].rows[m[1]] = limit
				continue
			}
			for i, c := range cells { // a header row
				if strings.EqualFold(strings.TrimSpace(c), "limit") {
					limitCol = i
				}
			}
		}
	}
	return sections
}

// jsonFieldsOf returns the JSON names of a struct's fields, and the struct
// types it holds (directly, in slices or maps) that the page must describe.
func jsonFieldsOf(t reflect.Type) (fields []string, nested []reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		if n := jsonName(f); n != "" {
			fields = append(fields, n)
		}
		ft := f.Type
		for ft.Kind() == reflect.Slice || ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Map {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeOf(time.Time{}) {
			nested = append(nested, ft)
		}
	}
	return fields, nested
}

// constants returns the string constants of this package whose names start
// with prefix, read from its source, name → value.
func constants(t *testing.T, prefix string) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if !strings.HasPrefix(id.Name, prefix) || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						v, _ := strconv.Unquote(lit.Value)
						out[id.Name] = v
					}
				}
			}
		}
	}
	return out
}

func values(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// TestProtocolDocMatchesFrames fails when docs/protocol.md and this package
// disagree: a frame type, a JSON field, a shared object, an error code or a
// field's limit that one has and the other has not.
func TestProtocolDocMatchesFrames(t *testing.T) {
	doc := readDoc(t)
	seen := map[string]bool{}

	// Every Action*/Type* constant is a frame Parse or the server knows.
	actions, typesList := ClientActions(), ServerTypes()
	sort.Strings(actions)
	sort.Strings(typesList)
	if got := values(constants(t, "Action")); !slices.Equal(got, actions) {
		t.Errorf("Action constants %v, ClientActions %v: keep them equal", got, actions)
	}
	if got := values(constants(t, "Type")); !slices.Equal(got, typesList) {
		t.Errorf("Type constants %v, ServerTypes %v: keep them equal", got, typesList)
	}

	nested := map[reflect.Type]bool{}
	check := func(name, group string, frame any) {
		seen[name] = true
		sec, ok := doc[name]
		if !ok {
			t.Errorf("docs/protocol.md has no section ### `%s` (under ## %s)", name, group)
			return
		}
		if sec.group != group {
			t.Errorf("docs/protocol.md: `%s` is under ## %s, want ## %s", name, sec.group, group)
		}
		fields, inner := jsonFieldsOf(reflect.TypeOf(frame).Elem())
		for _, n := range inner {
			nested[n] = true
		}
		for _, f := range fields {
			limit, ok := sec.rows[f]
			if !ok {
				t.Errorf("docs/protocol.md: `%s` does not describe field %q", name, f)
				continue
			}
			if group == "Client frames" {
				if want := Limit(f); want > 0 && firstNumber.FindString(limit) != strconv.Itoa(want) {
					t.Errorf("docs/protocol.md: `%s`.%s has limit %q, the code says %d bytes", name, f, limit, want)
				}
			}
		}
		for f := range sec.rows {
			if !slices.Contains(fields, f) {
				t.Errorf("docs/protocol.md: `%s` names field %q, which the frame does not have", name, f)
			}
		}
	}
	for _, a := range ClientActions() {
		check(a, "Client frames", ClientFrame(a))
	}
	for _, ty := range ServerTypes() {
		check(ty, "Server frames", ServerFrame(ty))
	}
	for len(nested) > 0 {
		for n := range nested {
			delete(nested, n)
			if !seen[n.Name()] {
				check(n.Name(), "Objects inside frames", reflect.New(n).Interface())
			}
		}
	}

	codes := constants(t, "Code")
	sec, ok := doc["error codes"]
	if !ok {
		t.Fatal("docs/protocol.md has no section ### `error codes`")
	}
	seen["error codes"] = true
	for _, c := range codes {
		if _, ok := sec.rows[c]; !ok {
			t.Errorf("docs/protocol.md does not list error code %q", c)
		}
	}
	for c := range sec.rows {
		if !slices.Contains(values(codes), c) {
			t.Errorf("docs/protocol.md lists error code %q, which the code does not have", c)
		}
	}

	for name := range doc {
		if !seen[name] {
			t.Errorf("docs/protocol.md has a section `%s`, which is no frame type, object or code list of package frames", name)
		}
	}
}
