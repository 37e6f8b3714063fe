package docs

import (
	"bytes"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// parseHTML sanitises the page (scripts, styles, event handlers and other
// active content are dropped by bluemonday's UGC policy), then walks the
// result: h1..h6 set the section path, block elements end a paragraph.
// golang.org/x/net/html refuses more than 512 open elements, which keeps
// the recursive walk shallow; the text counts against the budget.
func parseHTML(b *budget, data []byte) ([]Block, error) {
	clean := bluemonday.UGCPolicy().SanitizeBytes(data)
	root, err := html.Parse(bytes.NewReader(clean))
	if err != nil {
		return nil, fail(ErrCorrupt, err, "the HTML could not be parsed")
	}
	w := &htmlWalker{}
	w.walk(root)
	w.flush()
	for _, blk := range w.blocks {
		if err := b.addText(len(blk.Text)); err != nil {
			return nil, err
		}
	}
	return w.blocks, nil
}

type htmlWalker struct {
	blocks []Block
	path   []string // by heading level
	text   strings.Builder
	pre    int
}

func (w *htmlWalker) section() []string {
	var out []string
	for _, h := range w.path {
		if h != "" {
			out = append(out, h)
		}
	}
	return out
}

func (w *htmlWalker) flush() {
	t := w.text.String()
	w.text.Reset()
	if w.pre == 0 {
		lines := strings.Split(t, "\n")
		for i, l := range lines {
			lines[i] = strings.Join(strings.Fields(l), " ")
		}
		t = strings.Join(lines, "\n")
	}
	t = strings.TrimSpace(t)
	if t != "" {
		w.blocks = append(w.blocks, Block{Section: w.section(), Text: t})
	}
}

func headingLevel(a atom.Atom) int {
	switch a {
	case atom.H1:
		return 1
	case atom.H2:
		return 2
	case atom.H3:
		return 3
	case atom.H4:
		return 4
	case atom.H5:
		return 5
	case atom.H6:
		return 6
	}
	return 0
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Pre, atom.Blockquote, atom.Ul, atom.Ol, atom.Table,
		atom.Section, atom.Article, atom.Header, atom.Footer, atom.Dl, atom.Hr, atom.Figure:
		return true
	}
	return false
}

func (w *htmlWalker) walk(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		if w.pre > 0 {
			w.text.WriteString(n.Data)
		} else {
			w.appendWords(n.Data)
		}
		return
	case html.ElementNode:
		if lvl := headingLevel(n.DataAtom); lvl > 0 {
			w.flush()
			var hb strings.Builder
			collectText(n, &hb)
			if h := strings.Join(strings.Fields(hb.String()), " "); h != "" {
				for len(w.path) < lvl {
					w.path = append(w.path, "")
				}
				w.path = w.path[:lvl]
				w.path[lvl-1] = h
			}
			return
		}
		switch n.DataAtom {
		case atom.Br:
			w.text.WriteString("\n")
			return
		case atom.Li, atom.Tr, atom.Dt, atom.Dd:
			w.newline()
		case atom.Td, atom.Th:
			w.text.WriteString(" ")
		case atom.Pre:
			w.flush()
			w.pre++
			defer func() { w.flush(); w.pre-- }()
		}
		if isBlock(n.DataAtom) {
			w.flush()
			defer w.flush()
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c)
	}
}

func (w *htmlWalker) newline() {
	if s := w.text.String(); s != "" && !strings.HasSuffix(s, "\n") {
		w.text.WriteString("\n")
	}
}

// appendWords adds inline text with its whitespace collapsed (flush trims
// each line), so "First <b>para</b>." stays "First para.".
func (w *htmlWalker) appendWords(s string) {
	w.text.WriteString(strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == '\t' }), " "))
}

func collectText(n *html.Node, b *strings.Builder) {
	if n.Type == html.TextNode {
		b.WriteString(n.Data)
		b.WriteString(" ")
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		collectText(c, b)
	}
}
