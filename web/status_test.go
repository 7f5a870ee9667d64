package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/store"
)

// seedConnection stores an active directory connection as a passed
// validation leaves it, with its first run queued; it answers both IDs.
func seedConnection(t *testing.T, st *store.Store, domain string, keyExpires time.Time) (connID, runID string) {
	t.Helper()
	ctx := context.Background()
	connID = store.NewID()
	if err := st.CreateConnection(ctx, store.NewConnection{ID: connID, Kind: store.KindAzureDirectorySync, Cloud: "default",
		AuthorityHost: "https://login.example", GraphURL: "https://graph.example", TenantDomain: domain,
		ApplicationID: "11111111-2222-3333-4444-555555555555", SecretSealed: "x", SecretHint: "abc"}); err != nil {
		t.Fatal(err)
	}
	vid, err := st.StartValidation(ctx, connID, store.PurposeCreate, 5)
	if err != nil {
		t.Fatal(err)
	}
	runID, err = st.FinishValidationPassed(ctx, vid, store.ValidatedFacts{TenantID: "tid-" + domain, UserCount: 12, GroupCount: 4,
		KeyExpiresAt: keyExpires}, true)
	if err != nil {
		t.Fatal(err)
	}
	return connID, runID
}

// setRun writes what the sync worker would have recorded of a run.
func setRun(t *testing.T, st *store.Store, runID, set string, args ...any) {
	t.Helper()
	args = append(args, runID)
	if _, err := st.Writer.Exec(`UPDATE runs SET `+set+` WHERE id = ?`, args...); err != nil {
		t.Fatal(err)
	}
}

func ago(d time.Duration) string { return time.Now().Add(-d).UTC().Format(time.RFC3339Nano) }

func TestStatusPageShowsHealthForHelpdesk(t *testing.T) {
	app := newTestApp(t)
	app.addUser("help@example.com", "helpdesk")
	ok, okRun := seedConnection(t, app.store, "ok.example.com", time.Now().Add(200*24*time.Hour))
	setRun(t, app.store, okRun, `state = 'succeeded', started_at = ?, finished_at = ?, users_added = 12`, ago(2*time.Hour), ago(time.Hour))
	bad, badRun := seedConnection(t, app.store, "bad.example.com", time.Now().Add(10*24*time.Hour))
	setRun(t, app.store, badRun, `state = 'failed', started_at = ?, finished_at = ?, error = 'Graph refused the token.'`, ago(2*time.Hour), ago(time.Hour))

	b := app.browser()
	b.signIn("help@example.com")
	resp := b.get("/status")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status page: %d", resp.StatusCode)
	}
	doc := parse(t, resp)
	if rule := doc.Find(`[data-testid=health-rule] li`).Length(); rule != 4 {
		t.Errorf("health rule lines = %d, want 4", rule)
	}
	okRow := doc.Find(`[data-testid=status-row-` + ok + `]`)
	if got, _ := okRow.Find(`[data-testid=health]`).Attr("data-health"); got != "green" {
		t.Errorf("ok connection health = %q, want green", got)
	}
	if okRow.Find(`[data-testid=last-success] time[datetime]`).Length() != 1 {
		t.Error("ok connection: no last successful sync time")
	}
	if okRow.Find(`[data-testid=next-sync] time[data-local]`).Length() != 1 {
		t.Error("ok connection: no next sync time with the viewer's zone")
	}
	badRow := doc.Find(`[data-testid=status-row-` + bad + `]`)
	if got, _ := badRow.Find(`[data-testid=health]`).Attr("data-health"); got != "red" {
		t.Errorf("failed connection health = %q, want red", got)
	}
	reasons := badRow.Find(`[data-testid=reasons]`).Text()
	if !strings.Contains(reasons, "Graph refused the token.") || !strings.Contains(reasons, "expires") {
		t.Errorf("failed connection reasons = %q, want the last error and the key's expiry", reasons)
	}
}

func TestStatusPageEmptyStateSaysWhatToDo(t *testing.T) {
	app := newTestApp(t)
	app.addUser("help@example.com", "helpdesk")
	b := app.browser()
	b.signIn("help@example.com")
	doc := parse(t, b.get("/status"))
	if got := doc.Find(`[data-testid=status-empty]`).Text(); !strings.Contains(got, "Ask an administrator") {
		t.Errorf("empty state = %q", got)
	}
}

func TestRunHistoryAndDetail(t *testing.T) {
	app := newTestApp(t)
	app.addUser("help@example.com", "helpdesk")
	conn, first := seedConnection(t, app.store, "runs.example.com", time.Time{})
	setRun(t, app.store, first, `state = 'succeeded', started_at = ?, finished_at = ?, users_added = 7, groups_updated = 2,
		memberships_deleted = 3, requests = 9, throttled = 2`, ago(3*time.Hour), ago(3*time.Hour-95*time.Second))
	for i, msg := range []string{"fetching users", "applied changes"} {
		if _, err := app.store.Writer.Exec(`INSERT INTO run_logs (run_id, seq, at, level, message) VALUES (?, ?, ?, 'info', ?)`,
			first, i+1, ago(3*time.Hour), msg); err != nil {
			t.Fatal(err)
		}
	}
	running, err := app.store.QueueRun(context.Background(), conn, store.TriggerManual, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	setRun(t, app.store, running, `state = 'running', started_at = ?, pages = 4, objects_processed = 321`, ago(time.Minute))

	b := app.browser()
	b.signIn("help@example.com")
	doc := parse(t, b.get("/connections/"+conn+"/runs"))
	if n := doc.Find(`[data-testid^=run-row-]`).Length(); n != 2 {
		t.Fatalf("history rows = %d, want 2", n)
	}
	if _, live := doc.Find(`[data-testid=runs-table]`).Attr("data-live-refresh"); !live {
		t.Error("history with a running run does not refresh itself")
	}

	doc = parse(t, b.get("/runs/"+first))
	if got := doc.Find(`[data-testid=count-Users] td`).First().Text(); got != "7" {
		t.Errorf("users added = %q, want 7", got)
	}
	if got := doc.Find(`[data-testid=run-throttled]`).Text(); !strings.HasPrefix(got, "2") {
		t.Errorf("throttled = %q", got)
	}
	if got := doc.Find(`[data-testid=run-duration]`).Text(); got != "1 min 35 s" {
		t.Errorf("duration = %q", got)
	}
	if got := doc.Find(`[data-testid=run-log]`).Text(); !strings.Contains(got, "applied changes") {
		t.Errorf("log = %q", got)
	}
	if _, live := doc.Find(`[data-testid=run-live]`).Attr("data-live-refresh"); live {
		t.Error("a finished run still refreshes itself")
	}

	resp := b.get("/runs/" + running)
	doc = parse(t, resp)
	if _, live := doc.Find(`[data-testid=run-live]`).Attr("data-live-refresh"); !live {
		t.Error("a running run does not refresh itself")
	}
	if got := doc.Find(`[data-testid=run-progress]`).Text(); !strings.Contains(got, "321 objects") {
		t.Errorf("progress = %q", got)
	}
	// The HTML parser reads <noscript> as text (scripting on), so look in it.
	if !strings.Contains(doc.Find(`head noscript`).Text(), `http-equiv="refresh"`) {
		t.Error("a running run has no refresh without JavaScript")
	}
	if resp := b.get("/runs/nope"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown run: %d", resp.StatusCode)
	}
}

func TestRunHistoryIsPaged(t *testing.T) {
	app := newTestApp(t)
	app.addUser("help@example.com", "helpdesk")
	conn, first := seedConnection(t, app.store, "many.example.com", time.Time{})
	setRun(t, app.store, first, `state = 'succeeded'`)
	for i := range runsPageSize + 5 {
		id, err := app.store.QueueRun(context.Background(), conn, store.TriggerSchedule, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		setRun(t, app.store, id, `state = 'succeeded', queued_at = ?`, ago(time.Duration(i+1)*time.Hour))
	}
	b := app.browser()
	b.signIn("help@example.com")
	doc := parse(t, b.get("/connections/"+conn+"/runs"))
	if n := doc.Find(`[data-testid^=run-row-]`).Length(); n != runsPageSize {
		t.Fatalf("first page rows = %d, want %d", n, runsPageSize)
	}
	next, _ := doc.Find(`[data-testid=pager-next]`).Attr("href")
	doc = parse(t, b.get(next))
	if n := doc.Find(`[data-testid^=run-row-]`).Length(); n != 6 {
		t.Errorf("second page rows = %d, want 6", n)
	}
}

// jsonKeys lists the keys of a JSON object, sorted.
func jsonKeys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestStatusAPIMatchesTheDocumentedShape(t *testing.T) {
	app := newTestApp(t)
	app.addUser("help@example.com", "helpdesk")
	conn, run := seedConnection(t, app.store, "api.example.com", time.Now().Add(90*24*time.Hour))
	setRun(t, app.store, run, `state = 'succeeded', started_at = ?, finished_at = ?`, ago(2*time.Hour), ago(time.Hour))
	seedDirectory(t, app.store, conn, run)
	b := app.browser()
	b.signIn("help@example.com")
	resp := b.get("/api/v1/status")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status API: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()

	var top map[string][]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatal(err)
	}
	if len(top) != 1 || len(top["connections"]) != 1 {
		t.Fatalf("body = %s", body)
	}
	wantConn := []string{"groups", "health", "id", "key_expires_at", "kind", "last_run", "memberships", "next_run_at",
		"state", "tenant_domain", "tenant_id", "users"}
	if got := jsonKeys(t, top["connections"][0]); !reflect.DeepEqual(got, wantConn) {
		t.Errorf("connection keys = %v, want %v", got, wantConn)
	}
	var c struct {
		LastRun json.RawMessage `json:"last_run"`
	}
	json.Unmarshal(top["connections"][0], &c)
	if got, want := jsonKeys(t, c.LastRun), []string{"finished_at", "id", "started_at", "state", "trigger"}; !reflect.DeepEqual(got, want) {
		t.Errorf("last_run keys = %v, want %v", got, want)
	}

	// Decoded strictly into exactly the documented fields.
	var doc struct {
		Connections []struct {
			ID           string `json:"id"`
			Kind         string `json:"kind"`
			TenantDomain string `json:"tenant_domain"`
			TenantID     string `json:"tenant_id"`
			State        string `json:"state"`
			Health       string `json:"health"`
			Users        int    `json:"users"`
			Groups       int    `json:"groups"`
			Memberships  int    `json:"memberships"`
			LastRun      struct {
				ID         string    `json:"id"`
				State      string    `json:"state"`
				Trigger    string    `json:"trigger"`
				StartedAt  time.Time `json:"started_at"`
				FinishedAt time.Time `json:"finished_at"`
			} `json:"last_run"`
			NextRunAt    time.Time `json:"next_run_at"`
			KeyExpiresAt time.Time `json:"key_expires_at"`
		} `json:"connections"`
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	got := doc.Connections[0]
	if got.ID != conn || got.Kind != "azure_directory_sync" || got.TenantDomain != "api.example.com" || got.TenantID != "tid-api.example.com" ||
		got.State != "active" || got.Health != "green" || got.Users != 1 || got.Groups != 2 || got.Memberships != 2 {
		t.Errorf("connection = %+v", got)
	}
	if got.LastRun.ID != run || got.LastRun.State != "succeeded" || got.LastRun.Trigger != "validation" || got.LastRun.FinishedAt.IsZero() {
		t.Errorf("last_run = %+v", got.LastRun)
	}
	if !got.NextRunAt.After(time.Now()) || got.KeyExpiresAt.IsZero() {
		t.Errorf("next_run_at %v, key_expires_at %v", got.NextRunAt, got.KeyExpiresAt)
	}
}

func TestStatusAPIRefusesStrangersWithoutRedirect(t *testing.T) {
	app := newTestApp(t)
	resp := app.browser().get("/api/v1/status")
	drain(resp)
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("signed out: %d, WWW-Authenticate %q; want 401 with a challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

// TestHelpdeskReadsEveryReadOnlyPage walks the router: every GET route open
// to helpdesk answers 200, and every administrators' GET route 403.
func TestHelpdeskReadsEveryReadOnlyPage(t *testing.T) {
	app := newTestApp(t)
	app.addUser("help@example.com", "helpdesk")
	conn, run := seedConnection(t, app.store, "read.example.com", time.Time{})
	setRun(t, app.store, run, `state = 'succeeded', started_at = ?, finished_at = ?`, ago(time.Hour), ago(time.Hour))
	seedDirectory(t, app.store, conn, run)
	// An administrator's first visit generates the server certificate.
	app.addUser("admin@example.com", "admin")
	admin := app.browser()
	admin.signIn("admin@example.com")
	drain(admin.get("/server-connections/office365"))
	certs, err := app.store.ServerCertificates(context.Background())
	if err != nil || len(certs) == 0 {
		t.Fatalf("no server certificate: %v", err)
	}
	b := app.browser()
	b.signIn("help@example.com")
	for _, r := range walkRoutes(t, app.server.Config.Handler) {
		if r.method != http.MethodGet || r.role == auth.Public || r.pattern == "/" {
			continue
		}
		id := conn
		switch {
		case strings.Contains(r.pattern, "/certificates/{id}"):
			id = certs[0].ID
		case strings.HasPrefix(r.pattern, "/runs/"):
			id = run
		case strings.HasSuffix(r.pattern, "/users/{id}"):
			id = "u-ann"
		case strings.HasSuffix(r.pattern, "/groups/{id}"):
			id = "g-sales"
		}
		path := strings.NewReplacer("{id}", id, "{conn}", conn).Replace(r.pattern)
		resp := b.get(path)
		drain(resp)
		want := http.StatusOK
		if r.role == auth.Admin {
			want = http.StatusForbidden
		}
		if resp.StatusCode != want {
			t.Errorf("helpdesk GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
}

func TestDeltaNoteWarnsBeforeGraphForcesAFullResync(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	sydney, err := time.LoadLocation("Australia/Sydney")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name         string
		renewed      time.Duration // ago; < 0: never
		warn         bool
		wantRenewed  string // relative
		wantDeadline string // in the region's zone; "" when none is shown
		expired      bool
	}{
		{"none yet", -1, false, "", "", false},
		{"fresh", 3 * time.Hour, false, "3 hours ago", "", false},
		{"six days", 6 * 24 * time.Hour, true, "6 days ago", "Tue 24 Nov 2026, 23:00 AEDT", false},
		{"past seven days", 8 * 24 * time.Hour, true, "8 days ago", "", true},
	}
	for _, tc := range cases {
		d := store.DeltaLinks{}
		if tc.renewed >= 0 {
			d.RenewedAt = now.Add(-tc.renewed)
		}
		v := deltaNote(d, now, sydney, 0)
		if v.None != (tc.renewed < 0) || v.Warn != tc.warn || v.Expired != tc.expired {
			t.Errorf("%s: %+v, want warn=%v expired=%v", tc.name, v, tc.warn, tc.expired)
		}
		if tc.renewed >= 0 && (v.Renewed.Relative != tc.wantRenewed || v.Renewed.LocalID == "" || !strings.Contains(v.Renewed.Region, "AEDT")) {
			t.Errorf("%s: renewed %+v, want %q in the region's zone", tc.name, v.Renewed, tc.wantRenewed)
		}
		switch {
		case tc.wantDeadline == "" && v.Deadline != nil:
			t.Errorf("%s: deadline %+v, want none", tc.name, v.Deadline)
		case tc.wantDeadline != "" && (v.Deadline == nil || v.Deadline.Region != tc.wantDeadline || v.Deadline.Relative != "in 24 hours"):
			t.Errorf("%s: deadline %+v, want %s in 24 hours", tc.name, v.Deadline, tc.wantDeadline)
		}
	}
}

func TestAuditIsInTheNavigationForAdministratorsOnly(t *testing.T) {
	app := newTestApp(t)
	app.addUser("admin@example.com", "admin")
	app.addUser("help@example.com", "helpdesk")
	for _, tc := range []struct {
		email string
		want  int
	}{{"admin@example.com", 1}, {"help@example.com", 0}} {
		b := app.browser()
		b.signIn(tc.email)
		doc := parse(t, b.get("/status"))
		if n := doc.Find(`nav.main-nav a[href="/audit"]`).Length(); n != tc.want {
			t.Errorf("%s: %d Audit links, want %d", tc.email, n, tc.want)
		}
	}
}
