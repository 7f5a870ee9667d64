package web

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/connect/connect/internal/store"
)

// seedServerConnection stores an Office 365 server connection in a state,
// with its certificate's expiry (zero: not known).
func seedServerConnection(t *testing.T, st *store.Store, domain, state string, expires time.Time) string {
	t.Helper()
	id := store.NewID()
	if err := st.CreateConnection(context.Background(), store.NewConnection{ID: id, Kind: store.KindOffice365Server,
		Cloud: "default", AuthorityHost: "https://login.example", GraphURL: "https://graph.example", TenantDomain: domain,
		ApplicationID: "11111111-2222-3333-4444-555555555555", CredentialType: store.CredentialCertificate,
		Association: "graph", SecretSealed: "x", SecretHint: "thumb"}); err != nil {
		t.Fatal(err)
	}
	var exp any
	if !expires.IsZero() {
		exp = expires.UTC().Format(time.RFC3339Nano)
	}
	if _, err := st.Writer.Exec(`UPDATE connections SET state = ?, tenant_id = ?, key_expires_at = ? WHERE id = ?`,
		state, "tid-"+domain, exp, id); err != nil {
		t.Fatal(err)
	}
	return id
}

// apiConnections fetches /api/v1/status as a helpdesk user, each
// connection as its raw JSON, by ID.
func apiConnections(t *testing.T, app *testApp) map[string]json.RawMessage {
	t.Helper()
	b := app.browser()
	b.signIn("help@example.com")
	resp := b.get("/api/v1/status")
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status API: %d %s", resp.StatusCode, body)
	}
	var top struct {
		Connections []json.RawMessage `json:"connections"`
	}
	if err := json.Unmarshal([]byte(body), &top); err != nil {
		t.Fatal(err)
	}
	out := map[string]json.RawMessage{}
	for _, c := range top.Connections {
		var id struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(c, &id); err != nil {
			t.Fatal(err)
		}
		out[id.ID] = c
	}
	return out
}

// Server connections are in the API with the documented fields, their
// certificate's expiry and the health the status page gives them.
func TestStatusAPIListsServerConnections(t *testing.T) {
	app := newTestApp(t)
	app.addUser("help@example.com", "helpdesk")
	dir, _ := seedConnection(t, app.store, "dir.example.com", time.Now().Add(90*24*time.Hour))
	cases := []struct {
		name    string
		state   string
		expires time.Time
		health  string
	}{
		{"valid", store.ConnActive, time.Now().Add(300 * 24 * time.Hour), "green"},
		{"expiring", store.ConnActive, time.Now().Add(10 * 24 * time.Hour), "amber"},
		{"expired", store.ConnActive, time.Now().Add(-time.Hour), "red"},
		{"failed validation", store.ConnFailed, time.Time{}, "red"},
		{"pending", store.ConnPending, time.Time{}, "grey"},
	}
	ids := make([]string, len(cases))
	for i, tc := range cases {
		ids[i] = seedServerConnection(t, app.store, "server"+strconv.Itoa(i)+".example.com", tc.state, tc.expires)
	}
	got := apiConnections(t, app)
	if len(got) != len(cases)+1 {
		t.Fatalf("API lists %d connections, want %d", len(got), len(cases)+1)
	}
	if keys := jsonKeys(t, got[dir]); reflect.DeepEqual(keys, jsonKeys(t, got[ids[0]])) {
		t.Errorf("directory connection keys %v: no certificate_expires_at expected there", keys)
	}
	wantKeys := []string{"certificate_expires_at", "groups", "health", "id", "key_expires_at", "kind", "last_run", "memberships",
		"next_run_at", "state", "tenant_domain", "tenant_id", "users"}
	for i, tc := range cases {
		raw := got[ids[i]]
		if keys := jsonKeys(t, raw); !reflect.DeepEqual(keys, wantKeys) {
			t.Errorf("%s: keys %v, want %v", tc.name, keys, wantKeys)
		}
		var c struct {
			Kind, State, Health, TenantDomain string
			TenantID                          string     `json:"tenant_id"`
			CertificateExpiresAt              *time.Time `json:"certificate_expires_at"`
			KeyExpiresAt                      *time.Time `json:"key_expires_at"`
			LastRun                           *struct{}  `json:"last_run"`
			NextRunAt                         *time.Time `json:"next_run_at"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		if c.Kind != "office365_server_connection" || c.State != tc.state || c.Health != tc.health || c.TenantID == "" {
			t.Errorf("%s: kind %q state %q health %q tenant %q, want office365_server_connection %s %s",
				tc.name, c.Kind, c.State, c.Health, c.TenantID, tc.state, tc.health)
		}
		switch {
		case tc.expires.IsZero() && (c.CertificateExpiresAt != nil || c.KeyExpiresAt != nil):
			t.Errorf("%s: expiry %v / %v, want null when not known", tc.name, c.CertificateExpiresAt, c.KeyExpiresAt)
		case !tc.expires.IsZero() && (c.CertificateExpiresAt == nil || !c.CertificateExpiresAt.Equal(tc.expires.Truncate(time.Second)) ||
			c.KeyExpiresAt == nil || !c.KeyExpiresAt.Equal(*c.CertificateExpiresAt)):
			t.Errorf("%s: certificate_expires_at %v, key_expires_at %v, want %v", tc.name, c.CertificateExpiresAt, c.KeyExpiresAt, tc.expires)
		}
		if c.LastRun != nil || c.NextRunAt != nil {
			t.Errorf("%s: a server connection has no runs: last_run %v next_run_at %v", tc.name, c.LastRun, c.NextRunAt)
		}
	}
}

// last_run is never a preview: a preview changes nothing, so it says
// nothing about the directory being in sync.
func TestStatusAPILastRunIsNotAPreview(t *testing.T) {
	cases := []struct {
		name    string
		preview string // state of a newer preview run; "" for none
	}{
		{"finished preview after the sync", store.RunSucceeded},
		{"running preview", store.RunRunning},
		{"no preview", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app := newTestApp(t)
			app.addUser("help@example.com", "helpdesk")
			conn, run := seedConnection(t, app.store, "prev.example.com", time.Time{})
			setRun(t, app.store, run, `state = 'succeeded', started_at = ?, finished_at = ?`, ago(3*time.Hour), ago(2*time.Hour))
			if tc.preview != "" {
				p, err := app.store.QueueRun(context.Background(), conn, store.TriggerPreview, false, 0)
				if err != nil {
					t.Fatal(err)
				}
				setRun(t, app.store, p, `state = ?, queued_at = ?, started_at = ?`, tc.preview, ago(time.Hour), ago(time.Hour))
			}
			var c struct {
				LastRun struct {
					ID, Trigger string
				} `json:"last_run"`
			}
			if err := json.Unmarshal(apiConnections(t, app)[conn], &c); err != nil {
				t.Fatal(err)
			}
			if c.LastRun.ID != run || c.LastRun.Trigger == store.TriggerPreview {
				t.Errorf("last_run = %+v, want the validation's sync %s", c.LastRun, run)
			}
		})
	}
}
