package config

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/resync/resync/shared/adapter/hwa"
)

// SecretGetter reads a secret's string (*secretsmanager.Client).
type SecretGetter interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// hwaSecret is the JSON of the HWA secret in Secrets Manager.
type hwaSecret struct {
	URL      string `json:"url"`
	User     string `json:"user"`
	Password string `json:"password"`
	APIKey   string `json:"apiKey"`
}

// ResolveHWA fills the HWA settings from Secrets Manager when SecretARN is
// set (values in the environment win), so credentials never sit in the
// function's environment in AWS. sm may be nil when no secret is configured.
func (c *Common) ResolveHWA(ctx context.Context, sm SecretGetter) error {
	if c.HWA.SecretARN == "" {
		return nil
	}
	v, err := secretString(ctx, sm, c.HWA.SecretARN, "HWA", EnvHWASecretARN)
	if err != nil {
		return err
	}
	var s hwaSecret
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		return fmt.Errorf("config: HWA secret is not the JSON {url,user,password,apiKey}")
	}
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&c.HWA.URL, s.URL)
	fill(&c.HWA.User, s.User)
	fill(&c.HWA.Password, s.Password)
	fill(&c.HWA.APIKey, s.APIKey)
	if c.HWA.URL == "" {
		return fmt.Errorf("config: the HWA secret has no url and %s is not set", EnvHWAURL)
	}
	return nil
}

// ResolveRedis reads the Redis AUTH token from the plain-string secret
// named by RedisAuthSecretARN, for Redis to authenticate with, so the token
// never sits in the function's environment. It does nothing when no secret
// is named; sm may then be nil. It returns an error naming the secret (never
// its value) when the read fails or the secret is empty.
func (c *Common) ResolveRedis(ctx context.Context, sm SecretGetter) error {
	if c.RedisAuthSecretARN == "" {
		return nil
	}
	v, err := secretString(ctx, sm, c.RedisAuthSecretARN, "Redis AUTH", EnvRedisAuthSecretARN)
	if err != nil {
		return err
	}
	if c.redisAuth = strings.TrimSpace(v); c.redisAuth == "" {
		return fmt.Errorf("config: the Redis AUTH secret (%s) is empty", EnvRedisAuthSecretARN)
	}
	return nil
}

// secretString is the one place a secret is read: the string of secret
// arn, for the secret called what (named by the variable env). Errors name
// the secret, never its value.
func secretString(ctx context.Context, sm SecretGetter, arn, what, env string) (string, error) {
	if sm == nil {
		return "", fmt.Errorf("config: %s is set but no Secrets Manager client was given", env)
	}
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return "", fmt.Errorf("config: read %s secret: %w", what, err)
	}
	return aws.ToString(out.SecretString), nil
}

// HWAClient returns the HWA client for the resolved settings.
func (c Common) HWAClient() (*hwa.Client, error) {
	cl, err := hwa.New(hwa.Config{
		BaseURL: c.HWA.URL, User: c.HWA.User, Password: c.HWA.Password, APIKey: c.HWA.APIKey,
		CAFile: c.HWA.CAFile, InsecureSkipVerify: c.HWA.Insecure, Timeout: c.HWA.Timeout,
	})
	if err != nil {
		return nil, fmt.Errorf("config: HWA client: %w", err)
	}
	return cl, nil
}
