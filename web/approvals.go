package web

import (
	"errors"
	"net/http"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/templates"
)

// pendingShown is how many deletions the run page lists a page at a time
// (?deletions_page=N); every page can be read before deciding.
const pendingShown = 200

// approvalView describes a run held for approval, or nil for any other run.
func (h *Handler) approvalView(r *http.Request, run store.Run, c store.Connection) (*templates.ApprovalView, error) {
	if run.State != store.RunAwaitingApproval {
		return nil, nil
	}
	total := run.UsersDeleted + run.GroupsDeleted
	page := min(pageNumber(r, "deletions_page"), max(1, (total+pendingShown-1)/pendingShown))
	dels, err := h.store.PendingDeletions(r.Context(), run.ID, pendingShown, (page-1)*pendingShown)
	if err != nil {
		return nil, err
	}
	return &templates.ApprovalView{RunID: run.ID, Threshold: c.DeleteThreshold, Users: run.UsersDeleted, Groups: run.GroupsDeleted,
		CanDecide: viewerRole(r).Allows(auth.Admin), Deletions: deletionRows(dels),
		Pager: pager(r, "deletions_page", page, pendingShown, total, "deletions")}, nil
}

// previewView describes what a preview found, or nil for any other run.
func (h *Handler) previewView(r *http.Request, run store.Run) (*templates.PreviewView, error) {
	if run.Trigger != store.TriggerPreview || run.State != store.RunSucceeded {
		return nil, nil
	}
	total := run.UsersDeleted + run.GroupsDeleted
	kept := min(total, store.PreviewKept)
	page := min(pageNumber(r, "deletions_page"), max(1, (kept+pendingShown-1)/pendingShown))
	dels, err := h.store.PreviewDeletions(r.Context(), run.ID, pendingShown, (page-1)*pendingShown)
	if err != nil {
		return nil, err
	}
	return &templates.PreviewView{Deletions: deletionRows(dels), Total: total, Kept: kept, Threshold: run.DeleteThreshold,
		WouldHold: run.DeleteThreshold >= 0 && total > run.DeleteThreshold,
		Pager:     pager(r, "deletions_page", page, pendingShown, kept, "deletions")}, nil
}

func deletionRows(dels []store.PendingDeletion) []templates.DeletionRow {
	var rows []templates.DeletionRow
	for _, d := range dels {
		row := templates.DeletionRow{Kind: "User", DisplayName: d.DisplayName, Detail: orDefault(d.UserPrincipalName, d.Mail), ID: d.ID}
		if d.Kind != store.MemberUser {
			row.Kind = "Group"
		}
		rows = append(rows, row)
	}
	return rows
}

// decideRun approves (apply) or rejects (discard) a run awaiting approval.
func (h *Handler) decideRun(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		run, ok := h.runParam(w, r)
		if !ok {
			return
		}
		id, who := run.ID, viewer(r).Email
		var err error
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
