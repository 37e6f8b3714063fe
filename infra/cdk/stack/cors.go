package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// The CSP of the web client names the stack's own HTTP API, WebSocket API,
// hosted UI and documents bucket exactly. The HTTP API's and the bucket's
// CORS name the web client's origin, which is the distribution's domain,
// and the distribution carries the CSP: declared in CloudFormation both
// ways, that is a dependency cycle. So the API and the bucket are created
// without CORS, the distribution names them, and NewCORS applies their
// CORS once all three exist.

// CORSProps configures CORS.
type CORSProps struct {
	// Origin is the one origin admitted: the web client's.
	Origin *string
	HTTP   awsapigatewayv2.HttpApi
	Bucket awss3.IBucket
}

// NewCORS applies the HTTP API's and the documents bucket's CORS with two
// SDK calls (UpdateApi, PutBucketCors), made again whenever the origin
// changes, by a role allowed exactly those two calls on those two
// resources.
func NewCORS(scope constructs.Construct, id string, props CORSProps) constructs.Construct {
	c := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(c)

	apiCall := &customresources.AwsSdkCall{
		Service: jsii.String("ApiGatewayV2"),
		Action:  jsii.String("updateApi"),
		Parameters: map[string]any{
			"ApiId": props.HTTP.ApiId(),
			"CorsConfiguration": map[string]any{
				"AllowOrigins": []any{props.Origin},
				"AllowMethods": []any{"GET", "POST", "PUT", "DELETE", "OPTIONS"},
				"AllowHeaders": []any{"authorization", "content-type", "idempotency-key"},
				"MaxAge":       3600,
			},
		},
		PhysicalResourceId: customresources.PhysicalResourceId_Of(awscdk.Fn_Join(jsii.String(" "), &[]*string{props.HTTP.ApiId(), props.Origin})),
	}
	apiARN := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("apigateway"), Account: jsii.String(""), Resource: jsii.String("/apis"),
		ResourceName: props.HTTP.ApiId(), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
	customresources.NewAwsCustomResource(c, jsii.String("HttpApi"), &customresources.AwsCustomResourceProps{
		OnCreate:            apiCall,
		OnUpdate:            apiCall,
		InstallLatestAwsSdk: jsii.Bool(false),
		Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("apigateway:PATCH"),
				Resources: &[]*string{apiARN},
			}),
		}),
	})

	bucketCall := &customresources.AwsSdkCall{
		Service: jsii.String("S3"),
		Action:  jsii.String("putBucketCors"),
		Parameters: map[string]any{
			"Bucket": props.Bucket.BucketName(),
			"CORSConfiguration": map[string]any{
				"CORSRules": []any{map[string]any{
					"AllowedMethods": []any{"PUT"},
					"AllowedOrigins": []any{props.Origin},
					"AllowedHeaders": []any{"content-type", "content-md5", "x-amz-*"},
					"MaxAgeSeconds":  3600,
				}},
			},
		},
		PhysicalResourceId: customresources.PhysicalResourceId_Of(awscdk.Fn_Join(jsii.String(" "), &[]*string{props.Bucket.BucketName(), props.Origin})),
	}
	customresources.NewAwsCustomResource(c, jsii.String("Bucket"), &customresources.AwsCustomResourceProps{
		OnCreate:            bucketCall,
		OnUpdate:            bucketCall,
		InstallLatestAwsSdk: jsii.Bool(false),
		Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("s3:PutBucketCORS"),
				Resources: &[]*string{props.Bucket.BucketArn()},
			}),
		}),
	})
	return c
}

// ConnectSourcesProps names what the browser client connects to.
type ConnectSourcesProps struct {
	HTTP      awsapigatewayv2.HttpApi
	WebSocket awsapigatewayv2.WebSocketApi
	Bucket    awss3.IBucket
	// HostedUIPrefix is the Cognito domain prefix; the hosted UI is
	// https://<prefix>.auth.<region>.amazoncognito.com. A string, not the
	// domain resource, since the user pool's client names the distribution.
	HostedUIPrefix *string
}

// connectSources lists the exact hosts the browser client connects to
// besides its own origin: the HTTP API, the WebSocket API, the hosted UI's
// token endpoint, Cognito's API, and the documents bucket for presigned
// uploads (virtual-hosted, regional, as the S3 SDK presigns).
func connectSources(p ConnectSourcesProps) []*string {
	region := awscdk.Aws_REGION()
	join := func(parts ...*string) *string { return awscdk.Fn_Join(jsii.String(""), &parts) }
	return []*string{
		p.HTTP.ApiEndpoint(),
		p.WebSocket.ApiEndpoint(),
		join(jsii.String("https://"), p.HostedUIPrefix, jsii.String(".auth."), region, jsii.String(".amazoncognito.com")),
		join(jsii.String("https://cognito-idp."), region, jsii.String(".amazonaws.com")),
		join(jsii.String("https://"), p.Bucket.BucketRegionalDomainName()),
	}
}
