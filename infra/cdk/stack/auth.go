package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/resync/resync/shared/edge/routes"
)

// UsersProps configures Users.
type UsersProps struct {
	// CallbackOrigin is the web client's origin; the app client redirects
	// only there after sign-in and sign-out.
	CallbackOrigin *string
	// DomainPrefix is the hosted UI's domain prefix
	// (<prefix>.auth.<region>.amazoncognito.com), unique in the region.
	DomainPrefix *string
	Retain       bool
}

// Users is the Cognito user pool with one group per role and the web
// client's app client. Users are invited by an administrator; there is no
// self sign-up. MFA with an authenticator app (TOTP) is required for every
// user: Cognito cannot require it per group, and operators and admins —
// who can rerun and kill production jobs — must not sign in with a
// password alone. The hosted UI enrols the app at the first sign-in.
type Users struct {
	constructs.Construct
	Pool   awscognito.UserPool
	Client awscognito.UserPoolClient
	// Domain is the hosted UI the web client signs in through
	// (authorization code with PKCE).
	Domain awscognito.UserPoolDomain
	// Issuer is the JWT issuer URL; its JWKS is Issuer + "/.well-known/jwks.json".
	Issuer *string
}

// Groups returns the Cognito group names, one per role, least privileged first.
func Groups() []string {
	return []string{string(routes.RoleViewer), string(routes.RoleOperator), string(routes.RoleAdmin)}
}

// NewUsers builds the user pool, its groups and the app client.
func NewUsers(scope constructs.Construct, id string, props UsersProps) *Users {
	c := constructs.NewConstruct(scope, jsii.String(id))
	pool := awscognito.NewUserPool(c, jsii.String("Pool"), &awscognito.UserPoolProps{
		SelfSignUpEnabled: jsii.Bool(false),
		SignInAliases:     &awscognito.SignInAliases{Email: jsii.Bool(true)},
		AutoVerify:        &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		AccountRecovery:   awscognito.AccountRecovery_EMAIL_ONLY,
		Mfa:               awscognito.Mfa_REQUIRED,
		MfaSecondFactor:   &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:        jsii.Number(12),
			RequireDigits:    jsii.Bool(true),
			RequireLowercase: jsii.Bool(true),
			RequireUppercase: jsii.Bool(true),
			RequireSymbols:   jsii.Bool(true),
		},
		DeletionProtection: jsii.Bool(props.Retain),
		RemovalPolicy:      removalPolicy(props.Retain),
	})
	for i, g := range Groups() {
		pool.AddGroup(jsii.String(titleID(g)), &awscognito.UserPoolGroupOptions{
			GroupName:   jsii.String(g),
			Description: jsii.String("Resync " + g + "s"),
			// Cognito ranks groups by precedence (lowest first); the most
			// privileged role gets the lowest number.
			Precedence: jsii.Number(float64(len(Groups()) - i)),
		})
	}
	callback := awscdk.Fn_Join(jsii.String(""), &[]*string{props.CallbackOrigin, jsii.String("/")})
	client := pool.AddClient(jsii.String("Web"), &awscognito.UserPoolClientOptions{
		GenerateSecret:             jsii.Bool(false),
		AuthFlows:                  &awscognito.AuthFlow{UserSrp: jsii.Bool(true)},
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		AccessTokenValidity:        awscdk.Duration_Hours(jsii.Number(1)),
		IdTokenValidity:            awscdk.Duration_Hours(jsii.Number(1)),
		RefreshTokenValidity:       awscdk.Duration_Days(jsii.Number(1)),
		OAuth: &awscognito.OAuthSettings{
			Flows:        &awscognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true)},
			Scopes:       &[]awscognito.OAuthScope{awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_EMAIL(), awscognito.OAuthScope_PROFILE()},
			CallbackUrls: &[]*string{callback},
			LogoutUrls:   &[]*string{callback},
		},
	})
	domain := pool.AddDomain(jsii.String("Domain"), &awscognito.UserPoolDomainOptions{
		CognitoDomain: &awscognito.CognitoDomainOptions{DomainPrefix: props.DomainPrefix},
	})
	issuer := awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("https://cognito-idp."), awscdk.Aws_REGION(), jsii.String(".amazonaws.com/"), pool.UserPoolId(),
	})
	return &Users{Construct: c, Pool: pool, Client: client, Domain: domain, Issuer: issuer}
}
