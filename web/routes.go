package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/connect/connect/internal/auth"
)

// Routes is the whole application, readable top to bottom. Every route says
// which role it needs; web's tests walk this table to prove it.
func (h *Handler) Routes() http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.RequestID, middleware.ClientIPFromRemoteAddr, h.metrics.Middleware, h.logRequests, h.recoverPanics,
		h.securityHeaders, h.crossOrigin, h.limitBodies)

	withSession := func(fn http.HandlerFunc) http.HandlerFunc {
		return h.sessions.LoadAndSave(h.loadViewer(fn)).ServeHTTP
	}
	r.NotFound(withSession(h.notFound))
	r.MethodNotAllowed(withSession(h.methodNotAllowed))

	// Outside the session: assets and probes must not touch the session table.
	h.handle(r, http.MethodGet, "/static/*", auth.Public, h.assets.Handler().ServeHTTP)
	h.handle(r, http.MethodGet, "/healthz", auth.Public, h.healthz)
	h.handle(r, http.MethodGet, "/readyz", auth.Public, h.readyz)

	r.Group(func(r chi.Router) {
		r.Use(h.sessions.LoadAndSave, h.loadViewer)

		// Signing in and the one-time first-administrator setup.
		h.handle(r, http.MethodGet, "/login", auth.Public, h.loginForm)
		h.handle(r, http.MethodPost, "/login", auth.Public, h.loginSubmit)
		h.handle(r, http.MethodPost, "/logout", auth.Public, h.logout)
		h.handle(r, http.MethodGet, "/setup", auth.Public, h.setupForm)
		h.handle(r, http.MethodPost, "/setup", auth.Public, h.setupSubmit)

		h.handle(r, http.MethodGet, "/", auth.Helpdesk, h.home)

		// Flow 1: Azure AD directory synchronization. Everyone signed in may
		// look; only administrators change anything.
		h.handle(r, http.MethodGet, "/directory-sync", auth.Helpdesk, h.directorySyncPage)
		h.handle(r, http.MethodGet, "/directory-sync/azure/new", auth.Admin, h.wizardForm)
		h.handle(r, http.MethodPost, "/directory-sync/azure", auth.Admin, h.wizardSubmit)
		h.handle(r, http.MethodGet, "/connections/{id}", auth.Helpdesk, h.connectionSummary)
		h.handle(r, http.MethodGet, "/connections/{id}/validation", auth.Helpdesk, h.validationPage)
		h.handle(r, http.MethodGet, "/connections/{id}/edit", auth.Admin, h.connectionEditForm)
		h.handle(r, http.MethodPost, "/connections/{id}/edit", auth.Admin, h.connectionEditSubmit)
		h.handle(r, http.MethodPost, "/connections/{id}/sync", auth.Admin, h.syncNow)
		h.handle(r, http.MethodPost, "/connections/{id}/threshold", auth.Admin, h.setDeleteThreshold)
		h.handle(r, http.MethodPost, "/connections/{id}/disable", auth.Admin, h.connectionSetEnabled(false))
		h.handle(r, http.MethodPost, "/connections/{id}/enable", auth.Admin, h.connectionSetEnabled(true))
		h.handle(r, http.MethodGet, "/connections/{id}/delete", auth.Admin, h.connectionDeleteConfirm)
		h.handle(r, http.MethodPost, "/connections/{id}/delete", auth.Admin, h.connectionDelete)

		// Status pages (helpdesk): health, run history and logs.
		h.handle(r, http.MethodGet, "/status", auth.Helpdesk, h.statusPage)
		h.handle(r, http.MethodGet, "/connections/{id}/runs", auth.Helpdesk, h.runsPage)
		h.handle(r, http.MethodGet, "/runs/{id}", auth.Helpdesk, h.runDetailPage)
		h.handle(r, http.MethodPost, "/runs/{id}/approve", auth.Admin, h.decideRun(true))
		h.handle(r, http.MethodPost, "/runs/{id}/reject", auth.Admin, h.decideRun(false))
		h.handle(r, http.MethodGet, "/runs/{id}/cancel", auth.Admin, h.cancelRunConfirm)
		h.handle(r, http.MethodPost, "/runs/{id}/cancel", auth.Admin, h.cancelRun)
		h.handle(r, http.MethodGet, "/directory", auth.Helpdesk, h.directorySearch)
		h.handle(r, http.MethodGet, "/directory/{conn}/users/{id}", auth.Helpdesk, h.directoryUserPage)
		h.handle(r, http.MethodGet, "/directory/{conn}/groups/{id}", auth.Helpdesk, h.directoryGroupPage)
		// Flow 2: the Office 365 association for server connections. Its
		// summary, validation and deletion are the /connections/{id} routes.
		h.handle(r, http.MethodGet, "/server-connections/office365", auth.Helpdesk, h.serverConnectionsPage)
		h.handle(r, http.MethodPost, "/server-connections/office365", auth.Admin, h.serverConnectionSubmit)
		h.handle(r, http.MethodPost, "/server-connections/office365/certificates", auth.Admin, h.serverCertificateGenerate)
		h.handle(r, http.MethodGet, "/server-connections/office365/certificates/{id}/download", auth.Helpdesk, h.serverCertificateDownload)
		h.handle(r, http.MethodPost, "/server-connections/office365/{id}/switch", auth.Admin, h.serverConnectionSwitch)

		// Accounts (administrators only).
		h.handle(r, http.MethodGet, "/users", auth.Admin, h.usersPage)
		h.handle(r, http.MethodPost, "/users", auth.Admin, h.userCreate)
		h.handle(r, http.MethodPost, "/users/{id}", auth.Admin, h.userUpdate)

		// Account-wide settings: everyone reads, administrators change.
		h.handle(r, http.MethodGet, "/settings", auth.Helpdesk, h.settingsPage)
		h.handle(r, http.MethodPost, "/settings", auth.Admin, h.settingsSubmit)
		h.handle(r, http.MethodPost, "/settings/tokens", auth.Admin, h.apiTokenCreate)
		h.handle(r, http.MethodPost, "/settings/tokens/{id}/revoke", auth.Admin, h.apiTokenRevoke)

		// What people did, for administrators.
		h.handle(r, http.MethodGet, "/audit", auth.Admin, h.auditPage)
	})

	// Monitoring: a session or an API token (Authorization: Bearer). GET
	// only, so a token can never change anything and CSRF has nothing to
	// ride on. /metrics asks for the same as the status API rather than
	// being public, because its labels name tenants.
	r.Group(func(r chi.Router) {
		r.Use(h.sessions.LoadAndSave, h.loadViewer, h.bearerToken)
		h.handle(r, http.MethodGet, "/api/v1/status", auth.Helpdesk, h.apiStatus)
		h.handle(r, http.MethodGet, "/metrics", auth.Helpdesk, h.metrics.Handler().ServeHTTP)
	})
	return r
}
