package config

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// The alerts and the shift handover (health; shared/app/notify,
// shared/app/handover).
const (
	// EnvAlertsSecretARN names the Secrets Manager secret of the chat
	// webhooks: the JSON {"<channel id>": "<incoming webhook URL>"}.
	EnvAlertsSecretARN = "ALERTS_SECRET_ARN"
	// EnvAlertsWebhooks is the same JSON in the environment, for the local
	// stack only (refused outside the local stages: a webhook URL is a
	// credential).
	EnvAlertsWebhooks = "ALERTS_WEBHOOKS"
	// EnvAlertsRules is the path of a routing file (notify.ParseRules);
	// unset: the embedded default (shared/app/notify/channels.json).
	EnvAlertsRules = "ALERTS_RULES"
	// EnvShifts are the shift boundaries, "06:00,14:00,22:00" by default.
	EnvShifts = "SHIFTS"
	// EnvPlanTimeZone is the plan's IANA time zone (shifts are read in
	// it); unset: UTC.
	EnvPlanTimeZone = "PLAN_TIME_ZONE"
)

// ParseWebhooks reads the webhook JSON {"channel": "https://..."}: every
// URL must be https (http only to a loopback address, for local
// receivers). Errors name channels, never URLs.
func ParseWebhooks(raw string) (map[string]string, error) {
	var m map[string]string
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, fmt.Errorf("config: the webhooks are not the JSON {\"channel\": \"url\"}")
	}
	var bad []string
	for ch, u := range m {
		p, err := url.Parse(u)
		if err != nil || p.Host == "" || (p.Scheme != "https" && !(p.Scheme == "http" && loopback(p.Hostname()))) {
			bad = append(bad, ch)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return nil, fmt.Errorf("config: webhook of %s is not an https URL", strings.Join(bad, ", "))
	}
	return m, nil
}

func loopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// ResolveWebhooks reads the webhook secret arn (see EnvAlertsSecretARN).
func ResolveWebhooks(ctx context.Context, sm SecretGetter, arn string) (map[string]string, error) {
	v, err := secretString(ctx, sm, arn, "alerts webhooks", EnvAlertsSecretARN)
	if err != nil {
		return nil, err
	}
	return ParseWebhooks(v)
}
