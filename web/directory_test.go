package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/connect/connect/internal/store"
)

// seedDirectory writes what a sync run would have applied: Ann Lee in
// Sales, and Sales inside All Staff.
func seedDirectory(t *testing.T, st *store.Store, connID, runID string) {
	t.Helper()
	now := time.Now().UTC().Format(time.RFC3339Nano)
	stmts := []struct {
		q    string
		args []any
	}{
		{`INSERT INTO dir_users (connection_id, id, user_principal_name, mail, display_name, job_title, proxy_addresses,
			account_enabled, created_at, updated_at, last_changed_run_id) VALUES (?, 'u-ann', 'ann.lee@contoso.com', 'ann@contoso.com',
			'Ann Lee', 'Engineer', '["SMTP:ann@contoso.com","smtp:a.lee@contoso.com"]', 1, ?, ?, ?)`, []any{connID, now, now, runID}},
		{`INSERT INTO dir_user_addresses (connection_id, address, user_id) VALUES (?, 'ann@contoso.com', 'u-ann'), (?, 'a.lee@contoso.com', 'u-ann')`,
			[]any{connID, connID}},
		{`INSERT INTO dir_groups (connection_id, id, display_name, mail, mail_enabled, created_at, updated_at, last_changed_run_id)
			VALUES (?, 'g-sales', 'Sales', 'sales@contoso.com', 1, ?, ?, ?), (?, 'g-all', 'All Staff', '', 0, ?, ?, ?)`,
			[]any{connID, now, now, runID, connID, now, now, runID}},
		{`INSERT INTO dir_memberships (connection_id, group_id, member_id, member_kind) VALUES
			(?, 'g-sales', 'u-ann', 'user'), (?, 'g-all', 'g-sales', 'group')`, []any{connID, connID}},
		// The counts a run keeps beside the directory it applied.
		{`INSERT INTO dir_counts (connection_id, users, groups, memberships, counted_at) VALUES (?, 1, 2, 2, ?)`, []any{connID, now}},
	}
	for _, s := range stmts {
		if _, err := st.Writer.Exec(s.q, s.args...); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDirectorySearchFindsByEachField(t *testing.T) {
	app := newTestApp(t)
	app.addUser("help@example.com", "helpdesk")
	b := app.browser()
	b.signIn("help@example.com")

	// Before anything is synchronized, the page says what to do.
	doc := parse(t, b.get("/directory?q=ann"))
	if got := doc.Find(`[data-testid=directory-empty]`).Text(); !strings.Contains(got, "administrator") {
		t.Errorf("empty directory = %q", got)
	}

	conn, run := seedConnection(t, app.store, "contoso.com", time.Time{})
	setRun(t, app.store, run, `state = 'succeeded'`)
	seedDirectory(t, app.store, conn, run)
	cases := []struct{ query, kind, name string }{
		{"ann", "user", "Ann Lee"},          // display name, any case
		{"ANN.LEE@", "user", "Ann Lee"},     // user principal name
		{"ann@contoso", "user", "Ann Lee"},  // mail
		{"a.lee@", "user", "Ann Lee"},       // proxy address
		{"smtp:a.lee@", "user", "Ann Lee"},  // proxy address with its prefix
		{"sal", "group", "Sales"},           // group name
		{"sales@contoso", "group", "Sales"}, // group mail
		{"All St", "group", "All Staff"},    // with a space
	}
	for _, tc := range cases {
		doc := parse(t, b.get("/directory?q="+url.QueryEscape(tc.query)))
		hits := doc.Find(`[data-testid=directory-hit]`)
		if hits.Length() != 1 {
			t.Errorf("search %q: %d hits, want 1", tc.query, hits.Length())
			continue
		}
		if kind, _ := hits.Attr("data-kind"); kind != tc.kind || !strings.Contains(hits.Text(), tc.name) {
			t.Errorf("search %q found %s %q, want %s %q", tc.query, kind, hits.Text(), tc.kind, tc.name)
		}
	}
	doc = parse(t, b.get("/directory?q=zebra"))
	if got := doc.Find(`[data-testid=directory-none]`).Text(); !strings.Contains(got, "zebra") {
		t.Errorf("no results = %q", got)
	}
	doc = parse(t, b.get("/directory"))
	if doc.Find(`[data-testid=directory-prompt]`).Length() != 1 {
		t.Error("no prompt before a search")
	}
}

func TestDirectoryUserAndGroupPages(t *testing.T) {
	app := newTestApp(t)
	app.addUser("help@example.com", "helpdesk")
	conn, run := seedConnection(t, app.store, "contoso.com", time.Time{})
	setRun(t, app.store, run, `state = 'succeeded'`)
	seedDirectory(t, app.store, conn, run)
	b := app.browser()
	b.signIn("help@example.com")

	doc := parse(t, b.get("/directory/"+conn+"/users/u-ann"))
	if got := doc.Find(`[data-testid=object-name]`).Text(); got != "Ann Lee" {
		t.Errorf("name = %q", got)
	}
	if got := doc.Find(`[data-testid=attributes]`).Text(); !strings.Contains(got, "ann.lee@contoso.com") || !strings.Contains(got, "smtp:a.lee@contoso.com") {
		t.Errorf("attributes = %q", got)
	}
	paths := doc.Find(`[data-testid=group-path]`)
	if paths.Length() != 2 {
		t.Fatalf("groups = %d, want Sales (direct) and All Staff (nested)", paths.Length())
	}
	if direct, _ := paths.Eq(0).Attr("data-direct"); direct != "true" || !strings.Contains(paths.Eq(0).Text(), "Sales") {
		t.Errorf("first group = %q", paths.Eq(0).Text())
	}
	if direct, _ := paths.Eq(1).Attr("data-direct"); direct != "false" || !strings.Contains(paths.Eq(1).Text(), "through") ||
		!strings.Contains(paths.Eq(1).Text(), "Sales") {
		t.Errorf("nested group = %q", paths.Eq(1).Text())
	}
	if href, _ := doc.Find(`[data-testid=last-changed-run]`).Attr("href"); href != "/runs/"+run {
		t.Errorf("last changed by %q, want /runs/%s", href, run)
	}

	doc = parse(t, b.get("/directory/"+conn+"/groups/g-sales"))
	if got := doc.Find(`[data-testid=members]`).Text(); !strings.Contains(got, "Ann Lee") {
		t.Errorf("members = %q", got)
	}
	if got := doc.Find(`[data-testid=group-path]`).Text(); !strings.Contains(got, "All Staff") {
		t.Errorf("parent groups = %q", got)
	}
	doc = parse(t, b.get("/directory/"+conn+"/groups/g-all"))
	if doc.Find(`[data-testid=groups-empty]`).Length() != 1 {
		t.Error("a top-level group does not say it has no parent")
	}
	for _, path := range []string{"/directory/" + conn + "/users/nobody", "/directory/nope/groups/g-all"} {
		if resp := b.get(path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestGroupMembersArePaged(t *testing.T) {
	app := newTestApp(t)
	app.addUser("help@example.com", "helpdesk")
	conn, run := seedConnection(t, app.store, "contoso.com", time.Time{})
	seedDirectory(t, app.store, conn, run)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	for i := range membersPageSize + 10 {
		id := "u-many-" + strconv.Itoa(i)
		if _, err := app.store.Writer.Exec(`INSERT INTO dir_users (connection_id, id, display_name, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?)`, conn, id, "Member "+strconv.Itoa(1000+i), now, now); err != nil {
			t.Fatal(err)
		}
		if _, err := app.store.Writer.Exec(`INSERT INTO dir_memberships (connection_id, group_id, member_id, member_kind)
			VALUES (?, 'g-all', ?, 'user')`, conn, id); err != nil {
			t.Fatal(err)
		}
	}
	b := app.browser()
	b.signIn("help@example.com")
	doc := parse(t, b.get("/directory/"+conn+"/groups/g-all"))
	rows := doc.Find(`[data-testid=members] [data-testid=directory-hit]`)
	if rows.Length() != membersPageSize {
		t.Fatalf("first page: %d members, want %d", rows.Length(), membersPageSize)
	}
	if kind, _ := rows.First().Attr("data-kind"); kind != "group" {
		t.Errorf("first member is a %s, want the nested group Sales first", kind)
	}
	next, _ := doc.Find(`[data-testid=pager-next]`).Attr("href")
	doc = parse(t, b.get(next))
	if n := doc.Find(`[data-testid=members] [data-testid=directory-hit]`).Length(); n != 11 {
		t.Errorf("second page: %d members, want 11", n)
	}
}
