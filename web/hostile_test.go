package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Every route, fed hostile input by a signed-in administrator, answers with
// a status below 500: malformed, over-long or oversized input is the
// client's error, never a crash.
func TestHostileInputNeverCausesServerErrors(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	admin := app.browser()
	admin.signIn("admin@example.com")
	id := app.activeConnection(t, admin)

	longParam := strings.Repeat("A", 4000)
	bodies := map[string]string{
		"oversized form":    "key=" + strings.Repeat("x", 200_000),
		"broken encoding":   "application_id=%zz&key=%&tenant_domain=%%%",
		"not UTF-8":         "application_id=\xff\xfe&key=\xc3\x28abcdefgh&tenant_domain=\xed\xa0\x80.example",
		"repeated fields":   strings.Repeat("region=europe&", 2000),
		"every field empty": "email=&password=&role=&disabled=&region=&application_id=&key=&tenant_domain=&cloud=",
	}
	queries := []string{"?" + strings.Repeat("q=%ff&", 3000), "?next=" + url.QueryEscape("//evil.example"), "?token=" + longParam, "?from=" + longParam}

	for _, r := range walkRoutes(t, app.server.Config.Handler) {
		paths := []string{concrete(r.pattern)}
		if strings.Contains(r.pattern, "{id}") {
			paths = append(paths, strings.ReplaceAll(r.pattern, "{id}", id), strings.ReplaceAll(r.pattern, "{id}", longParam),
				strings.ReplaceAll(r.pattern, "{id}", "%00%ff"))
		}
		for _, p := range paths {
			if strings.HasSuffix(p, "/delete") || p == "/logout" {
				continue // would end the session or the connection the other cases need
			}
			switch r.method {
			case http.MethodGet:
				for _, q := range queries {
					resp := admin.get(p + q)
					drain(resp)
					if resp.StatusCode >= 500 {
						t.Errorf("GET %s%.40s…: %d", p, q, resp.StatusCode)
					}
				}
			case http.MethodPost:
				for name, body := range bodies {
					req, _ := http.NewRequest(http.MethodPost, app.server.URL+p, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("Sec-Fetch-Site", "same-origin")
					resp, err := admin.client.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					drain(resp)
					if resp.StatusCode >= 500 {
						t.Errorf("POST %s with %s: %d", p, name, resp.StatusCode)
					}
				}
			}
		}
	}
	if strings.Contains(app.logs.String(), "level=ERROR") {
		t.Errorf("hostile input logged errors:\n%s", errorLines(app.logs.String()))
	}
}

func errorLines(logs string) string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, "level=ERROR") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
