package auth

import "fmt"

// Role is what a route requires, or what an account has.
type Role int

const (
	// Public routes need no sign-in.
	Public Role = iota
	// Helpdesk is read-only: status pages, history, directory look-up.
	Helpdesk
	// Admin may do everything.
	Admin
)

func (r Role) String() string {
	switch r {
	case Public:
		return "public"
	case Helpdesk:
		return "helpdesk"
	case Admin:
		return "admin"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// Label is the role as people read it.
func (r Role) Label() string {
	switch r {
	case Admin:
		return "Administrator"
	case Helpdesk:
		return "Helpdesk"
	}
	return "Visitor"
}

// ParseRole reads the stored or typed role name.
func ParseRole(s string) (Role, error) {
	switch s {
	case "admin":
		return Admin, nil
	case "helpdesk":
		return Helpdesk, nil
	}
	return Public, fmt.Errorf("role %q is not admin or helpdesk", s)
}

// Allows tells whether an account with role has may use a route requiring need.
func (has Role) Allows(need Role) bool { return has >= need }
