package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/store"
)

func (a *testApp) setupToken(expires time.Time) string {
	a.t.Helper()
	token, hash, err := auth.NewToken()
	if err != nil {
		a.t.Fatal(err)
	}
	if err := a.store.ReplaceSetupToken(context.Background(), hash, expires); err != nil {
		a.t.Fatal(err)
	}
	return token
}

func TestFirstAdministratorSetup(t *testing.T) {
	app := newTestApp(t)
	token := app.setupToken(time.Now().Add(time.Hour))
	b := app.browser()

	resp := b.get("/setup?token=" + token)
	doc := parse(t, resp)
	if resp.StatusCode != http.StatusOK || doc.Find(`input[name=token]`).Length() != 1 {
		t.Fatalf("setup form: status %d", resp.StatusCode)
	}

	// Field errors keep what was typed and spend nothing.
	resp = b.post("/setup", url.Values{"token": {token}, "email": {"not-an-email"}, "password": {"short"}, "password_confirm": {"other"}})
	doc = parse(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad input: status %d", resp.StatusCode)
	}
	for _, f := range []string{"email", "password", "password_confirm"} {
		if doc.Find(`[data-testid=error-`+f+`]`).Length() != 1 {
			t.Errorf("no error shown for %s", f)
		}
	}
	if v, _ := doc.Find(`input[name=email]`).Attr("value"); v != "not-an-email" {
		t.Errorf("typed email not kept: %q", v)
	}
	if n, _ := app.store.CountActiveAdmins(context.Background()); n != 0 {
		t.Fatal("an administrator was stored from bad input")
	}

	resp = b.post("/setup", url.Values{"token": {token}, "email": {"first@example.com"}, "password": {testPassword}, "password_confirm": {testPassword}})
	drain(resp)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("valid setup: status %d", resp.StatusCode)
	}
	resp = b.get("/users")
	drain(resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("new administrator is not signed in: /users answers %d", resp.StatusCode)
	}

	events, err := app.store.AuditEvents(context.Background(), 10, 0)
	if err != nil || len(events) == 0 || events[0].Action != store.AuditUserAdded || events[0].ActorEmail != "first@example.com" {
		t.Fatalf("audit log after setup = %+v (%v), want the first administrator added", events, err)
	}

	// The token is single use.
	other := app.browser()
	resp = other.post("/setup", url.Values{"token": {token}, "email": {"second@example.com"}, "password": {testPassword}, "password_confirm": {testPassword}})
	doc = parse(t, resp)
	if resp.StatusCode != http.StatusBadRequest || doc.Find(`[data-testid=setup-invalid]`).Length() != 1 {
		t.Fatalf("reused token: status %d", resp.StatusCode)
	}
	if _, err := app.store.UserByEmail(context.Background(), "second@example.com"); err == nil {
		t.Fatal("a reused token created a second account")
	}
}

func TestSetupTokenRefusals(t *testing.T) {
	app := newTestApp(t)
	expired := app.setupToken(time.Now().Add(-time.Minute))
	tests := map[string]string{
		"expired": "/setup?token=" + expired,
		"unknown": "/setup?token=abc",
		"missing": "/setup",
	}
	for name, path := range tests {
		t.Run(name, func(t *testing.T) {
			resp := app.browser().get(path)
			doc := parse(t, resp)
			if resp.StatusCode != http.StatusBadRequest || doc.Find(`[data-testid=setup-invalid]`).Length() != 1 {
				t.Fatalf("status %d, want 400 with an explanation", resp.StatusCode)
			}
		})
	}
}

// An administrator added by any other route (here as `connect user add` does,
// while serve runs) ends the printed link at once.
func TestSetupTokenEndsWhenAnAdministratorExists(t *testing.T) {
	app := newTestApp(t)
	token := app.setupToken(time.Now().Add(time.Hour))
	if resp := app.browser().get("/setup?token=" + token); resp.StatusCode != http.StatusOK {
		t.Fatalf("fresh token: status %d, want 200", resp.StatusCode)
	}
	app.addUser("owner@example.com", "admin")

	b := app.browser()
	for name, resp := range map[string]*http.Response{
		"form":   b.get("/setup?token=" + token),
		"submit": b.post("/setup", url.Values{"token": {token}, "email": {"intruder@example.com"}, "password": {testPassword}, "password_confirm": {testPassword}}),
	} {
		doc := parse(t, resp)
		if resp.StatusCode != http.StatusBadRequest || doc.Find(`[data-testid=setup-invalid]`).Length() != 1 {
			t.Errorf("%s: status %d, want 400 with an explanation", name, resp.StatusCode)
		}
	}
	if _, err := app.store.UserByEmail(context.Background(), "intruder@example.com"); err == nil {
		t.Fatal("a setup token created a second administrator after one existed")
	}
}
