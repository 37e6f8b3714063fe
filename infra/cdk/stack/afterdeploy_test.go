package stack_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/resync/resync/shared/edge/routes"
)

// Every schedule marked AtStart (topology-sync) is invoked once after a
// deployment by a custom resource: an asynchronous Lambda invoke of that
// schedule's function with the Scheduled Event of its rule, keyed on the
// function's version so each deploy that changes the function fires again.
func TestAtStartSchedulesFireAfterDeploy(t *testing.T) {
	eachStage(t, func(t *testing.T, fx fixture) {
		fns := fx.t.functions()
		for _, sc := range routes.Schedules() {
			if !sc.AtStart {
				continue
			}
			found := false
			for _, id := range fx.t.ofType("Custom::AWS") {
				p := fx.t.Resources[id].Properties
				create, update := flatten(p["Create"]), flatten(p["Update"])
				if !refersTo(p["Create"], fns[sc.Function]) {
					continue
				}
				found = true
				for what, call := range map[string]string{"Create": create, "Update": update} {
					for _, want := range []string{`"service":"Lambda"`, `"action":"invoke"`, `"InvocationType":"Event"`, `aws.events`, `Scheduled Event`} {
						if !strings.Contains(strings.ReplaceAll(call, `\"`, `"`), want) {
							t.Errorf("%s: %s call lacks %s: %s", sc.Name, what, want, call)
						}
					}
				}
			}
			if !found {
				t.Errorf("no custom resource invokes %s after deployment for %s", sc.Function, sc.Name)
			}
		}
	})
}

// internal/prodenv's prod-env.json, which the functions' boot tests use,
// names exactly the variables the synthesized prod stage gives each
// function.
func TestProdEnvironmentIsPackageProdenvs(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "internal", "prodenv", "prod-env.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file map[string]any
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	for _, fx := range fixtures {
		if fx.stage.Name != "prod" {
			continue
		}
		fns := fx.t.functions()
		for _, name := range routes.Functions() {
			vars, _ := path(fx.t.Resources[fns[name]].Properties, "Environment", "Variables").(map[string]any)
			var got []string
			for k := range vars {
				got = append(got, k)
			}
			sort.Strings(got)
			var want []string
			list, _ := file[name].([]any)
			for _, v := range list {
				want = append(want, v.(string))
			}
			sort.Strings(want)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s: the prod template sets %v; prod-env.json says %v", name, got, want)
			}
		}
		return
	}
	t.Fatal("no prod stage synthesized")
}
