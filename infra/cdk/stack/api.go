package stack

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/resync/resync/shared/edge/routes"
)

// HTTPAPIProps configures an HTTPAPI.
type HTTPAPIProps struct {
	Routes []routes.HTTPRoute
	// Functions maps a function name from the route table to its Lambda.
	Functions map[string]awslambda.IFunction
	UserPool  awscognito.IUserPool
	Client    awscognito.IUserPoolClient
	// AllowOrigin is the only origin CORS admits (the web client's).
	AllowOrigin *string
	Throttle    Throttle
	// AccessLogRetention and Retain configure the access log group.
	AccessLogRetention awslogs.RetentionDays
	Retain             bool
}

// HTTPAPI is the API Gateway HTTP API: one route per entry of the route
// table, a Cognito JWT authorizer on every route that needs a role, and a
// throttled default stage.
type HTTPAPI struct {
	constructs.Construct
	API   awsapigatewayv2.HttpApi
	Stage awsapigatewayv2.HttpStage
}

// NewHTTPAPI builds the HTTP API. It returns an error if a route names a
// function missing from props.Functions.
func NewHTTPAPI(scope constructs.Construct, id string, props HTTPAPIProps) (*HTTPAPI, error) {
	c := constructs.NewConstruct(scope, jsii.String(id))
	api := awsapigatewayv2.NewHttpApi(c, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		Description:        jsii.String("Resync HTTP API"),
		CreateDefaultStage: jsii.Bool(false),
		CorsPreflight: &awsapigatewayv2.CorsPreflightOptions{
			AllowOrigins: &[]*string{props.AllowOrigin},
			AllowMethods: &[]awsapigatewayv2.CorsHttpMethod{
				awsapigatewayv2.CorsHttpMethod_GET, awsapigatewayv2.CorsHttpMethod_POST,
				awsapigatewayv2.CorsHttpMethod_PUT, awsapigatewayv2.CorsHttpMethod_DELETE,
				awsapigatewayv2.CorsHttpMethod_OPTIONS,
			},
			AllowHeaders: jsii.Strings("authorization", "content-type", "idempotency-key"),
			MaxAge:       awscdk.Duration_Hours(jsii.Number(1)),
		},
	})
	stage := api.AddStage(jsii.String("DefaultStage"), &awsapigatewayv2.HttpStageOptions{
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(props.Throttle.Rate),
			BurstLimit: jsii.Number(props.Throttle.Burst),
		},
	})

	// Access logs, one JSON object per request. HTTP APIs need no account
	// level CloudWatch role for them (WebSocket APIs would).
	logs := awslogs.NewLogGroup(c, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
		Retention:     props.AccessLogRetention,
		RemovalPolicy: removalPolicy(props.Retain),
	})
	stage.Node().DefaultChild().(awsapigatewayv2.CfnStage).SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: logs.LogGroupArn(),
		Format:         jsii.String(accessLogFormat),
	})

	auth := awsapigatewayv2authorizers.NewHttpUserPoolAuthorizer(jsii.String("Cognito"), props.UserPool,
		&awsapigatewayv2authorizers.HttpUserPoolAuthorizerProps{
			UserPoolClients: &[]awscognito.IUserPoolClient{props.Client},
		})
	none := awsapigatewayv2.NewHttpNoneAuthorizer()

	integrations := map[string]awsapigatewayv2integrations.HttpLambdaIntegration{}
	for _, r := range props.Routes {
		fn, ok := props.Functions[r.Function]
		if !ok {
			return nil, fmt.Errorf("stack: http route %s: no function %q", r.Key(), r.Function)
		}
		in, ok := integrations[r.Function]
		if !ok {
			in = awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(titleID(r.Function)), fn,
				&awsapigatewayv2integrations.HttpLambdaIntegrationProps{
					PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
				})
			integrations[r.Function] = in
		}
		var authorizer awsapigatewayv2.IHttpRouteAuthorizer = auth
		if !r.GatewayAuth() {
			authorizer = none
		}
		api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(r.Path),
			Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(r.Method)},
			Integration: in,
			Authorizer:  authorizer,
		})
	}
	return &HTTPAPI{Construct: c, API: api, Stage: stage}, nil
}

// accessLogFormat is the HTTP API's access log line: no headers, no query
// strings, no tokens.
const accessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",` +
	`"requestTime":"$context.requestTime","routeKey":"$context.routeKey","status":"$context.status",` +
	`"responseLength":"$context.responseLength","latency":"$context.responseLatency",` +
	`"integrationLatency":"$context.integrationLatency","integrationError":"$context.integrationErrorMessage",` +
	`"authorizerError":"$context.authorizer.error","user":"$context.authorizer.claims.username"}`

// WebSocketAPIProps configures a WebSocketAPI.
type WebSocketAPIProps struct {
	Selection string
	StageName string
	Throttle  Throttle
}

// WebSocketAPI is the chat WebSocket API and its throttled stage. Routes are
// added with AddRoutes once the functions exist, because the functions need
// the stage's management endpoint first.
type WebSocketAPI struct {
	constructs.Construct
	API   awsapigatewayv2.WebSocketApi
	Stage awsapigatewayv2.WebSocketStage
}

// NewWebSocketAPI builds the WebSocket API and its stage, without routes.
func NewWebSocketAPI(scope constructs.Construct, id string, props WebSocketAPIProps) *WebSocketAPI {
	c := constructs.NewConstruct(scope, jsii.String(id))
	api := awsapigatewayv2.NewWebSocketApi(c, jsii.String("Api"), &awsapigatewayv2.WebSocketApiProps{
		Description:              jsii.String("Resync chat"),
		RouteSelectionExpression: jsii.String(props.Selection),
	})
	stage := awsapigatewayv2.NewWebSocketStage(c, jsii.String("Stage"), &awsapigatewayv2.WebSocketStageProps{
		WebSocketApi: api,
		StageName:    jsii.String(props.StageName),
		AutoDeploy:   jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(props.Throttle.Rate),
			BurstLimit: jsii.Number(props.Throttle.Burst),
		},
	})
	return &WebSocketAPI{Construct: c, API: api, Stage: stage}
}

// AddRoutes adds one route per entry, integrated with the function it
// names. It returns an error if a route names a function missing from fns.
func (w *WebSocketAPI) AddRoutes(rs []routes.WebSocketRoute, fns map[string]awslambda.IFunction) error {
	integrations := map[string]awsapigatewayv2integrations.WebSocketLambdaIntegration{}
	for _, r := range rs {
		fn, ok := fns[r.Function]
		if !ok {
			return fmt.Errorf("stack: websocket route %s: no function %q", r.Key, r.Function)
		}
		in, ok := integrations[r.Function]
		if !ok {
			in = awsapigatewayv2integrations.NewWebSocketLambdaIntegration(jsii.String(titleID(r.Function)), fn, nil)
			integrations[r.Function] = in
		}
		w.API.AddRoute(jsii.String(r.Key), &awsapigatewayv2.WebSocketRouteOptions{Integration: in})
	}
	return nil
}
