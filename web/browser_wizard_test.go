package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestBrowserDirectorySyncWizard(t *testing.T) {
	ctx := newBrowser(t)
	app := newTestApp(t, withWorker())
	app.addUser("admin@example.com", "admin")
	shot := newShots(t, "wizard")
	base := app.server.URL
	tn := app.emu.Tenant

	step(t, ctx, "sign in",
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword))
	submit(t, ctx, "sign in", "button[type=submit]")
	step(t, ctx, "the empty list", chromedp.WaitVisible(chromedp.CSS("[data-testid=no-connections]")))
	shot.take(ctx, "directory-sync-empty")

	step(t, ctx, "Start", chromedp.Click(chromedp.CSS("[data-testid=start-azure]")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=connection-form]")),
		chromedp.Click(chromedp.CSS(".howto summary")))
	shot.take(ctx, "form")

	step(t, ctx, "fill in a wrong key",
		chromedp.SendKeys(chromedp.CSS("#f-application_id"), tn.AppID),
		chromedp.SendKeys(chromedp.CSS("#f-key"), "this-is-not-the-key"),
		chromedp.SendKeys(chromedp.CSS("#f-tenant_domain"), tn.Domain))
	submit(t, ctx, "Synchronise", "[data-testid=synchronise]")
	step(t, ctx, "the failure shows", chromedp.WaitVisible(chromedp.CSS("[data-testid=validation-failed]")))
	shot.take(ctx, "wrong-key")
	if fix := text(t, ctx, "[data-testid=step-2-fix]"); !strings.Contains(fix, "not its Secret ID") {
		t.Fatalf("advice for a wrong key: %q", fix)
	}
	if code := text(t, ctx, "[data-testid=step-2-code]"); code != "AADSTS7000215" {
		t.Fatalf("code %q", code)
	}

	step(t, ctx, "Try again", chromedp.Click(chromedp.CSS("[data-testid=try-again]")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=connection-form]")))
	kept, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#f-application_id")))
	if err != nil || kept != tn.AppID {
		t.Fatalf("Try again kept application ID %q (%v)", kept, err)
	}
	step(t, ctx, "the right key", chromedp.SendKeys(chromedp.CSS("#f-key"), tn.Secret))
	submit(t, ctx, "Synchronise again", "[data-testid=synchronise]")
	// The page updates itself and moves on to the summary once validation passes.
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS("[data-testid=summary]"))); err != nil {
		shot.take(ctx, "stuck")
		t.Fatalf("summary never came: %v", err)
	}
	shot.take(ctx, "summary")
	if got := text(t, ctx, "[data-testid=tenant-id]"); got != tn.ID {
		t.Fatalf("tenant ID %q", got)
	}
	if got := text(t, ctx, "[data-testid=key-masked]"); got != tn.Secret[:3]+"•••••" {
		t.Fatalf("masked key %q", got)
	}
	// The first sync runs in the background; the page updates itself when it ends.
	sctx, cancel2 := context.WithTimeout(ctx, 60*time.Second)
	defer cancel2()
	if err := chromedp.Do(sctx, chromedp.WaitVisible(chromedp.CSS("[data-testid=last-run] .badge--green"))); err != nil {
		shot.take(ctx, "first-sync-stuck")
		t.Fatalf("the first sync did not show as succeeded: %v", err)
	}
	shot.take(ctx, "first-sync-done")
	if last := text(t, ctx, "[data-testid=last-run]"); !strings.Contains(last, "Succeeded") || !strings.Contains(last, "Users: 12 added") {
		t.Fatalf("last run: %q", last)
	}
	// Sync now: queued at once, carried out by the worker, shown when done.
	app.emu.CreateUser(t, map[string]any{"displayName": "Walk Newcomer", "userPrincipalName": "walk.newcomer@" + tn.Domain})
	submit(t, ctx, "Sync now", "[data-testid=sync-now]")
	if msg := text(t, ctx, "[data-testid=flash]"); !strings.Contains(msg, "queued") {
		t.Fatalf("flash after Sync now: %q", msg)
	}
	if !eventuallyShows(ctx, "[data-testid=last-run]", []string{"Sync now", "Users: 1 added"}, 60*time.Second) {
		shot.take(ctx, "sync-now-stuck")
		t.Fatal("the Sync now run did not show as done")
	}
	shot.take(ctx, "sync-now-done")
	// JavaScript put the viewer's own zone beside the region's.
	if local := text(t, ctx, "#next-run-local-0"); !strings.Contains(local, "your time") {
		t.Errorf("viewer's zone not shown: %q", local)
	}

	step(t, ctx, "phone width", chromedp.EmulateViewport(390, 844), chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=summary]")))
	shot.take(ctx, "summary-390")
	if !fitsWidth(t, ctx) {
		t.Error("summary scrolls sideways at 390 px")
	}
}

// eventuallyShows reads an element's text until it holds every want, riding
// out the page's own reloads (a finished run reloads the summary).
func eventuallyShows(ctx context.Context, sel string, want []string, limit time.Duration) bool {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		got, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
		cancel()
		if err != nil {
			continue
		}
		all := true
		for _, w := range want {
			all = all && strings.Contains(got, w)
		}
		if all {
			return true
		}
	}
	return false
}
