package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzQueryParameters: the query parameters pages read (paging, search,
// next, the status API's) never panic, paging stays in range, and next
// never leaves the site.
func FuzzQueryParameters(f *testing.F) {
	f.Add("page=2&q=ann", "page")
	f.Add("page=-1&log_page=99999999999999999999", "log_page")
	f.Add("next=//evil.example&q=%ff%fe", "page")
	f.Add("page=1e9&page=3", "page")
	f.Add("q="+strings.Repeat("a", 5000), "page")
	f.Fuzz(func(t *testing.T, rawQuery, param string) {
		r := &http.Request{URL: &url.URL{Path: "/directory", RawQuery: rawQuery}}
		n := pageNumber(r, param)
		if n < 1 {
			t.Fatalf("page %d from %q", n, rawQuery)
		}
		p := pager(r, param, n, 25, 1000, "items")
		_ = p
		next := safeNext(r.URL.Query().Get("next"))
		if next != "" && (!strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\\\")) {
			t.Fatalf("next %q leaves the site", next)
		}
	})
}
