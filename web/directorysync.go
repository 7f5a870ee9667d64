package web

import (
	"net/http"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/secrets"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/templates"
)

func (h *Handler) directorySyncPage(w http.ResponseWriter, r *http.Request) {
	conns, err := h.store.Connections(r.Context(), store.KindAzureDirectorySync)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	v := templates.DirectorySyncView{CanEdit: viewerRole(r).Allows(auth.Admin)}
	now := h.now()
	for _, c := range conns {
		row := templates.ConnectionRow{ID: c.ID, TenantDomain: c.TenantDomain, ApplicationID: c.ApplicationID}
		row.StateLabel, row.StateKind = connectionState(c, now)
		row.KeyNote, row.KeyNoteKind = keyExpiryBadge(c.KeyExpiresAt, now)
		runs, err := h.store.LatestRuns(r.Context(), c.ID, 1, 0)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		if len(runs) > 0 {
			label, _ := runState(runs[0].State)
			row.LastRun = label + ", " + formatWhen(runs[0].QueuedAt, now)
		}
		v.Connections = append(v.Connections, row)
	}
	h.render(w, r, http.StatusOK, templates.DirectorySyncPage(h.page(r, "Synchronize Your Directory", "directory-sync"), v))
}

func (h *Handler) newConnectionForm(f connectionForm, errs templates.FieldErrors) templates.ConnectionFormView {
	return templates.ConnectionFormView{
		Heading:       "Enter Your Directory Synchronization Details",
		Lead:          "Connect your Azure Active Directory (Microsoft Entra ID) tenant. Connect validates these details live before it starts synchronizing.",
		Action:        "/directory-sync/azure",
		Submit:        "Synchronise",
		CancelHref:    "/directory-sync",
		ApplicationID: f.ApplicationID,
		TenantDomain:  f.TenantDomain,
		Cloud:         f.Cloud,
		Clouds:        h.cloudOptions(),
		Errors:        errs,
	}
}

func (h *Handler) wizardForm(w http.ResponseWriter, r *http.Request) {
	f := connectionForm{Cloud: "default"}
	v := h.newConnectionForm(f, nil)
	if err := h.offerCertificate(r, &v, f.Credential, ""); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, templates.ConnectionFormPage(h.page(r, "Enter Your Directory Synchronization Details", "directory-sync"), v))
}

// wizardSubmit is Synchronise: check the input, store the connection as
// pending with its key sealed, start the live validation, show its page.
func (h *Handler) wizardSubmit(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	f := readConnectionForm(r)
	id := store.NewID()
	errs := f.validate(true)
	cred, err := h.sealConnectionCredential(r.Context(), f, id, errs)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if len(errs) > 0 {
		v := h.newConnectionForm(f, errs)
		if err := h.offerCertificate(r, &v, f.Credential, ""); err != nil {
			h.serverError(w, r, err)
			return
		}
		h.render(w, r, http.StatusUnprocessableEntity,
			templates.ConnectionFormPage(h.page(r, "Enter Your Directory Synchronization Details", "directory-sync"), v))
		return
	}
	authority, graphURL := h.endpoints(f)
	n := store.NewConnection{ID: id, Kind: store.KindAzureDirectorySync, Cloud: f.Cloud, AuthorityHost: authority,
		GraphURL: graphURL, TenantDomain: f.TenantDomain, ApplicationID: f.ApplicationID, CredentialType: cred.Type,
		SecretSealed: cred.Sealed, SecretHint: cred.Hint, CreatedBy: viewer(r).ID}
	if err := h.store.CreateConnection(r.Context(), n); err != nil {
		h.serverError(w, r, err)
		return
	}
	conn, err := h.store.ConnectionByID(r.Context(), id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if _, err := h.validations.Start(r.Context(), conn, store.PurposeCreate); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.audit(r, store.AuditConnectionCreated, f.TenantDomain+" ("+id+")", "application "+f.ApplicationID+", key "+secrets.Mask(f.Key))
	h.log.Info("connection created", "by", viewer(r).ID, "connection_id", id, "tenant", f.TenantDomain,
		"application_id", f.ApplicationID, "credential", cred.Type, "key", secrets.Mask(f.Key))
	h.redirect(w, r, "/connections/"+id+"/validation")
}

// keyHint is what Graph reports of a secret (its first three characters),
// so the key's record can be found on the application to read its expiry.
func keyHint(key string) string {
	if len(key) < 3 {
		return ""
	}
	return key[:3]
}
