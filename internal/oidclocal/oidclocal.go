// Package oidclocal is a local OpenID Connect issuer shaped like a Cognito
// user pool: it serves the pool's discovery document and JWKS and mints
// RS256 access and ID tokens with Cognito's claims (iss, sub, username or
// cognito:username, client_id or aud, token_use, cognito:groups,
// auth_time, iat, exp, jti) and a kid in the header. Tests and the local
// stack's production-parity mode use it so that the functions verify tokens
// the way they do in AWS, through the JWKS, with the HS256 path refused.
//
// It is written here rather than taken from a library because what matters
// is Cognito's exact token shape, which general OIDC test servers do not
// mint; the signing itself is golang-jwt's.
package oidclocal

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Issuer mints and publishes. It is safe for concurrent use once built.
type Issuer struct {
	url      string
	clientID string
	kid      string
	key      *rsa.PrivateKey
	now      func() time.Time
}

// Config configures an Issuer.
type Config struct {
	// URL is the issuer (the iss claim), e.g. http://127.0.0.1:8080/pool;
	// the JWKS is served at URL + "/.well-known/jwks.json".
	URL      string
	ClientID string           // the app client id (client_id / aud)
	Key      *rsa.PrivateKey  // nil: a new 2048-bit key
	Now      func() time.Time // default time.Now
}

// New returns an Issuer; it generates a key when cfg.Key is nil.
func New(cfg Config) (*Issuer, error) {
	if cfg.URL == "" || cfg.ClientID == "" {
		return nil, fmt.Errorf("oidclocal: URL and ClientID are required")
	}
	key := cfg.Key
	if key == nil {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, fmt.Errorf("oidclocal: generate key: %w", err)
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	kid := make([]byte, 8)
	_, _ = rand.Read(kid)
	return &Issuer{
		url: strings.TrimSuffix(cfg.URL, "/"), clientID: cfg.ClientID,
		kid: base64.RawURLEncoding.EncodeToString(kid), key: key, now: cfg.Now,
	}, nil
}

// URL is the issuer URL (the iss claim).
func (i *Issuer) URL() string { return i.url }

// JWKSURL is where the public key is published.
func (i *Issuer) JWKSURL() string { return i.url + "/.well-known/jwks.json" }

// ClientID is the app client id the tokens name.
func (i *Issuer) ClientID() string { return i.clientID }

// Token says whom a token is for.
type Token struct {
	User   string
	Groups []string      // cognito:groups (viewer, operator, admin)
	TTL    time.Duration // default one hour, as Cognito's
	// AuthTime is when the user signed in; zero means now.
	AuthTime time.Time
}

// Access mints a Cognito-shaped access token and returns it with its expiry.
func (i *Issuer) Access(t Token) (string, time.Time, error) {
	return i.mint(t, "access")
}

// ID mints a Cognito-shaped ID token and returns it with its expiry.
func (i *Issuer) ID(t Token) (string, time.Time, error) {
	return i.mint(t, "id")
}

func (i *Issuer) mint(t Token, use string) (string, time.Time, error) {
	if t.User == "" {
		return "", time.Time{}, fmt.Errorf("oidclocal: a token needs a user")
	}
	now := i.now()
	ttl := t.TTL
	if ttl == 0 {
		ttl = time.Hour
	}
	authTime := t.AuthTime
	if authTime.IsZero() {
		authTime = now
	}
	jti := make([]byte, 16)
	_, _ = rand.Read(jti)
	exp := now.Add(ttl)
	groups := t.Groups
	if groups == nil {
		groups = []string{}
	}
	claims := jwt.MapClaims{
		"sub":            "sub-" + t.User,
		"iss":            i.url,
		"token_use":      use,
		"cognito:groups": groups,
		"auth_time":      authTime.Unix(),
		"iat":            now.Unix(),
		"exp":            exp.Unix(),
		"jti":            fmt.Sprintf("%x", jti),
	}
	if use == "access" {
		claims["client_id"] = i.clientID
		claims["username"] = t.User
		claims["scope"] = "openid email profile"
	} else {
		claims["aud"] = i.clientID
		claims["cognito:username"] = t.User
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = i.kid
	s, err := tok.SignedString(i.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("oidclocal: sign: %w", err)
	}
	return s, exp, nil
}

// Handler serves the discovery document and the JWKS under the issuer's
// path (mount it where URL points).
func (i *Issuer) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, _ *http.Request) {
		pub := i.key.PublicKey
		writeJSON(w, map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "alg": "RS256", "use": "sig", "kid": i.kid,
			"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		}}})
	})
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{
			"issuer":                                i.url,
			"jwks_uri":                              i.JWKSURL(),
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported":              []string{"code"},
			"subject_types_supported":               []string{"public"},
		})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
