package emulator_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/connect/connect/internal/emulator/emulatortest"
)

func msalClient(t *testing.T, srv *emulatortest.Server, tenant, appID string, cred confidential.Credential) confidential.Client {
	t.Helper()
	client, err := confidential.New(srv.URL+"/"+tenant, appID, cred,
		confidential.WithHTTPClient(srv.Client),
		confidential.WithInstanceDiscovery(false),
		confidential.WithAzureRegion("DisableMsalForceRegion"))
	if err != nil {
		t.Fatalf("confidential.New: %v", err)
	}
	return client
}

func certCredential(t *testing.T, certPEM, keyPEM []byte) confidential.Credential {
	t.Helper()
	certs, key, err := confidential.CertFromPEM(append(certPEM, keyPEM...), "")
	if err != nil {
		t.Fatal(err)
	}
	cred, err := confidential.NewCredFromCert(certs, key)
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

// claimsOf decodes an access token's claims (no verification: the Graph
// tests check that the emulator accepts its own tokens).
func claimsOf(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWS", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

func TestMSALAcquiresTokens(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 5, Groups: 2})
	certPEM, keyPEM := emulatortest.NewCertificate(t, "connect", time.Now().AddDate(1, 0, 0))
	srv.AddCertificate(t, srv.Tenant.AppID, certPEM)
	srv.SetRoles(t, srv.Tenant.AppID, []string{"Directory.Read.All"}, []string{"full_access_as_app"})
	secretCred, err := confidential.NewCredFromSecret(srv.Tenant.Secret)
	if err != nil {
		t.Fatal(err)
	}
	certCred := certCredential(t, certPEM, keyPEM)
	tests := []struct {
		name, tenant, scope, aud, appidacr, role string
		cred                                     confidential.Credential
	}{
		{"secret by domain", srv.Tenant.Domain, "https://graph.microsoft.com/.default", "https://graph.microsoft.com", "1", "Directory.Read.All", secretCred},
		{"secret by GUID", srv.Tenant.ID, "https://graph.microsoft.com/.default", "https://graph.microsoft.com", "1", "Directory.Read.All", secretCred},
		{"secret by upper-case domain", strings.ToUpper(srv.Tenant.Domain), "https://graph.microsoft.com/.default", "https://graph.microsoft.com", "1", "Directory.Read.All", secretCred},
		{"secret by verified domain", "contoso.com", "https://graph.microsoft.com/.default", "https://graph.microsoft.com", "1", "Directory.Read.All", secretCred},
		{"certificate", srv.Tenant.Domain, "https://graph.microsoft.com/.default", "https://graph.microsoft.com", "2", "Directory.Read.All", certCred},
		{"certificate for Exchange", srv.Tenant.Domain, "https://outlook.office365.com/.default", "https://outlook.office365.com", "2", "full_access_as_app", certCred},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := msalClient(t, srv, tt.tenant, srv.Tenant.AppID, tt.cred)
			res, err := client.AcquireTokenByCredential(context.Background(), []string{tt.scope})
			if err != nil {
				t.Fatalf("AcquireTokenByCredential: %v", err)
			}
			claims := claimsOf(t, res.AccessToken)
			want := map[string]any{
				"aud": tt.aud, "iss": "https://sts.windows.net/" + srv.Tenant.ID + "/", "tid": srv.Tenant.ID,
				"appid": srv.Tenant.AppID, "appidacr": tt.appidacr, "idtyp": "app", "ver": "1.0",
			}
			for k, v := range want {
				if claims[k] != v {
					t.Errorf("claim %s = %v, want %v", k, claims[k], v)
				}
			}
			if roles, _ := claims["roles"].([]any); len(roles) != 1 || roles[0] != tt.role {
				t.Errorf("roles = %v, want [%s]", claims["roles"], tt.role)
			}
			if time.Until(res.ExpiresOn) < 50*time.Minute {
				t.Errorf("ExpiresOn %v is too soon", res.ExpiresOn)
			}
		})
	}
}

func TestTokenWithoutRolesOmitsClaim(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 1, Groups: 1})
	srv.SetRoles(t, srv.Tenant.AppID, nil, nil)
	if _, ok := claimsOf(t, srv.Token(t, "https://graph.microsoft.com/.default"))["roles"]; ok {
		t.Error("roles claim present without consented roles")
	}
}

func TestTokenSuccessShape(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 1, Groups: 1})
	a := postForm(t, srv, "/"+srv.Tenant.Domain+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {srv.Tenant.AppID}, "client_secret": {srv.Tenant.Secret},
		"scope": {"https://graph.microsoft.com/.default openid offline_access profile"},
	})
	if a.status != http.StatusOK || a.body["token_type"] != "Bearer" || a.body["expires_in"] != float64(3599) || a.body["ext_expires_in"] != float64(3599) {
		t.Fatalf("answer %d %s", a.status, a.raw)
	}
	if cc := a.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control = %q", cc)
	}
}

func TestOpenIDConfiguration(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 1, Groups: 1})
	for _, tenant := range []string{srv.Tenant.Domain, srv.Tenant.ID, "CONTOSO.com"} {
		a := get(t, srv, "", "/"+tenant+"/v2.0/.well-known/openid-configuration")
		base := srv.URL + "/" + srv.Tenant.ID
		if a.status != 200 || a.body["issuer"] != base+"/v2.0" || a.body["token_endpoint"] != base+"/oauth2/v2.0/token" ||
			a.body["authorization_endpoint"] != base+"/oauth2/v2.0/authorize" || a.body["jwks_uri"] != base+"/discovery/v2.0/keys" {
			t.Errorf("%s: %d %s", tenant, a.status, a.raw)
		}
	}
	a := get(t, srv, "", "/common/discovery/instance?api-version=1.1&authorization_endpoint=https://login.microsoftonline.com/contoso.com/oauth2/v2.0/authorize")
	if a.status != 200 || !strings.HasSuffix(str(a.body, "tenant_discovery_endpoint"), "/contoso.com/v2.0/.well-known/openid-configuration") {
		t.Errorf("instance discovery: %d %s", a.status, a.raw)
	}
}

// aadstsCode checks the token endpoint's error shape and returns the code.
func aadstsCode(t *testing.T, a answer) (int, string) {
	t.Helper()
	e := aadstsOf(t, a)
	return e.code, e.oauth
}

// aadstsAnswer is a token endpoint error: status, "error", the one code of
// "error_codes" and the description's message up to its Trace ID line.
type aadstsAnswer struct {
	status  int
	oauth   string
	code    int
	message string
}

// aadstsOf checks the error shape of ENTRA-PROTOCOL.md §2 and decodes it.
func aadstsOf(t *testing.T, a answer) aadstsAnswer {
	t.Helper()
	desc := str(a.body, "error_description")
	codes, _ := a.body["error_codes"].([]any)
	message, trailer, found := strings.Cut(desc, "\r\nTrace ID: ")
	if len(codes) != 1 || !found || !strings.Contains(trailer, "\r\nCorrelation ID: ") ||
		!strings.Contains(trailer, "\r\nTimestamp: ") || str(a.body, "trace_id") == "" || str(a.body, "correlation_id") == "" ||
		str(a.body, "timestamp") == "" || !strings.HasPrefix(str(a.body, "error_uri"), "https://login.microsoftonline.com/error?code=") {
		t.Fatalf("not an AADSTS error body: %s", a.raw)
	}
	code, _ := codes[0].(float64)
	return aadstsAnswer{a.status, str(a.body, "error"), int(code), message}
}

func TestIdentityErrors(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 1, Groups: 1})
	expired := srv.AddSecret(t, srv.Tenant.AppID, time.Now().Add(-time.Hour))
	graphScope := "https://graph.microsoft.com/.default openid offline_access profile"
	form := func(pairs ...string) url.Values {
		v := url.Values{"grant_type": {"client_credentials"}, "client_id": {srv.Tenant.AppID}, "scope": {graphScope}}
		for i := 0; i+1 < len(pairs); i += 2 {
			if pairs[i+1] == "" {
				v.Del(pairs[i])
				continue
			}
			v.Set(pairs[i], pairs[i+1])
		}
		return v
	}
	app := srv.Tenant.AppID
	assertionType := "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	tests := []struct {
		name   string
		tenant string
		form   url.Values
		want   aadstsAnswer
	}{
		{"wrong secret", srv.Tenant.Domain, form("client_secret", "nope"), aadstsAnswer{401, "invalid_client", 7000215,
			"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + app + "'."}},
		{"expired secret", srv.Tenant.Domain, form("client_secret", expired.Value), aadstsAnswer{401, "invalid_client", 7000222,
			"AADSTS7000222: The provided client secret keys for app '" + app + "' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds."}},
		{"unknown app", srv.Tenant.Domain, form("client_id", "11111111-2222-3333-4444-555555555555", "client_secret", "x"), aadstsAnswer{400, "unauthorized_client", 700016,
			"AADSTS700016: Application with identifier '11111111-2222-3333-4444-555555555555' was not found in the directory '" + srv.Tenant.Domain + "'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."}},
		{"unknown tenant", "fabrikam.onmicrosoft.com", form("client_secret", "x"), aadstsAnswer{400, "invalid_request", 90002,
			"AADSTS90002: Tenant 'fabrikam.onmicrosoft.com' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."}},
		{"malformed tenant", "not_a_domain", form("client_secret", "x"), aadstsAnswer{400, "invalid_request", 900023,
			"AADSTS900023: Specified tenant identifier 'not_a_domain' is neither a valid DNS name, nor a valid external domain."}},
		{"no credential", srv.Tenant.Domain, form(), aadstsAnswer{400, "invalid_request", 7000218,
			"AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'."}},
		{"secret and assertion", srv.Tenant.Domain, form("client_secret", srv.Tenant.Secret, "client_assertion_type", assertionType, "client_assertion", "abc"), aadstsAnswer{400, "invalid_request", 90023,
			"AADSTS90023: Only one client credential may be sent: 'client_assertion' or 'client_secret', not both."}},
		{"garbled assertion", srv.Tenant.Domain, form("client_assertion_type", assertionType, "client_assertion", "abc"), aadstsAnswer{400, "invalid_request", 50027,
			"AADSTS50027: JWT token is invalid or malformed."}},
		{"no grant type", srv.Tenant.Domain, form("grant_type", ""), aadstsAnswer{400, "invalid_request", 900144,
			"AADSTS900144: The request body must contain the following parameter: 'grant_type'."}},
		{"other grant type", srv.Tenant.Domain, form("grant_type", "password"), aadstsAnswer{400, "unsupported_grant_type", 70003,
			"AADSTS70003: The app requested an unsupported grant type 'password'."}},
		{"no scope", srv.Tenant.Domain, form("client_secret", srv.Tenant.Secret, "scope", ""), aadstsAnswer{400, "invalid_request", 900144,
			"AADSTS900144: The request body must contain the following parameter: 'scope'."}},
		{"scope without .default", srv.Tenant.Domain, form("client_secret", srv.Tenant.Secret, "scope", "User.Read"), aadstsAnswer{400, "invalid_scope", 1002012,
			"AADSTS1002012: The provided value for scope User.Read is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."}},
		{"unknown resource", srv.Tenant.Domain, form("client_secret", srv.Tenant.Secret, "scope", "https://example.com/.default"), aadstsAnswer{400, "invalid_resource", 500011,
			"AADSTS500011: The resource principal named https://example.com was not found in the tenant named " + srv.Tenant.Domain + ". This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := postForm(t, srv, "/"+tt.tenant+"/oauth2/v2.0/token", tt.form)
			if got := aadstsOf(t, a); got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
	t.Run("unknown tenant in discovery", func(t *testing.T) {
		a := get(t, srv, "", "/fabrikam.onmicrosoft.com/v2.0/.well-known/openid-configuration")
		code, oauthError := aadstsCode(t, a)
		if a.status != 400 || code != 90002 || oauthError != "invalid_tenant" {
			t.Errorf("got %d %s %d", a.status, oauthError, code)
		}
	})
}

func TestMSALReportsUnknownTenant(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 1, Groups: 1})
	cred, _ := confidential.NewCredFromSecret(srv.Tenant.Secret)
	client := msalClient(t, srv, "fabrikam.onmicrosoft.com", srv.Tenant.AppID, cred)
	_, err := client.AcquireTokenByCredential(context.Background(), []string{"https://graph.microsoft.com/.default"})
	if err == nil || !strings.Contains(err.Error(), "AADSTS90002") {
		t.Fatalf("err = %v, want AADSTS90002", err)
	}
}

// TestAssertionChecks signs assertions by hand to reach each check MSAL
// itself never fails.
func TestAssertionChecks(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 1, Groups: 1})
	certPEM, keyPEM := emulatortest.NewCertificate(t, "connect", time.Now().AddDate(1, 0, 0))
	otherPEM, otherKeyPEM := emulatortest.NewCertificate(t, "other", time.Now().AddDate(1, 0, 0))
	oldPEM, oldKeyPEM := emulatortest.NewCertificate(t, "old", time.Now().Add(-time.Hour))
	srv.AddCertificate(t, srv.Tenant.AppID, certPEM)
	srv.AddCertificate(t, srv.Tenant.AppID, oldPEM)
	endpoint := srv.URL + "/" + srv.Tenant.ID + "/oauth2/v2.0/token"
	now := time.Now()
	base := map[string]any{"aud": endpoint, "iss": srv.Tenant.AppID, "sub": srv.Tenant.AppID, "exp": now.Add(10 * time.Minute).Unix(), "nbf": now.Unix(), "jti": "x"}
	with := func(k string, v any) map[string]any {
		c := map[string]any{}
		for kk, vv := range base {
			c[kk] = vv
		}
		c[k] = v
		return c
	}
	const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	const thumbprintFollows = ", Thumbprint of key used by client: '"
	const subjectMismatch = "AADSTS700021: Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials ."
	const outOfTime = "AADSTS700024: Client assertion is not within its valid time range. Current time: "
	tests := []struct {
		name          string
		cert, key     []byte
		encoding      *base64.Encoding
		claims        map[string]any
		assertionType string
		want          aadstsAnswer // zero: a token; message: the start of it
	}{
		{"standard base64 thumbprint", certPEM, keyPEM, base64.StdEncoding, base, jwtBearer, aadstsAnswer{}},
		{"base64url thumbprint", certPEM, keyPEM, base64.RawURLEncoding, base, jwtBearer, aadstsAnswer{}},
		{"domain-form audience", certPEM, keyPEM, base64.StdEncoding, with("aud", srv.URL+"/"+srv.Tenant.Domain+"/oauth2/v2.0/token"), jwtBearer, aadstsAnswer{}},
		{"unregistered certificate", otherPEM, otherKeyPEM, base64.StdEncoding, base, jwtBearer, aadstsAnswer{401, "invalid_client", 700027,
			"AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found." + thumbprintFollows}},
		{"signed by another key", certPEM, otherKeyPEM, base64.StdEncoding, base, jwtBearer, aadstsAnswer{401, "invalid_client", 700027,
			"AADSTS700027: Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value." + thumbprintFollows}},
		{"expired certificate", oldPEM, oldKeyPEM, base64.StdEncoding, base, jwtBearer, aadstsAnswer{401, "invalid_client", 700027,
			"AADSTS700027: Client assertion contains an invalid signature. [Reason - The key used is expired." + thumbprintFollows}},
		{"wrong audience", certPEM, keyPEM, base64.StdEncoding, with("aud", "https://example.com/token"), jwtBearer, aadstsAnswer{401, "invalid_client", 700212,
			"AADSTS700212: No matching federated identity record found for presented assertion audience 'https://example.com/token'."}},
		{"expired", certPEM, keyPEM, base64.StdEncoding, with("exp", now.Add(-time.Hour).Unix()), jwtBearer, aadstsAnswer{401, "invalid_client", 700024, outOfTime}},
		{"not yet valid", certPEM, keyPEM, base64.StdEncoding, with("nbf", now.Add(time.Hour).Unix()), jwtBearer, aadstsAnswer{401, "invalid_client", 700024, outOfTime}},
		{"issuer is not the client", certPEM, keyPEM, base64.StdEncoding, with("iss", "someone"), jwtBearer, aadstsAnswer{401, "invalid_client", 700021, subjectMismatch}},
		{"subject is not the client", certPEM, keyPEM, base64.StdEncoding, with("sub", "11111111-2222-3333-4444-555555555555"), jwtBearer, aadstsAnswer{401, "invalid_client", 700021, subjectMismatch}},
		{"no assertion type", certPEM, keyPEM, base64.StdEncoding, base, "", aadstsAnswer{400, "invalid_request", 900144,
			"AADSTS900144: The request body must contain the following parameter: 'client_assertion_type'."}},
		{"wrong assertion type", certPEM, keyPEM, base64.StdEncoding, base, "urn:ietf:params:oauth:client-assertion-type:saml2-bearer", aadstsAnswer{400, "invalid_request", 900144,
			"AADSTS900144: The request body must contain the following parameter: 'client_assertion_type'."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{
				"grant_type": {"client_credentials"}, "client_id": {srv.Tenant.AppID}, "scope": {"https://graph.microsoft.com/.default"},
				"client_assertion": {signAssertion(t, tt.cert, tt.key, tt.encoding, tt.claims)},
			}
			if tt.assertionType != "" {
				form.Set("client_assertion_type", tt.assertionType)
			}
			a := postForm(t, srv, "/"+srv.Tenant.ID+"/oauth2/v2.0/token", form)
			if tt.want.code == 0 {
				if a.status != 200 || str(a.body, "access_token") == "" {
					t.Fatalf("got %d %s", a.status, a.raw)
				}
				return
			}
			got := aadstsOf(t, a)
			if got.status != tt.want.status || got.oauth != tt.want.oauth || got.code != tt.want.code || !strings.HasPrefix(got.message, tt.want.message) {
				t.Errorf("got  %+v\nwant %+v…", got, tt.want)
			}
		})
	}
}

func TestMSALCertificateRemoved(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 1, Groups: 1})
	certPEM, keyPEM := emulatortest.NewCertificate(t, "connect", time.Now().AddDate(1, 0, 0))
	keyID := srv.AddCertificate(t, srv.Tenant.AppID, certPEM)
	srv.RemoveCredential(t, srv.Tenant.AppID, keyID)
	cred := certCredential(t, certPEM, keyPEM)
	_, err := msalClient(t, srv, srv.Tenant.Domain, srv.Tenant.AppID, cred).AcquireTokenByCredential(context.Background(), []string{"https://graph.microsoft.com/.default"})
	if err == nil || !strings.Contains(err.Error(), "AADSTS700027") {
		t.Fatalf("err = %v, want AADSTS700027", err)
	}
}

func TestAppUnknownInAnotherTenant(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 1, Groups: 1, ExtraTenants: []string{"fabrikam"}})
	a := postForm(t, srv, "/fabrikam.onmicrosoft.com/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {srv.Tenant.AppID}, "client_secret": {srv.Tenant.Secret},
		"scope": {"https://graph.microsoft.com/.default"},
	})
	if code, _ := aadstsCode(t, a); code != 700016 || !strings.Contains(str(a.body, "error_description"), "'fabrikam.onmicrosoft.com'") {
		t.Errorf("got %d: %s", code, a.raw)
	}
}

// TestOddPathsAnswerJSON: no path or method gets ServeMux's redirect (a
// text/html 307 for "//") or its plain-text 404/405.
func TestOddPathsAnswerJSON(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 1, Groups: 1})
	noRedirect := *srv.Client
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	d := srv.Tenant.Domain
	tests := []struct {
		method, path string
		status       int
	}{
		{"GET", "//" + d + "/v2.0/.well-known/openid-configuration", 404},
		{"GET", "/" + d + "//v2.0/.well-known/openid-configuration", 404},
		{"POST", "/" + d + "//oauth2/v2.0/token", 404},
		{"GET", "/" + d + "/./v2.0/.well-known/openid-configuration", 404},
		{"GET", "/" + d + "/v2.0/../v2.0/.well-known/openid-configuration", 404},
		{"DELETE", "/" + d + "/oauth2/v2.0/token", 404},
		{"GET", "/", 404},
		{"GET", "/favicon.ico", 404},
		{"GET", "/_emulator//users", 404},
		{"GET", "/_emulator/" + d + "//faults", 404},
		{"GET", "/_emulator/" + d + "/users", 404},
		{"GET", "/v1.0//users", 401},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			a := readAnswer(t, resp)
			if a.status != tt.status || a.body == nil {
				t.Errorf("got %d %s %q, want %d JSON", a.status, a.header.Get("Content-Type"), a.raw, tt.status)
			}
		})
	}
}
