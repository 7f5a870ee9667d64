// Package emulatortest starts the Entra ID + Microsoft Graph emulator inside
// a test, over TLS, and drives its admin API. It is for tests only.
//
// Start gives a running server:
//
//	srv := emulatortest.Start(t, emulatortest.Options{Users: 20, Groups: 5})
//	// srv.URL          "https://127.0.0.1:PORT": authority host AND Graph base URL
//	// srv.Client       *http.Client trusting the emulator's CA (give it to MSAL)
//	// srv.CAPEM        the CA in PEM (for CONNECT_EXTRA_CA_FILE-style config)
//	// srv.Tenant       Domain, ID, AppID, Secret of the generated app
//	//                  (Directory.Read.All consented)
//
// Options.ExtraTenants: []string{"fabrikam"} adds fabrikam.onmicrosoft.com,
// a tenant where srv.Tenant.AppID is unknown (AADSTS700016).
//
// MSAL Go against it:
//
//	cred, _ := confidential.NewCredFromSecret(srv.Tenant.Secret)
//	app, _ := confidential.New(srv.URL+"/"+srv.Tenant.Domain, srv.Tenant.AppID, cred,
//		confidential.WithHTTPClient(srv.Client),
//		confidential.WithInstanceDiscovery(false),
//		confidential.WithAzureRegion("DisableMsalForceRegion"))
//	res, _ := app.AcquireTokenByCredential(ctx, []string{"https://graph.microsoft.com/.default"})
//	// GET srv.URL + "/v1.0/users" with "Authorization: Bearer " + res.AccessToken
//
// Changing the directory (every change shows up on delta links issued
// before it), credentials, roles, faults and throttling:
//
//	id := srv.CreateUser(t, map[string]any{"displayName": "Ann", "userPrincipalName": "ann@contoso.com"})
//	srv.PatchUser(t, id, map[string]any{"jobTitle": "CEO"})
//	srv.DeleteUser(t, id) / srv.PurgeUser(t, id) / srv.RestoreUser(t, id)
//	gid := srv.CreateGroup(t, map[string]any{"displayName": "Sales"})
//	srv.AddMember(t, gid, id) / srv.RemoveMember(t, gid, id)
//	s := srv.AddSecret(t, srv.Tenant.AppID, time.Time{}) // s.Value, s.KeyID; a past end = expired
//	keyID := srv.AddCertificate(t, srv.Tenant.AppID, certPEM)
//	// or paste a manifest keyCredentials entry (customKeyIdentifier is checked):
//	srv.Admin(t, "POST", "apps/"+srv.Tenant.AppID+"/certificates",
//		map[string]any{"value": base64DER, "keyId": keyID, "customKeyIdentifier": sha1Base64})
//	certPEM, keyPEM := emulatortest.NewCertificate(t, "connect", time.Now().AddDate(1, 0, 0))
//	srv.RemoveCredential(t, srv.Tenant.AppID, keyID)
//	srv.SetRoles(t, srv.Tenant.AppID, []string{"User.Read.All"}, nil)
//	srv.SetFault(t, emulatortest.Fault{Status: 429, Rate: 1, RetryAfter: "1.5", Count: 2})
//	srv.SetFault(t, emulatortest.Fault{Status: 410, Count: 1}) // delta reset: Location has an empty $deltatoken
//	srv.SetFault(t, emulatortest.Fault{Action: "reset"})       // or "truncate"; DelayMS slows answers
//	srv.ClearFault(t)
//	n := srv.FaultCounts(t) // faults injected so far: n.Total, n.ByKind["429"]; clearing keeps them
//	srv.SetThrottle(t, 50) // resource units per 10 s; 0 = off
//	srv.ExpireDeltaTokens(t) // next delta call: 400 syncStateNotFound
//	app := srv.RegisterApp(t, "Other", "User.Read.All") // app.AppID, app.Secret
//	token := srv.Token(t, "https://graph.microsoft.com/.default") // by the generated app's secret
//	body := srv.Admin(t, "GET", "", nil) // any admin call, path below /_emulator/{tenant}/
//
// The admin helpers fail the test on any non-2xx answer. Faults apply to
// Graph calls only (not the token endpoint), after authentication.
//
// Behaviour worth knowing when writing tests: lists are sorted by id and
// page with an id cursor; delta pages default to 100 objects (Options.
// DeltaPageSize, or "Prefer: odata.maxpagesize=N") and split a group's
// members@delta every Options.DeltaMemberChunk (default 500) entries,
// repeating the group on the next page; a soft delete shows as
// @removed "changed", a purge as "deleted"; Options.Now moves the clock
// for token and delta-token expiry (Options.DeltaTokenTTL, default 7 days).
package emulatortest

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/connect/connect/internal/emulator"
)

// Options configure the emulator; see emulator.Options. The admin API is
// always on.
type Options = emulator.Options

// Tenant is what an administrator would type into Connect's wizard.
type Tenant struct {
	Domain string // primary domain, e.g. contoso.onmicrosoft.com
	ID     string // tenant GUID
	AppID  string // the generated app's client ID
	Secret string // its secret value
}

// Server is a running emulator.
type Server struct {
	URL      string
	Client   *http.Client
	CAPEM    []byte
	Tenant   Tenant
	Emulator *emulator.Server
	http     *httptest.Server
}

// Start runs the real emulator handler on an httptest TLS server that
// presents the emulator's own certificate, and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	opts.AdminAPI = true
	emu, err := emulator.New(opts)
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	ts := httptest.NewUnstartedServer(emu.Handler())
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{emu.TLSCertificate()}}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(emu.CAPEM()) {
		t.Fatal("emulator CA PEM holds no certificate")
	}
	client := &http.Client{
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: false},
		Timeout:   30 * time.Second,
	}
	t.Cleanup(client.CloseIdleConnections)
	creds := emu.Credentials()
	return &Server{
		URL:      ts.URL,
		Client:   client,
		CAPEM:    emu.CAPEM(),
		Tenant:   Tenant{Domain: creds.TenantDomain, ID: creds.TenantID, AppID: creds.ApplicationID, Secret: creds.Secret},
		Emulator: emu,
		http:     ts,
	}
}
