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
	// chromedp's defaults (Puppeteer's: headless, no extensions, no
	// background throttling or hang monitor) keep Chromium light on a busy
	// machine.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests run as root
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		// The machine has no internet: without these Chromium keeps trying.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
	)
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
	// Only this run's screenshots: a shorter walk must not leave old ones.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
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
	s.shot(ctx, step)
}

// shot saves the screenshot alone. JPEG: encoding a tall page as PNG costs
// the shared machine far more, and the pictures are for people to look at.
func (s *shots) shot(ctx context.Context, step string) {
	s.t.Helper()
	s.save(step, value(s.t, ctx, "screenshot "+step, chromedp.FullScreenshot(shotQuality)))
}

const shotQuality = 85

// shotRefreshing screenshots a page that reloads itself (a meta refresh):
// a capture that a reload interrupts is tried again.
func (s *shots) shotRefreshing(ctx context.Context, step string) {
	s.t.Helper()
	var err error
	for range 5 {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		var img []byte
		img, err = chromedp.Run(sctx, chromedp.FullScreenshot(shotQuality))
		cancel()
		if err == nil {
			s.save(step, img)
			return
		}
	}
	s.t.Fatalf("screenshot %s: %v", step, err)
}

func (s *shots) save(step string, img []byte) {
	s.t.Helper()
	s.n++
	file := fmt.Sprintf("%02d-%s.jpg", s.n, strings.ReplaceAll(step, " ", "-"))
	if err := os.WriteFile(filepath.Join(s.dir, file), img, 0o644); err != nil {
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
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Run(sctx, chromedp.Evaluate[bool](src+";true")); err != nil {
		t.Fatalf("load axe-core on %s: %v", where, err)
	}
	const run = `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
		.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => v.impact + " " + v.id + ": " + v.help + " [" + v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(", ") + "]"))`
	found, err := chromedp.Run(sctx, chromedp.Evaluate[[]string](run, awaitPromise))
	if err != nil {
		t.Fatalf("run axe-core on %s: %v", where, err)
	}
	return found
}

// awaitPromise makes an evaluation answer what its promise resolves to.
func awaitPromise(p *cdpruntime.EvaluateParams) {
	await := true
	p.AwaitPromise = &await
}

// The check itself must be able to fail: a page with an unlabelled input and
// an image without alt text has critical violations.
func TestBrowserAccessibilityCheckFindsProblems(t *testing.T) {
	t.Parallel() // most of a walk is waiting for the app: the walks overlap
	ctx := newBrowser(t)
	step(t, ctx, "open a broken page", chromedp.Navigate(`data:text/html,<html><body><img src="x.png"><input type="text"></body></html>`))
	if found := axeViolations(t, ctx, "a broken page"); len(found) < 2 {
		t.Fatalf("axe found %v on a page with two critical problems", found)
	}
}

// stepTimeout bounds one step. Generous: on the shared 2-core machine under
// load, typing a 36-character application ID alone took over 15 s.
const stepTimeout = 45 * time.Second

// step runs actions with a per-step timeout derived after the browser started.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// value runs one action that answers something, with a timeout: a page
// that navigates away mid-evaluation must fail the step, not hang the test.
func value[T any](t *testing.T, ctx context.Context, what string, action chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, action)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return value(t, ctx, "read "+sel, chromedp.Text(chromedp.CSS(sel)))
}

func attr(t *testing.T, ctx context.Context, sel, name string) string {
	t.Helper()
	return value(t, ctx, "read "+name+" of "+sel, chromedp.AttributeValue(chromedp.CSS(sel), name)).Value
}

// fill puts a value in a field at once. Typing key by key costs DevTools
// round trips per character, which on the loaded machine added up to most
// of a minute; the key and the directory search are still typed.
func fill(sel, v string) chromedp.Action[chromedp.Void] {
	return chromedp.SetValue(chromedp.CSS(sel), v)
}

// submit clicks a button and waits for the page the post leads to.
func submit(t *testing.T, ctx context.Context, what, button string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
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
	return value(t, ctx, "read the location", chromedp.Location())
}

// scrollWidth is how wide the page is laid out; wider than the viewport
// means it scrolls sideways.
func scrollWidth(t *testing.T, ctx context.Context) int {
	t.Helper()
	return value(t, ctx, "measure the page width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
}

// widest names the elements that reach past width, innermost first.
func widest(t *testing.T, ctx context.Context, width int64) []string {
	t.Helper()
	js := fmt.Sprintf(`Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > %d + 1)
		.filter(e => !Array.from(e.children).some(c => c.getBoundingClientRect().right > %d + 1))
		.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : "") + " " + Math.round(e.getBoundingClientRect().right) + "px")`, width, width)
	return value(t, ctx, "find what is too wide", chromedp.Evaluate[[]string](js))
}

// The widths every page must work at: a laptop and a phone.
const (
	desktopWidth = 1280
	phoneWidth   = 390
)

// check is what every page of a walk gets: axe-core, a screenshot at
// desktop width, then the same at phone width with no sideways scrolling,
// and back to desktop width for the next step.
func (s *shots) check(ctx context.Context, page string) {
	s.t.Helper()
	s.take(ctx, page)
	for _, width := range []int64{phoneWidth, desktopWidth} {
		step(s.t, ctx, fmt.Sprintf("%s at %d px", page, width), chromedp.EmulateViewport(width, 900))
		if got := scrollWidth(s.t, ctx); got > int(width)+1 {
			s.t.Errorf("%s scrolls sideways at %d px: laid out %d px wide by %v", page, width, got, widest(s.t, ctx, width))
		}
		if width == phoneWidth {
			s.shot(ctx, page+"-390")
		}
	}
}
