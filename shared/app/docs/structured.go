package docs

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// parseJSON flattens a JSON document into "key.path[0].field: value" lines,
// one block per top-level key (the key is the section) or per element of a
// top-level array. The lines count against the text budget as they are
// made: a leaf repeats the whole path above it, so the text can be far
// larger than the file.
func parseJSON(b *budget, data []byte) ([]Block, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fail(ErrCorrupt, err, "the file is not valid JSON")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fail(ErrCorrupt, err, "the file holds more than one JSON value")
	}
	var blocks []Block
	f := &flattener{b: b}
	switch t := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			f.lines = nil
			if err := f.flatten(k, t[k]); err != nil {
				return nil, err
			}
			blocks = append(blocks, Block{Section: []string{k}, Text: strings.Join(f.lines, "\n")})
		}
	case []any:
		for i, e := range t {
			f.lines = nil
			if err := f.flatten("["+strconv.Itoa(i)+"]", e); err != nil {
				return nil, err
			}
			blocks = append(blocks, Block{Text: strings.Join(f.lines, "\n")})
		}
	default:
		if err := f.flatten("", v); err != nil {
			return nil, err
		}
		blocks = append(blocks, Block{Text: strings.Join(f.lines, "\n")})
	}
	return blocks, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// flattener makes the "path: value" lines of a JSON value, counting each
// against the budget before it is built.
type flattener struct {
	b     *budget
	lines []string
	n     int
}

func (f *flattener) flatten(prefix string, v any) error {
	if f.n++; f.n%1024 == 0 {
		if err := f.b.check(); err != nil {
			return err
		}
	}
	switch t := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			if err := f.flatten(p, t[k]); err != nil {
				return err
			}
		}
		return nil
	case []any:
		for i, e := range t {
			if err := f.flatten(prefix+"["+strconv.Itoa(i)+"]", e); err != nil {
				return err
			}
		}
		return nil
	case nil:
		return f.add(prefix, "null")
	case string:
		return f.add(prefix, t)
	default:
		return f.add(prefix, fmt.Sprint(t))
	}
}

func (f *flattener) add(path, value string) error {
	if err := f.b.addText(len(path) + 2 + len(value) + 1); err != nil {
		return err
	}
	f.lines = append(f.lines, path+": "+value)
	return nil
}

// parseCSV reads a header and rows; each row becomes one line
// "column: value; column: value", and rows are blocks of their own so a
// chunk never cuts a row. Every row repeats the header, so rows count
// against the text budget before they are built.
func parseCSV(b *budget, data []byte) ([]Block, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fail(ErrEmpty, nil, "the CSV file is empty")
		}
		return nil, fail(ErrCorrupt, err, "the CSV header cannot be read")
	}
	var blocks []Block
	for row := 2; ; row++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fail(ErrCorrupt, err, "row %d of the CSV file cannot be read", row)
		}
		if row%1024 == 0 {
			if err := b.check(); err != nil {
				return nil, err
			}
		}
		parts := make([]string, 0, len(rec))
		for i, v := range rec {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			col := "column " + strconv.Itoa(i+1)
			if i < len(header) && strings.TrimSpace(header[i]) != "" {
				col = strings.TrimSpace(header[i])
			}
			if err := b.addText(len(col) + 2 + len(v) + 2); err != nil {
				return nil, err
			}
			parts = append(parts, col+": "+v)
		}
		if len(parts) > 0 {
			blocks = append(blocks, Block{Text: strings.Join(parts, "; ")})
		}
	}
	return blocks, nil
}
