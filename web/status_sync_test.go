package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/connect/connect/internal/store"
)

// waitRunFinished polls until the connection's newest run has ended.
func (a *testApp) waitRunFinished(t *testing.T, connID string) store.Run {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		o, err := a.store.ConnectionRunOverview(context.Background(), connID)
		if err != nil {
			t.Fatal(err)
		}
		if o.Active == nil && o.LastFinished != nil {
			return *o.LastFinished
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the run did not finish")
	return store.Run{}
}

// TestStatusPagesAfterARealSync goes from the wizard through a real sync
// run against the emulator to every status page.
func TestStatusPagesAfterARealSync(t *testing.T) {
	app := newTestApp(t, withWorker())
	app.addUser("admin@example.com", "admin")
	b := app.browser()
	b.signIn("admin@example.com")
	name := "Zelda Statuspage"
	app.emu.CreateUser(t, map[string]any{"displayName": name, "userPrincipalName": "zelda.s@" + app.emu.Tenant.Domain,
		"mail": "zelda@contoso.com", "proxyAddresses": []string{"SMTP:zelda@contoso.com", "smtp:zs@contoso.net"}})
	conn := app.activeConnection(t, b)
	run := app.waitRunFinished(t, conn)
	if run.State != store.RunSucceeded {
		t.Fatalf("first run %s: %s", run.State, run.Error)
	}

	doc := parse(t, b.get("/status"))
	if got, _ := doc.Find(`[data-testid=status-row-` + conn + `] [data-testid=health]`).Attr("data-health"); got != "green" {
		t.Errorf("health after a good first sync = %q", got)
	}
	if got := doc.Find(`[data-testid=status-row-` + conn + `] [data-testid=objects]`).Text(); !strings.Contains(got, "13 users") {
		t.Errorf("synchronized counts = %q, want the emulator's 12 users and Zelda", got)
	}

	doc = parse(t, b.get("/runs/"+run.ID))
	if got := doc.Find(`[data-testid=count-Users] td`).First().Text(); got != "13" {
		t.Errorf("users added = %q, want 13", got)
	}
	if doc.Find(`[data-testid=run-log] tbody tr`).Length() == 0 {
		t.Error("the run's log is empty")
	}
	if got := doc.Find(`[data-testid=run-requests]`).Text(); got == "0" {
		t.Error("no Graph requests recorded")
	}

	for _, q := range []string{"zelda s", "zelda.s@", "zelda@contoso", "smtp:zs@"} {
		doc = parse(t, b.get("/directory?q="+url.QueryEscape(q)))
		if got := doc.Find(`[data-testid=directory-hit]`).Text(); !strings.Contains(got, name) {
			t.Errorf("search %q: %q", q, got)
		}
	}

	resp := b.get("/api/v1/status")
	var body struct {
		Connections []struct {
			Health      string `json:"health"`
			Users       int    `json:"users"`
			Memberships int    `json:"memberships"`
		} `json:"connections"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("API: %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	if c := body.Connections[0]; c.Health != "green" || c.Users != 13 {
		t.Errorf("API after sync = %+v", c)
	}
}
