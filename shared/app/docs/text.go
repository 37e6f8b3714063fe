package docs

import (
	"strings"
)

// parseText splits plain text into paragraphs at blank lines.
func parseText(s string) []Block {
	var blocks []Block
	for _, p := range paragraphs(s) {
		blocks = append(blocks, Block{Text: p})
	}
	return blocks
}

// paragraphs splits s at blank lines, keeping the lines of a paragraph.
func paragraphs(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var out []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, "\n"))
			cur = cur[:0]
		}
	}
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		cur = append(cur, strings.TrimRight(line, " \t"))
	}
	flush()
	return out
}

// parseMarkdown reads ATX (# Title) and setext (Title / ===) headings into
// the section path and splits the rest into paragraphs; fenced code blocks
// stay whole and their lines are never read as headings.
func parseMarkdown(s string) []Block {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	var (
		blocks  []Block
		path    []string // path[i] is the heading of level i+1, "" when absent
		cur     []string
		fence   string
		section = func() []string {
			var out []string
			for _, h := range path {
				if h != "" {
					out = append(out, h)
				}
			}
			return out
		}
	)
	flush := func() {
		if len(cur) > 0 {
			blocks = append(blocks, Block{Section: section(), Text: strings.Join(cur, "\n")})
			cur = nil
		}
	}
	setHeading := func(level int, text string) {
		flush()
		for len(path) < level {
			path = append(path, "")
		}
		path = path[:level]
		path[level-1] = text
	}
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \t")
		trimmed := strings.TrimLeft(line, " ")
		if fence != "" {
			cur = append(cur, line)
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
				flush()
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			flush()
			fence = trimmed[:3]
			cur = append(cur, line)
			continue
		}
		if level, text, ok := atxHeading(trimmed); ok && len(line)-len(trimmed) < 4 {
			setHeading(level, text)
			continue
		}
		if trimmed == "" {
			flush()
			continue
		}
		// Setext: a single text line underlined with === (level 1) or --- (level 2).
		if len(cur) == 0 && i+1 < len(lines) {
			next := strings.TrimSpace(lines[i+1])
			if len(next) >= 2 && (strings.Trim(next, "=") == "" || strings.Trim(next, "-") == "") {
				level := 1
				if next[0] == '-' {
					level = 2
				}
				setHeading(level, strings.TrimSpace(trimmed))
				i++
				continue
			}
		}
		cur = append(cur, line)
	}
	flush()
	return blocks
}

// atxHeading reads "## Title ##" lines.
func atxHeading(s string) (level int, text string, ok bool) {
	for level < len(s) && s[level] == '#' {
		level++
	}
	if level == 0 || level > 6 || (level < len(s) && s[level] != ' ' && s[level] != '\t') {
		return 0, "", false
	}
	text = strings.TrimSpace(s[level:])
	text = strings.TrimSpace(strings.TrimRight(text, "#"))
	if text == "" {
		return 0, "", false
	}
	return level, text, true
}
