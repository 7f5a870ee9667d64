package emulator_test

import (
	"io"
	"net/http"
	"runtime"
	"testing"

	"github.com/connect/connect/internal/emulator"
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

// TestDeltaPageDoesNotCopyTenant bounds the bytes one 999-user delta page
// of a 100,000-user tenant allocates (server and client in this process):
// a handler that copied the tenant per request would allocate about the
// tenant's size. A bound on bytes, not on time.
func TestDeltaPageDoesNotCopyTenant(t *testing.T) {
	if testing.Short() || emulator.RaceEnabled {
		t.Skip("100k-user tenant: skipped in -short mode and under -race (generation takes about 40 s)")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	srv := emulatortest.Start(t, emulatortest.Options{Users: 100_000, Groups: 10_000, Seed: 1})
	runtime.GC()
	runtime.ReadMemStats(&after)
	tenantBytes := after.HeapAlloc - before.HeapAlloc
	token := srv.Token(t, "https://graph.microsoft.com/.default")
	page := func(target string) string {
		a := get(t, srv, token, target, "Prefer", "odata.maxpagesize=999")
		if a.status != 200 || len(values(t, a)) != 999 {
			t.Fatalf("delta page: %d, %d users", a.status, len(values(t, a)))
		}
		return str(a.body, "@odata.nextLink")
	}
	next := page("/v1.0/users/delta") // warm up connections and pools
	const requests = 5
	runtime.ReadMemStats(&before)
	for range requests {
		next = page(next) // pages deeper in the tenant, as a sync walks it
	}
	runtime.ReadMemStats(&after)
	perRequest := (after.TotalAlloc - before.TotalAlloc) / requests
	t.Logf("tenant %d MiB on the heap; %d KiB allocated per 999-user delta page", tenantBytes>>20, perRequest>>10)
	if perRequest > tenantBytes/10 {
		t.Errorf("a delta page allocated %d KiB, more than a tenth of the tenant (%d KiB): is the tenant copied per request?", perRequest>>10, tenantBytes>>10)
	}
}
