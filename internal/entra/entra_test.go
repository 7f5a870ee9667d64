package entra

import (
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestAsAADSTS(t *testing.T) {
	body := `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 2023-05-06 06:03:00Z","error_codes":[7000215]}`
	tests := []struct {
		name     string
		err      error
		ok       bool
		code     int
		status   int
		descHead string
	}{
		{"MSAL CallErr text", fmt.Errorf("acquire token: %w", errors.New("http call(https://x/t/oauth2/v2.0/token)(POST) error: reply status code was 401:\n"+body)), true, 7000215, 401, "Invalid client secret provided."},
		{"discovery error", &AADSTSError{Status: 400, Err: "invalid_tenant", Code: 90002}, true, 90002, 400, ""},
		{"code only in text", errors.New("something AADSTS700016: app not found"), true, 700016, 0, ""},
		{"no AADSTS", errors.New("dial tcp: connection refused"), false, 0, 0, ""},
		{"nil", nil, false, 0, 0, ""},
		{"broken JSON", errors.New(`reply status code was 400: {"error":`), false, 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := AsAADSTS(tt.err)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if e.Code != tt.code || e.Status != tt.status {
				t.Fatalf("code %d status %d, want %d %d", e.Code, e.Status, tt.code, tt.status)
			}
			if tt.descHead != "" && (len(e.Description) < len(tt.descHead) || e.Description[:len(tt.descHead)] != tt.descHead) {
				t.Errorf("description %q", e.Description)
			}
		})
	}
}

func TestAdviceCoversProtocolCodes(t *testing.T) {
	for _, code := range []int{CodeInvalidSecret, CodeExpiredSecret, CodeAppNotFound, CodeTenantNotFound, CodeTenantMalformed, CodeCertNotRegistered, CodeMissingCredential} {
		a, ok := AdviceFor(code, "contoso.onmicrosoft.com", "app")
		if !ok || a.Problem == "" || a.Fix == "" {
			t.Errorf("AADSTS%d has no advice", code)
		}
	}
	if _, ok := AdviceFor(12345, "", ""); ok {
		t.Error("an unknown code has advice")
	}
}

func TestMissingDirectoryPermissions(t *testing.T) {
	tests := []struct {
		roles []string
		want  []string
	}{
		{[]string{"Directory.Read.All"}, nil},
		{[]string{"User.Read.All", "GroupMember.Read.All"}, nil},
		{[]string{"User.Read.All", "Group.Read.All"}, nil},
		{[]string{"User.Read.All"}, []string{"GroupMember.Read.All"}},
		{[]string{"GroupMember.Read.All"}, []string{"User.Read.All"}},
		{nil, []string{"User.Read.All", "GroupMember.Read.All"}},
		{[]string{"Mail.Read"}, []string{"User.Read.All", "GroupMember.Read.All"}},
	}
	for _, tt := range tests {
		if got := MissingDirectoryPermissions(tt.roles); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("MissingDirectoryPermissions(%v) = %v, want %v", tt.roles, got, tt.want)
		}
	}
}

func TestReadClaims(t *testing.T) {
	enc := base64.RawURLEncoding.EncodeToString
	good := enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(`{"aud":"https://graph.microsoft.com","tid":"t","roles":["Directory.Read.All"],"exp":5}`)) + ".sig"
	c, err := ReadClaims(good)
	if err != nil || c.TenantID != "t" || len(c.Roles) != 1 || c.Expires != 5 {
		t.Fatalf("claims %+v, %v", c, err)
	}
	for _, bad := range []string{"", "a.b", "a.!!!.c", "a." + enc([]byte("not json")) + ".c"} {
		if _, err := ReadClaims(bad); err == nil {
			t.Errorf("ReadClaims(%q) accepted", bad)
		}
	}
}

func TestGraphScopeAndAuthorities(t *testing.T) {
	scopes := map[string]string{
		"https://graph.microsoft.com":             "https://graph.microsoft.com/.default",
		"https://graph.microsoft.us":              "https://graph.microsoft.us/.default",
		"https://microsoftgraph.chinacloudapi.cn": "https://microsoftgraph.chinacloudapi.cn/.default",
		"https://127.0.0.1:8443":                  "https://graph.microsoft.com/.default",
	}
	for u, want := range scopes {
		if got := GraphScope(u); got != want {
			t.Errorf("GraphScope(%s) = %s, want %s", u, got, want)
		}
	}
	if !isMicrosoftAuthority("https://login.microsoftonline.com") || isMicrosoftAuthority("https://127.0.0.1:8443") {
		t.Error("authority classification is wrong")
	}
}
