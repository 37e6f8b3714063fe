package stack_test

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/resync/resync/infra/cdk/stack"
	"github.com/resync/resync/shared/edge/routes"
	"github.com/resync/resync/shared/edge/stage"
)

// TestMFARequired checks that the user pool requires MFA with an
// authenticator app (TOTP) and offers no SMS factor: operators and admins
// can kill production jobs, and Cognito cannot require MFA per group.
func TestMFARequired(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		pool, ok := fx.t.Resources[stack.IDUserPool]
		if !ok {
			t.Fatalf("no user pool %s", stack.IDUserPool)
		}
		if got := pool.Properties["MfaConfiguration"]; got != "ON" {
			t.Errorf("MfaConfiguration = %v, want ON (required)", got)
		}
		factors := list(pool.Properties["EnabledMfas"])
		if len(factors) != 1 || factors[0] != "SOFTWARE_TOKEN_MFA" {
			t.Errorf("EnabledMfas = %v, want [SOFTWARE_TOKEN_MFA]", factors)
		}
	})
}

// TestEveryStageRunsProductionChecks checks that the STAGE every function
// gets in AWS — dev included — is one that shared/edge/stage judges with
// production's checks, not a local stage.
func TestEveryStageRunsProductionChecks(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		for _, name := range routes.Functions() {
			v := flatten(path(fx.t.Resources[fx.t.functions()[name]].Properties, "Environment", "Variables", stack.EnvStage))
			st, err := stage.Parse(v)
			if err != nil {
				t.Errorf("%s: STAGE=%q: %v", name, v, err)
				continue
			}
			if !st.Checked() {
				t.Errorf("%s: STAGE=%q is the local stage %s: the function would start without production's checks", name, v, st)
			}
		}
	})
}

// statements returns every Allow statement of the identity policies
// attached to function fn's role.
func (fx fixture) statements(t *testing.T, fn string) []any {
	t.Helper()
	fid, ok := fx.t.functions()[fn]
	if !ok {
		t.Fatalf("no function %s", fn)
	}
	role := refs(fx.t.Resources[fid].Properties["Role"])[0]
	var out []any
	for _, pid := range fx.t.ofType("AWS::IAM::Policy") {
		p := fx.t.Resources[pid].Properties
		if !refersTo(p["Roles"], role) {
			continue
		}
		for _, st := range list(path(p, "PolicyDocument", "Statement")) {
			if path(st, "Effect") == "Allow" {
				out = append(out, st)
			}
		}
	}
	return out
}

// actionsWithPrefix returns the statement's actions that start with prefix.
func actionsWithPrefix(st any, prefix string) []string {
	var out []string
	for _, a := range list(path(st, "Action")) {
		if s, _ := a.(string); strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

// TestSecretsPerFunction checks that each function may read exactly the
// secrets it reads at start: the cache's AUTH token and Neo4j's for all,
// HWA's for all but admin, which never calls HWA.
func TestSecretsPerFunction(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		for _, fn := range routes.Functions() {
			var got []string
			for _, st := range fx.statements(t, fn) {
				if len(actionsWithPrefix(st, "secretsmanager:")) == 0 {
					continue
				}
				for _, r := range list(path(st, "Resource")) {
					ids := refs(r)
					if len(ids) != 1 {
						t.Errorf("%s: secrets statement on %s, want one secret by reference", fn, flatten(r))
						continue
					}
					got = append(got, ids[0])
				}
			}
			sort.Strings(got)
			want := []string{stack.IDCacheAuthToken, stack.IDNeo4jSecret}
			if fn != routes.Admin {
				want = append(want, stack.IDHWASecret)
			}
			if fn == routes.Health { // it posts alerts to the chat webhooks
				want = append(want, stack.IDAlertsSecret)
			}
			sort.Strings(want)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s reads secrets %v, want %v", fn, got, want)
			}
		}
	})
}

// TestAdminDocumentsScope checks admin's rights on the documents bucket:
// PutObject under the upload prefix and DeleteObject on documents, and no
// read, list or write anywhere else in it.
func TestAdminDocumentsScope(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		got := map[string][]string{}
		for _, st := range fx.statements(t, routes.Admin) {
			acts := actionsWithPrefix(st, "s3:")
			if len(acts) == 0 {
				continue
			}
			for _, r := range list(path(st, "Resource")) {
				res := flatten(r)
				if strings.Contains(res, "<"+stack.IDAuditBucket+".Arn>") {
					continue // the audit trail's rights: TestAuditWriters
				}
				if !strings.Contains(res, "<"+stack.IDDocumentsBucket+".Arn>") {
					t.Errorf("admin: S3 rights on %s, which is not the documents bucket", res)
				}
				for _, a := range acts {
					got[a] = append(got[a], res)
				}
			}
		}
		want := map[string]string{
			"s3:PutObject":    "<" + stack.IDDocumentsBucket + ".Arn>/" + routes.UploadPrefix + "*",
			"s3:DeleteObject": "<" + stack.IDDocumentsBucket + ".Arn>/*",
		}
		for a, res := range got {
			w, ok := want[a]
			if !ok {
				t.Errorf("admin may %s on %v; it may only put uploads and delete documents", a, res)
				continue
			}
			if len(res) != 1 || res[0] != w {
				t.Errorf("admin %s on %v, want only %s", a, res, w)
			}
		}
		for a := range want {
			if _, ok := got[a]; !ok {
				t.Errorf("admin lacks %s (uploads or deletes would fail)", a)
			}
		}
	})
}

// TestCSPNamesOwnHosts checks that connect-src names the stack's own HTTP
// API, WebSocket API, hosted UI and documents bucket — by reference to
// those resources — and no wildcard host.
func TestCSPNamesOwnHosts(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		id := fx.t.ofType("AWS::CloudFront::ResponseHeadersPolicy")[0]
		csp := flatten(path(fx.t.Resources[id].Properties, "ResponseHeadersPolicyConfig", "SecurityHeadersConfig", "ContentSecurityPolicy", "ContentSecurityPolicy"))
		var connect []string
		for _, d := range strings.Split(csp, ";") {
			if f := strings.Fields(d); len(f) > 0 && f[0] == "connect-src" {
				connect = f[1:]
			}
		}
		if len(connect) == 0 {
			t.Fatalf("CSP %q has no connect-src", csp)
		}
		for _, src := range connect {
			if strings.Contains(src, "*") {
				t.Errorf("connect-src admits the wildcard %s", src)
			}
		}
		want := []*regexp.Regexp{
			regexp.MustCompile(`^'self'$`),
			regexp.MustCompile(`^<` + fx.t.apiID("HTTP") + `\.ApiEndpoint>$`),
			regexp.MustCompile(`^<` + fx.t.apiID("WEBSOCKET") + `\.ApiEndpoint>$`),
			regexp.MustCompile(`^https://resync-` + fx.stage.Name + `-<AWS::AccountId>\.auth\.<AWS::Region>\.amazoncognito\.com$`),
			regexp.MustCompile(`^https://cognito-idp\.<AWS::Region>\.amazonaws\.com$`),
			regexp.MustCompile(`^https://<` + stack.IDDocumentsBucket + `\.RegionalDomainName>$`),
		}
		if len(connect) != len(want) {
			t.Errorf("connect-src %v, want %d sources", connect, len(want))
		}
		for _, re := range want {
			var found bool
			for _, src := range connect {
				found = found || re.MatchString(src)
			}
			if !found {
				t.Errorf("connect-src %v lacks %s", connect, re)
			}
		}
	})
}

// TestAuditWriters checks the audit trail's writers (chat, admin, mcp, health) may put,
// get and list records under the audit prefix, and nothing else there: no
// delete, no tagging, no Object Lock retention or legal hold.
func TestAuditWriters(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		for _, fn := range routes.Functions() {
			var got []string
			for _, st := range fx.statements(t, fn) {
				for _, r := range list(path(st, "Resource")) {
					if !strings.Contains(flatten(r), "<"+stack.IDAuditBucket+".Arn>") {
						continue
					}
					for _, a := range actionsWithPrefix(st, "s3:") {
						got = append(got, a+" "+flatten(r))
					}
				}
			}
			sort.Strings(got)
			var want []string
			// mcp confirms proposals like chat; health audits dead-letter replays
			if fn == routes.Chat || fn == routes.Admin || fn == routes.MCP || fn == routes.Health {
				objects := "<" + stack.IDAuditBucket + ".Arn>/" + stack.AuditPrefix + "*"
				want = []string{"s3:GetObject " + objects, "s3:GetObjectVersion " + objects, "s3:ListBucketVersions <" + stack.IDAuditBucket + ".Arn>", "s3:PutObject " + objects}
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s on the audit bucket: %v, want %v", fn, got, want)
			}
		}
	})
}
