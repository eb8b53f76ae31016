package http

import (
	"fmt"
	"net/http"

	"github.com/updateservice/updateservice/domain"
)

// Role is what the holder of an API key may do in its account.
type Role string

// The roles, from most to least allowed.
const (
	// RoleAdmin may do everything.
	RoleAdmin Role = "admin"
	// RoleOperator runs rollouts: campaigns, devices and firmware.
	RoleOperator Role = "operator"
	// RoleAuditor reads everything, the history included, and writes
	// nothing.
	RoleAuditor Role = "auditor"
)

// ParseRole parses a role name; empty is admin, so that keys configured
// before roles existed keep every right they had.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case "":
		return RoleAdmin, nil
	case RoleAdmin, RoleOperator, RoleAuditor:
		return r, nil
	default:
		return "", fmt.Errorf("unknown role %q: want admin, operator or auditor", s)
	}
}

// mayWrite reports whether the role may change anything.
func (r Role) mayWrite() bool {
	switch r {
	case RoleAdmin, RoleOperator:
		return true
	case RoleAuditor:
		return false
	default:
		return false
	}
}

// Grant is what one API key grants: an account to act in and a role.
type Grant struct {
	Account domain.AccountID
	Role    Role
}

// isRead reports whether a request only reads: the methods HTTP defines
// as safe.
func isRead(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	default:
		return false
	}
}

// authorize answers 403, naming the role, a write sent with a key whose
// role may only read; it comes after authenticate, which put the role in
// the context.
func (d Deps) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if role := roleOf(r.Context()); !isRead(r) && !role.mayWrite() {
			writeError(w, r, d.Log, statusError{http.StatusForbidden, "forbidden",
				fmt.Sprintf("this API key has the %s role, which may only read: %s %s needs an operator or admin key", role, r.Method, r.URL.Path)})
			return
		}
		next.ServeHTTP(w, r)
	})
}
