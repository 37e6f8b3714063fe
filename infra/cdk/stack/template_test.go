package stack_test

import (
	"encoding/json"
	"sort"
	"strings"
)

// ofType returns the logical ids of the resources of type typ, sorted.
func (t template) ofType(typ string) []string {
	var ids []string
	for id, r := range t.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// functions maps each Resync function name to its logical id. Resync's
// functions are told apart from CDK's helper functions by their
// description, "Resync <name>".
func (t template) functions() map[string]string {
	out := map[string]string{}
	for _, id := range t.ofType("AWS::Lambda::Function") {
		desc, _ := t.Resources[id].Properties["Description"].(string)
		if name, ok := strings.CutPrefix(desc, "Resync "); ok {
			out[name] = id
		}
	}
	return out
}

// refs returns every logical id v refers to through Ref or Fn::GetAtt.
func refs(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["Ref"].(string); ok {
				out = append(out, r)
			}
			if ga, ok := x["Fn::GetAtt"].([]any); ok && len(ga) > 0 {
				if id, ok := ga[0].(string); ok {
					out = append(out, id)
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// refersTo reports whether v refers to the logical id.
func refersTo(v any, id string) bool {
	for _, r := range refs(v) {
		if r == id {
			return true
		}
	}
	return false
}

// flatten renders a CloudFormation value as a string: Fn::Join is joined,
// Ref and Fn::GetAtt become <id> or <id.Attr>. It lets tests read tokens.
func flatten(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if r, ok := x["Ref"].(string); ok {
			return "<" + r + ">"
		}
		if ga, ok := x["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
			return "<" + flatten(ga[0]) + "." + flatten(ga[1]) + ">"
		}
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			sep, _ := j[0].(string)
			parts, _ := j[1].([]any)
			s := make([]string, len(parts))
			for i, p := range parts {
				s[i] = flatten(p)
			}
			return strings.Join(s, sep)
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// path walks nested maps by key; it returns nil when a key is missing.
func path(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// list returns v as a slice, wrapping a single value.
func list(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	default:
		return []any{x}
	}
}
