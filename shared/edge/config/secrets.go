package config

import (
	"context"
	"encoding/json"
	"fmt"

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
	if sm == nil {
		return fmt.Errorf("config: %s is set but no Secrets Manager client was given", EnvHWASecretARN)
	}
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(c.HWA.SecretARN)})
	if err != nil {
		return fmt.Errorf("config: read HWA secret: %w", err)
	}
	var s hwaSecret
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &s); err != nil {
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
