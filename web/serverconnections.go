package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/entra"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/internal/validation"
	"github.com/connect/connect/templates"
)

// Flow 2 of SPEC.md: the Office 365 association for server connections.
// Connect generates the certificate; the administrator uploads it to an
// application and enters the application's details; a live validation
// proves the certificate and the permission before the connection is active.

const serverConnectionsPath = "/server-connections/office365"

// generateServerCertificate makes a key pair and certificate and stores it
// with the private key sealed; the key is never logged or shown.
func (h *Handler) generateServerCertificate(ctx context.Context, bits int, by int64) (store.ServerCertificate, error) {
	gen, err := entra.GenerateCertificate(entra.CertificateCommonName, bits, h.now(), entra.CertificateYears)
	if err != nil {
		return store.ServerCertificate{}, err
	}
	c := store.ServerCertificate{ID: store.NewID(), KeyID: gen.KeyID, Thumbprint: gen.Thumbprint, CertDER: gen.CertDER,
		NotBefore: gen.NotBefore, NotAfter: gen.NotAfter, CreatedBy: by, CreatedAt: h.now()}
	if c.KeySealed, err = h.sealer.Seal(gen.KeyPKCS8, store.ServerCertificateKeyAD(c.ID)); err != nil {
		return c, fmt.Errorf("seal certificate key: %w", err)
	}
	if err := h.store.CreateServerCertificate(ctx, c); err != nil {
		return c, err
	}
	h.log.Info("server certificate generated", "by", by, "certificate_id", c.ID, "thumbprint", c.Thumbprint, "bits", bits)
	return c, nil
}

// latestServerConnection is the newest Office 365 server connection, or nil.
func (h *Handler) latestServerConnection(ctx context.Context) (*store.Connection, error) {
	conns, err := h.store.Connections(ctx, store.KindOffice365Server)
	if err != nil || len(conns) == 0 {
		return nil, err
	}
	return &conns[len(conns)-1], nil
}

func (h *Handler) serverConnectionsPage(w http.ResponseWriter, r *http.Request) {
	h.renderServerConnections(w, r, http.StatusOK, templates.ServerConnectionForm{})
}

// renderServerConnections builds the page. An administrator's first visit
// generates the certificate; later visits show the same one (no new key on
// every GET), until "Generate certificate" is chosen.
func (h *Handler) renderServerConnections(w http.ResponseWriter, r *http.Request, status int, form templates.ServerConnectionForm) {
	ctx := r.Context()
	canEdit := viewerRole(r).Allows(auth.Admin)
	conn, err := h.latestServerConnection(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	certs, err := h.store.ServerCertificates(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if len(certs) == 0 && canEdit {
		c, err := h.generateServerCertificate(ctx, entra.DefaultCertificateRSA, viewer(r).ID)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		certs = []store.ServerCertificate{c}
	}
	v := templates.ServerConnectionsView{CanEdit: canEdit, Form: form, Associations: associationOptions(), KeySizes: keySizeOptions()}
	if v.Form.Association == "" {
		v.Form.Association = string(entra.AssociationGraph)
	}
	var inUse *store.ServerCertificate
	if conn != nil {
		row := &templates.ServerConnectionRow{ID: conn.ID, TenantDomain: conn.TenantDomain, ApplicationID: conn.ApplicationID,
			Association: entra.Association(conn.Association).Label(), Validated: !conn.ValidatedAt.IsZero(), Rotating: conn.PendingHint != ""}
		row.StateLabel, row.StateKind = connectionState(*conn, h.now())
		v.Connection = row
		if row.Validated {
			inUse = certificateByThumbprint(certs, conn.SecretHint)
		}
		if form.ApplicationID == "" && form.TenantDomain == "" && !row.Validated {
			// A failed first attempt: offer what was typed again.
			v.Form.ApplicationID, v.Form.TenantDomain, v.Form.Association = conn.ApplicationID, conn.TenantDomain, conn.Association
		}
	}
	now := h.now()
	if inUse != nil {
		v.InUse = certificateView(*inUse, now)
	}
	if len(certs) > 0 && (inUse == nil || certs[0].ID != inUse.ID) {
		v.Upload = certificateView(certs[0], now)
	}
	h.render(w, r, status, templates.ServerConnectionsPage(h.page(r, "Office 365 server connections", "server-connections"), v))
}

func certificateByThumbprint(certs []store.ServerCertificate, thumbprint string) *store.ServerCertificate {
	for i := range certs {
		if certs[i].Thumbprint == thumbprint {
			return &certs[i]
		}
	}
	return nil
}

func certificateView(c store.ServerCertificate, now time.Time) *templates.CertificateView {
	v := &templates.CertificateView{ID: c.ID, Thumbprint: c.Thumbprint, KeyID: c.KeyID,
		Manifest:     entra.NewKeyCredential(c.CertDER, c.KeyID).ManifestSnippet(),
		DownloadHref: serverConnectionsPath + "/certificates/" + c.ID + "/download",
		CreatedOn:    c.CreatedAt.UTC().Format("2 January 2006")}
	v.Expires, v.ExpiresKind = certificateExpiry(c.NotAfter, now)
	return v
}

// certificateExpiry is "23 November 2028 (730 days left)", amber within 30
// days of the end, red once past it.
func certificateExpiry(end, now time.Time) (text, kind string) {
	if end.IsZero() {
		return "", ""
	}
	days := int(end.Sub(now).Hours() / 24)
	date := end.UTC().Format("2 January 2006")
	switch {
	case !end.After(now):
		return "Expired on " + date, "red"
	case end.Sub(now) < expiryWarning:
		return fmt.Sprintf("%s (%d days left: rotate it now)", date, days), "amber"
	}
	return fmt.Sprintf("%s (%d days left)", date, days), "green"
}

func associationOptions() []templates.Option {
	return []templates.Option{
		{Value: string(entra.AssociationGraph), Label: "Microsoft Graph (recommended)",
			Hint: "Application permission Mail.ReadWrite on Microsoft Graph, with admin consent."},
		{Value: string(entra.AssociationEWS), Label: "Exchange Web Services impersonation (legacy)",
			Hint: "Application permission full_access_as_app on Office 365 Exchange Online. EWS is blocked in Exchange Online since " +
				entra.EWSBlockedFrom + " and shut down on " + entra.EWSShutdown + "."},
	}
}

func keySizeOptions() []templates.Option {
	return []templates.Option{
		{Value: "2048", Label: "2048 bits", Hint: "Accepted everywhere; the default."},
		{Value: "3072", Label: "3072 bits", Hint: "For policies that ask for more than 2048 bits."},
	}
}

// serverCertificateGenerate is "Generate certificate": a new certificate for
// a first association, or for rotation while the one in use still works.
func (h *Handler) serverCertificateGenerate(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	bits, err := strconv.Atoi(orDefault(field(r, "key_size"), "2048"))
	if err != nil || (bits != 2048 && bits != 3072) {
		h.clientError(w, r, http.StatusBadRequest, "Choose a key size", "Connect generates RSA keys of 2048 or 3072 bits.")
		return
	}
	cert, err := h.generateServerCertificate(r.Context(), bits, viewer(r).ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.audit(r, store.AuditCertificateAdded, "certificate "+cert.Thumbprint, fmt.Sprintf("RSA %d bits, valid until %s", bits,
		cert.NotAfter.UTC().Format("2 Jan 2006")))
	h.flash(r, "success", "A new certificate is ready: upload it to your application, then validate it.")
	h.redirect(w, r, serverConnectionsPath)
}

// serverCertificateDownload is the .cer file (DER) the portal's
// "Certificates & secrets" page uploads. It holds no private key.
func (h *Handler) serverCertificateDownload(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	c, err := h.store.ServerCertificateByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || len(id) > 64 {
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-cert")
	w.Header().Set("Content-Disposition", `attachment; filename="connect-server-connection-`+c.ID+`.cer"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(c.CertDER)))
	_, _ = w.Write(c.CertDER)
}

// sealCertificateCredential opens a generated certificate's private key and
// seals the certificate with it, as a connection's credential, for connID.
func (h *Handler) sealCertificateCredential(ctx context.Context, certID, connID string) (sealed, thumbprint string, err error) {
	c, err := h.store.ServerCertificateByID(ctx, certID)
	if err != nil {
		return "", "", err
	}
	key, err := h.sealer.Open(c.KeySealed, store.ServerCertificateKeyAD(c.ID))
	if err != nil {
		return "", "", fmt.Errorf("open key of certificate %s: %w", c.ID, err)
	}
	sealed, err = h.sealer.Seal(entra.CredentialPEM(c.CertDER, key), validation.SecretAD(connID))
	if err != nil {
		return "", "", fmt.Errorf("seal certificate credential: %w", err)
	}
	return sealed, c.Thumbprint, nil
}
