package stack_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/resync/resync/infra/cdk/stack"
	"github.com/resync/resync/shared/edge/routes"
)

func TestResourceCounts(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		nFn := len(routes.Functions())
		tests := []struct {
			typ  string
			want int
		}{
			{"AWS::ApiGatewayV2::Api", 2},
			{"AWS::ApiGatewayV2::Authorizer", 1},
			{"AWS::Cognito::UserPool", 1},
			{"AWS::Cognito::UserPoolClient", 1},
			{"AWS::Cognito::UserPoolDomain", 1},
			{"AWS::Cognito::UserPoolGroup", len(stack.Groups())},
			{"AWS::ElastiCache::ReplicationGroup", 1},
			{"AWS::S3::Bucket", 4}, // documents, web, audit, access logs
			{"AWS::CloudFront::Distribution", 1},
			{"AWS::CloudFront::ResponseHeadersPolicy", 1},
			{"AWS::Events::Rule", len(routes.Schedules())},
			{"AWS::SecretsManager::Secret", 4},
			{"AWS::Logs::LogGroup", nFn + 2}, // one per function, the HTTP API's access log, the VPC flow log
			{"AWS::EC2::VPC", 1},
			{"AWS::EC2::NatGateway", fx.stage.NATGateways},
			{"AWS::CloudWatch::Dashboard", 1},
			// Errors and throttles per function, a DLQ alarm per async
			// function, HTTP 5xx, failed health checks.
			{"AWS::CloudWatch::Alarm", 2*nFn + len(fx.t.ofType("AWS::SQS::Queue")) + 2},
		}
		for _, tt := range tests {
			if got := len(fx.t.ofType(tt.typ)); got != tt.want {
				t.Errorf("%s: got %d, want %d", tt.typ, got, tt.want)
			}
		}
		// The same count through the CDK assertions library.
		assert(t, "ResourceCountIs ReplicationGroup", func() {
			fx.tpl.ResourceCountIs(jsii.String("AWS::ElastiCache::ReplicationGroup"), jsii.Number(1))
		})
		got := fx.t.functions()
		if len(got) != nFn {
			t.Errorf("Resync functions: got %v, want one per name in %v", got, routes.Functions())
		}
		for name, id := range got {
			if id != stack.FunctionID(name) {
				t.Errorf("function %s: logical id %s, want %s (sam local invoke uses it)", name, id, stack.FunctionID(name))
			}
		}
	})
}

func TestFunctions(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		fns := fx.t.functions()
		for _, name := range routes.Functions() {
			id, ok := fns[name]
			if !ok {
				t.Errorf("no function %s", name)
				continue
			}
			p := fx.t.Resources[id].Properties
			size := fx.stage.Functions[name]
			checks := []struct {
				what      string
				got, want any
			}{
				{"Runtime", p["Runtime"], "provided.al2023"},
				{"Architectures", flatten(p["Architectures"]), `["arm64"]`},
				{"Handler", p["Handler"], "bootstrap"},
				{"MemorySize", p["MemorySize"], float64(size.MemoryMB)},
				{"Timeout", p["Timeout"], size.Timeout.Seconds()},
				{"LogFormat", path(p, "LoggingConfig", "LogFormat"), "JSON"},
				{"in a VPC", path(p, "VpcConfig", "SubnetIds") != nil, true},
				{"ReservedConcurrentExecutions", p["ReservedConcurrentExecutions"], reserved(size.ReservedConcurrency)},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s %s: got %v, want %v", name, c.what, c.got, c.want)
				}
			}
		}
		// Ingest parses uploads anyone with upload rights can send: its
		// concurrency is reserved so a burst of hostile documents cannot
		// exhaust the account's concurrency or the embedding budget.
		if id, ok := fns[routes.Ingest]; ok {
			got, _ := fx.t.Resources[id].Properties["ReservedConcurrentExecutions"].(float64)
			if got < 1 || got > 10 {
				t.Errorf("ingest ReservedConcurrentExecutions: got %v, want between 1 and 10", fx.t.Resources[id].Properties["ReservedConcurrentExecutions"])
			}
		}
		assert(t, "every function is arm64 provided.al2023", func() {
			fx.tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
				"Runtime": "provided.al2023", "Architectures": []any{"arm64"}, "Handler": "bootstrap",
			})
		})
	})
}

// TestEnvironmentContract checks each function's environment as deployed:
// every variable of the shared contract (names kept equal to shared/edge/config
// by TestEnvNamesMatchSharedConfig) with a value of the shape the functions'
// loader accepts.
func TestEnvironmentContract(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		fns := fx.t.functions()
		for _, name := range routes.Functions() {
			vars, _ := path(fx.t.Resources[fns[name]].Properties, "Environment", "Variables").(map[string]any)
			checks := []struct {
				key  string
				want string // prefix the value must have; "" means only present
			}{
				{stack.EnvStage, fx.stage.Name},
				{stack.EnvRedisURL, "rediss://<" + stack.IDCache + ".PrimaryEndPoint.Address>:"},
				{stack.EnvRedisAuthSecret, "<" + stack.IDCacheAuthToken + ">"},
				{stack.EnvNeo4jURI, testNeo4jURI},
				{stack.EnvNeo4jSecretARN, "<" + stack.IDNeo4jSecret + ">"},
				{stack.EnvAuthIssuer, "https://cognito-idp."},
				{stack.EnvAuthClientID, ""},
			}
			for _, c := range checks {
				v, ok := vars[c.key]
				if !ok {
					t.Errorf("%s: %s not set", name, c.key)
					continue
				}
				if got := flatten(v); !strings.HasPrefix(got, c.want) {
					t.Errorf("%s: %s = %q, want prefix %q", name, c.key, got, c.want)
				}
			}
			// No credential in the environment: secrets are read at start.
			for k, v := range vars {
				if got := flatten(v); strings.Contains(got, "resolve:secretsmanager") || strings.Contains(got, ":@") {
					t.Errorf("%s: %s = %q carries a secret value; name its secret instead", name, k, got)
				}
			}
			_, hwaURL := vars[stack.EnvHWAURL]
			_, hwaSecret := vars[stack.EnvHWASecretARN]
			if wantHWA := name != routes.Admin; hwaURL != wantHWA || hwaSecret != wantHWA {
				t.Errorf("%s: HWA_URL set %v, HWA_SECRET_ARN set %v, want %v (admin does not call HWA)", name, hwaURL, hwaSecret, wantHWA)
			} else if wantHWA && (flatten(vars[stack.EnvHWAURL]) != testHWAURL || flatten(vars[stack.EnvHWASecretARN]) != "<"+stack.IDHWASecret+">") {
				t.Errorf("%s: HWA_URL=%s HWA_SECRET_ARN=%s", name, flatten(vars[stack.EnvHWAURL]), flatten(vars[stack.EnvHWASecretARN]))
			}
			if strings.Contains(flatten(vars[stack.EnvAuthIssuer]), "<"+stack.IDUserPool+">") == false {
				t.Errorf("%s: issuer %s does not name the user pool", name, flatten(vars[stack.EnvAuthIssuer]))
			}
		}
		wants := []struct {
			fn, key string
		}{
			{"chat", stack.EnvBedrockModel}, {"chat", stack.EnvWSEndpoint},
			{"ingest", stack.EnvEmbeddingModel}, {"ingest", stack.EnvDocumentsBucket}, {"ingest", stack.EnvWSEndpoint},
			{"admin", stack.EnvDocumentsBucket},
			{"chat", stack.EnvAuditBucket}, {"admin", stack.EnvAuditBucket},
			{"health", stack.EnvBedrockModel}, {"health", stack.EnvMetricsNamespace}, {"health", stack.EnvWSEndpoint},
		}
		for _, w := range wants {
			if path(fx.t.Resources[fns[w.fn]].Properties, "Environment", "Variables", w.key) == nil {
				t.Errorf("%s: %s not set", w.fn, w.key)
			}
		}
	})
}

// httpRoutes returns the route keys of the API with the given logical id,
// each mapped to "<function>/<authorization type>".
func (t template) routesOf(apiID string) map[string]string {
	fnByID := map[string]string{}
	for name, id := range t.functions() {
		fnByID[id] = name
	}
	out := map[string]string{}
	for _, id := range t.ofType("AWS::ApiGatewayV2::Route") {
		p := t.Resources[id].Properties
		if !refersTo(p["ApiId"], apiID) {
			continue
		}
		fn := "?"
		for _, in := range refs(p["Target"]) {
			for _, f := range refs(t.Resources[in].Properties["IntegrationUri"]) {
				if n, ok := fnByID[f]; ok {
					fn = n
				}
			}
		}
		auth, _ := p["AuthorizationType"].(string)
		out[p["RouteKey"].(string)] = fn + "/" + auth
	}
	return out
}

// apiID returns the logical id of the API Gateway v2 API with the protocol.
func (t template) apiID(protocol string) string {
	for _, id := range t.ofType("AWS::ApiGatewayV2::Api") {
		if t.Resources[id].Properties["ProtocolType"] == protocol {
			return id
		}
	}
	return ""
}

// TestHTTPRoutesEqualRouteTable is the check that the deployed HTTP routes
// are exactly the route table that infra/local serves, each integrated with
// the function the table names, with the JWT authorizer exactly where the
// gateway checks the token (a role is needed and the function does not
// answer the challenge itself, as MCP's does).
func TestHTTPRoutesEqualRouteTable(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		want := map[string]string{}
		for _, r := range routes.HTTP() {
			auth := "JWT"
			if !r.GatewayAuth() {
				auth = "NONE"
			}
			want[r.Key()] = r.Function + "/" + auth
		}
		got := fx.t.routesOf(fx.t.apiID("HTTP"))
		diffMaps(t, "HTTP routes", got, want)
		// The functions decode API Gateway v2 (HTTP API payload 2.0) events.
		for _, id := range fx.t.ofType("AWS::ApiGatewayV2::Integration") {
			p := fx.t.Resources[id].Properties
			if refersTo(p["ApiId"], fx.t.apiID("HTTP")) && p["PayloadFormatVersion"] != "2.0" {
				t.Errorf("integration %s: payload format %v, want 2.0", id, p["PayloadFormatVersion"])
			}
		}
	})
}

// TestWebSocketRoutesEqualRouteTable does the same for the WebSocket API.
func TestWebSocketRoutesEqualRouteTable(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		id := fx.t.apiID("WEBSOCKET")
		if got := fx.t.Resources[id].Properties["RouteSelectionExpression"]; got != routes.WebSocketSelection {
			t.Errorf("RouteSelectionExpression: got %v, want %s", got, routes.WebSocketSelection)
		}
		want := map[string]string{}
		for _, r := range routes.WebSocket() {
			want[r.Key] = r.Function + "/NONE"
		}
		diffMaps(t, "WebSocket routes", fx.t.routesOf(id), want)
	})
}

func diffMaps(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if got[k] != want[k] {
			t.Errorf("%s %q: got %q, want %q", what, k, got[k], want[k])
		}
	}
}

func TestAPIThrottlingAndAuth(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		stages := map[string]stack.Throttle{
			fx.t.apiID("HTTP"):      fx.stage.HTTPThrottle,
			fx.t.apiID("WEBSOCKET"): fx.stage.WSThrottle,
		}
		for _, id := range fx.t.ofType("AWS::ApiGatewayV2::Stage") {
			p := fx.t.Resources[id].Properties
			api := refs(p["ApiId"])[0]
			want := stages[api]
			delete(stages, api)
			got := stack.Throttle{}
			got.Rate, _ = path(p, "DefaultRouteSettings", "ThrottlingRateLimit").(float64)
			got.Burst, _ = path(p, "DefaultRouteSettings", "ThrottlingBurstLimit").(float64)
			if got != want || got.Rate == 0 {
				t.Errorf("stage %s of %s: throttle %+v, want %+v", id, api, got, want)
			}
			if api == fx.t.apiID("HTTP") {
				lg := refs(path(p, "AccessLogSettings", "DestinationArn"))
				if len(lg) != 1 || fx.t.Resources[lg[0]].Type != "AWS::Logs::LogGroup" {
					t.Errorf("HTTP stage %s: no access log group (%v)", id, path(p, "AccessLogSettings"))
				} else if fx.t.Resources[lg[0]].Properties["RetentionInDays"] == nil {
					t.Errorf("HTTP access log group %s has no retention", lg[0])
				}
			}
		}
		if len(stages) != 0 {
			t.Errorf("APIs without a stage: %v", stages)
		}

		authz := fx.t.Resources[fx.t.ofType("AWS::ApiGatewayV2::Authorizer")[0]].Properties
		if authz["AuthorizerType"] != "JWT" {
			t.Errorf("AuthorizerType: got %v, want JWT", authz["AuthorizerType"])
		}
		if iss := flatten(path(authz, "JwtConfiguration", "Issuer")); !strings.Contains(iss, "cognito-idp.") || !strings.Contains(iss, stack.IDUserPool) {
			t.Errorf("JWT issuer %s is not the user pool", iss)
		}
		client := fx.t.ofType("AWS::Cognito::UserPoolClient")[0]
		if !refersTo(path(authz, "JwtConfiguration", "Audience"), client) {
			t.Errorf("JWT audience %v is not the app client %s", path(authz, "JwtConfiguration", "Audience"), client)
		}

		var groups []string
		for _, id := range fx.t.ofType("AWS::Cognito::UserPoolGroup") {
			groups = append(groups, fx.t.Resources[id].Properties["GroupName"].(string))
		}
		sort.Strings(groups)
		if got, want := strings.Join(groups, ","), "admin,operator,viewer"; got != want {
			t.Errorf("user pool groups: got %s, want %s", got, want)
		}

		// CORS is applied after the distribution exists (cors.go).
		if cors := fx.t.Resources[fx.t.apiID("HTTP")].Properties["CorsConfiguration"]; cors != nil {
			t.Errorf("the HTTP API declares CORS %v; it must come from the Cors custom resource (a cycle otherwise)", cors)
		}
		var corsCalls int
		for _, id := range fx.t.ofType("Custom::AWS") {
			create := flatten(fx.t.Resources[id].Properties["Create"])
			if !strings.Contains(create, `"CorsConfiguration"`) && !strings.Contains(create, `"CORSConfiguration"`) {
				continue
			}
			corsCalls++
			if !strings.Contains(create, `"AllowedOrigins":["https://<WebDistribution`) && !strings.Contains(create, `"AllowOrigins":["https://<WebDistribution`) || strings.Contains(create, `"*"`) {
				t.Errorf("%s: CORS call %s does not admit exactly the web distribution's origin", id, create)
			}
		}
		if corsCalls != 2 {
			t.Errorf("found %d CORS calls, want 2 (the HTTP API and the documents bucket)", corsCalls)
		}
	})
}

// TestManageConnections checks which functions may post to WebSocket
// connections: exactly those that push (chat, ingest progress, health alerts).
func TestManageConnections(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		got := map[string]bool{}
		for name, fid := range fx.t.functions() {
			role := refs(fx.t.Resources[fid].Properties["Role"])[0]
			for _, pid := range fx.t.ofType("AWS::IAM::Policy") {
				p := fx.t.Resources[pid].Properties
				if !refersTo(p["Roles"], role) {
					continue
				}
				for _, st := range list(path(p, "PolicyDocument", "Statement")) {
					for _, a := range list(path(st, "Action")) {
						if a == "execute-api:ManageConnections" {
							got[name] = true
							if !refersTo(path(st, "Resource"), fx.t.apiID("WEBSOCKET")) {
								t.Errorf("%s: ManageConnections not scoped to the WebSocket API", name)
							}
						}
					}
				}
			}
		}
		want := map[string]bool{"chat": true, "ingest": true, "health": true}
		for _, fn := range routes.Functions() {
			if got[fn] != want[fn] {
				t.Errorf("%s ManageConnections: got %v, want %v", fn, got[fn], want[fn])
			}
		}
	})
}

func TestEncryptionAndNetwork(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		for _, id := range fx.t.ofType("AWS::S3::Bucket") {
			p := fx.t.Resources[id].Properties
			if path(p, "BucketEncryption", "ServerSideEncryptionConfiguration") == nil {
				t.Errorf("bucket %s: no default encryption", id)
			}
			for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
				if path(p, "PublicAccessBlockConfiguration", k) != true {
					t.Errorf("bucket %s: %s not true", id, k)
				}
			}
			if path(p, "VersioningConfiguration", "Status") != "Enabled" {
				t.Errorf("bucket %s: not versioned", id)
			}
			if !fx.t.deniesInsecureTransport(id) {
				t.Errorf("bucket %s: no policy denying aws:SecureTransport=false", id)
			}
		}

		rg := fx.t.Resources[stack.IDCache].Properties
		if rg["TransitEncryptionEnabled"] != true || rg["AtRestEncryptionEnabled"] != true {
			t.Errorf("cache: transit %v, at rest %v; want both true", rg["TransitEncryptionEnabled"], rg["AtRestEncryptionEnabled"])
		}
		if tok := flatten(rg["AuthToken"]); !strings.HasPrefix(tok, "{{resolve:secretsmanager:") || !strings.Contains(tok, stack.IDCacheAuthToken) {
			t.Errorf("cache AuthToken %q is not a dynamic reference to %s", tok, stack.IDCacheAuthToken)
		}
		if want := fx.stage.CacheNodes > 1; rg["AutomaticFailoverEnabled"] != want {
			t.Errorf("cache AutomaticFailoverEnabled: got %v, want %v", rg["AutomaticFailoverEnabled"], want)
		}

		// The cache admits only the functions' security group.
		cacheSGs := refs(rg["SecurityGroupIds"])
		if len(cacheSGs) != 1 {
			t.Fatalf("cache security groups: %v", cacheSGs)
		}
		cacheSG := cacheSGs[0]
		if ing := fx.t.Resources[cacheSG].Properties["SecurityGroupIngress"]; ing != nil {
			t.Errorf("cache security group has inline ingress %v", ing)
		}
		var fnSGs []string
		for _, fid := range fx.t.functions() {
			fnSGs = refs(path(fx.t.Resources[fid].Properties, "VpcConfig", "SecurityGroupIds"))
		}
		var rules int
		for _, id := range fx.t.ofType("AWS::EC2::SecurityGroupIngress") {
			p := fx.t.Resources[id].Properties
			if !refersTo(p["GroupId"], cacheSG) {
				continue
			}
			rules++
			if len(fnSGs) != 1 || !refersTo(p["SourceSecurityGroupId"], fnSGs[0]) || p["FromPort"] != 6379.0 || p["CidrIp"] != nil {
				t.Errorf("cache ingress %s: %v, want port 6379 from functions group %v only", id, p, fnSGs)
			}
		}
		if rules != 1 {
			t.Errorf("cache ingress rules: got %d, want 1", rules)
		}

		for _, id := range fx.t.ofType("AWS::SQS::Queue") {
			if fx.t.Resources[id].Properties["SqsManagedSseEnabled"] != true {
				t.Errorf("queue %s: not encrypted", id)
			}
		}
		var endpoints []string
		for _, id := range fx.t.ofType("AWS::EC2::VPCEndpoint") {
			endpoints = append(endpoints, flatten(fx.t.Resources[id].Properties["ServiceName"]))
		}
		for _, svc := range []string{".s3", ".secretsmanager", ".bedrock-runtime"} {
			var found bool
			for _, e := range endpoints {
				found = found || strings.HasSuffix(e, svc)
			}
			if !found {
				t.Errorf("no VPC endpoint for %s in %v", svc, endpoints)
			}
		}
	})
}

// deniesInsecureTransport reports whether a bucket policy of the bucket
// denies requests without TLS.
func (t template) deniesInsecureTransport(bucket string) bool {
	for _, id := range t.ofType("AWS::S3::BucketPolicy") {
		p := t.Resources[id].Properties
		if !refersTo(p["Bucket"], bucket) {
			continue
		}
		for _, st := range list(path(p, "PolicyDocument", "Statement")) {
			if path(st, "Effect") == "Deny" && path(st, "Condition", "Bool", "aws:SecureTransport") == "false" {
				return true
			}
		}
	}
	return false
}

func TestLogRetention(t *testing.T) {
	want := map[string]float64{"dev": 14, "prod": 90}
	eachStage(t, func(t *testing.T, fx fixture) {
		for name, fid := range fx.t.functions() {
			lg := refs(path(fx.t.Resources[fid].Properties, "LoggingConfig", "LogGroup"))
			if len(lg) != 1 {
				t.Errorf("%s: no log group of its own", name)
				continue
			}
			if got := fx.t.Resources[lg[0]].Properties["RetentionInDays"]; got != want[fx.stage.Name] {
				t.Errorf("%s log retention: got %v, want %v", name, got, want[fx.stage.Name])
			}
		}
	})
}

// TestPinnedLogicalIDs keeps the stateful resources' logical ids stable;
// changing one replaces the resource and loses its data.
func TestPinnedLogicalIDs(t *testing.T) {
	pinned := map[string]string{
		stack.IDDocumentsBucket: "AWS::S3::Bucket",
		stack.IDWebBucket:       "AWS::S3::Bucket",
		stack.IDUserPool:        "AWS::Cognito::UserPool",
		stack.IDCache:           "AWS::ElastiCache::ReplicationGroup",
		stack.IDCacheAuthToken:  "AWS::SecretsManager::Secret",
		stack.IDHWASecret:       "AWS::SecretsManager::Secret",
		stack.IDNeo4jSecret:     "AWS::SecretsManager::Secret",
		stack.IDAlertsSecret:    "AWS::SecretsManager::Secret",
	}
	literal := map[string]string{
		"DocumentsBucket": stack.IDDocumentsBucket, "WebBucket": stack.IDWebBucket, "UserPool": stack.IDUserPool,
		"Cache": stack.IDCache, "CacheAuthToken": stack.IDCacheAuthToken, "HwaSecret": stack.IDHWASecret,
		"Neo4jSecret": stack.IDNeo4jSecret, "AlertsSecret": stack.IDAlertsSecret,
	}
	for lit, id := range literal {
		if lit != id {
			t.Errorf("pinned id %s changed to %s: that replaces the deployed resource", lit, id)
		}
	}
	eachStage(t, func(t *testing.T, fx fixture) {
		wantPolicy := "Delete"
		if fx.stage.Retain {
			wantPolicy = "Retain"
		}
		for id, typ := range pinned {
			r, ok := fx.t.Resources[id]
			if !ok {
				t.Errorf("no resource with logical id %s", id)
				continue
			}
			if r.Type != typ {
				t.Errorf("%s: type %s, want %s", id, r.Type, typ)
			}
			if r.DeletionPolicy != wantPolicy {
				t.Errorf("%s: DeletionPolicy %q, want %q", id, r.DeletionPolicy, wantPolicy)
			}
		}
	})
}

// TestSchedules checks one rule per schedule, invoking the function the
// route table names, and that the function can tell which schedule fired:
// routes.ScheduleFor on the rule's ARN must give the schedule back.
func TestSchedules(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		fns := fx.t.functions()
		got := map[string]string{}
		for _, id := range fx.t.ofType("AWS::Events::Rule") {
			p := fx.t.Resources[id].Properties
			name, _ := p["Name"].(string)
			arn := "arn:aws:events:eu-west-1:123456789012:rule/" + name
			sc, ok := routes.ScheduleFor([]string{arn})
			if !ok {
				t.Errorf("rule %s: routes.ScheduleFor(%s) finds no schedule", id, arn)
				continue
			}
			for _, tg := range list(p["Targets"]) {
				if path(tg, "Input") != nil || path(tg, "InputTransformer") != nil {
					t.Errorf("rule %s: custom input; the function expects the standard Scheduled Event", id)
				}
				for fn, fid := range fns {
					if refersTo(path(tg, "Arn"), fid) {
						got[sc.Name] = fmt.Sprintf("%s %v dlq=%v", fn, p["ScheduleExpression"], path(tg, "DeadLetterConfig") != nil)
					}
				}
			}
		}
		want := map[string]string{}
		for _, sc := range routes.Schedules() {
			want[sc.Name] = fmt.Sprintf("%s %s dlq=true", sc.Function, sc.Expression())
		}
		diffMaps(t, "schedules", got, want)
	})
}

func TestObjectTriggers(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		fns := fx.t.functions()
		got := map[string]string{}
		for _, id := range fx.t.ofType("Custom::S3BucketNotifications") {
			p := fx.t.Resources[id].Properties
			if !refersTo(p["BucketName"], stack.IDDocumentsBucket) {
				t.Errorf("notifications %s are not on the documents bucket", id)
			}
			for _, c := range list(path(p, "NotificationConfiguration", "LambdaFunctionConfigurations")) {
				for name, fid := range fns {
					if refersTo(path(c, "LambdaFunctionArn"), fid) {
						for _, e := range list(path(c, "Events")) {
							got[e.(string)] = name
						}
					}
				}
			}
		}
		want := map[string]string{}
		for _, tr := range routes.ObjectTriggers() {
			for _, e := range tr.Events {
				want[e] = tr.Function
			}
			// An event the function fails on goes to its dead-letter queue.
			var onFailure bool
			for _, id := range fx.t.ofType("AWS::Lambda::EventInvokeConfig") {
				p := fx.t.Resources[id].Properties
				if refersTo(p["FunctionName"], fns[tr.Function]) {
					dest := refs(path(p, "DestinationConfig", "OnFailure", "Destination"))
					onFailure = len(dest) == 1 && fx.t.Resources[dest[0]].Type == "AWS::SQS::Queue"
				}
			}
			if !onFailure {
				t.Errorf("%s: no on-failure SQS destination", tr.Function)
			}
		}
		diffMaps(t, "object triggers", got, want)
	})
}

func TestWebHeaders(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		id := fx.t.ofType("AWS::CloudFront::ResponseHeadersPolicy")[0]
		cfg := path(fx.t.Resources[id].Properties, "ResponseHeadersPolicyConfig", "SecurityHeadersConfig")
		csp := flatten(path(cfg, "ContentSecurityPolicy", "ContentSecurityPolicy"))
		for _, want := range []string{"default-src 'self'", "connect-src 'self' ", ".amazoncognito.com", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		if !strings.HasPrefix(csp, "default-src 'self'") {
			t.Errorf("CSP %q does not start with default-src 'self'", csp)
		}
		if path(cfg, "StrictTransportSecurity") == nil {
			t.Error("no HSTS header")
		}
		dist := fx.t.Resources[fx.t.ofType("AWS::CloudFront::Distribution")[0]].Properties
		beh := path(dist, "DistributionConfig", "DefaultCacheBehavior")
		if !refersTo(path(beh, "ResponseHeadersPolicyId"), id) {
			t.Error("distribution's default behaviour does not use the headers policy")
		}
		if path(beh, "ViewerProtocolPolicy") != "redirect-to-https" {
			t.Errorf("ViewerProtocolPolicy: got %v", path(beh, "ViewerProtocolPolicy"))
		}
	})
}

func TestAlarmsAndOutputs(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		metrics := map[string]int{}
		for _, id := range fx.t.ofType("AWS::CloudWatch::Alarm") {
			p := fx.t.Resources[id].Properties
			if len(list(p["AlarmActions"])) == 0 {
				t.Errorf("alarm %s has no action", id)
			}
			if p["MetricName"] != nil {
				metrics[fmt.Sprint(p["Namespace"], "/", p["MetricName"])]++
				continue
			}
			// A math alarm: count it under the metric all its inputs share.
			checks := map[string]bool{}
			var name string
			for _, m := range list(p["Metrics"]) {
				stat := path(m, "MetricStat", "Metric")
				if stat == nil {
					continue
				}
				name = fmt.Sprint(path(stat, "Namespace"), "/", path(stat, "MetricName"))
				for _, d := range list(path(stat, "Dimensions")) {
					if path(d, "Name") == "Check" {
						checks[fmt.Sprint(path(d, "Value"))] = true
					}
				}
			}
			metrics[name]++
			if name == stack.HealthNamespace+"/"+stack.HealthMetric && len(checks) != len(stack.HealthChecks()) {
				t.Errorf("health alarm %s watches checks %v, want %v", id, checks, stack.HealthChecks())
			}
		}
		nFn := len(routes.Functions())
		want := map[string]int{
			"AWS/Lambda/Errors":                              nFn,
			"AWS/Lambda/Throttles":                           nFn,
			"AWS/SQS/ApproximateNumberOfMessagesVisible":     len(fx.t.ofType("AWS::SQS::Queue")),
			"AWS/ApiGateway/5xx":                             1,
			stack.HealthNamespace + "/" + stack.HealthMetric: 1,
		}
		for k, n := range want {
			if metrics[k] != n {
				t.Errorf("alarms on %s: got %d, want %d", k, metrics[k], n)
			}
		}
		if ips := flatten(path(fx.t.Outputs["NatPublicIps"], "Value")); strings.Count(ips, ".PublicIp>") != fx.stage.NATGateways {
			t.Errorf("NatPublicIps %s: want one address per NAT gateway (%d)", ips, fx.stage.NATGateways)
		}
		for _, o := range []string{"HttpApiUrl", "WebSocketUrl", "WebUrl", "UserPoolId", "UserPoolClientId", "DocumentsBucketName", "HwaSecretArn", "Neo4jSecretArn", "DashboardName", "NatPublicIps"} {
			if _, ok := fx.t.Outputs[o]; !ok {
				t.Errorf("no output %s", o)
			}
		}
	})
}

// TestWebConfig reads the config.json the deployment uploads next to the
// web client (web/js/auth.js loads it) and checks it names the deployed
// hosted UI, app client, redirect, API and WebSocket URL.
func TestWebConfig(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		deps := fx.t.ofType("Custom::CDKBucketDeployment")
		if len(deps) != 1 {
			t.Fatalf("web deployments: got %d, want 1", len(deps))
		}
		p := fx.t.Resources[deps[0]].Properties
		markers := map[string]string{}
		for _, m := range list(p["SourceMarkers"]) {
			mm, _ := m.(map[string]any)
			for k, v := range mm {
				markers[k] = flatten(v)
			}
		}
		var cfg map[string]any
		for _, key := range list(p["SourceObjectKeys"]) {
			file := filepath.Join(assemblyDir, "asset."+strings.TrimSuffix(key.(string), ".zip"), "config.json")
			raw, err := os.ReadFile(file)
			if err != nil {
				continue
			}
			s := string(raw)
			for k, v := range markers {
				s = strings.ReplaceAll(s, k, v)
			}
			if err := json.Unmarshal([]byte(s), &cfg); err != nil {
				t.Fatalf("config.json: %v", err)
			}
		}
		if cfg == nil {
			t.Fatal("no config.json among the web deployment's sources")
		}
		client := fx.t.ofType("AWS::Cognito::UserPoolClient")[0]
		domain := fx.t.ofType("AWS::Cognito::UserPoolDomain")
		if len(domain) != 1 {
			t.Fatalf("user pool domains: got %d, want 1", len(domain))
		}
		callbacks := list(path(fx.t.Resources[client].Properties, "CallbackURLs"))
		checks := []struct {
			key, want string
			match     func(got, want string) bool
		}{
			{"mode", "cognito", func(g, w string) bool { return g == w }},
			{"clientId", "<" + client + ">", func(g, w string) bool { return g == w }},
			{"cognitoDomain", "https://<" + domain[0] + ">.auth.", strings.HasPrefix},
			{"redirectUri", flatten(callbacks[0]), func(g, w string) bool { return g == w && strings.HasSuffix(g, "/") }},
			{"logoutUri", flatten(callbacks[0]), func(g, w string) bool { return g == w }},
			{"apiBase", "<" + fx.t.apiID("HTTP") + ".ApiEndpoint>", func(g, w string) bool { return g == w }},
			{"wsUrl", "wss://<" + fx.t.apiID("WEBSOCKET") + ">.execute-api.", strings.HasPrefix},
		}
		for _, c := range checks {
			got, _ := cfg[c.key].(string)
			if !c.match(got, c.want) {
				t.Errorf("config.json %s = %q, want %q", c.key, got, c.want)
			}
		}
		if !strings.HasSuffix(cfg["wsUrl"].(string), "/"+fx.stage.Name) {
			t.Errorf("config.json wsUrl %q does not end in the stage /%s", cfg["wsUrl"], fx.stage.Name)
		}
		if len(callbacks) != 1 || !strings.Contains(flatten(callbacks[0]), "DomainName>") {
			t.Errorf("app client callbacks %v: want only the web origin", callbacks)
		}
		prefix := flatten(fx.t.Resources[domain[0]].Properties["Domain"])
		if !strings.HasPrefix(prefix, "resync-"+fx.stage.Name+"-") {
			t.Errorf("hosted UI prefix %s: want resync-%s-<account>", prefix, fx.stage.Name)
		}
	})
}

// reserved is the template value of a reserved concurrency: absent when zero.
func reserved(n int) any {
	if n == 0 {
		return nil
	}
	return float64(n)
}
