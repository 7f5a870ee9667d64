package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/connect/connect/internal/store"
)

// TestGrowingListsArePaged fills each list that grows with one item more
// than a page holds: the first page is full and links on, the second holds
// the one left.
func TestGrowingListsArePaged(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name, param, items string
		size               int
		seed               func(t *testing.T, app *testApp) string // answers the page's path
	}{
		{"users", "page", `[data-testid=user-row]`, usersPageSize, func(t *testing.T, app *testApp) string {
			for i := range usersPageSize { // with the administrator: one more than a page
				if _, err := app.store.CreateUser(ctx, fmt.Sprintf("u%02d@example.com", i), "x", "helpdesk"); err != nil {
					t.Fatal(err)
				}
			}
			return "/users"
		}},
		{"API tokens", "tokens_page", `[data-testid=api-tokens] tbody tr`, tokensPageSize, func(t *testing.T, app *testApp) string {
			for i := range tokensPageSize + 1 {
				if _, err := app.store.CreateAPIToken(ctx, fmt.Sprint("tool ", i), fmt.Sprint("hash", i), "abcdef", 0); err != nil {
					t.Fatal(err)
				}
			}
			return "/settings"
		}},
		{"server connections", "servers_page", `[data-testid^=server-row-]`, statusPageSize, func(t *testing.T, app *testApp) string {
			for i := range statusPageSize + 1 {
				seedServerConnection(t, app.store, fmt.Sprintf("s%02d.example.com", i), store.ConnActive, time.Now().Add(time.Hour*24*90))
			}
			return "/status"
		}},
		{"a user's groups", "groups_page", `[data-testid=group-path]`, groupsPageSize, func(t *testing.T, app *testApp) string {
			conn, run := seedConnection(t, app.store, "groups.example.com", time.Time{})
			seedDirectory(t, app.store, conn, run) // Ann: Sales directly, All Staff through it
			now := time.Now().UTC().Format(time.RFC3339Nano)
			for i := range groupsPageSize - 1 {
				id := fmt.Sprintf("g-%02d", i)
				if _, err := app.store.Writer.Exec(`INSERT INTO dir_groups (connection_id, id, display_name, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?)`, conn, id, "Group "+id, now, now); err != nil {
					t.Fatal(err)
				}
				if _, err := app.store.Writer.Exec(`INSERT INTO dir_memberships (connection_id, group_id, member_id, member_kind)
					VALUES (?, ?, 'u-ann', 'user')`, conn, id); err != nil {
					t.Fatal(err)
				}
			}
			return "/directory/" + conn + "/users/u-ann"
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app, b := signedInAdmin(t)
			path := tc.seed(t, app)
			first := parse(t, b.get(path))
			if n := first.Find(tc.items).Length(); n != tc.size {
				t.Errorf("page 1: %d items, want %d", n, tc.size)
			}
			next, ok := first.Find(`[data-testid=pager-next]`).Attr("href")
			if !ok || !strings.Contains(next, tc.param+"=2") {
				t.Fatalf("page 1: next link %q, want one to %s=2", next, tc.param)
			}
			if n := parse(t, b.get(next)).Find(tc.items).Length(); n != 1 {
				t.Errorf("page 2: %d items, want 1", n)
			}
		})
	}
}

// TestTimesInRegionAndViewersZone checks the times that were UTC only: each
// is shown in the region's zone (Australia here), with an element for the
// viewer's own time and how long ago it was.
func TestTimesInRegionAndViewersZone(t *testing.T) {
	ctx := context.Background()
	app, b := signedInAdmin(t)
	if err := app.store.SetSetting(ctx, store.SettingRegion, "australia"); err != nil {
		t.Fatal(err)
	}
	conn, run := seedConnection(t, app.store, "times.example.com", time.Time{})
	setRun(t, app.store, run, `state = 'succeeded', started_at = ?, finished_at = ?`, ago(2*time.Hour), ago(time.Hour))
	if _, err := app.store.Writer.Exec(`INSERT INTO run_logs (run_id, seq, at, level, message) VALUES (?, 1, ?, 'info', 'fetching users')`,
		run, ago(90*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Renewed six days ago: Graph forgets the links within two days.
	if _, err := app.store.Writer.Exec(`INSERT INTO dir_delta_state (connection_id, renewed_at) VALUES (?, ?)`,
		conn, ago(6*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := app.store.CreateAPIToken(ctx, "Prometheus", "hash", "abcdef", 0); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path, cell, relative string
	}{
		{"run log line", "/runs/" + run, `[data-testid=log-time]`, "1 hour ago"},
		{"delta links renewed", "/status", `[data-testid=delta-renewed]`, "6 days ago"},
		{"delta link deadline", "/status", `[data-testid=delta-deadline]`, "in 23 hours"},
		{"API token created", "/settings", `[data-testid=token-created]`, "just now"},
		{"last sign-in", "/users", `[data-testid=last-sign-in]`, "just now"},
	}
	for _, tc := range cases {
		cell := parse(t, b.get(tc.path)).Find(tc.cell).First()
		tm := cell.Find(`time[datetime][data-local]`)
		local, _ := tm.Attr("data-local")
		if tm.Length() != 1 || cell.Find(`#`+local).Length() != 1 {
			t.Errorf("%s: no time with the viewer's own zone in %q", tc.name, cell.Text())
			continue
		}
		if region := tm.Text(); !strings.Contains(region, " AE") {
			t.Errorf("%s: %q is not in the region's zone (Australia/Sydney)", tc.name, region)
		}
		if text := strings.TrimSpace(cell.Text()); !strings.HasPrefix(text, tm.Text()) && !strings.Contains(text, " "+tm.Text()) {
			t.Errorf("%s: the time runs into the words before it: %q", tc.name, text)
		}
		if !strings.Contains(cell.Text(), tc.relative) {
			t.Errorf("%s: %q does not say %q", tc.name, cell.Text(), tc.relative)
		}
	}
}
