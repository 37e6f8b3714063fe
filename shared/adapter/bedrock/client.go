package bedrock

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
)

// NewClient builds the Bedrock Runtime client for region from the default
// configuration chain (credentials from the environment, the shared files
// or the execution role). A non-empty endpoint replaces the regional one —
// the Bedrock stand-in in tests, a VPC endpoint in production. opts are
// passed to config.LoadDefaultConfig, so the caller decides about
// credentials (for example config.WithCredentialsProvider with static test
// keys). Build it once, in run.
func NewClient(ctx context.Context, region, endpoint string, opts ...func(*config.LoadOptions) error) (*bedrockruntime.Client, error) {
	if region == "" {
		return nil, errors.New("bedrock: new client: region is required")
	}
	cfg, err := config.LoadDefaultConfig(ctx, append([]func(*config.LoadOptions) error{config.WithRegion(region)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("bedrock: new client: load AWS config: %w", err)
	}
	return bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
		if endpoint != "" {
			o.BaseEndpoint = &endpoint
		}
	}), nil
}
