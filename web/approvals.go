package web

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/templates"
)

// pendingShown is how many deletions the run page lists.
const pendingShown = 200

// approvalView describes a run held for approval, or nil for any other run.
func (h *Handler) approvalView(r *http.Request, run store.Run, c store.Connection) (*templates.ApprovalView, error) {
	if run.State != store.RunAwaitingApproval {
		return nil, nil
	}
	dels, err := h.store.PendingDeletions(r.Context(), run.ID, pendingShown, 0)
	if err != nil {
		return nil, err
	}
	a := &templates.ApprovalView{RunID: run.ID, Threshold: c.DeleteThreshold, Users: run.UsersDeleted, Groups: run.GroupsDeleted,
		CanDecide: viewerRole(r).Allows(auth.Admin)}
	for _, d := range dels {
		row := templates.DeletionRow{Kind: "User", DisplayName: d.DisplayName, Detail: orDefault(d.UserPrincipalName, d.Mail), ID: d.ID}
		if d.Kind != store.MemberUser {
			row.Kind = "Group"
		}
		a.Deletions = append(a.Deletions, row)
	}
	a.More = max(0, run.UsersDeleted+run.GroupsDeleted-len(dels))
	return a, nil
}

// decideRun approves (apply) or rejects (discard) a run awaiting approval.
func (h *Handler) decideRun(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := chi.URLParam(r, "id")
		run, err := h.store.RunByID(r.Context(), id)
		if h.lookupFailed(w, r, err) {
			return
		}
		who := viewer(r).Email
		action, msg := store.AuditRunRejected, "Rejected: nothing was deleted or changed. The next run will ask again."
		if approve {
			action, msg = store.AuditRunApproved, "Approved: the run's changes, deletions included, are applied."
			err = h.store.ApproveRun(r.Context(), id, who)
		} else {
			err = h.store.RejectRun(r.Context(), id, who)
		}
		switch {
		case errors.Is(err, store.ErrRunNotAwaiting):
			h.flash(r, "info", "This run is no longer waiting for a decision: someone decided already, or a newer run replaced it.")
		case err != nil:
			h.serverError(w, r, err)
			return
		default:
			h.audit(r, action, run.ID, "connection "+run.ConnectionID)
			h.flash(r, "success", msg)
		}
		h.redirect(w, r, "/runs/"+id)
	}
}
