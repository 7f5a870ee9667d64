package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/emulator/emulatortest"
	"github.com/connect/connect/internal/entra"
	"github.com/connect/connect/internal/graph"
	"github.com/connect/connect/internal/secrets"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/internal/testutil"
	"github.com/connect/connect/internal/validation"
	"github.com/connect/connect/internal/worker"
)

// testApp is the real router over a real SQLite file, served by httptest.
type testApp struct {
	t      *testing.T
	store  *store.Store
	server *httptest.Server
	logs   *testutil.SyncBuffer
	emu    *emulatortest.Server
	dbPath string
	sealer *secrets.Sealer
}

const testPassword = "correct horse battery"

// appOption changes what newTestApp starts.
type appOption func(*appConfig)

type appConfig struct {
	worker  bool
	emu     emulatortest.Options
	baseURL string
}

// withTenantUsers sizes the emulated tenant.
func withTenantUsers(n int) appOption { return func(c *appConfig) { c.emu.Users = n } }

// withWorker runs the real sync worker, so queued runs are carried out.
func withWorker() appOption { return func(c *appConfig) { c.worker = true } }

// withBaseURL sets Options.BaseURL (an https one turns on Secure cookies,
// __Host- and HSTS); the test server itself still speaks plain http.
func withBaseURL(u string) appOption { return func(c *appConfig) { c.baseURL = u } }

// withDeltaPageSize makes the emulator answer delta queries in pages of n
// objects, so a sync of the small test tenant takes many requests.
func withDeltaPageSize(n int) appOption { return func(c *appConfig) { c.emu.DeltaPageSize = n } }

func newTestApp(t *testing.T, opts ...appOption) *testApp {
	t.Helper()
	cfg := appConfig{baseURL: "http://127.0.0.1", emu: emulatortest.Options{Users: 12, Groups: 4, Seed: 7}}
	for _, o := range opts {
		o(&cfg)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "connect.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	logs := &testutil.SyncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	sealer, err := secrets.LoadOrCreateKey(filepath.Join(t.TempDir(), "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	emu := emulatortest.Start(t, cfg.emu)
	clients := entra.NewClients(emu.Client)
	runner := validation.New(validation.Options{Store: st, Sealer: sealer, Logger: log,
		Validator: &entra.Validator{Clients: clients, GraphOptions: []graph.Option{graph.WithBackoff(time.Millisecond, 10*time.Millisecond)}}})
	t.Cleanup(func() { runner.Shutdown(context.Background()) })
	var runs RunNotifier
	if cfg.worker {
		wk, err := worker.New(worker.Options{Store: st, Sealer: sealer, Clients: clients, Workers: 2, Logger: log,
			PollInterval: 100 * time.Millisecond, GraphOptions: []graph.Option{graph.WithBackoff(time.Millisecond, 10*time.Millisecond)}})
		if err != nil {
			t.Fatal(err)
		}
		runner.SetNotifier(wk)
		runs = wk
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- wk.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
	}
	h, err := New(Options{Store: st, SessionStore: st.Sessions(0), Logger: log, BaseURL: cfg.baseURL,
		Sealer: sealer, Validations: runner, Runs: runs, AuthorityHost: emu.URL, GraphURL: emu.URL})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Routes())
	t.Cleanup(srv.Close)
	return &testApp{t: t, store: st, server: srv, logs: logs, emu: emu, dbPath: filepath.Join(filepath.Dir(st.Path()), "connect.db"),
		sealer: sealer}
}

// addUser creates an account directly in the store.
func (a *testApp) addUser(email, role string) store.User {
	a.t.Helper()
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		a.t.Fatal(err)
	}
	u, err := a.store.CreateUser(context.Background(), email, hash, role)
	if err != nil {
		a.t.Fatal(err)
	}
	return u
}

// browser is one visitor with its own cookie jar; it does not follow
// redirects so tests can see them.
type browser struct {
	app    *testApp
	client *http.Client
}

func (a *testApp) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{app: a, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) get(path string) *http.Response {
	b.app.t.Helper()
	resp, err := b.client.Get(b.app.server.URL + path)
	if err != nil {
		b.app.t.Fatal(err)
	}
	return resp
}

// post sends a same-origin form, as a browser would (Sec-Fetch-Site).
func (b *browser) post(path string, form url.Values) *http.Response {
	b.app.t.Helper()
	return b.postFrom("same-origin", path, form)
}

// postFrom sends a form as a browser would from site ("cross-site": a form
// on another site).
func (b *browser) postFrom(site, path string, form url.Values) *http.Response {
	b.app.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.app.server.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", site)
	resp, err := b.client.Do(req)
	if err != nil {
		b.app.t.Fatal(err)
	}
	return resp
}

func (b *browser) signIn(email string) {
	b.app.t.Helper()
	resp := b.post("/login", url.Values{"email": {email}, "password": {testPassword}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		b.app.t.Fatalf("sign in as %s: status %d", email, resp.StatusCode)
	}
}

func (b *browser) sessionCookie() string {
	u, _ := url.Parse(b.app.server.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "connect_session" {
			return c.Value
		}
	}
	return ""
}

func parse(t *testing.T, resp *http.Response) *goquery.Document {
	t.Helper()
	defer resp.Body.Close()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func drain(resp *http.Response) {
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}
