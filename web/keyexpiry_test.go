package web

import (
	"strings"
	"testing"
	"time"
)

// The key's expiry shows on the connection list and the summary: a warning
// within 30 days, and an expired key turns the connection's state red.
func TestKeyExpiryOnListAndSummary(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	b := app.browser()
	b.signIn("admin@example.com")
	now := time.Now()
	tests := []struct {
		domain, state, note, summary string
	}{
		{"far.example.com", "Active", "—", ""},
		{"soon.example.com", "Active", "Key expires in 9 days", "Key expires in 9 days ("},
		{"gone.example.com", "Key expired", "Key expired on", "expired"},
	}
	expires := map[string]time.Time{
		"far.example.com":  now.Add(200 * 24 * time.Hour),
		"soon.example.com": now.Add(9*24*time.Hour + time.Hour),
		"gone.example.com": now.Add(-2 * 24 * time.Hour),
	}
	ids := map[string]string{}
	for _, tt := range tests {
		ids[tt.domain], _ = seedConnection(t, app.store, tt.domain, expires[tt.domain])
	}
	list := parse(t, b.get("/directory-sync"))
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			row := list.Find(`[data-testid=connection-row]:contains("` + tt.domain + `")`)
			if got := strings.TrimSpace(row.Find(`[data-testid=connection-state]`).Text()); got != tt.state {
				t.Errorf("list state = %q, want %q", got, tt.state)
			}
			if got := strings.TrimSpace(row.Find(`[data-testid=key-note]`).Text()); !strings.HasPrefix(got, tt.note) {
				t.Errorf("list key note = %q, want it to start %q", got, tt.note)
			}
			doc := parse(t, b.get("/connections/"+ids[tt.domain]))
			if got := strings.TrimSpace(doc.Find(`[data-testid=connection-state]`).Text()); got != tt.state {
				t.Errorf("summary state = %q, want %q", got, tt.state)
			}
			if got := doc.Find(`[data-testid=key-expiry]`).Text(); !strings.Contains(got, tt.summary) {
				t.Errorf("summary key expiry = %q, want it to contain %q", got, tt.summary)
			}
		})
	}
}
