package emulator_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/connect/connect/internal/emulator/emulatortest"
)

// BenchmarkUsersDeltaPage100k serves 999-user delta pages of a
// 100,000-user tenant: the emulator must page from its sorted index, not
// copy the tenant per request.
func BenchmarkUsersDeltaPage100k(b *testing.B) {
	srv := emulatortest.Start(b, emulatortest.Options{Users: 100_000, Groups: 10_000, Seed: 1})
	token := srv.Token(b, "https://graph.microsoft.com/.default")
	for b.Loop() {
		req, _ := http.NewRequestWithContext(b.Context(), http.MethodGet, srv.URL+"/v1.0/users/delta", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Prefer", "odata.maxpagesize=999")
		resp, err := srv.Client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %s", resp.Status)
		}
	}
}
