package store

import (
	"context"
	"path/filepath"
	"testing"
)

func TestRunOverviewLeavesPreviewsOut(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "connect.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateConnection(ctx, NewConnection{ID: "c1", Kind: KindAzureDirectorySync, Cloud: "default",
		AuthorityHost: "a", GraphURL: "g", TenantDomain: "contoso.com", ApplicationID: "app"}); err != nil {
		t.Fatal(err)
	}
	finish := func(trigger, state, queued string) string {
		id, err := st.QueueRun(ctx, "c1", trigger, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Writer.Exec(`UPDATE runs SET state = ?, queued_at = ? WHERE id = ?`, state, queued, id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	failed := finish(TriggerSchedule, RunFailed, "2026-11-23T08:00:00Z")
	ok := finish(TriggerSchedule, RunSucceeded, "2026-11-22T08:00:00Z")
	finish(TriggerPreview, RunSucceeded, "2026-11-23T09:00:00Z")
	active, err := st.QueueRun(ctx, "c1", TriggerManual, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	o, err := st.ConnectionRunOverview(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if o.Active == nil || o.Active.ID != active {
		t.Errorf("active = %+v, want %s", o.Active, active)
	}
	if o.LastFinished == nil || o.LastFinished.ID != failed {
		t.Errorf("last finished = %+v, want the failed run, not the newer preview", o.LastFinished)
	}
	if o.LastSuccess == nil || o.LastSuccess.ID != ok {
		t.Errorf("last success = %+v, want the scheduled run, not the preview", o.LastSuccess)
	}
}
