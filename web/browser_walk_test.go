package web

import (
	"context"
	"encoding/pem"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/connect/connect/internal/emulator/emulatortest"
)

// TestBrowserWalk is issue 8's walk, in one browser against one app, in
// order: first-run setup creates the administrator, who connects the
// directory (a wrong key first), watches validation and the first sync,
// checks status and the directory, syncs again and adds a helpdesk account;
// helpdesk sees everything and may change nothing; the administrator comes
// back to associate a server connection with a generated certificate. Every
// page gets axe-core, screenshots and both widths (shots.check); another
// state of a page already measured gets axe-core and a screenshot (take).
func TestBrowserWalk(t *testing.T) {
	t.Parallel() // most of a walk is waiting for the app: the walks overlap
	ctx := newBrowser(t)
	// Delta pages of two objects: the first sync takes about fifteen
	// requests, each slowed while progress is looked at (emulatorDelay).
	app := newTestApp(t, withWorker(), withDeltaPageSize(2))
	shot := newShots(t, "walk")
	base := app.server.URL
	emu, tn := app.emu, app.emu.Tenant

	// Nesting for the directory step, made in Entra ID before the first
	// sync: Nina is in Walk Team, and Walk Team is in Walk Division.
	nina := emu.CreateUser(t, map[string]any{"displayName": "Nina Nested", "userPrincipalName": "nina.nested@" + tn.Domain})
	team := emu.CreateGroup(t, map[string]any{"displayName": "Walk Team"})
	division := emu.CreateGroup(t, map[string]any{"displayName": "Walk Division"})
	emu.AddMember(t, team, nina)
	emu.AddMember(t, division, team)

	// First-run setup: the administrator created here is used onwards.
	step(t, ctx, "open the setup link",
		chromedp.Navigate(base+"/setup?token="+app.setupToken(time.Now().Add(time.Hour))),
		chromedp.WaitVisible(chromedp.CSS("#f-email")))
	shot.check(ctx, "setup")
	step(t, ctx, "submit a short password",
		fill("#f-email", "first@example.com"),
		fill("#f-password", "short"),
		fill("#f-password_confirm", "short"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=error-summary]")))
	shot.take(ctx, "setup-error")
	mustShow(t, ctx, "[data-testid=error-password]", "at least 12")
	step(t, ctx, "create the administrator",
		fill("#f-password", testPassword),
		fill("#f-password_confirm", testPassword),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=settings-form]")))
	shot.check(ctx, "welcome-settings")
	if who := text(t, ctx, "[data-testid=signed-in-email]"); who != "first@example.com" {
		t.Fatalf("signed in as %q", who)
	}
	step(t, ctx, "choose Australia", chromedp.Click(chromedp.CSS("#f-region-australia")))
	submit(t, ctx, "save settings", "[data-testid=settings-form] button[type=submit]")
	mustShow(t, ctx, "[data-testid=flash]", "Settings saved")
	if !value(t, ctx, "read the region", chromedp.Evaluate[bool](`document.querySelector("#f-region-australia").checked`)) {
		t.Fatal("Australia not saved")
	}

	// Platform › Synchronize Your Directory › Start, a wrong key, the right key.
	step(t, ctx, "the empty list", chromedp.Navigate(base+"/directory-sync"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=no-connections]")))
	shot.check(ctx, "directory-sync-empty")
	step(t, ctx, "Start", chromedp.Click(chromedp.CSS("[data-testid=start-azure]")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=connection-form]")),
		chromedp.Click(chromedp.CSS(".howto summary")))
	shot.check(ctx, "wizard-form")
	step(t, ctx, "fill in a wrong key",
		fill("#f-application_id", tn.AppID),
		fill("#f-key", "this-is-not-the-key"),
		fill("#f-tenant_domain", tn.Domain))
	submit(t, ctx, "Synchronise", "[data-testid=synchronise]")
	step(t, ctx, "the failure shows", chromedp.WaitVisible(chromedp.CSS("[data-testid=validation-failed]")))
	shot.check(ctx, "wrong-key")
	mustShow(t, ctx, "[data-testid=step-2-fix]", "not its Secret ID")
	if code := text(t, ctx, "[data-testid=step-2-code]"); code != "AADSTS7000215" {
		t.Fatalf("code %q", code)
	}
	step(t, ctx, "Try again", chromedp.Click(chromedp.CSS("[data-testid=try-again]")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=connection-form]")))
	if kept := value(t, ctx, "read the application ID", chromedp.Value(chromedp.CSS("#f-application_id"))); kept != tn.AppID {
		t.Fatalf("Try again kept application ID %q", kept)
	}

	// Slow Graph down so validation's directory read and the first sync
	// last long enough to be seen running; cleared once progress was seen.
	emu.SetFault(t, emulatorDelay)
	step(t, ctx, "the right key", chromedp.SendKeys(chromedp.CSS("#f-key"), tn.Secret))
	submit(t, ctx, "Synchronise again", "[data-testid=synchronise]")
	step(t, ctx, "validation runs", chromedp.WaitVisible(chromedp.CSS("[data-testid=validation][data-state=running]")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=step-1][data-state=passed]")))
	shot.check(ctx, "validation-running")
	// The page updates itself and moves on to the summary once validation passes.
	// The summary reloads itself when the first sync ends: it gets its
	// checks once that happened.
	waitVisible(t, ctx, shot, "the summary", "[data-testid=summary]", 60*time.Second)
	shot.shot(ctx, "summary-first-sync-running")
	connID := strings.TrimPrefix(location(t, ctx), base+"/connections/")
	if got := text(t, ctx, "[data-testid=tenant-id]"); got != tn.ID {
		t.Fatalf("tenant ID %q", got)
	}
	if got := text(t, ctx, "[data-testid=key-masked]"); got != tn.Secret[:3]+"•••••" {
		t.Fatalf("masked key %q", got)
	}

	// The first sync, handed to the worker at once, shows its progress.
	step(t, ctx, "status while the first sync runs", chromedp.Navigate(base+"/status"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=status-row-"+connID+"] [data-testid=progress]")))
	shot.take(ctx, "status-first-sync")
	runHref := attr(t, ctx, "[data-testid=status-row-"+connID+"] [data-testid=progress] a", "href")
	if !strings.HasPrefix(runHref, "/runs/") {
		t.Fatalf("progress links to %q", runHref)
	}
	step(t, ctx, "the first run", chromedp.Navigate(base+runHref), chromedp.WaitVisible(chromedp.CSS("[data-testid=run-progress]")))
	if !eventuallyShows(ctx, "#run-title", []string{"Running"}, 20*time.Second) {
		shot.take(ctx, "first-sync-not-running")
		t.Fatalf("the first run never showed as running: %q", text(t, ctx, "#run-title"))
	}
	shot.take(ctx, "run-running")
	emu.ClearFault(t)
	waitVisible(t, ctx, shot, "the first run succeeds", "[data-testid=run-live] .badge--green", 60*time.Second)
	shot.check(ctx, "run-detail")
	step(t, ctx, "the summary after the first sync", chromedp.Navigate(base+"/connections/"+connID),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=last-run] .badge--green")))
	shot.check(ctx, "summary")
	mustShow(t, ctx, "[data-testid=last-run]", "Succeeded", "Users: 13 added")

	// /status: the connection is green (the emulator's key lasts two years).
	step(t, ctx, "status", chromedp.Navigate(base+"/status"), chromedp.WaitVisible(chromedp.CSS("[data-testid=status-table]")))
	shot.check(ctx, "status")
	if health := attr(t, ctx, "[data-testid=status-row-"+connID+"] [data-testid=health]", "data-health"); health != "green" {
		t.Fatalf("health on /status %q: %q", health, text(t, ctx, "[data-testid=status-row-"+connID+"]"))
	}

	// The directory: Nina is found, and her page shows Walk Division
	// reached through Walk Team.
	step(t, ctx, "search the directory", chromedp.Navigate(base+"/directory"),
		chromedp.SendKeys(chromedp.CSS("#f-q"), "Nina"),
		chromedp.Submit(chromedp.CSS("#f-q")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=directory-hit]")))
	shot.check(ctx, "directory-search")
	mustShow(t, ctx, "[data-testid=directory-results] tbody", "Nina Nested")
	step(t, ctx, "open Nina", chromedp.Click(chromedp.CSS("[data-testid=directory-hit][data-kind=user] a")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=attributes]")))
	shot.check(ctx, "directory-user")
	mustShow(t, ctx, "[data-testid=group-path][data-direct=true]", "Walk Team", "direct member")
	mustShow(t, ctx, "[data-testid=group-path][data-direct=false]", "Walk Division", "through", "Walk Team")
	step(t, ctx, "open Walk Division", chromedp.Click(chromedp.CSS("[data-testid=group-path][data-direct=false] a")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=members]")))
	shot.check(ctx, "directory-group")

	// Sync now: queued at once, carried out by the worker, shown when done.
	emu.CreateUser(t, map[string]any{"displayName": "Walk Newcomer", "userPrincipalName": "walk.newcomer@" + tn.Domain})
	step(t, ctx, "back to the summary", chromedp.Navigate(base+"/connections/"+connID), chromedp.WaitVisible(chromedp.CSS("[data-testid=sync-now]")))
	submit(t, ctx, "Sync now", "[data-testid=sync-now]")
	mustShow(t, ctx, "[data-testid=flash]", "queued")
	if !eventuallyShows(ctx, "[data-testid=last-run]", []string{"Sync now", "Users: 1 added"}, 60*time.Second) {
		shot.take(ctx, "sync-now-stuck")
		t.Fatal("the Sync now run did not show as done")
	}
	shot.take(ctx, "summary-after-sync-now")
	// JavaScript put the viewer's own zone beside the region's.
	mustShow(t, ctx, "#next-run-local-0", "your time")
	step(t, ctx, "run history", chromedp.Navigate(base+"/connections/"+connID+"/runs"), chromedp.WaitVisible(chromedp.CSS("[data-testid=runs-table] tbody")))
	shot.check(ctx, "runs")

	// Accounts, an API token and the audit log.
	step(t, ctx, "add a helpdesk user",
		chromedp.Navigate(base+"/users"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=add-user-form]")),
		fill("[data-testid=add-user-form] #f-email", "help@example.com"),
		fill("[data-testid=add-user-form] #f-password", testPassword))
	submit(t, ctx, "add user", "[data-testid=add-user-form] button[type=submit]")
	shot.check(ctx, "users")
	mustShow(t, ctx, "[data-testid=users-table]", "help@example.com")
	step(t, ctx, "name a token", chromedp.Navigate(base+"/settings"), fill("#f-name", "Prometheus"))
	submit(t, ctx, "create token", "[data-testid=create-token]")
	step(t, ctx, "the token shows once", chromedp.WaitVisible(chromedp.CSS("[data-testid=new-token]")))
	shot.check(ctx, "settings-token")
	step(t, ctx, "audit", chromedp.Navigate(base+"/audit"), chromedp.WaitVisible(chromedp.CSS("[data-testid=audit-row]")))
	shot.check(ctx, "audit")

	// Helpdesk: sees status and connections, no action, and a POST is refused.
	signOut(t, ctx)
	shot.check(ctx, "login")
	signIn(t, ctx, "help@example.com")
	for _, page := range []struct{ name, path, wait string }{
		{"helpdesk-status", "/status", "[data-testid=status-table]"},
		{"helpdesk-connection", "/connections/" + connID, "[data-testid=summary]"},
		{"helpdesk-runs", "/connections/" + connID + "/runs", "[data-testid=runs-table]"},
		{"helpdesk-server-connections", "/server-connections/office365", "main h1"},
	} {
		step(t, ctx, page.name, chromedp.Navigate(base+page.path), chromedp.WaitVisible(chromedp.CSS(page.wait)))
		shot.check(ctx, page.name)
		if actions := actionsOffered(t, ctx); len(actions) > 0 {
			t.Errorf("helpdesk is offered actions on %s: %v", page.path, actions)
		}
	}
	for _, path := range []string{"/connections/" + connID + "/sync", "/connections/" + connID + "/disable", "/connections/" + connID + "/delete"} {
		if status := postFromPage(t, ctx, path); status != 403 {
			t.Errorf("helpdesk POST %s from the page: status %d, want 403", path, status)
		}
	}
	step(t, ctx, "helpdesk opens /users", chromedp.Navigate(base+"/users"), chromedp.WaitVisible(chromedp.CSS("[data-testid=error-403]")))
	shot.take(ctx, "helpdesk-403")

	// The administrator associates a server connection with the generated
	// certificate.
	signOut(t, ctx)
	signIn(t, ctx, "first@example.com")
	step(t, ctx, "open the server connection page", chromedp.Navigate(base+"/server-connections/office365"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=manifest-entry]")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=ews-retirement]")),
		// static/app.js shows the copy button only when it can copy.
		chromedp.WaitVisible(chromedp.CSS("[data-testid=copy-manifest]")))
	shot.check(ctx, "server-connection-certificate")
	entry := readManifestEntry(t, text(t, ctx, "[data-testid=manifest-entry]"))
	// The administrator uploads the certificate in the portal.
	certs, err := app.store.ServerCertificates(context.Background())
	if err != nil || len(certs) != 1 || certs[0].Thumbprint != entry.CustomKeyIdentifier {
		t.Fatalf("stored certificates %d (%v) do not match the entry shown", len(certs), err)
	}
	emu.AddCertificate(t, tn.AppID, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certs[0].CertDER}))
	emu.SetRoles(t, tn.AppID, []string{"Mail.ReadWrite"}, nil)
	step(t, ctx, "fill in the server connection form",
		fill("#f-application_id", tn.AppID),
		fill("#f-tenant_domain", tn.Domain))
	submit(t, ctx, "Validate", "[data-testid=validate-server-connection]")
	waitVisible(t, ctx, shot, "the server connection summary", "[data-testid=summary]", 30*time.Second)
	shot.check(ctx, "server-connection-summary")
	if got := text(t, ctx, "[data-testid=certificate-thumbprint]"); got != entry.CustomKeyIdentifier {
		t.Fatalf("thumbprint on the summary %q, want %q", got, entry.CustomKeyIdentifier)
	}
}

// emulatorDelay slows every Graph answer of the emulator: long enough that
// validation's directory read and the first sync are seen running, short
// enough to keep the walk quick.
var emulatorDelay = emulatortest.Fault{DelayMS: 1500}

// waitVisible waits longer than a step may, for work done in the
// background; a screenshot shows where it stuck.
func waitVisible(t *testing.T, ctx context.Context, shot *shots, what, sel string, limit time.Duration) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		shot.shot(ctx, "stuck-"+strings.ReplaceAll(what, " ", "-"))
		t.Fatalf("%s never came: %v", what, err)
	}
}

func signIn(t *testing.T, ctx context.Context, email string) {
	t.Helper()
	step(t, ctx, "sign in as "+email, chromedp.WaitVisible(chromedp.CSS("#f-email")),
		fill("#f-email", email),
		fill("#f-password", testPassword))
	submit(t, ctx, "sign in as "+email, "button[type=submit]")
	step(t, ctx, "signed in as "+email, chromedp.WaitVisible(chromedp.CSS("[data-testid=signed-in-email]")))
}

// signOut leaves the session and lands on the sign-in page.
func signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	submit(t, ctx, "sign out", ".account__signout button")
	mustShow(t, ctx, "[data-testid=flash]", "signed out")
}

// actionsOffered lists what the page's main part offers that changes
// something: forms that post, and the connection actions.
func actionsOffered(t *testing.T, ctx context.Context) []string {
	t.Helper()
	const find = `Array.from(document.querySelectorAll(` +
		`'main form[method=post], main [data-testid=connection-actions], main [data-testid=sync-now], main [data-testid=edit], ` +
		`main [data-testid=disable], main [data-testid=delete], main a[href$="/edit"], main a[href$="/delete"]'` +
		`)).map(e => e.outerHTML.slice(0, 120))`
	return value(t, ctx, "look for actions", chromedp.Evaluate[[]string](find))
}

// postFromPage posts an empty form with fetch from the page, as a script
// of the page's own origin would, and answers the status.
func postFromPage(t *testing.T, ctx context.Context, path string) int {
	t.Helper()
	js := `fetch(` + strconv.Quote(path) + `, {method: "POST", credentials: "same-origin", redirect: "manual",
		headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: ""}).then(r => r.status)`
	return value(t, ctx, "POST "+path+" from the page", chromedp.Evaluate[int](js, awaitPromise))
}

// mustShow fails the test unless the element's text holds every want.
func mustShow(t *testing.T, ctx context.Context, sel string, want ...string) {
	t.Helper()
	got := text(t, ctx, sel)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Fatalf("%s shows %q, without %q", sel, got, w)
		}
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
