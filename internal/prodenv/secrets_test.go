package prodenv

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// The real SDK client reads a secret; a client with the wrong secret key
// is refused by the signature check, and an unknown ARN gets the service's
// typed not-found error.
func TestSecretsSpeaksTheProtocolAndChecksSigV4(t *testing.T) {
	sm := NewSecrets(AccessKey, SecretKey, Region, map[string]string{HWASecretARN: `{"user":"u"}`})
	srv := httptest.NewServer(sm)
	defer srv.Close()
	client := func(secret string) *secretsmanager.Client {
		return secretsmanager.New(secretsmanager.Options{
			Region:       Region,
			BaseEndpoint: aws.String(srv.URL),
			Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, secret, ""),
		})
	}
	ctx := context.Background()
	out, err := client(SecretKey).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(HWASecretARN)})
	if err != nil || aws.ToString(out.SecretString) != `{"user":"u"}` {
		t.Fatalf("read: %v, %v", out, err)
	}
	if sm.Reads(HWASecretARN) != 1 {
		t.Errorf("reads = %d, want 1", sm.Reads(HWASecretARN))
	}
	_, err = client("wrong").GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(HWASecretARN)})
	if err == nil || !strings.Contains(err.Error(), "InvalidSignatureException") {
		t.Errorf("wrong key: %v, want InvalidSignatureException", err)
	}
	_, err = client(SecretKey).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("arn:nope")})
	if err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Errorf("unknown secret: %v, want ResourceNotFoundException", err)
	}
	if sm.Reads(HWASecretARN) != 1 {
		t.Errorf("refused reads were counted: %d", sm.Reads(HWASecretARN))
	}
}
