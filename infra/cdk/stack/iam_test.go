package stack_test

import (
	"fmt"
	"strings"
	"testing"
)

// wildcardGrants returns a description of every Allow statement in the
// policy document that grants a wildcard action ("*" or "service:*") on
// the wildcard resource "*".
func wildcardGrants(doc any) []string {
	var bad []string
	for _, st := range list(path(doc, "Statement")) {
		if path(st, "Effect") != "Allow" {
			continue
		}
		var anyRes bool
		for _, r := range list(path(st, "Resource")) {
			if r == "*" {
				anyRes = true
			}
		}
		if !anyRes {
			continue
		}
		for _, a := range list(path(st, "Action")) {
			s, _ := a.(string)
			if s == "*" || strings.HasSuffix(s, ":*") {
				bad = append(bad, fmt.Sprintf("%s on *", s))
			}
		}
	}
	return bad
}

func TestWildcardGrants(t *testing.T) {
	doc := func(stmts ...map[string]any) any {
		l := make([]any, len(stmts))
		for i, s := range stmts {
			l[i] = s
		}
		return map[string]any{"Statement": l}
	}
	tests := []struct {
		name string
		doc  any
		want int
	}{
		{"star on star", doc(map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"}), 1},
		{"service star in list", doc(map[string]any{"Effect": "Allow", "Action": []any{"s3:GetObject", "s3:*"}, "Resource": []any{"*"}}), 1},
		{"scoped resource", doc(map[string]any{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}), 0},
		{"specific action on star", doc(map[string]any{"Effect": "Allow", "Action": "cloudfront:CreateInvalidation", "Resource": "*"}), 0},
		{"deny is fine", doc(map[string]any{"Effect": "Deny", "Action": "*", "Resource": "*"}), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := len(wildcardGrants(tt.doc)); got != tt.want {
				t.Errorf("wildcardGrants: got %d findings, want %d", got, tt.want)
			}
		})
	}
}

// TestIAMScoping walks every identity policy in the template (managed,
// inline on roles, and AWS::IAM::Policy): no wildcard action on the
// wildcard resource, and no *FullAccess or administrator managed policy.
func TestIAMScoping(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		var docs int
		for id, r := range fx.t.Resources {
			switch r.Type {
			case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
				docs++
				for _, b := range wildcardGrants(r.Properties["PolicyDocument"]) {
					t.Errorf("%s grants %s", id, b)
				}
			case "AWS::IAM::Role":
				for _, p := range list(r.Properties["Policies"]) {
					docs++
					for _, b := range wildcardGrants(path(p, "PolicyDocument")) {
						t.Errorf("%s (inline) grants %s", id, b)
					}
				}
				for _, arn := range list(r.Properties["ManagedPolicyArns"]) {
					s := flatten(arn)
					if strings.Contains(s, "FullAccess") || strings.Contains(s, "AdministratorAccess") || strings.HasSuffix(s, "/PowerUserAccess") {
						t.Errorf("%s has managed policy %s", id, s)
					}
				}
			}
		}
		if docs < len(fx.t.functions()) {
			t.Errorf("walked %d policy documents, want at least one per function (%d)", docs, len(fx.t.functions()))
		}
	})
}

// TestBedrockScoped checks that Bedrock is granted on the stage's model
// ARNs only, and only to the functions that call it.
func TestBedrockScoped(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		granted := map[string]bool{}
		for _, id := range fx.t.ofType("AWS::IAM::Policy") {
			r := fx.t.Resources[id]
			for _, st := range list(path(r.Properties, "PolicyDocument", "Statement")) {
				var bedrock bool
				for _, a := range list(path(st, "Action")) {
					if s, _ := a.(string); strings.HasPrefix(s, "bedrock:") {
						bedrock = true
						if s != "bedrock:InvokeModel" && s != "bedrock:InvokeModelWithResponseStream" {
							t.Errorf("%s: unexpected Bedrock action %s", id, s)
						}
					}
				}
				if !bedrock {
					continue
				}
				for _, res := range list(path(st, "Resource")) {
					s := flatten(res)
					if !strings.Contains(s, fx.stage.ChatModelID) && !strings.Contains(s, fx.stage.EmbedModelID) {
						t.Errorf("%s: Bedrock resource %s is not a configured model", id, s)
					}
				}
				for fn, fid := range fx.t.functions() {
					roleID := refs(fx.t.Resources[fid].Properties["Role"])
					for _, role := range list(r.Properties["Roles"]) {
						if len(roleID) > 0 && refersTo(role, roleID[0]) {
							granted[fn] = true
						}
					}
				}
			}
		}
		want := map[string]bool{"chat": true, "ingest": true, "health": true, "mcp": true} // mcp: the embedding model only
		for fn := range fx.t.functions() {
			if granted[fn] != want[fn] {
				t.Errorf("function %s: Bedrock granted %v, want %v", fn, granted[fn], want[fn])
			}
		}
	})
}
