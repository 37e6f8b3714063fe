package stack

import (
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// FunctionProps configures a Function.
type FunctionProps struct {
	// Name is the function's name in the route table; the code is
	// CodeDir/<Name>/bootstrap.
	Name    string
	CodeDir string
	Size    FunctionSize

	VPC           awsec2.IVpc
	SecurityGroup awsec2.ISecurityGroup

	LogRetention awslogs.RetentionDays
	Retain       bool

	Environment map[string]*string

	// Async adds a dead-letter queue that receives events the function
	// failed to handle after Lambda's retries of an asynchronous invoke (S3
	// notifications, EventBridge schedules).
	Async bool
}

// Function is one Resync Lambda: a provided.al2023 arm64 bootstrap binary
// with JSON logs in its own log group, running in the VPC.
type Function struct {
	constructs.Construct
	Lambda awslambda.Function
	Logs   awslogs.LogGroup
	// DLQ receives failed asynchronous invokes; nil unless Async was set.
	DLQ awssqs.Queue
}

// NewFunction builds the function, its log group and, for asynchronous
// functions, its dead-letter queue and invoke configuration.
func NewFunction(scope constructs.Construct, id string, props FunctionProps) *Function {
	c := constructs.NewConstruct(scope, jsii.String(id))
	f := &Function{Construct: c}

	f.Logs = awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     props.LogRetention,
		RemovalPolicy: removalPolicy(props.Retain),
	})

	env := map[string]*string{}
	for k, v := range props.Environment {
		env[k] = v
	}
	fp := &awslambda.FunctionProps{
		Description:           jsii.String("Resync " + props.Name),
		Runtime:               awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:          awslambda.Architecture_ARM_64(),
		Handler:               jsii.String("bootstrap"),
		Code:                  awslambda.Code_FromAsset(jsii.String(filepath.Join(props.CodeDir, props.Name)), nil),
		MemorySize:            jsii.Number(float64(props.Size.MemoryMB)),
		Timeout:               awscdk.Duration_Seconds(jsii.Number(props.Size.Timeout.Seconds())),
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2: awslambda.ApplicationLogLevel_INFO,
		SystemLogLevelV2:      awslambda.SystemLogLevel_WARN,
		LogGroup:              f.Logs,
		Environment:           &env,
		Vpc:                   props.VPC,
		VpcSubnets:            &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
		SecurityGroups:        &[]awsec2.ISecurityGroup{props.SecurityGroup},
		RecursiveLoop:         awslambda.RecursiveLoop_TERMINATE,
	}
	if props.Size.ReservedConcurrency > 0 {
		fp.ReservedConcurrentExecutions = jsii.Number(float64(props.Size.ReservedConcurrency))
	}
	if props.Async {
		f.DLQ = awssqs.NewQueue(c, jsii.String("DLQ"), &awssqs.QueueProps{
			Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
			EnforceSSL:      jsii.Bool(true),
			RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		})
		fp.OnFailure = awslambdadestinations.NewSqsDestination(f.DLQ)
		fp.RetryAttempts = jsii.Number(2)
		fp.MaxEventAge = awscdk.Duration_Hours(jsii.Number(6))
	}
	f.Lambda = awslambda.NewFunction(c, jsii.String("Function"), fp)
	return f
}
