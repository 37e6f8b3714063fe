package setup

import (
	"context"
	"fmt"

	"github.com/resync/resync/shared/edge/config"
)

// Webhooks returns the chat webhooks {channel: url}: from the
// ALERTS_SECRET_ARN secret, else (local stages only) from ALERTS_WEBHOOKS,
// else none (an empty map: alerts off).
func (b *Base) Webhooks(ctx context.Context, getenv func(string) string) (map[string]string, error) {
	if arn := getenv(config.EnvAlertsSecretARN); arn != "" {
		sm, err := b.secretsClient(ctx)
		if err != nil {
			return nil, err
		}
		m, err := config.ResolveWebhooks(ctx, sm, arn)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Function, err)
		}
		return m, nil
	}
	raw := getenv(config.EnvAlertsWebhooks)
	if raw == "" {
		return map[string]string{}, nil
	}
	if b.Config.Stage.Checked() {
		return nil, fmt.Errorf("%s: %s is refused in the %s stage: put the webhooks in the %s secret", b.Function, config.EnvAlertsWebhooks, b.Config.Stage, config.EnvAlertsSecretARN)
	}
	m, err := config.ParseWebhooks(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", b.Function, config.EnvAlertsWebhooks, err)
	}
	return m, nil
}
