package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/connect/connect/internal/store"
)

// waitNewestRun waits for the connection's newest run (queued by the post
// just made) to end, and returns it.
func (a *testApp) waitNewestRun(t *testing.T, connID string) store.Run {
	t.Helper()
	runs, err := a.store.LatestRuns(context.Background(), connID, 1, 0)
	if err != nil || len(runs) == 0 {
		t.Fatalf("no run queued: %v", err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		r, err := a.store.RunByID(context.Background(), runs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.State != store.RunQueued && r.State != store.RunRunning {
			return r
		}
	}
	t.Fatal("the run did not end")
	return store.Run{}
}

// A run that would delete more than the safeguard waits; the run page lists
// what it would delete; reject changes nothing, approve applies.
func TestDeletionSafeguardApproveAndReject(t *testing.T) {
	app := newTestApp(t, withWorker())
	app.addUser("admin@example.com", "admin")
	app.addUser("help@example.com", "helpdesk")
	admin := app.browser()
	admin.signIn("admin@example.com")
	ctx := context.Background()
	id := app.activeConnection(t, admin)
	if run := app.waitRunFinished(t, id); run.State != store.RunSucceeded {
		t.Fatalf("first sync: %s %s", run.State, run.Error)
	}

	drain(admin.post("/connections/"+id+"/threshold", url.Values{"delete_threshold": {"2"}}))
	if c, _ := app.store.ConnectionByID(ctx, id); c.DeleteThreshold != 2 {
		t.Fatalf("threshold %d, want 2", c.DeleteThreshold)
	}
	users, err := app.store.DirectoryUsers(ctx, id, "", 3)
	if err != nil || len(users) < 3 {
		t.Fatalf("users: %v %v", users, err)
	}
	for _, u := range users {
		app.emu.DeleteUser(t, u.ID)
	}

	held := func() store.Run {
		t.Helper()
		drain(admin.post("/connections/"+id+"/sync", nil))
		run := app.waitNewestRun(t, id)
		if run.State != store.RunAwaitingApproval || run.UsersDeleted != 3 {
			t.Fatalf("run %s with %d deletions, want awaiting approval with 3", run.State, run.UsersDeleted)
		}
		return run
	}
	count := func() int {
		c, err := app.store.CountDirectory(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return c.Users
	}
	before := count()
	run := held()
	if count() != before {
		t.Fatal("a held run deleted users")
	}

	// The page lists what would go; helpdesk sees it but cannot decide.
	doc := parse(t, admin.get("/runs/"+run.ID))
	list := doc.Find(`[data-testid=pending-deletions]`).Text()
	for _, u := range users {
		if !strings.Contains(list, u.DisplayName) {
			t.Errorf("pending deletions do not list %s", u.DisplayName)
		}
	}
	help := app.browser()
	help.signIn("help@example.com")
	doc = parse(t, help.get("/runs/"+run.ID))
	if doc.Find(`[data-testid=approval]`).Length() != 1 || doc.Find(`[data-testid=approve]`).Length() != 0 {
		t.Error("helpdesk must see the held run without the decision buttons")
	}
	if resp := help.post("/runs/"+run.ID+"/approve", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("helpdesk approve: %d, want 403", resp.StatusCode)
	}

	drain(admin.post("/runs/"+run.ID+"/reject", nil))
	if r, _ := app.store.RunByID(ctx, run.ID); r.State != store.RunCancelled {
		t.Fatalf("after reject: %s", r.State)
	}
	if count() != before {
		t.Fatal("rejecting deleted users")
	}
	// Deciding twice is answered, not an error.
	resp := admin.post("/runs/"+run.ID+"/approve", nil)
	drain(resp)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approving a rejected run: %d", resp.StatusCode)
	}

	run = held()
	drain(admin.post("/runs/"+run.ID+"/approve", nil))
	if r, _ := app.store.RunByID(ctx, run.ID); r.State != store.RunSucceeded {
		t.Fatalf("after approve: %s", r.State)
	}
	if got := count(); got != before-3 {
		t.Fatalf("after approve %d users, want %d", got, before-3)
	}
}

func TestFullSyncAndPreview(t *testing.T) {
	app := newTestApp(t, withWorker())
	app.addUser("admin@example.com", "admin")
	admin := app.browser()
	admin.signIn("admin@example.com")
	ctx := context.Background()
	id := app.activeConnection(t, admin)
	app.waitRunFinished(t, id)
	before, _ := app.store.CountDirectory(ctx, id)

	app.emu.CreateUser(t, map[string]any{"displayName": "Preview Person", "userPrincipalName": "preview.person@" + app.emu.Tenant.Domain})
	resp := admin.post("/connections/"+id+"/sync", url.Values{"mode": {"preview"}})
	drain(resp)
	if !strings.HasPrefix(resp.Header.Get("Location"), "/runs/") {
		t.Fatalf("preview goes to %q, want its run page", resp.Header.Get("Location"))
	}
	run := app.waitNewestRun(t, id)
	if run.Trigger != store.TriggerPreview || run.UsersAdded != 1 {
		t.Fatalf("preview run: %s, %d users added", run.Trigger, run.UsersAdded)
	}
	if after, _ := app.store.CountDirectory(ctx, id); after != before {
		t.Fatalf("a preview changed the directory: %+v → %+v", before, after)
	}

	drain(admin.post("/connections/"+id+"/sync", url.Values{"mode": {"full"}}))
	run = app.waitNewestRun(t, id)
	if !run.FullSync || run.State != store.RunSucceeded {
		t.Fatalf("full sync: full=%v %s", run.FullSync, run.State)
	}
	if after, _ := app.store.CountDirectory(ctx, id); after.Users != before.Users+1 {
		t.Fatalf("after the full sync %d users, want %d", after.Users, before.Users+1)
	}
	resp = admin.post("/connections/"+id+"/sync", url.Values{"mode": {"everything"}})
	drain(resp)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown mode: %d, want 400", resp.StatusCode)
	}
}
