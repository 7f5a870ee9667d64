package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// wantSecurityHeaders is DESIGN.md's "Security defaults", written out here
// rather than read from the constant the middleware uses, so changing the
// policy in code alone fails this test.
var wantSecurityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
	"X-Content-Type-Options":  "nosniff",
	"Referrer-Policy":         "same-origin",
}

func checkSecurityHeaders(t *testing.T, what string, resp *http.Response) {
	t.Helper()
	for k, v := range wantSecurityHeaders {
		if got := resp.Header.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s: %s = %q, want exactly %q", what, k, got, v)
		}
	}
}

// fillPattern makes a chi pattern concrete with IDs that exist, so each
// page renders in full rather than as a 404: the ID after "connections" is
// a real connection, after "runs" a real run, and so on. Anything else gets
// a made-up ID.
func fillPattern(pattern string, ids map[string]string) string {
	parts := strings.Split(pattern, "/")
	for i, part := range parts {
		switch {
		case part == "*":
			parts[i] = "app.css"
		case part == "{conn}":
			parts[i] = ids["connections"]
		case strings.HasPrefix(part, "{"):
			parts[i] = "no-such-id"
			if id, ok := ids[parts[i-1]]; ok {
				parts[i] = id
			}
		}
	}
	return strings.Join(parts, "/")
}

// Every GET route, for each kind of visitor, plus the error pages, carries
// the headers DESIGN.md asks for.
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	app.addUser("help@example.com", "helpdesk")
	conn, run := seedConnection(t, app.store, "headers.example.com", time.Now().Add(90*24*time.Hour))
	setRun(t, app.store, run, `state = 'succeeded', started_at = ?, finished_at = ?`, ago(2*time.Minute), ago(time.Minute))
	seedDirectory(t, app.store, conn, run)
	ids := map[string]string{"connections": conn, "runs": run, "users": "u-ann", "groups": "g-sales"}

	admin, helpdesk, signedOut := app.browser(), app.browser(), app.browser()
	admin.signIn("admin@example.com")
	helpdesk.signIn("help@example.com")
	visitors := []struct {
		name string
		b    *browser
	}{{"admin", admin}, {"helpdesk", helpdesk}, {"signed out", signedOut}}

	var paths []string
	for _, r := range walkRoutes(t, app.server.Config.Handler) {
		if r.method == http.MethodGet {
			paths = append(paths, fillPattern(r.pattern, ids))
		}
	}
	if len(paths) < 20 {
		t.Fatalf("walked only %d GET routes", len(paths))
	}
	paths = append(paths, "/no/such/page", "/setup?token=nope", "/logout" /* 405 */)
	adminStatus := map[string]int{"/": http.StatusSeeOther, "/login": http.StatusSeeOther, "/no/such/page": http.StatusNotFound,
		"/setup": http.StatusBadRequest, "/setup?token=nope": http.StatusBadRequest, "/logout": http.StatusMethodNotAllowed}
	for _, v := range visitors {
		t.Run(v.name, func(t *testing.T) {
			for _, p := range paths {
				resp := v.b.get(p)
				drain(resp)
				if resp.StatusCode >= 500 {
					t.Errorf("GET %s: status %d", p, resp.StatusCode)
				}
				// Real IDs: an administrator sees every page, not a 404.
				want, listed := adminStatus[p]
				if !listed && strings.Contains(p, "no-such-id") {
					want, listed = http.StatusNotFound, true
				}
				if !listed {
					want = http.StatusOK
				}
				if v.b == admin && resp.StatusCode != want {
					t.Errorf("GET %s as admin: status %d, want %d", p, resp.StatusCode, want)
				}
				checkSecurityHeaders(t, v.name+" GET "+p, resp)
			}
		})
	}

	// The error pages: 404, 403 for a role, 403 for another origin, 405.
	errorPages := []struct {
		name string
		resp func() *http.Response
		want int
	}{
		{"unknown page", func() *http.Response { return admin.get("/no/such/page") }, http.StatusNotFound},
		{"unknown connection", func() *http.Response { return admin.get("/connections/no-such-id") }, http.StatusNotFound},
		{"helpdesk on an administrator page", func() *http.Response { return helpdesk.get("/users") }, http.StatusForbidden},
		{"helpdesk posting", func() *http.Response { return helpdesk.post("/settings", url.Values{"region": {"australia"}}) }, http.StatusForbidden},
		{"cross-origin post", func() *http.Response {
			return admin.postFrom("cross-site", "/settings", url.Values{"region": {"australia"}})
		}, http.StatusForbidden},
		{"GET on a POST route", func() *http.Response { return admin.get("/logout") }, http.StatusMethodNotAllowed},
	}
	for _, e := range errorPages {
		t.Run(e.name, func(t *testing.T) {
			resp := e.resp()
			drain(resp)
			if resp.StatusCode != e.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, e.want)
			}
			checkSecurityHeaders(t, e.name, resp)
		})
	}
}

func TestCrossOriginPostsAreRefused(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	b := app.browser()
	b.signIn("admin@example.com")
	tests := []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{"another site by fetch metadata", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"another origin by Origin header", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"same origin", map[string]string{"Sec-Fetch-Site": "same-origin"}, http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, app.server.URL+"/settings", strings.NewReader(url.Values{"region": {"australia"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp, err := b.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			drain(resp)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestServerErrorPageShowsRequestIDNotError(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	b := app.browser()
	b.signIn("admin@example.com")
	app.store.Reader.Close() // every read now fails
	resp := b.get("/users")
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	doc := parse(t, resp)
	id := doc.Find(`[data-testid=request-id]`).Text()
	if id == "" {
		t.Fatal("500 page shows no request ID")
	}
	if strings.Contains(doc.Text(), "sql") || strings.Contains(doc.Text(), "closed") {
		t.Errorf("500 page leaks the error: %s", doc.Find("main").Text())
	}
	if !strings.Contains(app.logs.String(), id) {
		t.Error("log does not carry the request ID of the 500")
	}
}

// A client that gives up on a request (a closed tab, a poll that timed
// out) cancels what the request was waiting for; that is no server error:
// the log says so as information, with the status nginx uses, 499.
func TestAbandonedRequestIsNotAServerError(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	b := app.browser()
	b.signIn("admin@example.com")
	for _, tt := range []struct {
		name, path, authorization string
	}{
		{"page", "/users", ""},
		{"API with a token", "/api/v1/status", "Bearer some-token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			req := httptest.NewRequestWithContext(ctx, http.MethodGet, tt.path, nil)
			req.AddCookie(&http.Cookie{Name: "connect_session", Value: b.sessionCookie()})
			if tt.authorization != "" {
				req.Header.Set("Authorization", tt.authorization)
			}
			before := len(app.logs.String())
			rec := httptest.NewRecorder()
			app.server.Config.Handler.ServeHTTP(rec, req)
			if rec.Code != statusClientClosedRequest {
				t.Errorf("status %d, want %d", rec.Code, statusClientClosedRequest)
			}
			logged := app.logs.String()[before:]
			if strings.Contains(logged, "level=ERROR") {
				t.Errorf("an abandoned request was logged as an error:\n%s", logged)
			}
			if !strings.Contains(logged, "request abandoned by the client") || !strings.Contains(logged, "status=499") {
				t.Errorf("the log does not say the request was abandoned:\n%s", logged)
			}
		})
	}
}

// readPage reads a response whole: the raw bytes, as the browser gets them,
// and the parsed document.
func readPage(t *testing.T, resp *http.Response) (string, *goquery.Document) {
	t.Helper()
	raw := readAll(t, resp)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return raw, doc
}

// pageHolds reports whether a page carries needle anywhere: in its bytes, in
// its text once entities are decoded, or in any attribute (an input's value).
func pageHolds(raw string, doc *goquery.Document, needle string) bool {
	if strings.Contains(raw, needle) || strings.Contains(doc.Text(), needle) {
		return true
	}
	found := false
	doc.Find("*").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		for _, a := range s.Nodes[0].Attr {
			if strings.Contains(a.Val, needle) {
				found = true
			}
		}
		return !found
	})
	return found
}

// A key typed into the wizard or Edit is never sent back: not when the form
// comes back with an error, not on the validation page, the summary, the
// edit form, the audit log or an error page, and not in the log. The key
// here is well-formed but wrong, so it goes all the way to the emulator.
func TestSubmittedKeysAreNeverEchoed(t *testing.T) {
	app, b := signedInAdmin(t)
	tn := app.emu.Tenant
	wrongKey := "Wq8Q~echoCheck.ZyXwVuTsRqPoNmLkJiHg_fed" // Entra's shape, never issued
	type visit struct {
		name string
		do   func() *http.Response
		want int
	}
	wizard := func(key, tenant string) func() *http.Response {
		return func() *http.Response {
			return b.post("/directory-sync/azure", url.Values{"application_id": {tn.AppID}, "key": {key}, "tenant_domain": {tenant}})
		}
	}
	get := func(p string) func() *http.Response { return func() *http.Response { return b.get(p) } }
	check := func(t *testing.T, visits []visit, needle string) {
		t.Helper()
		for _, v := range visits {
			resp := v.do()
			raw, doc := readPage(t, resp)
			if resp.StatusCode != v.want {
				t.Errorf("%s: status %d, want %d", v.name, resp.StatusCode, v.want)
			}
			if pageHolds(raw, doc, needle) {
				t.Errorf("%s: the page holds the submitted key", v.name)
			}
		}
	}

	// Input errors elsewhere on the form: the well-formed key comes back blank.
	check(t, []visit{{"wizard with a bad tenant", wizard(wrongKey, "contoso"), http.StatusUnprocessableEntity}}, wrongKey)

	// Accepted, validated against the emulator, failed.
	failed := b.submitWizard(t, tn.AppID, wrongKey, tn.Domain)
	if v := app.waitValidation(t, failed); v.State != "failed" {
		t.Fatalf("wrong key: validation %s, want failed", v.State)
	}
	// An active connection given the same wrong key as its replacement.
	active := app.activeConnection(t, b)
	resp := b.post("/connections/"+active+"/edit", url.Values{"key": {wrongKey}})
	drain(resp)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit with a new key: status %d", resp.StatusCode)
	}
	if v := app.waitValidation(t, active); v.State != "failed" {
		t.Fatalf("wrong replacement key: validation %s, want failed", v.State)
	}
	check(t, []visit{
		{"validation page", get("/connections/" + failed + "/validation"), http.StatusOK},
		{"summary", get("/connections/" + failed), http.StatusOK},
		{"edit form (Try again)", get("/connections/" + failed + "/edit"), http.StatusOK},
		{"edit with a bad tenant", func() *http.Response {
			return b.post("/connections/"+failed+"/edit", url.Values{"application_id": {tn.AppID}, "key": {wrongKey}, "tenant_domain": {"contoso"}})
		}, http.StatusUnprocessableEntity},
		{"replacement's validation page", get("/connections/" + active + "/validation"), http.StatusOK},
		{"active summary", get("/connections/" + active), http.StatusOK},
		{"active edit form", get("/connections/" + active + "/edit"), http.StatusOK},
		{"connection list", get("/directory-sync"), http.StatusOK},
		{"status", get("/status"), http.StatusOK},
		{"audit log", get("/audit"), http.StatusOK},
		{"edit of an unknown connection", func() *http.Response {
			return b.post("/connections/no-such-id/edit", url.Values{"key": {wrongKey}})
		}, http.StatusNotFound},
		{"wizard refused as cross-origin", func() *http.Response {
			return b.postFrom("cross-site", "/directory-sync/azure", url.Values{"application_id": {tn.AppID}, "key": {wrongKey}, "tenant_domain": {tn.Domain}})
		}, http.StatusForbidden},
	}, wrongKey)

	// Keys that fail the input checks; the needle is a part no message or
	// mask could produce by chance.
	unique := "echoProbe7Tz"
	for _, tt := range []struct{ name, key string }{
		{"over-long key", unique + strings.Repeat("x", 300)},
		{"key with a line break", unique + "abc\ndef"},
		{"key with a space", unique + " abcdef"},
		{"key with markup and a tab", unique + "\"><b>\tabcdef"},
		{"key that is not UTF-8", unique + "abc\xffdef"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			check(t, []visit{{"wizard", wizard(tt.key, tn.Domain), http.StatusUnprocessableEntity},
				{"edit of the failed connection", func() *http.Response {
					return b.post("/connections/"+failed+"/edit", url.Values{"application_id": {tn.AppID}, "key": {tt.key}, "tenant_domain": {tn.Domain}})
				}, http.StatusUnprocessableEntity}}, unique)
		})
	}

	for _, needle := range []string{wrongKey, unique} {
		if strings.Contains(app.logs.String(), needle) {
			t.Errorf("the log holds a submitted key (%s…)", needle[:6])
		}
	}
}

// The session cookie as DESIGN.md sets it: over https __Host-session and
// Secure, with HSTS; over http neither (a Secure cookie would never come
// back). Both: HttpOnly, SameSite=Lax, Path=/, no Domain, gone when the
// browser closes; in the store 30 minutes idle within a 12-hour lifetime.
func TestSessionCookieAndLifetimes(t *testing.T) {
	tests := []struct {
		baseURL, cookie, otherCookie string
		secure, hsts                 bool
	}{
		{"https://connect.example", "__Host-session", "connect_session", true, true},
		{"http://connect.example", "connect_session", "__Host-session", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.baseURL, func(t *testing.T) {
			app := newTestApp(t, withBaseURL(tt.baseURL))
			app.addUser("admin@example.com", "admin")
			resp := app.browser().post("/login", url.Values{"email": {"admin@example.com"}, "password": {testPassword}})
			drain(resp)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign in: status %d", resp.StatusCode)
			}
			var c *http.Cookie
			for _, rc := range resp.Cookies() {
				switch rc.Name {
				case tt.cookie:
					c = rc
				case tt.otherCookie:
					t.Errorf("cookie %s set as well", rc.Name)
				}
			}
			if c == nil {
				t.Fatalf("no %s cookie in %q", tt.cookie, resp.Header.Values("Set-Cookie"))
			}
			if c.Secure != tt.secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
				t.Errorf("cookie %s: Secure %v (want %v), HttpOnly %v, SameSite %v, Path %q, Domain %q", c.Name, c.Secure, tt.secure,
					c.HttpOnly, c.SameSite, c.Path, c.Domain)
			}
			if c.MaxAge != 0 || !c.Expires.IsZero() {
				t.Errorf("cookie %s outlives the browser: Max-Age %d, Expires %v", c.Name, c.MaxAge, c.Expires)
			}

			// HSTS on every answer over https, on none over http.
			for _, r := range []*http.Response{resp, app.browser().get("/healthz"), app.browser().get("/no/such/page")} {
				drain(r)
				hsts := r.Header.Get("Strict-Transport-Security")
				var maxAge int
				_, err := fmt.Sscanf(hsts, "max-age=%d", &maxAge)
				if tt.hsts && (err != nil || maxAge < 365*24*3600) {
					t.Errorf("%s: HSTS %q, want max-age of a year or more", r.Request.URL.Path, hsts)
				}
				if !tt.hsts && hsts != "" {
					t.Errorf("%s over http: HSTS %q", r.Request.URL.Path, hsts)
				}
			}

			// The stored session ends after 30 idle minutes; its deadline,
			// inside the data, is 12 hours away. A minute's slack: these are
			// settings, not timings.
			var data []byte
			var idle float64
			if err := app.store.Reader.QueryRow(`SELECT data, (expiry - julianday('now')) * 86400 FROM sessions WHERE token = ?`,
				c.Value).Scan(&data, &idle); err != nil {
				t.Fatalf("the cookie's session is not stored: %v", err)
			}
			if idle < (29*time.Minute).Seconds() || idle > (30*time.Minute).Seconds()+1 {
				t.Errorf("session expires in %.0f s, want the 30-minute idle timeout", idle)
			}
			deadline, _, err := sessionCodec{}.Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if life := time.Until(deadline); life < 12*time.Hour-time.Minute || life > 12*time.Hour {
				t.Errorf("session deadline in %v, want the 12-hour lifetime", life)
			}
		})
	}
}

// Static files: the URL a page links, carrying the hash of the file as
// served, may be cached for a year; any other URL of it must revalidate, so
// a stale or guessed link never pins old code; unknown files are 404.
func TestStaticFilesCaching(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	href := parse(t, b.get("/login")).Find(`link[rel=stylesheet]`).AttrOr("href", "")
	linked, err := url.Parse(href)
	if err != nil || linked.Path != "/static/app.css" || linked.Query().Get("v") == "" {
		t.Fatalf("the page links the stylesheet as %q", href)
	}
	// The hash in the link is the hash of what is served.
	css := readAll(t, b.get("/static/app.css"))
	sum := sha256.Sum256([]byte(css))
	if v := linked.Query().Get("v"); !strings.HasPrefix(hex.EncodeToString(sum[:]), v) {
		t.Fatalf("link v=%s is not the hash of the served file", v)
	}
	const immutable, revalidate = "public, max-age=31536000, immutable", "no-cache"
	tests := []struct {
		path        string
		status      int
		cache, body string
	}{
		{href, http.StatusOK, immutable, css},
		{"/static/app.css", http.StatusOK, revalidate, css},
		{"/static/app.css?v=0123456789ab", http.StatusOK, revalidate, css},
		{"/static/app.css?v=", http.StatusOK, revalidate, css},
		{"/static/nope.css?v=" + linked.Query().Get("v"), http.StatusNotFound, "", ""},
		{"/static/", http.StatusNotFound, "", ""},
		{"/static/../go.mod", http.StatusNotFound, "", ""},
		{"/static/%2e%2e/web/server.go", http.StatusNotFound, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp := b.get(tt.path)
			body := readAll(t, resp)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if got := resp.Header.Get("Cache-Control"); tt.status == http.StatusOK && got != tt.cache {
				t.Errorf("Cache-Control %q, want %q", got, tt.cache)
			}
			if tt.status != http.StatusOK && strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
				t.Error("an error is cached for a year")
			}
			if tt.body != "" && body != tt.body {
				t.Error("served something other than the file")
			}
		})
	}
}

// /readyz follows the database; /healthz only says the process answers.
func TestReadinessFollowsTheDatabase(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	probe := func(path string) int {
		resp := b.get(path)
		drain(resp)
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", path, cc)
		}
		return resp.StatusCode
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if got := probe(p); got != http.StatusOK {
			t.Errorf("%s with the database open: %d, want 200", p, got)
		}
	}
	app.store.Reader.Close()
	app.store.Writer.Close()
	if got := probe("/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database closed: %d, want 503", got)
	}
	if got := probe("/healthz"); got != http.StatusOK {
		t.Errorf("/healthz with the database closed: %d, want 200", got)
	}
}
