package config

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

type fakeSM struct {
	value string
	err   error
	asked string
}

func (f *fakeSM) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.asked = aws.ToString(in.SecretId)
	if f.err != nil {
		return nil, f.err
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(f.value)}, nil
}

func TestResolveHWA(t *testing.T) {
	ctx := context.Background()
	c := Common{HWA: HWA{SecretARN: "arn:aws:secretsmanager:eu-west-1:1:secret:hwa", User: "envuser"}}
	sm := &fakeSM{value: `{"url":"https://mdm:31116","user":"twsuser","password":"pw"}`}
	if err := c.ResolveHWA(ctx, sm); err != nil {
		t.Fatal(err)
	}
	if sm.asked != c.HWA.SecretARN || c.HWA.URL != "https://mdm:31116" || c.HWA.User != "envuser" || c.HWA.Password != "pw" {
		t.Errorf("resolved %+v (asked %s)", c.HWA, sm.asked)
	}

	bad := Common{HWA: HWA{SecretARN: "x"}}
	err := bad.ResolveHWA(ctx, &fakeSM{value: `password=hunter2`})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("malformed secret: err = %v (must not echo the value)", err)
	}
	if err := bad.ResolveHWA(ctx, &fakeSM{err: errors.New("AccessDenied")}); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("denied: err = %v", err)
	}
	if err := (&Common{}).ResolveHWA(ctx, nil); err != nil {
		t.Errorf("no secret configured: %v", err)
	}
}
