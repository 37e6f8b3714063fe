package stack

import (
	"fmt"

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
	Throttle Throttle
	// AccessLogRetention and Retain configure the access log group.
	AccessLogRetention awslogs.RetentionDays
	Retain             bool
}

// HTTPAPI is the API Gateway HTTP API: one route per entry of the route
// table, a Cognito JWT authorizer on every route that needs a role, and a
// throttled default stage. Its CORS configuration names the web client's
// origin and is applied after the distribution exists (NewCORS), because
// the distribution's CSP names this API.
type HTTPAPI struct {
	constructs.Construct
	API   awsapigatewayv2.HttpApi
	Stage awsapigatewayv2.HttpStage
}

// NewHTTPAPI builds the HTTP API and its stage, without routes: AddRoutes
// adds them once the user pool exists, whose app client names the web
// client's origin, whose CSP names this API.
func NewHTTPAPI(scope constructs.Construct, id string, props HTTPAPIProps) *HTTPAPI {
	c := constructs.NewConstruct(scope, jsii.String(id))
	api := awsapigatewayv2.NewHttpApi(c, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		Description:        jsii.String("Resync HTTP API"),
		CreateDefaultStage: jsii.Bool(false),
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
	return &HTTPAPI{Construct: c, API: api, Stage: stage}
}

// AddRoutes adds one route per entry, integrated with the function it
// names, behind the user pool's JWT authorizer unless the route needs no
// role. It returns an error if a route names a function missing from fns.
func (h *HTTPAPI) AddRoutes(rs []routes.HTTPRoute, fns map[string]awslambda.IFunction, pool awscognito.IUserPool, client awscognito.IUserPoolClient) error {
	auth := awsapigatewayv2authorizers.NewHttpUserPoolAuthorizer(jsii.String("Cognito"), pool,
		&awsapigatewayv2authorizers.HttpUserPoolAuthorizerProps{
			UserPoolClients: &[]awscognito.IUserPoolClient{client},
		})
	none := awsapigatewayv2.NewHttpNoneAuthorizer()

	integrations := map[string]awsapigatewayv2integrations.HttpLambdaIntegration{}
	for _, r := range rs {
		fn, ok := fns[r.Function]
		if !ok {
			return fmt.Errorf("stack: http route %s: no function %q", r.Key(), r.Function)
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
		h.API.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(r.Path),
			Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(r.Method)},
			Integration: in,
			Authorizer:  authorizer,
		})
	}
	return nil
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
