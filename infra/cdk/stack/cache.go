package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticache"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// cachePort is the port the cache listens on.
const cachePort = 6379

// CacheProps configures a Cache.
type CacheProps struct {
	VPC awsec2.IVpc
	// Clients is the only security group admitted to the cache port.
	Clients  awsec2.ISecurityGroup
	NodeType string
	// Nodes is the number of nodes; two or more enable automatic failover
	// and Multi-AZ.
	Nodes  int
	Retain bool
}

// Cache is an ElastiCache for Valkey replication group with in-transit and
// at-rest encryption and an AUTH token kept in Secrets Manager.
type Cache struct {
	constructs.Construct
	// URL is rediss://<primary endpoint>:<port>, the form the functions'
	// REDIS_URL takes: without credentials.
	URL *string
	// AuthToken holds the AUTH token as a plain string secret; the
	// functions read it at start (REDIS_AUTH_SECRET_ARN), so it is in
	// neither the template nor their environment.
	AuthToken awssecretsmanager.Secret
	Group     awselasticache.CfnReplicationGroup
	Security  awsec2.SecurityGroup
}

// NewCache builds the cache, its subnet group, security group and token.
func NewCache(scope constructs.Construct, id string, props CacheProps) *Cache {
	c := constructs.NewConstruct(scope, jsii.String(id))
	removal := removalPolicy(props.Retain)

	token := awssecretsmanager.NewSecret(c, jsii.String("AuthToken"), &awssecretsmanager.SecretProps{
		Description: jsii.String("Resync cache AUTH token"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			// ElastiCache tokens allow printable ASCII except a few symbols;
			// letters and digits are always safe.
			ExcludePunctuation: jsii.Bool(true),
			PasswordLength:     jsii.Number(64),
		},
		RemovalPolicy: removal,
	})

	sg := awsec2.NewSecurityGroup(c, jsii.String("Security"), &awsec2.SecurityGroupProps{
		Vpc:              props.VPC,
		Description:      jsii.String("Resync cache: functions only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	sg.AddIngressRule(props.Clients, awsec2.Port_Tcp(jsii.Number(cachePort)), jsii.String("Resync functions"), jsii.Bool(false))

	isolated := props.VPC.SelectSubnets(&awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED})
	var subnetIDs []any
	for _, id := range *isolated.SubnetIds {
		subnetIDs = append(subnetIDs, id)
	}
	subnets := awselasticache.NewCfnSubnetGroup(c, jsii.String("Subnets"), &awselasticache.CfnSubnetGroupProps{
		Description: jsii.String("Resync cache subnets"),
		SubnetIds:   &subnetIDs,
	})

	multi := props.Nodes > 1
	group := awselasticache.NewCfnReplicationGroup(c, jsii.String("Group"), &awselasticache.CfnReplicationGroupProps{
		ReplicationGroupDescription: jsii.String("Resync cache"),
		Engine:                      jsii.String("valkey"),
		EngineVersion:               jsii.String("8.0"),
		CacheNodeType:               jsii.String(props.NodeType),
		NumCacheClusters:            jsii.Number(float64(props.Nodes)),
		AutomaticFailoverEnabled:    jsii.Bool(multi),
		MultiAzEnabled:              jsii.Bool(multi),
		Port:                        jsii.Number(cachePort),
		TransitEncryptionEnabled:    jsii.Bool(true),
		AtRestEncryptionEnabled:     jsii.Bool(true),
		AuthToken:                   token.SecretValue().UnsafeUnwrap(),
		CacheSubnetGroupName:        subnets.Ref(),
		SecurityGroupIds:            &[]*string{sg.SecurityGroupId()},
		AutoMinorVersionUpgrade:     jsii.Bool(true),
		SnapshotRetentionLimit:      jsii.Number(snapshotDays(props.Retain)),
	})
	group.ApplyRemovalPolicy(removal, nil)

	url := awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("rediss://"), group.AttrPrimaryEndPointAddress(),
		jsii.String(":"), group.AttrPrimaryEndPointPort(),
	})
	return &Cache{Construct: c, URL: url, AuthToken: token, Group: group, Security: sg}
}

// snapshotDays keeps a week of daily snapshots where data is retained.
func snapshotDays(retain bool) float64 {
	if retain {
		return 7
	}
	return 0
}

// removalPolicy maps the stage's Retain flag to a CDK removal policy.
func removalPolicy(retain bool) awscdk.RemovalPolicy {
	if retain {
		return awscdk.RemovalPolicy_RETAIN
	}
	return awscdk.RemovalPolicy_DESTROY
}
