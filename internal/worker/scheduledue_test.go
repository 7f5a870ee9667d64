package worker

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/connect/connect/internal/entra"
	"github.com/connect/connect/internal/secrets"
	"github.com/connect/connect/internal/store"
)

// TestScheduleDueServesEachSlotOnce drives the scheduler's check by hand:
// repeated checks and restarts within one slot queue one run; the next slot
// queues the next.
func TestScheduleDueServesEachSlotOnce(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "connect.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sealer, err := secrets.NewSealer(bytes.Repeat([]byte{1}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetSetting(ctx, store.SettingRegion, "south_africa"); err != nil {
		t.Fatal(err)
	}
	id := store.NewID()
	if err := st.CreateConnection(ctx, store.NewConnection{ID: id, Kind: store.KindAzureDirectorySync,
		AuthorityHost: "https://login.example", GraphURL: "https://graph.example", TenantDomain: "t.example",
		ApplicationID: "app"}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetConnectionState(ctx, id, store.ConnActive); err != nil {
		t.Fatal(err)
	}
	conn, _ := st.ConnectionByID(ctx, id)
	johannesburg, _ := time.LoadLocation("Africa/Johannesburg")
	day := conn.CreatedAt.In(johannesburg).AddDate(0, 0, 2)
	now := time.Date(day.Year(), day.Month(), day.Day(), 8, 5, 0, 0, johannesburg)
	newWorker := func() *Worker {
		w, err := New(Options{Store: st, Sealer: sealer, Clients: entra.NewClients(http.DefaultClient),
			Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	countRuns := func() int {
		runs, err := st.LatestRuns(ctx, id, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(runs)
	}
	for range 3 { // ticks, and a restart, within the 08:00 slot
		if err := newWorker().scheduleDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := countRuns(); n != 1 {
		t.Fatalf("%d runs queued for one slot, want 1", n)
	}
	runs, _ := st.LatestRuns(ctx, id, 1, 0)
	if err := st.FinishRun(ctx, runs[0].ID, store.RunSucceeded, "", store.RunStats{}, false); err != nil {
		t.Fatal(err)
	}
	now = now.Add(5 * time.Hour) // 13:05: the next slot
	if err := newWorker().scheduleDue(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countRuns(); n != 2 {
		t.Fatalf("%d runs after the 13:00 slot, want 2", n)
	}
	last, _ := st.LastScheduledSlot(ctx, id)
	if want := now.Add(-5 * time.Minute); !last.Equal(want) {
		t.Fatalf("last slot %v, want %v", last, want)
	}
}
