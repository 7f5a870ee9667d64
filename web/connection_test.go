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

// activeConnection runs the wizard to an active connection.
func (a *testApp) activeConnection(t *testing.T, b *browser) string {
	t.Helper()
	id := b.submitWizard(t, a.emu.Tenant.AppID, a.emu.Tenant.Secret, a.emu.Tenant.Domain)
	if v := a.waitValidation(t, id); v.State != "passed" {
		t.Fatalf("validation %s: %+v", v.State, v.Steps)
	}
	return id
}

func TestEditKeepsTheKeyInUseUntilTheNewOnePasses(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	b := app.browser()
	b.signIn("admin@example.com")
	id := app.activeConnection(t, b)
	before, _ := app.store.ConnectionByID(context.Background(), id)

	// A wrong new key fails validation; the stored key and state do not change.
	resp := b.post("/connections/"+id+"/edit", url.Values{"key": {"a-wrong-new-key-value"}})
	drain(resp)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: status %d", resp.StatusCode)
	}
	if v := app.waitValidation(t, id); v.State != "failed" {
		t.Fatalf("wrong new key: validation %s", v.State)
	}
	after, _ := app.store.ConnectionByID(context.Background(), id)
	if after.SecretSealed != before.SecretSealed || after.State != store.ConnActive || after.PendingSealed != "" {
		t.Fatalf("a failed edit changed the connection: state %s, pending %q", after.State, after.PendingSealed)
	}

	// A new valid key passes and replaces the old one.
	fresh := app.emu.AddSecret(t, app.emu.Tenant.AppID, timeZero())
	drain(b.post("/connections/"+id+"/edit", url.Values{"key": {fresh.Value}}))
	if v := app.waitValidation(t, id); v.State != "passed" {
		t.Fatalf("new key: validation %s %+v", v.State, v.Steps)
	}
	after, _ = app.store.ConnectionByID(context.Background(), id)
	if after.SecretHint != fresh.Value[:3] || after.SecretSealed == before.SecretSealed || after.State != store.ConnActive {
		t.Fatalf("new key not in use: hint %q", after.SecretHint)
	}
	// An edit queues no extra run.
	if runs, _ := app.store.LatestRuns(context.Background(), id, 10, 0); len(runs) != 1 {
		t.Fatalf("runs after edits: %d, want the first sync only", len(runs))
	}
}

func TestDisableEnableAndDeleteWithConfirmation(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	b := app.browser()
	b.signIn("admin@example.com")
	id := app.activeConnection(t, b)
	ctx := context.Background()

	drain(b.post("/connections/"+id+"/disable", nil))
	if c, _ := app.store.ConnectionByID(ctx, id); c.State != store.ConnDisabled {
		t.Fatalf("after disable: %s", c.State)
	}
	doc := parse(t, b.get("/connections/"+id))
	if doc.Find(`[data-testid=sync-now]`).Length() != 0 {
		t.Error("a disabled connection offers Sync now")
	}
	drain(b.post("/connections/"+id+"/enable", nil))
	if c, _ := app.store.ConnectionByID(ctx, id); c.State != store.ConnActive {
		t.Fatalf("after enable: %s", c.State)
	}

	// Delete asks first: the GET only shows a confirmation.
	doc = parse(t, b.get("/connections/"+id+"/delete"))
	if doc.Find(`[data-testid=confirm]`).Length() != 1 || !strings.Contains(doc.Find("h1").Text(), app.emu.Tenant.Domain) {
		t.Fatal("no confirmation page before delete")
	}
	if _, err := app.store.ConnectionByID(ctx, id); err != nil {
		t.Fatal("showing the confirmation deleted the connection")
	}
	resp := b.post("/connections/"+id+"/delete", nil)
	drain(resp)
	if resp.Header.Get("Location") != "/directory-sync" {
		t.Fatalf("after delete: %q", resp.Header.Get("Location"))
	}
	if _, err := app.store.ConnectionByID(ctx, id); err == nil {
		t.Fatal("connection still exists")
	}
	resp = b.get("/connections/" + id)
	drain(resp)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("deleted connection page: %d", resp.StatusCode)
	}
	doc = parse(t, b.get("/directory-sync"))
	if doc.Find(`[data-testid=no-connections]`).Length() != 1 {
		t.Error("empty state not shown")
	}
}

func TestHelpdeskSeesConnectionsWithoutActions(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	app.addUser("help@example.com", "helpdesk")
	admin := app.browser()
	admin.signIn("admin@example.com")
	id := app.activeConnection(t, admin)
	help := app.browser()
	help.signIn("help@example.com")
	doc := parse(t, help.get("/connections/"+id))
	if doc.Find(`[data-testid=summary]`).Length() != 1 {
		t.Fatal("helpdesk cannot see the summary")
	}
	if doc.Find(`[data-testid=connection-actions]`).Length() != 0 {
		t.Error("helpdesk is offered actions")
	}
	doc = parse(t, help.get("/directory-sync"))
	if doc.Find(`[data-testid=start-azure]`).Length() != 0 {
		t.Error("helpdesk is offered Start")
	}
}

func timeZero() (t time.Time) { return }
