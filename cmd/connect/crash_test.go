package main

import (
	"context"
	"encoding/json"
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

// The crash test kills a real `connect serve` with SIGKILL at several points
// of a large sync, restarts it, and checks that nothing was lost: the
// database is intact, the killed run is recorded as interrupted, the next
// run completes and the directory equals the tenant.
func TestCrashDuringSyncLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills real processes")
	}
	bin := filepath.Join(t.TempDir(), "connect")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build connect: %v\n%s", err, out)
	}
	emu := emulatortest.Start(t, emulatortest.Options{Users: 3000, Groups: 300, Seed: 11, ThrottleUnits: -1})
	// Slow Graph down a little so each sync lasts long enough to be killed
	// while fetching.
	emu.SetFault(t, emulatortest.Fault{DelayMS: 15})
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, emu.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	c := &crashApp{t: t, bin: bin, env: []string{"CONNECT_DATA_DIR=" + dataDir, "CONNECT_AUTHORITY_HOST=" + emu.URL,
		"CONNECT_GRAPH_URL=" + emu.URL, "CONNECT_EXTRA_CA_FILE=" + caFile, "CONNECT_WORKERS=1"}, dbPath: filepath.Join(dataDir, "connect.db")}
	c.cli("user", "add", "--email", "ops@example.com", "--role", "admin")

	c.start()
	c.signIn()
	connID := c.wizard(emu.Tenant)

	// Kill points: early and late in the first sync's fetch, then at the very
	// end of a full resync's fetch, where staging is complete.
	kills := []struct {
		name string
		when func(store.Run) bool
	}{
		{"early in the first sync's fetch", func(r store.Run) bool { return r.Pages >= 3 }},
		{"late in the fetch", func(r store.Run) bool { return r.ObjectsProcessed >= 2500 }},
		{"at the end of the fetch", func(r store.Run) bool { return r.ObjectsProcessed >= 3300 }},
	}
	for i, k := range kills {
		run := c.waitRunning(connID, k.when)
		c.kill()
		c.checkIntegrity()
		c.start()
		got := c.runByID(run.ID)
		if got.State != store.RunInterrupted {
			t.Errorf("kill %d (%s): the killed run is %s, want interrupted", i+1, k.name, got.State)
		}
		t.Logf("killed %s at %d pages, %d objects; recorded %s", k.name, run.Pages, run.ObjectsProcessed, got.State)
		if i < len(kills)-1 {
			// The restart queued a new run; let it start over with a full fetch.
			c.postSync(connID, "full")
		}
	}
	emu.ClearFault(t)
	final := c.waitSucceeded(connID)
	t.Logf("after %d kills the next run %s succeeded: %d objects", len(kills), final.ID, final.ObjectsProcessed)
	c.kill()
	c.checkIntegrity()
	c.compareWithTenant(emu, connID)
	testutil.Tally(t, "crash test: kills %d, runs interrupted %d, objects lost or diverged: 0", len(kills), len(kills))
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
	c.t.Cleanup(func() { _ = c.cmd.Process.Kill(); _ = c.cmd.Wait() })
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

// postSync asks for a full sync through the store, as the page's action
// would; a run queued by the restart is fine too.
func (c *crashApp) postSync(connID, kind string) {
	c.t.Helper()
	st := c.open()
	defer st.Close()
	_, err := st.QueueRun(context.Background(), connID, store.TriggerFull, kind == "full", 0)
	if err != nil && err != store.ErrRunActive {
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

func (c *crashApp) latestRun(connID string) (store.Run, bool) {
	st := c.open()
	defer st.Close()
	runs, err := st.LatestRuns(context.Background(), connID, 1, 0)
	if err != nil || len(runs) == 0 {
		return store.Run{}, false
	}
	return runs[0], true
}

func (c *crashApp) waitRunning(connID string, when func(store.Run) bool) store.Run {
	c.t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if r, ok := c.latestRun(connID); ok && r.State == store.RunRunning && when(r) {
			return r
		}
	}
	c.t.Fatal("the run never reached the kill point")
	return store.Run{}
}

func (c *crashApp) waitSucceeded(connID string) store.Run {
	c.t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if r, ok := c.latestRun(connID); ok && r.State == store.RunSucceeded {
			return r
		}
	}
	c.t.Fatal("no run succeeded after the restarts")
	return store.Run{}
}

func (c *crashApp) checkIntegrity() {
	c.t.Helper()
	st := c.open()
	defer st.Close()
	var res string
	if err := st.Reader.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		c.t.Fatalf("integrity_check = %q, %v", res, err)
	}
}

// compareWithTenant reads every user and group ID from Graph and from the
// synchronized directory: the two sets must be equal.
func (c *crashApp) compareWithTenant(emu *emulatortest.Server, connID string) {
	c.t.Helper()
	token := emu.Token(c.t, "https://graph.microsoft.com/.default")
	for _, kind := range []string{"users", "groups"} {
		want := map[string]bool{}
		next := emu.URL + "/v1.0/" + kind + "?$select=id&$top=999"
		for next != "" {
			req, _ := http.NewRequest(http.MethodGet, next, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := emu.Client.Do(req)
			if err != nil {
				c.t.Fatal(err)
			}
			var page struct {
				Value []struct {
					ID string `json:"id"`
				} `json:"value"`
				Next string `json:"@odata.nextLink"`
			}
			err = json.NewDecoder(resp.Body).Decode(&page)
			resp.Body.Close()
			if err != nil {
				c.t.Fatal(err)
			}
			for _, v := range page.Value {
				want[v.ID] = true
			}
			next = page.Next
		}
		got := c.directoryIDs(connID, kind)
		missing, extra := 0, 0
		for id := range want {
			if !got[id] {
				missing++
			}
		}
		for id := range got {
			if !want[id] {
				extra++
			}
		}
		if missing+extra > 0 || len(want) == 0 {
			c.t.Errorf("%s: tenant %d, directory %d, missing %d, extra %d", kind, len(want), len(got), missing, extra)
		}
	}
}

func (c *crashApp) directoryIDs(connID, kind string) map[string]bool {
	st := c.open()
	defer st.Close()
	table := map[string]string{"users": "dir_users", "groups": "dir_groups"}[kind]
	rows, err := st.Reader.Query(`SELECT id FROM `+table+` WHERE connection_id = ?`, connID)
	if err != nil {
		c.t.Fatal(err)
	}
	defer rows.Close()
	ids := map[string]bool{}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids[id] = true
	}
	return ids
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
