package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/resync/resync/shared/adapter/webhook/webhooktest"
	"github.com/resync/resync/shared/domain/alert"
)

func abend() alert.Alert {
	return alert.Alert{Key: "event:job_abended:J1:R1", Kind: "job_abended", Severity: alert.Critical,
		Title: "Job abended: PAY_LOAD", Text: "PAY_LOAD (job J1) abended with return code 8 <&>", JobID: "J1",
		Stream: "PAYROLL", Workstation: "MDM", Link: "https://console.example/#/jobs/J1", At: time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC),
		Facts: []alert.Fact{{Name: "Return code", Value: "8"}, {Name: "Run", Value: "R1"}, {Name: "Empty", Value: ""}}}
}

// digest is a handover-sized alert: many sections, long lines.
func digest(lines int) alert.Alert {
	a := alert.Alert{Key: "handover:x", Kind: "handover", Severity: alert.Info, Title: "Shift handover 22:00–06:00",
		Text: "summary", Link: "https://console.example/#/dashboard", At: time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)}
	for _, title := range []string{"Failures", "Recoveries", "Actions", "Still late", "At risk"} {
		s := alert.Section{Title: title}
		for i := range lines {
			s.Lines = append(s.Lines, alert.Line{Text: fmt.Sprintf("%s line %d %s [x] *y*", title, i, strings.Repeat("é", 120)),
				Cite: fmt.Sprintf("job J%d", i), Link: fmt.Sprintf("https://console.example/#/jobs/J%d", i)})
		}
		a.Sections = append(a.Sections, s)
	}
	a.Sections = append(a.Sections, alert.Section{Title: "Empty"})
	return a
}

func TestPayloadsAreValid(t *testing.T) {
	tests := []struct {
		name string
		a    alert.Alert
	}{
		{"abend", abend()},
		{"no link, no facts", alert.Alert{Key: "k", Kind: "stream_late", Severity: alert.Warning, Title: "Late", Text: "x"}},
		{"small digest", digest(3)},
		{"huge digest", digest(400)},
		{"long title", alert.Alert{Key: "k", Title: strings.Repeat("T", 400), Text: strings.Repeat("x", 5000), Severity: alert.Info}},
	}
	for _, kind := range []string{alert.Teams, alert.Slack} {
		recv := webhooktest.NewReceiver(t, kind)
		s := New(nil)
		for _, tt := range tests {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				if err := s.Send(context.Background(), alert.Destination{ID: "c", Kind: kind, URL: recv.URL}, tt.a); err != nil {
					t.Fatalf("Send: %v (receiver: %v)", err, recv.Invalid())
				}
			})
		}
		if inv := recv.Invalid(); len(inv) > 0 {
			t.Errorf("%s receiver refused payloads: %v", kind, inv)
		}
		if got, want := len(recv.Bodies()), len(tests); got != want {
			t.Errorf("%s receiver kept %d payloads, want %d", kind, got, want)
		}
	}
}

// The schemas are not vacuous: payloads that break a rule are refused.
func TestSchemasRefuseBadPayloads(t *testing.T) {
	v := webhooktest.MustValidator(t)
	good, _ := json.Marshal(TeamsMessage(abend()))
	if err := v.Validate(alert.Teams, good); err != nil {
		t.Fatalf("good card refused: %v", err)
	}
	slackGood, _ := json.Marshal(SlackMessage(abend()))
	if err := v.Validate(alert.Slack, slackGood); err != nil {
		t.Fatalf("good blocks refused: %v", err)
	}
	many := SlackMessage(abend())
	for len(many.Blocks) <= SlackMaxBlocks {
		many.Blocks = append(many.Blocks, SlackBlock{Type: "divider"})
	}
	bad := []struct {
		name, kind string
		mutate     func() any
	}{
		{"card without version", alert.Teams, func() any { m := TeamsMessage(abend()); m.Attachments[0].Content.Version = ""; return m }},
		{"card 1.2", alert.Teams, func() any { m := TeamsMessage(abend()); m.Attachments[0].Content.Version = "1.2"; return m }},
		{"wrong content type", alert.Teams, func() any { m := TeamsMessage(abend()); m.Attachments[0].ContentType = "application/json"; return m }},
		{"unknown element", alert.Teams, func() any {
			m := TeamsMessage(abend())
			m.Attachments[0].Content.Body = append(m.Attachments[0].Content.Body, CardItem{Type: "Blink", Text: "x"})
			return m
		}},
		{"no attachments", alert.Teams, func() any { return TeamsEnvelope{Type: "message"} }},
		{"51 blocks", alert.Slack, func() any { return many }},
		{"section text over 3000", alert.Slack, func() any {
			m := SlackMessage(abend())
			m.Blocks[1].Text.Text = strings.Repeat("x", 3001)
			return m
		}},
		{"header over 150", alert.Slack, func() any { m := SlackMessage(abend()); m.Blocks[0].Text.Text = strings.Repeat("h", 151); return m }},
		{"mrkdwn header", alert.Slack, func() any { m := SlackMessage(abend()); m.Blocks[0].Text.Type = "mrkdwn"; return m }},
		{"no fallback text", alert.Slack, func() any { m := SlackMessage(abend()); m.Text = ""; return m }},
		{"unknown block", alert.Slack, func() any {
			m := SlackMessage(abend())
			m.Blocks = append(m.Blocks, SlackBlock{Type: "video"})
			return m
		}},
	}
	for _, tt := range bad {
		b, _ := json.Marshal(tt.mutate())
		if err := v.Validate(tt.kind, b); err == nil {
			t.Errorf("%s: accepted, want refused", tt.name)
		}
	}
}

func TestSlackDigestKeepsLimitsAndSaysItIsCut(t *testing.T) {
	m := SlackMessage(digest(400))
	if len(m.Blocks) > SlackMaxBlocks {
		t.Fatalf("%d blocks, want at most %d", len(m.Blocks), SlackMaxBlocks)
	}
	for i, b := range m.Blocks {
		if b.Text != nil && utf8.RuneCountInString(b.Text.Text) > SlackMaxText {
			t.Errorf("block %d: %d characters", i, utf8.RuneCountInString(b.Text.Text))
		}
	}
	ctx := m.Blocks[len(m.Blocks)-2]
	if ctx.Type != "context" || !strings.Contains(fmt.Sprint(ctx.Elements[0].Text), "more in the console") {
		t.Errorf("closing context = %+v, want the cut noted", ctx)
	}
	small := SlackMessage(digest(3))
	body, _ := json.Marshal(small)
	for _, want := range []string{"Failures* (3)", "job J2", "Empty* (0)\\nnone", "[x]"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("small digest lacks %q", want)
		}
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		status    int
		permanent bool
	}{
		{http.StatusBadRequest, true},
		{http.StatusNotFound, true},
		{http.StatusForbidden, true},
		{http.StatusFound, true}, // a redirect is refused
		{http.StatusTooManyRequests, false},
		{http.StatusRequestTimeout, false},
		{http.StatusBadGateway, false},
	}
	for _, tt := range tests {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tt.status == http.StatusFound {
				http.Redirect(w, r, "https://elsewhere.example/", tt.status)
				return
			}
			http.Error(w, "nope", tt.status)
		}))
		secretURL := srv.URL + "/webhookb2/SECRET-TOKEN"
		err := New(nil).Send(context.Background(), alert.Destination{ID: "ops", Kind: alert.Slack, URL: secretURL}, abend())
		srv.Close()
		if err == nil {
			t.Errorf("status %d: no error", tt.status)
			continue
		}
		if got := errors.Is(err, alert.ErrPermanent); got != tt.permanent {
			t.Errorf("status %d: permanent = %v, want %v (%v)", tt.status, got, tt.permanent, err)
		}
		if strings.Contains(err.Error(), "SECRET-TOKEN") || !strings.Contains(err.Error(), "ops") {
			t.Errorf("status %d: error %q leaks the URL or lacks the channel", tt.status, err)
		}
	}
	// A receiver that is not there: transient, and the URL stays secret.
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	err := New(nil).Send(context.Background(), alert.Destination{ID: "ops", Kind: alert.Teams, URL: addr + "/SECRET-TOKEN"}, abend())
	if err == nil || errors.Is(err, alert.ErrPermanent) || strings.Contains(err.Error(), "SECRET-TOKEN") {
		t.Errorf("closed receiver: err = %v, want a transient error without the URL", err)
	}
	if _, err := Payload("irc", abend()); !errors.Is(err, alert.ErrPermanent) {
		t.Errorf("Payload(irc) = %v, want ErrPermanent", err)
	}
}
