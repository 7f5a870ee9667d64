package web

import (
	"context"
	"encoding/pem"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestBrowserServerConnectionWithGeneratedCertificate(t *testing.T) {
	ctx := newBrowser(t)
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	shot := newShots(t, "server-connection")
	tn := app.emu.Tenant

	step(t, ctx, "sign in",
		chromedp.Navigate(app.server.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword))
	submit(t, ctx, "sign in", "button[type=submit]")
	step(t, ctx, "open the page", chromedp.Navigate(app.server.URL+"/server-connections/office365"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=manifest-entry]")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=ews-retirement]")),
		// static/app.js shows the copy button only when it can copy.
		chromedp.WaitVisible(chromedp.CSS("[data-testid=copy-manifest]")))
	shot.take(ctx, "certificate")
	entry := readManifestEntry(t, text(t, ctx, "[data-testid=manifest-entry]"))

	// The administrator uploads the certificate in the portal.
	certs, err := app.store.ServerCertificates(context.Background())
	if err != nil || len(certs) != 1 || certs[0].Thumbprint != entry.CustomKeyIdentifier {
		t.Fatalf("stored certificates %d (%v) do not match the entry shown", len(certs), err)
	}
	app.emu.AddCertificate(t, tn.AppID, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certs[0].CertDER}))
	app.emu.SetRoles(t, tn.AppID, []string{"Mail.ReadWrite"}, nil)

	step(t, ctx, "fill in the form",
		chromedp.SendKeys(chromedp.CSS("#f-application_id"), tn.AppID),
		chromedp.SendKeys(chromedp.CSS("#f-tenant_domain"), tn.Domain))
	submit(t, ctx, "Validate", "[data-testid=validate-server-connection]")
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS("[data-testid=summary]"))); err != nil {
		shot.take(ctx, "stuck")
		t.Fatalf("summary never came: %v", err)
	}
	shot.take(ctx, "summary")
	if got := text(t, ctx, "[data-testid=certificate-thumbprint]"); got != entry.CustomKeyIdentifier {
		t.Fatalf("thumbprint on the summary %q, want %q", got, entry.CustomKeyIdentifier)
	}

	step(t, ctx, "phone width", chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(app.server.URL+"/server-connections/office365"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=certificate-in-use]")))
	shot.take(ctx, "page-390")
	if !fitsWidth(t, ctx) {
		t.Error("the server connection page scrolls sideways at 390 px")
	}
}
