package docs

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// MinimalPDF builds a one-page PDF whose page shows lines (Helvetica), with a
// correct cross-reference table, for tests.
func minimalPDF(lines ...string) []byte {
	var content strings.Builder
	content.WriteString("BT /F1 12 Tf 72 720 Td 14 TL\n")
	for _, l := range lines {
		l = strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(l)
		fmt.Fprintf(&content, "(%s) Tj T*\n", l)
	}
	content.WriteString("ET")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", content.Len(), content.String()),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	}
	var b strings.Builder
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
	return []byte(b.String())
}

func TestDetect(t *testing.T) {
	pdfBytes := minimalPDF("hello")
	tests := []struct {
		name, declared string
		head           []byte
		want           Type
		wantErr        error
	}{
		{"runbook.md", "", []byte("# Title\n\ntext"), Markdown, nil},
		{"RUNBOOK.MARKDOWN", "", []byte("text"), Markdown, nil},
		{"page.html", "", []byte("<html><body>x</body></html>"), HTML, nil},
		{"notes.txt", "", []byte("plain"), Text, nil},
		{"data.json", "", []byte(`{"a":1}`), JSON, nil},
		{"rows.csv", "", []byte("a,b\n1,2\n"), CSV, nil},
		{"guide.pdf", "", pdfBytes, PDF, nil},
		{"noext", "text/markdown; charset=utf-8", []byte("# x"), Markdown, nil},
		{"noext", "", pdfBytes, PDF, nil},
		{"noext", "", []byte("<!DOCTYPE html><p>x"), HTML, nil},
		{"fake.pdf", "", []byte("not a pdf at all"), "", ErrMismatch},
		{"sneaky.txt", "", pdfBytes, "", ErrMismatch},
		{"image.md", "", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "", ErrMismatch},
		{"latin1.txt", "", []byte("caf\xe9 au lait"), "", ErrMismatch},
		{"noext", "", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "", ErrUnsupported},
		{"cut.txt", "", []byte("ok \xe2\x82"), Text, nil}, // a rune cut at the end of the head
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.declared, func(t *testing.T) {
			got, err := Detect(tt.name, tt.declared, tt.head)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Detect(%q) error = %v, want %v", tt.name, err, tt.wantErr)
				}
				if Reason(err) == "" || strings.Contains(Reason(err), "docs:") {
					t.Errorf("Reason = %q, want a plain sentence", Reason(err))
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Detect(%q) = %q, %v; want %q", tt.name, got, err, tt.want)
			}
		})
	}
}

func TestParseMarkdown(t *testing.T) {
	src := "Intro line.\n\n# Payroll runbook\n\n## When PAYROLL_LOAD abends\n\nCheck the log.\nThen rerun.\n\n```sh\n# not a heading\nconman rerun\n```\n\nSetext\n------\n\nUnder setext.\n\n### Deeper\n\nDeep text.\n\n# Other\n\nOther text.\n"
	got, err := Parse(Markdown, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ section, text string }{
		{"", "Intro line."},
		{"Payroll runbook > When PAYROLL_LOAD abends", "Check the log.\nThen rerun."},
		{"Payroll runbook > When PAYROLL_LOAD abends", "```sh\n# not a heading\nconman rerun\n```"},
		{"Payroll runbook > Setext", "Under setext."},
		{"Payroll runbook > Setext > Deeper", "Deep text."},
		{"Other", "Other text."},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d blocks %+v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		if s := strings.Join(got[i].Section, SectionSeparator); s != w.section || got[i].Text != w.text {
			t.Errorf("block %d = %q %q, want %q %q", i, s, got[i].Text, w.section, w.text)
		}
	}
}

func TestParseHTMLSanitised(t *testing.T) {
	src := `<html><head><title>T</title><style>body{color:red}</style><script>alert("x")</script></head>
<body><h1>Runbook</h1><p onclick="evil()">First <b>para</b>.</p><h2>Steps</h2><ul><li>one</li><li>two</li></ul>
<iframe src="http://x"></iframe><p>Last &amp; final.</p><script>document.write("no")</script></body></html>`
	got, err := Parse(HTML, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, b := range got {
		all = append(all, strings.Join(b.Section, SectionSeparator)+"|"+b.Text)
	}
	joined := strings.Join(all, "\n")
	for _, bad := range []string{"alert", "color:red", "evil", "document.write"} {
		if strings.Contains(joined, bad) {
			t.Errorf("sanitised text contains %q:\n%s", bad, joined)
		}
	}
	for _, want := range []string{"Runbook|First para.", "Runbook > Steps|one\ntwo", "Runbook > Steps|Last & final."} {
		if !strings.Contains(joined, want) {
			t.Errorf("blocks lack %q:\n%s", want, joined)
		}
	}
}

func TestParsePDF(t *testing.T) {
	got, err := Parse(PDF, minimalPDF("Restart PAYROLL_LOAD after the database is up."))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || !strings.Contains(got[0].Text, "PAYROLL_LOAD") || got[0].Section[0] != "page 1" {
		t.Errorf("Parse(PDF) = %+v, want page 1 with the text", got)
	}
}

func TestParseErrors(t *testing.T) {
	valid := minimalPDF("x")
	tests := []struct {
		name string
		typ  Type
		data []byte
		want error
	}{
		{"corrupt pdf", PDF, []byte("%PDF-1.4\n1 0 obj garbage\n%%EOF"), ErrCorrupt},
		{"truncated pdf", PDF, valid[:len(valid)/2], ErrCorrupt},
		{"bad json", JSON, []byte(`{"a":`), ErrCorrupt},
		{"two json values", JSON, []byte(`{} {}`), ErrCorrupt},
		{"bad csv", CSV, []byte("a,b\n\"unclosed,2\n"), ErrCorrupt},
		{"empty text", Text, []byte("  \n\n "), ErrEmpty},
		{"too large", Text, make([]byte, MaxBytes+1), ErrTooLarge},
		{"unknown type", Type("image/png"), []byte("x"), ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.typ, tt.data)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse error = %v, want %v", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.Reason == "" {
				t.Errorf("error %v is not an *Error with a reason", err)
			}
		})
	}
}

func TestParseJSONAndCSV(t *testing.T) {
	j, err := Parse(JSON, []byte(`{"jobs":[{"name":"PAYROLL_LOAD","retries":3}],"owner":"ops","ok":true,"none":null}`))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, b := range j {
		lines = append(lines, b.Section[0]+"|"+b.Text)
	}
	want := "jobs|jobs[0].name: PAYROLL_LOAD\njobs[0].retries: 3\nnone|none: null\nok|ok: true\nowner|owner: ops"
	if got := strings.Join(lines, "\n"); got != want {
		t.Errorf("JSON blocks:\n%s\nwant:\n%s", got, want)
	}
	c, err := Parse(CSV, []byte("job,action\nPAYROLL_LOAD,rerun\n\"FIN, LOAD\",hold\n,\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c) != 2 || c[0].Text != "job: PAYROLL_LOAD; action: rerun" || c[1].Text != "job: FIN, LOAD; action: hold" {
		t.Errorf("CSV blocks = %+v", c)
	}
}

func TestSplit(t *testing.T) {
	para := func(n int, word string) string {
		return strings.TrimSpace(strings.Repeat(word+" ", n))
	}
	short1, short2, short3 := para(60, "alpha"), para(60, "beta"), para(60, "gamma") // 359, 299, 359 runes
	long := para(300, "delta.")                                                      // 2099 runes
	blocks := []Block{
		{Section: []string{"A"}, Text: short1},
		{Section: []string{"A"}, Text: short2},
		{Section: []string{"A"}, Text: short3},
		{Section: []string{"A", "B"}, Text: long},
		{Section: []string{"C"}, Text: "tiny"},
	}
	got := Split(blocks, ChunkOptions{Target: 800, Overlap: 120})
	for i, c := range got {
		if c.Ordinal != i {
			t.Errorf("chunk %d has ordinal %d", i, c.Ordinal)
		}
		if n := utf8.RuneCountInString(c.Text); n > 800+120 {
			t.Errorf("chunk %d has %d runes, want at most target+overlap", i, n)
		}
	}
	// Section A: short1+short2 fit (660); short3 starts a new chunk with overlap from short2.
	if got[0].Section != "A" || got[0].Text != short1+"\n\n"+short2 {
		t.Errorf("chunk 0 = %q %q", got[0].Section, got[0].Text)
	}
	if got[1].Section != "A" || !strings.HasSuffix(got[1].Text, short3) || !strings.HasPrefix(got[1].Text, "beta") || got[1].Text == short3 {
		t.Errorf("chunk 1 should carry an overlap of beta then short3, got %q", got[1].Text)
	}
	// The long paragraph is split, in its own section, with overlap between pieces.
	var pieces []Chunk
	for _, c := range got {
		if c.Section == "A > B" {
			pieces = append(pieces, c)
		}
	}
	if len(pieces) < 3 {
		t.Fatalf("long paragraph split into %d pieces, want at least 3", len(pieces))
	}
	for i := 1; i < len(pieces); i++ {
		prevEnd := pieces[i-1].Text[len(pieces[i-1].Text)-20:]
		if !strings.Contains(pieces[i].Text, strings.TrimSpace(prevEnd)) {
			t.Errorf("piece %d does not overlap the end of piece %d", i, i-1)
		}
	}
	if last := got[len(got)-1]; last.Section != "C" || last.Text != "tiny" {
		t.Errorf("last chunk = %+v, want section C with no overlap from another section", last)
	}
	// A short paragraph is never split.
	for _, c := range got {
		if strings.Contains(c.Text, "gamma") && !strings.Contains(c.Text, short3) {
			t.Errorf("short paragraph split: %q", c.Text)
		}
	}
}

func BenchmarkParseChunk(b *testing.B) {
	var sb strings.Builder
	for i := 0; sb.Len() < 1<<20; i++ {
		fmt.Fprintf(&sb, "## Step %d\n\nWhen PAYROLL_LOAD_%d abends with RC 12, check the database connection and the tablespace, then rerun the job from the Dynamic Workload Console. Escalate to the DBA on call if it fails twice.\n\n- check the log\n- rerun\n\n", i, i)
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		blocks, err := Parse(Markdown, data)
		if err != nil {
			b.Fatal(err)
		}
		if len(Split(blocks, ChunkOptions{})) == 0 {
			b.Fatal("no chunks")
		}
	}
}

func TestHashingEmbedder(t *testing.T) {
	e := Hashing{}
	vs, err := e.Embed(context.Background(), []string{
		"rerun PAYROLL_LOAD after the database is back",
		"Rerun payroll_load after the database is back!",
		"tape drive maintenance schedule",
		"",
	})
	if err != nil {
		t.Fatal(err)
	}
	dot := func(a, b []float32) float64 {
		var s float64
		for i := range a {
			s += float64(a[i]) * float64(b[i])
		}
		return s
	}
	if len(vs[0]) != 1024 {
		t.Fatalf("dims = %d, want 1024", len(vs[0]))
	}
	if n := dot(vs[0], vs[0]); math.Abs(n-1) > 1e-5 {
		t.Errorf("|v|² = %v, want 1", n)
	}
	if s := dot(vs[0], vs[1]); s < 0.99 {
		t.Errorf("same words (case, punctuation aside) similarity %v, want ~1", s)
	}
	if s := dot(vs[0], vs[2]); s > 0.3 {
		t.Errorf("unrelated text similarity %v, want low", s)
	}
	if dot(vs[3], vs[3]) != 0 {
		t.Errorf("empty text should embed to the zero vector")
	}
	again, _ := e.Embed(context.Background(), []string{"rerun PAYROLL_LOAD after the database is back"})
	if dot(again[0], vs[0]) < 0.999999 {
		t.Errorf("not deterministic")
	}
}
