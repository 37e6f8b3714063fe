package access

import "testing"

func TestRoleOrder(t *testing.T) {
	order := []Role{RoleNone, RoleViewer, RoleOperator, RoleAdmin}
	for i, r := range order {
		for j, need := range order {
			if got, want := r.Allows(need), i >= j; got != want {
				t.Errorf("%q.Allows(%q) = %v, want %v", r, need, got, want)
			}
			if got, want := r.Above(need), i > j; got != want {
				t.Errorf("%q.Above(%q) = %v, want %v", r, need, got, want)
			}
		}
		if got, want := r.Valid(), i > 0; got != want {
			t.Errorf("%q.Valid() = %v, want %v", r, got, want)
		}
	}
	unknown := Role("root")
	if unknown.Valid() || unknown.Allows(RoleViewer) || !unknown.Allows(RoleNone) {
		t.Errorf("an unknown role must rank with RoleNone")
	}
}
