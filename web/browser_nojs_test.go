package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// With JavaScript off, forms still post, the validation page refreshes
// itself (its meta refresh) until it reaches the summary, and the status
// and directory pages work. axe-core needs scripts, so it runs on these
// pages in TestBrowserWalk instead.
func TestBrowserWithoutJavaScript(t *testing.T) {
	t.Parallel() // most of a walk is waiting for the app: the walks overlap
	ctx := newBrowser(t)
	app := newTestApp(t, withWorker())
	app.addUser("admin@example.com", "admin")
	shot := newShots(t, "no-javascript")
	shot.noAxe = true
	base := app.server.URL
	tn := app.emu.Tenant

	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("turn JavaScript off: %v", err)
	}
	step(t, ctx, "open the sign-in page", chromedp.Navigate(base+"/login"))
	signIn(t, ctx, "admin@example.com")
	step(t, ctx, "open the wizard", chromedp.Navigate(base+"/directory-sync/azure/new"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=connection-form]")),
		fill("#f-application_id", tn.AppID),
		chromedp.SendKeys(chromedp.CSS("#f-key"), tn.Secret),
		fill("#f-tenant_domain", tn.Domain))
	// Slow Graph so the validation page is seen running before it moves on.
	app.emu.SetFault(t, emulatorDelay)
	submit(t, ctx, "Synchronise", "[data-testid=synchronise]")
	step(t, ctx, "validation runs", chromedp.WaitVisible(chromedp.CSS("[data-testid=validation][data-state=running]")))
	shot.shotRefreshing(ctx, "validation-running")
	if refresh := attr(t, ctx, `meta[http-equiv=refresh]`, "content"); refresh == "" {
		t.Fatal("the running validation page has no meta refresh")
	}
	// Only the page's own refresh can move it on: no script runs.
	waitVisible(t, ctx, shot, "the summary", "[data-testid=summary]", 60*time.Second)
	app.emu.ClearFault(t)
	shot.take(ctx, "summary")
	connID := strings.TrimPrefix(location(t, ctx), base+"/connections/")
	// The summary refreshes itself while the first sync runs.
	waitVisible(t, ctx, shot, "the first sync", "[data-testid=last-run] .badge--green", 60*time.Second)
	shot.take(ctx, "first-sync-done")

	step(t, ctx, "status", chromedp.Navigate(base+"/status"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=status-row-"+connID+"] [data-testid=health]")))
	shot.take(ctx, "status")
	if health := attr(t, ctx, "[data-testid=status-row-"+connID+"] [data-testid=health]", "data-health"); health != "green" {
		t.Errorf("health on /status %q", health)
	}

	step(t, ctx, "search the directory", chromedp.Navigate(base+"/directory"),
		fill("#f-q", "a"))
	submit(t, ctx, "Search", "[data-testid=directory-search] button[type=submit]")
	step(t, ctx, "results", chromedp.WaitVisible(chromedp.CSS("[data-testid=directory-hit][data-kind=user]")))
	shot.take(ctx, "directory-search")
	step(t, ctx, "open a user", chromedp.Click(chromedp.CSS("[data-testid=directory-hit][data-kind=user] a")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=attributes]")))
	shot.take(ctx, "directory-user")
}
