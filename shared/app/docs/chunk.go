package docs

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// SectionSeparator joins the headings of a section path.
const SectionSeparator = " > "

// Chunk is a piece of a document sized for embedding and retrieval.
type Chunk struct {
	Ordinal int    // 0, 1, ... in document order
	Section string // heading path joined with SectionSeparator; "" before any heading
	Text    string
}

// ChunkOptions sizes chunks, in characters (runes). Zero fields take the defaults.
type ChunkOptions struct {
	Target  int // a chunk grows up to about this size; default 800
	Overlap int // text carried from the end of a chunk into the next one of the same section; default 120
}

func (o ChunkOptions) withDefaults() ChunkOptions {
	if o.Target <= 0 {
		o.Target = 800
	}
	if o.Overlap < 0 || o.Overlap >= o.Target/2 {
		o.Overlap = o.Target / 8
	}
	if o.Overlap == 0 {
		o.Overlap = 120
		if o.Overlap >= o.Target/2 {
			o.Overlap = o.Target / 8
		}
	}
	return o
}

// Split cuts blocks into chunks along headings and paragraphs: a chunk never
// spans two sections, gathers whole paragraphs up to about opt.Target
// characters, and starts (after the first of its section) with about
// opt.Overlap characters from the end of the previous one, cut at a word
// boundary. A paragraph no longer than the target is never split; a longer
// one is cut at sentence or word boundaries into overlapping pieces.
func Split(blocks []Block, opt ChunkOptions) []Chunk {
	opt = opt.withDefaults()
	c := &chunker{opt: opt}
	for _, b := range blocks {
		sec := strings.Join(b.Section, SectionSeparator)
		if sec != c.section {
			c.emit()
			c.section, c.prev = sec, ""
		}
		text := strings.TrimSpace(b.Text)
		if text == "" {
			continue
		}
		n := runeLen(text)
		if n > opt.Target {
			c.emit()
			for _, piece := range splitLong(text, opt.Target, opt.Overlap) {
				c.out = append(c.out, Chunk{Ordinal: len(c.out), Section: sec, Text: piece})
			}
			c.prev = c.out[len(c.out)-1].Text
			continue
		}
		if len(c.parts) > 0 && c.size+2+n > opt.Target {
			c.emit()
		}
		if len(c.parts) == 0 && c.prev != "" {
			if ov := tail(c.prev, opt.Overlap); ov != "" && runeLen(ov)+2+n <= opt.Target+opt.Overlap {
				c.parts = append(c.parts, ov)
				c.size = runeLen(ov)
			}
		}
		c.parts = append(c.parts, text)
		if c.size > 0 {
			c.size += 2
		}
		c.size += n
	}
	c.emit()
	return c.out
}

type chunker struct {
	opt     ChunkOptions
	out     []Chunk
	section string
	parts   []string
	size    int
	prev    string // the last emitted chunk of this section
}

func (c *chunker) emit() {
	if len(c.parts) == 0 {
		return
	}
	text := strings.Join(c.parts, "\n\n")
	c.out = append(c.out, Chunk{Ordinal: len(c.out), Section: c.section, Text: text})
	c.prev = text
	c.parts, c.size = nil, 0
}

// splitLong cuts text into pieces of at most target runes at sentence ends
// (or else spaces), each after the first starting with about overlap runes
// of the previous piece.
func splitLong(text string, target, overlap int) []string {
	r := []rune(text)
	var out []string
	start := 0
	for start < len(r) {
		end := start + target
		if end >= len(r) {
			out = append(out, strings.TrimSpace(string(r[start:])))
			break
		}
		cut := boundary(r, start+target/2, end)
		out = append(out, strings.TrimSpace(string(r[start:cut])))
		next := cut - overlap
		if next <= start {
			next = cut
		}
		// Start the overlap at a word.
		for next < cut && !unicode.IsSpace(r[next-1]) {
			next++
		}
		start = next
	}
	return out
}

// boundary finds the best cut in r[lo:hi]: after the last sentence end, else
// after the last space, else hi.
func boundary(r []rune, lo, hi int) int {
	for i := hi; i > lo; i-- {
		if unicode.IsSpace(r[i-1]) && i-2 >= 0 && strings.ContainsRune(".!?;:\n", r[i-2]) {
			return i
		}
	}
	for i := hi; i > lo; i-- {
		if unicode.IsSpace(r[i-1]) {
			return i
		}
	}
	return hi
}

// tail returns about the last n runes of s, starting at a word.
func tail(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	i := len(r) - n
	for i < len(r) && !unicode.IsSpace(r[i-1]) {
		i++
	}
	return strings.TrimSpace(string(r[i:]))
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }
