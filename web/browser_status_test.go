package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/connect/connect/internal/store"
)

// TestBrowserStatusPages opens the status pages in Chromium: a running run's
// progress updates in place, the viewer's own time appears beside the
// region's, and the pages fit a phone's width.
func TestBrowserStatusPages(t *testing.T) {
	ctx := newBrowser(t)
	app := newTestApp(t)
	app.addUser("help@example.com", "helpdesk")
	app.addUser("admin@example.com", "admin")
	conn, first := seedConnection(t, app.store, "contoso.com", time.Now().Add(20*24*time.Hour))
	setRun(t, app.store, first, `state = 'succeeded', started_at = ?, finished_at = ?, users_added = 1, groups_added = 2,
		memberships_added = 2, requests = 6`, ago(3*time.Hour), ago(3*time.Hour-40*time.Second))
	seedDirectory(t, app.store, conn, first)
	running, err := app.store.QueueRun(context.Background(), conn, store.TriggerManual, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	setRun(t, app.store, running, `state = 'running', started_at = ?, pages = 2, objects_processed = 321`, ago(time.Minute))
	shot := newShots(t, "status")
	base := app.server.URL

	step(t, ctx, "sign in", chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "help@example.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword))
	submit(t, ctx, "sign in", "button[type=submit]")
	step(t, ctx, "status", chromedp.Navigate(base+"/status"), chromedp.WaitVisible(chromedp.CSS("[data-testid=status-table]")))
	shot.take(ctx, "status")
	if local := text(t, ctx, "#last-success-local-0"); !strings.Contains(local, "your time") {
		t.Errorf("viewer's time not shown: %q", local)
	}

	step(t, ctx, "running run", chromedp.Navigate(base+"/runs/"+running), chromedp.WaitVisible(chromedp.CSS("[data-testid=run-progress]")))
	shot.take(ctx, "run-running")
	setRun(t, app.store, running, `objects_processed = 999`)
	step(t, ctx, "progress updates in place", chromedp.Poll[chromedp.Void](
		`document.querySelector("[data-testid=run-progress]").textContent.includes("999")`, chromedp.WithPollingTimeout(10*time.Second)))
	setRun(t, app.store, running, `state = 'succeeded', finished_at = ?`, ago(0))
	step(t, ctx, "the run ends in place", chromedp.Poll[chromedp.Void](
		`!document.querySelector("[data-live-refresh]") && document.querySelector("#run-live").textContent.includes("Succeeded")`,
		chromedp.WithPollingTimeout(10*time.Second)))

	for _, page := range []struct{ name, path, wait string }{
		{"run-finished", "/runs/" + first, "[data-testid=run-log], [data-testid=log-empty]"},
		{"history", "/connections/" + conn + "/runs", "[data-testid=runs-table]"},
		{"directory-search", "/directory?q=a", "[data-testid=directory-results]"},
		{"directory-user", "/directory/" + conn + "/users/u-ann", "[data-testid=attributes]"},
		{"directory-group", "/directory/" + conn + "/groups/g-sales", "[data-testid=members]"},
	} {
		step(t, ctx, page.name, chromedp.Navigate(base+page.path), chromedp.WaitVisible(chromedp.CSS(page.wait)))
		shot.take(ctx, page.name)
	}
	step(t, ctx, "phone width", chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/status"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=status-table]")))
	shot.take(ctx, "status-390")
	if !fitsWidth(t, ctx) {
		t.Error("status scrolls sideways at 390 px")
	}

	// An administrator creates an API token (shown once) and reads the audit log.
	step(t, ctx, "desktop width", chromedp.EmulateViewport(1280, 900))
	step(t, ctx, "sign out", chromedp.Navigate(base+"/settings"), chromedp.WaitVisible(chromedp.CSS(".account__signout button")))
	submit(t, ctx, "sign out", ".account__signout button")
	step(t, ctx, "sign in as administrator", chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword))
	submit(t, ctx, "sign in", "button[type=submit]")
	step(t, ctx, "settings", chromedp.Navigate(base+"/settings"), chromedp.SendKeys(chromedp.CSS("#f-name"), "Prometheus"))
	submit(t, ctx, "create token", "[data-testid=create-token]")
	step(t, ctx, "the token shows once", chromedp.WaitVisible(chromedp.CSS("[data-testid=new-token]")))
	shot.take(ctx, "api-token-created")
	step(t, ctx, "audit", chromedp.Navigate(base+"/audit"), chromedp.WaitVisible(chromedp.CSS("[data-testid=audit-row]")))
	shot.take(ctx, "audit")
}
