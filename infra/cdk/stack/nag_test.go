package stack_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// TestCDKNagAwsSolutions fails on every AwsSolutions finding of cdk-nag
// (applied to the app in TestMain) that is neither fixed nor suppressed
// with a reason (nag.go): errors and warnings alike.
func TestCDKNagAwsSolutions(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		ann := assertions.Annotations_FromStack(fx.stack.Stack)
		anyRule := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
		var found []string
		for _, m := range append(*ann.FindError(jsii.String("*"), anyRule), *ann.FindWarning(jsii.String("*"), anyRule)...) {
			text := flatten(m.Entry.Data)
			rule, _, _ := strings.Cut(text, ": ")
			found = append(found, rule+" on "+*m.Id)
		}
		sort.Strings(found)
		for _, f := range found {
			t.Errorf("cdk-nag: %s", f)
		}
		t.Logf("cdk-nag AwsSolutions: %d unsuppressed findings", len(found))
	})
}
