package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/resync/resync/shared/edge/auth"
)

// The issuer the chat tests sign tokens with: RS256 with a JWKS, as Cognito
// in AWS, so the verifier is the production one.
const (
	testIssuer   = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_ChatTest"
	testClientID = "resync-web"
)

// testClock is the time of the handler, the connection registry and the
// verifier: real time plus an offset a test may move forward.
type testClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

// issuer signs Cognito-shaped access tokens with an RSA key its JWKS
// publishes.
type issuer struct {
	key   *rsa.PrivateKey
	clock *testClock
	ttl   time.Duration
}

func newIssuer(t testing.TB, clock *testClock) (*issuer, *auth.Verifier) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
			"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
		}}})
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	v, err := auth.NewJWKS(ctx, srv.URL+"/.well-known/jwks.json", auth.Config{Issuer: testIssuer, ClientID: testClientID, Now: clock.Now}, auth.JWKSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &issuer{key: key, clock: clock, ttl: time.Hour}, v
}

// Mint returns a token for user with role, valid for the issuer's ttl from
// the clock's now (the same shape as auth.Minter's).
func (i *issuer) Mint(user string, role auth.Role) (string, time.Time, error) {
	exp := i.clock.Now().Add(i.ttl).Truncate(time.Second)
	var groups []string
	if role != auth.RoleNone {
		groups = []string{string(role)}
	}
	tok, err := i.token(user, "sub-"+user, groups, exp)
	return tok, exp, err
}

// token signs a token with the given subject, groups and expiry.
func (i *issuer) token(user, sub string, groups []string, exp time.Time) (string, error) {
	now := i.clock.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": testIssuer, "sub": sub, "username": user, "client_id": testClientID, "token_use": "access",
		"cognito:groups": groups, "iat": now.Add(-time.Minute).Unix(), "exp": exp.Unix(),
	})
	tok.Header["kid"] = "k1"
	return tok.SignedString(i.key)
}

func mustToken(t testing.TB, i *issuer, user, sub string, exp time.Time, groups ...string) string {
	t.Helper()
	tok, err := i.token(user, sub, groups, exp)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(tok, ".") != 2 {
		t.Fatalf("not a JWT: %q", tok)
	}
	return tok
}
