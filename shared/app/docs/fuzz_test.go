package docs

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/ascii85"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fuzzLimits are small so a fuzzing run spends its time on many inputs.
var fuzzLimits = Limits{MaxInflatedBytes: 1 << 20, MaxTextBytes: 64 << 10, MaxPages: 50, MaxTime: 2 * time.Second}

// checkParse asserts what Parse promises for any input: an *Error with a
// reason and a known kind, or blocks of trimmed, valid UTF-8 text within
// the text limit that Split cuts into ordered chunks of bounded size.
func checkParse(t *testing.T, typ Type, data []byte) {
	t.Helper()
	start := time.Now()
	blocks, err := fuzzLimits.Parse(context.Background(), typ, data)
	if d := time.Since(start); d > fuzzLimits.MaxTime+time.Second {
		t.Fatalf("Parse(%s) took %v, limit %v", typ, d, fuzzLimits.MaxTime)
	}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) || e.Reason == "" {
			t.Fatalf("Parse(%s) error %v is not an *Error with a reason", typ, err)
		}
		known := false
		for _, k := range []error{ErrUnsupported, ErrMismatch, ErrCorrupt, ErrTooLarge, ErrTimeout, ErrEmpty} {
			known = known || errors.Is(err, k)
		}
		if !known {
			t.Fatalf("Parse(%s) error %v has no known kind", typ, err)
		}
		return
	}
	if len(blocks) == 0 {
		t.Fatalf("Parse(%s) returned no blocks and no error", typ)
	}
	var total int
	for _, b := range blocks {
		if b.Text == "" || strings.TrimSpace(b.Text) != b.Text || !utf8.ValidString(b.Text) {
			t.Fatalf("Parse(%s) block %q is empty, untrimmed or not UTF-8", typ, b.Text)
		}
		total += len(b.Text)
	}
	if total > int(fuzzLimits.MaxTextBytes) {
		t.Fatalf("Parse(%s) returned %d bytes of text, limit %d", typ, total, fuzzLimits.MaxTextBytes)
	}
	opt := ChunkOptions{Target: 200, Overlap: 40}
	for i, c := range Split(blocks, opt) {
		if c.Ordinal != i || c.Text == "" || utf8.RuneCountInString(c.Text) > opt.Target+opt.Overlap {
			t.Fatalf("chunk %d: ordinal %d, %d runes (target %d + overlap %d)", i, c.Ordinal, utf8.RuneCountInString(c.Text), opt.Target, opt.Overlap)
		}
	}
}

// FuzzParse parses arbitrary bytes as each type Detect would give them.
func FuzzParse(f *testing.F) {
	seeds := []struct {
		typ  Type
		data string
	}{
		{Text, "Restart PAYROLL_LOAD.\n\nThen check the log."},
		{Markdown, "# Runbook\n\n## Steps\n\n```sh\n# not a heading\n```\n\nSetext\n---\n\ntext"},
		{HTML, "<h1>Runbook</h1><p>First <b>para</b>.</p><ul><li>one</li></ul><pre>code</pre><script>x</script>"},
		{JSON, `{"jobs":[{"name":"PAYROLL_LOAD","retries":3}],"ok":true,"none":null}`},
		{CSV, "job,action\nPAYROLL_LOAD,rerun\n\"FIN, LOAD\",hold\n"},
		{PDF, string(minimalPDF("Restart PAYROLL_LOAD after the database is up."))},
		{Text, "caf\xe9"},
		{JSON, strings.Repeat("[", 100) + "1" + strings.Repeat("]", 100)},
	}
	types := Types()
	for _, s := range seeds {
		for i, t := range types {
			if t == s.typ {
				f.Add(uint8(i), []byte(s.data))
			}
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		checkParse(t, types[int(which)%len(types)], data)
	})
}

// FuzzPDF mutates PDFs: the reader and the pre-scan see damaged and
// hostile structure (streams, filters, page trees) far more often than
// FuzzParse's other types would give them.
func FuzzPDF(f *testing.F) {
	f.Add(minimalPDF("Restart PAYROLL_LOAD after the database is up."))
	f.Add(minimalPDF("two", "lines"))
	f.Add(nestedPDF(3))
	f.Add(buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R 3 0 R] /Count 2 >>",
		"<< /Type /Page /Parent 2 0 R /Contents [4 0 R 4 0 R] >>",
		"<< /Length 22 /Filter /ASCII85Decode >>\nstream\n<+U,m+D#S%F<G[=Bk:~>\nendstream",
	))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, PDF, data)
	})
}

// FuzzPDFContent builds a well-formed PDF around a fuzzed content stream,
// page dictionary entries and font, so that inputs reach the pre-scan, the
// page walk and the interpreter instead of failing at the cross-reference
// table. mode picks how the stream is stored: raw, deflated, deflated
// twice, declared deflated but raw, or ASCII85.
func FuzzPDFContent(f *testing.F) {
	f.Add([]byte("BT /F1 12 Tf 72 720 Td (Restart PAYROLL_LOAD) Tj T* [(a) -20 (b)] TJ ET"), "", "/Encoding /WinAnsiEncoding", uint8(0))
	f.Add([]byte("BT /F1 12 Tf (x) ' 1 2 (y) \" ET"), "/Rotate 90", "/Encoding /Identity-H", uint8(1))
	f.Add([]byte("1 2 3 4 5 [ 1 2 [ 3 ] ] << /a 1 >> <414243> Tj % comment\n(unclosed"), "/Parent 3 0 R", "", uint8(2))
	f.Add([]byte("BT (text) Tj ET"), "/Kids [3 0 R] /Type /Pages", "/ToUnicode 4 0 R", uint8(3))
	f.Add([]byte("BT (text) Tj ET"), "", "", uint8(4))
	f.Fuzz(func(t *testing.T, content []byte, pageDict, fontDict string, mode uint8) {
		stream, dict := encodeStream(content, mode%5)
		data := buildPDF(
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> "+pageDict+" >>",
			dict+"\nstream\n"+stream+"\nendstream",
			"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "+fontDict+" >>",
		)
		checkParse(t, PDF, data)
	})
}

func encodeStream(content []byte, mode uint8) (stream, dict string) {
	deflate := func(b []byte) []byte {
		var out bytes.Buffer
		zw := zlib.NewWriter(&out)
		_, _ = zw.Write(b)
		_ = zw.Close()
		return out.Bytes()
	}
	var filter string
	switch mode {
	case 1:
		content, filter = deflate(content), "/Filter /FlateDecode"
	case 2:
		content, filter = deflate(deflate(content)), "/Filter [/FlateDecode /FlateDecode]"
	case 3:
		filter = "/Filter /FlateDecode"
	case 4:
		var out bytes.Buffer
		w := ascii85.NewEncoder(&out)
		_, _ = w.Write(content)
		_ = w.Close()
		out.WriteString("~>")
		content, filter = out.Bytes(), "/Filter /ASCII85Decode"
	}
	return string(content), fmt.Sprintf("<< /Length %d %s >>", len(content), filter)
}

// FuzzDetect decides types of arbitrary names and heads. Properties: a
// type is a supported one; a PDF type needs a %PDF- head and a PDF head
// never passes as another type; refusals are *Errors with a reason.
func FuzzDetect(f *testing.F) {
	f.Add("runbook.md", "", []byte("# Title"))
	f.Add("guide.pdf", "", []byte("%PDF-1.4\n"))
	f.Add("noext", "text/markdown; charset=utf-8", []byte("# x"))
	f.Add("sneaky.txt", "", []byte("%PDF-1.4\n"))
	f.Add("image.md", "", []byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, name, declared string, head []byte) {
		typ, err := Detect(name, declared, head)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Reason == "" || !(errors.Is(err, ErrUnsupported) || errors.Is(err, ErrMismatch)) {
				t.Fatalf("Detect error %v is not an ErrUnsupported or ErrMismatch *Error with a reason", err)
			}
			return
		}
		if _, ok := ParseType(string(typ)); !ok {
			t.Fatalf("Detect = %q, not a supported type", typ)
		}
		if isPDF := strings.HasPrefix(string(head), "%PDF-"); (typ == PDF) != isPDF {
			t.Fatalf("Detect(%q, %q) = %s for a head that is PDF: %v", name, declared, typ, isPDF)
		}
	})
}
