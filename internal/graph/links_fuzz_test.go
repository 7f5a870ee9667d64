package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connect/connect/internal/testutil"
)

// fuzzGraph is a Client for https://graph.microsoft.com whose answers come
// from answer (n counts requests from 0); it records every URL requested.
type fuzzGraph struct {
	*Client
	mu   sync.Mutex
	urls []*url.URL
}

func newFuzzGraph(t *testing.T, answer func(n int) []byte) *fuzzGraph {
	t.Helper()
	g := &fuzzGraph{}
	hc := &http.Client{Transport: testutil.RoundTripFunc(func(r *http.Request) (*http.Response, error) {
		g.mu.Lock()
		n := len(g.urls)
		g.urls = append(g.urls, r.URL)
		g.mu.Unlock()
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(bytes.NewReader(answer(n))), Request: r}, nil
	})}
	c, err := New("https://graph.microsoft.com", hc, fixedToken{token: testToken},
		WithMaxAttempts(1), WithBackoff(time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	g.Client = c
	return g
}

// onGraph reports whether every request went to Graph's own host over
// https: the bearer token must never follow a link elsewhere.
func (g *fuzzGraph) onGraph(t *testing.T) {
	t.Helper()
	for _, u := range g.urls {
		if u.Scheme != "https" || !strings.EqualFold(u.Host, "graph.microsoft.com") {
			t.Fatalf("a request went to %s://%s: %s", u.Scheme, u.Host, u)
		}
	}
}

// FuzzDeltaLinks: whatever link Graph's pages carry (nextLink, deltaLink)
// or the database kept from the last run, the delta query only ever calls
// Graph's own host, follows one nextLink to one more page, and returns the
// deltaLink of the last page.
func FuzzDeltaLinks(f *testing.F) {
	const g = "https://graph.microsoft.com/v1.0"
	f.Add("", g+"/users/delta?$skiptoken=a", g+"/users/delta?$deltatoken=b")
	f.Add(g+"/users/delta?$deltatoken=kept", "/users/delta?$skiptoken=relative", "x")
	f.Add("https://evil.example/v1.0/users/delta", "https://graph.microsoft.com@evil.example/", "")
	f.Add("http://graph.microsoft.com/v1.0/users/delta", "//evil.example/users", "https://GRAPH.microsoft.com/v1.0/d")
	f.Add("users/delta", "https://graph.microsoft.com:8443/x", "\x00")
	f.Add("https://graph.microsoft.com/v1.0/%zz", "https://graph.microsoft.com/\n/x", "https://graph.microsoft.com/v1.0/users/delta?$deltatoken=%ff")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, kept, nextLink, deltaLink string) {
		pages := [][]byte{mustJSON(t, map[string]any{"value": []any{}, "@odata.nextLink": nextLink}),
			mustJSON(t, map[string]any{"value": []any{}, "@odata.deltaLink": deltaLink})}
		c := newFuzzGraph(t, func(n int) []byte { return pages[min(n, 1)] })
		got, err := c.DeltaUsers(context.Background(), kept, func(UsersPage) error { return nil })
		c.onGraph(t)
		if len(c.urls) > 2 {
			t.Fatalf("%d requests for a two-page delta", len(c.urls))
		}
		if err != nil {
			return
		}
		// What the page carries, as JSON carries it (invalid UTF-8 becomes U+FFFD).
		var last UsersPage
		if err := json.Unmarshal(pages[1], &last); err != nil {
			t.Fatal(err)
		}
		if nextLink == "" || deltaLink == "" || got != last.DeltaLink || len(c.urls) != 2 {
			t.Fatalf("nextLink %q, deltaLink %q: got %q after %d requests, want the deltaLink after 2", nextLink, deltaLink, got, len(c.urls))
		}
	})
}

// FuzzOrganizationAndApplication: any answer to /organization and
// /applications either fails or gives the first object exactly as the
// answer holds it, with its credentials' dates; any application ID stays
// inside the quoted OData string of $filter.
func FuzzOrganizationAndApplication(f *testing.F) {
	f.Add([]byte(`{"value":[{"id":"o1","displayName":"Contoso","verifiedDomains":[{"name":"contoso.com","isDefault":true}]}]}`), "11111111-2222-3333-4444-555555555555")
	f.Add([]byte(`{"value":[{"id":"a1","appId":"x","passwordCredentials":[{"keyId":"k","hint":"abc","endDateTime":"2031-02-03T04:05:06Z"}],`+
		`"keyCredentials":[{"customKeyIdentifier":"T1","endDateTime":"2030-01-01T00:00:00.1234567+02:00","startDateTime":null}]}]}`), "x' or appId ne '")
	f.Add([]byte(`{"value":[{"passwordCredentials":[{"endDateTime":"9999-12-31T23:59:59Z"},{"endDateTime":"0001-01-01T00:00:00Z"}]}]}`), "&$top=999")
	f.Add([]byte(`{"value":[{"keyCredentials":[{"endDateTime":"2030-13-45T00:00:00Z"}]}]}`), "%27")
	f.Add([]byte(`{"value":[]}`), "")
	f.Add([]byte(`{"value":{}}`), "''")
	f.Add([]byte(`{"value":[null]}`), "\xff")
	f.Fuzz(func(t *testing.T, body []byte, appID string) {
		c := newFuzzGraph(t, func(int) []byte { return body })
		org, err := c.Organization(context.Background())
		checkFirst(t, body, org, err)
		app, err := c.ApplicationByAppID(context.Background(), appID)
		c.onGraph(t)
		last := c.urls[len(c.urls)-1]
		q := last.Query()
		if want := "appId eq '" + strings.ReplaceAll(appID, "'", "''") + "'"; q.Get("$filter") != want || len(q) != 2 || last.Path != "/v1.0/applications" {
			t.Fatalf("application %q asked for %s (filter %q)", appID, last, q.Get("$filter"))
		}
		checkFirst(t, body, app, err)
	})
}

// checkFirst checks what a one-object read gave for body: an error when the
// body does not decode, ErrNotFound for an empty list, else the first
// object exactly as the body holds it.
func checkFirst[T any](t *testing.T, body []byte, got T, err error) {
	t.Helper()
	var page Page[T]
	decodeErr := json.Unmarshal(body, &page)
	switch {
	case decodeErr != nil && err == nil:
		t.Fatalf("undecodable answer gave %+v", got)
	case decodeErr == nil && len(page.Value) == 0 && !errors.Is(err, ErrNotFound):
		t.Fatalf("an empty list gave %+v, %v; want ErrNotFound", got, err)
	case err == nil && !sameJSON(t, got, page.Value[0]):
		t.Fatalf("got %+v, the answer holds %+v", got, page.Value[0])
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameJSON compares two values by their encoding: times parsed twice carry
// different *time.Location values, so reflect.DeepEqual would differ.
func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	return bytes.Equal(mustJSON(t, a), mustJSON(t, b))
}
