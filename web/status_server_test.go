package web

import (
	"strings"
	"testing"
	"time"
)

// Server connections appear on /status with their certificate's expiry and
// a health by the same rule: healthy when validated, amber from 30 days
// before the certificate expires, red once it has.
func TestStatusShowsServerConnections(t *testing.T) {
	app, b := signedInAdmin(t)
	c := b.certificateToUpload(t)
	c.upload(t, app)
	app.emu.SetRoles(t, app.emu.Tenant.AppID, []string{"Mail.ReadWrite"}, nil)
	id := b.submitServerConnection(t, c.ID, "graph")
	if v := app.waitValidation(t, id); v.State != "passed" {
		t.Fatalf("validation %s", v.State)
	}
	row := func() (string, string) {
		doc := parse(t, b.get("/status"))
		r := doc.Find(`[data-testid=server-row-` + id + `]`)
		return strings.TrimSpace(r.Find(`td[data-label=Health]`).Text()), r.Find(`[data-testid=server-certificate]`).Text()
	}
	health, cert := row()
	if !strings.Contains(health, "Healthy") || !strings.Contains(cert, "days left") {
		t.Fatalf("validated server connection: health %q, certificate %q", health, cert)
	}
	for _, tc := range []struct {
		expires time.Time
		want    string
	}{
		{time.Now().Add(10 * 24 * time.Hour), "Needs attention"},
		{time.Now().Add(-24 * time.Hour), "Failing"},
	} {
		if _, err := app.store.Writer.Exec(`UPDATE connections SET key_expires_at = ? WHERE id = ?`,
			tc.expires.UTC().Format(time.RFC3339Nano), id); err != nil {
			t.Fatal(err)
		}
		if health, _ := row(); !strings.Contains(health, tc.want) {
			t.Errorf("certificate ending %s: health %q, want %q", tc.expires.Format(time.DateOnly), health, tc.want)
		}
	}
}
