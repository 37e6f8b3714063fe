package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testIssuer   = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test"
	testClientID = "client-123"
)

var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func testConfig() Config {
	return Config{Issuer: testIssuer, ClientID: testClientID, Now: func() time.Time { return testNow }}
}

func testSecret(b byte) []byte {
	return []byte(strings.Repeat(string(rune('a'+b)), MinHS256SecretBytes))
}

// accessClaims returns Cognito-shaped access-token claims valid at testNow.
func accessClaims(groups ...string) jwt.MapClaims {
	return jwt.MapClaims{
		"iss":            testIssuer,
		"sub":            "8f1c-uuid",
		"username":       "alice",
		"client_id":      testClientID,
		"token_use":      "access",
		"cognito:groups": groups,
		"iat":            testNow.Add(-time.Minute).Unix(),
		"exp":            testNow.Add(time.Hour).Unix(),
	}
}

func with(c jwt.MapClaims, key string, v any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, x := range c {
		out[k] = x
	}
	if v == nil {
		delete(out, key)
	} else {
		out[key] = v
	}
	return out
}

func signHS(t *testing.T, secret []byte, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func signRS(t *testing.T, key *rsa.PrivateKey, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRoleAllows(t *testing.T) {
	roles := []Role{RoleNone, RoleViewer, RoleOperator, RoleAdmin}
	for i, have := range roles {
		for j, need := range roles {
			if got, want := have.Allows(need), i >= j; got != want {
				t.Errorf("Role(%q).Allows(%q) = %v, want %v", have, need, got, want)
			}
		}
	}
	if Role("root").Allows(RoleViewer) {
		t.Error("unknown role allows viewer")
	}
}

func TestRoleFromGroups(t *testing.T) {
	tests := []struct {
		groups []string
		want   Role
	}{
		{nil, RoleNone},
		{[]string{"everyone"}, RoleNone},
		{[]string{"viewer"}, RoleViewer},
		{[]string{"viewer", "admin", "operator"}, RoleAdmin},
		{[]string{"Operator"}, RoleOperator},
		{[]string{"operator", "billing"}, RoleOperator},
	}
	for _, tt := range tests {
		if got := RoleFromGroups(tt.groups); got != tt.want {
			t.Errorf("RoleFromGroups(%v) = %q, want %q", tt.groups, got, tt.want)
		}
	}
}

func TestBearerToken(t *testing.T) {
	tests := []struct {
		header, want string
		err          error
	}{
		{"Bearer abc.def.ghi", "abc.def.ghi", nil},
		{"bearer   abc ", "abc", nil},
		{"", "", ErrMissing},
		{"Basic dXNlcjpwYXNz", "", ErrMissing},
		{"Bearer ", "", ErrMissing},
	}
	for _, tt := range tests {
		got, err := BearerToken(tt.header)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("BearerToken(%q) = %q, %v; want %q, %v", tt.header, got, err, tt.want, tt.err)
		}
	}
}

func TestHS256Verify(t *testing.T) {
	v, err := NewHS256(testSecret(0), testConfig())
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	base := accessClaims("operator")
	idToken := with(with(with(base, "token_use", "id"), "client_id", nil), "aud", testClientID)
	idToken = with(with(idToken, "username", nil), "cognito:username", "bob")
	tests := []struct {
		name     string
		token    string
		wantErr  error
		wantRole Role
		wantUser string
	}{
		{"valid access token", signHS(t, testSecret(0), base), nil, RoleOperator, "alice"},
		{"valid id token", signHS(t, testSecret(0), idToken), nil, RoleOperator, "bob"},
		{"no groups", signHS(t, testSecret(0), with(base, "cognito:groups", nil)), nil, RoleNone, "alice"},
		{"expired", signHS(t, testSecret(0), with(base, "exp", testNow.Add(-time.Second).Unix())), ErrExpired, "", ""},
		{"no exp", signHS(t, testSecret(0), with(base, "exp", nil)), ErrInvalid, "", ""},
		{"wrong client id", signHS(t, testSecret(0), with(base, "client_id", "other")), ErrInvalid, "", ""},
		{"wrong audience", signHS(t, testSecret(0), with(idToken, "aud", "other")), ErrInvalid, "", ""},
		{"wrong issuer", signHS(t, testSecret(0), with(base, "iss", "https://evil.example")), ErrInvalid, "", ""},
		{"wrong signature", signHS(t, testSecret(1), base), ErrInvalid, "", ""},
		{"bad token_use", signHS(t, testSecret(0), with(base, "token_use", "refresh")), ErrInvalid, "", ""},
		{"no sub", signHS(t, testSecret(0), with(base, "sub", nil)), ErrInvalid, "", ""},
		{"groups not an array", signHS(t, testSecret(0), with(base, "cognito:groups", "admin")), ErrInvalid, "", ""},
		{"RS256 token to HS256 verifier", signRS(t, rsaKey, "k1", base), ErrInvalid, "", ""},
		{"garbage", "not-a-jwt", ErrInvalid, "", ""},
		{"empty", "", ErrMissing, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(context.Background(), tt.token)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Verify: err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if tt.token != "" && strings.Contains(err.Error(), tt.token) {
					t.Errorf("error text contains the token")
				}
				return
			}
			if c.Role != tt.wantRole || c.User() != tt.wantUser || c.ClientID != testClientID {
				t.Errorf("claims = role %q user %q client %q; want %q %q %q", c.Role, c.User(), c.ClientID, tt.wantRole, tt.wantUser, testClientID)
			}
			if got, want := c.ExpiresAt, testNow.Add(time.Hour); !got.Equal(want) {
				t.Errorf("ExpiresAt = %v, want %v", got, want)
			}
		})
	}
}

func TestNewHS256RejectsShortSecret(t *testing.T) {
	if _, err := NewHS256([]byte("short"), testConfig()); err == nil {
		t.Error("NewHS256 with a 5-byte secret: got nil error")
	}
	if _, err := NewHS256(testSecret(0), Config{Issuer: testIssuer}); err == nil {
		t.Error("NewHS256 without client id: got nil error")
	}
}

func TestMinterRoundTrip(t *testing.T) {
	m, err := NewMinter(testSecret(2), testConfig(), 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewHS256(testSecret(2), testConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []Role{RoleViewer, RoleOperator, RoleAdmin} {
		token, exp, err := m.Mint("carol", role)
		if err != nil {
			t.Fatalf("Mint(%s): %v", role, err)
		}
		if want := testNow.Add(15 * time.Minute); !exp.Equal(want) {
			t.Errorf("Mint(%s) expiry = %v, want %v", role, exp, want)
		}
		c, err := v.Verify(context.Background(), token)
		if err != nil {
			t.Fatalf("Verify(minted %s): %v", role, err)
		}
		if c.Role != role || c.User() != "carol" || c.TokenUse != "access" {
			t.Errorf("minted %s: got role %q user %q use %q", role, c.Role, c.User(), c.TokenUse)
		}
	}
	if _, _, err := m.Mint("carol", "root"); err == nil {
		t.Error("Mint with role root: got nil error")
	}
	if _, _, err := m.Mint("", RoleViewer); err == nil {
		t.Error("Mint with empty user: got nil error")
	}
	later := testConfig()
	later.Now = func() time.Time { return testNow.Add(16 * time.Minute) }
	lv, _ := NewHS256(testSecret(2), later)
	token, _, _ := m.Mint("carol", RoleViewer)
	if _, err := lv.Verify(context.Background(), token); !errors.Is(err, ErrExpired) {
		t.Errorf("minted token after its lifetime: err = %v, want ErrExpired", err)
	}
}

func TestRequest(t *testing.T) {
	v, _ := NewHS256(testSecret(0), testConfig())
	tests := []struct {
		name       string
		header     string
		need       Role
		wantStatus int
	}{
		{"no header", "", RoleViewer, 401},
		{"viewer on viewer route", "Bearer " + signHS(t, testSecret(0), accessClaims("viewer")), RoleViewer, 200},
		{"viewer on admin route", "Bearer " + signHS(t, testSecret(0), accessClaims("viewer")), RoleAdmin, 403},
		{"no role on viewer route", "Bearer " + signHS(t, testSecret(0), accessClaims()), RoleViewer, 403},
		{"admin on admin route", "Bearer " + signHS(t, testSecret(0), accessClaims("admin")), RoleAdmin, 200},
		{"bad signature", "Bearer " + signHS(t, testSecret(3), accessClaims("admin")), RoleAdmin, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/x", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			_, err := v.Request(r, tt.need)
			got := 200
			if err != nil {
				got = HTTPStatus(err)
			}
			if got != tt.wantStatus {
				t.Errorf("status = %d (err %v), want %d", got, err, tt.wantStatus)
			}
		})
	}
}

// jwksServer serves a JWKS of the public keys it holds; keys can be added
// while it runs, as with a key rotation.
type jwksServer struct {
	mu   sync.Mutex
	keys map[string]*rsa.PublicKey
	*httptest.Server
}

func newJWKSServer(t *testing.T) *jwksServer {
	s := &jwksServer{keys: map[string]*rsa.PublicKey{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		var set struct {
			Keys []map[string]string `json:"keys"`
		}
		for kid, k := range s.keys {
			set.Keys = append(set.Keys, map[string]string{
				"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
				"n": base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
				"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
			})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) add(kid string, k *rsa.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[kid] = k
}

func TestJWKSVerify(t *testing.T) {
	k1, _ := rsa.GenerateKey(rand.Reader, 2048)
	k2, _ := rsa.GenerateKey(rand.Reader, 2048)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	srv := newJWKSServer(t)
	srv.add("k1", &k1.PublicKey)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v, err := NewJWKS(ctx, srv.URL+"/.well-known/jwks.json", testConfig(), JWKSOptions{UnknownKIDEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	base := accessClaims("admin")
	tests := []struct {
		name     string
		token    string
		wantErr  error
		wantRole Role
	}{
		{"valid", signRS(t, k1, "k1", base), nil, RoleAdmin},
		{"expired", signRS(t, k1, "k1", with(base, "exp", testNow.Add(-time.Minute).Unix())), ErrExpired, ""},
		{"wrong client id", signRS(t, k1, "k1", with(base, "client_id", "someone-else")), ErrInvalid, ""},
		{"wrong signature", signRS(t, other, "k1", base), ErrInvalid, ""},
		{"unknown kid", signRS(t, other, "nope", base), ErrInvalid, ""},
		{"HS256 with the kid (alg confusion)", func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, base)
			tok.Header["kid"] = "k1"
			s, _ := tok.SignedString(k1.PublicKey.N.Bytes())
			return s
		}(), ErrInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(context.Background(), tt.token)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Verify: err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && c.Role != tt.wantRole {
				t.Errorf("role = %q, want %q", c.Role, tt.wantRole)
			}
		})
	}

	t.Run("rotated key is fetched on first use", func(t *testing.T) {
		// A fresh verifier (as in a new process) loads the JWKS holding k1
		// only; then the issuer rotates k2 in and a k2 token arrives.
		v2, err := NewJWKS(ctx, srv.URL, testConfig(), JWKSOptions{UnknownKIDEvery: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v2.Verify(context.Background(), signRS(t, k1, "k1", base)); err != nil {
			t.Fatalf("Verify(k1 token): %v", err)
		}
		srv.add("k2", &k2.PublicKey)
		c, err := v2.Verify(context.Background(), signRS(t, k2, "k2", base))
		if err != nil {
			t.Fatalf("Verify(k2 token) after rotation: %v", err)
		}
		if c.Role != RoleAdmin {
			t.Errorf("role = %q, want admin", c.Role)
		}
	})
}
