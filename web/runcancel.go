package web

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/templates"
)

// RunCanceller stops a running run (the worker); Options.Runs implements
// it when it is the worker.
type RunCanceller interface{ CancelRun(runID string) bool }

// cancelTooLate is said wherever a cancel is offered: the apply is one
// transaction, so a cancel either comes before the commit or not at all.
const cancelTooLate = "A run that is already committing its changes cannot be stopped: it keeps its real outcome."

// cancelRunConfirm asks before cancelling (works without JavaScript).
func (h *Handler) cancelRunConfirm(w http.ResponseWriter, r *http.Request) {
	run, ok := h.runParam(w, r)
	if !ok {
		return
	}
	v := templates.ConfirmView{
		Heading:     "Cancel run " + run.ID + "?",
		Message:     "A queued run is dropped at once. A running run stops at its next step and applies nothing: the directory stays as the last successful run left it.",
		Consequence: cancelTooLate + " The next scheduled run, or Sync now, fetches the same changes again.",
		Action:      "/runs/" + run.ID + "/cancel",
		Button:      "Cancel run",
		CancelHref:  "/runs/" + run.ID,
	}
	h.render(w, r, http.StatusOK, templates.ConfirmPage(h.page(r, "Cancel run "+run.ID, "status"), v))
}

// cancelRun cancels a queued run at once, or asks the worker to stop a
// running one.
func (h *Handler) cancelRun(w http.ResponseWriter, r *http.Request) {
	run, ok := h.runParam(w, r)
	if !ok {
		return
	}
	found, err := h.cancel(r, run.ID)
	switch {
	case errors.Is(err, store.ErrRunNotActive):
		h.flash(r, "info", "This run has already ended; there is nothing to cancel.")
	case err != nil:
		h.serverError(w, r, err)
		return
	case found == store.RunCancelled:
		h.audit(r, store.AuditRunCancelled, run.ID, "connection "+run.ConnectionID+", queued")
		h.flash(r, "success", "Cancelled: the run had not started and nothing was applied.")
	default:
		h.audit(r, store.AuditRunCancelled, run.ID, "connection "+run.ConnectionID+", running")
		h.flash(r, "success", "Cancelling: the run stops at its next step and applies nothing. "+cancelTooLate)
	}
	h.redirect(w, r, "/runs/"+run.ID)
}

// cancel cancels a run in the store and, when it is running, in the
// worker. It returns what CancelRun found.
func (h *Handler) cancel(r *http.Request, runID string) (string, error) {
	found, err := h.store.CancelRun(r.Context(), runID, viewer(r).Email)
	if err == nil && found == store.RunRunning {
		if c, ok := h.runs.(RunCanceller); ok {
			c.CancelRun(runID)
		}
	}
	return found, err
}

// stopActiveRun cancels the connection's queued or running run, if any,
// when it is disabled or deleted, and adds to msg what happened.
func (h *Handler) stopActiveRun(r *http.Request, c store.Connection, msg string) (string, error) {
	run, err := h.store.ActiveRun(r.Context(), c.ID)
	if errors.Is(err, store.ErrNotFound) {
		return msg, nil
	}
	if err != nil {
		return msg, err
	}
	found, err := h.cancel(r, run.ID)
	if errors.Is(err, store.ErrRunNotActive) {
		return msg, nil // it ended meanwhile
	}
	if err != nil {
		return msg, err
	}
	h.audit(r, store.AuditRunCancelled, run.ID, "connection "+c.ID+", "+found+", with the connection")
	if found == store.RunCancelled {
		return msg + " Its queued run was cancelled.", nil
	}
	return msg + " Its running run is being cancelled; nothing from it is applied unless it was already committing.", nil
}

// runParam loads the {id} run of the URL, answering 404 itself.
func (h *Handler) runParam(w http.ResponseWriter, r *http.Request) (store.Run, bool) {
	id := chi.URLParam(r, "id")
	if len(id) > 64 {
		h.notFound(w, r)
		return store.Run{}, false
	}
	run, err := h.store.RunByID(r.Context(), id)
	return run, !h.lookupFailed(w, r, err)
}
