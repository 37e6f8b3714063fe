package stack

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3notifications"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/resync/resync/shared/edge/routes"
)

// DocumentsProps configures Documents.
type DocumentsProps struct {
	// AccessLogs receives the bucket's server access logs (documents/).
	AccessLogs awss3.IBucket
	Retain     bool
}

// Documents is the runbook and document bucket: encrypted, TLS only, never
// public, versioned, and wired to the functions of the trigger table. Its
// CORS rule (browsers upload with presigned PUTs from the web client's
// origin) is applied after the distribution exists (NewCORS), because the
// distribution's CSP names this bucket.
type Documents struct {
	constructs.Construct
	Bucket awss3.Bucket
}

// s3EventType maps a route table S3 event name to its CDK event type.
func s3EventType(name string) (awss3.EventType, bool) {
	switch name {
	case "s3:ObjectCreated:*":
		return awss3.EventType_OBJECT_CREATED, true
	case "s3:ObjectRemoved:*":
		return awss3.EventType_OBJECT_REMOVED, true
	}
	return "", false
}

// NewDocuments builds the bucket; AddTriggers wires its notifications.
func NewDocuments(scope constructs.Construct, id string, props DocumentsProps) *Documents {
	c := constructs.NewConstruct(scope, jsii.String(id))
	bucket := awss3.NewBucket(c, jsii.String("Bucket"), &awss3.BucketProps{
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:             jsii.Bool(true),
		MinimumTLSVersion:      jsii.Number(1.2),
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:              jsii.Bool(true),
		ServerAccessLogsBucket: props.AccessLogs,
		ServerAccessLogsPrefix: jsii.String("documents/"),
		RemovalPolicy:          removalPolicy(props.Retain),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(90)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
		}},
	})
	return &Documents{Construct: c, Bucket: bucket}
}

// AddTriggers sends the bucket's object events to the functions of the
// trigger table. It returns an error for a trigger naming an unknown
// function or event.
func (d *Documents) AddTriggers(ts []routes.ObjectTrigger, fns map[string]awslambda.IFunction) error {
	for _, t := range ts {
		fn, ok := fns[t.Function]
		if !ok {
			return fmt.Errorf("stack: object trigger: no function %q", t.Function)
		}
		dest := awss3notifications.NewLambdaDestination(fn)
		for _, e := range t.Events {
			et, ok := s3EventType(e)
			if !ok {
				return fmt.Errorf("stack: object trigger for %s: unsupported event %q", t.Function, e)
			}
			d.Bucket.AddEventNotification(et, dest)
		}
	}
	return nil
}
