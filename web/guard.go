package web

import (
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/connect/connect/internal/auth"
)

// guarded is the only way a route is registered: it carries the role the
// route needs, so a test can walk the router and find any route without one.
type guarded struct {
	role auth.Role
	h    *Handler
	next http.Handler
}

// RequiredRole is what the route demands of the signed-in account.
func (g guarded) RequiredRole() auth.Role { return g.role }

func (g guarded) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.role == auth.Public {
		g.next.ServeHTTP(w, r)
		return
	}
	if viewer(r) == nil {
		target := "/login"
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			target += "?next=" + url.QueryEscape(r.URL.RequestURI())
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	if !viewerRole(r).Allows(g.role) {
		g.h.forbidden(w, r)
		return
	}
	g.next.ServeHTTP(w, r)
}

// handle registers one route with the role it requires.
func (h *Handler) handle(r chi.Router, method, pattern string, role auth.Role, fn http.HandlerFunc) {
	r.Method(method, pattern, guarded{role: role, h: h, next: fn})
}
