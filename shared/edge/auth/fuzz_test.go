package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzBearerToken reads arbitrary Authorization headers. Properties: a
// refusal is ErrMissing; an accepted token is non-empty, trimmed, part of
// the header, and the header said Bearer.
func FuzzBearerToken(f *testing.F) {
	for _, h := range []string{"Bearer abc.def.ghi", "bearer  x ", "Basic dXNlcjpwdw==", "Bearer", "Bearer ", "", " Bearer\ttab", "BEARER a b"} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, header string) {
		token, err := BearerToken(header)
		if err != nil {
			if !errors.Is(err, ErrMissing) || token != "" {
				t.Fatalf("BearerToken(%q) = %q, %v; want ErrMissing and no token", header, token, err)
			}
			return
		}
		if token == "" || strings.TrimSpace(token) != token || !strings.Contains(header, token) {
			t.Fatalf("BearerToken(%q) = %q: empty, untrimmed or not from the header", header, token)
		}
		if scheme, _, _ := strings.Cut(strings.TrimSpace(header), " "); !strings.EqualFold(scheme, "Bearer") {
			t.Fatalf("BearerToken(%q) accepted scheme %q", header, scheme)
		}
	})
}

// checkVerify asserts what Verify promises for any token: an error wrapping
// ErrMissing, ErrExpired or ErrInvalid that does not contain the token, or
// claims that name a subject, carry the configured issuer and client, have
// not expired, and hold the role their groups give.
func checkVerify(t *testing.T, v *Verifier, token string) {
	t.Helper()
	c, err := v.Verify(context.Background(), token)
	if err != nil {
		if !errors.Is(err, ErrMissing) && !errors.Is(err, ErrExpired) && !errors.Is(err, ErrInvalid) {
			t.Fatalf("Verify error %v wraps none of ErrMissing, ErrExpired, ErrInvalid", err)
		}
		if len(token) >= 16 && strings.Contains(err.Error(), token) {
			t.Fatalf("Verify error contains the token: %v", err)
		}
		return
	}
	if c.Subject == "" || c.User() == "" || c.Issuer != testIssuer || c.ClientID != testClientID {
		t.Fatalf("Verify accepted claims %+v: no subject, or another issuer or client", c)
	}
	if c.TokenUse != "access" && c.TokenUse != "id" {
		t.Fatalf("Verify accepted token_use %q", c.TokenUse)
	}
	if !c.ExpiresAt.After(testNow) {
		t.Fatalf("Verify accepted a token that expired at %v (now %v)", c.ExpiresAt, testNow)
	}
	if c.Role != RoleFromGroups(c.Groups) {
		t.Fatalf("role %s, but groups %q give %s", c.Role, c.Groups, RoleFromGroups(c.Groups))
	}
}

// FuzzVerify verifies arbitrary token strings with an HS256 verifier.
func FuzzVerify(f *testing.F) {
	v, err := NewHS256(testSecret(0), testConfig())
	if err != nil {
		f.Fatal(err)
	}
	good, _ := signClaims(testSecret(0), `{"alg":"HS256","typ":"JWT"}`, mustJSON(accessClaims("resync-operators")))
	if _, err := v.Verify(context.Background(), good); err != nil {
		f.Fatalf("the good seed does not verify: %v", err)
	}
	for _, s := range []string{good, good[:len(good)-2], "a.b.c", "", "....", "eyJhbGciOiJub25lIn0.e30.", good + "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		checkVerify(t, v, token)
	})
}

// FuzzVerifyClaims signs arbitrary headers and claims with the verifier's
// own secret, so the fuzzer gets past the signature to the algorithm and
// claim checks (alg none or RS256 in the header, odd types, missing exp,
// foreign issuers, groups that are not strings).
func FuzzVerifyClaims(f *testing.F) {
	v, err := NewHS256(testSecret(0), testConfig())
	if err != nil {
		f.Fatal(err)
	}
	header := `{"alg":"HS256","typ":"JWT"}`
	f.Add(header, mustJSON(accessClaims("resync-operators")))
	f.Add(header, mustJSON(with(accessClaims(), "token_use", "id")))
	f.Add(header, mustJSON(with(accessClaims("resync-admins"), "aud", []string{testClientID})))
	f.Add(`{"alg":"none"}`, mustJSON(accessClaims("resync-admins")))
	f.Add(`{"alg":"RS256"}`, mustJSON(accessClaims("resync-admins")))
	f.Add(header, `{"sub":1,"exp":"soon","cognito:groups":"resync-admins"}`)
	f.Add(header, `{"iss":"`+testIssuer+`","sub":"s","exp":1e300,"token_use":"access","client_id":"`+testClientID+`"}`)
	f.Fuzz(func(t *testing.T, header, claims string) {
		token, _ := signClaims(testSecret(0), header, claims)
		checkVerify(t, v, token)
	})
}

func signClaims(secret []byte, header, claims string) (string, error) {
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims))
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil)), nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
