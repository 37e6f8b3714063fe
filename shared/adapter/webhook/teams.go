package webhook

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/resync/resync/shared/domain/alert"
)

// Teams limits: a Workflows webhook message is at most about 28 KB, so a
// digest shows at most teamsLines lines per section and links to the rest.
const (
	CardVersion = "1.4"
	CardSchema  = "http://adaptivecards.io/schemas/adaptive-card.json"
	teamsLines  = 40
)

// TeamsEnvelope is the body a Teams Workflows webhook takes: a message
// with one Adaptive Card attachment.
type TeamsEnvelope struct {
	Type        string            `json:"type"` // "message"
	Attachments []TeamsAttachment `json:"attachments"`
}

// TeamsAttachment carries the card.
type TeamsAttachment struct {
	ContentType string  `json:"contentType"` // application/vnd.microsoft.card.adaptive
	ContentURL  *string `json:"contentUrl"`  // always null
	Content     Card    `json:"content"`
}

// Card is an Adaptive Card.
type Card struct {
	Schema  string       `json:"$schema"`
	Type    string       `json:"type"` // "AdaptiveCard"
	Version string       `json:"version"`
	Body    []CardItem   `json:"body"`
	Actions []CardAction `json:"actions,omitempty"`
	MSTeams *CardMSTeams `json:"msteams,omitempty"`
}

// CardMSTeams is Teams' own card property (full-width cards).
type CardMSTeams struct {
	Width string `json:"width"`
}

// CardItem is a TextBlock, FactSet or Container.
type CardItem struct {
	Type    string     `json:"type"`
	Text    string     `json:"text,omitempty"`
	Wrap    bool       `json:"wrap,omitempty"`
	Weight  string     `json:"weight,omitempty"`
	Size    string     `json:"size,omitempty"`
	Color   string     `json:"color,omitempty"`
	Spacing string     `json:"spacing,omitempty"`
	Facts   []CardFact `json:"facts,omitempty"`
	Items   []CardItem `json:"items,omitempty"`
}

// CardFact is one fact of a FactSet.
type CardFact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// CardAction is an Action.OpenUrl.
type CardAction struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// TeamsMaxBytes is the size a Teams message is kept under (the Workflows
// webhook takes about 28 KB).
const TeamsMaxBytes = 26 * 1024

// TeamsMessage renders a as a Teams message with an Adaptive Card under
// TeamsMaxBytes: a digest shows fewer lines per section until it fits, and
// says how many more the console has.
func TeamsMessage(a alert.Alert) TeamsEnvelope {
	var m TeamsEnvelope
	for perSection := teamsLines; ; perSection /= 2 {
		m = teamsMessage(a, perSection)
		if b, err := json.Marshal(m); perSection == 0 || (err == nil && len(b) <= TeamsMaxBytes) {
			return m
		}
	}
}

func teamsMessage(a alert.Alert, perSection int) TeamsEnvelope {
	color := "Default"
	switch a.Severity {
	case alert.Critical:
		color = "Attention"
	case alert.Warning:
		color = "Warning"
	}
	body := []CardItem{
		{Type: "TextBlock", Text: a.Title, Weight: "Bolder", Size: "Medium", Color: color, Wrap: true},
		{Type: "TextBlock", Text: a.Text, Wrap: true, Spacing: "Small"},
	}
	if len(a.Facts) > 0 {
		fs := CardItem{Type: "FactSet"}
		for _, f := range a.Facts {
			v := f.Value
			if v == "" {
				v = "—"
			}
			fs.Facts = append(fs.Facts, CardFact{Title: f.Name, Value: v})
		}
		body = append(body, fs)
	}
	for _, s := range a.Sections {
		c := CardItem{Type: "Container", Spacing: "Medium", Items: []CardItem{
			{Type: "TextBlock", Text: fmt.Sprintf("%s (%d)", s.Title, len(s.Lines)), Weight: "Bolder", Wrap: true},
		}}
		if len(s.Lines) == 0 {
			c.Items = append(c.Items, CardItem{Type: "TextBlock", Text: "none", Wrap: true, Spacing: "None"})
		}
		for i, l := range s.Lines {
			if i == perSection {
				c.Items = append(c.Items, CardItem{Type: "TextBlock", Text: fmt.Sprintf("… and %d more in the console", len(s.Lines)-i), Wrap: true, Spacing: "None"})
				break
			}
			c.Items = append(c.Items, CardItem{Type: "TextBlock", Text: teamsLine(l), Wrap: true, Spacing: "None"})
		}
		body = append(body, c)
	}
	card := Card{Schema: CardSchema, Type: "AdaptiveCard", Version: CardVersion, Body: body, MSTeams: &CardMSTeams{Width: "Full"}}
	if strings.HasPrefix(a.Link, "http") {
		card.Actions = []CardAction{{Type: "Action.OpenUrl", Title: "Open in Resync", URL: a.Link}}
	}
	return TeamsEnvelope{Type: "message", Attachments: []TeamsAttachment{{
		ContentType: "application/vnd.microsoft.card.adaptive", Content: card,
	}}}
}

// teamsLine is "- text [cite](link)" in the TextBlock markdown subset.
func teamsLine(l alert.Line) string {
	cite := "[" + l.Cite + "]"
	if strings.HasPrefix(l.Link, "http") {
		cite = "[" + teamsEscape(l.Cite) + "](" + l.Link + ")"
	}
	return "- " + teamsEscape(l.Text) + " " + cite
}

// teamsEscape keeps a name from being read as markdown link syntax.
func teamsEscape(s string) string {
	return strings.NewReplacer("[", "\\[", "]", "\\]", "*", "\\*", "_", "\\_").Replace(s)
}
