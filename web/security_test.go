package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	b := app.browser()
	b.signIn("admin@example.com")
	paths := []string{"/", "/login", "/users", "/settings", "/healthz", "/readyz", "/static/app.css", "/no/such/page", "/setup?token=nope"}
	for _, p := range paths {
		resp := b.get(p)
		drain(resp)
		want := map[string]string{
			"Content-Security-Policy": contentSecurityPolicy,
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "same-origin",
		}
		for k, v := range want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("GET %s: %s = %q, want %q", p, k, got, v)
			}
		}
	}
	if !strings.Contains(contentSecurityPolicy, "script-src 'self'") || strings.Contains(contentSecurityPolicy, "unsafe-inline") {
		t.Error("CSP must forbid inline script")
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
