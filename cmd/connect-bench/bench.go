package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/connect/connect/internal/entra"
	"github.com/connect/connect/internal/store"
)

const (
	benchEmail    = "bench@example.com"
	benchPassword = "benchmark-password-1"
)

type bench struct {
	o       options
	dir     string
	emu     *process
	app     *process
	creds   credentials
	emuHTTP *http.Client // trusts the emulator's CA
	// graphHTTP is the HTTP client Connect itself uses for Entra ID and
	// Graph (entra.NewHTTPClient) with the emulator's CA, so that the floor
	// downloads the pages as Connect does: over HTTP/2, which costs more
	// than the HTTP/1.1 of emuHTTP.
	graphHTTP *http.Client
	web       *http.Client // signed-in session to Connect
	base      string
	st        *store.Store // read-only observation of runs
	connID    string
}

func newBench(ctx context.Context, o options) (*bench, error) {
	dir, err := os.MkdirTemp("", "connect-bench-")
	if err != nil {
		return nil, err
	}
	b := &bench{o: o, dir: dir}
	if err := b.startEmulator(ctx); err != nil {
		b.close()
		return nil, err
	}
	if err := b.startConnect(ctx); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

func (b *bench) close() {
	b.app.stop()
	b.emu.stop()
	if b.st != nil {
		b.st.Close()
	}
	if b.o.keep {
		fmt.Println("work folder kept:", b.dir)
		return
	}
	os.RemoveAll(b.dir)
}

func (b *bench) startEmulator(ctx context.Context) error {
	addr, err := freePort()
	if err != nil {
		return err
	}
	credsFile := filepath.Join(b.dir, "credentials.json")
	// Throttling off: the benchmark measures Connect, not the Graph budget.
	b.emu, err = start(ctx, "emulator", filepath.Join(b.dir, "emulator.log"), nil, filepath.Join(b.o.bin, "entra-emulator"),
		"--addr", addr, "--users", fmt.Sprint(b.o.users), "--groups", fmt.Sprint(b.o.groups), "--seed", "1",
		"--admin-api", "--throttle-units", "-1", "--ca-out", filepath.Join(b.dir, "ca.pem"), "--write-credentials", credsFile)
	if err != nil {
		return err
	}
	if err := waitFor(ctx, "emulator", 2*time.Minute, func() bool { st, err := os.Stat(credsFile); return err == nil && st.Size() > 0 }); err != nil {
		return err
	}
	time.Sleep(100 * time.Millisecond) // the file is written before the listener accepts
	if b.creds, b.emuHTTP, err = readCredentials(credsFile); err != nil {
		return err
	}
	ca, err := os.ReadFile(b.creds.CAFile)
	if err != nil {
		return err
	}
	b.graphHTTP, err = entra.NewHTTPClient(ca)
	return err
}

func (b *bench) startConnect(ctx context.Context) error {
	addr, err := freePort()
	if err != nil {
		return err
	}
	b.base = "http://" + addr
	env := []string{"CONNECT_DATA_DIR=" + filepath.Join(b.dir, "connect"), "CONNECT_ADDR=" + addr,
		"CONNECT_AUTHORITY_HOST=" + b.creds.AuthorityHost, "CONNECT_GRAPH_URL=" + b.creds.GraphURL,
		"CONNECT_EXTRA_CA_FILE=" + b.creds.CAFile, "CONNECT_LOG_FORMAT=json"}
	add := exec.CommandContext(ctx, filepath.Join(b.o.bin, "connect"), "user", "add", "--email", benchEmail, "--role", "admin")
	add.Env = append(os.Environ(), env...)
	add.Stdin = strings.NewReader(benchPassword + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		return fmt.Errorf("connect user add: %v: %s", err, out)
	}
	b.app, err = start(ctx, "connect", filepath.Join(b.dir, "connect.log"), env, filepath.Join(b.o.bin, "connect"), "serve")
	if err != nil {
		return err
	}
	if err := waitFor(ctx, "connect", time.Minute, func() bool {
		resp, err := http.Get(b.base + "/readyz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	}); err != nil {
		return err
	}
	b.st, err = store.Open(ctx, filepath.Join(b.dir, "connect", "connect.db"))
	if err != nil {
		return err
	}
	jar, _ := cookiejar.New(nil)
	b.web = &http.Client{Jar: jar, Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := b.post("/login", url.Values{"email": {benchEmail}, "password": {benchPassword}})
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("sign in: status %d", resp.StatusCode)
	}
	return nil
}

func (b *bench) post(path string, form url.Values) (*http.Response, error) {
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.web.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return resp, nil
}

// connectTenant runs the wizard; passing validation queues the first sync.
func (b *bench) connectTenant(ctx context.Context) (time.Time, error) {
	start := time.Now()
	resp, err := b.post("/directory-sync/azure", url.Values{"application_id": {b.creds.ApplicationID}, "key": {b.creds.Key},
		"tenant_domain": {b.creds.TenantDomain}})
	if err != nil {
		return start, err
	}
	loc := resp.Header.Get("Location")
	if !strings.HasSuffix(loc, "/validation") {
		return start, fmt.Errorf("wizard: status %d, location %q", resp.StatusCode, loc)
	}
	b.connID = strings.TrimSuffix(strings.TrimPrefix(loc, "/connections/"), "/validation")
	return start, nil
}

// syncNow queues a manual run through the page's button.
func (b *bench) syncNow() error {
	resp, err := b.post("/connections/"+b.connID+"/sync", nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("sync now: status %d", resp.StatusCode)
	}
	return nil
}

// waitRun waits for a finished run newer than after, sampling memory. The
// run's finished_at is written inside its apply transaction, before the
// commit (a second or two at 100,000 users), so the run counts as finished
// when its outcome is visible: seen is that moment, within one poll.
func (b *bench) waitRun(ctx context.Context, after time.Time, limit time.Duration) (run store.Run, seen time.Time, err error) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		runs, err := b.st.LatestRuns(ctx, b.connID, 1, 0)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Run{}, time.Time{}, err
		}
		if len(runs) == 1 && runs[0].QueuedAt.After(after.Add(-time.Second)) {
			switch runs[0].State {
			case store.RunSucceeded:
				return runs[0], time.Now(), nil
			case store.RunFailed, store.RunAwaitingApproval, store.RunCancelled, store.RunInterrupted:
				return runs[0], time.Time{}, fmt.Errorf("run ended %s: %s", runs[0].State, runs[0].Error)
			}
		}
		select {
		case <-ctx.Done():
			return store.Run{}, time.Time{}, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return store.Run{}, time.Time{}, fmt.Errorf("no finished run within %s", limit)
}
