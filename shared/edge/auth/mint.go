package auth

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Minter issues short-lived HS256 tokens with Cognito-shaped claims. Only the
// local stack's dev token endpoint uses it; in AWS, Cognito issues tokens.
type Minter struct {
	secret []byte
	cfg    Config
	ttl    time.Duration
}

// NewMinter returns a Minter whose tokens a Verifier from NewHS256 with the
// same secret and config accepts, each valid for ttl. It returns an error for
// a short secret, a missing issuer or client id, or a ttl that is not positive.
func NewMinter(secret []byte, cfg Config, ttl time.Duration) (*Minter, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if len(secret) < MinHS256SecretBytes {
		return nil, fmt.Errorf("auth: HS256 secret is %d bytes, need at least %d", len(secret), MinHS256SecretBytes)
	}
	if ttl <= 0 {
		return nil, fmt.Errorf("auth: token lifetime %s is not positive", ttl)
	}
	return &Minter{secret: slices.Clone(secret), cfg: cfg, ttl: ttl}, nil
}

// Mint returns an access token for user with role, and when it expires. It
// returns an error for an empty user or a role that is not viewer, operator
// or admin.
func (m *Minter) Mint(user string, role Role) (string, time.Time, error) {
	if user == "" {
		return "", time.Time{}, fmt.Errorf("auth: mint token: empty user")
	}
	if !role.Valid() {
		return "", time.Time{}, fmt.Errorf("auth: mint token: unknown role %q", role)
	}
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", time.Time{}, fmt.Errorf("auth: mint token: %w", err)
	}
	now := m.cfg.now()
	exp := now.Add(m.ttl).Truncate(time.Second)
	claims := jwt.MapClaims{
		"iss":            m.cfg.Issuer,
		"sub":            "local-" + user,
		"username":       user,
		"client_id":      m.cfg.ClientID,
		"token_use":      "access",
		"scope":          "aws.cognito.signin.user.admin",
		"cognito:groups": []string{string(role)},
		"auth_time":      now.Unix(),
		"iat":            now.Unix(),
		"exp":            exp.Unix(),
		"jti":            hex.EncodeToString(id[:]),
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(m.secret)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: mint token: %w", err)
	}
	return token, exp, nil
}
