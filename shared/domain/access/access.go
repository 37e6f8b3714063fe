// Package access says who may do what: the roles a caller can hold, ordered
// viewer < operator < admin, and the rule that a role allows what a lower one
// does. The edge (shared/edge/auth) finds a caller's role in their token; the
// services (shared/app/agent) decide with it. It needs only the standard
// library.
package access

// Role is what a caller may do. Roles are ordered: viewer < operator < admin.
// The zero value RoleNone grants nothing.
type Role string

// Roles, from least to most privileged. The names equal the Cognito groups.
const (
	RoleNone     Role = ""
	RoleViewer   Role = "viewer"
	RoleOperator Role = "operator"
	RoleAdmin    Role = "admin"
)

// level returns the rank of r; unknown roles rank with RoleNone.
func (r Role) level() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleOperator:
		return 2
	case RoleAdmin:
		return 3
	default:
		return 0
	}
}

// Valid reports whether r is one of viewer, operator or admin.
func (r Role) Valid() bool { return r.level() > 0 }

// Allows reports whether a caller with role r may use something that needs
// role need. Everyone is allowed what needs RoleNone.
func (r Role) Allows(need Role) bool { return r.level() >= need.level() }

// Above reports whether r ranks strictly higher than other.
func (r Role) Above(other Role) bool { return r.level() > other.level() }
