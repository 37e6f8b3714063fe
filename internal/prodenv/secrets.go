package prodenv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Secrets is a Secrets Manager stand-in for GetSecretValue: the JSON 1.1
// protocol (X-Amz-Target, application/x-amz-json-1.1, typed errors) and a
// SigV4 check that re-signs each request with the SDK's own signer and the
// one known key, so a client that signs wrongly — or not at all — is
// refused as AWS would refuse it. It is a stand-in rather than moto because
// a unit test must not need Python; the local stack's production-parity
// mode uses moto's server.
type Secrets struct {
	access, secret, region string
	values                 map[string]string

	mu    sync.Mutex
	reads map[string]int
}

// NewSecrets holds values (by ARN) for the one access key.
func NewSecrets(accessKey, secretKey, region string, values map[string]string) *Secrets {
	return &Secrets{access: accessKey, secret: secretKey, region: region, values: values, reads: map[string]int{}}
}

// Reads returns how many times the secret arn was read.
func (s *Secrets) Reads(arn string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads[arn]
}

func (s *Secrets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		fail(w, http.StatusBadRequest, "SerializationException", "cannot read the body")
		return
	}
	if err := s.verify(r, body); err != nil {
		fail(w, http.StatusForbidden, "InvalidSignatureException", err.Error())
		return
	}
	if got := r.Header.Get("X-Amz-Target"); got != "secretsmanager.GetSecretValue" {
		fail(w, http.StatusBadRequest, "UnknownOperationException", "this stand-in serves GetSecretValue only, not "+got)
		return
	}
	var in struct{ SecretId string }
	if err := json.Unmarshal(body, &in); err != nil || in.SecretId == "" {
		fail(w, http.StatusBadRequest, "InvalidParameterException", "SecretId is required")
		return
	}
	v, ok := s.values[in.SecretId]
	if !ok {
		fail(w, http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	}
	s.mu.Lock()
	s.reads[in.SecretId]++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"ARN": in.SecretId, "Name": in.SecretId[strings.LastIndex(in.SecretId, ":")+1:],
		"SecretString": v, "VersionId": "v1", "VersionStages": []string{"AWSCURRENT"},
		"CreatedDate": float64(time.Now().Unix()),
	})
}

// verify re-signs a copy of r with the known key at the request's own
// X-Amz-Date and compares the Authorization headers.
func (s *Secrets) verify(r *http.Request, body []byte) error {
	got := r.Header.Get("Authorization")
	if !strings.HasPrefix(got, "AWS4-HMAC-SHA256 ") {
		return fmt.Errorf("the request is not signed with SigV4")
	}
	if !strings.Contains(got, "Credential="+s.access+"/") {
		return fmt.Errorf("the security token included in the request is invalid")
	}
	if !strings.Contains(got, "/"+s.region+"/secretsmanager/aws4_request") {
		return fmt.Errorf("credential should be scoped to region %s and service secretsmanager", s.region)
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("missing or bad X-Amz-Date")
	}
	if d := time.Since(at); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("signature expired: the request time is too far from now")
	}
	cp, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	signed := signedHeaders(got)
	for name, vals := range r.Header {
		if _, ok := signed[strings.ToLower(name)]; ok {
			cp.Header[name] = vals
		}
	}
	cp.Header.Del("Authorization")
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: s.access, SecretAccessKey: s.secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, cp, hex.EncodeToString(sum[:]), "secretsmanager", s.region, at); err != nil {
		return err
	}
	if cp.Header.Get("Authorization") != got {
		return fmt.Errorf("the request signature we calculated does not match the signature you provided")
	}
	return nil
}

// signedHeaders returns the SignedHeaders of an Authorization header.
func signedHeaders(authz string) map[string]struct{} {
	out := map[string]struct{}{}
	for _, part := range strings.Split(strings.TrimPrefix(authz, "AWS4-HMAC-SHA256 "), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		if k == "SignedHeaders" {
			for _, h := range strings.Split(v, ";") {
				out[h] = struct{}{}
			}
		}
	}
	return out
}

func fail(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}
