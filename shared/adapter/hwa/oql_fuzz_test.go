package hwa

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzQuote quotes arbitrary values. Properties: a refusal wraps ErrOQL and
// the value holds invalid UTF-8 or a control character; a literal is one
// quoted string that reads back as the value.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"PAYROLL", "O'Brien", "''", "'; DROP", "a\\b", "tab\there", "\xff", "日本", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lit, err := Quote(s)
		if err != nil {
			if !errors.Is(err, ErrOQL) {
				t.Fatalf("Quote(%q) error %v does not wrap ErrOQL", s, err)
			}
			if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Fatalf("Quote(%q) refused a clean value: %v", s, err)
			}
			return
		}
		lits, rest, err := scanOQL(lit)
		if err != nil || len(lits) != 1 || lits[0] != s || strings.TrimSpace(rest) != "?" {
			t.Fatalf("Quote(%q) = %s: reads back as %q with %q outside (%v)", s, lit, lits, rest, err)
		}
	})
}

// FuzzBuild builds a compound expression from arbitrary fields and values.
// Properties: an invalid part makes the whole expression invalid (an error
// wrapping ErrOQL and no text); a valid one keeps every value inside its
// quotes — reading the text back gives exactly the values, in order, and
// outside them only the fields, the operators and balanced brackets.
func FuzzBuild(f *testing.F) {
	f.Add("status", "ABEND", "jobStreamName", "PAY@", "workstation", "CPU1", "name", uint8(0))
	f.Add("status", "x' OR '1'='1", "a.b-c_d", "')--", "f", "]", "AND", uint8(1))
	f.Add("1bad", "v", "ok", "v", "ok", "v", "ok", uint8(2))
	f.Fuzz(func(t *testing.T, f1, v1, f2, v2, f3, v3, order string, dir uint8) {
		e := And(Eq(f1, v1), Or(Like(f2, v2), In(f3, v3, v1)))
		if dir%3 != 2 {
			e = e.OrderBy(order, []Direction{Asc, Desc}[dir%3])
		}
		valid := checkField(f1) == nil && checkField(f2) == nil && checkField(f3) == nil &&
			(dir%3 == 2 || checkField(order) == nil)
		for _, v := range []string{v1, v2, v3} {
			if _, err := Quote(v); err != nil {
				valid = false
			}
		}
		if err := e.Err(); err != nil {
			if !errors.Is(err, ErrOQL) || e.String() != "" {
				t.Fatalf("invalid expression: error %v, text %q", err, e.String())
			}
			if valid {
				t.Fatalf("valid parts refused: %v", err)
			}
			return
		}
		if !valid {
			t.Fatalf("invalid parts accepted: %s", e)
		}
		lits, rest, err := scanOQL(e.String())
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		if want := []string{v1, v2, v3, v1}; !slices.Equal(lits, want) {
			t.Fatalf("%s: values read back %q, want %q", e, lits, want)
		}
		words := map[string]bool{f1: true, f2: true, f3: true, order: true,
			"AND": true, "OR": true, "LIKE": true, "IN": true, "ORDER": true, "BY": true, "ASC": true, "DESC": true}
		depth := 0
		for _, tok := range strings.Fields(strings.NewReplacer("(", " ( ", ")", " ) ", "[", " [ ", "]", " ] ", ",", " , ").Replace(rest)) {
			switch tok {
			case "(", "[":
				depth++
			case ")", "]":
				if depth--; depth < 0 {
					t.Fatalf("%s: unbalanced brackets", e)
				}
			case "=", "?", ",":
			default:
				if !words[tok] {
					t.Fatalf("%s: %q outside the quotes is neither a field nor a keyword", e, tok)
				}
			}
		}
		if depth != 0 {
			t.Fatalf("%s: unbalanced brackets", e)
		}
	})
}

// scanOQL reads OQL text the way a server does: string literals in single
// quotes, a quote inside doubled. It returns the literals and the text outside
// them, each literal replaced by "?".
func scanOQL(s string) (lits []string, rest string, err error) {
	var out, lit strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case !in && c == '\'':
			in = true
			lit.Reset()
		case in && c == '\'' && i+1 < len(s) && s[i+1] == '\'':
			lit.WriteByte('\'')
			i++
		case in && c == '\'':
			in = false
			lits = append(lits, lit.String())
			out.WriteString(" ? ")
		case in:
			lit.WriteByte(c)
		default:
			out.WriteByte(c)
		}
	}
	if in {
		return nil, "", errors.New("unterminated string literal")
	}
	return lits, out.String(), nil
}
