package docs

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// hostileMemory is the most a hostile document may make Parse allocate in
// total (TotalAlloc, an upper bound of its peak). The demonstration in issue
// 13 allocated 524 MiB for a 12.5 KB PDF.
const hostileMemory = 64 << 20

// TestHostileDocuments feeds documents built to exhaust memory or time to
// Detect and Parse the way ingest does, and requires each to fail with a
// reason of the expected kind while allocating less than hostileMemory.
func TestHostileDocuments(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		data  func(t *testing.T) []byte
		want  error
		limit string // the Limit the error names, "" when not a limit
	}{
		{"decompression bomb", "bomb.pdf", bombPDF, ErrTooLarge, LimitInflated},
		{"deeply nested page tree", "nested.pdf", func(*testing.T) []byte { return nestedPDF(20000) }, ErrTooLarge, LimitDepth},
		{"huge single line", "line.txt", hugeLine, ErrTooLarge, LimitText},
		{"invalid UTF-8 after a valid head", "latin1.txt", invalidUTF8, ErrMismatch, ""},
		{"zip disguised as text", "notes.txt", disguisedZip, ErrMismatch, ""},
		{"CSV header repeated on every row", "rows.csv", csvHeaderBomb, ErrTooLarge, LimitText},
		{"JSON key path repeated on every leaf", "deep.json", jsonPathBomb, ErrTooLarge, LimitText},
		// golang.org/x/net/html refuses more than 512 open elements; this
		// keeps the recursive walk of the tree shallow.
		{"deeply nested HTML", "deep.html", deepHTML, ErrCorrupt, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.data(t)
			var err error
			total, inuse := measure(func() {
				var typ Type
				if typ, err = Detect(tt.file, "", data[:min(len(data), 512)]); err == nil {
					var blocks []Block
					if blocks, err = Parse(typ, data); err == nil {
						_ = Split(blocks, ChunkOptions{}) // what ingest does next
					}
				}
			})
			t.Logf("%s: %d bytes in, TotalAlloc %.1f MiB, HeapInuse delta %+.1f MiB, error: %v",
				tt.file, len(data), mib(total), mib(inuse), err)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.Reason == "" || strings.Contains(e.Reason, "docs:") {
				t.Fatalf("error %v is not an *Error with a plain reason", err)
			}
			if e.Limit != tt.limit {
				t.Errorf("Limit = %q, want %q (reason %q)", e.Limit, tt.limit, e.Reason)
			}
			if total > hostileMemory {
				t.Errorf("allocated %.1f MiB, want at most %.0f MiB", mib(total), mib(hostileMemory))
			}
		})
	}
}

// measure runs f and returns the bytes it allocated (TotalAlloc delta) and
// the change of HeapInuse across it.
func measure(f func()) (total uint64, inuse int64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, int64(after.HeapInuse) - int64(before.HeapInuse)
}

func mib[T int | int64 | uint64](n T) float64 { return float64(n) / (1 << 20) }

// bombPDF is a one-page PDF of about 12 KB whose content stream, compressed
// twice with FlateDecode, inflates to 64 MiB of text-showing operators.
func bombPDF(t *testing.T) []byte {
	t.Helper()
	const inflated = 64 << 20
	line := "(" + strings.Repeat("A", 120) + ") Tj T*\n"
	var inner bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&inner, zlib.BestCompression)
	_, _ = zw.Write([]byte("BT /F1 12 Tf 72 720 Td 14 TL\n"))
	chunk := []byte(strings.Repeat(line, (64<<10)/len(line)))
	for n := 0; n < inflated; n += len(chunk) {
		_, _ = zw.Write(chunk)
	}
	_, _ = zw.Write([]byte("ET"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	var outer bytes.Buffer
	zw, _ = zlib.NewWriterLevel(&outer, zlib.BestCompression)
	_, _ = zw.Write(inner.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	pdf := buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d /Filter [/FlateDecode /FlateDecode] >>\nstream\n%s\nendstream", outer.Len(), outer.Bytes()),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	)
	if len(pdf) > 16<<10 {
		t.Fatalf("bomb is %d bytes, want about 12 KB", len(pdf))
	}
	return pdf
}

// nestedPDF is a PDF whose page tree nests depth /Pages nodes above its
// one page: a reader that follows it allocates for every level.
func nestedPDF(depth int) []byte {
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>"}
	for i := range depth {
		id := i + 2
		parent := ""
		if i > 0 {
			parent = fmt.Sprintf(" /Parent %d 0 R", id-1)
		}
		objs = append(objs, fmt.Sprintf("<< /Type /Pages%s /Kids [%d 0 R] /Count 1 >>", parent, id+1))
	}
	leaf := depth + 2
	content := "BT /F1 12 Tf 72 720 Td (deep) Tj ET"
	objs = append(objs,
		fmt.Sprintf("<< /Type /Page /Parent %d 0 R /Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >> >>", leaf-1, leaf+1, leaf+2),
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	)
	return buildPDF(objs...)
}

// buildPDF numbers objs from 1 and writes them with a correct
// cross-reference table; object 1 is the catalog.
func buildPDF(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// hugeLine is 16 MiB of words with no line break.
func hugeLine(*testing.T) []byte {
	return bytes.Repeat([]byte("abend "), (16<<20)/6)
}

// invalidUTF8 has a clean 4 KB head, then Latin-1 bytes.
func invalidUTF8(*testing.T) []byte {
	return append(bytes.Repeat([]byte("rerun the job\n"), 300), []byte("caf\xe9 cr\xe8me \xff\xfe")...)
}

// disguisedZip is a zip archive behind a page of text: its head sniffs as
// text, and zip readers still open it (they read from the end).
func disguisedZip(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(strings.Repeat("Release notes for the payroll stream.\n", 20))
	zw := zip.NewWriter(&b)
	zw.SetOffset(int64(b.Len()))
	w, err := zw.Create("payload.bin")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(bytes.Repeat([]byte{0, 1, 2, 3}, 4096))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// csvHeaderBomb has a 64 KB column name and 20,000 one-byte rows: each row
// repeats the header, 1.3 GB of text from 100 KB.
func csvHeaderBomb(*testing.T) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Repeat("h", 64<<10))
	b.WriteString("\n")
	b.Write(bytes.Repeat([]byte("x\n"), 20000))
	return b.Bytes()
}

// jsonPathBomb nests arrays 2,000 deep around 100,000 leaves: every leaf
// line repeats the 6,000-byte path above it, 600 MB of text from 200 KB.
func jsonPathBomb(*testing.T) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Repeat("[", 2000))
	b.WriteString(strings.Repeat("1,", 100000))
	b.WriteString("1")
	b.WriteString(strings.Repeat("]", 2000))
	return b.Bytes()
}

// deepHTML nests 200,000 elements: a recursive walk of the tree needs a
// stack frame for each.
func deepHTML(*testing.T) []byte {
	return []byte("<html><body>" + strings.Repeat("<blockquote>", 200000) + "deep" + "</body></html>")
}

// TestPDFLimits drives each PDF cap past the raw pre-scan: the checks made
// while the pages are read must hold on their own.
func TestPDFLimits(t *testing.T) {
	page := func(content string, extra ...string) []byte {
		objs := []string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
			content,
			"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		}
		return buildPDF(append(objs, extra...)...)
	}
	deflate := func(s string) string {
		var b bytes.Buffer
		zw := zlib.NewWriter(&b)
		_, _ = zw.Write([]byte(s))
		_ = zw.Close()
		return b.String()
	}
	text := "BT /F1 12 Tf 72 720 Td (" + strings.Repeat("rerun ", 2000) + ") Tj ET"
	// A content stream that calls itself an image: the pre-scan skips it,
	// the measure before interpreting does not.
	disguised := page(fmt.Sprintf("<< /Subtype /Image /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream", len(deflate(text)), deflate(text)))
	// 100,000 operands and no operator.
	operands := strings.Repeat("1 ", 100000)
	piled := page(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(operands), operands))
	// An unused image that inflates to 48 MiB does not count.
	image := deflate(strings.Repeat("\x00", 48<<20))
	withImage := page(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text),
		fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width 4096 /Height 4096 /BitsPerComponent 8 /ColorSpace /DeviceGray /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream", len(image), image))
	pages := buildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R 3 0 R 3 0 R] /Count 3 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		"<< /Length 15 >>\nstream\nBT (page) Tj ET\nendstream",
	)
	tests := []struct {
		name  string
		lim   Limits
		data  []byte
		want  error
		limit string
	}{
		{"content disguised as an image", Limits{MaxInflatedBytes: 4 << 10}, disguised, ErrTooLarge, LimitInflated},
		{"text past the cap", Limits{MaxTextBytes: 4 << 10}, minimalPDF(strings.Repeat("rerun ", 2000)), ErrTooLarge, LimitText},
		{"pages past the cap", Limits{MaxPages: 2}, pages, ErrTooLarge, LimitPages},
		{"operands without an operator", Limits{}, piled, ErrTooLarge, LimitDepth},
		// The library's lexer reads an unterminated hex string forever, and
		// makes no read the deadline could stop (found by FuzzPDFContent).
		{"content ends inside a hex string", Limits{}, page("<< /Length 3 >>\nstream\n1 <\nendstream"), ErrCorrupt, ""},
		{"past the deadline", Limits{MaxTime: time.Nanosecond}, minimalPDF("late"), ErrTimeout, LimitTime},
		{"an unused large image", Limits{}, withImage, nil, ""},
		{"three pages", Limits{MaxPages: 3}, pages, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			total, _ := measure(func() { _, err = tt.lim.Parse(context.Background(), PDF, tt.data) })
			t.Logf("%d bytes in, TotalAlloc %.1f MiB, error: %v", len(tt.data), mib(total), err)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("error = %v, want none", err)
				}
				return
			}
			var e *Error
			if !errors.Is(err, tt.want) || !errors.As(err, &e) || e.Limit != tt.limit {
				t.Fatalf("error = %v, want %v naming limit %q", err, tt.want, tt.limit)
			}
			if total > hostileMemory {
				t.Errorf("allocated %.1f MiB, want at most %.0f MiB", mib(total), mib(hostileMemory))
			}
		})
	}
}
