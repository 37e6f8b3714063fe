package stack_test

import (
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
