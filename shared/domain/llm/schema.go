package llm

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// Spec returns the ToolSpec of a tool whose input decodes into In: the JSON
// Schema is derived from In's exported fields and their tags —
//
//	json:"name,omitempty"   the property name; without omitempty it is required
//	desc:"..."              the property's description
//	enum:"A,B,C"            the allowed values of a string
//
// It panics only for types that cannot be described (maps with non-string
// keys, channels, functions): a programming error found by the tests.
func Spec[In any](name, description string) ToolSpec {
	var zero In
	s := schemaOf(reflect.TypeOf(zero))
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("llm: schema of %T: %v", zero, err))
	}
	return ToolSpec{Name: name, Description: description, Schema: b}
}

func schemaOf(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			panic("llm: schema: map keys must be strings, not " + t.Key().String())
		}
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem())}
	case reflect.Struct:
		props := map[string]any{}
		required := []string{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				// An embedded struct's fields are the outer object's, as
				// encoding/json sees them.
				inner := schemaOf(f.Type)
				for k, v := range inner["properties"].(map[string]any) {
					props[k] = v
				}
				if r, ok := inner["required"].([]string); ok {
					required = append(required, r...)
				}
				continue
			}
			if name == "" {
				name = f.Name
			}
			p := schemaOf(f.Type)
			if d := f.Tag.Get("desc"); d != "" {
				p["description"] = d
			}
			if e := f.Tag.Get("enum"); e != "" {
				p["enum"] = strings.Split(e, ",")
			}
			props[name] = p
			if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
				required = append(required, name)
			}
		}
		s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			s["required"] = required
		}
		return s
	case reflect.Interface:
		return map[string]any{}
	}
	panic("llm: schema: cannot describe " + t.String())
}
