// Package webhook delivers notify alerts to chat incoming webhooks: Microsoft
// Teams Workflows ("Post to a channel when a webhook request is received",
// a message with an Adaptive Card 1.4 attachment, teams.go) and Slack
// incoming webhooks (Block Kit blocks with fallback text, slack.go).
//
// A webhook URL is a credential: it never appears in a log line or an error
// (errors name the channel id). Redirects are refused. A 2xx answer is a
// delivery; 408, 429 and 5xx answers and transport errors are transient;
// every other answer wraps alert.ErrPermanent, which the notifier does not
// retry.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/resync/resync/shared/domain/alert"
)

// Sender posts alerts to webhooks; it is a alert.Sender, safe for
// concurrent use.
type Sender struct {
	http *http.Client
}

// DefaultTimeout bounds one delivery attempt.
const DefaultTimeout = 10 * time.Second

// New returns a Sender over client (nil: a client with DefaultTimeout);
// the client's redirects are refused either way.
func New(client *http.Client) *Sender {
	c := &http.Client{Timeout: DefaultTimeout}
	if client != nil {
		cp := *client
		c = &cp
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Sender{http: c}
}

// Payload returns the JSON body for a channel of kind (alert.Teams or
// alert.Slack). It returns an error for an unknown kind.
func Payload(kind string, a alert.Alert) ([]byte, error) {
	var v any
	switch kind {
	case alert.Teams:
		v = TeamsMessage(a)
	case alert.Slack:
		v = SlackMessage(a)
	default:
		return nil, fmt.Errorf("webhook: unknown channel kind %q: %w", kind, alert.ErrPermanent)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("webhook: encode %s payload: %w", kind, err)
	}
	return b, nil
}

// Send posts a to ch. Errors name the channel, never its URL; see the
// package comment for which wrap alert.ErrPermanent.
func (s *Sender) Send(ctx context.Context, ch alert.Destination, a alert.Alert) error {
	body, err := Payload(ch.Kind, a)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ch.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook: %s: bad webhook URL: %w", ch.ID, alert.ErrPermanent)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		var ue interface{ Timeout() bool }
		if errors.As(err, &ue) && ue.Timeout() {
			return fmt.Errorf("webhook: %s: post: timed out", ch.ID)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("webhook: %s: post: %w", ch.ID, ctx.Err())
		}
		return fmt.Errorf("webhook: %s: post: connection failed", ch.ID) // the error text holds the URL
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return nil
	case c == http.StatusRequestTimeout || c == http.StatusTooManyRequests || c >= 500:
		return fmt.Errorf("webhook: %s: post: status %d: %s", ch.ID, c, bytes.TrimSpace(snippet))
	default:
		return fmt.Errorf("webhook: %s: post: status %d: %s: %w", ch.ID, c, bytes.TrimSpace(snippet), alert.ErrPermanent)
	}
}
