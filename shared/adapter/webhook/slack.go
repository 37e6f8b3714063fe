package webhook

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/resync/resync/shared/domain/alert"
)

// Block Kit limits (api.slack.com/reference/block-kit/blocks).
const (
	SlackMaxBlocks      = 50   // blocks per message
	SlackMaxText        = 3000 // a section's text
	SlackMaxHeader      = 150  // a header's plain text
	SlackMaxField       = 2000 // a section field
	SlackMaxFields      = 10   // fields per section
	SlackMaxButtonText  = 75
	SlackMaxContextElts = 10
)

// SlackPayload is the body a Slack incoming webhook takes: Block Kit
// blocks and the fallback text shown in notifications.
type SlackPayload struct {
	Text   string       `json:"text"`
	Blocks []SlackBlock `json:"blocks"`
}

// SlackBlock is a header, section, context, divider or actions block.
type SlackBlock struct {
	Type     string         `json:"type"`
	Text     *SlackText     `json:"text,omitempty"`
	Fields   []SlackText    `json:"fields,omitempty"`
	Elements []SlackElement `json:"elements,omitempty"`
}

// SlackText is a text object.
type SlackText struct {
	Type string `json:"type"` // plain_text or mrkdwn
	Text string `json:"text"`
}

// SlackElement is a context element (a text object) or a button.
type SlackElement struct {
	Type string `json:"type"`          // mrkdwn, plain_text or button
	Text any    `json:"text"`          // string for text objects, *SlackText for a button
	URL  string `json:"url,omitempty"` // button
}

// SlackMessage renders a as Block Kit blocks within Slack's limits: a
// digest's lines are packed into sections of at most SlackMaxText
// characters, and past SlackMaxBlocks the rest is left to the console.
func SlackMessage(a alert.Alert) SlackPayload {
	icon := map[string]string{alert.Critical: ":red_circle:", alert.Warning: ":warning:"}[a.Severity]
	if icon == "" {
		icon = ":information_source:"
	}
	blocks := []SlackBlock{
		{Type: "header", Text: &SlackText{Type: "plain_text", Text: clip(a.Title, SlackMaxHeader)}},
		{Type: "section", Text: &SlackText{Type: "mrkdwn", Text: clip(icon+" "+slackEscape(a.Text), SlackMaxText)}},
	}
	if len(a.Facts) > 0 {
		sec := SlackBlock{Type: "section"}
		for _, f := range a.Facts {
			if len(sec.Fields) == SlackMaxFields {
				blocks = append(blocks, sec)
				sec = SlackBlock{Type: "section"}
			}
			v := f.Value
			if v == "" {
				v = "—"
			}
			sec.Fields = append(sec.Fields, SlackText{Type: "mrkdwn", Text: clip("*"+slackEscape(f.Name)+"*\n"+slackEscape(v), SlackMaxField)})
		}
		blocks = append(blocks, sec)
	}
	// Room for the closing context and button.
	room := SlackMaxBlocks - 2
	truncated := false
	for _, s := range a.Sections {
		if len(blocks) >= room {
			truncated = true
			break
		}
		var chunks []string
		cur := fmt.Sprintf("*%s* (%d)", slackEscape(s.Title), len(s.Lines))
		if len(s.Lines) == 0 {
			cur += "\nnone"
		}
		for _, l := range s.Lines {
			line := "• " + slackEscape(l.Text) + " " + slackCite(l)
			line = clip(line, SlackMaxText)
			if utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(line) > SlackMaxText {
				chunks = append(chunks, cur)
				cur = line
				continue
			}
			cur += "\n" + line
		}
		chunks = append(chunks, cur)
		blocks = append(blocks, SlackBlock{Type: "divider"})
		for _, c := range chunks {
			if len(blocks) >= room {
				truncated = true
				break
			}
			blocks = append(blocks, SlackBlock{Type: "section", Text: &SlackText{Type: "mrkdwn", Text: c}})
		}
	}
	note := a.At.UTC().Format("2006-01-02 15:04 MST")
	if truncated {
		note += " · more in the console"
	}
	blocks = append(blocks, SlackBlock{Type: "context", Elements: []SlackElement{{Type: "mrkdwn", Text: "Resync · " + note}}})
	if strings.HasPrefix(a.Link, "http") {
		blocks = append(blocks, SlackBlock{Type: "actions", Elements: []SlackElement{{
			Type: "button", Text: &SlackText{Type: "plain_text", Text: "Open in Resync"}, URL: a.Link,
		}}})
	}
	return SlackPayload{Text: clip(a.Title+": "+a.Text, SlackMaxText), Blocks: blocks}
}

func slackCite(l alert.Line) string {
	if strings.HasPrefix(l.Link, "http") {
		return "(<" + l.Link + "|" + slackEscape(l.Cite) + ">)"
	}
	return "(" + slackEscape(l.Cite) + ")"
}

// slackEscape escapes the three characters mrkdwn reserves.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// clip cuts s to at most n characters, marking the cut with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
