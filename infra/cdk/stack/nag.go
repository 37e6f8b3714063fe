package stack

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// The AwsSolutions findings of cdk-nag (checked by the CDK tests) that this
// stack accepts, each with the reason. Findings that could be fixed were
// fixed instead: access logs on the buckets, the distribution and the HTTP
// API, VPC flow logs, a password policy with symbols, MFA required, S3 and
// secret grants narrowed to what each function calls.

// suppression is one accepted finding: the rule, the reason, and for IAM
// rules the exact findings it covers (empty: every finding of the rule).
type suppression struct {
	rule, reason string
	appliesTo    []string
}

func (s suppression) nag() *cdknag.NagPackSuppression {
	out := &cdknag.NagPackSuppression{Id: jsii.String(s.rule), Reason: jsii.String(s.reason)}
	if len(s.appliesTo) > 0 {
		l := make([]any, len(s.appliesTo))
		for i, a := range s.appliesTo {
			l[i] = a
		}
		out.AppliesTo = &l
	}
	return out
}

func suppress(c constructs.IConstruct, children bool, ss ...suppression) {
	list := make([]*cdknag.NagPackSuppression, len(ss))
	for i, s := range ss {
		list[i] = s.nag()
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &list, jsii.Bool(children))
}

// Reasons shared by several resources.
const (
	reasonLambdaManaged = "AWSLambdaBasicExecutionRole (logs) and AWSLambdaVPCAccessExecutionRole (the VPC's network interfaces) are the AWS-maintained minimum a function in a VPC needs; ENI actions cannot be scoped to resources"
	reasonCDKHelper     = "a function CDK itself provides for this construct (bucket deployment, SDK-call custom resources, bucket notifications); its role and runtime are CDK's, scoped by CDK to the resources it manages"
	reasonObjects       = "documents and audit records are objects with any key under one prefix of one named bucket; only object keys are open"
	reasonConnections   = "connection ids exist only at run time; the grant is on this WebSocket API's @connections only"
	reasonRotation      = "rotated by the people who own the credential: HWA and Neo4j Aura passwords are set outside AWS, and ElastiCache AUTH rotation needs a coordinated ROTATE/SET on the replication group, not a Secrets Manager Lambda"
	reasonWSAuth        = "API Gateway WebSocket APIs offer only IAM or Lambda authorizers; the chat function verifies the Cognito token on $connect with the same verifier and tests as the HTTP functions, and every later frame on the connection is checked against that session"
)

// suppressNag records the accepted findings on s's constructs.
func suppressNag(s *Stack, st Stage) {
	for name, fn := range s.Functions {
		role := fn.Lambda.Role()
		suppress(role, true, suppression{"AwsSolutions-IAM4", reasonLambdaManaged, []string{
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
		}})
		acc := functionAccess()[name]
		var wild []string
		if acc.Documents != noDocuments {
			wild = append(wild, "Resource::<"+IDDocumentsBucket+".Arn>/*")
		}
		if acc.Documents == uploadDocuments {
			wild = append(wild, "Resource::<"+IDDocumentsBucket+".Arn>/uploads/*")
		}
		if acc.Audit {
			wild = append(wild, "Resource::<"+IDAuditBucket+".Arn>/"+AuditPrefix+"*")
		}
		if len(wild) > 0 {
			suppress(role, true, suppression{"AwsSolutions-IAM5", reasonObjects, wild})
		}
		if acc.Connections {
			wsID := *awscdk.Stack_Of(s.Stack).GetLogicalId(s.WebSocket.API.Node().DefaultChild().(awscdk.CfnElement))
			suppress(role, true, suppression{"AwsSolutions-IAM5", reasonConnections, []string{
				"Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<" + wsID + ">/*/*/@connections/*",
			}})
		}
		if fn.DLQ != nil {
			suppress(fn.DLQ, false, suppression{"AwsSolutions-SQS3", "this queue is itself the dead-letter queue of the function's failed asynchronous invokes", nil})
		}
	}
	// CDK's own helper functions, found by the singleton ids CDK gives them.
	for _, c := range *s.Stack.Node().Children() {
		id := *c.(constructs.IConstruct).Node().Id()
		for _, prefix := range []string{"Custom::CDKBucketDeployment", "AWS679f53fac002430cb0da5b7982bd2287", "BucketNotificationsHandler"} {
			if strings.HasPrefix(id, prefix) {
				suppress(c.(constructs.IConstruct), true,
					suppression{"AwsSolutions-IAM4", reasonCDKHelper, nil},
					suppression{"AwsSolutions-IAM5", reasonCDKHelper, nil},
					suppression{"AwsSolutions-L1", reasonCDKHelper, nil})
			}
		}
	}

	for _, c := range []constructs.IConstruct{s.Cache.AuthToken, findChild(s.Stack, "HwaSecret"), findChild(s.Stack, "Neo4jSecret")} {
		suppress(c, true, suppression{"AwsSolutions-SMG4", reasonRotation, nil})
	}
	if c := findChild(s.Stack, "AlertsSecret"); c != nil {
		suppress(c, true, suppression{"AwsSolutions-SMG4", "the Teams and Slack incoming webhook URLs are issued by those services and cannot be rotated by Secrets Manager; an operator replaces them when a channel's webhook is regenerated", nil})
	}
	if st.CacheNodes < 2 {
		suppress(s.Cache.Group, false, suppression{"AwsSolutions-AEC4", "a single-node cache in this stage, for cost; the prod stage runs two nodes across AZs with automatic failover", nil})
	}
	if logs := findChild(s.Stack, "AccessLogs"); logs != nil {
		suppress(logs, true, suppression{"AwsSolutions-S1", "this is the access log bucket; logging its own access would log forever", nil})
	}
	for _, ep := range []string{"SecretsManager", "BedrockRuntime"} {
		if c := s.Stack.Node().TryFindChild(jsii.String("Network")); c != nil {
			if e := c.Node().TryFindChild(jsii.String("Vpc")).(constructs.IConstruct).Node().TryFindChild(jsii.String(ep)); e != nil {
				suppress(e.(constructs.IConstruct), true, suppression{"AwsSolutions-EC23", "the interface endpoint admits HTTPS from the VPC's own CIDR (a token cdk-nag cannot read), not from 0.0.0.0/0", nil})
			}
		}
	}

	suppress(s.WebSocket.Stage, true, suppression{"AwsSolutions-APIG1", "WebSocket access logs need the account-wide API Gateway CloudWatch role (AWS::ApiGateway::Account), which one stack must not own for every stage in the account; the chat function logs every frame with its request id, and the HTTP API has access logs", nil})
	suppress(s.WebSocket.API, true, suppression{"AwsSolutions-APIG4", reasonWSAuth, nil})
	suppress(s.HTTP.API, true, suppression{"AwsSolutions-APIG4", "only GET /health has no authorizer: a liveness answer with no data, for load balancers and uptime checks; every other route needs a Cognito token (TestHTTPRoutesEqualRouteTable)", nil})

	suppress(s.Web.Distribution, true,
		suppression{"AwsSolutions-CFR1", "operators work from wherever the company does; the distribution serves only the static client, and every API call needs a token", nil},
		suppression{"AwsSolutions-CFR2", "the distribution serves only the static client; the APIs behind it are throttled per stage and per user (ratelimit), and WAF is an account-level choice with its own cost", nil},
		suppression{"AwsSolutions-CFR4", "without a custom domain the distribution uses the default *.cloudfront.net certificate, whose TLS policy CloudFront fixes; with UIOrigin a custom domain's certificate sets TLSv1.2_2021", nil},
	)
	suppress(s.Users.Pool, true, suppression{"AwsSolutions-COG8", "the Plus feature plan (threat protection) is billed per active user; MFA is required for every user, there is no self sign-up, and tokens last an hour", nil})
}

// findChild returns the direct child of scope with the id, or nil.
func findChild(scope constructs.IConstruct, id string) constructs.IConstruct {
	if c := scope.Node().TryFindChild(jsii.String(id)); c != nil {
		return c.(constructs.IConstruct)
	}
	return nil
}
