package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/connect/connect/internal/emulator/emulatortest"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/internal/testutil"
)

// The phases of a run, as a read-only look at the database sees them: the
// worker logs "Fetched …" when the fetch is staged and "Changes found: …"
// when the diff is planned; "Changes applied." is logged after the apply
// transaction committed (with the run's state).
const (
	phaseFetching = "fetching"
	phaseDiffing  = "diffing"
	phaseApplying = "applying"
)

// pageDelayMS is how much the emulator slows each Graph answer.
const pageDelayMS = 5

// runPhase is what the poller saw of the newest run of a connection.
type runPhase struct {
	ID, State      string
	Pages, Objects int
	Planning       bool // the diff has recorded planned user changes
	Phase          string
}

// The crash test kills a real `connect serve` with SIGKILL while a large
// sync fetches, diffs and applies, restarts it, and checks that nothing was
// lost: the database is intact, a killed run is recorded as interrupted
// and changed nothing in the directory, and the run that finally completes
// leaves the directory equal to the tenant: users, groups, their names and
// every membership.
func TestCrashDuringSyncLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills real processes")
	}
	began := time.Now()
	bin := filepath.Join(t.TempDir(), "connect")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build connect: %v\n%s", err, out)
	}
	emu := emulatortest.Start(t, emulatortest.Options{Users: 3000, Groups: 300, Seed: 11, ThrottleUnits: -1})
	// Slow Graph down a little so each fetch lasts long enough to be killed
	// at a chosen page.
	emu.SetFault(t, emulatortest.Fault{DelayMS: pageDelayMS})
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, emu.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	c := &crashApp{t: t, bin: bin, env: []string{"CONNECT_DATA_DIR=" + dataDir, "CONNECT_AUTHORITY_HOST=" + emu.URL,
		"CONNECT_GRAPH_URL=" + emu.URL, "CONNECT_EXTRA_CA_FILE=" + caFile, "CONNECT_WORKERS=1"}, dbPath: filepath.Join(dataDir, "connect.db")}
	c.cli("user", "add", "--email", "ops@example.com", "--role", "admin")

	t.Logf("%s: built and started the emulator", time.Since(began).Round(time.Second))
	c.start()
	c.signIn()
	connID := c.wizard(emu.Tenant)

	type killPoint struct {
		name  string
		phase string
		when  func(runPhase) bool
		// slowPagesMS, when set, is Graph's delay per page while the test
		// waits for this point: a point near the end of a fetch is open
		// for the last few pages only, which at pageDelayMS a poller
		// starved by the other test packages (go test ./... on two cores)
		// once missed altogether.
		slowPagesMS int
	}
	// Two rounds: the first sync of the tenant (everything is added: the
	// longest apply), then, after the tenant changed, a full resync whose
	// diff compares against a full directory. (A kill in the first sync's
	// diff was dropped to keep the test near 90 s under -race.)
	// Within a round each kill hits the run the restart queued again.
	rounds := [][]killPoint{
		{
			{"early in the first sync's fetch", phaseFetching, func(r runPhase) bool { return r.Pages >= 3 }, 0},
			{"in the first sync's apply", phaseApplying, func(runPhase) bool { return true }, 0},
		},
		{
			{"late in a full resync's fetch", phaseFetching, func(r runPhase) bool { return r.Objects >= 2500 }, 40},
			{"in the full resync's diff", phaseDiffing, func(r runPhase) bool { return r.Planning }, 0},
			{"in the full resync's apply", phaseApplying, func(runPhase) bool { return true }, 0},
		},
	}
	kills, interrupted := 0, 0
	hits := map[string]int{}
	before := c.snapshot(connID) // the directory as the last successful run left it
	for round, points := range rounds {
		if round > 0 {
			changeTenant(t, emu)
			c.queueFull(connID)
		}
		for _, k := range points {
			if k.slowPagesMS > 0 {
				emu.SetFault(t, emulatortest.Fault{DelayMS: k.slowPagesMS})
			}
			run := c.waitPhase(connID, k.phase, k.when)
			c.kill()
			if k.slowPagesMS > 0 {
				emu.SetFault(t, emulatortest.Fault{DelayMS: pageDelayMS})
			}
			kills++
			c.checkIntegrity()
			after := c.snapshot(connID)
			got := c.runByID(run.ID)
			switch got.State {
			case store.RunRunning:
			case store.RunSucceeded:
				// The apply committed between the look and the kill: the
				// kill missed its phase; the directory moved as one.
				t.Logf("kill %s came after the run committed; not counted as a %s kill", k.name, k.phase)
				before = after
				c.start()
				continue
			default:
				t.Fatalf("the run killed %s is %s before the restart, want running", k.name, got.State)
			}
			if diff, _ := before.diff(after); diff != "" {
				t.Errorf("the run killed %s changed the directory: %s", k.name, diff)
			}
			c.start()
			if got = c.runByID(run.ID); got.State == store.RunInterrupted {
				interrupted++
				hits[k.phase]++
			} else {
				t.Errorf("kill %s: the killed run is %s after the restart, want interrupted", k.name, got.State)
			}
			t.Logf("%s: killed %s (%s: %d pages, %d objects, diff recorded: %v); recorded %s",
				time.Since(began).Round(time.Second), k.name, run.Phase, run.Pages, run.Objects, run.Planning, got.State)
		}
		final := c.waitSucceeded(connID)
		t.Logf("%s: round %d: after the kills run %s succeeded: %d objects", time.Since(began).Round(time.Second), round+1, final.ID, final.ObjectsProcessed)
		before = c.snapshot(connID)
	}
	emu.ClearFault(t)
	c.kill()
	c.checkIntegrity()
	diverged := c.compareWithTenant(emu, c.snapshot(connID))
	for _, phase := range []string{phaseFetching, phaseDiffing, phaseApplying} {
		if hits[phase] == 0 {
			t.Errorf("no kill landed while %s", phase)
		}
	}
	testutil.Tally(t, "crash test: kills %d (fetching %d, diffing %d, applying %d), runs interrupted %d, objects lost or diverged: %d",
		kills, hits[phaseFetching], hits[phaseDiffing], hits[phaseApplying], interrupted, diverged)
}

// changeTenant renames, deletes and adds users and changes memberships, so
// the resync's diff and apply have updates, deletions and additions.
func changeTenant(t *testing.T, emu *emulatortest.Server) {
	t.Helper()
	token := emu.Token(t, "https://graph.microsoft.com/.default")
	users := graphList(t, emu, token, "/v1.0/users?$select=id&$top=999")
	groups := graphList(t, emu, token, "/v1.0/groups?$select=id&$top=999")
	for i, u := range users[:60] {
		switch {
		case i < 30:
			emu.PatchUser(t, u.ID, map[string]any{"displayName": fmt.Sprintf("Renamed after a crash %d", i)})
		case i < 45:
			emu.DeleteUser(t, u.ID)
		default:
			emu.AddMember(t, groups[i%len(groups)].ID, u.ID)
		}
	}
	for i := range 20 {
		id := emu.CreateUser(t, map[string]any{"displayName": fmt.Sprintf("Hired during a crash %d", i),
			"userPrincipalName": fmt.Sprintf("crash.hire%d@%s", i, emu.Tenant.Domain)})
		emu.AddMember(t, groups[i].ID, id)
	}
	for _, g := range groups[:10] {
		emu.PatchGroup(t, g.ID, map[string]any{"displayName": "Renamed group " + g.ID})
		if members := graphList(t, emu, token, "/v1.0/groups/"+g.ID+"/members?$select=id&$top=999"); len(members) > 0 {
			emu.RemoveMember(t, g.ID, members[0].ID)
		}
	}
}

type crashApp struct {
	t      *testing.T
	bin    string
	env    []string
	dbPath string
	cmd    *exec.Cmd
	base   string
	web    *http.Client
}

func (c *crashApp) cli(args ...string) {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(os.Environ(), c.env...)
	cmd.Stdin = strings.NewReader("correct horse battery\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		c.t.Fatalf("connect %v: %v\n%s", args, err, out)
	}
}

func (c *crashApp) start() {
	c.t.Helper()
	if c.base == "" {
		c.base = "127.0.0.1:" + freePort(c.t)
	}
	c.cmd = exec.Command(c.bin, "serve")
	c.cmd.Env = append(os.Environ(), append(c.env, "CONNECT_ADDR="+c.base)...)
	logf, _ := os.Create(filepath.Join(c.t.TempDir(), "serve.log"))
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	if err := c.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	cmd := c.cmd
	c.t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + c.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
	}
	c.t.Fatal("connect did not become ready")
}

func (c *crashApp) kill() {
	c.t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		c.t.Fatal(err)
	}
	_ = c.cmd.Wait()
}

func (c *crashApp) post(path string, form url.Values) *http.Response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.web.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func (c *crashApp) signIn() {
	c.t.Helper()
	jar, _ := cookiejar.New(nil)
	c.web = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp := c.post("/login", url.Values{"email": {"ops@example.com"}, "password": {"correct horse battery"}}); resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("sign in: %d", resp.StatusCode)
	}
}

func (c *crashApp) wizard(tn emulatortest.Tenant) string {
	c.t.Helper()
	resp := c.post("/directory-sync/azure", url.Values{"application_id": {tn.AppID}, "key": {tn.Secret}, "tenant_domain": {tn.Domain}})
	loc := resp.Header.Get("Location")
	if !strings.HasSuffix(loc, "/validation") {
		c.t.Fatalf("wizard: %d %q", resp.StatusCode, loc)
	}
	return strings.TrimSuffix(strings.TrimPrefix(loc, "/connections/"), "/validation")
}

// queueFull asks for a full resync through the store, as the page's
// action would.
func (c *crashApp) queueFull(connID string) {
	c.t.Helper()
	st := c.open()
	defer st.Close()
	if _, err := st.QueueRun(context.Background(), connID, store.TriggerFull, true, 0); err != nil {
		c.t.Fatal(err)
	}
}

func (c *crashApp) open() *store.Store {
	c.t.Helper()
	st, err := store.Open(context.Background(), c.dbPath)
	if err != nil {
		c.t.Fatal(err)
	}
	return st
}

// readOnly opens the database as a separate reader would: it never writes,
// so watching a run cannot change its timing through locks.
func (c *crashApp) readOnly() *sql.DB {
	c.t.Helper()
	db, err := sql.Open("sqlite", "file:"+c.dbPath+"?mode=ro&_pragma=busy_timeout(5000)&_pragma=query_only(1)")
	if err != nil {
		c.t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	return db
}

func (c *crashApp) runByID(id string) store.Run {
	c.t.Helper()
	st := c.open()
	defer st.Close()
	r, err := st.RunByID(context.Background(), id)
	if err != nil {
		c.t.Fatal(err)
	}
	return r
}

// phaseQuery reads the newest run of a connection and the phase its log
// and plan show. It stays cheap: the test process runs under the race
// detector, where every SQLite call costs many times its usual CPU, on a
// machine the server shares.
const phaseQuery = `SELECT r.id, r.state, r.pages, r.objects_processed,
	EXISTS (SELECT 1 FROM run_user_changes WHERE run_id = r.id),
	EXISTS (SELECT 1 FROM run_logs WHERE run_id = r.id AND message LIKE 'Fetched %'),
	EXISTS (SELECT 1 FROM run_logs WHERE run_id = r.id AND message LIKE 'Changes found:%')
	FROM runs r WHERE r.connection_id = ? ORDER BY r.queued_at DESC, r.id DESC LIMIT 1`

// waitPhase polls the database read-only until the newest run is running
// in the given phase and when says so. It looks rarely while the run is
// far from the phase and often once the phase before it has begun (the
// diff takes seconds; the apply is one transaction of a fraction of one).
func (c *crashApp) waitPhase(connID, phase string, when func(runPhase) bool) runPhase {
	c.t.Helper()
	db := c.readOnly()
	defer db.Close()
	var r runPhase
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); {
		r = runPhase{}
		var fetched, found bool
		err := db.QueryRow(phaseQuery, connID).Scan(&r.ID, &r.State, &r.Pages, &r.Objects, &r.Planning, &fetched, &found)
		switch {
		case err != nil || r.State != store.RunRunning:
			r.Phase = ""
		case found:
			r.Phase = phaseApplying
		case fetched:
			r.Phase = phaseDiffing
		default:
			r.Phase = phaseFetching
		}
		if r.Phase == phase && when(r) {
			return r
		}
		wait := 50 * time.Millisecond
		switch {
		case phase == phaseFetching:
			wait = 20 * time.Millisecond // a page takes longer than this
		case phase == phaseDiffing && r.Phase == phaseDiffing:
			wait = 5 * time.Millisecond
		case phase == phaseApplying && (r.Phase == phaseDiffing || r.Phase == phaseApplying):
			wait = 2 * time.Millisecond
		}
		time.Sleep(wait)
	}
	c.t.Fatalf("no run reached the kill point while %s; last seen: run %s %s in phase %q, %d pages, %d objects",
		phase, r.ID, r.State, r.Phase, r.Pages, r.Objects)
	return runPhase{}
}

func (c *crashApp) waitSucceeded(connID string) store.Run {
	c.t.Helper()
	db := c.readOnly()
	defer db.Close()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var id, state string
		err := db.QueryRow(`SELECT id, state FROM runs WHERE connection_id = ? ORDER BY queued_at DESC, id DESC LIMIT 1`, connID).Scan(&id, &state)
		if err == nil && state == store.RunSucceeded {
			return c.runByID(id)
		}
	}
	c.t.Fatal("no run succeeded after the restarts")
	return store.Run{}
}

// checkIntegrity runs PRAGMA integrity_check. The sqlite3 program does it
// in a fraction of a second; SQLite compiled to Go and run under the race
// detector takes many seconds per check, so it is only the fallback.
func (c *crashApp) checkIntegrity() {
	c.t.Helper()
	var res string
	if cli, err := exec.LookPath("sqlite3"); err == nil {
		out, err := exec.Command(cli, "-readonly", c.dbPath, "PRAGMA integrity_check").CombinedOutput()
		if err != nil {
			c.t.Fatalf("sqlite3 integrity_check: %v\n%s", err, out)
		}
		res = strings.TrimSpace(string(out))
	} else {
		st := c.open()
		defer st.Close()
		if err := st.Reader.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil {
			c.t.Fatal(err)
		}
	}
	if res != "ok" {
		c.t.Fatalf("integrity_check = %q", res)
	}
}

// directory is what the test compares: users with their display name and
// principal name, groups with their display name, and memberships as
// "group id → member id" pairs.
type directory struct {
	users, groups map[string]string
	members       map[string]bool
}

func (c *crashApp) snapshot(connID string) directory {
	c.t.Helper()
	d := directory{users: map[string]string{}, groups: map[string]string{}, members: map[string]bool{}}
	conn := "'" + strings.ReplaceAll(connID, "'", "''") + "'"
	queries := []struct {
		sql  string
		into func(k, v string)
	}{
		{`SELECT id AS k, display_name || ' <' || user_principal_name || '>' AS v FROM dir_users WHERE connection_id = ` + conn,
			func(k, v string) { d.users[k] = v }},
		{`SELECT id AS k, display_name AS v FROM dir_groups WHERE connection_id = ` + conn, func(k, v string) { d.groups[k] = v }},
		{`SELECT group_id || ' → ' || member_id AS k, '' AS v FROM dir_memberships WHERE connection_id = ` + conn,
			func(k, _ string) { d.members[k] = true }},
	}
	for _, q := range queries {
		for _, row := range c.query(q.sql) {
			q.into(row[0], row[1])
		}
	}
	return d
}

// query runs a read-only query of two text columns k and v, with the sqlite3
// program when there is one (see checkIntegrity for why).
func (c *crashApp) query(q string) [][2]string {
	c.t.Helper()
	var rows [][2]string
	if cli, err := exec.LookPath("sqlite3"); err == nil {
		out, err := exec.Command(cli, "-readonly", "-json", c.dbPath, q).Output()
		if err != nil {
			c.t.Fatalf("sqlite3 %s: %v", q, err)
		}
		var objs []map[string]string
		if len(strings.TrimSpace(string(out))) > 0 {
			if err := json.Unmarshal(out, &objs); err != nil {
				c.t.Fatalf("sqlite3 %s: %v", q, err)
			}
		}
		for _, o := range objs {
			rows = append(rows, [2]string{o["k"], o["v"]})
		}
		return rows
	}
	db := c.readOnly()
	defer db.Close()
	r, err := db.Query(q)
	if err != nil {
		c.t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
		var row [2]string
		if err := r.Scan(&row[0], &row[1]); err != nil {
			c.t.Fatal(err)
		}
		rows = append(rows, row)
	}
	if err := r.Err(); err != nil {
		c.t.Fatal(err)
	}
	return rows
}

// diff describes how other differs from d ("" when equal) and counts the
// objects and memberships missing, extra or different.
func (d directory) diff(other directory) (string, int) {
	var out []string
	total := 0
	for _, s := range []struct {
		what      string
		want, got map[string]string
	}{
		{"users", d.users, other.users},
		{"groups", d.groups, other.groups},
		{"memberships", boolsToStrings(d.members), boolsToStrings(other.members)},
	} {
		if missing, extra, changed := compareMaps(s.want, s.got); missing+extra+changed > 0 {
			total += missing + extra + changed
			out = append(out, fmt.Sprintf("%s %d against %d: %d missing, %d extra, %d different",
				s.what, len(s.want), len(s.got), missing, extra, changed))
		}
	}
	return strings.Join(out, "; "), total
}

func boolsToStrings(m map[string]bool) map[string]string {
	out := make(map[string]string, len(m))
	for k := range m {
		out[k] = ""
	}
	return out
}

func compareMaps(want, got map[string]string) (missing, extra, changed int) {
	for k, v := range want {
		g, ok := got[k]
		switch {
		case !ok:
			missing++
		case g != v:
			changed++
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			extra++
		}
	}
	return missing, extra, changed
}

// compareWithTenant reads the tenant through Graph's plain lists (not the
// delta queries the sync uses) and compares it with the synchronized
// directory; it returns how many objects and memberships are missing,
// extra or different.
func (c *crashApp) compareWithTenant(emu *emulatortest.Server, got directory) int {
	c.t.Helper()
	token := emu.Token(c.t, "https://graph.microsoft.com/.default")
	want := directory{users: map[string]string{}, groups: map[string]string{}, members: map[string]bool{}}
	for _, u := range graphList(c.t, emu, token, "/v1.0/users?$select=id,displayName,userPrincipalName&$top=999") {
		want.users[u.ID] = u.DisplayName + " <" + u.UserPrincipalName + ">"
	}
	for _, g := range graphList(c.t, emu, token, "/v1.0/groups?$select=id,displayName&$top=999") {
		want.groups[g.ID] = g.DisplayName
		for _, m := range graphList(c.t, emu, token, "/v1.0/groups/"+g.ID+"/members?$select=id&$top=999") {
			want.members[g.ID+" → "+m.ID] = true
		}
	}
	if len(want.users) == 0 || len(want.groups) == 0 || len(want.members) == 0 {
		c.t.Fatalf("the tenant read back empty: %d users, %d groups, %d memberships", len(want.users), len(want.groups), len(want.members))
	}
	desc, diverged := want.diff(got)
	if diverged > 0 {
		c.t.Errorf("the directory differs from the tenant: %s", desc)
	}
	c.t.Logf("compared %d users, %d groups, %d memberships with the tenant", len(want.users), len(want.groups), len(want.members))
	return diverged
}

type graphObject struct {
	ID                string `json:"id"`
	DisplayName       string `json:"displayName"`
	UserPrincipalName string `json:"userPrincipalName"`
}

// graphList follows a Graph list's nextLinks to the end.
func graphList(t *testing.T, emu *emulatortest.Server, token, path string) []graphObject {
	t.Helper()
	var out []graphObject
	for next := emu.URL + path; next != ""; {
		req, _ := http.NewRequest(http.MethodGet, next, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := emu.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Value []graphObject `json:"value"`
			Next  string        `json:"@odata.nextLink"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v", next, resp.StatusCode, err)
		}
		out = append(out, page.Value...)
		next = page.Next
	}
	return out
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := strings.Cut(l.Addr().String(), ":")
	return port
}
