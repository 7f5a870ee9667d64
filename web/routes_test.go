package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/connect/connect/internal/auth"
)

type roleDeclarer interface{ RequiredRole() auth.Role }

type route struct {
	method, pattern string
	role            auth.Role
}

func walkRoutes(t *testing.T, h http.Handler) []route {
	t.Helper()
	var out []route
	err := chi.Walk(h.(chi.Routes), func(method, pattern string, handler http.Handler, _ ...func(http.Handler) http.Handler) error {
		g, ok := handler.(roleDeclarer)
		if !ok {
			t.Errorf("%s %s has no declared role: register it with Handler.handle", method, pattern)
			return nil
		}
		out = append(out, route{method, pattern, g.RequiredRole()})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEveryRouteDeclaresARole(t *testing.T) {
	app := newTestApp(t)
	h := app.server.Config.Handler
	routes := walkRoutes(t, h)
	if len(routes) < 10 {
		t.Fatalf("walked only %d routes", len(routes))
	}
	for _, r := range routes {
		if r.method != http.MethodGet && r.role == auth.Public && !signInRoutes[r.pattern] {
			t.Errorf("%s %s changes state but is public", r.method, r.pattern)
		}
	}
}

// concrete fills chi URL parameters with a plausible value.
func concrete(pattern string) string {
	var b strings.Builder
	for _, part := range strings.Split(pattern, "/") {
		if b.Len() > 0 || strings.HasPrefix(pattern, "/") {
			b.WriteString("/")
		}
		switch {
		case strings.HasPrefix(part, "{"):
			b.WriteString("1")
		case part == "*":
			b.WriteString("app.css")
		default:
			b.WriteString(part)
		}
	}
	return strings.TrimPrefix(b.String(), "/")
}

// signInRoutes are the only routes that change state without an
// administrator: signing in and out, and creating the first administrator.
var signInRoutes = map[string]bool{"/login": true, "/logout": true, "/setup": true}

// The expectation comes from the method, not from the role a route
// declares: a POST route declared Helpdesk by mistake fails here.
func TestHelpdeskIsRefusedEveryMutatingRoute(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	app.addUser("help@example.com", "helpdesk")
	helpdesk := app.browser()
	helpdesk.signIn("help@example.com")
	mutating := 0
	for _, r := range walkRoutes(t, app.server.Config.Handler) {
		if r.method == http.MethodGet || r.method == http.MethodHead || signInRoutes[r.pattern] {
			continue
		}
		mutating++
		if r.role != auth.Admin {
			t.Errorf("%s %s changes state but is declared %v, not administrator-only", r.method, r.pattern, r.role)
		}
		req, _ := http.NewRequest(r.method, app.server.URL+concrete(r.pattern),
			strings.NewReader(url.Values{"role": {"admin"}, "disabled": {"false"}, "region": {"australia"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := helpdesk.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		drain(resp)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("helpdesk %s %s: status %d, want 403", r.method, r.pattern, resp.StatusCode)
		}
	}
	if mutating < 10 {
		t.Fatalf("found only %d mutating routes", mutating)
	}
	// And nothing changed: the region is still the default.
	resp := helpdesk.get("/settings")
	doc := parse(t, resp)
	if got := strings.TrimSpace(doc.Find(`[data-testid=region]`).Text()); !strings.HasPrefix(got, "Europe") {
		t.Errorf("region after refused posts = %q, want Europe", got)
	}
}

func TestSignedOutVisitorsAreSentToSignIn(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	for _, r := range walkRoutes(t, app.server.Config.Handler) {
		if r.role == auth.Public || r.method != http.MethodGet {
			continue
		}
		resp := b.get(concrete(r.pattern))
		drain(resp)
		if machineRoute(r.pattern) {
			// Scripts get a 401 with a Bearer challenge, not a sign-in page.
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("GET %s signed out: %d, want 401", r.pattern, resp.StatusCode)
			}
			continue
		}
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
			t.Errorf("GET %s signed out: %d %q, want 303 to /login", r.pattern, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

// machineRoute is a route for monitoring scripts, which accepts an API token.
func machineRoute(pattern string) bool {
	return strings.HasPrefix(pattern, "/api/") || pattern == "/metrics"
}
