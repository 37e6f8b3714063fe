package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AuditPrefix is where the audit records live in the audit bucket
// (package s3audit: audit/YYYY/MM/DD/<seq>.json).
const AuditPrefix = "audit/"

// AuditRetentionDays is the Object Lock retention of every audit record;
// the lifecycle expires a record only once its retention has ended.
const AuditRetentionDays = 400

// AuditProps configures Audit.
type AuditProps struct {
	// Compliance selects Object Lock's compliance mode (no one, not even
	// the root user, can remove a record before its retention ends);
	// otherwise governance mode (a principal allowed
	// s3:BypassGovernanceRetention can, for a stage that is torn down).
	Compliance bool
	// AccessLogs receives the bucket's server access logs (audit/).
	AccessLogs awss3.IBucket
}

// Audit is the bucket of the durable audit trail: Object Lock with a
// default retention, versioned, encrypted, TLS only, never public, and a
// bucket policy that refuses any PutObject without If-None-Match, so a
// record can be created but never replaced. It is retained whatever the
// stage: deleting the stack never deletes the trail.
type Audit struct {
	constructs.Construct
	Bucket awss3.Bucket
}

// NewAudit builds the audit bucket.
func NewAudit(scope constructs.Construct, id string, props AuditProps) *Audit {
	c := constructs.NewConstruct(scope, jsii.String(id))
	retention := awss3.ObjectLockRetention_Governance(awscdk.Duration_Days(jsii.Number(AuditRetentionDays)))
	if props.Compliance {
		retention = awss3.ObjectLockRetention_Compliance(awscdk.Duration_Days(jsii.Number(AuditRetentionDays)))
	}
	bucket := awss3.NewBucket(c, jsii.String("Bucket"), &awss3.BucketProps{
		Encryption:                 awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:                 jsii.Bool(true),
		MinimumTLSVersion:          jsii.Number(1.2),
		BlockPublicAccess:          awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:            awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:                  jsii.Bool(true),
		ObjectLockEnabled:          jsii.Bool(true),
		ObjectLockDefaultRetention: retention,
		ServerAccessLogsBucket:     props.AccessLogs,
		ServerAccessLogsPrefix:     jsii.String("audit/"),
		RemovalPolicy:              awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:     jsii.String("audit-records"),
			Prefix: jsii.String(AuditPrefix),
			Transitions: &[]*awss3.Transition{{
				StorageClass:    awss3.StorageClass_GLACIER_INSTANT_RETRIEVAL(),
				TransitionAfter: awscdk.Duration_Days(jsii.Number(90)),
			}},
			// Past the retention: the current version gets a delete
			// marker, and the version itself goes 30 days later.
			Expiration:                          awscdk.Duration_Days(jsii.Number(AuditRetentionDays + 1)),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(30)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
	})
	bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CreateOnlyAuditRecords"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("s3:PutObject"),
		Resources:  jsii.Strings(*bucket.ArnForObjects(jsii.String(AuditPrefix + "*"))),
		Conditions: &map[string]any{"Null": map[string]any{"s3:if-none-match": "true"}},
	}))
	return &Audit{Construct: c, Bucket: bucket}
}

// GrantWrite lets fn append records: put under the prefix, and read and
// list it (a writer that loses the race for a sequence number reads the
// winner's record; without the Redis hint it lists the day's versions).
// Exactly the calls package s3audit makes — not GrantPut and GrantRead,
// which add tagging, Object Lock retention and legal hold rights that a
// writer of a tamper-evident trail must not have.
func (a *Audit) GrantWrite(fn awsiam.IGrantable) {
	objects := a.Bucket.ArnForObjects(jsii.String(AuditPrefix + "*"))
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      fn,
		Actions:      jsii.Strings("s3:PutObject", "s3:GetObject", "s3:GetObjectVersion"),
		ResourceArns: &[]*string{objects},
	})
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      fn,
		Actions:      jsii.Strings("s3:ListBucketVersions"),
		ResourceArns: &[]*string{a.Bucket.BucketArn()},
		Conditions:   &map[string]*map[string]any{"StringLike": {"s3:prefix": AuditPrefix + "*"}},
	})
}
