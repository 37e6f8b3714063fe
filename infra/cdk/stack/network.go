package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// NetworkProps configures a Network.
type NetworkProps struct {
	// NATGateways is the number of NAT gateways (one per AZ at most).
	NATGateways int
	// FlowLogRetention is how long the VPC's flow logs (rejected traffic)
	// are kept.
	FlowLogRetention awslogs.RetentionDays
	Retain           bool
}

// Network is the VPC the functions and the cache live in: public subnets for
// the NAT gateways, private subnets with egress for the functions (HWA and
// Neo4j Aura are outside AWS), isolated subnets for the cache, and endpoints
// so that S3, Secrets Manager and Bedrock traffic stays inside AWS.
type Network struct {
	constructs.Construct
	VPC awsec2.Vpc
	// Functions is the security group every function runs in; the cache
	// admits only this group.
	Functions awsec2.SecurityGroup
	// NATIPs are the public addresses the functions' traffic to HWA and
	// Neo4j Aura comes from (for their allowlists).
	NATIPs []*string
}

// NewNetwork builds the VPC, its endpoints and the functions' security group.
func NewNetwork(scope constructs.Construct, id string, props NetworkProps) *Network {
	c := constructs.NewConstruct(scope, jsii.String(id))
	vpc := awsec2.NewVpc(c, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs:                       jsii.Number(2),
		NatGateways:                  jsii.Number(float64(props.NATGateways)),
		RestrictDefaultSecurityGroup: jsii.Bool(true),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24)},
			{Name: jsii.String("functions"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(22)},
			{Name: jsii.String("cache"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(26)},
		},
		GatewayEndpoints: &map[string]*awsec2.GatewayVpcEndpointOptions{
			"S3": {Service: awsec2.GatewayVpcEndpointAwsService_S3()},
		},
	})
	// Rejected traffic only: what a misconfigured security group or an
	// unexpected connection attempt looks like, at a fraction of the cost of
	// logging every flow.
	flowLogs := awslogs.NewLogGroup(c, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
		Retention:     props.FlowLogRetention,
		RemovalPolicy: removalPolicy(props.Retain),
	})
	vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
		Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(flowLogs, nil),
		TrafficType: awsec2.FlowLogTrafficType_REJECT,
	})
	functionSubnets := &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	for name, svc := range map[string]awsec2.InterfaceVpcEndpointAwsService{
		"SecretsManager": awsec2.InterfaceVpcEndpointAwsService_SECRETS_MANAGER(),
		"BedrockRuntime": awsec2.InterfaceVpcEndpointAwsService_BEDROCK_RUNTIME(),
	} {
		vpc.AddInterfaceEndpoint(jsii.String(name), &awsec2.InterfaceVpcEndpointOptions{
			Service:           svc,
			Subnets:           functionSubnets,
			PrivateDnsEnabled: jsii.Bool(true),
		})
	}
	sg := awsec2.NewSecurityGroup(c, jsii.String("Functions"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("Resync functions"),
		AllowAllOutbound: jsii.Bool(true),
	})
	n := &Network{Construct: c, VPC: vpc, Functions: sg}
	for _, sub := range *vpc.PublicSubnets() {
		if eip, ok := sub.Node().TryFindChild(jsii.String("EIP")).(awsec2.CfnEIP); ok && eip != nil {
			n.NATIPs = append(n.NATIPs, eip.AttrPublicIp())
		}
	}
	return n
}
