package web

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/connect/connect/internal/store"
)

func TestWizardSyncsWithACertificateGeneratedByConnect(t *testing.T) {
	app := newTestApp(t, withWorker())
	app.addUser("admin@example.com", "admin")
	b := app.browser()
	b.signIn("admin@example.com")
	ctx := context.Background()
	tn := app.emu.Tenant
	doc := parse(t, b.get("/directory-sync/azure/new"))
	if doc.Find(`input[name=credential][value=certificate]`).Length() != 1 {
		t.Fatal("the wizard offers no certificate choice")
	}
	certID, _ := doc.Find(`[data-testid=wizard-certificate] input[name=certificate_id]`).Attr("value")
	entry := readManifestEntry(t, doc.Find(`[data-testid=wizard-certificate] [data-testid=manifest-entry]`).Text())
	cert, err := app.store.ServerCertificateByID(ctx, certID)
	if err != nil || cert.Thumbprint != entry.CustomKeyIdentifier {
		t.Fatalf("certificate %s: %v", certID, err)
	}
	app.emu.AddCertificate(t, tn.AppID, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.CertDER}))

	resp := b.post("/directory-sync/azure", url.Values{"application_id": {tn.AppID}, "tenant_domain": {tn.Domain},
		"credential": {"certificate"}, "certificate_id": {certID}})
	drain(resp)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("wizard with a certificate: status %d", resp.StatusCode)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(resp.Header.Get("Location"), "/connections/"), "/validation")
	v := app.waitValidation(t, id)
	if v.State != "passed" {
		t.Fatalf("validation %s: %+v", v.State, v.Steps)
	}
	for _, s := range v.Steps {
		if s.State != "passed" {
			t.Errorf("step %d: %s %q", s.Step, s.State, s.Message)
		}
	}
	conn, err := app.store.ConnectionByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	// The expiry was found in keyCredentials by the certificate's thumbprint.
	if conn.CredentialType != store.CredentialCertificate || conn.SecretHint != cert.Thumbprint ||
		!conn.KeyExpiresAt.Truncate(86400e9).Equal(cert.NotAfter.Truncate(86400e9)) {
		t.Fatalf("connection: %+v (certificate ends %s)", conn, cert.NotAfter)
	}
	if got := parse(t, b.get("/connections/"+id)).Find(`[data-testid=key-masked]`).Text(); !strings.Contains(got, cert.Thumbprint) {
		t.Errorf("summary credential %q, want the thumbprint", got)
	}

	// The worker's first sync signs in with the certificate and fills the directory.
	run := app.waitNewestRun(t, id)
	if run.State != store.RunSucceeded || run.UsersAdded == 0 {
		t.Fatalf("first sync with a certificate: %s, %d users added, %q", run.State, run.UsersAdded, run.Error)
	}
	if counts, err := app.store.CountDirectory(ctx, id); err != nil || counts.Users != run.UsersAdded {
		t.Fatalf("directory after the sync: %+v, %v", counts, err)
	}

	// Rotation: Edit offers a new certificate, never the one in use.
	edit := parse(t, b.get("/connections/"+id+"/edit"))
	offered := readManifestEntry(t, edit.Find(`[data-testid=wizard-certificate] [data-testid=manifest-entry]`).Text())
	if offered.CustomKeyIdentifier == "" || offered.CustomKeyIdentifier == cert.Thumbprint {
		t.Fatalf("Edit offers certificate %q, want a new one (in use: %s)", offered.CustomKeyIdentifier, cert.Thumbprint)
	}
}

func TestWizardCertificateChoiceNeedsNoKey(t *testing.T) {
	app, b := signedInAdmin(t)
	tn := app.emu.Tenant
	resp := b.post("/directory-sync/azure", url.Values{"application_id": {tn.AppID}, "tenant_domain": {tn.Domain},
		"credential": {"certificate"}, "certificate_id": {"0000000000000000"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("unknown certificate: status %d", resp.StatusCode)
	}
	doc := parse(t, resp)
	if doc.Find(`[data-testid=error-key]`).Length() != 0 || doc.Find(`[data-testid=error-credential]`).Length() != 1 {
		t.Error("want the certificate's error, and none for the key")
	}
}
