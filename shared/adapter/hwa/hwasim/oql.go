package hwasim

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// OQL: the subset of the Orchestration Query Language that the simulator
// accepts.
//
//	query   = [ or ] [ "ORDER BY" field [ASC|DESC] { "," field [ASC|DESC] } ]
//	or      = and { "OR" and }
//	and     = primary { "AND" primary }
//	primary = "(" or ")" | field op value | field "IN" "[" value { "," value } "]"
//	op      = "=" | "!=" | "<" | "<=" | ">" | ">=" | "LIKE"
//	value   = 'single-quoted' | bare word (integer, true/false, instant, name)
//
// Inside a quoted string a single quote is written twice (O''NEIL); the
// vendor documents no escape, so this SQL convention is the simulator's
// choice and the client must follow it. "@" is the LIKE wildcard (any run of
// characters). Keywords, field names and string comparisons are
// case-insensitive (vendor doc: "The fields and the values of the query are
// case-insensitive"). Fields are dotted paths into the JSON of the object
// queried; a multi-valued path (jobruns.*, activeStates, dependencies.*)
// matches when any value matches (for != when none is equal). Anything else
// is an oqlError, answered 400 OQL_FILTER_SYNTAX_ERROR.

// oqlError is a syntax or semantic error in an OQL filter.
type oqlError struct{ msg string }

func (e *oqlError) Error() string { return "OQL: " + e.msg }

func oqlErrorf(format string, a ...any) error { return &oqlError{fmt.Sprintf(format, a...)} }

type kind int

const (
	kString kind = iota
	kInt
	kBool
	kTime
)

// field is one queryable path of T: its kind and its values.
type field[T any] struct {
	kind kind
	get  func(*T) []string
}

type fieldSet[T any] map[string]field[T] // keys lower-case

type tokKind int

const (
	tEOF tokKind = iota
	tWord
	tString
	tOp
	tPunct
)

type token struct {
	kind tokKind
	text string
	pos  int
}

func isWordChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == '.' || c == ':' || c == '@' || c == '+'
}

func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'':
			var b strings.Builder
			start := i
			i++
			for {
				if i >= len(s) {
					return nil, oqlErrorf("unterminated string starting at %d", start)
				}
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			toks = append(toks, token{tString, b.String(), start})
		case c == '(' || c == ')' || c == '[' || c == ']' || c == ',':
			toks = append(toks, token{tPunct, string(c), i})
			i++
		case c == '=':
			toks = append(toks, token{tOp, "=", i})
			i++
		case c == '!' || c == '<' || c == '>':
			if i+1 < len(s) && s[i+1] == '=' {
				toks = append(toks, token{tOp, s[i : i+2], i})
				i += 2
			} else if c == '!' {
				return nil, oqlErrorf("unexpected '!' at %d", i)
			} else {
				toks = append(toks, token{tOp, string(c), i})
				i++
			}
		case isWordChar(c):
			start := i
			for i < len(s) && isWordChar(s[i]) {
				i++
			}
			toks = append(toks, token{tWord, s[start:i], start})
		default:
			return nil, oqlErrorf("unexpected character %q at %d", c, i)
		}
	}
	return append(toks, token{tEOF, "", len(s)}), nil
}

type node interface{}

type andNode struct{ l, r node }
type orNode struct{ l, r node }
type condNode struct {
	field string
	op    string // = != < <= > >= LIKE IN
	vals  []string
	pos   int
}

type orderKey struct {
	field string
	desc  bool
}

type oqlQuery struct {
	where node // nil: everything
	order []orderKey
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *parser) keyword(k string) bool {
	t := p.peek()
	if t.kind == tWord && strings.EqualFold(t.text, k) {
		p.i++
		return true
	}
	return false
}

// parseOQL parses s; an empty s selects everything.
func parseOQL(s string) (*oqlQuery, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	q := &oqlQuery{}
	if t := p.peek(); t.kind != tEOF && !(t.kind == tWord && strings.EqualFold(t.text, "ORDER")) {
		if q.where, err = p.or(); err != nil {
			return nil, err
		}
	}
	if p.keyword("ORDER") {
		if !p.keyword("BY") {
			return nil, oqlErrorf("expected BY after ORDER at %d", p.peek().pos)
		}
		for {
			t := p.next()
			if t.kind != tWord || !isFieldName(t.text) {
				return nil, oqlErrorf("expected a field name after ORDER BY at %d", t.pos)
			}
			k := orderKey{field: t.text}
			if p.keyword("DESC") {
				k.desc = true
			} else {
				p.keyword("ASC")
			}
			q.order = append(q.order, k)
			if p.peek().kind == tPunct && p.peek().text == "," {
				p.i++
				continue
			}
			break
		}
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, oqlErrorf("unexpected %q at %d", t.text, t.pos)
	}
	return q, nil
}

func isFieldName(s string) bool {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func (p *parser) or() (node, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword("OR") {
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = orNode{l, r}
	}
	return l, nil
}

func (p *parser) and() (node, error) {
	l, err := p.primary()
	if err != nil {
		return nil, err
	}
	for p.keyword("AND") {
		r, err := p.primary()
		if err != nil {
			return nil, err
		}
		l = andNode{l, r}
	}
	return l, nil
}

func (p *parser) primary() (node, error) {
	t := p.next()
	if t.kind == tPunct && t.text == "(" {
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tPunct || c.text != ")" {
			return nil, oqlErrorf("expected ')' at %d", c.pos)
		}
		return n, nil
	}
	if t.kind != tWord || !isFieldName(t.text) || isKeyword(t.text) {
		return nil, oqlErrorf("expected a field name at %d, got %q", t.pos, t.text)
	}
	c := condNode{field: t.text, pos: t.pos}
	op := p.next()
	switch {
	case op.kind == tOp:
		c.op = op.text
	case op.kind == tWord && strings.EqualFold(op.text, "LIKE"):
		c.op = "LIKE"
	case op.kind == tWord && strings.EqualFold(op.text, "IN"):
		c.op = "IN"
		if b := p.next(); b.kind != tPunct || b.text != "[" {
			return nil, oqlErrorf("expected '[' after IN at %d", b.pos)
		}
		for {
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			c.vals = append(c.vals, v)
			sep := p.next()
			if sep.kind == tPunct && sep.text == "," {
				continue
			}
			if sep.kind == tPunct && sep.text == "]" {
				break
			}
			return nil, oqlErrorf("expected ',' or ']' at %d", sep.pos)
		}
		return c, nil
	default:
		return nil, oqlErrorf("unsupported operator %q at %d", op.text, op.pos)
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	c.vals = []string{v}
	return c, nil
}

func isKeyword(s string) bool {
	switch strings.ToUpper(s) {
	case "AND", "OR", "IN", "LIKE", "ORDER", "BY", "ASC", "DESC", "NOT":
		return true
	}
	return false
}

func (p *parser) value() (string, error) {
	t := p.next()
	switch {
	case t.kind == tString:
		return t.text, nil
	case t.kind == tWord && !isKeyword(t.text):
		return t.text, nil
	}
	return "", oqlErrorf("expected a value at %d, got %q", t.pos, t.text)
}

// compile resolves q against the fields of T and returns a predicate and a
// sort (nil when q has no ORDER BY) that orders items stably.
func compile[T any](q *oqlQuery, fs fieldSet[T]) (func(*T) bool, func([]T) []T, error) {
	pred := func(*T) bool { return true }
	if q.where != nil {
		var err error
		if pred, err = compileNode(q.where, fs); err != nil {
			return nil, nil, err
		}
	}
	if len(q.order) == 0 {
		return pred, nil, nil
	}
	type key struct {
		f    field[T]
		desc bool
	}
	var keys []key
	for _, o := range q.order {
		f, ok := fs[strings.ToLower(o.field)]
		if !ok {
			return nil, nil, oqlErrorf("unknown field %q in ORDER BY", o.field)
		}
		keys = append(keys, key{f, o.desc})
	}
	sorter := func(items []T) []T {
		// Extract every sort value once, then sort indices.
		vals := make([][]sortValue, len(items))
		for i := range items {
			vals[i] = make([]sortValue, len(keys))
			for k, kk := range keys {
				vals[i][k] = toSortValue(kk.f.kind, kk.f.get(&items[i]))
			}
		}
		idx := make([]int, len(items))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int {
			for k, kk := range keys {
				c := vals[a][k].compare(vals[b][k])
				if kk.desc {
					c = -c
				}
				if c != 0 {
					return c
				}
			}
			return 0
		})
		out := make([]T, len(items))
		for i, j := range idx {
			out[i] = items[j]
		}
		return out
	}
	return pred, sorter, nil
}

// sortValue is the first value of a field, ready to compare; absent sorts first.
type sortValue struct {
	present bool
	s       string
	n       int64
	t       time.Time
}

func toSortValue(k kind, vs []string) sortValue {
	if len(vs) == 0 {
		return sortValue{}
	}
	v := sortValue{present: true}
	switch k {
	case kInt:
		v.n, _ = strconv.ParseInt(vs[0], 10, 64)
	case kTime:
		v.t, _ = time.Parse(time.RFC3339, vs[0])
	default:
		v.s = strings.ToLower(vs[0])
	}
	return v
}

func (a sortValue) compare(b sortValue) int {
	switch {
	case !a.present && !b.present:
		return 0
	case !a.present:
		return -1
	case !b.present:
		return 1
	}
	if c := cmp.Compare(a.n, b.n); c != 0 {
		return c
	}
	if c := a.t.Compare(b.t); c != 0 {
		return c
	}
	return cmp.Compare(a.s, b.s)
}

func compileNode[T any](n node, fs fieldSet[T]) (func(*T) bool, error) {
	switch n := n.(type) {
	case andNode:
		l, err := compileNode(n.l, fs)
		if err != nil {
			return nil, err
		}
		r, err := compileNode(n.r, fs)
		if err != nil {
			return nil, err
		}
		return func(x *T) bool { return l(x) && r(x) }, nil
	case orNode:
		l, err := compileNode(n.l, fs)
		if err != nil {
			return nil, err
		}
		r, err := compileNode(n.r, fs)
		if err != nil {
			return nil, err
		}
		return func(x *T) bool { return l(x) || r(x) }, nil
	case condNode:
		return compileCond(n, fs)
	}
	return nil, oqlErrorf("internal: unknown node %T", n)
}

func compileCond[T any](c condNode, fs fieldSet[T]) (func(*T) bool, error) {
	f, ok := fs[strings.ToLower(c.field)]
	if !ok {
		return nil, oqlErrorf("unknown field %q at %d", c.field, c.pos)
	}
	// Normalise the literals to the field's kind once.
	lits := make([]string, len(c.vals))
	var times []time.Time
	for i, v := range c.vals {
		switch f.kind {
		case kInt:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, oqlErrorf("field %q takes an integer, got %q", c.field, v)
			}
			lits[i] = strconv.FormatInt(n, 10)
		case kBool:
			switch strings.ToLower(v) {
			case "true", "false":
				lits[i] = strings.ToLower(v)
			default:
				return nil, oqlErrorf("field %q takes true or false, got %q", c.field, v)
			}
		case kTime:
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return nil, oqlErrorf("field %q takes an instant (2025-12-01T23:00:00.000Z), got %q", c.field, v)
			}
			times = append(times, t)
			lits[i] = v
		default:
			lits[i] = v
		}
	}
	get := f.get
	switch c.op {
	case "=", "IN":
		eq := eqFunc(f.kind, lits, times)
		return func(x *T) bool { return slices.ContainsFunc(get(x), eq) }, nil
	case "!=":
		eq := eqFunc(f.kind, lits, times)
		return func(x *T) bool { return !slices.ContainsFunc(get(x), eq) }, nil
	case "LIKE":
		if f.kind != kString {
			return nil, oqlErrorf("LIKE needs a text field, %q is not", c.field)
		}
		m := likeMatcher(lits[0])
		return func(x *T) bool { return slices.ContainsFunc(get(x), m) }, nil
	case "<", "<=", ">", ">=":
		var cmpTo func(v string) (int, bool)
		switch f.kind {
		case kInt:
			lit, _ := strconv.ParseInt(lits[0], 10, 64)
			cmpTo = func(v string) (int, bool) {
				n, err := strconv.ParseInt(v, 10, 64)
				return cmp.Compare(n, lit), err == nil
			}
		case kTime:
			lit := times[0]
			cmpTo = func(v string) (int, bool) {
				t, err := time.Parse(time.RFC3339, v)
				return t.Compare(lit), err == nil
			}
		default:
			return nil, oqlErrorf("operator %s needs a number or an instant, %q is neither", c.op, c.field)
		}
		op := c.op
		return func(x *T) bool {
			return slices.ContainsFunc(get(x), func(v string) bool {
				c, ok := cmpTo(v)
				if !ok {
					return false
				}
				switch op {
				case "<":
					return c < 0
				case "<=":
					return c <= 0
				case ">":
					return c > 0
				}
				return c >= 0
			})
		}, nil
	}
	return nil, oqlErrorf("unsupported operator %q", c.op)
}

func eqFunc(k kind, lits []string, times []time.Time) func(string) bool {
	switch k {
	case kTime:
		return func(v string) bool {
			t, err := time.Parse(time.RFC3339, v)
			return err == nil && slices.ContainsFunc(times, t.Equal)
		}
	case kInt, kBool:
		return func(v string) bool { return slices.Contains(lits, v) }
	}
	return func(v string) bool {
		return slices.ContainsFunc(lits, func(l string) bool { return strings.EqualFold(l, v) })
	}
}

// likeMatcher matches case-insensitively with "@" as a wildcard for any run
// of characters.
func likeMatcher(pattern string) func(string) bool {
	parts := strings.Split(strings.ToLower(pattern), "@")
	return func(v string) bool {
		v = strings.ToLower(v)
		if len(parts) == 1 {
			return v == parts[0]
		}
		if !strings.HasPrefix(v, parts[0]) {
			return false
		}
		v = v[len(parts[0]):]
		last := parts[len(parts)-1]
		for _, mid := range parts[1 : len(parts)-1] {
			i := strings.Index(v, mid)
			if i < 0 {
				return false
			}
			v = v[i+len(mid):]
		}
		return len(v) >= len(last) && strings.HasSuffix(v, last)
	}
}
