package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/entra"
	"github.com/connect/connect/internal/secrets"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/templates"
)

// connection loads the {id} of the URL, answering 404 itself when absent.
func (h *Handler) connection(w http.ResponseWriter, r *http.Request) (store.Connection, bool) {
	id := chi.URLParam(r, "id")
	if len(id) > 64 {
		h.notFound(w, r)
		return store.Connection{}, false
	}
	c, err := h.store.ConnectionByID(r.Context(), id)
	return c, !h.lookupFailed(w, r, err)
}

func (h *Handler) validationPage(w http.ResponseWriter, r *http.Request) {
	c, ok := h.connection(w, r)
	if !ok {
		return
	}
	val, err := h.store.LatestValidation(r.Context(), c.ID)
	if errors.Is(err, store.ErrNotFound) {
		h.redirect(w, r, "/connections/"+c.ID)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	v := templates.ValidationView{
		ConnectionID: c.ID, TenantDomain: c.TenantDomain, Purpose: val.Purpose,
		Running: val.State == "running", Passed: val.State == "passed", Failed: val.State == "failed",
		SummaryHref: "/connections/" + c.ID, RetryHref: "/connections/" + c.ID + "/edit",
		CanEdit: viewerRole(r).Allows(auth.Admin),
	}
	titles, nav := entra.StepTitles, "directory-sync"
	if c.Kind == store.KindOffice365Server {
		titles, nav = entra.ServerStepTitles, "server-connections"
		v.Heading = "Validating your server connection"
		v.PassedMessage = "Validation passed. The server connection is active with this certificate."
		v.RetryHref = serverConnectionsPath
	}
	for _, s := range val.Steps {
		sv := templates.ValidationStepView{Number: s.Step, Title: titles[entra.StepID(s.Step)], State: s.State,
			StateLabel: stepStateLabel(s.State), Message: s.Message, Fix: s.Fix, Code: s.Code}
		if s.State != "waiting" && s.State != "running" && s.State != "skipped" {
			sv.Duration = fmt.Sprintf("%.1f s", float64(s.DurationMS)/1000)
		}
		v.Steps = append(v.Steps, sv)
	}
	p := h.page(r, "Validating "+c.TenantDomain, nav)
	switch {
	case v.Running:
		p.Refresh = 2
	case v.Passed && (val.Purpose == store.PurposeCreate || c.Kind == store.KindOffice365Server) && h.now().Sub(val.FinishedAt) < 30*time.Second:
		// Just passed: carry on to the summary, as the product document says.
		v.AutoAdvance = true
		p.Refresh, p.RefreshURL = 2, v.SummaryHref
	}
	h.render(w, r, http.StatusOK, templates.ValidationPage(p, v))
}

func (h *Handler) connectionSummary(w http.ResponseWriter, r *http.Request) {
	c, ok := h.connection(w, r)
	if !ok {
		return
	}
	if c.Kind == store.KindOffice365Server {
		h.serverConnectionSummary(w, r, c)
		return
	}
	if c.Kind != store.KindAzureDirectorySync {
		h.notFound(w, r)
		return
	}
	v, err := h.summaryView(r, c)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p := h.page(r, c.TenantDomain, "directory-sync")
	if v.ActiveRun != nil {
		p.Refresh = 5
	}
	h.render(w, r, http.StatusOK, templates.ConnectionSummaryPage(p, v))
}

func (h *Handler) editForm(c store.Connection, errs templates.FieldErrors) templates.ConnectionFormView {
	v := templates.ConnectionFormView{
		Heading:       "Change the key of " + c.TenantDomain,
		Lead:          "Enter a new key, for example before the current one expires. Connect validates it live; until it passes, the key in use stays.",
		Action:        "/connections/" + c.ID + "/edit",
		Submit:        "Validate and save",
		CancelHref:    "/connections/" + c.ID,
		ApplicationID: c.ApplicationID,
		TenantDomain:  c.TenantDomain,
		FixedTenant:   true,
		KeyInUse:      c.SecretHint + "•••••",
		Errors:        errs,
	}
	if c.State == store.ConnFailed || c.State == store.ConnPending {
		// Never validated: let everything be corrected, as in the wizard.
		v.Heading = "Enter Your Directory Synchronization Details"
		v.Lead = "Correct the details and try again. Connect validates them live before it starts synchronizing."
		v.FixedTenant, v.KeyInUse = false, ""
		v.Submit = "Synchronise"
		v.Cloud, v.Clouds = c.Cloud, h.cloudOptions()
	}
	return v
}

func (h *Handler) connectionEditForm(w http.ResponseWriter, r *http.Request) {
	c, ok := h.connection(w, r)
	if !ok {
		return
	}
	if c.Kind == store.KindOffice365Server {
		// A server connection changes by its certificate, on its own page.
		h.redirect(w, r, serverConnectionsPath)
		return
	}
	v, err := h.editFormView(r, c, nil, "")
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, templates.ConnectionFormPage(h.page(r, "Edit "+c.TenantDomain, "directory-sync"), v))
}

// connectionEditSubmit re-validates. A never-validated connection takes
// every field anew; an active one only a replacement key, kept pending until
// it passes so synchronization never runs with an unproven key.
func (h *Handler) connectionEditSubmit(w http.ResponseWriter, r *http.Request) {
	c, ok := h.connection(w, r)
	if !ok || !h.parseForm(w, r) {
		return
	}
	if c.Kind == store.KindOffice365Server {
		h.redirect(w, r, serverConnectionsPath)
		return
	}
	f := readConnectionForm(r)
	fresh := c.State == store.ConnFailed || c.State == store.ConnPending
	if !fresh {
		// An active connection's replacement is of the same kind.
		f.Credential = credentialChoice(c.CredentialType)
	}
	errs := f.validate(fresh)
	cred, err := h.sealConnectionCredential(r.Context(), f, c.ID, errs)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if len(errs) > 0 {
		v, err := h.editFormView(r, c, errs, f.Credential)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		if fresh {
			v.ApplicationID, v.TenantDomain, v.Cloud = f.ApplicationID, f.TenantDomain, f.Cloud
		}
		h.render(w, r, http.StatusUnprocessableEntity, templates.ConnectionFormPage(h.page(r, "Edit "+c.TenantDomain, "directory-sync"), v))
		return
	}
	purpose := store.PurposeEdit
	if fresh {
		authority, graphURL := h.endpoints(f)
		err = h.store.ResetConnection(r.Context(), c.ID, store.NewConnection{Cloud: f.Cloud, AuthorityHost: authority, GraphURL: graphURL,
			TenantDomain: f.TenantDomain, ApplicationID: f.ApplicationID, CredentialType: cred.Type,
			SecretSealed: cred.Sealed, SecretHint: cred.Hint})
		purpose = store.PurposeCreate
	} else {
		err = h.store.SetPendingSecret(r.Context(), c.ID, cred.Sealed, cred.Hint)
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if c, err = h.store.ConnectionByID(r.Context(), c.ID); err != nil {
		h.serverError(w, r, err)
		return
	}
	if _, err := h.validations.Start(r.Context(), c, purpose); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.log.Info("connection edited", "by", viewer(r).ID, "connection_id", c.ID, "key", secrets.Mask(f.Key))
	h.audit(r, store.AuditConnectionEdited, c.TenantDomain+" ("+c.ID+")", "new key "+secrets.Mask(f.Key)+", validation started")
	h.redirect(w, r, "/connections/"+c.ID+"/validation")
}

func (h *Handler) connectionSetEnabled(enabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, ok := h.connection(w, r)
		if !ok {
			return
		}
		state, msg := store.ConnDisabled, "Synchronization of "+c.TenantDomain+" is disabled: no scheduled or manual runs until you enable it. Synchronized data is kept."
		if enabled {
			state, msg = store.ConnActive, "Synchronization of "+c.TenantDomain+" is enabled again."
			if c.ValidatedAt.IsZero() {
				state = store.ConnFailed
				msg = c.TenantDomain + " is enabled but has never passed validation: choose Edit to enter its details."
			}
		}
		if err := h.store.SetConnectionState(r.Context(), c.ID, state); err != nil {
			h.serverError(w, r, err)
			return
		}
		if !enabled {
			var err error
			if msg, err = h.stopActiveRun(r, c, msg); err != nil {
				h.serverError(w, r, err)
				return
			}
		}
		h.log.Info("connection state changed", "by", viewer(r).ID, "connection_id", c.ID, "state", state)
		h.audit(r, store.AuditConnectionState, c.TenantDomain+" ("+c.ID+")", "state "+state)
		h.flash(r, "success", msg)
		h.redirect(w, r, "/connections/"+c.ID)
	}
}

func (h *Handler) connectionDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	c, ok := h.connection(w, r)
	if !ok {
		return
	}
	v := templates.ConfirmView{
		Heading:     "Delete the connection to " + c.TenantDomain + "?",
		Message:     "Connect will stop synchronizing this tenant and forget its key, its run history and the users and groups it synchronized.",
		Consequence: "Nothing changes in Entra ID itself. This cannot be undone: to synchronize this tenant again, you would connect it anew.",
		Action:      "/connections/" + c.ID + "/delete",
		Button:      "Delete connection",
		CancelHref:  "/connections/" + c.ID,
	}
	area := "directory-sync"
	if c.Kind == store.KindOffice365Server {
		v.Heading = "Delete the Office 365 server connection to " + c.TenantDomain + "?"
		v.Message = "Connect will forget this association and stop signing in to the tenant with its certificate."
		v.Consequence = "Nothing changes in Entra ID itself: remove the certificate from the application there too. This cannot be undone: to associate this tenant again, you would start anew."
		area = "server-connections"
	}
	h.render(w, r, http.StatusOK, templates.ConfirmPage(h.page(r, "Delete "+c.TenantDomain, area), v))
}

func (h *Handler) connectionDelete(w http.ResponseWriter, r *http.Request) {
	c, ok := h.connection(w, r)
	if !ok {
		return
	}
	if _, err := h.stopActiveRun(r, c, ""); err != nil {
		h.serverError(w, r, err)
		return
	}
	if err := h.store.DeleteConnection(r.Context(), c.ID); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.log.Info("connection deleted", "by", viewer(r).ID, "connection_id", c.ID, "tenant", c.TenantDomain)
	h.audit(r, store.AuditConnectionDeleted, c.TenantDomain+" ("+c.ID+")", "")
	h.flash(r, "success", "The connection to "+c.TenantDomain+" is deleted.")
	if c.Kind == store.KindOffice365Server {
		h.redirect(w, r, serverConnectionsPath)
		return
	}
	h.redirect(w, r, "/directory-sync")
}

// syncModes are the runs an administrator can ask for on the summary page.
var syncModes = map[string]struct {
	trigger string
	full    bool
	queued  string
}{
	"":        {store.TriggerManual, false, "Synchronization of %s is queued and starts in a moment."},
	"full":    {store.TriggerFull, true, "A full synchronization of %s is queued: every object is read again."},
	"preview": {store.TriggerPreview, false, "A preview of %s is queued: it counts what a run would change and applies nothing."},
}

// syncNow queues a run (changes only, full, or preview), or says one is
// already queued or running.
func (h *Handler) syncNow(w http.ResponseWriter, r *http.Request) {
	c, ok := h.connection(w, r)
	if !ok || !h.parseForm(w, r) {
		return
	}
	mode, known := syncModes[field(r, "mode")]
	if !known {
		h.clientError(w, r, http.StatusBadRequest, "That kind of run does not exist",
			"Use the Sync now, Full sync or Preview buttons on the connection's page.")
		return
	}
	if c.State != store.ConnActive {
		h.flash(r, "error", "Only an active connection can synchronize. "+c.TenantDomain+" is "+c.State+".")
		h.redirect(w, r, "/connections/"+c.ID)
		return
	}
	runID, err := h.store.QueueRun(r.Context(), c.ID, mode.trigger, mode.full, viewer(r).ID)
	switch {
	case errors.Is(err, store.ErrRunActive):
		h.flash(r, "info", "A synchronization of "+c.TenantDomain+" is already queued or running: its progress shows below.")
	case err != nil:
		h.serverError(w, r, err)
		return
	default:
		if h.runs != nil {
			h.runs.Notify()
		}
		h.audit(r, store.AuditSyncRequested, c.TenantDomain+" ("+c.ID+")", mode.trigger)
		h.flash(r, "success", fmt.Sprintf(mode.queued, c.TenantDomain))
		if mode.trigger == store.TriggerPreview {
			h.redirect(w, r, "/runs/"+runID)
			return
		}
	}
	h.redirect(w, r, "/connections/"+c.ID)
}

// setDeleteThreshold changes how many deletions a run may make unapproved.
func (h *Handler) setDeleteThreshold(w http.ResponseWriter, r *http.Request) {
	c, ok := h.connection(w, r)
	if !ok || !h.parseForm(w, r) {
		return
	}
	n, err := strconv.Atoi(field(r, "delete_threshold"))
	if err != nil || n < 0 || n > 10_000_000 {
		h.flash(r, "error", "Enter the safeguard as a whole number of deletions, 0 or more (0 asks before any deletion).")
		h.redirect(w, r, "/connections/"+c.ID)
		return
	}
	if err := h.store.SetDeleteThreshold(r.Context(), c.ID, n); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.audit(r, store.AuditConnectionEdited, c.TenantDomain+" ("+c.ID+")", fmt.Sprintf("deletion safeguard %d", n))
	h.flash(r, "success", fmt.Sprintf("Runs of %s that would delete more than %d users and groups now wait for approval.", c.TenantDomain, n))
	h.redirect(w, r, "/connections/"+c.ID)
}
