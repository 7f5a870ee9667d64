package emulator_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/connect/connect/internal/emulator"
	"github.com/connect/connect/internal/emulator/emulatortest"
)

func TestAdminAPIErrors(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 2, Groups: 1})
	taken := srv.CreateUser(t, map[string]any{"displayName": "Taken", "userPrincipalName": "taken@contoso.com"})
	other := srv.CreateUser(t, map[string]any{"displayName": "Other", "userPrincipalName": "other@contoso.com"})
	const upnTaken = "Another object with the same value for property userPrincipalName already exists."
	domain := strings.ToUpper(srv.Tenant.Domain) // domains match case-insensitively
	tests := []struct {
		name, method, path, body string
		status                   int
		code, message            string // message: the start of error.message; "" = any
	}{
		{"unknown tenant", "POST", "fabrikam.com/users", `{}`, 404, "Request_ResourceNotFound", "unknown tenant fabrikam.com"},
		{"missing UPN", "POST", domain + "/users", `{"displayName":"x"}`, 400, "Request_BadRequest", ""},
		{"unknown attribute", "POST", domain + "/users", `{"displayName":"x","userPrincipalName":"x@contoso.com","shoeSize":4}`, 400, "Request_BadRequest", ""},
		{"UPN taken", "POST", domain + "/users", `{"displayName":"x","userPrincipalName":"TAKEN@contoso.com"}`, 400, "Request_BadRequest", upnTaken},
		{"UPN taken by a patch", "PATCH", domain + "/users/" + other, `{"userPrincipalName":"taken@CONTOSO.com"}`, 400, "Request_BadRequest", upnTaken},
		{"unknown user", "PATCH", domain + "/users/00000000-0000-4000-8000-000000000000", `{"jobTitle":"x"}`, 404, "Request_ResourceNotFound", ""},
		{"not a GUID", "DELETE", domain + "/users/bob", ``, 404, "Request_ResourceNotFound", ""},
		{"restore a live user", "POST", domain + "/users/" + "00000000-0000-4000-8000-000000000000/restore", ``, 404, "Request_ResourceNotFound", ""},
		{"unknown app", "POST", domain + "/apps/00000000-0000-4000-8000-000000000000/secrets", `{}`, 404, "Request_ResourceNotFound", ""},
		{"bad PEM", "POST", domain + "/apps/" + srv.Tenant.AppID + "/certificates", `{"pem":"nope"}`, 400, "Request_BadRequest", ""},
		{"unknown role", "PUT", domain + "/apps/" + srv.Tenant.AppID + "/roles", `{"graph":["Mail.Send.Everything"]}`, 400, "Request_BadRequest", ""},
		{"unknown endpoint", "GET", domain + "/nothing/here", ``, 404, "Request_ResourceNotFound", "no admin endpoint"},
		{"bad fault", "PUT", domain + "/faults", `{"status":"explode"}`, 400, "Request_BadRequest", `fault status "explode": want one of`},
		{"fault status 200", "PUT", domain + "/faults", `{"status":200}`, 400, "Request_BadRequest", "fault status 200: want one of [410 429 500 502 503 504]"},
		{"fault status 42", "PUT", domain + "/faults", `{"status":"42"}`, 400, "Request_BadRequest", `fault status "42"`},
		{"fault status fractional", "PUT", domain + "/faults", `{"status":429.5}`, 400, "Request_BadRequest", "fault status 429.5"},
		{"fault rate above 1", "PUT", domain + "/faults", `{"status":503,"rate":1.5}`, 400, "Request_BadRequest", "fault rate 1.5: want a share of calls from 0 to 1"},
		{"fault rate negative", "PUT", domain + "/faults", `{"status":503,"rate":-0.1}`, 400, "Request_BadRequest", "fault rate -0.1"},
		{"retry_after object", "PUT", domain + "/faults", `{"status":429,"retry_after":{"s":1}}`, 400, "Request_BadRequest", `fault retry_after {"s":1}: want seconds`},
		{"retry_after negative", "PUT", domain + "/faults", `{"status":429,"retry_after":-1}`, 400, "Request_BadRequest", "fault retry_after -1"},
		{"retry_after words", "PUT", domain + "/faults", `{"status":429,"retry_after":"soon"}`, 400, "Request_BadRequest", `fault retry_after "soon"`},
		{"negative delay", "PUT", domain + "/faults", `{"delay_ms":-5}`, 400, "Request_BadRequest", "fault delay_ms -5"},
		{"good fault, numeric strings", "PUT", domain + "/faults", `{"status":"502","rate":0,"retry_after":"1.5"}`, 204, "", ""},
		{"good fault, numbers", "PUT", domain + "/faults", `{"status":504,"rate":1,"retry_after":2}`, 204, "", ""},
		{"summary", "GET", srv.Tenant.ID, ``, 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), tt.method, srv.URL+"/_emulator/"+tt.path, strings.NewReader(tt.body))
			resp, err := srv.Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			a := readAnswer(t, resp)
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.raw)
			}
			if tt.status < 400 {
				return
			}
			if code, message := graphErrorCode(t, a); code != tt.code || !strings.HasPrefix(message, tt.message) || message == "" {
				t.Errorf("error %s %q, want %s %q…", code, message, tt.code, tt.message)
			}
		})
	}
	t.Run("a deleted user's UPN is free, and its restore then refused", func(t *testing.T) {
		srv.DeleteUser(t, taken)
		srv.CreateUser(t, map[string]any{"displayName": "Taken again", "userPrincipalName": "taken@contoso.com"})
		req, _ := http.NewRequestWithContext(t.Context(), "POST", srv.URL+"/_emulator/"+srv.Tenant.ID+"/users/"+taken+"/restore", nil)
		resp, err := srv.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		a := readAnswer(t, resp)
		if code, message := graphErrorCode(t, a); a.status != 400 || code != "Request_BadRequest" || message != upnTaken {
			t.Errorf("restore: %d %s %q", a.status, code, message)
		}
	})
}

func TestAdminAPIIsLoopbackOnlyAndOptIn(t *testing.T) {
	for _, enabled := range []bool{true, false} {
		emu, err := emulator.New(emulator.Options{Users: 1, Groups: 1, AdminAPI: enabled})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/_emulator/contoso.com/users", bytes.NewReader([]byte(`{}`)))
		req.RemoteAddr = "192.0.2.7:4000"
		rec := httptest.NewRecorder()
		emu.Handler().ServeHTTP(rec, req)
		if want := map[bool]int{true: 403, false: 404}[enabled]; rec.Code != want {
			t.Errorf("admin API enabled=%v from a remote address: %d, want %d", enabled, rec.Code, want)
		}
	}
}

func TestDeltaResetFault(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 12, Groups: 1})
	token := srv.Token(t, "https://graph.microsoft.com/.default")
	_, deltaLink := deltaRound(t, srv, token, "/v1.0/users/delta")
	srv.SetFault(t, emulatortest.Fault{Status: 410, Count: 1})
	a := get(t, srv, token, deltaLink)
	code, _ := graphErrorCode(t, a)
	location := a.header.Get("Location")
	if a.status != 410 || code != "resyncRequired" || !strings.HasSuffix(location, "/v1.0/users/delta?$deltatoken=") {
		t.Fatalf("got %d %s Location %q", a.status, code, location)
	}
	if objects, _ := deltaRound(t, srv, token, location); len(objects) != 12 {
		t.Errorf("following Location gave %d users, want a full enumeration of 12", len(objects))
	}
}

func TestFilterOnLists(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 5, Groups: 1})
	token := srv.Token(t, "https://graph.microsoft.com/.default")
	id := srv.CreateUser(t, map[string]any{"displayName": "O'Neil", "userPrincipalName": "oneil@contoso.com", "mail": "oneil@contoso.com",
		"proxyAddresses": []string{"SMTP:oneil@contoso.com", "smtp:o@contoso.com"}})
	for _, filter := range []string{"userPrincipalName eq 'ONEIL@contoso.com'", "startswith(displayName,'O''N')", "proxyAddresses eq 'smtp:o@contoso.com'"} {
		a := get(t, srv, token, "/v1.0/users?$filter="+url.QueryEscape(filter))
		if got := values(t, a); len(got) != 1 || str(got[0], "id") != id {
			t.Errorf("%s: %s", filter, a.raw)
		}
	}
}

// TestMSALWithRealAuthorityRedirected keeps Microsoft's host names and
// sends every connection to the emulator: the certificate's SANs and the
// instance discovery endpoint make that work (ENTRA-PROTOCOL.md §1).
func TestMSALWithRealAuthorityRedirected(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 3, Groups: 1})
	addr := strings.TrimPrefix(srv.URL, "https://")
	base := srv.Client.Transport.(*http.Transport).Clone()
	base.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	base.TLSClientConfig = base.TLSClientConfig.Clone()
	client := &http.Client{Transport: base}
	cred, _ := confidential.NewCredFromSecret(srv.Tenant.Secret)
	app, err := confidential.New("https://login.microsoftonline.com/"+srv.Tenant.Domain, srv.Tenant.AppID, cred,
		confidential.WithHTTPClient(client), confidential.WithAzureRegion("DisableMsalForceRegion"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := app.AcquireTokenByCredential(t.Context(), []string{"https://graph.microsoft.com/.default"})
	if err != nil {
		t.Fatalf("AcquireTokenByCredential: %v", err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://graph.microsoft.com/v1.0/users?$top=1", nil)
	req.Header.Set("Authorization", "Bearer "+res.AccessToken)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	a := readAnswer(t, resp)
	if a.status != 200 || !strings.HasPrefix(str(a.body, "@odata.nextLink"), "https://graph.microsoft.com/v1.0/users?") {
		t.Errorf("Graph by its real name: %d %s", a.status, a.raw)
	}
}

// TestManifestKeyCredential registers a certificate the way an
// administrator pastes Connect's keyCredentials entry into the manifest.
func TestManifestKeyCredential(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 1, Groups: 1})
	certPEM, keyPEM := emulatortest.NewCertificate(t, "server-connection", time.Now().AddDate(1, 0, 0))
	block, _ := pem.Decode(certPEM)
	thumb := sha1.Sum(block.Bytes)
	entry := map[string]any{
		"customKeyIdentifier": base64.StdEncoding.EncodeToString(thumb[:]), "keyId": "5a1c9f0e-7b2d-4c3e-9f8a-1b2c3d4e5f60",
		"type": "AsymmetricX509Cert", "usage": "Verify", "value": base64.StdEncoding.EncodeToString(block.Bytes),
	}
	var answer map[string]string
	if err := json.Unmarshal(srv.Admin(t, "POST", "apps/"+srv.Tenant.AppID+"/certificates", entry), &answer); err != nil {
		t.Fatal(err)
	}
	if answer["keyId"] != "5a1c9f0e-7b2d-4c3e-9f8a-1b2c3d4e5f60" || answer["customKeyIdentifier"] != entry["customKeyIdentifier"] {
		t.Errorf("answer %v", answer)
	}
	srv.SetRoles(t, srv.Tenant.AppID, nil, []string{"full_access_as_app"})
	res, err := msalClient(t, srv, srv.Tenant.Domain, srv.Tenant.AppID, certCredential(t, certPEM, keyPEM)).
		AcquireTokenByCredential(t.Context(), []string{"https://outlook.office365.com/.default"})
	if err != nil {
		t.Fatal(err)
	}
	if roles, _ := claimsOf(t, res.AccessToken)["roles"].([]any); len(roles) != 1 || roles[0] != "full_access_as_app" {
		t.Errorf("roles %v", roles)
	}
	entry["customKeyIdentifier"] = base64.StdEncoding.EncodeToString(make([]byte, 20))
	req, _ := http.NewRequestWithContext(t.Context(), "POST", srv.URL+"/_emulator/"+srv.Tenant.ID+"/apps/"+srv.Tenant.AppID+"/certificates", strings.NewReader(mustJSON(t, entry)))
	resp, err := srv.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if a := readAnswer(t, resp); a.status != 400 {
		t.Errorf("wrong customKeyIdentifier: %d %s", a.status, a.raw)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
