// Command cdk is Resync's AWS CDK app. It synthesizes one stack, Resync-<stage>,
// for the stage named by RESYNC_STAGE (default dev) from the stage table in
// package stack. It is the only place that reads the environment:
//
//	RESYNC_STAGE        dev | prod
//	RESYNC_BIN_DIR      folder of <fn>/bootstrap binaries (default ../../bin)
//	RESYNC_WEB_DIR      the browser client (default ../../web; skipped if empty)
//	RESYNC_HWA_URL      base URL of the HWA server, e.g. https://hwa.example.com:9443
//	RESYNC_NEO4J_URI    Neo4j Aura URI, e.g. neo4j+s://xxxx.databases.neo4j.io
//	RESYNC_UI_ORIGIN    custom https origin of the web client (default: CloudFront's)
//	RESYNC_ALARM_EMAIL  address subscribed to the alarms
//	RESYNC_SHIFTS       shift boundaries of the handover (default 06:00,14:00,22:00)
//	RESYNC_PLAN_TZ      the plan's IANA time zone (default UTC)
//	CDK_DEFAULT_ACCOUNT, CDK_DEFAULT_REGION  set by the CDK CLI
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/resync/resync/infra/cdk/stack"
)

func main() {
	defer jsii.Close()
	if err := run(os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "cdk:", err)
		jsii.Close()
		os.Exit(1)
	}
}

// run builds the app from the environment read through getenv and
// synthesizes it into CDK_OUTDIR (set by the CDK CLI).
func run(getenv func(string) string) error {
	props, err := loadProps(getenv)
	if err != nil {
		return err
	}
	ctx := stack.AppContext()
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
	if _, err := stack.New(app, "Resync-"+props.Stage.Name, props); err != nil {
		return err
	}
	app.Synth(nil)
	return nil
}

// loadProps turns the environment into stack props.
func loadProps(getenv func(string) string) (stack.Props, error) {
	get := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	st, err := stack.StageNamed(get("RESYNC_STAGE", "dev"))
	if err != nil {
		return stack.Props{}, err
	}
	p := stack.Props{
		Stage:        st,
		CodeDir:      get("RESYNC_BIN_DIR", "../../bin"),
		WebDir:       get("RESYNC_WEB_DIR", "../../web"),
		HWAURL:       getenv("RESYNC_HWA_URL"),
		Neo4jURI:     getenv("RESYNC_NEO4J_URI"),
		UIOrigin:     getenv("RESYNC_UI_ORIGIN"),
		AlarmEmail:   getenv("RESYNC_ALARM_EMAIL"),
		Shifts:       getenv("RESYNC_SHIFTS"),
		PlanTimeZone: getenv("RESYNC_PLAN_TZ"),
	}
	if !hasFiles(p.WebDir) {
		p.WebDir = ""
	}
	if acct, region := getenv("CDK_DEFAULT_ACCOUNT"), getenv("CDK_DEFAULT_REGION"); acct != "" && region != "" {
		p.Env = &awscdk.Environment{Account: jsii.String(acct), Region: jsii.String(region)}
	}
	p.Description = jsii.String("Resync " + st.Name + ": chat assistant for HCL Workload Automation")
	return p, nil
}

// hasFiles reports whether dir exists and holds at least one entry.
func hasFiles(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err == nil && len(entries) > 0
}
