package web

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// With JavaScript off, forms still post and the validation page refreshes
// itself (its noscript meta refresh) until it reaches the summary.
func TestBrowserWizardWithoutJavaScript(t *testing.T) {
	ctx := newBrowser(t)
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	shot := newShots(t, "no-javascript")
	shot.noAxe = true
	base := app.server.URL
	tn := app.emu.Tenant

	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("turn JavaScript off: %v", err)
	}
	step(t, ctx, "sign in",
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword))
	submit(t, ctx, "sign in", "button[type=submit]")
	step(t, ctx, "open the wizard", chromedp.Navigate(base+"/directory-sync/azure/new"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=connection-form]")),
		chromedp.SendKeys(chromedp.CSS("#f-application_id"), tn.AppID),
		chromedp.SendKeys(chromedp.CSS("#f-key"), tn.Secret),
		chromedp.SendKeys(chromedp.CSS("#f-tenant_domain"), tn.Domain))
	submit(t, ctx, "Synchronise", "[data-testid=synchronise]")
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS("[data-testid=summary]"))); err != nil {
		shot.take(ctx, "stuck")
		t.Fatalf("without JavaScript the summary never came: %v", err)
	}
	shot.take(ctx, "summary")
}
