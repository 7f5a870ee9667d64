package entra

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/connect/connect/internal/emulator/emulatortest"
	"github.com/connect/connect/internal/graph"
)

// A sync run retries a token failure only when a later attempt may succeed:
// Entra ID answering 5xx is temporary, an AADSTS refusal is not.
func TestTokenFailuresAreMarkedTemporaryOnlyWhenTheyAre(t *testing.T) {
	emu := emulatortest.Start(t, emulatortest.Options{Users: 2, Groups: 1, Seed: 5})
	unavailable := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token") {
			http.Error(w, `{"error":"temporarily_unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		emu.Emulator.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(unavailable.Close)

	tests := []struct {
		name          string
		authority     string
		client        *http.Client
		secret        string
		wantTemporary bool
	}{
		{"token endpoint answers 503", unavailable.URL, unavailable.Client(), emu.Tenant.Secret, true},
		{"wrong key (AADSTS7000215)", emu.URL, emu.Client, "not-the-key-value", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewClients(tt.client).Token(context.Background(),
				App{AuthorityHost: tt.authority, Tenant: emu.Tenant.Domain, ClientID: emu.Tenant.AppID},
				Credential{Secret: tt.secret}, "https://graph.microsoft.com/.default")
			if err == nil {
				t.Fatal("no error")
			}
			var temp graph.TemporaryError
			if got := errors.As(err, &temp) && temp.Temporary(); got != tt.wantTemporary {
				t.Fatalf("temporary = %v, want %v (%v)", got, tt.wantTemporary, err)
			}
		})
	}
}
