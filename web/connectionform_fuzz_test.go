package web

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/connect/connect/internal/entra"
)

// FuzzWizardFields: no input makes the checks panic, and what they accept
// is safe to store and to send: a GUID, a DNS name, a printable key.
func FuzzWizardFields(f *testing.F) {
	seeds := [][3]string{
		{"2b6f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f", "4.u8Q~xnBkTN9FUF-JF3zrChm2yWQbow9ngwGrN2", "contoso.onmicrosoft.com"},
		{"", "", ""},
		{"not-a-guid", "1b4e28ba-2fa1-11d2-883f-0016d3cca427", "https://contoso.onmicrosoft.com/"},
		{"2B6F7C3E-1A2B-4C5D-8E9F-0A1B2C3D4E5F", "key with spaces", "a..b"},
		{"\x00", "\u202eevil", "xn--bcher-kva.example"},
		{strings.Repeat("a", 300), strings.Repeat("k", 300), strings.Repeat("a.", 200)},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, appID, key, tenant string) {
		form := connectionForm{ApplicationID: appID, Key: key, TenantDomain: tenant, Cloud: entra.CloudDefault, Credential: credentialKey}
		errs := form.validate(true)
		if _, bad := errs["application_id"]; !bad && !entra.IsGUID(appID) {
			t.Fatalf("accepted application ID %q", appID)
		}
		if _, bad := errs["key"]; !bad {
			if len(key) < minKeyLen || len(key) > maxKeyLen || !utf8.ValidString(key) || strings.ContainsAny(key, " \t\r\n") {
				t.Fatalf("accepted key %q", key)
			}
		}
		if _, bad := errs["tenant_domain"]; !bad {
			if len(tenant) > 253 || strings.ContainsAny(tenant, "/:@ ") || (!entra.IsGUID(tenant) && !strings.Contains(tenant, ".")) {
				t.Fatalf("accepted tenant %q", tenant)
			}
		}
	})
}
