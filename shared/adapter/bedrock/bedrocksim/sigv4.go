package bedrocksim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Credentials makes the stand-in verify signatures in full: a request must
// be signed with this key pair (recomputed with the SDK's SigV4 signer over
// the headers the request says it signed and the body received), or it is
// refused with 403 InvalidSignatureException. Without Credentials only the
// signature's presence and scope are checked.
func (s *Server) Credentials(accessKeyID, secretAccessKey string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.creds = &aws.Credentials{AccessKeyID: accessKeyID, SecretAccessKey: secretAccessKey}
}

// verify recomputes r's signature with creds.
func verify(r *http.Request, body []byte, creds aws.Credentials) error {
	auth := strings.TrimPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ")
	fields := map[string]string{}
	for _, part := range strings.Split(auth, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return errors.New("malformed credential scope")
	}
	if scope[0] != creds.AccessKeyID {
		return fmt.Errorf("unknown access key %q", scope[0])
	}
	region, service := scope[2], scope[3]
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("X-Amz-Date: %v", err)
	}

	// Rebuild the request with only the signed headers, as the client had
	// it when it signed.
	clone, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), nil)
	if err != nil {
		return err
	}
	clone.Host = r.Host
	for _, h := range strings.Split(fields["SignedHeaders"], ";") {
		switch h {
		case "host":
		case "content-length":
			clone.ContentLength = r.ContentLength
		default:
			clone.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	hash := r.Header.Get("X-Amz-Content-Sha256")
	if hash == "" {
		sum := sha256.Sum256(body)
		hash = hex.EncodeToString(sum[:])
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, clone, hash, service, region, at); err != nil {
		return err
	}
	want := clone.Header.Get("Authorization")
	if !strings.HasSuffix(want, "Signature="+fields["Signature"]) {
		return errors.New("the request signature does not match the one computed")
	}
	return nil
}
