package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/entra"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/templates"
)

func readServerConnectionForm(r *http.Request) templates.ServerConnectionForm {
	return templates.ServerConnectionForm{
		ApplicationID: strings.ToLower(field(r, "application_id")),
		TenantDomain:  strings.ToLower(strings.TrimSuffix(field(r, "tenant_domain"), ".")),
		Association:   field(r, "association"),
		CertificateID: field(r, "certificate_id"),
	}
}

// validateServerConnectionForm checks the form before any network call,
// with the same rules as the directory-sync wizard.
func validateServerConnectionForm(f templates.ServerConnectionForm) templates.FieldErrors {
	errs := templates.FieldErrors{}
	addErr(errs, "application_id", checkApplicationID(f.ApplicationID))
	addErr(errs, "tenant_domain", checkTenantDomain(f.TenantDomain))
	switch entra.Association(f.Association) {
	case entra.AssociationGraph, entra.AssociationEWS:
	default:
		errs["association"] = "Choose Microsoft Graph (recommended) or Exchange Web Services."
	}
	if f.CertificateID == "" || len(f.CertificateID) > 64 {
		errs["certificate_id"] = "The certificate is missing from the form: reload the page and try again."
	}
	return errs
}

// serverConnectionSubmit stores the server connection as pending with the
// certificate as its sealed credential, and starts the live validation. A
// connection that never passed is corrected in place, as the wizard's "Try
// again" does.
func (h *Handler) serverConnectionSubmit(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	f := readServerConnectionForm(r)
	f.Errors = validateServerConnectionForm(f)
	if len(f.Errors) == 0 {
		if _, err := h.store.ServerCertificateByID(ctx, f.CertificateID); errors.Is(err, store.ErrNotFound) {
			f.Errors["certificate_id"] = "That certificate no longer exists: reload the page and upload the certificate it shows."
		}
	}
	if len(f.Errors) > 0 {
		h.renderServerConnections(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	existing, err := h.latestServerConnection(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	retry := existing != nil && existing.ValidatedAt.IsZero()
	id := store.NewID()
	if retry {
		id = existing.ID
	}
	sealed, thumbprint, err := h.sealCertificateCredential(ctx, f.CertificateID, id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	n := store.NewConnection{ID: id, Kind: store.KindOffice365Server, Cloud: entra.CloudDefault, AuthorityHost: h.authorityHost,
		GraphURL: h.graphURL, TenantDomain: f.TenantDomain, ApplicationID: f.ApplicationID,
		CredentialType: store.CredentialCertificate, Association: f.Association,
		SecretSealed: sealed, SecretHint: thumbprint, CreatedBy: viewer(r).ID}
	if retry {
		err = h.store.ResetConnection(ctx, id, n)
	} else {
		err = h.store.CreateConnection(ctx, n)
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.log.Info("server connection submitted", "by", viewer(r).ID, "connection_id", id, "tenant", f.TenantDomain,
		"application_id", f.ApplicationID, "association", f.Association, "thumbprint", thumbprint)
	action := store.AuditConnectionCreated
	if retry {
		action = store.AuditConnectionEdited
	}
	h.audit(r, action, "Office 365 server connection "+f.TenantDomain+" ("+id+")",
		"application "+f.ApplicationID+", "+f.Association+", certificate "+thumbprint+", validation started")
	h.startServerValidation(w, r, id, store.PurposeCreate)
}

// serverConnectionSwitch validates a new certificate for a connection that
// works: it waits as the pending credential, and replaces the one in use
// only when it passes (store.FinishValidationPassed).
func (h *Handler) serverConnectionSwitch(w http.ResponseWriter, r *http.Request) {
	c, ok := h.connection(w, r)
	if !ok || !h.parseForm(w, r) {
		return
	}
	if c.Kind != store.KindOffice365Server {
		h.notFound(w, r)
		return
	}
	if c.ValidatedAt.IsZero() {
		h.flash(r, "error", "This connection has never passed validation: enter its details with the certificate shown instead.")
		h.redirect(w, r, serverConnectionsPath)
		return
	}
	certID := field(r, "certificate_id")
	sealed, thumbprint, err := h.sealCertificateCredential(r.Context(), certID, c.ID)
	if errors.Is(err, store.ErrNotFound) {
		h.flash(r, "error", "That certificate no longer exists. Reload the page and use the certificate it shows.")
		h.redirect(w, r, serverConnectionsPath)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if thumbprint == c.SecretHint {
		h.flash(r, "info", "That certificate is already in use.")
		h.redirect(w, r, "/connections/"+c.ID)
		return
	}
	if err := h.store.SetPendingSecret(r.Context(), c.ID, sealed, thumbprint); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.log.Info("server certificate switch requested", "by", viewer(r).ID, "connection_id", c.ID, "thumbprint", thumbprint)
	h.audit(r, store.AuditConnectionEdited, "Office 365 server connection "+c.TenantDomain+" ("+c.ID+")",
		"switch to certificate "+thumbprint+", validation started; the certificate in use keeps working until it passes")
	h.startServerValidation(w, r, c.ID, store.PurposeEdit)
}

func (h *Handler) startServerValidation(w http.ResponseWriter, r *http.Request, id, purpose string) {
	c, err := h.store.ConnectionByID(r.Context(), id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if _, err := h.validations.Start(r.Context(), c, purpose); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.redirect(w, r, "/connections/"+id+"/validation")
}

// serverConnectionSummary is /connections/{id} for a server connection.
func (h *Handler) serverConnectionSummary(w http.ResponseWriter, r *http.Request, c store.Connection) {
	ctx := r.Context()
	certs, err := h.store.ServerCertificates(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	assoc := entra.Association(c.Association)
	v := templates.ServerConnectionSummaryView{ID: c.ID, TenantDomain: c.TenantDomain, TenantID: c.TenantID,
		ApplicationID: c.ApplicationID, Association: assoc.Label(), EWS: assoc == entra.AssociationEWS,
		Thumbprint: c.SecretHint, ValidationHref: "/connections/" + c.ID + "/validation",
		CanEdit: viewerRole(r).Allows(auth.Admin)}
	v.StateLabel, v.StateKind = connectionState(c, h.now())
	now := h.now()
	expires := c.KeyExpiresAt
	if cert := certificateByThumbprint(certs, c.SecretHint); cert != nil {
		expires = cert.NotAfter
	}
	v.Expiry, v.ExpiryKind = certificateExpiry(expires, now)
	val, err := h.store.LatestValidation(ctx, c.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		h.serverError(w, r, err)
		return
	default:
		label, kind := map[string]string{"running": "Running", "passed": "Passed", "failed": "Failed"}[val.State], "blue"
		if val.State == "passed" {
			kind = "green"
		} else if val.State == "failed" {
			kind = "red"
		}
		v.LastValidation, v.ValidationKind = fmt.Sprintf("%s, %s", label, formatWhen(orTime(val.FinishedAt, val.StartedAt), now)), kind
	}
	h.render(w, r, http.StatusOK, templates.ServerConnectionSummaryPage(h.page(r, c.TenantDomain, "server-connections"), v))
}
