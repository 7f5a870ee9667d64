package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/connect/connect/internal/store"
)

// submitWizard posts the wizard and returns the new connection's ID.
func (b *browser) submitWizard(t *testing.T, appID, key, tenant string) string {
	t.Helper()
	resp := b.post("/directory-sync/azure", url.Values{"application_id": {appID}, "key": {key}, "tenant_domain": {tenant}})
	drain(resp)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(loc, "/validation") {
		t.Fatalf("wizard: status %d, location %q", resp.StatusCode, loc)
	}
	return strings.TrimSuffix(strings.TrimPrefix(loc, "/connections/"), "/validation")
}

// waitValidation polls the store until the newest validation has ended.
// The bound is a safety net, not a timing assertion.
func (a *testApp) waitValidation(t *testing.T, connID string) store.Validation {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		v, err := a.store.LatestValidation(context.Background(), connID)
		if err != nil {
			t.Fatal(err)
		}
		if v.State != "running" {
			return v
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("validation did not end")
	return store.Validation{}
}

func TestWizardValidatesAndHandsOffFirstSync(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	b := app.browser()
	b.signIn("admin@example.com")
	tenant := app.emu.Tenant

	id := b.submitWizard(t, tenant.AppID, tenant.Secret, strings.ToUpper(tenant.Domain))
	v := app.waitValidation(t, id)
	if v.State != "passed" {
		t.Fatalf("validation %s: %+v", v.State, v.Steps)
	}
	for _, s := range v.Steps {
		if s.State != "passed" && s.State != "warning" {
			t.Errorf("step %d: %s %q", s.Step, s.State, s.Message)
		}
	}
	c, err := app.store.ConnectionByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if c.State != store.ConnActive || c.TenantID != tenant.ID || c.UserCount == 0 || c.GroupCount == 0 {
		t.Fatalf("connection after validation: %+v", c)
	}
	if !strings.Contains(strings.Join(c.Permissions, " "), "Directory.Read.All") {
		t.Errorf("permissions %v", c.Permissions)
	}
	if c.KeyExpiresAt.IsZero() {
		t.Errorf("key expiry not read: %q", c.KeyExpiryNote)
	}
	runs, err := app.store.LatestRuns(context.Background(), id, 10, 0)
	if err != nil || len(runs) != 1 || runs[0].State != store.RunQueued || runs[0].Trigger != store.TriggerValidation {
		t.Fatalf("hand-off run: %+v, %v", runs, err)
	}

	// The validation page shows every step, and the summary the details.
	doc := parse(t, b.get("/connections/"+id+"/validation"))
	if got := doc.Find(`[data-testid=validation]`).AttrOr("data-state", ""); got != "passed" {
		t.Fatalf("validation page state %q", got)
	}
	if n := doc.Find(`[data-testid^=step-][data-state]`).Length(); n != 5 {
		t.Fatalf("validation page shows %d steps", n)
	}
	doc = parse(t, b.get("/connections/"+id))
	checks := map[string]string{
		"tenant-id":      tenant.ID,
		"application-id": tenant.AppID,
		"key-masked":     tenant.Secret[:3] + "•••••",
	}
	for testid, want := range checks {
		if got := strings.TrimSpace(doc.Find(`[data-testid=` + testid + `]`).Text()); got != want {
			t.Errorf("%s = %q, want %q", testid, got, want)
		}
	}
	if n := doc.Find(`[data-testid=next-runs] li`).Length(); n != 3 {
		t.Errorf("next runs listed: %d, want 3", n)
	}
	if doc.Find(`[data-testid=active-run]`).Length() != 1 {
		t.Error("the queued first sync is not shown")
	}
	html, _ := doc.Html()
	if strings.Contains(html, tenant.Secret) {
		t.Fatal("the summary page shows the key")
	}

	// Sync now while the first run is still queued: told, not queued twice.
	resp := b.post("/connections/"+id+"/sync", nil)
	drain(resp)
	doc = parse(t, b.get("/connections/"+id))
	if !strings.Contains(doc.Find(`[data-testid=flash]`).Text(), "already queued or running") {
		t.Errorf("second Sync now: flash %q", doc.Find(`[data-testid=flash]`).Text())
	}

	// The key is nowhere in clear: not in the database files, not in the logs.
	for _, suffix := range []string{"", "-wal"} {
		data, err := os.ReadFile(app.dbPath + suffix)
		if err != nil && suffix == "" {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(tenant.Secret)) {
			t.Errorf("the key is in the database file connect.db%s in clear", suffix)
		}
	}
	if strings.Contains(app.logs.String(), tenant.Secret) {
		t.Error("the key is in the log")
	}
}

func TestWizardFailuresInPlainWords(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	b := app.browser()
	b.signIn("admin@example.com")
	tn := app.emu.Tenant
	expired := app.emu.AddSecret(t, tn.AppID, time.Now().Add(-48*time.Hour))

	tests := []struct {
		name       string
		setup      func(t *testing.T)
		appID, key string
		tenant     string
		failStep   int
		code       string
		fix        string
	}{
		{name: "wrong key", appID: tn.AppID, key: "not-the-right-key-value", tenant: tn.Domain, failStep: 2, code: "AADSTS7000215", fix: "Value, not its Secret ID"},
		{name: "expired key", appID: tn.AppID, key: expired.Value, tenant: tn.Domain, failStep: 2, code: "AADSTS7000222", fix: "Create a new key"},
		{name: "unknown application", appID: "0b5e7a52-7c3c-4c61-9e8e-1f2a3b4c5d6e", key: tn.Secret, tenant: tn.Domain, failStep: 2, code: "AADSTS700016", fix: "registered in this tenant"},
		{name: "unknown tenant", appID: tn.AppID, key: tn.Secret, tenant: "nosuchtenant.onmicrosoft.com", failStep: 1, code: "AADSTS90002", fix: "Check the Tenant Domain"},
		{name: "missing permission", appID: tn.AppID, key: tn.Secret, tenant: tn.Domain, failStep: 3, code: "missing GroupMember.Read.All", fix: "Grant admin consent",
			setup: func(t *testing.T) { app.emu.SetRoles(t, tn.AppID, []string{"User.Read.All"}, nil) }},
		{name: "no admin consent", appID: tn.AppID, key: tn.Secret, tenant: tn.Domain, failStep: 3, code: "no roles", fix: "Grant admin consent",
			setup: func(t *testing.T) { app.emu.SetRoles(t, tn.AppID, nil, nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app.emu.SetRoles(t, tn.AppID, []string{"Directory.Read.All"}, nil)
			if tt.setup != nil {
				tt.setup(t)
			}
			id := b.submitWizard(t, tt.appID, tt.key, tt.tenant)
			v := app.waitValidation(t, id)
			if v.State != "failed" {
				t.Fatalf("validation %s, want failed", v.State)
			}
			for _, s := range v.Steps {
				switch {
				case s.Step < tt.failStep && s.State != "passed":
					t.Errorf("step %d before the failure: %s", s.Step, s.State)
				case s.Step > tt.failStep && s.State != "skipped":
					t.Errorf("step %d after the failure: %s", s.Step, s.State)
				}
			}
			doc := parse(t, b.get("/connections/"+id+"/validation"))
			step := "step-" + string(rune('0'+tt.failStep))
			if st := doc.Find(`[data-testid=`+step+`]`).AttrOr("data-state", ""); st != "failed" {
				t.Fatalf("%s shows %q", step, st)
			}
			if code := doc.Find(`[data-testid=` + step + `-code]`).Text(); code != tt.code {
				t.Errorf("code %q, want %q", code, tt.code)
			}
			if fix := doc.Find(`[data-testid=` + step + `-fix]`).Text(); !strings.Contains(fix, tt.fix) {
				t.Errorf("fix %q does not contain %q", fix, tt.fix)
			}
			if doc.Find(`[data-testid=try-again]`).Length() != 1 {
				t.Error("no Try again")
			}
			c, _ := app.store.ConnectionByID(context.Background(), id)
			if c.State != store.ConnFailed {
				t.Errorf("connection state %s, want failed", c.State)
			}
			if runs, _ := app.store.LatestRuns(context.Background(), id, 5, 0); len(runs) != 0 {
				t.Error("a failed validation queued a run")
			}
			// Try again keeps what was typed, never the key.
			doc = parse(t, b.get("/connections/"+id+"/edit"))
			if got := doc.Find(`input[name=application_id]`).AttrOr("value", ""); got != tt.appID {
				t.Errorf("Try again: application ID %q", got)
			}
			if got := doc.Find(`input[name=key]`).AttrOr("value", ""); got != "" {
				t.Error("Try again fills in the key")
			}
		})
	}
}

func TestWizardInputIsCheckedBeforeAnyNetworkCall(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	b := app.browser()
	b.signIn("admin@example.com")
	good := app.emu.Tenant
	tests := []struct {
		name               string
		appID, key, tenant string
		extra              url.Values
		field, want        string
	}{
		{"empty application ID", "", good.Secret, good.Domain, nil, "application_id", "Enter the Application ID"},
		{"application ID not a GUID", "my-app", good.Secret, good.Domain, nil, "application_id", "is a GUID"},
		{"empty key", good.AppID, "", good.Domain, nil, "key", "Enter the key"},
		{"secret ID instead of value", good.AppID, "1b4e28ba-2fa1-11d2-883f-0016d3cca427", good.Domain, nil, "key", "Secret ID"},
		{"key too short", good.AppID, "abc", good.Domain, nil, "key", "too short"},
		{"key with a line break", good.AppID, "abcdefgh\nijkl", good.Domain, nil, "key", "invisible"},
		{"key of 10 KB", good.AppID, strings.Repeat("k", 10_000), good.Domain, nil, "key", "too long"},
		{"tenant as a URL", good.AppID, good.Secret, "https://contoso.onmicrosoft.com/", nil, "tenant_domain", "without https://"},
		{"tenant without a dot", good.AppID, good.Secret, "contoso", nil, "tenant_domain", "full domain"},
		{"tenant with bad characters", good.AppID, good.Secret, "con_toso.onmicrosoft.com", nil, "tenant_domain", "not a valid domain"},
		{"a typed host (no longer offered)", good.AppID, good.Secret, good.Domain, url.Values{"cloud": {"custom"}, "authority_host": {"https://evil.example"}, "graph_url": {"https://evil.example"}}, "cloud", "Choose one"},
		{"unknown cloud", good.AppID, good.Secret, good.Domain, url.Values{"cloud": {"mars"}}, "cloud", "Choose one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"application_id": {tt.appID}, "key": {tt.key}, "tenant_domain": {tt.tenant}}
			for k, v := range tt.extra {
				form[k] = v
			}
			resp := b.post("/directory-sync/azure", form)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", resp.StatusCode)
			}
			doc := parse(t, resp)
			if msg := doc.Find(`[data-testid=error-` + tt.field + `]`).Text(); !strings.Contains(msg, tt.want) {
				t.Errorf("error for %s: %q, want %q", tt.field, msg, tt.want)
			}
			if doc.Find(`input[name=key]`).AttrOr("value", "") != "" {
				t.Error("the key was echoed back")
			}
			if tt.field != "tenant_domain" {
				if got := doc.Find(`input[name=tenant_domain]`).AttrOr("value", ""); got != strings.ToLower(tt.tenant) {
					t.Errorf("typed tenant not kept: %q", got)
				}
			}
		})
	}
	if conns, _ := app.store.Connections(context.Background(), store.KindAzureDirectorySync); len(conns) != 0 {
		t.Fatalf("bad input stored %d connections", len(conns))
	}
}

// The form carries the product document's help: where each value comes
// from, and both Admin Centers' steps to create the application.
func TestWizardFormHelpFollowsTheProductDocument(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	b := app.browser()
	b.signIn("admin@example.com")
	doc := parse(t, b.get("/directory-sync/azure/new"))

	var names []string
	doc.Find(`[data-testid=connection-form] input:not([type=hidden]):not([type=radio])`).Each(func(_ int, s *goquery.Selection) {
		names = append(names, s.AttrOr("name", ""))
	})
	if got := strings.Join(names, ","); !strings.HasPrefix(got, "application_id,key,tenant_domain") {
		t.Errorf("fields = %s, want application_id, key, tenant_domain first and in that order", got)
	}
	for field, want := range map[string]string{
		"application_id": "How to create the application",
		"key":            "Value, not its ID",
		"tenant_domain":  "https://manager.windowsazure.com",
	} {
		if help := doc.Find(`#f-` + field + `-help`).Text(); !strings.Contains(help, want) {
			t.Errorf("%s help = %q, want %q", field, help, want)
		}
	}
	for list, steps := range map[string]int{"howto-new": 15, "howto-old": 18} {
		if n := doc.Find(`[data-testid=` + list + `] > li`).Length(); n != steps {
			t.Errorf("%s has %d steps, want the product document's %d", list, n, steps)
		}
	}
}
