package graph

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNewBaseURL(t *testing.T) {
	tests := []struct {
		base    string
		want    string
		wantErr bool
	}{
		{"https://graph.microsoft.com", "https://graph.microsoft.com/v1.0/users", false},
		{"https://graph.microsoft.com/", "https://graph.microsoft.com/v1.0/users", false},
		{"https://graph.microsoft.com/v1.0", "https://graph.microsoft.com/v1.0/users", false},
		{"https://127.0.0.1:8443/", "https://127.0.0.1:8443/v1.0/users", false},
		{"graph.microsoft.com", "", true},
		{"ftp://graph.microsoft.com", "", true},
		{"://", "", true},
	}
	for _, tt := range tests {
		c, err := New(tt.base, nil, fixedToken{token: testToken})
		if tt.wantErr {
			if err == nil {
				t.Errorf("New(%q) accepted", tt.base)
			}
			continue
		}
		if err != nil {
			t.Fatalf("New(%q): %v", tt.base, err)
		}
		if got, _ := c.resolve("/users", nil); got != tt.want {
			t.Errorf("New(%q): /users resolves to %q, want %q", tt.base, got, tt.want)
		}
	}
	if _, err := New("https://graph.microsoft.com", nil, nil); err == nil {
		t.Error("New accepted a nil token source")
	}
}

func TestResolve(t *testing.T) {
	c, err := New("https://graph.example:8443", nil, fixedToken{token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path    string
		query   url.Values
		want    string
		wantErr bool
	}{
		{"/organization", nil, "https://graph.example:8443/v1.0/organization", false},
		{"/users?$top=1&$count=true", nil, "https://graph.example:8443/v1.0/users?$top=1&$count=true", false},
		{"/users?$top=1", url.Values{"$filter": {"appId eq 'x'"}}, "https://graph.example:8443/v1.0/users?$top=1&%24filter=appId%20eq%20%27x%27", false},
		{"https://graph.example:8443/v1.0/users?$skiptoken=a%2Bb", nil, "https://graph.example:8443/v1.0/users?$skiptoken=a%2Bb", false},
		{"https://GRAPH.example:8443/v1.0/users", nil, "https://GRAPH.example:8443/v1.0/users", false},
		{"https://graph.example:8443/v1.0/users", url.Values{"$top": {"1"}}, "", true},
		{"http://graph.example:8443/v1.0/users", nil, "", true},
		{"https://graph.example/v1.0/users", nil, "", true},
		{"users", nil, "", true},
	}
	for _, tt := range tests {
		got, err := c.resolve(tt.path, tt.query)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("resolve(%q, %v) = %q, %v; want %q", tt.path, tt.query, got, err, tt.want)
		}
	}
}

func TestListFollowsNextLinkVerbatim(t *testing.T) {
	// The skiptokens hold characters a re-encoding would change (%2B, +, =):
	// Graph's links must come back exactly as given.
	gs := newGraphServer(t,
		linkStep(200, `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[{"id":"u1","displayName":"Adele Vance"},{"id":"u2","displayName":"Alex Wilber"}],"@odata.nextLink":"{base}/v1.0/users?$top=2&$skiptoken=RFNwdAIAAQAAAD8=%2Bx+y"}`),
		linkStep(200, `{"value":[{"id":"u3","displayName":"Diego Siciliani"},{"id":"u4","displayName":"Grady Archie"}],"@odata.nextLink":"{base}/v1.0/users?$top=2&$skiptoken=page3"}`),
		jsonStep(200, `{"value":[{"id":"u5","displayName":"Henrietta Mueller"}]}`),
	)
	c := gs.client()
	var ids []string
	err := List(context.Background(), c, "/users", url.Values{"$top": {"2"}}, func(p Page[User]) error {
		for _, u := range p.Value {
			ids = append(ids, u.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ids, ","); got != "u1,u2,u3,u4,u5" {
		t.Fatalf("ids = %s", got)
	}
	reqs := gs.requests()
	wantQueries := []string{"%24top=2", "$top=2&$skiptoken=RFNwdAIAAQAAAD8=%2Bx+y", "$top=2&$skiptoken=page3"}
	if len(reqs) != len(wantQueries) {
		t.Fatalf("%d requests, want %d", len(reqs), len(wantQueries))
	}
	seenIDs := map[string]bool{}
	for i, r := range reqs {
		if r.URL.Path != "/v1.0/users" || r.URL.RawQuery != wantQueries[i] {
			t.Errorf("request %d = %s?%s, want /v1.0/users?%s", i, r.URL.Path, r.URL.RawQuery, wantQueries[i])
		}
		id := r.Header.Get("client-request-id")
		if seenIDs[id] {
			t.Errorf("client-request-id %s used twice", id)
		}
		seenIDs[id] = true
	}
	if s := c.Stats(); s.Requests != 3 || s.Retries != 0 {
		t.Errorf("stats = %+v", s)
	}
}

func TestListStopPaging(t *testing.T) {
	gs := newGraphServer(t, linkStep(200, `{"value":[{"id":"u1"}],"@odata.nextLink":"{base}/v1.0/users?$skiptoken=2"}`))
	pages := 0
	err := List(context.Background(), gs.client(), "/users", nil, func(Page[User]) error {
		pages++
		return StopPaging
	})
	if err != nil || pages != 1 || len(gs.requests()) != 1 {
		t.Fatalf("err = %v, pages = %d, requests = %d", err, pages, len(gs.requests()))
	}
}

func TestForeignLinkRefused(t *testing.T) {
	// A link to another host would carry our bearer token there.
	gs := newGraphServer(t, jsonStep(200, `{"value":[],"@odata.nextLink":"https://attacker.example/v1.0/users?$skiptoken=x"}`))
	err := List(context.Background(), gs.client(), "/users", nil, func(Page[User]) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "attacker.example") {
		t.Fatalf("err = %v, want a refusal naming the host", err)
	}
	if _, err := gs.client().DeltaUsers(context.Background(), "https://attacker.example/v1.0/users/delta?$deltatoken=x", func(UsersPage) error { return nil }); err == nil {
		t.Fatal("DeltaUsers followed a kept link to another host")
	}
}

func TestCountSendsConsistencyLevel(t *testing.T) {
	gs := newGraphServer(t, jsonStep(200, `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users(id)","@odata.count":1234,"value":[{"id":"u1"}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/users?$skiptoken=x"}`))
	n, err := gs.client().Count(context.Background(), "/users")
	if err != nil || n != 1234 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	r := gs.requests()[0]
	if got := r.Header.Get("ConsistencyLevel"); got != "eventual" {
		t.Errorf("ConsistencyLevel = %q, want eventual", got)
	}
	if q := r.URL.Query(); q.Get("$count") != "true" || q.Get("$top") != "1" {
		t.Errorf("query = %v", q)
	}
}

func TestGetWithoutCountHasNoConsistencyLevel(t *testing.T) {
	gs := newGraphServer(t, jsonStep(200, `{"value":[{"id":"o1","displayName":"Contoso","verifiedDomains":[{"name":"contoso.onmicrosoft.com","isDefault":true,"isInitial":true}]}]}`))
	org, err := gs.client().Organization(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if org.ID != "o1" || len(org.VerifiedDomains) != 1 || !org.VerifiedDomains[0].IsInitial {
		t.Fatalf("organization = %+v", org)
	}
	if got := gs.requests()[0].Header.Get("ConsistencyLevel"); got != "" {
		t.Errorf("ConsistencyLevel = %q on a plain query", got)
	}
}

func TestApplicationByAppID(t *testing.T) {
	const app = `{"value":[{"id":"obj-1","appId":"11111111-2222-3333-4444-555555555555","displayName":"Connect",
		"passwordCredentials":[{"customKeyIdentifier":null,"displayName":"connect","endDateTime":"2027-05-01T10:00:00Z","hint":"abc","keyId":"k-1","secretText":null,"startDateTime":"2025-05-01T10:00:00Z"}],
		"keyCredentials":[{"customKeyIdentifier":"3q2+7w==","displayName":"CN=connect","endDateTime":"2026-12-31T00:00:00Z","key":null,"keyId":"k-2","startDateTime":"2025-01-01T00:00:00Z","type":"AsymmetricX509Cert","usage":"Verify"}]}]}`
	gs := newGraphServer(t, jsonStep(200, app), jsonStep(200, `{"value":[]}`))
	c := gs.client()
	got, err := c.ApplicationByAppID(context.Background(), "11111111-2222-3333-4444-555555555555")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.PasswordCredentials) != 1 || got.PasswordCredentials[0].Hint != "abc" ||
		!got.PasswordCredentials[0].EndDateTime.Equal(time.Date(2027, 5, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("password credentials = %+v", got.PasswordCredentials)
	}
	if len(got.KeyCredentials) != 1 || got.KeyCredentials[0].KeyID != "k-2" || got.KeyCredentials[0].EndDateTime == nil {
		t.Errorf("key credentials = %+v", got.KeyCredentials)
	}
	r := gs.requests()[0]
	if f := r.URL.Query().Get("$filter"); f != "appId eq '11111111-2222-3333-4444-555555555555'" {
		t.Errorf("$filter = %q", f)
	}
	if strings.Contains(r.URL.RawQuery, "+") {
		t.Errorf("query %q encodes spaces as +", r.URL.RawQuery)
	}

	_, err = c.ApplicationByAppID(context.Background(), "o'brien")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing application: err = %v, want ErrNotFound", err)
	}
	if f := gs.requests()[1].URL.Query().Get("$filter"); f != "appId eq 'o''brien'" {
		t.Errorf("quote not escaped: $filter = %q", f)
	}
}

func TestErrorAnswers(t *testing.T) {
	tests := []struct {
		name          string
		status        int
		body          string
		wantCode      string
		wantMessage   string
		wantRequestID string
		wantNotFound  bool
	}{
		{
			name: "insufficient privileges", status: 403,
			body:     `{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"date":"2026-11-23T10:00:00","request-id":"req-403","client-request-id":"c-1"}}}`,
			wantCode: "Authorization_RequestDenied", wantMessage: "Insufficient privileges to complete the operation.", wantRequestID: "req-403",
		},
		{
			name: "lower-case innererror", status: 401,
			body:     `{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired or is not yet valid.","innererror":{"request-id":"req-401"}}}`,
			wantCode: "InvalidAuthenticationToken", wantMessage: "Access token has expired or is not yet valid.", wantRequestID: "req-401",
		},
		{
			name: "bad page size", status: 400,
			body:     `{"error":{"code":"Request_UnsupportedQuery","message":"Invalid page size specified: '1000'. Must be between 1 and 999 inclusive."}}`,
			wantCode: "Request_UnsupportedQuery", wantMessage: "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.",
		},
		{
			name: "not Graph's shape", status: 404, body: `<html>nothing here</html>`,
			wantMessage: "Not Found: <html>nothing here</html>", wantNotFound: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gs := newGraphServer(t, jsonStep(tt.status, tt.body))
			c := gs.client()
			err := c.Get(context.Background(), "/users", nil, &Page[User]{})
			var gerr *Error
			if !errors.As(err, &gerr) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if gerr.Status != tt.status || gerr.Code != tt.wantCode || gerr.Message != tt.wantMessage || gerr.RequestID != tt.wantRequestID {
				t.Errorf("error = %+v", gerr)
			}
			if gerr.ClientRequestID != gs.requests()[0].Header.Get("client-request-id") {
				t.Errorf("ClientRequestID = %q, not the one sent", gerr.ClientRequestID)
			}
			if errors.Is(err, ErrNotFound) != tt.wantNotFound || errors.Is(err, ErrDeltaReset) {
				t.Errorf("errors.Is: not found %v, delta reset %v", errors.Is(err, ErrNotFound), errors.Is(err, ErrDeltaReset))
			}
			if s := c.Stats(); s.Requests != 1 || s.Retries != 0 {
				t.Errorf("a %d was retried: %+v", tt.status, s)
			}
		})
	}
}

func TestTokenErrorStopsBeforeRequest(t *testing.T) {
	gs := newGraphServer(t, jsonStep(200, `{"value":[]}`))
	c, err := New(gs.URL, gs.Server.Client(), fixedToken{err: errors.New("AADSTS7000215: Invalid client secret provided.")})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Get(context.Background(), "/users", nil, &Page[User]{})
	if err == nil || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Fatalf("err = %v", err)
	}
	if n := len(gs.requests()); n != 0 {
		t.Fatalf("%d requests sent without a token", n)
	}
}

func TestBodyLimit(t *testing.T) {
	gs := newGraphServer(t, jsonStep(200, `{"value":[{"id":"`+strings.Repeat("x", 500)+`"}]}`))
	c := gs.client(WithMaxBodyBytes(100))
	err := c.Get(context.Background(), "/users", nil, &Page[User]{})
	if err == nil || !strings.Contains(err.Error(), "larger than 100 bytes") {
		t.Fatalf("err = %v", err)
	}
	if s := c.Stats(); s.Requests != 1 {
		t.Fatalf("an oversized answer was retried: %+v", s)
	}
}

func TestStatsUnderConcurrency(t *testing.T) {
	gs := newGraphServer(t, throttledStep("0"), jsonStep(200, `{"value":[]}`))
	c := gs.client(WithMaxAttempts(3))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := c.Get(context.Background(), "/groups", nil, &Page[Group]{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	s := c.Stats()
	if s.Requests != 9 || s.Throttled != 1 || s.Retries != 1 {
		t.Fatalf("stats = %+v, want 9 requests, 1 throttled, 1 retry", s)
	}
}

func TestUserAgent(t *testing.T) {
	gs := newGraphServer(t, jsonStep(200, `{}`))
	c, _ := New(gs.URL, gs.Server.Client(), fixedToken{token: testToken})
	if err := c.Get(context.Background(), "/organization", nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := gs.requests()[0].Header.Get("User-Agent"); !strings.HasPrefix(got, "Connect/") {
		t.Errorf("default User-Agent = %q, want Connect/<version>", got)
	}
}
