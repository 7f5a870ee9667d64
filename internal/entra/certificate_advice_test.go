package entra

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/connect/connect/internal/emulator/emulatortest"
)

// AADSTS700027 has three causes with three different fixes; each is told
// apart from what Entra ID (here the emulator) answers.
func TestCertificateFailuresGetTheirOwnAdvice(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 2, Groups: 1, Seed: 3})
	appID := srv.Tenant.AppID
	good, goodKey := emulatortest.NewCertificate(t, "connect", time.Now().AddDate(1, 0, 0))
	expired, expiredKey := emulatortest.NewCertificate(t, "connect", time.Now().Add(-time.Hour))
	unregistered, unregisteredKey := emulatortest.NewCertificate(t, "connect", time.Now().AddDate(1, 0, 0))
	srv.AddCertificate(t, appID, good)
	srv.AddCertificate(t, appID, expired)

	tests := []struct {
		name        string
		cert, key   []byte
		wantProblem string
	}{
		{"not uploaded", unregistered, unregisteredKey, "not registered"},
		{"expired", expired, expiredKey, "has expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clients := NewClients(srv.Client)
			_, err := clients.Token(context.Background(), App{AuthorityHost: srv.URL, Tenant: srv.Tenant.Domain, ClientID: appID},
				Credential{CertPEM: append(append([]byte{}, tt.cert...), tt.key...)}, "https://graph.microsoft.com/.default")
			e, ok := AsAADSTS(err)
			if !ok || e.Code != CodeCertNotRegistered {
				t.Fatalf("error %v, want AADSTS700027", err)
			}
			adv, ok := e.Advice(srv.Tenant.Domain, appID)
			if !ok || !strings.Contains(adv.Problem, tt.wantProblem) || adv.Fix == "" {
				t.Fatalf("advice %+v, want a problem saying %q and a fix", adv, tt.wantProblem)
			}
		})
	}
	// The good pair works, so the failures above are about the certificate.
	if _, err := NewClients(srv.Client).Token(context.Background(), App{AuthorityHost: srv.URL, Tenant: srv.Tenant.Domain, ClientID: appID},
		Credential{CertPEM: append(append([]byte{}, good...), goodKey...)}, "https://graph.microsoft.com/.default"); err != nil {
		t.Fatalf("registered certificate with its key: %v", err)
	}
}

// MSAL refuses a key that does not match its certificate before sending
// anything, so Entra ID's "invalid signature" reason is checked from its text.
func TestInvalidSignatureAdvice(t *testing.T) {
	e := &AADSTSError{Status: 401, Err: "invalid_client", Code: CodeCertNotRegistered,
		Description: "AADSTS700027: Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: 'AB']"}
	adv, ok := e.Advice("contoso.onmicrosoft.com", "app")
	if !ok || !strings.Contains(adv.Problem, "signature does not match") {
		t.Fatalf("advice %+v", adv)
	}
}
