package stack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/resync/resync/shared/edge/routes"
)

// Logical ids pinned for the stateful resources, so a refactor of the
// construct tree never replaces them (and never loses their data).
const (
	IDDocumentsBucket = "DocumentsBucket"
	IDAccessLogs      = "AccessLogsBucket"
	IDAuditBucket     = "AuditBucket"
	IDWebBucket       = "WebBucket"
	IDUserPool        = "UserPool"
	IDCache           = "Cache"
	IDCacheAuthToken  = "CacheAuthToken"
	IDHWASecret       = "HwaSecret"
	IDNeo4jSecret     = "Neo4jSecret"
	IDAlertsSecret    = "AlertsSecret"
)

// Props configures the Resync stack. main fills it from the environment.
type Props struct {
	awscdk.StackProps
	Stage Stage
	// CodeDir holds one folder per function with its bootstrap binary
	// (bin/ at the repository root after make build).
	CodeDir string
	// WebDir holds the browser client; empty deploys only config.json.
	WebDir string
	// HWAURL and Neo4jURI are the addresses of the real HWA server and the
	// Neo4j Aura instance; their credentials live in the secrets.
	HWAURL   string
	Neo4jURI string
	// UIOrigin is the web client's origin when it is served from a custom
	// domain (https://resync.example.com); empty means the CloudFront
	// domain. CORS, the upload CORS rule and the sign-in callback use it.
	UIOrigin string
	// AlarmEmail, when set, receives the alarms.
	AlarmEmail string
	// Shifts are the shift boundaries of the handover ("06:00,14:00,22:00")
	// in PlanTimeZone (IANA; empty: UTC); empty Shifts is the default.
	Shifts       string
	PlanTimeZone string
}

// Stack is the synthesized Resync stack and the parts tests look at.
type Stack struct {
	awscdk.Stack
	Functions map[string]*Function
	HTTP      *HTTPAPI
	WebSocket *WebSocketAPI
	Users     *Users
	Documents *Documents
	Audit     *Audit
	Web       *Web
	Cache     *Cache
}

// access lists what a function may reach beyond the cache and Neo4j,
// which every function uses (and whose secrets every function reads).
type access struct {
	HWA         bool // HWA_URL and the HWA secret
	Bedrock     bool // the chat and embedding models
	Embeddings  bool // the embedding model only (BEDROCK_EMBED_MODEL_ID, BEDROCK_REGION)
	Documents   documentAccess
	Audit       bool // writes audit records (and admin reads them)
	Connections bool // post to WebSocket connections
	Metrics     bool
	Console     bool // links to the web client (CONSOLE_URL)
	Alerts      bool // posts alerts and handovers to the chat webhooks (the alerts secret)
	Shifts      bool // writes the shift handover (SHIFTS, PLAN_TIME_ZONE)
}

type documentAccess int

const (
	noDocuments documentAccess = iota
	readDocuments
	// uploadDocuments presigns uploads under routes.UploadPrefix and deletes
	// documents: PutObject under the prefix and DeleteObject, nothing else
	// (presigned URLs carry the signer's rights, so these are the uploads'
	// rights too).
	uploadDocuments
)

// functionAccess is the table of each function's extra permissions.
func functionAccess() map[string]access {
	return map[string]access{
		routes.Chat:   {HWA: true, Bedrock: true, Connections: true, Audit: true, Shifts: true}, // shifts: the handover tool
		routes.Status: {HWA: true},
		routes.Admin:  {Documents: uploadDocuments, Audit: true},
		routes.Ingest: {HWA: true, Bedrock: true, Documents: readDocuments, Connections: true},
		// Health runs the plan monitor and the shift handover, which post
		// to the chat webhooks with links into the console, and replays the
		// dead letters (audited).
		routes.Health: {HWA: true, Bedrock: true, Connections: true, Metrics: true, Alerts: true, Console: true, Audit: true},
		// MCP confirms proposals like chat (audited) and links to them in
		// the console when the client cannot ask for a confirmation.
		// It searches the runbooks with the embedding model ingest used.
		routes.MCP: {HWA: true, Embeddings: true, Audit: true, Console: true, Shifts: true},
	}
}

// New builds the Resync stack for props.Stage. It returns an error if the
// props are incomplete or the route table names a function that has no
// code in CodeDir.
func New(scope constructs.Construct, id string, props Props) (*Stack, error) {
	if err := props.validate(); err != nil {
		return nil, err
	}
	st := props.Stage
	s := &Stack{
		Stack:     awscdk.NewStack(scope, jsii.String(id), &props.StackProps),
		Functions: map[string]*Function{},
	}
	// CloudFormation's schema for dashboards has no Tags in every region
	// (cfn-lint E3002), so they are left untagged.
	untagged := &awscdk.TagProps{ExcludeResourceTypes: jsii.Strings("AWS::CloudWatch::Dashboard")}
	awscdk.Tags_Of(s.Stack).Add(jsii.String("app"), jsii.String("resync"), untagged)
	awscdk.Tags_Of(s.Stack).Add(jsii.String("stage"), jsii.String(st.Name), untagged)

	net := NewNetwork(s.Stack, "Network", NetworkProps{NATGateways: st.NATGateways, FlowLogRetention: st.LogRetention, Retain: st.Retain})
	accessLogs := newAccessLogs(s.Stack, "AccessLogs", st.Retain)
	s.Cache = NewCache(s.Stack, "Cache", CacheProps{
		VPC: net.VPC, Clients: net.Functions, NodeType: st.CacheNodeType, Nodes: st.CacheNodes, Retain: st.Retain,
	})
	// The functions read these secrets ({"user","password"}, and for HWA
	// optionally {"url","apiKey"}) at start; the generated password is a
	// placeholder until an operator puts the real credentials in.
	hwaSecret := newCredentialSecret(s.Stack, "HwaSecret", "Resync HWA REST API credentials", "resync", st.Retain)
	neoSecret := newCredentialSecret(s.Stack, "Neo4jSecret", "Resync Neo4j Aura credentials", "neo4j", st.Retain)
	// The chat webhooks {"<channel id>": "<incoming webhook URL>"}: empty
	// until an operator puts the Teams and Slack URLs in (alerts are off
	// while no channel of the rules has one).
	alertsSecret := awssecretsmanager.NewSecret(s.Stack, jsii.String("AlertsSecret"), &awssecretsmanager.SecretProps{
		Description:       jsii.String("Resync Teams and Slack incoming webhook URLs, JSON {channel id: url}"),
		SecretStringValue: awscdk.SecretValue_UnsafePlainText(jsii.String("{}")),
		RemovalPolicy:     removalPolicy(st.Retain),
	})

	// The WebSocket API exists before the functions so that they can be told
	// its management endpoint; its routes are added once they exist.
	s.WebSocket = NewWebSocketAPI(s.Stack, "WebSocket", WebSocketAPIProps{
		Selection: routes.WebSocketSelection, StageName: st.Name, Throttle: st.WSThrottle,
	})
	wsEndpoint := s.WebSocket.Stage.CallbackUrl()

	// The distribution's CSP names the HTTP API and the documents bucket,
	// so both exist before it, without CORS (cors.go); the user pool's app
	// client names the distribution, so it comes after.
	s.HTTP = NewHTTPAPI(s.Stack, "Http", HTTPAPIProps{
		Throttle: st.HTTPThrottle, AccessLogRetention: st.LogRetention, Retain: st.Retain,
	})
	docs := NewDocuments(s.Stack, "Documents", DocumentsProps{AccessLogs: accessLogs, Retain: st.Retain})
	s.Documents = docs
	// Unique per account and stage; Cognito prefixes are regional.
	hostedUI := awscdk.Fn_Join(jsii.String("-"), &[]*string{jsii.String("resync"), jsii.String(st.Name), awscdk.Aws_ACCOUNT_ID()})
	s.Web = NewWeb(s.Stack, "Web", WebProps{AccessLogs: accessLogs, Retain: st.Retain, ConnectSources: connectSources(ConnectSourcesProps{
		HTTP: s.HTTP.API, WebSocket: s.WebSocket.API, Bucket: docs.Bucket, HostedUIPrefix: hostedUI,
	})})
	uiOrigin := s.Web.Origin
	if props.UIOrigin != "" {
		uiOrigin = jsii.String(props.UIOrigin)
	}
	s.Users = NewUsers(s.Stack, "Users", UsersProps{CallbackOrigin: uiOrigin, DomainPrefix: hostedUI, Retain: st.Retain})
	NewCORS(s.Stack, "Cors", CORSProps{Origin: uiOrigin, HTTP: s.HTTP.API, Bucket: docs.Bucket})
	s.Audit = NewAudit(s.Stack, "Audit", AuditProps{Compliance: st.Retain, AccessLogs: accessLogs})

	common := map[string]*string{
		EnvStage:           jsii.String(st.Name),
		EnvLogLevel:        jsii.String("info"),
		EnvRedisURL:        s.Cache.URL,
		EnvRedisAuthSecret: s.Cache.AuthToken.SecretArn(),
		EnvNeo4jURI:        jsii.String(props.Neo4jURI),
		EnvNeo4jSecretARN:  neoSecret.SecretArn(),
		EnvAuthIssuer:      s.Users.Issuer,
		EnvAuthClientID:    s.Users.Client.UserPoolClientId(),
	}
	lambdas := map[string]awslambda.IFunction{}
	table := functionAccess()
	for _, name := range routes.Functions() {
		acc := table[name]
		env := map[string]*string{}
		for k, v := range common {
			env[k] = v
		}
		if acc.HWA {
			env[EnvHWAURL] = jsii.String(props.HWAURL)
			env[EnvHWASecretARN] = hwaSecret.SecretArn()
		}
		if acc.Bedrock {
			env[EnvBedrockModel] = jsii.String(st.ChatModelID)
			env[EnvBedrockRegion] = awscdk.Aws_REGION()
			env[EnvEmbeddingModel] = jsii.String(st.EmbedModelID)
		}
		if acc.Embeddings {
			env[EnvBedrockRegion] = awscdk.Aws_REGION()
			env[EnvEmbeddingModel] = jsii.String(st.EmbedModelID)
		}
		if acc.Documents != noDocuments {
			env[EnvDocumentsBucket] = docs.Bucket.BucketName()
		}
		if acc.Connections {
			env[EnvWSEndpoint] = wsEndpoint
		}
		if acc.Audit {
			env[EnvAuditBucket] = s.Audit.Bucket.BucketName()
		}
		if acc.Metrics {
			env[EnvMetricsNamespace] = jsii.String(HealthNamespace)
		}
		if acc.Console {
			env[EnvConsoleURL] = uiOrigin
		}
		if acc.Alerts {
			env[EnvAlertsSecretARN] = alertsSecret.SecretArn()
		}
		if acc.Alerts || acc.Shifts {
			env[EnvShifts] = jsii.String(props.shifts())
			env[EnvPlanTimeZone] = jsii.String(props.planTimeZone())
		}
		fn := NewFunction(s.Stack, titleID(name), FunctionProps{
			Name:          name,
			CodeDir:       props.CodeDir,
			Size:          st.Functions[name],
			VPC:           net.VPC,
			SecurityGroup: net.Functions,
			LogRetention:  st.LogRetention,
			Retain:        st.Retain,
			Environment:   env,
			Async:         isAsync(name),
		})
		s.Functions[name] = fn
		lambdas[name] = fn.Lambda

		// Each function reads only its own secrets.
		s.Cache.AuthToken.GrantRead(fn.Lambda, nil)
		neoSecret.GrantRead(fn.Lambda, nil)
		if acc.HWA {
			hwaSecret.GrantRead(fn.Lambda, nil)
		}
		if acc.Alerts {
			alertsSecret.GrantRead(fn.Lambda, nil)
		}
		if acc.Bedrock {
			fn.Lambda.AddToRolePolicy(bedrockStatement(st.ChatModelID, st.EmbedModelID))
		} else if acc.Embeddings {
			fn.Lambda.AddToRolePolicy(bedrockStatement(st.EmbedModelID))
		}
		switch acc.Documents {
		case readDocuments:
			// Objects only: ingest gets the object (version) an event
			// names, and never lists the bucket.
			fn.Lambda.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("s3:GetObject", "s3:GetObjectVersion"),
				Resources: &[]*string{docs.Bucket.ArnForObjects(jsii.String("*"))},
			}))
		case uploadDocuments:
			// Not GrantPut and GrantDelete: they add tagging, retention,
			// legal hold and version deletes, which admin never needs.
			fn.Lambda.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("s3:PutObject"),
				Resources: &[]*string{docs.Bucket.ArnForObjects(jsii.String(routes.UploadPrefix + "*"))},
			}))
			fn.Lambda.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("s3:DeleteObject"),
				Resources: &[]*string{docs.Bucket.ArnForObjects(jsii.String("*"))},
			}))
		}
		if acc.Connections {
			s.WebSocket.API.GrantManageConnections(fn.Lambda)
		}
		if acc.Audit {
			s.Audit.GrantWrite(fn.Lambda)
		}
	}

	if err := docs.AddTriggers(routes.ObjectTriggers(), lambdas); err != nil {
		return nil, err
	}
	if err := s.WebSocket.AddRoutes(routes.WebSocket(), lambdas); err != nil {
		return nil, err
	}
	if err := s.HTTP.AddRoutes(routes.HTTP(), lambdas, s.Users.Pool, s.Users.Client); err != nil {
		return nil, err
	}
	for _, sc := range routes.Schedules() {
		fn, ok := lambdas[sc.Function]
		if !ok {
			return nil, fmt.Errorf("stack: schedule %s: no function %q", sc.Name, sc.Function)
		}
		newSchedule(s.Stack, st.Name, sc, fn, s.Functions[sc.Function])
	}

	s.deployWeb(props.WebDir, uiOrigin)
	mon := NewMonitoring(s.Stack, "Monitoring", MonitoringProps{
		Stage: st.Name, Functions: s.Functions, HTTP: s.HTTP.API, AlarmEmail: props.AlarmEmail,
	})

	pin(docs.Bucket, IDDocumentsBucket)
	pin(s.Audit.Bucket, IDAuditBucket)
	pin(s.Web.Bucket, IDWebBucket)
	pin(accessLogs, IDAccessLogs)
	pin(s.Users.Pool, IDUserPool)
	s.Cache.Group.OverrideLogicalId(jsii.String(IDCache))
	pin(s.Cache.AuthToken, IDCacheAuthToken)
	pin(hwaSecret, IDHWASecret)
	pin(neoSecret, IDNeo4jSecret)
	pin(alertsSecret, IDAlertsSecret)
	// Functions get readable logical ids too, so that
	// `sam local invoke ChatFunction` works on the synthesized template.
	for name, fn := range s.Functions {
		pin(fn.Lambda, FunctionID(name))
	}

	suppressNag(s, st)

	if props.HWAURL == "" || props.Neo4jURI == "" {
		awscdk.Annotations_Of(s.Stack).AddWarningV2(jsii.String("resync:config"),
			jsii.String("HWA_URL or NEO4J_URI is empty: the functions will report missing configuration at start; set RESYNC_HWA_URL and RESYNC_NEO4J_URI"), nil)
	}

	out := func(name, desc string, v *string) {
		awscdk.NewCfnOutput(s.Stack, jsii.String(name), &awscdk.CfnOutputProps{Value: v, Description: jsii.String(desc)})
	}
	out("HttpApiUrl", "HTTP API base URL", s.HTTP.API.ApiEndpoint())
	out("WebSocketUrl", "WebSocket URL for the chat client", s.WebSocket.Stage.Url())
	out("WebUrl", "Web client URL", uiOrigin)
	out("UserPoolId", "Cognito user pool id", s.Users.Pool.UserPoolId())
	out("UserPoolClientId", "Cognito app client id of the web client", s.Users.Client.UserPoolClientId())
	out("DocumentsBucketName", "Bucket for runbooks and documents", docs.Bucket.BucketName())
	out("WebBucketName", "Bucket of the web client", s.Web.Bucket.BucketName())
	out("HwaSecretArn", "Put the HWA credentials here", hwaSecret.SecretArn())
	out("Neo4jSecretArn", "Put the Neo4j Aura credentials here", neoSecret.SecretArn())
	out("AlertsSecretArn", "Put the Teams and Slack webhook URLs here", alertsSecret.SecretArn())
	out("DashboardName", "CloudWatch dashboard", mon.Dashboard.DashboardName())
	out("NatPublicIps", "Addresses the functions reach HWA and Neo4j Aura from (for allowlists)",
		awscdk.Fn_Join(jsii.String(","), &net.NATIPs))
	out("AlarmTopicArn", "SNS topic of the alarms", mon.Topic.TopicArn())
	return s, nil
}

// shifts and planTimeZone are the handover's settings, with their defaults.
func (p Props) shifts() string {
	if p.Shifts == "" {
		return "06:00,14:00,22:00"
	}
	return p.Shifts
}

func (p Props) planTimeZone() string {
	if p.PlanTimeZone == "" {
		return "UTC"
	}
	return p.PlanTimeZone
}

// validate reports every problem with the props at once.
func (p Props) validate() error {
	errs := []error{p.Stage.validate()}
	if p.CodeDir == "" {
		errs = append(errs, errors.New("stack: empty CodeDir"))
	} else {
		for _, fn := range routes.Functions() {
			bin := filepath.Join(p.CodeDir, fn, "bootstrap")
			if _, err := os.Stat(bin); err != nil {
				errs = append(errs, fmt.Errorf("stack: code of %s: %w (run make build)", fn, err))
			}
		}
	}
	if p.UIOrigin != "" && !strings.HasPrefix(p.UIOrigin, "https://") {
		errs = append(errs, fmt.Errorf("stack: UIOrigin %q is not https://", p.UIOrigin))
	}
	return errors.Join(errs...)
}

// isAsync reports whether a function is invoked asynchronously (by S3 or
// EventBridge) and so needs a dead-letter queue.
func isAsync(fn string) bool {
	for _, t := range routes.ObjectTriggers() {
		if t.Function == fn {
			return true
		}
	}
	for _, s := range routes.Schedules() {
		if s.Function == fn {
			return true
		}
	}
	return false
}

// newCredentialSecret creates a JSON secret {"user": user, "password":
// <generated>} for an operator to overwrite with the real credentials.
func newCredentialSecret(scope constructs.Construct, id, desc, user string, retain bool) awssecretsmanager.Secret {
	return awssecretsmanager.NewSecret(scope, jsii.String(id), &awssecretsmanager.SecretProps{
		Description: jsii.String(desc),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			SecretStringTemplate: jsii.String(`{"user":"` + user + `"}`),
			GenerateStringKey:    jsii.String("password"),
			ExcludePunctuation:   jsii.Bool(true),
		},
		RemovalPolicy: removalPolicy(retain),
	})
}

// bedrockStatement allows Converse, ConverseStream and InvokeModel on the
// configured models only.
func bedrockStatement(modelIDs ...string) awsiam.PolicyStatement {
	var res []*string
	for _, id := range modelIDs {
		res = append(res, bedrockARNs(id)...)
	}
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"),
		Resources: &res,
	})
}

// inferenceProfilePrefixes are the geography prefixes of Bedrock
// cross-region inference profile ids.
func inferenceProfilePrefixes() []string {
	return []string{"us.", "eu.", "apac.", "us-gov.", "jp.", "au.", "ca.", "global."}
}

// bedrockARNs returns the resources a model id needs: the foundation model
// in this region, or for an inference profile the profile plus its
// foundation model in whichever region the profile routes to.
func bedrockARNs(modelID string) []*string {
	join := func(parts ...*string) *string { return awscdk.Fn_Join(jsii.String(""), &parts) }
	p, r, a := awscdk.Aws_PARTITION(), awscdk.Aws_REGION(), awscdk.Aws_ACCOUNT_ID()
	for _, pre := range inferenceProfilePrefixes() {
		if base, ok := strings.CutPrefix(modelID, pre); ok {
			return []*string{
				join(jsii.String("arn:"), p, jsii.String(":bedrock:"), r, jsii.String(":"), a, jsii.String(":inference-profile/"+modelID)),
				join(jsii.String("arn:"), p, jsii.String(":bedrock:*::foundation-model/"+base)),
			}
		}
	}
	return []*string{join(jsii.String("arn:"), p, jsii.String(":bedrock:"), r, jsii.String("::foundation-model/"+modelID))}
}

// RuleName is the EventBridge rule name of a schedule in a stage,
// "resync-<stage>-<schedule>": the function receives the standard
// "Scheduled Event" and finds its schedule from the rule ARN with
// routes.ScheduleFor, exactly as under the local stack.
func RuleName(stage string, sc routes.Schedule) string {
	return "resync-" + stage + "-" + sc.Name
}

// newSchedule adds the EventBridge rule of one schedule; events EventBridge
// cannot deliver go to the function's dead-letter queue.
func newSchedule(scope constructs.Construct, stage string, sc routes.Schedule, fn awslambda.IFunction, f *Function) {
	target := &awseventstargets.LambdaFunctionProps{RetryAttempts: jsii.Number(2)}
	if f != nil && f.DLQ != nil {
		target.DeadLetterQueue = f.DLQ
	}
	rule := awsevents.NewRule(scope, jsii.String("Schedule"+titleID(sc.Name)), &awsevents.RuleProps{
		RuleName:    jsii.String(RuleName(stage, sc)),
		Description: jsii.String("Resync " + sc.Name + " -> " + sc.Function),
		Schedule:    awsevents.Schedule_Expression(jsii.String(sc.Expression())),
		Targets:     &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(fn, target)},
	})
	if sc.AtStart && f != nil {
		fireAfterDeploy(scope, sc, rule, f)
	}
}

// fireAfterDeploy invokes the schedule's function once, asynchronously,
// with the event its rule sends, whenever a deployment changes the
// function (its version number is a property of the custom resource, so
// CloudFormation updates the resource, and so invokes, after each code or
// configuration change). The topology graph is then filled right after a
// deploy instead of one interval later.
func fireAfterDeploy(scope constructs.Construct, sc routes.Schedule, rule awsevents.Rule, f *Function) {
	stack := awscdk.Stack_Of(scope)
	payload := stack.ToJsonString(map[string]any{
		"version":     "0",
		"source":      "aws.events",
		"detail-type": "Scheduled Event",
		"resources":   []any{rule.RuleArn()},
		"detail":      map[string]any{},
	}, nil)
	call := &customresources.AwsSdkCall{
		Service: jsii.String("Lambda"),
		Action:  jsii.String("invoke"),
		Parameters: map[string]any{
			"FunctionName":   f.Lambda.FunctionName(),
			"InvocationType": "Event",
			"Payload":        payload,
		},
		PhysicalResourceId: customresources.PhysicalResourceId_Of(f.Lambda.CurrentVersion().Version()),
	}
	customresources.NewAwsCustomResource(scope, jsii.String("AfterDeploy"+titleID(sc.Name)), &customresources.AwsCustomResourceProps{
		OnCreate:            call,
		OnUpdate:            call,
		InstallLatestAwsSdk: jsii.Bool(false),
		Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("lambda:InvokeFunction"),
				Resources: &[]*string{f.Lambda.FunctionArn()},
			}),
		}),
	})
}

// deployWeb copies the web client and its config.json into the web bucket,
// and invalidates the distribution. config.json is what web/js/auth.js
// reads: Cognito mode, the hosted UI, the client id, the redirect, the API
// base and the WebSocket URL.
func (s *Stack) deployWeb(webDir string, uiOrigin *string) {
	redirect := awscdk.Fn_Join(jsii.String(""), &[]*string{uiOrigin, jsii.String("/")})
	config := map[string]any{
		"mode":          "cognito",
		"cognitoDomain": s.Users.Domain.BaseUrl(nil),
		"clientId":      s.Users.Client.UserPoolClientId(),
		"redirectUri":   redirect,
		"logoutUri":     redirect,
		"scope":         "openid email profile",
		"apiBase":       s.HTTP.API.ApiEndpoint(),
		"wsUrl":         s.WebSocket.Stage.Url(),
		"region":        awscdk.Aws_REGION(),
		"userPoolId":    s.Users.Pool.UserPoolId(),
	}
	sources := []awss3deployment.ISource{awss3deployment.Source_JsonData(jsii.String("config.json"), config, nil)}
	if webDir != "" {
		sources = append(sources, awss3deployment.Source_Asset(jsii.String(webDir), nil))
	}
	awss3deployment.NewBucketDeployment(s.Stack, jsii.String("WebDeployment"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket: s.Web.Bucket,
		Sources:           &sources,
		Distribution:      s.Web.Distribution,
		DistributionPaths: jsii.Strings("/*"),
		Prune:             jsii.Bool(true),
	})
}

// FunctionID is the logical id of a function in the template, e.g.
// "ChatFunction" for chat.
func FunctionID(name string) string { return titleID(name) + "Function" }

// pin overrides the logical id of a construct's CloudFormation resource.
func pin(c constructs.IConstruct, id string) {
	c.Node().DefaultChild().(awscdk.CfnResource).OverrideLogicalId(jsii.String(id))
}

// titleID turns a route-table name such as "health-deep" into a construct
// id such as "HealthDeep".
func titleID(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}
