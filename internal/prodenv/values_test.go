package prodenv

import (
	"reflect"
	"testing"
)

// Every variable the prod template gives any function has a local value in
// Values, the one table both the boot tests and make prod-local use.
func TestValuesCoverTheTemplate(t *testing.T) {
	names, err := Names()
	if err != nil {
		t.Fatal(err)
	}
	values := Values(Local{})
	for fn, list := range names {
		if _, missing := Select(list, values); len(missing) > 0 {
			t.Errorf("%s: no local value for %v", fn, missing)
		}
	}
}

func TestSelect(t *testing.T) {
	env, missing := Select([]string{"A", "B", "C"}, map[string]string{"A": "1", "C": "", "D": "4"})
	if want := map[string]string{"A": "1", "C": ""}; !reflect.DeepEqual(env, want) {
		t.Errorf("env = %v, want %v", env, want)
	}
	if want := []string{"B"}; !reflect.DeepEqual(missing, want) {
		t.Errorf("missing = %v, want %v", missing, want)
	}
}
