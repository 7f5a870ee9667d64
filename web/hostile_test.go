package web

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// hostileCase is one request of the hostile-input walk.
type hostileCase struct {
	method, path, query, bodyName, body string
}

// Every route, fed hostile input by a signed-in administrator, answers with
// a status below 500: malformed, over-long or oversized input is the
// client's error, never a crash. A refusal (4xx) is our error page, or the
// form again, with a message for a person: never an empty body or Go's
// error text.
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
		"huge numbers":      "threshold=9223372036854775808&key_size=-1&page=184467440737095518",
	}
	queries := []string{"?" + strings.Repeat("q=%ff&", 3000), "?next=" + url.QueryEscape("//evil.example"), "?token=" + longParam,
		"?from=" + longParam, "?page=%zz"}
	// Page numbers a pager must refuse or clamp, never overflow on.
	for _, p := range []string{"99999999999999999999999", "-1", "-9223372036854775808", "9223372036854775807", "184467440737095518", "0", "1e9"} {
		queries = append(queries, "?page="+p)
	}

	var cases []hostileCase
	for _, r := range walkRoutes(t, app.server.Config.Handler) {
		paths := []string{concrete(r.pattern)}
		if strings.Contains(r.pattern, "{id}") {
			paths = append(paths, strings.ReplaceAll(r.pattern, "{id}", id), strings.ReplaceAll(r.pattern, "{id}", longParam),
				strings.ReplaceAll(r.pattern, "{id}", "%00%ff"))
		}
		for _, p := range paths {
			switch r.method {
			case http.MethodGet:
				for _, q := range queries {
					cases = append(cases, hostileCase{method: r.method, path: p, query: q})
				}
			case http.MethodPost:
				for name, body := range bodies {
					cases = append(cases, hostileCase{method: r.method, path: p, bodyName: name, body: body})
				}
			}
		}
	}
	// Deleting and signing out go last: the other cases need the
	// connection and the session.
	rank := func(c hostileCase) int {
		switch {
		case c.path == "/logout":
			return 2
		case strings.HasSuffix(c.path, "/delete") && c.method == http.MethodPost:
			return 1
		}
		return 0
	}
	sort.SliceStable(cases, func(i, j int) bool { return rank(cases[i]) < rank(cases[j]) })

	refused := 0
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, app.server.URL+c.path+c.query, strings.NewReader(c.body))
		if c.method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		resp, err := admin.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		what := c.method + " " + c.path + truncate(c.query, 40) + " " + c.bodyName
		if resp.StatusCode >= 500 {
			drain(resp)
			t.Errorf("%s: %d", what, resp.StatusCode)
			continue
		}
		if resp.StatusCode < 400 {
			drain(resp)
			continue
		}
		refused++
		if msg := refusalMessage(t, resp); msg != "" {
			t.Errorf("%s: %d %s", what, resp.StatusCode, msg)
		}
	}
	if refused == 0 {
		t.Fatal("no hostile request was refused")
	}
	if strings.Contains(app.logs.String(), "level=ERROR") {
		t.Errorf("hostile input logged errors:\n%s", errorLines(app.logs.String()))
	}
}

// goErrorText is what Go's own error strings look like; a person must
// never read them.
var goErrorText = []string{"invalid URL escape", "http: ", "strconv.", "runtime error", "sql:", "json:", "%!", "invalid semicolon",
	"parse error", "no such", "EOF"}

// refusalMessage checks a 4xx answer and says what is wrong with it ("" when
// nothing): an API refusal is JSON with an error; a page is ours (the
// layout) with a heading and a message on the error page, or the form
// again with its errors.
func refusalMessage(t *testing.T, resp *http.Response) string {
	t.Helper()
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		drain(resp)
		return ""
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		drain(resp)
		return "answered " + resp.Header.Get("Content-Type") + ", not our error page"
	}
	doc := parse(t, resp)
	if doc.Find("main").Length() == 0 {
		return "the page is not in our layout"
	}
	var msg string
	if page := doc.Find(`[data-testid^="error-"]`); page.Length() > 0 {
		msg = strings.TrimSpace(page.Find("h1").Text() + " " + page.Find("p").Not(".error-page__status").First().Text())
	}
	for _, sel := range []string{`[data-testid=error-summary]`, `.field__error`, `[role=alert]`, `[data-testid=setup-invalid]`} {
		if msg == "" {
			msg = strings.TrimSpace(doc.Find(sel).Text())
		}
	}
	if len(strings.Fields(msg)) < 3 {
		return "has no message for a person (" + strings.TrimSpace(truncate(squash(doc.Find("main")), 120)) + ")"
	}
	for _, g := range goErrorText {
		if strings.Contains(msg, g) {
			return "shows Go's error text: " + msg
		}
	}
	return ""
}

func squash(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func errorLines(logs string) string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, "level=ERROR") {
			out = append(out, truncate(l, 300))
		}
	}
	return strings.Join(out, "\n")
}
