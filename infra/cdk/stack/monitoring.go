package stack

import (
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/resync/resync/shared/edge/routes"
)

// Health metric: the health function reports each dependency check of the
// deep check as a CloudWatch embedded-metric-format record in this
// namespace, with dimensions Function=health and Check=<name>; the alarm
// fires when any check fails.
const (
	HealthNamespace = "Resync"
	HealthMetric    = "HealthCheckFailed"
)

// HealthChecks returns the names of the health function's dependency
// checks (its Check dimension).
func HealthChecks() []string { return []string{"hwa", "redis", "neo4j", "bedrock"} }

// MonitoringProps configures Monitoring.
type MonitoringProps struct {
	Stage     string
	Functions map[string]*Function
	HTTP      awsapigatewayv2.HttpApi
	// AlarmEmail, when set, subscribes an address to the alarm topic.
	AlarmEmail string
}

// Monitoring is the alarm topic, the alarms and the dashboard.
type Monitoring struct {
	constructs.Construct
	Topic     awssns.Topic
	Alarms    []awscloudwatch.Alarm
	Dashboard awscloudwatch.Dashboard
}

// NewMonitoring builds alarms on function errors and throttles, dead-letter
// queue depth, HTTP 5xx responses and failed health checks, and a dashboard
// that shows the same metrics.
func NewMonitoring(scope constructs.Construct, id string, props MonitoringProps) *Monitoring {
	c := constructs.NewConstruct(scope, jsii.String(id))
	m := &Monitoring{Construct: c}
	m.Topic = awssns.NewTopic(c, jsii.String("Alarms"), &awssns.TopicProps{
		DisplayName: jsii.String("Resync " + props.Stage + " alarms"),
		EnforceSSL:  jsii.Bool(true),
	})
	if props.AlarmEmail != "" {
		m.Topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(props.AlarmEmail), nil))
	}
	action := awscloudwatchactions.NewSnsAction(m.Topic)
	five := awscdk.Duration_Minutes(jsii.Number(5))
	alarm := func(id string, metric awscloudwatch.IMetric, desc string) {
		a := awscloudwatch.NewAlarm(c, jsii.String(id), &awscloudwatch.AlarmProps{
			Metric:             metric,
			AlarmDescription:   jsii.String(desc),
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		a.AddAlarmAction(action)
		a.AddOkAction(action)
		m.Alarms = append(m.Alarms, a)
	}

	names := make([]string, 0, len(props.Functions))
	for n := range props.Functions {
		names = append(names, n)
	}
	sort.Strings(names)

	var invocations, errs, throttles, durations, dlqs []awscloudwatch.IMetric
	for _, n := range names {
		fn := props.Functions[n]
		// Alarms use the plain metric; the dashboard the labelled one.
		sum := &awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")}
		e := fn.Lambda.MetricErrors(sum)
		t := fn.Lambda.MetricThrottles(sum)
		alarm(titleID(n)+"Errors", e, "Resync "+n+": function errors")
		alarm(titleID(n)+"Throttles", t, "Resync "+n+": throttled invocations")
		invocations = append(invocations, label(fn.Lambda.MetricInvocations(sum), n))
		errs = append(errs, label(e, n))
		throttles = append(throttles, label(t, n))
		durations = append(durations, fn.Lambda.MetricDuration(&awscloudwatch.MetricOptions{
			Period: five, Statistic: jsii.String("p95"), Label: jsii.String(n),
		}))
		if fn.DLQ != nil {
			d := fn.DLQ.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
				Period: five, Statistic: jsii.String("Maximum"),
			})
			alarm(titleID(n)+"DeadLetters", d, "Resync "+n+": failed asynchronous events in the dead-letter queue")
			dlqs = append(dlqs, label(d, n+" DLQ"))
		}
	}

	sum := &awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")}
	server := props.HTTP.MetricServerError(sum)
	client := props.HTTP.MetricClientError(sum)
	alarm("HttpServerErrors", server, "Resync HTTP API: 5xx responses")

	checks := map[string]awscloudwatch.IMetric{}
	var perCheck []awscloudwatch.IMetric
	for _, name := range HealthChecks() {
		m := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:     jsii.String(HealthNamespace),
			MetricName:    jsii.String(HealthMetric),
			DimensionsMap: &map[string]*string{"Function": jsii.String(routes.Health), "Check": jsii.String(name)},
			Period:        five,
			Statistic:     jsii.String("Sum"),
		})
		checks[name] = m
		perCheck = append(perCheck, label(m, name))
	}
	health := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String("SUM([" + strings.Join(HealthChecks(), ",") + "])"),
		UsingMetrics: &checks,
		Period:       five,
		Label:        jsii.String("failed health checks"),
	})
	alarm("HealthCheckFailed", health, "Resync: a deep health check of HWA, Redis, Neo4j or Bedrock failed")

	graph := func(title string, metrics []awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Left: &metrics, Width: jsii.Number(8), Height: jsii.Number(6),
		})
	}
	m.Dashboard = awscloudwatch.NewDashboard(c, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
		Widgets: &[]*[]awscloudwatch.IWidget{
			{graph("Invocations", invocations), graph("Errors", errs), graph("Throttles", throttles)},
			{graph("Duration p95 (ms)", durations), graph("HTTP API errors", []awscloudwatch.IMetric{label(server, "5xx"), label(client, "4xx")}), graph("Dead letters", dlqs)},
			{graph("Failed health checks", perCheck)},
		},
	})
	return m
}

// label returns the metric with a legend label for the dashboard.
func label(m awscloudwatch.Metric, l string) awscloudwatch.IMetric {
	return m.With(&awscloudwatch.MetricOptions{Label: jsii.String(l)})
}
