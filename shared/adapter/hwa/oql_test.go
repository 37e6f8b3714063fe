package hwa

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/resync/resync/shared/domain/workload"
)

func TestOQLBuilder(t *testing.T) {
	tests := []struct {
		name string
		e    Expr
		want string
	}{
		{"eq", Eq("name", "PAYROLL"), "name = 'PAYROLL'"},
		{"quote doubled", Eq("name", "O'Brien"), "name = 'O''Brien'"},
		{"injection stays inside", Eq("name", "x'] OR 1=1"), "name = 'x''] OR 1=1'"},
		{"backslash literal", Eq("name", `a\'b\`), `name = 'a\''b\'`},
		{"not eq int", NotEq("priority", 10), "priority != 10"},
		{"string kind", Eq("lastRunCommonStatus", workload.CommonError), "lastRunCommonStatus = 'ERROR'"},
		{"bool", Eq("jobOptions.critical", true), "jobOptions.critical = true"},
		{"like", Like("folder", "/FOL@"), "folder LIKE '/FOL@'"},
		{"in", In("folder", "/FOL1", "/FOL2"), "folder IN ['/FOL1','/FOL2']"},
		{"in ints", In("priority", 1, 2), "priority IN [1,2]"},
		{"instant", Gt("schedTime", time.Date(2025, 12, 1, 23, 0, 0, 0, time.UTC)), "schedTime > 2025-12-01T23:00:00.000Z"},
		{"duration", Ge("jobruns.timeInfo.elapsedTime", 4*time.Hour+20*time.Second), "jobruns.timeInfo.elapsedTime >= PT4H20S"},
		{"and", And(Eq("name", "A"), Like("folder", "/F@")), "name = 'A' AND folder LIKE '/F@'"},
		{"and of or parenthesised", And(Eq("id", "x"), Or(Eq("folder", "/FOL"), Like("name", "@EX@"))),
			"id = 'x' AND (folder = '/FOL' OR name LIKE '@EX@')"},
		{"or of and parenthesised", Or(And(Eq("a", 1), Eq("b", 2)), Eq("c", 3)), "(a = 1 AND b = 2) OR c = 3"},
		{"and flattens and", And(And(Eq("a", 1), Eq("b", 2)), Eq("c", 3)), "a = 1 AND b = 2 AND c = 3"},
		{"empty skipped", And(Expr{}, Eq("a", 1), Expr{}), "a = 1"},
		{"all empty", And(Expr{}, Expr{}), ""},
		{"group", Group(Eq("a", 1)), "(a = 1)"},
		{"order by", And(Eq("name", "X"), Like("folder", "/FOL@")).OrderBy("name", Desc),
			"name = 'X' AND folder LIKE '/FOL@' ORDER BY name DESC"},
		{"order only", Expr{}.OrderBy("key.name", Asc), "ORDER BY key.name ASC"},
		{"raw nested", And(RawOQL("a = 1 OR b = 2"), Eq("c", 3)), "(a = 1 OR b = 2) AND c = 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.e.Err(); err != nil {
				t.Fatalf("Err() = %v", err)
			}
			if got := tt.e.String(); got != tt.want {
				t.Errorf("got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestOQLBuilderErrors(t *testing.T) {
	tests := []struct {
		name string
		e    Expr
	}{
		{"field with space", Eq("name OR 1", "x")},
		{"field with quote", Eq("na'me", "x")},
		{"field starts with digit", Eq("1name", "x")},
		{"empty field", Eq("", "x")},
		{"reserved field", Eq("and", "x")},
		{"control char", Eq("name", "a\nb")},
		{"invalid utf8", Eq("name", "a\xffb")},
		{"unsupported type", Eq("name", 1.5)},
		{"empty in", In[string]("name")},
		{"bad in value", In("name", "ok", "bad\x00")},
		{"bad order field", Eq("a", 1).OrderBy("a b", Asc)},
		{"bad direction", Eq("a", 1).OrderBy("a", "SIDEWAYS")},
		{"two order by", Eq("a", 1).OrderBy("a", Asc).OrderBy("b", Asc)},
		{"order inside and", And(Eq("a", 1).OrderBy("a", Asc), Eq("b", 2))},
		{"order inside group", Group(Eq("a", 1).OrderBy("a", Asc))},
		{"error propagates through and", And(Eq("a", 1), Eq("b c", 2))},
		{"error propagates through or", Or(Eq("b c", 2), Eq("a", 1))},
		{"error propagates through group", Group(Eq("b c", 2))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.e.Err()
			if !errors.Is(err, ErrOQL) {
				t.Fatalf("Err() = %v, want ErrOQL", err)
			}
			if got := tt.e.String(); got != "" {
				t.Errorf("String() = %q, want empty for an invalid expression", got)
			}
		})
	}
}

// A tiny OQL parser, independent of the builder, implementing the grammar the
// simulator accepts: terms, AND/OR with AND binding tighter, parentheses,
// lists, LIKE, IN, ORDER BY, and strings with doubled quotes.

type oqlNode struct {
	op       string // AND, OR, or a comparison operator for a term
	kids     []oqlNode
	field    string
	values   []string // decoded values (strings unquoted)
	orderBy  string
	orderDir string
}

func (n oqlNode) String() string {
	switch n.op {
	case "AND", "OR":
		parts := make([]string, len(n.kids))
		for i, k := range n.kids {
			parts[i] = k.String()
		}
		return n.op + "(" + strings.Join(parts, ", ") + ")"
	}
	return fmt.Sprintf("%s %s %q", n.field, n.op, n.values)
}

type oqlTok struct{ kind, text string }

func lexOQL(s string) ([]oqlTok, error) {
	var toks []oqlTok
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ':
			i++
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(s) {
					return nil, fmt.Errorf("unterminated string at %d", i)
				}
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(s[j])
				j++
			}
			toks = append(toks, oqlTok{"str", b.String()})
			i = j + 1
		case strings.ContainsRune("()[],", rune(c)):
			toks = append(toks, oqlTok{string(c), string(c)})
			i++
		case c == '=' || c == '<' || c == '>' || c == '!':
			op := string(c)
			if i+1 < len(s) && s[i+1] == '=' {
				op += "="
			}
			if op == "!" {
				return nil, fmt.Errorf("bare ! at %d", i)
			}
			toks = append(toks, oqlTok{"op", op})
			i += len(op)
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" ()[],'=<>!", rune(s[j])) {
				j++
			}
			w := s[i:j]
			switch strings.ToUpper(w) {
			case "AND", "OR", "LIKE", "IN", "ORDER", "BY", "ASC", "DESC":
				toks = append(toks, oqlTok{strings.ToUpper(w), w})
			default:
				toks = append(toks, oqlTok{"word", w})
			}
			i = j
		}
	}
	return toks, nil
}

type oqlParser struct {
	toks []oqlTok
	pos  int
}

func (p *oqlParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos].kind
	}
	return ""
}

func (p *oqlParser) next() oqlTok { t := p.toks[p.pos]; p.pos++; return t }

func (p *oqlParser) expect(kind string) (oqlTok, error) {
	if p.peek() != kind {
		return oqlTok{}, fmt.Errorf("want %s at token %d, got %q", kind, p.pos, p.peek())
	}
	return p.next(), nil
}

func parseOQL(s string) (oqlNode, error) {
	toks, err := lexOQL(s)
	if err != nil {
		return oqlNode{}, err
	}
	p := &oqlParser{toks: toks}
	var n oqlNode
	if p.peek() != "ORDER" && p.peek() != "" {
		if n, err = p.or(); err != nil {
			return oqlNode{}, err
		}
	}
	if p.peek() == "ORDER" {
		p.next()
		if _, err := p.expect("BY"); err != nil {
			return oqlNode{}, err
		}
		f, err := p.expect("word")
		if err != nil {
			return oqlNode{}, err
		}
		n.orderBy = f.text
		if k := p.peek(); k == "ASC" || k == "DESC" {
			n.orderDir = p.next().kind
		}
	}
	if p.pos != len(p.toks) {
		return oqlNode{}, fmt.Errorf("trailing tokens from %d: %v", p.pos, p.toks[p.pos:])
	}
	return n, nil
}

func (p *oqlParser) or() (oqlNode, error) {
	return p.chain("OR", p.and)
}

func (p *oqlParser) and() (oqlNode, error) {
	return p.chain("AND", p.primary)
}

func (p *oqlParser) chain(op string, sub func() (oqlNode, error)) (oqlNode, error) {
	first, err := sub()
	if err != nil {
		return oqlNode{}, err
	}
	kids := []oqlNode{first}
	for p.peek() == op {
		p.next()
		k, err := sub()
		if err != nil {
			return oqlNode{}, err
		}
		kids = append(kids, k)
	}
	if len(kids) == 1 {
		return first, nil
	}
	// Flatten same-operator children so (a AND b) AND c == a AND b AND c.
	var flat []oqlNode
	for _, k := range kids {
		if k.op == op {
			flat = append(flat, k.kids...)
		} else {
			flat = append(flat, k)
		}
	}
	return oqlNode{op: op, kids: flat}, nil
}

func (p *oqlParser) primary() (oqlNode, error) {
	if p.peek() == "(" {
		p.next()
		n, err := p.or()
		if err != nil {
			return oqlNode{}, err
		}
		if _, err := p.expect(")"); err != nil {
			return oqlNode{}, err
		}
		return n, nil
	}
	f, err := p.expect("word")
	if err != nil {
		return oqlNode{}, err
	}
	if !fieldPattern.MatchString(f.text) {
		return oqlNode{}, fmt.Errorf("bad field %q", f.text)
	}
	n := oqlNode{field: f.text}
	switch p.peek() {
	case "op", "LIKE":
		n.op = p.next().text
		if n.op == "like" || n.op == "Like" {
			n.op = "LIKE"
		}
		v, err := p.value()
		if err != nil {
			return oqlNode{}, err
		}
		n.values = []string{v}
	case "IN":
		p.next()
		n.op = "IN"
		if _, err := p.expect("["); err != nil {
			return oqlNode{}, err
		}
		for {
			v, err := p.value()
			if err != nil {
				return oqlNode{}, err
			}
			n.values = append(n.values, v)
			if p.peek() == "," {
				p.next()
				continue
			}
			break
		}
		if _, err := p.expect("]"); err != nil {
			return oqlNode{}, err
		}
	default:
		return oqlNode{}, fmt.Errorf("want operator after %s", f.text)
	}
	return n, nil
}

func (p *oqlParser) value() (string, error) {
	switch p.peek() {
	case "str", "word":
		return p.next().text, nil
	}
	return "", fmt.Errorf("want value at token %d, got %q", p.pos, p.peek())
}

func TestOQLParserReadsBuilderOutput(t *testing.T) {
	e := Or(
		And(Eq("name", "x'] OR 1=1 --"), Like("folder", `/A\'@`)),
		In("jobStreamName", "it's", "''", "AND", "(", "]"),
	).OrderBy("name", Desc)
	got, err := parseOQL(e.String())
	if err != nil {
		t.Fatalf("parse %s: %v", e, err)
	}
	want := "OR(AND(name = [\"x'] OR 1=1 --\"], folder LIKE [\"/A\\\\'@\"]), jobStreamName IN [\"it's\" \"''\" \"AND\" \"(\" \"]\"])"
	if got.String() != want {
		t.Errorf("parsed\n got %s\nwant %s", got, want)
	}
	if got.orderBy != "name" || got.orderDir != "DESC" {
		t.Errorf("order = %s %s, want name DESC", got.orderBy, got.orderDir)
	}
}

// FuzzOQLQuote checks that no value can break out of its quotes: whatever a
// and b are, the builder's text parses back to exactly the intended tree,
// with exactly the values given.
func FuzzOQLQuote(f *testing.F) {
	for _, s := range []string{"", "PAYROLL", "O'Brien", "'] OR 1=1", `\'`, "''", "a' OR name = 'b", "@", "x) OR (y", "[", "ORDER BY"} {
		f.Add(s, "'")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		e := Or(And(Eq("name", a), Like("folder", b)), In("jobStreamName", a, b)).OrderBy("name", Asc)
		if err := e.Err(); err != nil {
			// Only invalid UTF-8 and control characters may be refused.
			if !errors.Is(err, ErrOQL) {
				t.Fatalf("error %v does not wrap ErrOQL", err)
			}
			ok := func(s string) bool {
				return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
			}
			if ok(a) && ok(b) {
				t.Fatalf("refused valid values %q %q: %v", a, b, err)
			}
			return
		}
		n, err := parseOQL(e.String())
		if err != nil {
			t.Fatalf("builder output %q does not parse: %v", e.String(), err)
		}
		want := oqlNode{op: "OR", kids: []oqlNode{
			{op: "AND", kids: []oqlNode{
				{op: "=", field: "name", values: []string{a}},
				{op: "LIKE", field: "folder", values: []string{b}},
			}},
			{op: "IN", field: "jobStreamName", values: []string{a, b}},
		}}
		if n.String() != want.String() || n.orderBy != "name" || n.orderDir != "ASC" {
			t.Fatalf("%q, %q: parsed %s ORDER BY %s %s, want %s ORDER BY name ASC", a, b, n, n.orderBy, n.orderDir, want)
		}
	})
}
