package oidclocal_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/resync/resync/internal/oidclocal"
	"github.com/resync/resync/shared/edge/auth"
)

// The functions' own RS256 verifier accepts the issuer's access and ID
// tokens through its JWKS, reads Cognito's claims from them, and refuses an
// expired token and an HS256 token with the same claims.
func TestTokensVerifyLikeCognitos(t *testing.T) {
	ctx := context.Background()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	now := time.Now()
	iss, err := oidclocal.New(oidclocal.Config{URL: srv.URL + "/pool", ClientID: "client-1", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/pool/", http.StripPrefix("/pool", iss.Handler()))
	v, err := auth.NewJWKS(ctx, iss.JWKSURL(), auth.Config{Issuer: iss.URL(), ClientID: iss.ClientID()}, auth.JWKSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, mint := range []func(oidclocal.Token) (string, time.Time, error){iss.Access, iss.ID} {
		tok, exp, err := mint(oidclocal.Token{User: "olga", Groups: []string{"operator"}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := v.Verify(ctx, tok)
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		if c.User() != "olga" || c.Role != auth.RoleOperator || c.ClientID != "client-1" || !c.ExpiresAt.Equal(exp.Truncate(time.Second)) {
			t.Errorf("claims %+v, want olga, operator, client-1, exp %s", c, exp)
		}
		for _, k := range []string{"iss", "token_use", "cognito:groups", "auth_time", "exp", "jti"} {
			if _, ok := c.Raw[k]; !ok {
				t.Errorf("%s token has no %s claim", c.TokenUse, k)
			}
		}
	}
	expired, _, _ := iss.Access(oidclocal.Token{User: "olga", Groups: []string{"operator"}, TTL: -time.Minute})
	if _, err := v.Verify(ctx, expired); err == nil {
		t.Error("an expired token verified")
	}
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": iss.URL(), "client_id": "client-1", "token_use": "access", "username": "olga",
		"cognito:groups": []string{"admin"}, "exp": now.Add(time.Hour).Unix(),
	})
	hsTok, _ := hs.SignedString([]byte("a-shared-secret-of-thirty-two-bytes!"))
	if _, err := v.Verify(ctx, hsTok); err == nil {
		t.Error("an HS256 token verified against the RS256 issuer")
	}
}
