package graph

import (
	"net/http"
	"testing"
	"time"
)

// FuzzDeltaPages: any body Graph (or a proxy) might send decodes into the
// users and groups page types, with members@delta and @removed, without
// panicking; a decoded page's members always report a kind.
func FuzzDeltaPages(f *testing.F) {
	f.Add([]byte(`{"value":[{"id":"u1","displayName":"Ann","accountEnabled":true,"businessPhones":[],"proxyAddresses":["SMTP:a@x"]},` +
		`{"id":"u2","@removed":{"reason":"changed"}}],"@odata.deltaLink":"https://graph.microsoft.com/v1.0/users/delta?$deltatoken=x"}`))
	f.Add([]byte(`{"value":[{"id":"g1","displayName":null,"groupTypes":["Unified"],"members@delta":[` +
		`{"@odata.type":"#microsoft.graph.user","id":"u1"},{"@odata.type":"#microsoft.graph.group","id":"g2","@removed":{"reason":"deleted"}}]}],` +
		`"@odata.nextLink":"https://graph.microsoft.com/v1.0/groups/delta?$skiptoken=y"}`))
	f.Add([]byte(`{"value":[{"id":"u1","displayName":`))
	f.Add([]byte(`{"value":null,"@odata.count":-1}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var users UsersPage
		_ = decodeBody(http.StatusOK, body, &users)
		var groups GroupsPage
		if decodeBody(http.StatusOK, body, &groups) == nil {
			for _, g := range groups.Value {
				for _, m := range g.MembersDelta {
					_ = m.Kind()
				}
			}
		}
	})
}

// FuzzErrorAnswers: error bodies and Retry-After values of any shape parse
// without panicking, and a wait is never negative.
func FuzzErrorAnswers(f *testing.F) {
	f.Add(429, []byte(`{"error":{"code":"TooManyRequests","message":"slow down","innerError":{"request-id":"r"}}}`), "1.5")
	f.Add(400, []byte(`{"error":{"code":"syncStateNotFound","message":"expired","innererror":{}}}`), "")
	f.Add(503, []byte(`<html>Service Unavailable</html>`), "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add(410, []byte(``), "-3")
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter string) {
		resp := &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {retryAfter}}}
		if e := parseError(resp, body, "client-id"); e == nil {
			t.Fatal("no error for an error answer")
		}
		if d := parseRetryAfter(retryAfter, time.Now()); d < 0 {
			t.Fatalf("Retry-After %q gives a negative wait %s", retryAfter, d)
		}
	})
}
