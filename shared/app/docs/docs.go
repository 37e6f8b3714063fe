// Package docs turns an uploaded runbook into text blocks and chunks for
// retrieval: it decides a file's type from its content and its name
// (refusing a name that lies about the content), parses plain text,
// Markdown, sanitised HTML, PDF, JSON and CSV into paragraphs that carry
// their heading path, and cuts them into overlapping chunks along headings
// and paragraphs.
//
// It does no I/O beyond the bytes it is given, and bounds the work of each
// document (Limits: inflated bytes, text, pages, time), since uploads are
// outside input. Every failure is an *Error whose Reason is safe to show to
// the uploader; errors.Is matches its Kind (ErrUnsupported, ErrMismatch,
// ErrCorrupt, ErrTooLarge, ErrTimeout, ErrEmpty).
package docs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"unicode/utf8"
)

// Type is a document type Resync ingests, named by its MIME type.
type Type string

// The supported types; Types lists them.
const (
	Text     Type = "text/plain"
	Markdown Type = "text/markdown"
	HTML     Type = "text/html"
	PDF      Type = "application/pdf"
	JSON     Type = "application/json"
	CSV      Type = "text/csv"
)

// Types returns the supported types, the allow-list of uploads.
func Types() []Type { return []Type{Text, Markdown, HTML, PDF, JSON, CSV} }

// MaxBytes is the largest document Parse accepts (20 MiB).
const MaxBytes = 20 << 20

// Kinds of failure, matched with errors.Is on an *Error.
var (
	ErrUnsupported = errors.New("unsupported document type")
	ErrMismatch    = errors.New("document content does not match its name")
	ErrCorrupt     = errors.New("document cannot be read")
	ErrTooLarge    = errors.New("document too large")
	ErrTimeout     = errors.New("document took too long to read")
	ErrEmpty       = errors.New("document has no text")
)

// Error is a document that cannot be ingested. Reason is a sentence safe to
// show to the uploader; Limit names the cap a document hit (LimitText, ...;
// "" for other failures); Err (optional) is the underlying cause for logs.
type Error struct {
	Kind   error
	Limit  string
	Reason string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return "docs: " + e.Reason + ": " + e.Err.Error()
	}
	return "docs: " + e.Reason
}

// Unwrap returns the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// Reason returns the safe reason of an *Error in err's chain, or a generic
// sentence for any other error.
func Reason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return "the document could not be processed"
}

func fail(kind error, cause error, format string, args ...any) *Error {
	return &Error{Kind: kind, Reason: fmt.Sprintf(format, args...), Err: cause}
}

// byExtension maps file name extensions to types.
var byExtension = map[string]Type{
	".txt": Text, ".text": Text, ".log": Text,
	".md": Markdown, ".markdown": Markdown,
	".html": HTML, ".htm": HTML,
	".pdf":  PDF,
	".json": JSON,
	".csv":  CSV,
}

// ParseType reads a declared content type ("text/markdown; charset=utf-8")
// and reports whether it is a supported type.
func ParseType(contentType string) (Type, bool) {
	mt, _, _ := strings.Cut(contentType, ";")
	t := Type(strings.ToLower(strings.TrimSpace(mt)))
	for _, s := range Types() {
		if t == s {
			return t, true
		}
	}
	return "", false
}

// Detect decides the type of a document from its first bytes (at least 512
// when the file is that long) and its name; declared is the content type the
// uploader gave, used only when the name has no known extension. The content
// must agree with the name: a .pdf must start with %PDF-, a text type must be
// valid UTF-8 text, and PDF content under a text name is refused. It returns
// an *Error of kind ErrUnsupported or ErrMismatch.
func Detect(name, declared string, head []byte) (Type, error) {
	sniffed := http.DetectContentType(head)
	isPDF := strings.HasPrefix(string(head), "%PDF-")
	t, ok := byExtension[strings.ToLower(path.Ext(name))]
	if !ok {
		if t, ok = ParseType(declared); !ok {
			switch {
			case isPDF:
				t = PDF
			case strings.HasPrefix(sniffed, "text/html"):
				t = HTML
			case strings.HasPrefix(sniffed, "text/plain"):
				t = Text
			default:
				return "", fail(ErrUnsupported, nil, "files of type %s are not supported (send text, Markdown, HTML, PDF, JSON or CSV)", mediaType(sniffed))
			}
		}
	}
	if t == PDF {
		if !isPDF {
			return "", fail(ErrMismatch, nil, "the file is named as a PDF but does not start with %%PDF-")
		}
		return PDF, nil
	}
	if isPDF {
		return "", fail(ErrMismatch, nil, "the file is a PDF but is named or declared as %s", t)
	}
	if !strings.HasPrefix(sniffed, "text/") || !validUTF8Prefix(head) {
		return "", fail(ErrMismatch, nil, "the file is named or declared as %s but its content is %s, not UTF-8 text", t, mediaType(sniffed))
	}
	return t, nil
}

// validUTF8Prefix accepts a head cut in the middle of a rune.
func validUTF8Prefix(b []byte) bool {
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		if utf8.Valid(b) {
			return true
		}
		b = b[:len(b)-1]
	}
	return utf8.Valid(b)
}

func mediaType(sniffed string) string {
	mt, _, _ := strings.Cut(sniffed, ";")
	return mt
}

// Block is a paragraph-like piece of a document (a paragraph, list, table
// row group, code block, PDF paragraph) with the heading path above it.
type Block struct {
	Section []string
	Text    string
}

// Parse extracts the text blocks of a document of type t within
// DefaultLimits; see Limits.Parse.
func Parse(t Type, data []byte) ([]Block, error) {
	return DefaultLimits().Parse(context.Background(), t, data)
}

// Parse extracts the text blocks of a document of type t, within l (zero
// fields take the defaults) and ctx. It returns an *Error: ErrTooLarge above
// MaxBytes or a limit of l, ErrTimeout past l.MaxTime or ctx's deadline,
// ErrMismatch for a text type that is not UTF-8 text throughout, ErrCorrupt
// for content that cannot be read as t, ErrEmpty when no text is left,
// ErrUnsupported for an unknown t or an encrypted PDF.
func (l Limits) Parse(ctx context.Context, t Type, data []byte) ([]Block, error) {
	if len(data) > MaxBytes {
		e := fail(ErrTooLarge, nil, "the file is larger than %d MB", MaxBytes>>20)
		e.Limit = LimitBytes
		return nil, e
	}
	l = l.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, l.MaxTime)
	defer cancel()
	b := &budget{ctx: ctx, lim: l}
	if t != PDF {
		if _, ok := ParseType(string(t)); ok {
			if err := checkText(t, data); err != nil {
				return nil, err
			}
		}
	}
	if t == Text || t == Markdown {
		// The text is the file: refuse it before copying it.
		if err := b.addText(len(data)); err != nil {
			return nil, err
		}
	}
	var (
		blocks []Block
		err    error
	)
	switch t {
	case Text:
		blocks = parseText(string(data))
	case Markdown:
		blocks = parseMarkdown(string(data))
	case HTML:
		blocks, err = parseHTML(b, data)
	case PDF:
		blocks, err = parsePDF(b, data)
	case JSON:
		blocks, err = parseJSON(b, data)
	case CSV:
		blocks, err = parseCSV(b, data)
	default:
		return nil, fail(ErrUnsupported, nil, "documents of type %q are not supported", string(t))
	}
	if err != nil {
		return nil, err
	}
	if err := b.check(); err != nil {
		return nil, err
	}
	out := blocks[:0]
	for _, b := range blocks {
		if b.Text = strings.TrimSpace(b.Text); b.Text != "" {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		return nil, fail(ErrEmpty, nil, "no text could be extracted from the file")
	}
	return out, nil
}

// TypeOfName returns the type a file name's extension stands for, if any.
func TypeOfName(name string) (Type, bool) {
	t, ok := byExtension[strings.ToLower(path.Ext(name))]
	return t, ok
}
