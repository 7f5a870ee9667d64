package web

import (
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/templates"
)

const auditPageSize = 50

// audit records what the signed-in person did. A failure to record is
// logged but does not undo or refuse the action: the action has already
// happened, and the request log still has it.
func (h *Handler) audit(r *http.Request, action, target, detail string) {
	var id int64
	var email string
	if u := viewer(r); u != nil {
		id, email = u.ID, u.Email
	}
	h.auditAs(r, id, email, action, target, detail)
}

// auditAs records an event for an actor who is not (yet) the viewer: the
// person signing in.
func (h *Handler) auditAs(r *http.Request, actorID int64, actorEmail, action, target, detail string) {
	e := store.AuditEvent{At: h.now(), ActorID: actorID, ActorEmail: actorEmail,
		Address: middleware.GetClientIP(r.Context()), Action: action, Target: target, Detail: detail}
	if err := h.store.RecordAudit(r.Context(), e); err != nil {
		h.log.Error("audit event not recorded", "request_id", middleware.GetReqID(r.Context()), "action", action, "err", err)
	}
}

var auditLabels = map[string]string{
	store.AuditSignIn: "Signed in", store.AuditSignInFailed: "Sign-in failed", store.AuditSignOut: "Signed out",
	store.AuditUserAdded: "User added", store.AuditUserChanged: "User changed",
	store.AuditConnectionCreated: "Connection created", store.AuditConnectionEdited: "Connection edited",
	store.AuditConnectionState: "Connection enabled or disabled", store.AuditConnectionDeleted: "Connection deleted",
	store.AuditSyncRequested: "Sync now", store.AuditRunApproved: "Run approved", store.AuditRunRejected: "Run rejected",
	store.AuditRunCancelled:    "Run cancelled",
	store.AuditSettingsChanged: "Settings changed", store.AuditTokenCreated: "API token created", store.AuditTokenRevoked: "API token revoked",
	store.AuditCertificateAdded: "Certificate generated",
}

func (h *Handler) auditPage(w http.ResponseWriter, r *http.Request) {
	page := pageNumber(r, "page")
	// One more than a page tells whether there is a next page without
	// counting a table that only grows.
	events, err := h.store.AuditEvents(r.Context(), auditPageSize+1, (page-1)*auditPageSize)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	reg, loc, err := h.regionZone(r)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	now := h.now()
	more := len(events) > auditPageSize
	events = events[:min(len(events), auditPageSize)]
	v := templates.AuditView{RegionZone: reg.TimeZone()}
	total := (page-1)*auditPageSize + len(events)
	if more {
		total++
	}
	v.Pager = pager(r, "page", page, auditPageSize, total, "events")
	v.Pager.Total = 0 // not counted: only whether there is more
	for i, e := range events {
		row := templates.AuditRow{When: timeView(e.At, now, loc, fmt.Sprintf("audit-local-%d", i)),
			Who: orDefault(e.ActorEmail, "—"), Address: e.Address, Action: e.Action,
			ActionLabel: orDefault(auditLabels[e.Action], e.Action), Target: e.Target, Detail: e.Detail}
		v.Rows = append(v.Rows, row)
	}
	h.render(w, r, http.StatusOK, templates.AuditPage(h.page(r, "Audit log", "audit"), v))
}
