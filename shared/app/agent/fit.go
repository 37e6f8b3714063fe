package agent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// fit returns the JSON b cut to at most max bytes, still JSON: the longest
// array of a top-level object keeps its first elements, or a long "text"
// field its last lines, and the object gains TruncatedKey saying what was
// left out. Anything else is cut as text inside
// {"resultTruncated": ..., "partial": ...}.
func fit(b []byte, max int) []byte {
	if len(b) <= max {
		return b
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err == nil {
		if out, ok := fitArray(obj, max); ok {
			return out
		}
		if out, ok := fitText(obj, max); ok {
			return out
		}
	}
	return fitRaw(b, max)
}

// fitArray keeps as many leading elements of the longest array as fit.
func fitArray(obj map[string]json.RawMessage, max int) ([]byte, bool) {
	field, longest := "", 0
	for k, v := range obj {
		if len(v) > longest && bytes.HasPrefix(bytes.TrimSpace(v), []byte("[")) {
			field, longest = k, len(v)
		}
	}
	if field == "" {
		return nil, false
	}
	var items []json.RawMessage
	if err := json.Unmarshal(obj[field], &items); err != nil {
		return nil, false
	}
	build := func(k int) []byte {
		o := make(map[string]json.RawMessage, len(obj)+1)
		for key, v := range obj {
			o[key] = v
		}
		kept, _ := json.Marshal(items[:k])
		o[field] = kept
		note, _ := json.Marshal(fmt.Sprintf("output cut to %d bytes: %s shows %d of %d entries; ask for fewer (filters, limit)", max, field, k, len(items)))
		o[TruncatedKey] = note
		out, _ := json.Marshal(o)
		return out
	}
	// The largest k whose result fits.
	k := sort.Search(len(items)+1, func(k int) bool { return len(build(k)) > max }) - 1
	if k < 0 {
		return nil, false
	}
	return build(k), true
}

// fitText keeps the last lines of a long "text" field (a job log).
func fitText(obj map[string]json.RawMessage, max int) ([]byte, bool) {
	raw, ok := obj["text"]
	if !ok {
		return nil, false
	}
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return nil, false
	}
	lines := strings.SplitAfter(text, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	build := func(k int) []byte { // keep the last k lines
		o := make(map[string]json.RawMessage, len(obj)+1)
		for key, v := range obj {
			o[key] = v
		}
		t, _ := json.Marshal(strings.Join(lines[len(lines)-k:], ""))
		o["text"] = t
		note, _ := json.Marshal(fmt.Sprintf("output cut to %d bytes: the text shows its last %d of %d lines", max, k, len(lines)))
		o[TruncatedKey] = note
		out, _ := json.Marshal(o)
		return out
	}
	k := sort.Search(len(lines)+1, func(k int) bool { return len(build(k)) > max }) - 1
	if k < 1 {
		return nil, false
	}
	return build(k), true
}

func fitRaw(b []byte, max int) []byte {
	n := max - 200
	if n < 0 {
		n = 0
	}
	for n > 0 {
		cut := b[:min(n, len(b))]
		for len(cut) > 0 && !utf8.Valid(cut) {
			cut = cut[:len(cut)-1]
		}
		out, _ := json.Marshal(map[string]string{
			TruncatedKey: fmt.Sprintf("output cut to %d bytes of %d", max, len(b)),
			"partial":    string(cut),
		})
		if len(out) <= max {
			return out
		}
		n -= len(out) - max + 16
	}
	out, _ := json.Marshal(map[string]string{TruncatedKey: fmt.Sprintf("output of %d bytes left out", len(b))})
	return out
}
