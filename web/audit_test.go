package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/connect/connect/internal/store"
)

func TestAuditRecordsEachKindOfEvent(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	helpdesk := app.addUser("help@example.com", "helpdesk")
	conn, run := seedConnection(t, app.store, "audit.example.com", time.Time{})
	setRun(t, app.store, run, `state = 'succeeded'`)

	b := app.browser()
	drain(b.post("/login", url.Values{"email": {"admin@example.com"}, "password": {"wrong password here"}}))
	b.signIn("admin@example.com")
	drain(b.post("/users", url.Values{"email": {"new@example.com"}, "role": {"helpdesk"}, "password": {testPassword}}))
	drain(b.post("/users/"+itoa64(helpdesk.ID), url.Values{"role": {"admin"}, "disabled": {"false"}}))
	drain(b.post("/settings", url.Values{"region": {"australia"}}))
	drain(b.post("/connections/"+conn+"/sync", nil))
	drain(b.post("/connections/"+conn+"/disable", nil))
	drain(b.post("/settings/tokens", url.Values{"name": {"Prometheus"}}))
	tokens, _ := app.store.APITokens(context.Background())
	drain(b.post("/settings/tokens/"+itoa64(tokens[0].ID)+"/revoke", nil))
	drain(b.post("/connections/"+conn+"/delete", nil))
	created := b.submitWizard(t, app.emu.Tenant.AppID, app.emu.Tenant.Secret, app.emu.Tenant.Domain)
	app.waitValidation(t, created)
	drain(b.post("/connections/"+created+"/edit", url.Values{"key": {app.emu.Tenant.Secret}}))
	app.waitValidation(t, created)
	drain(b.post("/server-connections/office365/certificates", url.Values{"key_size": {"2048"}}))
	drain(b.post("/logout", nil))

	events, err := app.store.AuditEvents(context.Background(), 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]store.AuditEvent{}
	for _, e := range events {
		seen[e.Action] = e
	}
	for _, action := range []string{store.AuditSignInFailed, store.AuditSignIn, store.AuditUserAdded, store.AuditUserChanged,
		store.AuditSettingsChanged, store.AuditSyncRequested, store.AuditConnectionState, store.AuditTokenCreated,
		store.AuditTokenRevoked, store.AuditConnectionDeleted, store.AuditConnectionCreated, store.AuditConnectionEdited,
		store.AuditCertificateAdded, store.AuditSignOut} {
		e, ok := seen[action]
		if !ok {
			t.Errorf("no audit event %s (have %v)", action, keys(seen))
			continue
		}
		if e.Address == "" || e.At.IsZero() {
			t.Errorf("%s: no address or time: %+v", action, e)
		}
		if action != store.AuditSignInFailed && e.ActorEmail != "admin@example.com" {
			t.Errorf("%s: actor %q, want the administrator", action, e.ActorEmail)
		}
	}

	// The page lists them for administrators and refuses helpdesk.
	b.signIn("admin@example.com")
	doc := parse(t, b.get("/audit"))
	if n := doc.Find(`[data-testid=audit-row]`).Length(); n < 11 {
		t.Errorf("audit rows on the page = %d", n)
	}
	h := app.browser()
	h.signIn("new@example.com")
	resp := h.get("/audit")
	drain(resp)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("helpdesk /audit: %d, want 403", resp.StatusCode)
	}
}

func keys(m map[string]store.AuditEvent) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
