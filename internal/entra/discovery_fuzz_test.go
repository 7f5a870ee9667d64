package entra

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/connect/connect/internal/graph"
	"github.com/connect/connect/internal/testutil"
)

// FuzzResolveTenant: whatever the tenant typed and whatever the authority
// answers, discovery asks the authority host only, for the tenant's own
// path, and succeeds only on a 200 whose issuer names a tenant GUID, which
// it returns in lower case with the issuer as sent.
func FuzzResolveTenant(f *testing.F) {
	f.Add("contoso.onmicrosoft.com", 200, []byte(`{"issuer":"https://login.microsoftonline.com/72F988BF-86F1-41AF-91AB-2D7CD011DB47/v2.0","token_endpoint":"x"}`))
	f.Add("contoso.com", 400, []byte(`{"error":"invalid_tenant","error_description":"AADSTS90002: Tenant 'x' not found.","error_codes":[90002]}`))
	f.Add("../../evil", 200, []byte(`{"issuer":"https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/"}`))
	f.Add("a?b#c/d", 200, []byte(`{"issuer":"::not a url"}`))
	f.Add("x", 200, []byte(`{"issuer":"https://login.microsoftonline.com//v2.0"}`))
	f.Add("x", 200, []byte(`{"issuer":"https://login.microsoftonline.com/common/v2.0"}`))
	f.Add("x", 200, []byte(`{"issuer":12}`))
	f.Add("x", 500, []byte(`<html>`))
	f.Add("\xff", 200, []byte(`{"issuer":"72f988bf-86f1-41af-91ab-2d7cd011db47"}`))
	f.Fuzz(func(t *testing.T, tenant string, status int, body []byte) {
		if status < 100 || status > 999 {
			return // net/http cannot carry it
		}
		var seen []string
		hc := &http.Client{Transport: testutil.RoundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.URL.Scheme != "https" || r.URL.Host != "login.microsoftonline.com" {
				t.Fatalf("discovery went to %s", r.URL)
			}
			seen = append(seen, r.URL.Path)
			return &http.Response{StatusCode: status, Body: io.NopCloser(bytes.NewReader(body)), Header: http.Header{}, Request: r}, nil
		})}
		info, err := ResolveTenant(context.Background(), hc, "https://login.microsoftonline.com/", tenant)
		if len(seen) == 1 && seen[0] != "/"+tenant+"/v2.0/.well-known/openid-configuration" {
			t.Fatalf("tenant %q asked for path %q", tenant, seen[0])
		}
		if err != nil {
			return
		}
		var doc struct {
			Issuer string `json:"issuer"`
		}
		if status != http.StatusOK || json.Unmarshal(body, &doc) != nil {
			t.Fatalf("status %d, body %q resolved to %+v", status, body, info)
		}
		if !IsGUID(info.ID) || info.ID != strings.ToLower(info.ID) || info.Issuer != doc.Issuer ||
			!strings.Contains(strings.ToLower(info.Issuer), info.ID) {
			t.Fatalf("issuer %q resolved to tenant %q, issuer %q", doc.Issuer, info.ID, info.Issuer)
		}
	})
}

// FuzzKeyExpiry: from any application record, the key's expiry is the
// latest end date of the credentials that match the key's hint (secrets by
// their non-empty hint, certificates by thumbprint), and none is found when
// no matching credential has an end date.
func FuzzKeyExpiry(f *testing.F) {
	f.Add([]byte(`{"passwordCredentials":[{"hint":"abc","endDateTime":"2031-02-03T04:05:06Z"},{"hint":"abc","endDateTime":"2032-01-01T00:00:00+05:00"},{"hint":"xyz","endDateTime":"2040-01-01T00:00:00Z"}]}`), "abc", false)
	f.Add([]byte(`{"keyCredentials":[{"customKeyIdentifier":"T1","endDateTime":"2030-01-01T00:00:00.1234567Z"},{"customKeyIdentifier":"T2","endDateTime":null}]}`), "T1", true)
	f.Add([]byte(`{"passwordCredentials":[{"hint":"","endDateTime":"2031-02-03T04:05:06Z"}]}`), "", false)
	f.Add([]byte(`{"passwordCredentials":[{"hint":"abc","endDateTime":"0001-01-01T00:00:00Z"}]}`), "abc", false)
	f.Add([]byte(`{"keyCredentials":[{"endDateTime":"2030-13-45T00:00:00Z"}]}`), "", true)
	f.Fuzz(func(t *testing.T, record []byte, hint string, certificate bool) {
		var app graph.Application
		if json.Unmarshal(record, &app) != nil {
			return
		}
		target := Target{KeyHint: hint, Credential: Credential{Secret: "abc-secret"}}
		if certificate {
			target.Credential = Credential{CertPEM: []byte("-----BEGIN CERTIFICATE-----")}
		}
		var ends []time.Time
		if certificate {
			for _, k := range app.KeyCredentials {
				if k.CustomKeyIdentifier == hint && k.EndDateTime != nil {
					ends = append(ends, *k.EndDateTime)
				}
			}
		} else {
			for _, p := range app.PasswordCredentials {
				if p.Hint != "" && p.Hint == hint && p.EndDateTime != nil {
					ends = append(ends, *p.EndDateTime)
				}
			}
		}
		end, found := keyEnd(app, target)
		var latest time.Time
		for _, e := range ends {
			if e.After(latest) {
				latest = e
			}
		}
		if found != !latest.IsZero() || found && !end.Equal(latest) {
			t.Fatalf("hint %q, certificate %v: keyEnd = %s, %v; the matching end dates are %v", hint, certificate, end, found, ends)
		}
	})
}
