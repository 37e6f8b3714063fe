package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// accessLogDays is how long S3 server access logs and CloudFront logs are
// kept where the stage retains data; elsewhere a month.
const accessLogDays = 365

// newAccessLogs builds the bucket the documents bucket, the web bucket and
// the distribution write their access logs to (under documents/, web/ and
// cloudfront/). CloudFront's standard logs are written with an ACL, so the
// bucket keeps ACLs enabled with the bucket owner preferred; it is never
// public, encrypted, TLS only, versioned (so a log cannot be silently
// overwritten), and expires its logs.
func newAccessLogs(scope constructs.Construct, id string, retain bool) awss3.Bucket {
	days := 30.0
	if retain {
		days = accessLogDays
	}
	return awss3.NewBucket(scope, jsii.String(id), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_PREFERRED,
		Versioned:         jsii.Bool(true),
		RemovalPolicy:     removalPolicy(retain),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Expiration:                  awscdk.Duration_Days(jsii.Number(days)),
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(7)),
		}},
	})
}
