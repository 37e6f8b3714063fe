package stack

// AppContext returns the context every Resync app is created with, in main
// and in the tests alike, so the tests check the template that deploys (a
// cdk.json context would reach only apps started by the CDK CLI):
//
//   - the CDK feature flags this app is written against (new behaviour
//     of a flag only when it is set);
//   - asset and path metadata, which SAM CLI reads to find each function's
//     code in cdk.out (sam local invoke).
func AppContext() map[string]any {
	return map[string]any{
		"aws:cdk:enable-asset-metadata": true,
		"aws:cdk:enable-path-metadata":  true,

		"@aws-cdk/aws-iam:minimizePolicies":                         true,
		"@aws-cdk/core:checkSecretUsage":                            true,
		"@aws-cdk/core:enablePartitionLiterals":                     true,
		"@aws-cdk/core:target-partitions":                           []string{"aws", "aws-cn"},
		"@aws-cdk/aws-lambda:recognizeLayerVersion":                 true,
		"@aws-cdk/aws-ec2:restrictDefaultSecurityGroup":             true,
		"@aws-cdk/aws-s3:createDefaultLoggingPolicy":                true,
		"@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy":           true,
		"@aws-cdk/aws-s3:serverSideEncryptionAwsKmsKeyId":           true,
		"@aws-cdk/aws-s3:publicAccessBlockedByDefault":              true,
		"@aws-cdk/aws-apigateway:disableCloudWatchRole":             true,
		"@aws-cdk/aws-events:eventsTargetQueueSameAccount":          true,
		"@aws-cdk/aws-sns-subscriptions:restrictSqsDescryption":     true,
		"@aws-cdk/aws-cloudfront:defaultSecurityPolicyTLSv1.2_2021": true,
		"@aws-cdk/customresources:installLatestAwsSdkDefault":       false,
	}
}
