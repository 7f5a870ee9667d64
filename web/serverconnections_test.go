package web

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/connect/connect/internal/entra"
	"github.com/connect/connect/internal/store"
)

// shownCertificate is what the server connection page offers to upload.
type shownCertificate struct {
	ID    string
	Entry entra.KeyCredential
	DER   []byte
}

// readManifestEntry parses the `"keyCredentials": [ … ],` text of the page.
func readManifestEntry(t *testing.T, text string) entra.KeyCredential {
	t.Helper()
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, `"keyCredentials": [`) || !strings.HasSuffix(text, "],") {
		t.Fatalf("manifest entry is not in the product document's shape:\n%s", text)
	}
	var entries []entra.KeyCredential
	if err := json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimPrefix(text, `"keyCredentials": `), ",")), &entries); err != nil || len(entries) != 1 {
		t.Fatalf("manifest entry: %v (%d entries)", err, len(entries))
	}
	return entries[0]
}

// certificateToUpload opens the page and downloads the .cer it offers.
func (b *browser) certificateToUpload(t *testing.T) shownCertificate {
	t.Helper()
	doc := parse(t, b.get("/server-connections/office365"))
	card := doc.Find(`[data-testid=certificate-upload]`)
	if card.Length() == 0 {
		t.Fatal("no certificate to upload on the page")
	}
	c := shownCertificate{Entry: readManifestEntry(t, card.Find(`[data-testid=manifest-entry]`).Text())}
	href, _ := card.Find(`[data-testid=download-cer]`).Attr("href")
	c.ID = strings.TrimSuffix(strings.TrimPrefix(href, "/server-connections/office365/certificates/"), "/download")
	resp := b.get(href)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pkix-cert" {
		t.Fatalf("download %s: %d %s", href, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	c.DER, _ = io.ReadAll(resp.Body)
	return c
}

// upload registers the certificate on the emulator's app, as an
// administrator would in the portal.
func (c shownCertificate) upload(t *testing.T, app *testApp) string {
	return app.emu.AddCertificate(t, app.emu.Tenant.AppID, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.DER}))
}

// submitServerConnection posts the form and returns the connection's ID.
func (b *browser) submitServerConnection(t *testing.T, certID, association string) string {
	t.Helper()
	tn := b.app.emu.Tenant
	resp := b.post("/server-connections/office365", url.Values{"application_id": {tn.AppID}, "tenant_domain": {tn.Domain},
		"association": {association}, "certificate_id": {certID}})
	drain(resp)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(loc, "/validation") {
		t.Fatalf("server connection form: status %d, location %q", resp.StatusCode, loc)
	}
	return strings.TrimSuffix(strings.TrimPrefix(loc, "/connections/"), "/validation")
}

func signedInAdmin(t *testing.T) (*testApp, *browser) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	b := app.browser()
	b.signIn("admin@example.com")
	return app, b
}

func TestServerCertificateEntryMatchesTheManifestShape(t *testing.T) {
	app, b := signedInAdmin(t)
	c := b.certificateToUpload(t)
	sum := sha1.Sum(c.DER)
	if c.Entry.CustomKeyIdentifier != base64.StdEncoding.EncodeToString(sum[:]) {
		t.Errorf("customKeyIdentifier %q is not the base64 SHA-1 of the certificate", c.Entry.CustomKeyIdentifier)
	}
	if c.Entry.Value != base64.StdEncoding.EncodeToString(c.DER) {
		t.Error("value is not the base64 DER of the .cer download")
	}
	if c.Entry.Type != "AsymmetricX509Cert" || c.Entry.Usage != "Verify" || !entra.IsGUID(c.Entry.KeyID) {
		t.Errorf("entry %+v", c.Entry)
	}
	// Visiting again shows the same certificate: no new key on every GET.
	if again := b.certificateToUpload(t); again.ID != c.ID {
		t.Errorf("a second visit generated a new certificate")
	}
	// "Generate certificate" makes another one, of the size asked.
	drain(b.post("/server-connections/office365/certificates", url.Values{"key_size": {"3072"}}))
	if next := b.certificateToUpload(t); next.ID == c.ID {
		t.Error("Generate certificate did not make a new certificate")
	}
	if certs, _ := app.store.ServerCertificates(context.Background()); len(certs) != 2 {
		t.Errorf("%d certificates stored, want 2", len(certs))
	}
}

func TestServerConnectionValidatesWithTheGeneratedCertificate(t *testing.T) {
	for _, tc := range []struct {
		association    string
		graph, ews     []string
		wantRole       string
		wantAssocLabel string
	}{
		{"graph", []string{"Mail.ReadWrite"}, nil, "Mail.ReadWrite", "Microsoft Graph"},
		{"ews", nil, []string{"full_access_as_app"}, "full_access_as_app", "Exchange Web Services"},
	} {
		t.Run(tc.association, func(t *testing.T) {
			app, b := signedInAdmin(t)
			c := b.certificateToUpload(t)
			c.upload(t, app)
			app.emu.SetRoles(t, app.emu.Tenant.AppID, tc.graph, tc.ews)
			id := b.submitServerConnection(t, c.ID, tc.association)
			v := app.waitValidation(t, id)
			if v.State != "passed" {
				t.Fatalf("validation %s: %+v", v.State, v.Steps)
			}
			conn, err := app.store.ConnectionByID(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if conn.State != store.ConnActive || conn.TenantID != app.emu.Tenant.ID || conn.CredentialType != store.CredentialCertificate ||
				conn.SecretHint != c.Entry.CustomKeyIdentifier || conn.KeyExpiresAt.IsZero() {
				t.Fatalf("connection after validation: %+v", conn)
			}
			runs, _ := app.store.LatestRuns(context.Background(), id, 5, 0)
			if len(runs) != 0 {
				t.Errorf("a server connection queued sync runs: %+v", runs)
			}
			doc := parse(t, b.get("/connections/"+id))
			for sel, want := range map[string]string{
				"[data-testid=application-id]":         app.emu.Tenant.AppID,
				"[data-testid=tenant-domain]":          app.emu.Tenant.Domain,
				"[data-testid=certificate-thumbprint]": c.Entry.CustomKeyIdentifier,
				"[data-testid=association]":            tc.wantAssocLabel,
				"[data-testid=certificate-expiry]":     "days left",
				"[data-testid=last-validation]":        "Passed",
			} {
				if got := doc.Find(sel).Text(); !strings.Contains(got, want) {
					t.Errorf("summary %s = %q, want %q", sel, got, want)
				}
			}
			if tc.association == "ews" && doc.Find(`[data-testid=ews-retirement]`).Length() == 0 {
				t.Error("the EWS summary does not say EWS is being retired")
			}
		})
	}
}

func TestServerConnectionFailuresInPlainWords(t *testing.T) {
	app, b := signedInAdmin(t)
	c := b.certificateToUpload(t)

	// Not uploaded: Entra ID answers AADSTS700027.
	id := b.submitServerConnection(t, c.ID, "graph")
	v := app.waitValidation(t, id)
	if v.State != "failed" || v.Steps[1].Code != "AADSTS700027" || !strings.Contains(v.Steps[1].Fix, ".cer") {
		t.Fatalf("certificate not uploaded: %+v", v.Steps)
	}
	doc := parse(t, b.get("/connections/"+id+"/validation"))
	if got := doc.Find(`[data-testid=step-2-code]`).Text(); got != "AADSTS700027" {
		t.Errorf("validation page code %q", got)
	}

	// Uploaded, but the permission is missing; trying again corrects the
	// same connection.
	c.upload(t, app)
	app.emu.SetRoles(t, app.emu.Tenant.AppID, []string{"Directory.Read.All"}, nil)
	if again := b.submitServerConnection(t, c.ID, "ews"); again != id {
		t.Errorf("try again made a new connection %s, want %s", again, id)
	}
	v = app.waitValidation(t, id)
	if v.State != "failed" || v.Steps[2].State != "failed" || !strings.Contains(v.Steps[2].Fix, "full_access_as_app") {
		t.Fatalf("missing role: %+v", v.Steps)
	}

	// Unknown application and tenant.
	resp := b.post("/server-connections/office365", url.Values{"application_id": {"11111111-2222-3333-4444-555555555555"},
		"tenant_domain": {app.emu.Tenant.Domain}, "association": {"graph"}, "certificate_id": {c.ID}})
	drain(resp)
	if v = app.waitValidation(t, id); v.Steps[1].Code != "AADSTS700016" {
		t.Errorf("unknown application: %+v", v.Steps[1])
	}
	resp = b.post("/server-connections/office365", url.Values{"application_id": {app.emu.Tenant.AppID},
		"tenant_domain": {"nowhere.onmicrosoft.com"}, "association": {"graph"}, "certificate_id": {c.ID}})
	drain(resp)
	if v = app.waitValidation(t, id); v.Steps[0].Code != "AADSTS90002" {
		t.Errorf("unknown tenant: %+v", v.Steps[0])
	}

	// Bad input is answered field by field, nothing stored.
	resp = b.post("/server-connections/office365", url.Values{"application_id": {"nope"}, "tenant_domain": {"https://x"},
		"association": {"smtp"}, "certificate_id": {c.ID}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad input: status %d", resp.StatusCode)
	}
	doc = parse(t, resp)
	for _, name := range []string{"application_id", "tenant_domain", "association"} {
		if doc.Find(`[data-testid=error-`+name+`]`).Length() == 0 {
			t.Errorf("no error shown for %s", name)
		}
	}
}

// connectedServer is a validated Graph server connection with the page's
// first certificate.
func connectedServer(t *testing.T) (*testApp, *browser, shownCertificate, string) {
	t.Helper()
	app, b := signedInAdmin(t)
	c := b.certificateToUpload(t)
	c.upload(t, app)
	app.emu.SetRoles(t, app.emu.Tenant.AppID, []string{"Mail.ReadWrite"}, nil)
	id := b.submitServerConnection(t, c.ID, "graph")
	if v := app.waitValidation(t, id); v.State != "passed" {
		t.Fatalf("first validation: %+v", v.Steps)
	}
	return app, b, c, id
}

func TestServerCertificateRotation(t *testing.T) {
	app, b, old, id := connectedServer(t)

	// A new certificate is shown next to the one in use.
	drain(b.post("/server-connections/office365/certificates", url.Values{"key_size": {"2048"}}))
	next := b.certificateToUpload(t)
	if next.ID == old.ID {
		t.Fatal("no new certificate")
	}
	doc := parse(t, b.get("/server-connections/office365"))
	if got := doc.Find(`[data-testid=certificate-in-use] [data-testid=certificate-thumbprint]`).Text(); got != old.Entry.CustomKeyIdentifier {
		t.Errorf("certificate in use %q, want the old one", got)
	}

	switchTo := func() {
		t.Helper()
		resp := b.post("/server-connections/office365/"+id+"/switch", url.Values{"certificate_id": {next.ID}})
		drain(resp)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("switch: %d", resp.StatusCode)
		}
	}
	// Not uploaded yet: the switch fails and the old certificate stays.
	switchTo()
	if v := app.waitValidation(t, id); v.State != "failed" || v.Steps[1].Code != "AADSTS700027" {
		t.Fatalf("switch before upload: %+v", v.Steps)
	}
	conn, _ := app.store.ConnectionByID(context.Background(), id)
	if conn.SecretHint != old.Entry.CustomKeyIdentifier || conn.State != store.ConnActive || conn.PendingSealed != "" {
		t.Fatalf("a failed switch changed the connection: %+v", conn)
	}
	// Uploaded: the switch passes and the new certificate is in use.
	next.upload(t, app)
	switchTo()
	if v := app.waitValidation(t, id); v.State != "passed" {
		t.Fatalf("switch after upload: %+v", v.Steps)
	}
	conn, _ = app.store.ConnectionByID(context.Background(), id)
	if conn.SecretHint != next.Entry.CustomKeyIdentifier || conn.State != store.ConnActive {
		t.Fatalf("after the switch: %+v", conn)
	}
}

func TestServerCertificateKeyNeverInClear(t *testing.T) {
	app, b, c, id := connectedServer(t)

	// The private key, opened the way the handlers do, in its PEM and raw forms.
	certs, err := app.store.ServerCertificates(context.Background())
	if err != nil || len(certs) != 1 {
		t.Fatalf("certificates: %v", err)
	}
	key := app.openCertificateKey(t, certs[0])
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key})
	secretB64 := base64.StdEncoding.EncodeToString(key)[:64]
	pemBody := strings.Split(string(keyPEM), "\n")[1]

	var pages strings.Builder
	for _, path := range []string{"/server-connections/office365", "/connections/" + id, "/connections/" + id + "/validation"} {
		doc := parse(t, b.get(path))
		html, _ := doc.Html()
		pages.WriteString(html)
	}
	for name, haystack := range map[string][]byte{"pages": []byte(pages.String()), "logs": []byte(app.logs.String()),
		"connect.db": readFile(t, app.dbPath), "connect.db-wal": readFile(t, app.dbPath+"-wal")} {
		for _, needle := range []string{secretB64, pemBody, "PRIVATE KEY"} {
			if strings.Contains(string(haystack), needle) {
				t.Errorf("%s holds the private key in clear (%q…)", name, needle[:16])
			}
		}
		if name != "pages" && bytesContain(haystack, key[len(key)-64:]) {
			t.Errorf("%s holds raw private key bytes", name)
		}
	}
	if !strings.Contains(pages.String(), c.Entry.CustomKeyIdentifier) {
		t.Error("pages do not show the thumbprint (test would prove nothing)")
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return b
}

func bytesContain(haystack, needle []byte) bool {
	return strings.Contains(string(haystack), string(needle))
}

func TestHelpdeskSeesTheServerConnectionPageReadOnly(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	app.addUser("help@example.com", "helpdesk")
	help := app.browser()
	help.signIn("help@example.com")
	// Helpdesk looking first generates nothing: only administrators act.
	doc := parse(t, help.get("/server-connections/office365"))
	if certs, _ := app.store.ServerCertificates(context.Background()); len(certs) != 0 || doc.Find(`[data-testid=no-certificate]`).Length() != 1 {
		t.Fatalf("helpdesk's visit generated %d certificates", len(certs))
	}
	admin := app.browser()
	admin.signIn("admin@example.com")
	admin.certificateToUpload(t)
	doc = parse(t, help.get("/server-connections/office365"))
	if doc.Find(`[data-testid=manifest-entry]`).Length() != 1 || doc.Find(`form[data-testid=server-connection-form]`).Length() != 0 ||
		doc.Find(`[data-testid=generate-certificate]`).Length() != 0 {
		t.Error("helpdesk must see the entry but no form or generate button")
	}
	doc.Find("form").Each(func(_ int, f *goquery.Selection) {
		if a, _ := f.Attr("action"); a != "/logout" {
			t.Errorf("helpdesk sees a form posting to %s", a)
		}
	})
}

// openCertificateKey opens a stored private key with the app's master key,
// to know what must never appear in clear.
func (a *testApp) openCertificateKey(t *testing.T, c store.ServerCertificate) []byte {
	t.Helper()
	key, err := a.sealer.Open(c.KeySealed, store.ServerCertificateKeyAD(c.ID))
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestCertificateExpiryWarnsFromThirtyDays(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		end        time.Time
		kind, text string
	}{
		{now.AddDate(2, 0, 0), "green", "23 November 2028 (731 days left)"},
		{now.AddDate(0, 0, 31), "green", "(31 days left)"},
		{now.AddDate(0, 0, 29), "amber", "(29 days left: rotate it now)"},
		{now.Add(-time.Hour), "red", "Expired on 23 November 2026"},
	} {
		text, kind := certificateExpiry(tc.end, now)
		if kind != tc.kind || !strings.Contains(text, tc.text) {
			t.Errorf("expiry %s: %q %s, want %q %s", tc.end, text, kind, tc.text, tc.kind)
		}
	}
}
