// Package auth verifies the bearer tokens that callers of Resync's HTTP and
// WebSocket APIs present, and maps them to a role.
//
// In AWS the tokens are Cognito user-pool JWTs signed with RS256 and checked
// against the issuer's JWKS; in the local stack they are HS256 JWTs signed with
// a local secret and minted by the stack's dev token endpoint (see Minter).
// Both carry Cognito-shaped claims: iss, sub, username, token_use, client_id
// (access tokens) or aud (ID tokens), exp and cognito:groups. The groups give
// the role: viewer < operator < admin.
//
// Every function checks tokens itself, whatever the gateway in front did.
package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/resync/resync/shared/domain/access"
)

// Errors returned by this package. Test with errors.Is; the returned errors
// wrap one of these with the detail of what was wrong.
var (
	// ErrMissing means the request carried no bearer token.
	ErrMissing = errors.New("auth: missing bearer token")
	// ErrExpired means the token's exp claim is in the past.
	ErrExpired = errors.New("auth: token expired")
	// ErrInvalid means the token could not be verified: malformed, bad
	// signature, unknown key, wrong issuer, audience, client id or token use.
	ErrInvalid = errors.New("auth: invalid token")
	// ErrForbidden means the token is valid but its role is too low.
	ErrForbidden = errors.New("auth: forbidden")
)

// HTTPStatus returns the HTTP status for an error of this package: 401 for
// missing, expired or invalid tokens, 403 for forbidden, and 500 otherwise.
func HTTPStatus(err error) int {
	switch {
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, ErrMissing), errors.Is(err, ErrExpired), errors.Is(err, ErrInvalid):
		return http.StatusUnauthorized
	default:
		return http.StatusInternalServerError
	}
}

// Role is what a caller may do (access.Role, the domain's type). Roles are
// ordered: viewer < operator < admin. The zero value RoleNone grants nothing.
type Role = access.Role

// Roles, from least to most privileged. The names equal the Cognito groups.
const (
	RoleNone     = access.RoleNone
	RoleViewer   = access.RoleViewer
	RoleOperator = access.RoleOperator
	RoleAdmin    = access.RoleAdmin
)

// RoleFromGroups returns the highest role named by the groups (the
// cognito:groups claim); other groups are ignored. It returns RoleNone when no
// group names a role.
func RoleFromGroups(groups []string) Role {
	best := RoleNone
	for _, g := range groups {
		if r := Role(strings.ToLower(strings.TrimSpace(g))); r.Above(best) {
			best = r
		}
	}
	return best
}

// Claims are the verified facts of a token that Resync uses.
type Claims struct {
	Subject   string    // sub
	Username  string    // username (access tokens) or cognito:username (ID tokens)
	Issuer    string    // iss
	ClientID  string    // client_id, or the matching aud of an ID token
	TokenUse  string    // "access" or "id"
	Groups    []string  // cognito:groups
	Role      Role      // the highest role among Groups
	ExpiresAt time.Time // exp

	// Raw holds every claim of the token as decoded JSON, for passing on
	// (for example into an API Gateway authorizer context).
	Raw map[string]any
}

// User returns the name to record for the caller: the username, or the
// subject when the token has none.
func (c Claims) User() string {
	if c.Username != "" {
		return c.Username
	}
	return c.Subject
}

// Authorize returns nil when the claims' role allows need, and an error
// wrapping ErrForbidden otherwise.
func (c Claims) Authorize(need Role) error {
	if c.Role.Allows(need) {
		return nil
	}
	if c.Role == RoleNone {
		return fmt.Errorf("%w: token carries no role, %s needed", ErrForbidden, need)
	}
	return fmt.Errorf("%w: role %s is below %s", ErrForbidden, c.Role, need)
}

// BearerToken returns the token of an "Authorization: Bearer <token>" header
// value, or an error wrapping ErrMissing when there is none.
func BearerToken(header string) (string, error) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", ErrMissing
	}
	return strings.TrimSpace(token), nil
}

type claimsKey struct{}

// NewContext returns a copy of ctx carrying c.
func NewContext(ctx context.Context, c Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, c)
}

// FromContext returns the claims stored by NewContext, if any.
func FromContext(ctx context.Context) (Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(Claims)
	return c, ok
}
