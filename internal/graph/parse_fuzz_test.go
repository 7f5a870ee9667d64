package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzDeltaPages: any body Graph (or a proxy) might send decodes into the
// users and groups page types, with members@delta and @removed, without
// panicking. Invalid JSON (a truncated page) is a retryable error; a
// decoded page encodes and decodes to itself, so absent, null and set
// properties survive staging; every member reports the kind its
// @odata.type names.
func FuzzDeltaPages(f *testing.F) {
	f.Add([]byte(`{"value":[{"id":"u1","displayName":"Ann","accountEnabled":true,"businessPhones":[],"proxyAddresses":["SMTP:a@x"]},` +
		`{"id":"u2","@removed":{"reason":"changed"}}],"@odata.deltaLink":"https://graph.microsoft.com/v1.0/users/delta?$deltatoken=x"}`))
	f.Add([]byte(`{"value":[{"id":"g1","displayName":null,"groupTypes":["Unified"],"members@delta":[` +
		`{"@odata.type":"#microsoft.graph.user","id":"u1"},{"@odata.type":"#microsoft.graph.group","id":"g2","@removed":{"reason":"deleted"}}]}],` +
		`"@odata.nextLink":"https://graph.microsoft.com/v1.0/groups/delta?$skiptoken=y"}`))
	f.Add([]byte(`{"value":[{"id":"u1","displayName":`))
	f.Add([]byte(`{"value":null,"@odata.count":-1}`))
	f.Add([]byte(`{"value":[{"id":"g1","members@delta":[{"@odata.type":"#microsoft.graph.device","id":"d1"},{"id":"x"}]}]}`))
	f.Add([]byte(`{"value":[{"id":"u1","createdDateTime":"2024-02-30T00:00:00Z","displayName":"a","displayName":null}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var users UsersPage
		uErr := decodeBody(http.StatusOK, body, &users)
		var groups GroupsPage
		gErr := decodeBody(http.StatusOK, body, &groups)
		if !json.Valid(body) {
			for _, err := range []error{uErr, gErr} {
				var r *retryableError
				if !errors.As(err, &r) {
					t.Fatalf("invalid JSON gave %v, want a retryable error", err)
				}
			}
			return
		}
		if uErr == nil {
			roundTrip(t, users)
		}
		if gErr != nil {
			return
		}
		roundTrip(t, groups)
		for _, g := range groups.Value {
			for _, m := range g.MembersDelta {
				name, ok := strings.CutPrefix(m.ODataType, "#microsoft.graph.")
				if ok && m.Kind() != ObjectKind(name) || (m.Kind() == KindUser) != (m.ODataType == "#microsoft.graph.user") ||
					(m.Kind() == KindGroup) != (m.ODataType == "#microsoft.graph.group") {
					t.Fatalf("member of type %q reports kind %q", m.ODataType, m.Kind())
				}
			}
		}
	})
}

// roundTrip checks that a decoded page encodes to JSON that decodes to the
// same page (compared by encoding: parsed times carry new locations).
func roundTrip[T any](t *testing.T, page Page[T]) {
	t.Helper()
	first, err := json.Marshal(page)
	if err != nil {
		t.Fatalf("encode a decoded page: %v", err)
	}
	var again Page[T]
	if err := json.Unmarshal(first, &again); err != nil {
		t.Fatalf("decode an encoded page: %v\n%s", err, first)
	}
	second, err := json.Marshal(again)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Fatalf("a page changes through encoding:\n%s\n%s", first, second)
	}
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
