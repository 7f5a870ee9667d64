package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestAdministratorManagesUsers(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	admin := app.browser()
	admin.signIn("admin@example.com")

	resp := admin.post("/users", url.Values{"email": {"help@example.com"}, "role": {"helpdesk"}, "password": {testPassword}})
	drain(resp)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add user: status %d", resp.StatusCode)
	}
	doc := parse(t, admin.get("/users"))
	if !strings.Contains(doc.Find(`[data-testid=users-table]`).Text(), "help@example.com") {
		t.Fatal("new user not listed")
	}
	if !strings.Contains(doc.Find(`[data-testid=flash]`).Text(), "Added help@example.com") {
		t.Error("no confirmation after adding")
	}

	// Bad input: field errors, nothing stored.
	resp = admin.post("/users", url.Values{"email": {"help@example.com"}, "role": {"root"}, "password": {"short"}})
	doc = parse(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad add: status %d", resp.StatusCode)
	}
	for _, f := range []string{"role", "password"} {
		if doc.Find(`#f-`+f+`-error`).Length() != 1 {
			t.Errorf("no error for %s", f)
		}
	}
	resp = admin.post("/users", url.Values{"email": {"HELP@example.com"}, "role": {"helpdesk"}, "password": {testPassword}})
	doc = parse(t, resp)
	if !strings.Contains(doc.Find(`#f-email-error`).Text(), "already exists") {
		t.Error("duplicate email not refused")
	}

	// The helpdesk user signs in, then is disabled: their session ends at once.
	help := app.browser()
	help.signIn("help@example.com")
	resp = help.get("/settings")
	drain(resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("helpdesk /settings: %d", resp.StatusCode)
	}
	u, err := app.store.UserByEmail(context.Background(), "help@example.com")
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(u.ID, 10)
	resp = admin.post("/users/"+id, url.Values{"role": {"helpdesk"}, "disabled": {"true"}})
	drain(resp)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: status %d", resp.StatusCode)
	}
	resp = help.get("/settings")
	drain(resp)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disabled user still reaches /settings: %d", resp.StatusCode)
	}

	// Role change, and the last administrator cannot be demoted by another path.
	resp = admin.post("/users/"+id, url.Values{"role": {"admin"}, "disabled": {"false"}})
	drain(resp)
	if u, _ = app.store.UserByID(context.Background(), u.ID); u.Role != "admin" || u.Disabled {
		t.Fatalf("after role change: role %s disabled %v", u.Role, u.Disabled)
	}
	me, _ := app.store.UserByEmail(context.Background(), "admin@example.com")
	resp = admin.post("/users/"+strconv.FormatInt(me.ID, 10), url.Values{"role": {"helpdesk"}, "disabled": {"false"}})
	drain(resp)
	if me, _ = app.store.UserByID(context.Background(), me.ID); me.Role != "admin" {
		t.Fatal("an administrator demoted themselves")
	}
}

func TestSettingsRegion(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	b := app.browser()
	b.signIn("admin@example.com")
	tests := []struct {
		region string
		want   int
	}{
		{"australia", http.StatusSeeOther},
		{"mars", http.StatusUnprocessableEntity},
		{"", http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		resp := b.post("/settings", url.Values{"region": {tt.region}})
		drain(resp)
		if resp.StatusCode != tt.want {
			t.Errorf("region %q: status %d, want %d", tt.region, resp.StatusCode, tt.want)
		}
	}
	doc := parse(t, b.get("/settings"))
	if v, _ := doc.Find(`input[name=region][checked]`).Attr("value"); v != "australia" {
		t.Fatalf("stored region %q, want australia (bad posts must not change it)", v)
	}
}
