package emulator_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/connect/connect/internal/emulator/emulatortest"
)

func TestTenantFile(t *testing.T) {
	certPEM, _ := emulatortest.NewCertificate(t, "file", time.Now().AddDate(1, 0, 0))
	file, err := json.Marshal(map[string]any{
		"id": "6f1c2d3e-4a5b-4c6d-8e7f-101112131415", "displayName": "Fabrikam",
		"domains": []string{"fabrikam.onmicrosoft.com", "fabrikam.com", "fabrikam.co.uk"},
		"apps": []map[string]any{{
			"appId": "0b5c3a2d-1e4f-4a6b-9c8d-7e6f5a4b3c2d", "displayName": "Connect",
			"secrets":      []map[string]any{{"value": "abc8Q~secret-value", "endDateTime": time.Now().AddDate(1, 0, 0)}},
			"certificates": []map[string]any{{"pem": string(certPEM)}},
			"roles":        map[string]any{"graph": []string{"User.Read.All", "GroupMember.Read.All"}},
		}},
		"users": []map[string]any{
			{"id": "11111111-1111-4111-8111-111111111111", "displayName": "Ann", "userPrincipalName": "ann@fabrikam.com"},
			{"id": "22222222-2222-4222-8222-222222222222", "displayName": "Bo", "userPrincipalName": "bo@fabrikam.com", "accountEnabled": false},
		},
		"groups": []map[string]any{
			{"id": "33333333-3333-4333-8333-333333333333", "displayName": "Staff", "members": []string{"11111111-1111-4111-8111-111111111111", "44444444-4444-4444-8444-444444444444"}},
			{"id": "44444444-4444-4444-8444-444444444444", "displayName": "Nested", "members": []string{"22222222-2222-4222-8222-222222222222"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := emulatortest.Start(t, emulatortest.Options{TenantFile: file})
	if srv.Tenant.Domain != "fabrikam.onmicrosoft.com" || srv.Tenant.ID != "6f1c2d3e-4a5b-4c6d-8e7f-101112131415" ||
		srv.Tenant.AppID != "0b5c3a2d-1e4f-4a6b-9c8d-7e6f5a4b3c2d" || srv.Tenant.Secret != "abc8Q~secret-value" {
		t.Fatalf("tenant %+v", srv.Tenant)
	}
	token := srv.Token(t, "https://graph.microsoft.com/.default")
	if users := collect(t, srv, token, "/v1.0/users"); len(users) != 2 {
		t.Errorf("users %v", users)
	}
	if members := collect(t, srv, token, "/v1.0/groups/33333333-3333-4333-8333-333333333333/transitiveMembers"); len(members) != 3 {
		t.Errorf("transitive members %v", members)
	}
	objects, _ := deltaRound(t, srv, token, "/v1.0/groups/delta?$select=displayName,members")
	if len(objects) != 2 {
		t.Errorf("the file's content must be the starting state, not changes: %v", objects)
	}
}
