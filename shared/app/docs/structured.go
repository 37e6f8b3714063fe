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

	"github.com/ledongthuc/pdf"
)

// parsePDF extracts the text of each page with github.com/ledongthuc/pdf
// (pure Go, no cgo). Pages become sections "page N"; a page's text is split
// into paragraphs at blank lines. The library panics on some malformed
// files; that is recovered here and reported as ErrCorrupt.
func parsePDF(data []byte) (blocks []Block, err error) {
	defer func() {
		if r := recover(); r != nil {
			blocks, err = nil, fail(ErrCorrupt, fmt.Errorf("pdf reader panic: %v", r), "the PDF is damaged or uses features that cannot be read")
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fail(ErrCorrupt, err, "the file is not a readable PDF")
	}
	n := r.NumPage()
	if n == 0 {
		return nil, fail(ErrCorrupt, nil, "the PDF has no pages")
	}
	fonts := map[string]*pdf.Font{}
	for i := 1; i <= n; i++ {
		p := r.Page(i)
		if p.V.IsNull() {
			continue
		}
		for _, name := range p.Fonts() {
			if _, ok := fonts[name]; !ok {
				f := p.Font(name)
				fonts[name] = &f
			}
		}
		text, err := p.GetPlainText(fonts)
		if err != nil {
			return nil, fail(ErrCorrupt, err, "the text of page %d of the PDF cannot be read", i)
		}
		for _, para := range paragraphs(text) {
			blocks = append(blocks, Block{Section: []string{"page " + strconv.Itoa(i)}, Text: para})
		}
	}
	if len(blocks) == 0 {
		return nil, fail(ErrEmpty, nil, "the PDF has no extractable text (a scanned PDF needs OCR first)")
	}
	return blocks, nil
}

// parseJSON flattens a JSON document into "key.path[0].field: value" lines,
// one block per top-level key (the key is the section) or per element of a
// top-level array.
func parseJSON(data []byte) ([]Block, error) {
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
	switch t := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			var lines []string
			flatten(k, t[k], &lines)
			blocks = append(blocks, Block{Section: []string{k}, Text: strings.Join(lines, "\n")})
		}
	case []any:
		for i, e := range t {
			var lines []string
			flatten("["+strconv.Itoa(i)+"]", e, &lines)
			blocks = append(blocks, Block{Text: strings.Join(lines, "\n")})
		}
	default:
		var lines []string
		flatten("", v, &lines)
		blocks = append(blocks, Block{Text: strings.Join(lines, "\n")})
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

func flatten(prefix string, v any, lines *[]string) {
	switch t := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(p, t[k], lines)
		}
	case []any:
		for i, e := range t {
			flatten(prefix+"["+strconv.Itoa(i)+"]", e, lines)
		}
	case nil:
		*lines = append(*lines, prefix+": null")
	case string:
		*lines = append(*lines, prefix+": "+t)
	default:
		*lines = append(*lines, fmt.Sprintf("%s: %v", prefix, t))
	}
}

// parseCSV reads a header and rows; each row becomes one line
// "column: value; column: value", and rows are blocks of their own so a
// chunk never cuts a row.
func parseCSV(data []byte) ([]Block, error) {
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
		parts := make([]string, 0, len(rec))
		for i, v := range rec {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			col := "column " + strconv.Itoa(i+1)
			if i < len(header) && strings.TrimSpace(header[i]) != "" {
				col = strings.TrimSpace(header[i])
			}
			parts = append(parts, col+": "+v)
		}
		if len(parts) > 0 {
			blocks = append(blocks, Block{Text: strings.Join(parts, "; ")})
		}
	}
	return blocks, nil
}
