package stack_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/resync/resync/infra/cdk/stack"
	"github.com/resync/resync/shared/edge/routes"
)

// fixture is one synthesized stage: the assertions template and the same
// template decoded into plain Go values for walking.
type fixture struct {
	stage stack.Stage
	tpl   assertions.Template
	t     template
	stack *stack.Stack
}

// template is the part of a CloudFormation template the tests read.
type template struct {
	Resources map[string]resource `json:"Resources"`
	Outputs   map[string]any      `json:"Outputs"`
}

type resource struct {
	Type                string         `json:"Type"`
	Properties          map[string]any `json:"Properties"`
	DeletionPolicy      string         `json:"DeletionPolicy"`
	UpdateReplacePolicy string         `json:"UpdateReplacePolicy"`
}

// Test inputs every stage is synthesized with.
const (
	testHWAURL   = "https://hwa.example.test:31116"
	testNeo4jURI = "neo4j+s://abcd1234.databases.neo4j.io"
)

// fixtures holds every stage of stack.Stages(), synthesized once in
// TestMain: synthesis costs seconds, and jsii must be closed exactly once.
// assemblyDir is the cloud assembly they were written to. Both are written
// only by TestMain, before any test runs.
var (
	fixtures    []fixture
	assemblyDir string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "resync-cdk-test-")
	code := 1
	if err == nil {
		if err = synthAll(dir); err == nil {
			code = m.Run()
		}
		os.RemoveAll(dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stack test setup:", err)
		code = 1
	}
	jsii.Close()
	os.Exit(code)
}

func synthAll(dir string) error {
	codeDir, err := placeholderCode(dir)
	if err != nil {
		return err
	}
	webDir := filepath.Join(dir, "web")
	if err := os.MkdirAll(webDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(webDir, "index.html"), []byte("<!doctype html><title>Resync</title>"), 0o644); err != nil {
		return err
	}

	// RESYNC_CDK_TEST_OUT keeps the synthesized templates for a linter
	// (scripts/test.d/20-cdk.sh runs cfn-lint on them).
	assemblyDir = os.Getenv("RESYNC_CDK_TEST_OUT")
	if assemblyDir == "" {
		assemblyDir = filepath.Join(dir, "cdk.out")
	}
	start := time.Now()
	ctx := stack.AppContext()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(assemblyDir), Context: &ctx})
	// Every stack is built before the first synthesis: the tree may not
	// change after it.
	var stacks []*stack.Stack
	for _, st := range stack.Stages() {
		s, err := stack.New(app, "Resync-"+st.Name, stack.Props{
			Stage: st, CodeDir: codeDir, WebDir: webDir, HWAURL: testHWAURL, Neo4jURI: testNeo4jURI,
		})
		if err != nil {
			return err
		}
		stacks = append(stacks, s)
	}
	// cdk-nag's AwsSolutions pack annotates every finding; nag_test.go
	// fails on any that is not suppressed (with its reason) in the stack.
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true), Reports: jsii.Bool(false)}), nil)
	for i, st := range stack.Stages() {
		tpl := assertions.Template_FromStack(stacks[i].Stack, nil)
		raw, err := json.Marshal(tpl.ToJSON())
		if err != nil {
			return err
		}
		var t template
		if err := json.Unmarshal(raw, &t); err != nil {
			return err
		}
		fixtures = append(fixtures, fixture{stage: st, tpl: tpl, t: t, stack: stacks[i]})
	}
	fmt.Fprintf(os.Stderr, "synthesized %d stages in %s\n", len(fixtures), time.Since(start).Round(10*time.Millisecond))
	return nil
}

// placeholderCode writes <dir>/bin/<fn>/bootstrap for every function, each
// with distinct content so that each function gets its own asset.
func placeholderCode(dir string) (string, error) {
	bin := filepath.Join(dir, "bin")
	for _, fn := range routes.Functions() {
		d := filepath.Join(bin, fn)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(d, "bootstrap"), []byte("#!/bin/sh\n# placeholder for "+fn+"\n"), 0o755); err != nil {
			return "", err
		}
	}
	return bin, nil
}

// eachStage runs f as a subtest per synthesized stage.
func eachStage(t *testing.T, f func(t *testing.T, fx fixture)) {
	t.Helper()
	if len(fixtures) != len(stack.Stages()) {
		t.Fatalf("got %d synthesized stages, want %d", len(fixtures), len(stack.Stages()))
	}
	for _, fx := range fixtures {
		t.Run(fx.stage.Name, func(t *testing.T) { f(t, fx) })
	}
}

// assert runs a CDK assertion, which reports failure by panicking through
// jsii, and turns a failure into a test error.
func assert(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	f()
}
