package docs

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/ascii85"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ledongthuc/pdf"
)

// Reading a PDF is where a small upload can cost the most. The reader,
// github.com/ledongthuc/pdf (pure Go, no cgo), inflates streams through
// compress/zlib with no bound and offers no hook into its decoders: a page
// whose content stream is compressed twice turns 1 KB into 64 MiB of text,
// and an object stream can hold one string of any size. The library cannot
// be bounded from the inside, so parsePDF bounds it from the outside:
//
//  1. prescanPDF decodes every stream of the raw file through its declared
//     filters into a counter, before the library sees the file; the decoded
//     total must stay under MaxInflatedBytes. Decoding into a counter holds
//     a 32 KiB window per filter, whatever the stream inflates to. Images are
//     skipped (the text extractor never decodes them, and a runbook full of
//     screenshots is legitimate) unless they claim to be object or
//     cross-reference streams.
//  2. The page tree is walked here, not by the library: iteratively, at
//     most maxPageTreeDepth deep and MaxPages pages, after checking the
//     page count the file claims.
//  3. Before a page's content (or a font's ToUnicode map) is interpreted,
//     it is decoded once more through the library's own Value.Reader into a
//     counter that also counts the operands waiting for an operator (the
//     library's interpreter keeps them all on its stack). This catches what
//     the raw scan cannot see — a content stream that calls itself an image,
//     a stream whose dictionary the scan misread — with the library's exact
//     decoding.
//  4. The text is extracted here with pdf.Interpret, so that every operator
//     counts its text against MaxTextBytes and checks the deadline, and a
//     limit stops the interpreter mid-stream.
//  5. The library reads the file through guardedReaderAt, which fails every
//     read once the deadline has passed: each object the library resolves
//     is a read, so a cycle in the file cannot spin past MaxTime.
//
// Encrypted files are refused: their streams cannot be pre-scanned.
func parsePDF(b *budget, data []byte) (blocks []Block, err error) {
	if err := prescanPDF(b, data); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			blocks = nil
			var a abort
			switch {
			case errors.As(asError(r), &a):
				err = a.err
			case b.ctx.Err() != nil:
				err = b.timeout(b.ctx.Err())
			default:
				err = fail(ErrCorrupt, fmt.Errorf("pdf reader panic: %v", r), "the PDF is damaged or uses features that cannot be read")
			}
		}
	}()
	src := &guardedReaderAt{b: b, r: bytes.NewReader(data)}
	r, err := pdf.NewReader(src, int64(len(data)))
	if err != nil {
		if e := b.check(); e != nil {
			return nil, e
		}
		return nil, fail(ErrCorrupt, err, "the file is not a readable PDF")
	}
	if r.Trailer().Key("Encrypt").Kind() != pdf.Null {
		return nil, fail(ErrUnsupported, nil, "the PDF is encrypted or protected; upload an unprotected copy")
	}
	if n := r.NumPage(); n > b.lim.MaxPages {
		return nil, limitError(LimitPages, nil, "the PDF has %d pages; at most %d are read", n, b.lim.MaxPages)
	}
	pages, err := pdfPages(b, r)
	if err != nil {
		return nil, err
	}
	if len(pages) == 0 {
		return nil, fail(ErrCorrupt, nil, "the PDF has no pages")
	}
	x := &extractor{b: b, fonts: map[string]pdf.TextEncoding{}}
	for i, p := range pages {
		text, err := x.pageText(p)
		if err != nil {
			var e *Error
			if errors.As(err, &e) {
				return nil, err
			}
			return nil, fail(ErrCorrupt, err, "the text of page %d of the PDF cannot be read", i+1)
		}
		for _, para := range paragraphs(text) {
			blocks = append(blocks, Block{Section: []string{"page " + strconv.Itoa(i+1)}, Text: para})
		}
	}
	if len(blocks) == 0 {
		return nil, fail(ErrEmpty, nil, "the PDF has no extractable text (a scanned PDF needs OCR first)")
	}
	return blocks, nil
}

// abort is panicked from inside the library's interpreter to stop it at a
// limit; parsePDF recovers it.
type abort struct{ err *Error }

func (a abort) Error() string { return a.err.Error() }

func asError(r any) error {
	if err, ok := r.(error); ok {
		return err
	}
	return fmt.Errorf("%v", r)
}

// guardedReaderAt is the file as the library reads it: every read fails
// once the parse's deadline has passed.
type guardedReaderAt struct {
	b *budget
	r *bytes.Reader
}

func (g *guardedReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if err := g.b.ctx.Err(); err != nil {
		return 0, err
	}
	return g.r.ReadAt(p, off)
}

// pdfPages walks the page tree depth first, in page order, refusing a tree
// deeper than maxPageTreeDepth or with more than MaxPages pages. Nodes that
// are neither /Pages nor /Page are skipped, as the library does.
func pdfPages(b *budget, r *pdf.Reader) ([]pdf.Page, error) {
	type node struct {
		v     pdf.Value
		depth int
	}
	root := r.Trailer().Key("Root").Key("Pages")
	if root.Key("Type").Name() != "Pages" {
		return nil, nil
	}
	var pages []pdf.Page
	stack := []node{{root, 0}}
	for visited := 0; len(stack) > 0; visited++ {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if visited%64 == 0 {
			if err := b.check(); err != nil {
				return nil, err
			}
		}
		if visited > 2*b.lim.MaxPages+maxPageTreeDepth {
			return nil, limitError(LimitPages, nil, "the PDF's page tree has more than %d nodes", 2*b.lim.MaxPages+maxPageTreeDepth)
		}
		switch n.v.Key("Type").Name() {
		case "Page":
			if len(pages) == b.lim.MaxPages {
				return nil, limitError(LimitPages, nil, "the PDF has more than %d pages", b.lim.MaxPages)
			}
			pages = append(pages, pdf.Page{V: n.v})
		case "Pages":
			if n.depth == maxPageTreeDepth {
				return nil, limitError(LimitDepth, nil, "the PDF's page tree is nested more than %d levels deep", maxPageTreeDepth)
			}
			kids := n.v.Key("Kids")
			if kids.Len() > b.lim.MaxPages {
				return nil, limitError(LimitPages, nil, "the PDF has more than %d pages", b.lim.MaxPages)
			}
			for i := kids.Len() - 1; i >= 0; i-- {
				stack = append(stack, node{kids.Index(i), n.depth + 1})
			}
		}
	}
	return pages, nil
}

// extractor pulls the text out of pages, sharing fonts across them.
type extractor struct {
	b     *budget
	fonts map[string]pdf.TextEncoding // by resource name, as the library's GetPlainText
}

// pageText is the library's Page.GetPlainText, with every decoded stream
// measured first (step 3 above) and every text operator counted (step 4).
func (x *extractor) pageText(p pdf.Page) (string, error) {
	contents := p.V.Key("Contents")
	if contents.Kind() == pdf.Null {
		return "", nil
	}
	if err := x.measure(contents); err != nil {
		return "", err
	}
	for _, name := range p.Fonts() {
		if _, ok := x.fonts[name]; ok {
			continue
		}
		f := p.Font(name)
		if tu := f.V.Key("ToUnicode"); tu.Kind() != pdf.Null {
			if err := x.measure(tu); err != nil {
				return "", err
			}
		}
		x.fonts[name] = f.Encoder()
	}
	var (
		text bytes.Buffer
		enc  pdf.TextEncoding = nopEncoding{}
		ops  int
	)
	show := func(raw string) {
		s := enc.Decode(raw)
		if err := x.b.addText(len(s)); err != nil {
			panic(abort{err.(*Error)})
		}
		text.WriteString(s)
	}
	pdf.Interpret(contents, func(stk *pdf.Stack, op string) {
		if ops++; ops%256 == 0 {
			if err := x.b.check(); err != nil {
				panic(abort{err.(*Error)})
			}
		}
		args := popArgs(stk)
		switch op {
		case "BT", "T*":
			show("\n")
		case "Tf":
			enc = nopEncoding{}
			if len(args) == 2 {
				if e, ok := x.fonts[args[0].Name()]; ok {
					enc = e
				}
			}
		case "Tj", "'", "\"":
			if len(args) > 0 {
				show(args[len(args)-1].RawString())
			}
		case "TJ":
			if len(args) == 1 {
				v := args[0]
				for i := 0; i < v.Len(); i++ {
					if s := v.Index(i); s.Kind() == pdf.String {
						show(s.RawString())
					}
				}
			}
		}
	})
	// Without a font encoding the library passes the raw bytes through.
	return strings.ToValidUTF8(text.String(), "\uFFFD"), nil
}

// maxOperands caps the operands a content stream or CMap may push before
// an operator: the library's interpreter keeps each on its stack (about 40
// bytes apiece, plus the array elements inside them). Text operators take
// one to three; a TJ array holds a line's glyph runs.
const maxOperands = 1 << 16

// measure decodes a stream (or an array of streams, as page contents may
// be) with the library's decoder, counting its bytes against the
// MaxInflatedBytes of the text extractor and its pending operands against
// maxOperands.
func (x *extractor) measure(v pdf.Value) error {
	var rd io.Reader
	if v.Kind() == pdf.Array {
		readers := make([]io.Reader, 0, v.Len())
		for i := 0; i < v.Len(); i++ {
			readers = append(readers, v.Index(i).Reader())
		}
		rd = io.MultiReader(readers...)
	} else {
		rd = v.Reader()
	}
	var ops operandCounter
	buf := make([]byte, 32<<10)
	for {
		n, err := rd.Read(buf)
		x.b.inflated += int64(n)
		if x.b.inflated > x.b.lim.MaxInflatedBytes {
			return limitError(LimitInflated, nil, "the PDF's pages expand to more than %s when decompressed", size(x.b.lim.MaxInflatedBytes))
		}
		if !ops.scan(buf[:n]) {
			return limitError(LimitDepth, nil, "a page of the PDF piles up more than %d operands before an operator", maxOperands)
		}
		if err := x.b.check(); err != nil {
			return err
		}
		if err != nil {
			break // a decoding error is left to the interpreter to report
		}
	}
	if ops.inHex() {
		return fail(ErrCorrupt, nil, "a page of the PDF ends inside a hex string")
	}
	return nil
}

// operandCounter counts, across the chunks of a content stream, the tokens
// since the last operator (a bare word other than true, false and null),
// the way the library's interpreter stacks them. Strings, hex strings,
// names, numbers and the elements of arrays and dictionaries count one
// each; comments count none.
type operandCounter struct {
	pending int
	paren   int  // depth inside a (string)
	escape  bool // after a backslash in a string
	hex     bool // inside a <hex string>
	comment bool
	word    []byte // the bare word being read
	lt      bool   // the previous byte was '<'
}

// scan reads p and reports whether the pending operands stayed under
// maxOperands.
func (c *operandCounter) scan(p []byte) bool {
	for _, ch := range p {
		switch {
		case c.comment:
			if ch == '\n' || ch == '\r' {
				c.comment = false
			}
			continue
		case c.paren > 0:
			switch {
			case c.escape:
				c.escape = false
			case ch == '\\':
				c.escape = true
			case ch == '(':
				c.paren++
			case ch == ')':
				c.paren--
			}
			continue
		case c.hex:
			if ch == '>' {
				c.hex = false
			}
			continue
		}
		if c.lt {
			c.lt = false
			if ch == '<' { // "<<" opens a dictionary
				continue
			}
			c.pending++ // a <hex string>
			c.hex = ch != '>'
			continue
		}
		switch ch {
		case ' ', '\t', '\n', '\r', '\f', 0, '[', ']', '{', '}', '>', '/', '(', '<', '%':
			c.endWord()
			switch ch {
			case '(':
				c.paren = 1
				c.pending++
			case '<':
				c.lt = true
			case '%':
				c.comment = true
			case '/':
				c.word = append(c.word[:0], '/')
			}
		default:
			if len(c.word) < 16 {
				c.word = append(c.word, ch)
			} else {
				c.word = append(c.word[:15], 'x') // long words are numbers or names
			}
		}
		if c.pending > maxOperands {
			return false
		}
	}
	return c.pending <= maxOperands
}

// inHex reports input that ended inside a <hex string>. The library's
// lexer reads such a string forever: at the end of a content stream or an
// object stream it is handed newlines without end, and it makes no read
// the deadline could stop.
func (c *operandCounter) inHex() bool { return c.hex || c.lt }

// endWord counts the bare word just read: an operator clears the pending
// operands; a number, a name, true, false or null is one more.
func (c *operandCounter) endWord() {
	w := c.word
	c.word = c.word[:0]
	if len(w) == 0 {
		return
	}
	if (w[0] >= 'a' && w[0] <= 'z' || w[0] >= 'A' && w[0] <= 'Z' || w[0] == '\'' || w[0] == '"') &&
		string(w) != "true" && string(w) != "false" && string(w) != "null" {
		c.pending = 0
		return
	}
	c.pending++
}

func popArgs(stk *pdf.Stack) []pdf.Value {
	n := stk.Len()
	args := make([]pdf.Value, n)
	for i := n - 1; i >= 0; i-- {
		args[i] = stk.Pop()
	}
	return args
}

// nopEncoding passes raw bytes through, as the library's own default.
type nopEncoding struct{}

func (nopEncoding) Decode(raw string) string { return raw }

// prescanPDF is step 1: it finds every "stream" keyword in the raw file,
// reads the filters in the dictionary before it, and decodes the stream
// into a counter; the total must stay under MaxInflatedBytes. Deflate and
// ASCII85 data end themselves, so /Length (often an indirect object) is not
// needed. A filter given indirectly is assumed to be FlateDecode applied as
// many times as the data keeps looking like zlib.
func prescanPDF(b *budget, data []byte) error {
	var (
		total int64
		dec   decoders
	)
	key := []byte("stream")
	for i := 0; ; {
		j := bytes.Index(data[i:], key)
		if j < 0 {
			return nil
		}
		at := i + j
		i = at + len(key)
		if at >= 3 && string(data[at-3:at]) == "end" {
			continue
		}
		start := i
		switch {
		case bytes.HasPrefix(data[start:], []byte("\r\n")):
			start += 2
		case bytes.HasPrefix(data[start:], []byte("\n")), bytes.HasPrefix(data[start:], []byte("\r")):
			start++
		default:
			continue // "stream" inside a name or a string
		}
		dict := dictBefore(data, at)
		filters, ok := filtersOf(dict)
		if !ok && bytes.Contains(dict, []byte("/ObjStm")) {
			// Stored as it is: scan it up to its end for the hex trap.
			raw := data[start:]
			if end := bytes.Index(raw, []byte("endstream")); end >= 0 {
				raw = raw[:end]
			}
			var c operandCounter
			if c.scan(raw); c.inHex() {
				return fail(ErrCorrupt, nil, "an object stream of the PDF ends inside a hex string")
			}
		}
		if !ok || isImage(dict) {
			continue
		}
		var hex *operandCounter
		if bytes.Contains(dict, []byte("/ObjStm")) {
			hex = &operandCounter{}
		}
		n, err := dec.size(b, data[start:], filters, b.lim.MaxInflatedBytes-total, hex)
		if err != nil {
			return err
		}
		if hex != nil && hex.inHex() {
			return fail(ErrCorrupt, nil, "an object stream of the PDF ends inside a hex string")
		}
		if total += n; total > b.lim.MaxInflatedBytes {
			return limitError(LimitInflated, nil, "the PDF expands to more than %s when decompressed", size(b.lim.MaxInflatedBytes))
		}
	}
}

// dictBefore returns the bytes between the last "obj" keyword before at
// (within 64 KiB) and at: the stream's dictionary.
func dictBefore(data []byte, at int) []byte {
	from := max(0, at-64<<10)
	d := data[from:at]
	if k := bytes.LastIndex(d, []byte("obj")); k >= 0 {
		d = d[k+3:]
	}
	return d
}

// isImage reports a stream that declares itself an image and not a stream
// the reader decodes to find objects.
func isImage(dict []byte) bool {
	return nameAfter(dict, "/Subtype") == "Image" &&
		!bytes.Contains(dict, []byte("/ObjStm")) && !bytes.Contains(dict, []byte("/XRef"))
}

// filtersOf reads /Filter: a name, an array of names, or (reported as
// "indirect") a reference. ok is false when the stream has no filter, so
// it is stored as it is and costs no more than its length.
func filtersOf(dict []byte) (filters []string, ok bool) {
	k := bytes.Index(dict, []byte("/Filter"))
	if k < 0 {
		return nil, false
	}
	rest := bytes.TrimLeft(dict[k+len("/Filter"):], " \t\r\n\f")
	switch {
	case len(rest) > 0 && rest[0] == '/':
		return []string{nameAfter(dict[k:], "/Filter")}, true
	case len(rest) > 0 && rest[0] == '[':
		end := bytes.IndexByte(rest, ']')
		if end < 0 {
			end = len(rest)
		}
		for _, f := range bytes.Fields(bytes.ReplaceAll(rest[1:end], []byte("/"), []byte(" /"))) {
			filters = append(filters, string(bytes.TrimPrefix(f, []byte("/"))))
		}
		return filters, len(filters) > 0
	}
	return []string{"indirect"}, true
}

// nameAfter returns the name that follows key in dict ("" if none).
func nameAfter(dict []byte, key string) string {
	k := bytes.Index(dict, []byte(key))
	if k < 0 {
		return ""
	}
	rest := bytes.TrimLeft(dict[k+len(key):], " \t\r\n\f")
	if len(rest) == 0 || rest[0] != '/' {
		return ""
	}
	rest = rest[1:]
	end := bytes.IndexAny(rest, " \t\r\n\f/[]<>()%")
	if end < 0 {
		end = len(rest)
	}
	return string(rest[:end])
}

// maxFilters caps the filters decoded in a chain.
const maxFilters = 8

// decoders keeps one zlib reader per stage of a chain, reset for each
// stream, so that a file of many small streams does not allocate a
// decompressor for each.
type decoders struct {
	zr  [maxFilters]io.ReadCloser
	buf []byte
}

// size decodes raw through filters and returns the decoded length, reading
// at most limit+1 bytes; scan (optional) sees the decoded bytes. Decoding
// stops quietly at an unknown filter or bad data: the library will report
// those when (if) it reads the stream.
func (d *decoders) size(b *budget, raw []byte, filters []string, limit int64, scan *operandCounter) (int64, error) {
	var rd io.Reader = bytes.NewReader(raw)
	indirect := len(filters) == 1 && filters[0] == "indirect"
chain:
	for stage := 0; stage < maxFilters; stage++ {
		f := ""
		switch {
		case indirect:
			f = "FlateDecode"
		case stage < len(filters):
			f = filters[stage]
		}
		switch f {
		case "FlateDecode", "Fl":
			br := bufio.NewReaderSize(rd, 512)
			if hdr, err := br.Peek(2); err != nil || !zlibHeader(hdr) {
				if indirect && stage > 0 {
					rd = br // the data stopped looking like zlib
					break chain
				}
				return 0, nil
			}
			if d.zr[stage] == nil {
				zr, err := zlib.NewReader(br)
				if err != nil {
					return 0, nil
				}
				d.zr[stage] = zr
			} else if err := d.zr[stage].(zlib.Resetter).Reset(br, nil); err != nil {
				return 0, nil
			}
			rd = d.zr[stage]
		case "ASCII85Decode", "A85":
			rd = ascii85.NewDecoder(rd)
		default: // the end of the chain, or a filter the library does not decode
			break chain
		}
	}
	if d.buf == nil {
		d.buf = make([]byte, 32<<10)
	}
	var n int64
	for n <= limit {
		k, err := rd.Read(d.buf)
		n += int64(k)
		if scan != nil {
			scan.scan(d.buf[:k])
		}
		if e := b.check(); e != nil {
			return n, e
		}
		if err != nil {
			break
		}
	}
	return n, nil
}

// zlibHeader reports whether h starts a zlib stream (RFC 1950: deflate,
// window at most 32 KiB, header checksum).
func zlibHeader(h []byte) bool {
	return h[0]&0x0f == 8 && h[0]>>4 <= 7 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0
}
