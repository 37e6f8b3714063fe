package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// MinHS256SecretBytes is the shortest HS256 secret accepted (256 bits).
const MinHS256SecretBytes = 32

// Config is what every verifier checks besides the signature.
type Config struct {
	// Issuer must equal the iss claim, e.g.
	// https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123.
	Issuer string
	// ClientID must equal client_id (access tokens) or be in aud (ID tokens).
	ClientID string
	// Leeway allowed on exp and nbf for clock skew; zero means none.
	Leeway time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

func (c Config) validate() error {
	var missing []string
	if c.Issuer == "" {
		missing = append(missing, "issuer")
	}
	if c.ClientID == "" {
		missing = append(missing, "client id")
	}
	if len(missing) > 0 {
		return fmt.Errorf("auth: config: missing %v", missing)
	}
	return nil
}

func (c Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Verifier checks bearer tokens. It is safe for concurrent use.
type Verifier struct {
	cfg     Config
	method  string // the one accepted alg
	keyfunc func(ctx context.Context) jwt.Keyfunc
}

// NewHS256 returns a Verifier for HS256 tokens signed with secret, as the
// local stack mints them. It returns an error when the secret is shorter than
// MinHS256SecretBytes or the config lacks issuer or client id.
func NewHS256(secret []byte, cfg Config) (*Verifier, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if len(secret) < MinHS256SecretBytes {
		return nil, fmt.Errorf("auth: HS256 secret is %d bytes, need at least %d", len(secret), MinHS256SecretBytes)
	}
	key := slices.Clone(secret)
	kf := func(*jwt.Token) (any, error) { return key, nil }
	return &Verifier{
		cfg:     cfg,
		method:  jwt.SigningMethodHS256.Alg(),
		keyfunc: func(context.Context) jwt.Keyfunc { return kf },
	}, nil
}

// JWKSOptions tune NewJWKS. The zero value is fine.
type JWKSOptions struct {
	// HTTPClient fetches the JWKS; nil means a client with a 5 s timeout.
	HTTPClient *http.Client
	// RefreshInterval between background refreshes; zero means one hour.
	RefreshInterval time.Duration
	// UnknownKIDEvery limits refreshes caused by tokens with an unknown key
	// id to one per this interval; zero means one per minute.
	UnknownKIDEvery time.Duration
	// OnRefreshError is told about failed background refreshes; nil ignores them.
	OnRefreshError func(ctx context.Context, url string, err error)
}

// NewJWKS returns a Verifier for RS256 tokens whose keys are published at
// jwksURL (for Cognito: Issuer + "/.well-known/jwks.json"). The keys are
// fetched now and refreshed in the background until ctx ends; a token with an
// unknown key id triggers a rate-limited refresh. A JWKS that cannot be
// fetched at start-up is not an error: tokens fail to verify until it can be.
func NewJWKS(ctx context.Context, jwksURL string, cfg Config, opts JWKSOptions) (*Verifier, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if jwksURL == "" {
		return nil, errors.New("auth: config: missing JWKS URL")
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	every := opts.UnknownKIDEvery
	if every <= 0 {
		every = time.Minute
	}
	override := keyfunc.Override{
		Client:            client,
		RefreshInterval:   opts.RefreshInterval,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(every), 1),
		// A token with an unknown kid waits at most this long for the
		// limiter instead of queueing behind it.
		RateLimitWaitMax: 100 * time.Millisecond,
		RefreshErrorHandlerFunc: func(u string) func(context.Context, error) {
			return func(ctx context.Context, err error) {
				if opts.OnRefreshError != nil {
					opts.OnRefreshError(ctx, u, err)
				}
			}
		},
	}
	k, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{jwksURL}, override)
	if err != nil {
		return nil, fmt.Errorf("auth: load JWKS %s: %w", jwksURL, err)
	}
	return &Verifier{
		cfg:     cfg,
		method:  jwt.SigningMethodRS256.Alg(),
		keyfunc: k.KeyfuncCtx,
	}, nil
}

// Verify checks the token's signature, issuer, expiry, token use and client
// id, and returns its claims. Errors wrap ErrMissing (empty token),
// ErrExpired or ErrInvalid; they never contain the token.
func (v *Verifier) Verify(ctx context.Context, token string) (Claims, error) {
	if token == "" {
		return Claims{}, ErrMissing
	}
	mc := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, mc, v.keyfunc(ctx),
		jwt.WithValidMethods([]string{v.method}),
		jwt.WithIssuer(v.cfg.Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(v.cfg.Leeway),
		jwt.WithTimeFunc(v.cfg.now),
	)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return Claims{}, fmt.Errorf("%w: %w", ErrExpired, err)
	case err != nil:
		return Claims{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	c, err := claimsFrom(mc)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	switch c.TokenUse {
	case "access":
		if c.ClientID != v.cfg.ClientID {
			return Claims{}, fmt.Errorf("%w: client_id does not match", ErrInvalid)
		}
	case "id":
		aud, _ := mc.GetAudience()
		if !slices.Contains(aud, v.cfg.ClientID) {
			return Claims{}, fmt.Errorf("%w: aud does not match", ErrInvalid)
		}
		c.ClientID = v.cfg.ClientID
	default:
		return Claims{}, fmt.Errorf("%w: token_use %q is neither access nor id", ErrInvalid, c.TokenUse)
	}
	return c, nil
}

// Request verifies the bearer token of r and checks that its role allows
// need. Errors wrap ErrMissing, ErrExpired, ErrInvalid or ErrForbidden; use
// HTTPStatus to answer them.
func (v *Verifier) Request(r *http.Request, need Role) (Claims, error) {
	token, err := BearerToken(r.Header.Get("Authorization"))
	if err != nil {
		return Claims{}, err
	}
	c, err := v.Verify(r.Context(), token)
	if err != nil {
		return Claims{}, err
	}
	if err := c.Authorize(need); err != nil {
		return c, err
	}
	return c, nil
}

func claimsFrom(mc jwt.MapClaims) (Claims, error) {
	str := func(key string) (string, error) {
		v, ok := mc[key]
		if !ok || v == nil {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("claim %s is %T, want string", key, v)
		}
		return s, nil
	}
	var c Claims
	var err error
	fields := []struct {
		key string
		dst *string
	}{
		{"sub", &c.Subject}, {"iss", &c.Issuer}, {"token_use", &c.TokenUse}, {"client_id", &c.ClientID},
		{"username", &c.Username},
	}
	for _, f := range fields {
		if *f.dst, err = str(f.key); err != nil {
			return Claims{}, err
		}
	}
	if c.Username == "" {
		if c.Username, err = str("cognito:username"); err != nil {
			return Claims{}, err
		}
	}
	if c.Subject == "" {
		return Claims{}, errors.New("claim sub is missing")
	}
	switch g := mc["cognito:groups"].(type) {
	case nil:
	case []any:
		for _, x := range g {
			s, ok := x.(string)
			if !ok {
				return Claims{}, fmt.Errorf("claim cognito:groups holds %T, want string", x)
			}
			c.Groups = append(c.Groups, s)
		}
	default:
		return Claims{}, fmt.Errorf("claim cognito:groups is %T, want array", g)
	}
	c.Role = RoleFromGroups(c.Groups)
	exp, err := mc.GetExpirationTime()
	if err != nil || exp == nil {
		return Claims{}, errors.New("claim exp is missing")
	}
	c.ExpiresAt = exp.Time
	c.Raw = map[string]any(mc)
	return c, nil
}
