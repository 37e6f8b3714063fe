package hwa

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// OQL building.
//
// HWA's Orchestration Query Language writes terms "field operator value"
// joined by AND / OR, with parentheses, lists in [ ], and ORDER BY. The
// product documentation says string values are "in single quotation marks"
// and field names start with a letter followed by letters, digits, '_', '-'
// and '.'. It documents no escape for a quote inside a string. This builder
// doubles it ('O''Brien'), the SQL convention, for two reasons: it is the
// convention the simulator's parser implements, and it fails safe — a server
// that did not understand doubling would see adjacent string literals with
// nothing between them (a syntax error, 400 OQL_FILTER_SYNTAX_ERROR), never
// text outside a string. Backslash is an ordinary character and is not
// escaped. Control characters and invalid UTF-8 are refused.
//
// Every constructor validates its field name against the documented pattern
// and refuses reserved words; an invalid Expr carries its error, which
// String hides and Err reports, and the client refuses to send it.

// ErrOQL is wrapped by the errors of invalid expressions.
var ErrOQL = errors.New("invalid OQL")

// Expr is an OQL expression built from values that cannot break out of their
// quotes. The zero Expr is the empty filter (no oql parameter).
type Expr struct {
	text     string
	compound bool // top level is AND or OR: parenthesise when nested
	op       string
	ordered  bool // ends with ORDER BY: nothing may follow
	err      error
}

// Direction is an ORDER BY direction.
type Direction string

// The ORDER BY directions.
const (
	Asc  Direction = "ASC"
	Desc Direction = "DESC"
)

var fieldPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.\-]{0,127}$`)

var reservedWords = map[string]bool{
	"AND": true, "OR": true, "IN": true, "LIKE": true, "ORDER": true, "BY": true,
	"ASC": true, "DESC": true, "TRUE": true, "FALSE": true, "NULL": true, "NOT": true,
}

func invalid(format string, args ...any) Expr {
	return Expr{err: fmt.Errorf("hwa: oql: %s: %w", fmt.Sprintf(format, args...), ErrOQL)}
}

func checkField(field string) error {
	if !fieldPattern.MatchString(field) {
		return fmt.Errorf("hwa: oql: field %q does not match %s: %w", field, fieldPattern, ErrOQL)
	}
	if reservedWords[strings.ToUpper(field)] {
		return fmt.Errorf("hwa: oql: field %q is a reserved word: %w", field, ErrOQL)
	}
	return nil
}

// Quote returns s as an OQL string literal: in single quotes, with each
// quote doubled. It returns an error wrapping ErrOQL for invalid UTF-8 and
// control characters.
func Quote(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("hwa: oql: value is not valid UTF-8: %w", ErrOQL)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return "", fmt.Errorf("hwa: oql: value contains control character %U: %w", r, ErrOQL)
		}
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'", nil
}

// Instant formats t as an OQL instant (ISO-8601, UTC, milliseconds).
func Instant(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// literal formats v as an OQL value: strings (and string kinds such as
// workload.CommonStatus) quoted, integers, booleans, instants and durations.
func literal(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "null", nil
	case time.Time:
		return Instant(x), nil
	case time.Duration:
		return FormatDuration(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return Quote(rv.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10), nil
	}
	return "", fmt.Errorf("hwa: oql: unsupported value type %T: %w", v, ErrOQL)
}

func term(field, op string, v any) Expr {
	if err := checkField(field); err != nil {
		return Expr{err: err}
	}
	lit, err := literal(v)
	if err != nil {
		return Expr{err: fmt.Errorf("hwa: oql: %s %s: %w", field, op, err)}
	}
	return Expr{text: field + " " + op + " " + lit}
}

// Eq is "field = value".
func Eq(field string, v any) Expr { return term(field, "=", v) }

// NotEq is "field != value".
func NotEq(field string, v any) Expr { return term(field, "!=", v) }

// Lt is "field < value".
func Lt(field string, v any) Expr { return term(field, "<", v) }

// Le is "field <= value".
func Le(field string, v any) Expr { return term(field, "<=", v) }

// Gt is "field > value".
func Gt(field string, v any) Expr { return term(field, ">", v) }

// Ge is "field >= value".
func Ge(field string, v any) Expr { return term(field, ">=", v) }

// Like is "field LIKE 'pattern'", where '@' in pattern matches any run of
// characters (HWA's wildcard). The pattern is quoted like any string.
func Like(field, pattern string) Expr { return term(field, "LIKE", pattern) }

// In is "field IN ['a','b']". An empty list is an error.
func In[T any](field string, vals ...T) Expr {
	if err := checkField(field); err != nil {
		return Expr{err: err}
	}
	if len(vals) == 0 {
		return invalid("%s IN: empty list", field)
	}
	parts := make([]string, len(vals))
	for i, v := range vals {
		lit, err := literal(v)
		if err != nil {
			return Expr{err: fmt.Errorf("hwa: oql: %s IN: %w", field, err)}
		}
		parts[i] = lit
	}
	return Expr{text: field + " IN [" + strings.Join(parts, ",") + "]"}
}

func join(op string, es []Expr) Expr {
	var parts []string
	for _, e := range es {
		if e.err != nil {
			return e
		}
		if e.ordered {
			return invalid("ORDER BY inside %s", op)
		}
		if e.text == "" {
			continue
		}
		if e.compound && e.op != op {
			parts = append(parts, "("+e.text+")")
		} else {
			parts = append(parts, e.text)
		}
	}
	switch len(parts) {
	case 0:
		return Expr{}
	case 1:
		for _, e := range es {
			if e.text != "" {
				return e
			}
		}
	}
	return Expr{text: strings.Join(parts, " "+op+" "), compound: true, op: op}
}

// And joins expressions with AND; empty expressions are skipped. Nested OR
// expressions are parenthesised, so the result means what it says.
func And(es ...Expr) Expr { return join("AND", es) }

// Or joins expressions with OR; empty expressions are skipped. Nested AND
// expressions are parenthesised.
func Or(es ...Expr) Expr { return join("OR", es) }

// Group wraps e in parentheses.
func Group(e Expr) Expr {
	if e.err != nil || e.text == "" {
		return e
	}
	if e.ordered {
		return invalid("ORDER BY inside a group")
	}
	return Expr{text: "(" + e.text + ")"}
}

// OrderBy appends "ORDER BY field dir" to e (e may be empty). Nothing can be
// joined to an ordered expression and only one ORDER BY is allowed; either
// is an error.
func (e Expr) OrderBy(field string, dir Direction) Expr {
	if e.err != nil {
		return e
	}
	if err := checkField(field); err != nil {
		return Expr{err: err}
	}
	if dir != Asc && dir != Desc {
		return invalid("ORDER BY direction %q", dir)
	}
	if e.ordered {
		return invalid("a second ORDER BY")
	}
	sep := " "
	if e.text == "" {
		sep = ""
	}
	text := e.text + sep + "ORDER BY " + field + " " + string(dir)
	return Expr{text: text, compound: e.compound, op: e.op, ordered: true}
}

// RawOQL wraps trusted OQL text (a constant written by a programmer, never
// user input) as an Expr.
func RawOQL(s string) Expr { return Expr{text: s, compound: true, op: "raw"} }

// String returns the OQL text, or "" when the expression is invalid.
func (e Expr) String() string {
	if e.err != nil {
		return ""
	}
	return e.text
}

// Err returns why the expression is invalid (wrapping ErrOQL), or nil.
func (e Expr) Err() error { return e.err }

// IsZero reports whether e is the empty filter.
func (e Expr) IsZero() bool { return e.text == "" && e.err == nil }
