package stack_test

import (
	"strings"
	"testing"

	"github.com/resync/resync/infra/cdk/stack"
)

// TestAuditBucket pins the durable audit trail's bucket: Object Lock with
// the default retention (compliance mode where the stage retains its data),
// versioned, retained whatever the stage, a lifecycle rule that expires
// records only after their retention, a policy refusing writes without
// If-None-Match, and puts granted to the functions that write audit records
// (chat, admin) only, under audit/*.
func TestAuditBucket(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		r, ok := fx.t.Resources[stack.IDAuditBucket]
		if !ok || r.Type != "AWS::S3::Bucket" {
			t.Fatalf("no bucket with logical id %s", stack.IDAuditBucket)
		}
		if r.DeletionPolicy != "Retain" {
			t.Errorf("audit bucket DeletionPolicy %q, want Retain in every stage", r.DeletionPolicy)
		}
		p := r.Properties
		if p["ObjectLockEnabled"] != true {
			t.Errorf("ObjectLockEnabled = %v", p["ObjectLockEnabled"])
		}
		mode := "GOVERNANCE"
		if fx.stage.Retain {
			mode = "COMPLIANCE"
		}
		ret := path(p, "ObjectLockConfiguration", "Rule", "DefaultRetention")
		if path(ret, "Mode") != mode || path(ret, "Days") != float64(stack.AuditRetentionDays) {
			t.Errorf("default retention %v, want %s for %d days", ret, mode, stack.AuditRetentionDays)
		}
		rules := list(path(p, "LifecycleConfiguration", "Rules"))
		if len(rules) != 1 || path(rules[0], "Prefix") != stack.AuditPrefix || path(rules[0], "Status") != "Enabled" {
			t.Fatalf("lifecycle rules %v, want one on %s", rules, stack.AuditPrefix)
		}
		if days, _ := path(rules[0], "ExpirationInDays").(float64); days <= stack.AuditRetentionDays {
			t.Errorf("records expire after %v days, within their retention of %d", days, stack.AuditRetentionDays)
		}

		var createOnly bool
		for _, id := range fx.t.ofType("AWS::S3::BucketPolicy") {
			bp := fx.t.Resources[id].Properties
			if !refersTo(bp["Bucket"], stack.IDAuditBucket) {
				continue
			}
			for _, st := range list(path(bp, "PolicyDocument", "Statement")) {
				if path(st, "Effect") == "Deny" && path(st, "Action") == "s3:PutObject" &&
					path(st, "Condition", "Null", "s3:if-none-match") == "true" && strings.Contains(flatten(path(st, "Resource")), "/audit/*") {
					createOnly = true
				}
			}
		}
		if !createOnly {
			t.Error("no bucket policy denies a PutObject under audit/ without If-None-Match")
		}

		// Who may put into the audit bucket, and where.
		puts := map[string]bool{}
		for _, id := range fx.t.ofType("AWS::IAM::Policy") {
			pol := fx.t.Resources[id]
			for _, st := range list(path(pol.Properties, "PolicyDocument", "Statement")) {
				acts := flatten(path(st, "Action"))
				res := flatten(path(st, "Resource"))
				if !strings.Contains(acts, "s3:PutObject") || !strings.Contains(res, stack.IDAuditBucket) {
					continue
				}
				if !strings.Contains(res, "/audit/*") {
					t.Errorf("%s: audit bucket put on %s, want only audit/*", id, res)
				}
				for fn, fid := range fx.t.functions() {
					role := refs(fx.t.Resources[fid].Properties["Role"])
					for _, rr := range list(pol.Properties["Roles"]) {
						if len(role) > 0 && refersTo(rr, role[0]) {
							puts[fn] = true
						}
					}
				}
			}
		}
		// mcp confirms proposals like chat; health audits the replays of dead letters
		want := map[string]bool{"chat": true, "admin": true, "mcp": true, "health": true}
		for fn := range fx.t.functions() {
			if puts[fn] != want[fn] {
				t.Errorf("function %s: may put audit records %v, want %v", fn, puts[fn], want[fn])
			}
		}
	})
}
