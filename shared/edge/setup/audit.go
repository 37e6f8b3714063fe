package setup

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/resync/resync/shared/adapter/redis/audit"
	"github.com/resync/resync/shared/adapter/s3audit"
	"github.com/resync/resync/shared/edge/config"
)

// Audit builds the audit trail of a function that records actions: the
// durable chain in AUDIT_BUCKET (through S3_ENDPOINT when set, path-style)
// written first, then the bounded Redis index, with the Redis head hint.
// trail is nil when AUDIT_BUCKET is not set, which only the unchecked
// stages allow — development and the smoke run's test stage
// (stage.Checked) — and then the Redis stream is the whole trail, and that
// is logged. It makes no call: a cold start does not wait for S3.
func (b *Base) Audit(ctx context.Context, getenv func(string) string) (log *audit.Log, trail *s3audit.Trail, err error) {
	if b.Redis == nil {
		return nil, nil, fmt.Errorf("%s: audit: needs Redis", b.Function)
	}
	bucket := getenv(config.EnvAuditBucket)
	if bucket == "" {
		if b.Config.Stage.Checked() {
			return nil, nil, fmt.Errorf("%s: %s is not set: the %s stage keeps the audit trail in S3", b.Function, config.EnvAuditBucket, b.Config.Stage)
		}
		b.Log.WarnContext(ctx, "audit: "+config.EnvAuditBucket+" is not set: the audit trail is only in Redis ("+string(b.Config.Stage)+" stage)")
		return audit.New(b.Redis, audit.Config{MaxLen: audit.DefaultIndexLen}), nil, nil
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: audit: load AWS config: %w", b.Function, err)
	}
	endpoint := getenv(config.EnvS3Endpoint)
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}
	})
	trail, err = s3audit.New(client, s3audit.Config{Bucket: bucket, Hint: audit.NewHead(b.Redis, "")})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: audit: %w", b.Function, err)
	}
	log = audit.New(b.Redis, audit.Config{
		MaxLen: audit.DefaultIndexLen, Durable: trail,
		IndexFailed: func(ctx context.Context, e audit.Entry, err error) {
			b.Log.WarnContext(ctx, "audit: recorded durably but not indexed", "action", e.Action, "key", e.Key, "err", err.Error())
		},
	})
	return log, trail, nil
}
