package web

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Browser tests drive Debian's Chromium through chromedp. `make test` sets
// CONNECT_BROWSER_TESTS=required, so a missing browser fails there instead
// of passing silently; a plain `go test` skips them when no browser exists.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("CONNECT_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(path); err != nil {
		if os.Getenv("CONNECT_BROWSER_TESTS") == "required" {
			t.Fatalf("browser tests are required but %s is missing: run 'make browser-deps'", path)
		}
		t.Skipf("no Chromium at %s; `make test` installs it", path)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests run as root
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		// The machine has no internet: without these Chromium keeps trying.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first Run starts the browser: no timeout on this context.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// shots saves a full-page screenshot per step under testoutput/browser.
type shots struct {
	t   *testing.T
	dir string
	n   int
	// noAxe is set where scripts are off: axe-core cannot run there.
	noAxe bool
}

func newShots(t *testing.T, name string) *shots {
	dir := os.Getenv("CONNECT_TEST_OUTPUT")
	if dir == "" {
		dir = filepath.Join("..", "testoutput")
	}
	dir = filepath.Join(dir, "browser", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &shots{t: t, dir: dir}
}

func (s *shots) take(ctx context.Context, step string) {
	s.t.Helper()
	if !s.noAxe {
		checkAccessibility(s.t, ctx, step)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.t.Fatalf("screenshot %s: %v", step, err)
	}
	s.n++
	file := fmt.Sprintf("%02d-%s.png", s.n, strings.ReplaceAll(step, " ", "-"))
	if err := os.WriteFile(filepath.Join(s.dir, file), png, 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// axeSource is axe-core, vendored from npm (testdata/axe-core/README).
var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(filepath.Join("testdata", "axe-core", "axe.min.js"))
	return string(b), err
})

// checkAccessibility runs axe-core in the page and fails on any serious or
// critical violation. DevTools evaluation is not subject to the page's CSP.
func checkAccessibility(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	for _, v := range axeViolations(t, ctx, where) {
		t.Errorf("accessibility on %s: %s", where, v)
	}
}

func axeViolations(t *testing.T, ctx context.Context, where string) []string {
	t.Helper()
	src, err := axeSource()
	if err != nil {
		t.Fatalf("read axe-core: %v", err)
	}
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(sctx, chromedp.Evaluate[bool](src+";true")); err != nil {
		t.Fatalf("load axe-core on %s: %v", where, err)
	}
	const run = `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
		.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => v.impact + " " + v.id + ": " + v.help + " [" + v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(", ") + "]"))`
	found, err := chromedp.Run(sctx, chromedp.Evaluate[[]string](run, func(p *cdpruntime.EvaluateParams) {
		await := true
		p.AwaitPromise = &await
	}))
	if err != nil {
		t.Fatalf("run axe-core on %s: %v", where, err)
	}
	return found
}

// The check itself must be able to fail: a page with an unlabelled input and
// an image without alt text has critical violations.
func TestBrowserAccessibilityCheckFindsProblems(t *testing.T) {
	ctx := newBrowser(t)
	step(t, ctx, "open a broken page", chromedp.Navigate(`data:text/html,<html><body><img src="x.png"><input type="text"></body></html>`))
	if found := axeViolations(t, ctx, "a broken page"); len(found) < 2 {
		t.Fatalf("axe found %v on a page with two critical problems", found)
	}
}

// step runs actions with a per-step timeout derived after the browser started.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

// submit clicks a button and waits for the page the post leads to.
func submit(t *testing.T, ctx context.Context, what, button string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(sctx, chromedp.Click(chromedp.CSS(button)))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if resp != nil && resp.Status >= 500 {
		t.Fatalf("%s: status %d", what, resp.Status)
	}
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// fitsWidth is true when the page does not scroll sideways.
func fitsWidth(t *testing.T, ctx context.Context) bool {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth + 1`))
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestBrowserFirstRunAndAccounts(t *testing.T) {
	ctx := newBrowser(t)
	app := newTestApp(t)
	token := app.setupToken(time.Now().Add(time.Hour))
	shot := newShots(t, "first-run")
	base := app.server.URL

	step(t, ctx, "open the setup link",
		chromedp.Navigate(base+"/setup?token="+token),
		chromedp.WaitVisible(chromedp.CSS("#f-email")))
	shot.take(ctx, "setup-form")

	// A mistake first: the error summary and the field error appear, typed email kept.
	step(t, ctx, "submit a short password",
		chromedp.SendKeys(chromedp.CSS("#f-email"), "first@example.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "short"),
		chromedp.SendKeys(chromedp.CSS("#f-password_confirm"), "short"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=error-summary]")))
	shot.take(ctx, "setup-error")
	if msg := text(t, ctx, "[data-testid=error-password]"); !strings.Contains(msg, "at least 12") {
		t.Fatalf("password error %q", msg)
	}
	step(t, ctx, "create the administrator",
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.SendKeys(chromedp.CSS("#f-password_confirm"), testPassword),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=settings-form]")))
	shot.take(ctx, "welcome-settings")
	if who := text(t, ctx, "[data-testid=signed-in-email]"); who != "first@example.com" {
		t.Fatalf("signed in as %q", who)
	}

	step(t, ctx, "choose Australia", chromedp.Click(chromedp.CSS("#f-region-australia")))
	submit(t, ctx, "save settings", "[data-testid=settings-form] button[type=submit]")
	if msg := text(t, ctx, "[data-testid=flash]"); !strings.Contains(msg, "Settings saved") {
		t.Fatalf("flash after saving settings: %q", msg)
	}
	checked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#f-region-australia").checked`))
	if err != nil || !checked {
		t.Fatalf("Australia not saved: %v", err)
	}

	step(t, ctx, "add a helpdesk user",
		chromedp.Navigate(base+"/users"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=add-user-form]")),
		chromedp.SendKeys(chromedp.CSS("[data-testid=add-user-form] #f-email"), "help@example.com"),
		chromedp.SendKeys(chromedp.CSS("[data-testid=add-user-form] #f-password"), testPassword))
	submit(t, ctx, "add user", "[data-testid=add-user-form] button[type=submit]")
	shot.take(ctx, "users")
	if rows := text(t, ctx, "[data-testid=users-table]"); !strings.Contains(rows, "help@example.com") {
		t.Fatalf("users table: %q", rows)
	}

	submit(t, ctx, "sign out", ".account__signout button")
	if msg := text(t, ctx, "[data-testid=flash]"); !strings.Contains(msg, "signed out") {
		t.Fatalf("flash after sign-out: %q", msg)
	}
	step(t, ctx, "sign in as helpdesk",
		chromedp.SendKeys(chromedp.CSS("#f-email"), "help@example.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=signed-in-role]")),
		chromedp.Navigate(base+"/settings"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=region]")))
	shot.take(ctx, "helpdesk-settings")
	if role := text(t, ctx, "[data-testid=signed-in-role]"); role != "Helpdesk" {
		t.Fatalf("role shown %q", role)
	}
	if nav := text(t, ctx, ".main-nav"); strings.Contains(nav, "Users") {
		t.Error("helpdesk navigation offers Users")
	}
	step(t, ctx, "helpdesk opens /users", chromedp.Navigate(base+"/users"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=error-403]")))
	shot.take(ctx, "helpdesk-403")

	// Narrow screens: the page never scrolls sideways.
	step(t, ctx, "phone width", chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/settings"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=region]")))
	shot.take(ctx, "settings-390")
	if !fitsWidth(t, ctx) {
		t.Error("settings page scrolls sideways at 390 px")
	}
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/settings") {
		t.Errorf("location %q", loc)
	}
}
